/* The C interface (native/capi/colorize_c.h) as a C program meets it, on the committed tiny
 * model and pictures made here: strides, depths and alpha in and out, each method, hints and
 * paint, and the statuses and messages of what is out of contract.
 *
 *   test_capi TINY_MODEL.onnx EXPECTED_VERSION
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "colorize_c.h"

static int failures = 0;

#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                            \
      fprintf(stderr, "\n");                                                   \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

enum { W = 96, H = 64 };

/* A grey scene: a bright sky above a darker, textured ground, with a left-to-right ramp. */
static uint8_t scene(int x, int y) {
  int v = y < H / 2 ? 200 + (x * 40) / W : 60 + ((x * 7 + y * 13) % 50);
  return (uint8_t)(v > 255 ? 255 : v);
}

static colorize_picture picture(int w, int h, int channels, int bits, size_t stride, void* px) {
  colorize_picture p;
  p.width = w;
  p.height = h;
  p.channels = channels;
  p.bits = bits;
  p.stride = stride;
  p.pixels = px;
  return p;
}

/* Mean of channel c minus channel d over an 8-bit RGB(A) result. */
static double mean_diff(const uint8_t* px, int channels, int c, int d) {
  double s = 0;
  for (int i = 0; i < W * H; ++i) s += (double)px[i * channels + c] - px[i * channels + d];
  return s / (W * H);
}

static double max_chroma(const uint8_t* px, int channels) {
  int m = 0;
  for (int i = 0; i < W * H; ++i) {
    const uint8_t* p = px + i * channels;
    int d = abs(p[0] - p[1]) + abs(p[1] - p[2]) + abs(p[2] - p[0]);
    if (d > m) m = d;
  }
  return m;
}

