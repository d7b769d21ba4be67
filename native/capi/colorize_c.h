/* colorize's C interface: colorize::Colorizer (colorize/colorizer.h) behind a stable C ABI, for
 * programs in C and for other languages through their foreign-function interfaces (Python's
 * ctypes: native/capi/python/colorize_c.py). Built as the shared library libcolorize.so.
 *
 *   colorize_t* c = NULL;
 *   if (colorize_new_model(NULL, NULL, &c) != COLORIZE_OK)       // the installed default model
 *     fprintf(stderr, "%s\n", colorize_last_error());
 *   colorize_picture in = {w, h, 1, 8, w, grey_pixels};             // 8-bit grey, rows of w bytes
 *   colorize_picture out = {w, h, 3, 8, 3 * w, rgb_pixels};         // the caller's buffer
 *   colorize_run(c, &in, NULL, 0, NULL, &out);
 *   colorize_free(c);
 *
 * Contracts:
 * - Pixels are sRGB, rows top to bottom, samples interleaved (grey; grey + alpha; R G B;
 *   R G B A), 8 bits (uint8) or 16 bits (uint16, native byte order) a sample; `stride` is the
 *   distance between rows in bytes. The library never keeps a pointer to a caller's pixels
 *   after a call returns.
 * - Every function that can fail returns a colorize_status; on failure, colorize_last_error()
 *   says why (in English, naming the file or argument), for the calling thread, until its next
 *   call into the library. No function prints, exits or throws.
 * - A colorize_t may be used from several threads at once (model runs take turns); create and
 *   free it on one.
 */
#ifndef COLORIZE_C_H_
#define COLORIZE_C_H_

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define COLORIZE_C_API __declspec(dllexport)
#else
#define COLORIZE_C_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped when a declaration here changes incompatibly (the library's SONAME follows it). */
#define COLORIZE_C_ABI_VERSION 1

typedef enum colorize_status {
  COLORIZE_OK = 0,
  COLORIZE_INVALID_ARGUMENT = 1, /* out of contract: null pointers, sizes, ranges, options */
  COLORIZE_IO = 2,               /* a file could not be read (a model, a manifest) */
  COLORIZE_CORRUPT_MODEL = 3,    /* a model file that cannot be parsed or validated */
  COLORIZE_UNSUPPORTED = 4,      /* something this build does not do (an op, an input) */
  COLORIZE_NO_BACKEND = 5,       /* no backend can run the model (e.g. "cuda" not built) */
  COLORIZE_TOO_LARGE = 6,        /* a picture above the pixel limit */
  COLORIZE_OUT_OF_MEMORY = 7,
  COLORIZE_INTERNAL = 8 /* a bug of ours: please report it */
} colorize_status;

/* One method with its settings: a model, the exemplar method, or colour from marks alone. */
typedef struct colorize_handle colorize_t;

typedef struct colorize_picture {
  int width;     /* pixels, >= 1 */
  int height;    /* pixels, >= 1 */
  int channels;  /* 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA */
  int bits;      /* 8 or 16 bits a sample */
  size_t stride; /* bytes from one row to the next, >= width * channels * bits / 8 */
  void* pixels;  /* width x height pixels (read-only where the picture is an input) */
} colorize_picture;

/* A colour hint: "this pixel is this colour". Its colour is held where given (and a model with
 * hint inputs sees it). x, y in the picture's pixels (0 .. width, 0 .. height); r, g, b sRGB. */
typedef struct colorize_hint {
  float x;
  float y;
  uint8_t r, g, b;
} colorize_hint;