static int contains(const char* haystack, const char* needle) {
  return strstr(haystack, needle) != NULL;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: test_capi TINY_MODEL.onnx EXPECTED_VERSION\n");
    return 2;
  }
  const char* model = argv[1];
  CHECK(strcmp(colorize_version(), argv[2]) == 0, "version %s", colorize_version());

  colorize_options o;
  colorize_options_default(&o);
  CHECK(o.working_size == 0 && o.widen_tones == 1 && o.saturation == 1.0f && o.reach == 0.15f &&
            o.backend == NULL,
        "defaults");
  o.working_size = 64;

  /* The grey scene, tightly packed and in rows padded to 103 bytes; 16 bits; grey + alpha. */
  static uint8_t grey[W * H], padded[103 * H], grey_alpha[W * H * 2];
  static uint16_t grey16[W * H];
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x) {
      const uint8_t v = scene(x, y);
      grey[y * W + x] = v;
      padded[y * 103 + x] = v;
      grey16[y * W + x] = (uint16_t)(v * 257);
      grey_alpha[(y * W + x) * 2] = v;
      grey_alpha[(y * W + x) * 2 + 1] = (uint8_t)(x * 2);
    }
  colorize_picture in = picture(W, H, 1, 8, W, grey);

  /* A model. */
  colorize_t* c = NULL;
  CHECK(colorize_new_model(model, &o, &c) == COLORIZE_OK, "%s", colorize_last_error());
  if (!c) return 1;
  CHECK(strcmp(colorize_method(c), "model") == 0, "method %s", colorize_method(c));
  static uint8_t rgb[W * H * 3], rgb_padded[W * H * 3], rgba[W * H * 4];
  colorize_picture out = picture(W, H, 3, 8, W * 3, rgb);
  CHECK(colorize_run(c, &in, NULL, 0, NULL, &out) == COLORIZE_OK, "%s", colorize_last_error());
  CHECK(strcmp(colorize_last_error(), "") == 0, "a success leaves a message: %s",
        colorize_last_error());

  /* A film: its first frame is colorize_run's result; the same frame again has colour carried
   * in; a carry out of range and a NULL film are refused. */
  {
    static uint8_t frame_rgb[W * H * 3];
    colorize_picture frame_out = picture(W, H, 3, 8, W * 3, frame_rgb);
    colorize_film_t* film = NULL;
    int shot = -1;
    CHECK(colorize_film_new(0.8f, &film) == COLORIZE_OK && film, "%s", colorize_last_error());
    CHECK(colorize_run_frame(c, film, &in, NULL, 0, NULL, &frame_out, &shot) == COLORIZE_OK, "%s",
          colorize_last_error());
    CHECK(shot == 1 && memcmp(frame_rgb, rgb, sizeof rgb) == 0, "first frame: new shot %d", shot);
    CHECK(colorize_run_frame(c, film, &in, NULL, 0, NULL, &frame_out, &shot) == COLORIZE_OK &&
              shot == 0,
          "second frame: new shot %d %s", shot, colorize_last_error());
    colorize_film_free(film);
    film = NULL;
    CHECK(colorize_film_new(0.96f, &film) == COLORIZE_INVALID_ARGUMENT && film == NULL &&
              contains(colorize_last_error(), "0 .. 0.95"),
          "%s", colorize_last_error());
    CHECK(colorize_run_frame(c, NULL, &in, NULL, 0, NULL, &frame_out, &shot) ==
                  COLORIZE_INVALID_ARGUMENT &&
              contains(colorize_last_error(), "film is NULL"),
          "%s", colorize_last_error());
    colorize_film_free(NULL);
  }
  /* A file in, a file out: an 8 x 6 grey PNG (made once by a zlib script) gives a PNG that says
   * its colours are a guess; what is not an image, a format not written and NULLs are refused
   * with nothing handed out. (The result is compared with the CLI's, byte for byte, in
   * tests/python/test_capi.py.) */
  {
    static const unsigned char png[] = {
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x06, 0x08, 0x00, 0x00, 0x00, 0x00, 0xdb,
        0x6e, 0x80, 0x27, 0x00, 0x00, 0x00, 0x2f, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x60,
        0x90, 0xb3, 0x89, 0xaa, 0x98, 0xb6, 0xe5, 0x12, 0x03, 0x97, 0x86, 0x5b, 0x4a, 0xd3, 0x82,
        0x7d, 0x77, 0x18, 0x44, 0x8c, 0x02, 0xf2, 0x7a, 0x56, 0x9d, 0x78, 0x06, 0x93, 0xf9, 0xc0,
        0x00, 0x95, 0xf9, 0xc5, 0x00, 0x95, 0x61, 0x01, 0x00, 0x42, 0xb4, 0x17, 0x61, 0x0d, 0x1b,
        0xda, 0x83, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
    unsigned char* file = NULL;
    size_t file_size = 0;
    CHECK(colorize_run_file(c, png, sizeof png, NULL, 0, NULL, NULL, &file, &file_size) ==
                  COLORIZE_OK &&
              file && file_size > 100 && memcmp(file, png, 8) == 0,
          "%s", colorize_last_error());
    int noted = 0;
    for (size_t i = 0; file && i + 21 < file_size; ++i)
      if (memcmp(file + i, "Colorized by colorize", 21) == 0) noted = 1;
    CHECK(noted, "no provenance note in the result");
    colorize_bytes_free(file);
    colorize_bytes_free(NULL);
    colorize_file_options fo;
    colorize_file_options_default(&fo);
    CHECK(fo.format == NULL && fo.jpeg_quality == 92 && fo.keep_metadata == 1 && fo.page == 1,
          "file defaults");
    fo.format = "jpeg";
    CHECK(colorize_run_file(c, png, sizeof png, NULL, 0, NULL, &fo, &file, &file_size) ==
                  COLORIZE_OK &&
              file_size > 2 && file[0] == 0xff && file[1] == 0xd8,
          "as JPEG: %s", colorize_last_error());
    colorize_bytes_free(file);
    fo.format = "gif";
    file = (unsigned char*)png; /* must come back NULL */
    CHECK(colorize_run_file(c, png, sizeof png, NULL, 0, NULL, &fo, &file, &file_size) ==
                  COLORIZE_INVALID_ARGUMENT &&
              file == NULL && contains(colorize_last_error(), "png, jpeg, tiff or same"),
          "%s", colorize_last_error());
    CHECK(colorize_run_file(c, "not an image", 12, NULL, 0, NULL, NULL, &file, &file_size) !=
                  COLORIZE_OK &&
              file == NULL && file_size == 0 && strlen(colorize_last_error()) > 0,
          "junk taken");
    const colorize_hint outside = {9.0f, 1.0f, 200, 40, 180};
    CHECK(colorize_run_file(c, png, sizeof png, &outside, 1, NULL, NULL, &file, &file_size) ==
                  COLORIZE_INVALID_ARGUMENT &&
              contains(colorize_last_error(), "outside the picture"),
          "%s", colorize_last_error());
    CHECK(colorize_run_file(c, png, sizeof png, NULL, 0, NULL, NULL, NULL, &file_size) ==
              COLORIZE_INVALID_ARGUMENT,
          "NULL out taken");
  }
  CHECK(max_chroma(rgb, 3) > 6, "no colour: %g", max_chroma(rgb, 3));
  /* A padded stride gives the same result. */
  colorize_picture in_padded = picture(W, H, 1, 8, 103, padded);
  colorize_picture out2 = picture(W, H, 3, 8, W * 3, rgb_padded);
  CHECK(colorize_run(c, &in_padded, NULL, 0, NULL, &out2) == COLORIZE_OK, "%s",
        colorize_last_error());
  CHECK(memcmp(rgb, rgb_padded, sizeof rgb) == 0, "a padded stride changed the result");
  /* 16 bits in, 16 bits out: the 8-bit result within one level. */
  static uint16_t rgb16[W * H * 3];
  colorize_picture in16 = picture(W, H, 1, 16, W * 2, grey16);
  colorize_picture out16 = picture(W, H, 3, 16, W * 6, rgb16);
  CHECK(colorize_run(c, &in16, NULL, 0, NULL, &out16) == COLORIZE_OK, "%s", colorize_last_error());
  int worst = 0;
  for (int i = 0; i < W * H * 3; ++i) {
    int d = abs((int)((rgb16[i] * 255u + 32767u) / 65535u) - rgb[i]);
    if (d > worst) worst = d;
  }
  CHECK(worst <= 1, "16-bit result differs from the 8-bit one by %d levels", worst);
  /* RGBA out: the picture's alpha kept; opaque for a picture without alpha. */
  colorize_picture in_ga = picture(W, H, 2, 8, W * 2, grey_alpha);
  colorize_picture out_rgba = picture(W, H, 4, 8, W * 4, rgba);
  CHECK(colorize_run(c, &in_ga, NULL, 0, NULL, &out_rgba) == COLORIZE_OK, "%s",
        colorize_last_error());
  CHECK(rgba[(5 * W + 40) * 4 + 3] == 80 && rgba[3] == 0, "alpha %d %d", rgba[(5 * W + 40) * 4 + 3],
        rgba[3]);
  CHECK(colorize_run(c, &in, NULL, 0, NULL, &out_rgba) == COLORIZE_OK, "%s", colorize_last_error());
  CHECK(rgba[3] == 255 && rgba[(W * H - 1) * 4 + 3] == 255, "not opaque");
  /* A magenta hint on the ground: the ground turns magenta (red above green, blue above green). */
  const colorize_hint hint = {48.0f, 48.0f, 200, 40, 180};
  CHECK(colorize_run(c, &in, &hint, 1, NULL, &out2) == COLORIZE_OK, "%s", colorize_last_error());
  {
    int i = (48 * W + 48) * 3;
    CHECK(rgb_padded[i] > rgb_padded[i + 1] + 40 && rgb_padded[i + 2] > rgb_padded[i + 1] + 40,
          "at the hint: %d %d %d", rgb_padded[i], rgb_padded[i + 1], rgb_padded[i + 2]);
  }

  /* Out of contract: each refused with its status and a message that says what. */
  colorize_picture bad = in;
  bad.channels = 5;
  CHECK(colorize_run(c, &bad, NULL, 0, NULL, &out) == COLORIZE_INVALID_ARGUMENT &&
            contains(colorize_last_error(), "5 channels"),
        "%s", colorize_last_error());
  bad = in;
  bad.stride = W - 1;
  CHECK(colorize_run(c, &bad, NULL, 0, NULL, &out) == COLORIZE_INVALID_ARGUMENT &&
            contains(colorize_last_error(), "stride"),
        "%s", colorize_last_error());
  bad = in;
  bad.bits = 12;
  CHECK(colorize_run(c, &bad, NULL, 0, NULL, &out) == COLORIZE_INVALID_ARGUMENT &&
            contains(colorize_last_error(), "12 bits"),
        "%s", colorize_last_error());
  bad = in;
  bad.width = 200000;
  bad.height = 200000;
  bad.stride = 200000;
  CHECK(colorize_run(c, &bad, NULL, 0, NULL, &out) == COLORIZE_TOO_LARGE, "%s",
        colorize_last_error());
  colorize_picture small = picture(W / 2, H, 3, 8, W * 3, rgb);
  CHECK(colorize_run(c, &in, NULL, 0, NULL, &small) == COLORIZE_INVALID_ARGUMENT &&
            contains(colorize_last_error(), "48 x 64"),
        "%s", colorize_last_error());
  colorize_picture grey_out = picture(W, H, 1, 8, W, grey);
  CHECK(colorize_run(c, &in, NULL, 0, NULL, &grey_out) == COLORIZE_INVALID_ARGUMENT &&
            contains(colorize_last_error(), "3 (RGB) or 4 (RGBA)"),
        "%s", colorize_last_error());
  const colorize_hint outside = {500.0f, 3.0f, 1, 2, 3};
  CHECK(colorize_run(c, &in, &outside, 1, NULL, &out) == COLORIZE_INVALID_ARGUMENT &&
            contains(colorize_last_error(), "outside the picture"),
        "%s", colorize_last_error());
  CHECK(colorize_run(c, &in, NULL, 2, NULL, &out) == COLORIZE_INVALID_ARGUMENT, "hints NULL");
  CHECK(colorize_run(NULL, &in, NULL, 0, NULL, &out) == COLORIZE_INVALID_ARGUMENT,
        "NULL colorizer");
  CHECK(colorize_run(c, NULL, NULL, 0, NULL, &out) == COLORIZE_INVALID_ARGUMENT, "NULL picture");
  colorize_free(c);

  colorize_options wrong = o;
  wrong.saturation = 9.0f;
  c = (colorize_t*)&o; /* must be cleared on failure */
  CHECK(colorize_new_model(model, &wrong, &c) == COLORIZE_INVALID_ARGUMENT && c == NULL &&
            contains(colorize_last_error(), "saturation"),
        "%s", colorize_last_error());
  wrong = o;
  wrong.working_size = 7;
  CHECK(colorize_new_marks_only(&wrong, &c) == COLORIZE_INVALID_ARGUMENT, "working size 7");
  CHECK(colorize_new_model(model, NULL, NULL) == COLORIZE_INVALID_ARGUMENT, "NULL out");

  /* A missing model: reported at the first picture, naming the file. */
  CHECK(colorize_new_model("no-such-model.onnx", &o, &c) == COLORIZE_OK, "%s",
        colorize_last_error());
  CHECK(colorize_run(c, &in, NULL, 0, NULL, &out) == COLORIZE_IO &&
            contains(colorize_last_error(), "no-such-model.onnx"),
        "%s", colorize_last_error());
  colorize_free(c);
  colorize_free(NULL);

  /* Marks alone: nothing to spread is refused; one blue hint colours the picture blue; a
   * painted copy (a green square on the grey scene) colours it green. */
  CHECK(colorize_new_marks_only(NULL, &c) == COLORIZE_OK, "%s", colorize_last_error());
  CHECK(strcmp(colorize_method(c), "marks") == 0, "method %s", colorize_method(c));
  CHECK(colorize_run(c, &in, NULL, 0, NULL, &out) == COLORIZE_INVALID_ARGUMENT,
        "nothing to spread");
  const colorize_hint blue = {20.0f, 10.0f, 40, 90, 200};
  CHECK(colorize_run(c, &in, &blue, 1, NULL, &out) == COLORIZE_OK, "%s", colorize_last_error());
  CHECK(mean_diff(rgb, 3, 2, 0) > 20, "not blue: %g", mean_diff(rgb, 3, 2, 0));
  static uint8_t painted_px[W * H * 3];
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x) {
      uint8_t* p = painted_px + (y * W + x) * 3;
      const int square = x >= 40 && x < 56 && y >= 40 && y < 56;
      p[0] = square ? 40 : grey[y * W + x];
      p[1] = square ? 160 : grey[y * W + x];
      p[2] = square ? 40 : grey[y * W + x];
    }
  colorize_picture painted = picture(W, H, 3, 8, W * 3, painted_px);
  CHECK(colorize_run(c, &in, NULL, 0, &painted, &out) == COLORIZE_OK, "%s", colorize_last_error());
  CHECK(mean_diff(rgb, 3, 1, 0) > 10 && mean_diff(rgb, 3, 1, 2) > 10, "not green: %g %g",
        mean_diff(rgb, 3, 1, 0), mean_diff(rgb, 3, 1, 2));
  /* A film painted on its first frame holds the paint; stopped there, a new film given that
   * frame's result and the points goes on green without being painted again (without the
   * points, marks alone have nothing to spread and the frame is refused). */
  {
    colorize_film_t *film = NULL, *again = NULL;
    CHECK(colorize_film_new(0.8f, &film) == COLORIZE_OK &&
              colorize_film_new(0.8f, &again) == COLORIZE_OK,
          "%s", colorize_last_error());
    CHECK(colorize_run_frame(c, film, &in, NULL, 0, &painted, &out, NULL) == COLORIZE_OK, "%s",
          colorize_last_error());
    static colorize_held_point points[W * H];
    const size_t n = colorize_film_held(film, NULL, 0);
    CHECK(n >= 16 * 16 && n <= W * H && colorize_film_held(film, points, W * H) == n &&
              colorize_film_held(NULL, points, W * H) == 0,
          "held %zu", n);
    CHECK(colorize_film_hold(again, points, n) == COLORIZE_INVALID_ARGUMENT &&
              contains(colorize_last_error(), "remember one first"),
          "%s", colorize_last_error());
    CHECK(colorize_film_remember(again, &out) == COLORIZE_OK, "%s", colorize_last_error());
    CHECK(colorize_film_hold(again, NULL, 3) == COLORIZE_INVALID_ARGUMENT &&
              contains(colorize_last_error(), "points is NULL"),
          "%s", colorize_last_error());
    CHECK(colorize_film_hold(again, points, n) == COLORIZE_OK, "%s", colorize_last_error());
    static colorize_held_point back[W * H];
    CHECK(
        colorize_film_held(again, back, W * H) == n && memcmp(back, points, n * sizeof *back) == 0,
        "the points held are not those given");
    memset(rgb, 0, sizeof rgb);
    CHECK(colorize_run_frame(c, again, &in, NULL, 0, NULL, &out, NULL) == COLORIZE_OK, "%s",
          colorize_last_error());
    CHECK(mean_diff(rgb, 3, 1, 0) > 10 && mean_diff(rgb, 3, 1, 2) > 10,
          "the film went on without its paint: %g %g", mean_diff(rgb, 3, 1, 0),
          mean_diff(rgb, 3, 1, 2));
    /* Without the points, marks alone have nothing to go on with. */
    colorize_film_t* without = NULL;
    CHECK(colorize_film_new(0.8f, &without) == COLORIZE_OK &&
              colorize_film_remember(without, &out) == COLORIZE_OK &&
              colorize_run_frame(c, without, &in, NULL, 0, NULL, &out, NULL) ==
                  COLORIZE_INVALID_ARGUMENT &&
              contains(colorize_last_error(), "paint held"),
          "%s", colorize_last_error());
    colorize_film_free(without);
    CHECK(colorize_film_remember(NULL, &out) == COLORIZE_INVALID_ARGUMENT &&
              colorize_film_remember(again, NULL) == COLORIZE_INVALID_ARGUMENT,
          "NULLs taken");
    colorize_film_free(film);
    colorize_film_free(again);
  }
  colorize_free(c);

  /* The exemplar method: colour from a reddish reference. */
  static uint8_t ref_px[W * H * 3];
  for (int i = 0; i < W * H; ++i) {
    const int v = scene(i % W, i / W);
    ref_px[i * 3] = (uint8_t)(v > 215 ? 255 : v + 40);
    ref_px[i * 3 + 1] = (uint8_t)(v * 3 / 4);
    ref_px[i * 3 + 2] = (uint8_t)(v * 3 / 4);
  }
  colorize_picture ref = picture(W, H, 3, 8, W * 3, ref_px);
  CHECK(colorize_new_reference(&ref, &o, &c) == COLORIZE_OK, "%s", colorize_last_error());
  CHECK(strcmp(colorize_method(c), "exemplar") == 0, "method %s", colorize_method(c));
  memset(ref_px, 0, sizeof ref_px); /* the reference was copied */
  CHECK(colorize_run(c, &in, NULL, 0, NULL, &out) == COLORIZE_OK, "%s", colorize_last_error());
  CHECK(mean_diff(rgb, 3, 0, 2) > 8, "not red: %g", mean_diff(rgb, 3, 0, 2));
  colorize_free(c);
  CHECK(colorize_new_reference(NULL, &o, &c) == COLORIZE_INVALID_ARGUMENT, "NULL reference");

  /* The models folder: the length it needs, and the text when it fits. */
  char dir[4096];
  const size_t n = colorize_models_dir(NULL, 0);
  CHECK(n > 0 && n < sizeof dir && colorize_models_dir(dir, sizeof dir) == n && strlen(dir) == n,
        "models dir %zu", n);

  if (failures)
    fprintf(stderr, "%d checks failed\n", failures);
  else
    printf("test_capi: all checks passed\n");
  return failures ? 1 : 0;
}