typedef struct colorize_options {
  /* The longest side the method sees, pixels (32 .. 4096, rounded to a multiple of 32); 0: the
   * model's own size from the manifest beside it (else 256); 256 for the exemplar method; 384
   * for marks alone. */
  int working_size;
  int widen_tones;  /* 1: show a model a faded print with its greys widened (default); 0: as is */
  float saturation; /* 0 .. 4, 1 = as predicted (default) */
  float reach;      /* how far a hint's or paint's correction spreads: 0.01 .. 10 of the longer
                       side (default 0.15) */
  const char* backend; /* a model's backend: NULL or "auto" (default), "cpu", "cpu-ref", "cuda"
                         (a library built with -DCOLORIZE_CUDA=ON) */
} colorize_options;

/* The library's version, e.g. "0.1.0". */
COLORIZE_C_API const char* colorize_version(void);

/* Why the calling thread's last failing call failed ("" when none has). */
COLORIZE_C_API const char* colorize_last_error(void);

/* The defaults above. */
COLORIZE_C_API void colorize_options_default(colorize_options* options);

/* The folder of the shipped models this library uses when given none: $COLORIZE_MODELS when
 * set, else an installed copy's (PREFIX/share/colorize/models beside PREFIX/lib), else the
 * source tree's models/ it was built from. Written to buf (NUL-terminated) when it fits;
 * returns the length it needs without the NUL. */
COLORIZE_C_API size_t colorize_models_dir(char* buf, size_t size);

/* A model (ONNX, see models/README.md). model_path NULL: the manifest's default model in
 * colorize_models_dir(). options NULL: the defaults. The model is read at the first
 * colorize_run (so a bad file is reported there); a missing default model is reported here. */
COLORIZE_C_API colorize_status colorize_new_model(const char* model_path,
                                                  const colorize_options* options,
                                                  colorize_t** out);

/* The exemplar method (Welsh et al. 2002): colour transferred from `reference`, a colour photo
 * of a similar scene (copied: the caller may free it after the call). */
COLORIZE_C_API colorize_status colorize_new_reference(const colorize_picture* reference,
                                                      const colorize_options* options,
                                                      colorize_t** out);

/* No model: colour only from the hints and paint given to colorize_run (Levin et al. 2004). */
COLORIZE_C_API colorize_status colorize_new_marks_only(const colorize_options* options,
                                                       colorize_t** out);

/* Frees what colorize_new_* made (NULL is allowed). */
COLORIZE_C_API void colorize_free(colorize_t* colorizer);

/* "model", "exemplar" or "marks". */
COLORIZE_C_API const char* colorize_method(const colorize_t* colorizer);

/* The colour result of `picture` into `out`, which the caller owns: out->width and out->height
 * those of the picture; out->channels 3 (RGB) or 4 (RGBA: the picture's alpha, or opaque);
 * out->bits 8 or 16 (whatever the picture's depth). The result keeps the picture's lightness.
 * hints: n_hints of them (NULL when 0). painted: NULL, or a copy of the picture (same size) with
 * colour painted where the result should change (its pixels that differ from the picture by
 * more than Delta E 6 are the paint). out's pixels are written only on success. */
COLORIZE_C_API colorize_status colorize_run(const colorize_t* colorizer,
                                            const colorize_picture* picture,
                                            const colorize_hint* hints, size_t n_hints,
                                            const colorize_picture* painted, colorize_picture* out);

/* How colorize_run_file writes its result. */
typedef struct colorize_file_options {
  const char* format; /* "png", "jpeg", "tiff"; NULL or "same": the original's format where it
                         is one of these, else PNG (default NULL) */
  int jpeg_quality;   /* 1 .. 100 (default 92) */
  int keep_metadata;  /* 1: the original's EXIF and XMP go on to the result (default); 0: not */
  int page;           /* which page of a multi-page TIFF, from 1 (default 1) */
} colorize_file_options;

/* The defaults above. */
COLORIZE_C_API void colorize_file_options_default(colorize_file_options* options);

/* An image file's colour result, as a file, made as the colorize CLI makes one: `bytes` (`size`
 * bytes of a PNG, JPEG, TIFF, BMP, GIF or TGA file) decoded with its colour profile applied and
 * turned upright by its EXIF orientation; colorized as colorize_run does (hints in the upright
 * picture's pixels; painted: NULL or a copy of the upright picture); written with its 16 bits
 * where the format keeps them (PNG, TIFF), the original's resolution, EXIF and XMP carried, and
 * a note that its colours are a plausible guess. options NULL: the defaults. On success *out
 * holds the file's bytes (the library's: free them with colorize_bytes_free) and *out_size
 * their number; on failure *out is NULL. */
COLORIZE_C_API colorize_status colorize_run_file(const colorize_t* colorizer, const void* bytes,
                                                 size_t size, const colorize_hint* hints,
                                                 size_t n_hints, const colorize_picture* painted,
                                                 const colorize_file_options* options,
                                                 unsigned char** out, size_t* out_size);

/* Frees what colorize_run_file gave (NULL is allowed). */
COLORIZE_C_API void colorize_bytes_free(unsigned char* bytes);

/* The memory of one film (colorize/film.h): for its frames, in order, each frame's colour is
 * carried into the next where the picture matches, following the motion, so that the colour
 * holds still instead of flickering; a cut starts afresh. carry: how much of the frames before
 * is kept where a frame matches, 0 .. 0.95 (0.8 is the CLI's default: about the last five
 * frames; 0: each frame on its own). One film is used by one thread at a time. */
typedef struct colorize_film colorize_film_t;
COLORIZE_C_API colorize_status colorize_film_new(float carry, colorize_film_t** out);
/* Frees what colorize_film_new made (NULL is allowed). */
COLORIZE_C_API void colorize_film_free(colorize_film_t* film);

/* As colorize_run, for the next frame of `film` (which it updates); a frame's `painted` copy
 * also holds for the frames after it, following the picture, until what it covers changes or
 * the shot ends. new_shot, when not NULL,
 * is set to 1 when nothing was carried into this frame (the film's first, a cut, or a frame of
 * another size: the result is then colorize_run's), else 0. */
COLORIZE_C_API colorize_status colorize_run_frame(const colorize_t* colorizer,
                                                  colorize_film_t* film,
                                                  const colorize_picture* frame,
                                                  const colorize_hint* hints, size_t n_hints,
                                                  const colorize_picture* painted,
                                                  colorize_picture* out, int* new_shot);

/* Going on with a film stopped part-way (another run, another process): keep its last frame's
 * result and the paint it holds (colorize_film_held); later, make a film with the same carry,
 * give it that result (colorize_film_remember) and then the points (colorize_film_hold), and
 * go on with the next frame: the frames after come out as if the film had never stopped.
 *
 * A point of paint a film holds: where it is, on the film's own grid (a reduced copy of the
 * frame, not the frame's pixels: keep the numbers as they are), and its colour (CIELAB a*, b*). */
typedef struct colorize_held_point {
  float x;
  float y;
  float a;
  float b;
} colorize_held_point;

/* Remembers `result` (a frame's colour result, as colorize_run_frame wrote it, at any depth
 * and channels) as the film's last frame, forgetting what it held: the next frame's colour is
 * carried from it. */
COLORIZE_C_API colorize_status colorize_film_remember(colorize_film_t* film,
                                                      const colorize_picture* result);

/* How many points of paint `film` holds now (0 for NULL); the first min(that, capacity) are
 * written to `points` (which may be NULL when capacity is 0). */
COLORIZE_C_API size_t colorize_film_held(const colorize_film_t* film, colorize_held_point* points,
                                         size_t capacity);

/* Replaces the paint `film` holds by `points` (n of them; NULL when n is 0): what
 * colorize_film_held gave for the frame remembered. Refused before a frame is remembered or
 * made, and for a point off the film's grid or not finite. */
COLORIZE_C_API colorize_status colorize_film_hold(colorize_film_t* film,
                                                  const colorize_held_point* points, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* COLORIZE_C_H_ */
