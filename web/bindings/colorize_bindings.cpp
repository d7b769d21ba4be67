// The JavaScript face of the core: a thin Embind layer over the public API only
// (colorize/image.h, pipeline.h, exemplar.h, film.h, metrics.h, color.h). Nothing here computes
// pixels; it moves bytes between JS and the core and turns Status into plain objects.
//
// Conventions (the JS side is web/app/worker.js):
//  - Every fallible call returns an object {ok: true, ...} or
//    {ok: false, code: <int ErrorCode>, codeName: "too large", message: "..."}; nothing throws.
//  - Typed arrays returned to JS are copies owned by JS (safe after memory growth).
//  - Image / Prepared / Film handles live in WASM memory; JS must call .delete() on them.
#include <emscripten/bind.h>
#include <emscripten/emscripten.h>
#include <emscripten/heap.h>
#include <emscripten/val.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "colorize/color.h"
#include "colorize/exemplar.h"
#include "colorize/film.h"
#include "colorize/image.h"
#include "colorize/metrics.h"
#include "colorize/pipeline.h"
#include "colorize/propagate.h"
#include "colorize/resample.h"
#include "colorize/status.h"

using emscripten::val;
namespace cz = colorize;

namespace {

// A decoded (or finished) image held in WASM memory.
class ImageHandle {
 public:
  explicit ImageHandle(cz::Image img) : img_(std::move(img)) {}
  int width() const { return img_.width; }
  int height() const { return img_.height; }
  int channels() const { return img_.channels; }
  int bitDepth() const { return img_.bit_depth; }
  // 8-bit RGBA copy (grey expands to R=G=B, missing alpha = 255), as a JS-owned Uint8Array.
  val rgba() const {
    const cz::Image img8 = img_.bit_depth == 8 ? cz::Image() : cz::to_8bit(img_);
    const cz::Image& s = img_.bit_depth == 8 ? img_ : img8;
    const size_t n = s.pixel_count();
    std::vector<uint8_t> out(n * 4);
    const uint8_t* p = s.data8.data();
    const int c = s.channels;
    for (size_t i = 0; i < n; ++i, p += c) {
      uint8_t* o = &out[i * 4];
      if (c <= 2) {
        o[0] = o[1] = o[2] = p[0];
        o[3] = c == 2 ? p[1] : 255;
      } else {
        o[0] = p[0];
        o[1] = p[1];
        o[2] = p[2];
        o[3] = c == 4 ? p[3] : 255;
      }
    }
    return val(emscripten::typed_memory_view(out.size(), out.data())).call<val>("slice");
  }
  const cz::Image& image() const { return img_; }

 private:
  cz::Image img_;
};

class PreparedHandle {
 public:
  explicit PreparedHandle(cz::Prepared p) : p_(std::move(p)) {}
  int workWidth() const { return p_.L_work.width; }
  int workHeight() const { return p_.L_work.height; }
  int fullWidth() const { return p_.L_full.width; }
  int fullHeight() const { return p_.L_full.height; }
  // L* at working size, [0, 100], row-major, as resampled from the picture.
  val lWork() const {
    return val(emscripten::typed_memory_view(p_.L_work.data.size(), p_.L_work.data.data()))
        .call<val>("slice");
  }
  // The model's "L" input: lWork through the tone map asked of prepare (same size).
  val lModel() const {
    return val(emscripten::typed_memory_view(p_.L_model.data.size(), p_.L_model.data.data()))
        .call<val>("slice");
  }
  const cz::Prepared& prepared() const { return p_; }

 private:
  cz::Prepared p_;
};

val error_value(const cz::Status& s) {
  val o = val::object();
  o.set("ok", false);
  o.set("code", static_cast<int>(s.code()));
  o.set("codeName", std::string(cz::error_code_name(s.code())));
  o.set("message", s.message());
  return o;
}

val error_value(cz::ErrorCode code, const std::string& message) {
  return error_value(cz::Status(code, message));
}

val ok_value() {
  val o = val::object();
  o.set("ok", true);
  return o;
}

template <typename T>
std::vector<T> to_vector(const val& typed_array) {
  return emscripten::convertJSArrayToNumberVector<T>(typed_array);
}

val float_copy(const std::vector<float>& v) {
  return val(emscripten::typed_memory_view(v.size(), v.data())).call<val>("slice");
}

// Chroma as one planar Float32Array [2*h*w]: the a plane, then the b plane.
val planar_copy(const cz::AbPlanes& ab) {
  std::vector<float> v(ab.a.data);
  v.insert(v.end(), ab.b.data.begin(), ab.b.data.end());
  return float_copy(v);
}

// Hints from [{x, y, a, b}] (positions in the original's pixels, a*b* in CIELAB units).
std::vector<cz::Hint> hints_from(const val& hints) {
  std::vector<cz::Hint> hs;
  const int n = hints["length"].as<int>();
  for (int i = 0; i < n; ++i) {
    const val h = hints[i];
    hs.push_back(
        cz::Hint{h["x"].as<float>(), h["y"].as<float>(), h["a"].as<float>(), h["b"].as<float>()});
  }
  return hs;
}

// ---- decode ---------------------------------------------------------------------------

// probe(bytes: Uint8Array, page: number) -> {ok, format, width, height, channels, bitDepth,
//   orientation, dpiX, dpiY (pixels per inch the file states; 0 = none), pages (TIFF pages;
//   the rest describes page `page`, 1-based), profile ("none", "sRGB", "converted" or "not
//   applied": the colour profile, which decode applies), profileName, profileNote (why one
//   is not applied)}
val probe(const val& bytes, int page) {
  const std::vector<uint8_t> b = to_vector<uint8_t>(bytes);
  auto r = cz::probe_image(b.data(), b.size(), page);
  if (!r.ok()) return error_value(r.status());
  val o = ok_value();
  o.set("format", std::string(cz::image_format_name(r->format)));
  o.set("width", r->width);
  o.set("height", r->height);
  o.set("channels", r->channels);
  o.set("bitDepth", r->bit_depth);
  o.set("orientation", r->exif_orientation);
  o.set("dpiX", r->dpi_x);
  o.set("dpiY", r->dpi_y);
  o.set("pages", r->pages);
  o.set("profile", std::string(cz::colour_profile_name(r->profile)));
  o.set("profileName", r->profile_name);
  o.set("profileNote", r->profile_note);
  return o;
}

// readMetadata(bytes: Uint8Array) -> {ok, exif: Uint8Array, xmp: string}: the original's
// EXIF and XMP as a result of it should carry them (metadata_for_result: upright, no grey
// thumbnail); empty when it has none. Never an error.
val read_metadata(const val& bytes) {
  const std::vector<uint8_t> b = to_vector<uint8_t>(bytes);
  const cz::Metadata m = cz::metadata_for_result(cz::read_metadata(b.data(), b.size()));
  val o = ok_value();
  o.set("exif",
        val(emscripten::typed_memory_view(m.exif.size(), m.exif.data())).call<val>("slice"));
  o.set("xmp", m.xmp);
  return o;
}

// decode(bytes: Uint8Array, maxPixels: number, page: number) -> {ok, image: ImageHandle}
// (page: 1-based, of a multi-page TIFF; 1 for the other formats)
val decode(const val& bytes, double max_pixels, int page) {
  std::vector<uint8_t> b = to_vector<uint8_t>(bytes);
  cz::DecodeOptions opt;
  if (max_pixels > 0) opt.max_pixels = static_cast<uint64_t>(max_pixels);
  opt.page = page;
  auto r = cz::decode_image(b.data(), b.size(), opt);
  std::vector<uint8_t>().swap(b);
  if (!r.ok()) return error_value(r.status());
  val o = ok_value();
  o.set("image", val(ImageHandle(std::move(r).value())));
  return o;
}

// imageFromRgba(rgba: Uint8Array, width, height) -> {ok, image}: for pixels the browser
// decoded (WebP, AVIF, HEIC ...). Stored like the core's own decoder would: grey (R = G = B
// everywhere) becomes 1 channel, opaque (alpha 255 everywhere) drops alpha.
val image_from_rgba(const val& rgba, int width, int height) {
  if (width <= 0 || height <= 0) return error_value(cz::ErrorCode::kZeroSize, "the image is empty");
  const size_t n = static_cast<size_t>(width) * static_cast<size_t>(height);
  if (rgba["length"].as<double>() != static_cast<double>(n) * 4) {
    return error_value(cz::ErrorCode::kInvalidArgument, "RGBA buffer size does not match " +
                                                            std::to_string(width) + "x" +
                                                            std::to_string(height));
  }
  std::vector<uint8_t> px = to_vector<uint8_t>(rgba);
  bool opaque = true, grey = true;
  for (size_t i = 0; i < n && (opaque || grey); ++i) {
    const uint8_t* p = &px[i * 4];
    opaque = opaque && p[3] == 255;
    grey = grey && p[0] == p[1] && p[1] == p[2];
  }
  const int ch = (grey ? 1 : 3) + (opaque ? 0 : 1);
  cz::Image img = cz::Image::make(width, height, ch, 8);
  uint8_t* o = img.data8.data();
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* p = &px[i * 4];
    if (grey) {
      *o++ = p[0];
    } else {
      *o++ = p[0];
      *o++ = p[1];
      *o++ = p[2];
    }
    if (!opaque) *o++ = p[3];
  }
  std::vector<uint8_t>().swap(px);
  val o2 = ok_value();
  o2.set("image", val(ImageHandle(std::move(img))));
  return o2;
}

// imageFromGrey(grey: Uint8Array [width * height], width, height) -> {ok, image}: an 8-bit
// grey picture, one byte a pixel, row by row (a grey JPEG's luma the browser decoded).
val image_from_grey(const val& grey, int width, int height) {
  if (width <= 0 || height <= 0) return error_value(cz::ErrorCode::kZeroSize, "the image is empty");
  const size_t n = static_cast<size_t>(width) * static_cast<size_t>(height);
  if (grey["length"].as<double>() != static_cast<double>(n)) {
    return error_value(
        cz::ErrorCode::kInvalidArgument,
        "grey buffer size does not match " + std::to_string(width) + "x" + std::to_string(height));
  }
  cz::Image img = cz::Image::make(width, height, 1, 8);
  img.data8 = to_vector<uint8_t>(grey);
  val o = ok_value();
  o.set("image", val(ImageHandle(std::move(img))));
  return o;
}

// ---- pipeline -------------------------------------------------------------------------

val working_size_for(int w, int h, int working_size) {
  const cz::Size s = cz::working_size_for(w, h, working_size);
  val o = val::object();
  o.set("width", s.width);
  o.set("height", s.height);
  return o;
}

// marksGridFor(w, h) -> {width, height}: the grid corrections by marks are made on
// (kMarksGridSize in colorize/propagate.h), as workingSizeFor gives it.
val marks_grid_for(int w, int h) { return working_size_for(w, h, cz::kMarksGridSize); }

// prepare(image, workingSize, tone) -> {ok, prepared: PreparedHandle}; tone 'stretch' (a
// faded or flat picture's range of L* widened for the model; the app's choice) or 'as-is'.
val prepare(const ImageHandle& image, int working_size, const std::string& tone) {
  cz::PrepareOptions opt;
  opt.working_size = working_size;
  if (tone == "stretch") {
    opt.tone = cz::Tone::kStretch;
  } else if (tone == "as-is") {
    opt.tone = cz::Tone::kAsIs;
  } else {
    return error_value(cz::ErrorCode::kInvalidArgument,
                       "tone must be 'stretch' or 'as-is', not '" + tone + "'");
  }
  auto r = cz::prepare(image.image(), opt);
  if (!r.ok()) return error_value(r.status());
  val o = ok_value();
  o.set("prepared", val(PreparedHandle(std::move(r).value())));
  return o;
}

// renderHints(hints: [{x, y, a, b}], fullW, fullH, workW, workH, radius)
//   -> {hintAb: Float32Array [2*H*W] (a plane then b plane), hintMask: Float32Array [H*W]}
val render_hints(const val& hints, int full_w, int full_h, int work_w, int work_h, int radius) {
  const cz::HintPlanes p =
      cz::render_hints(hints_from(hints), full_w, full_h, work_w, work_h, radius);
  val o = ok_value();
  o.set("hintAb", planar_copy(p.ab));
  o.set("hintMask", float_copy(p.mask.data));
  return o;
}

// {ok, ab: Float32Array planar, width, height} of chroma, or the error.
val ab_value(const cz::Result<cz::AbPlanes>& r) {
  if (!r.ok()) return error_value(r.status());
  val o = ok_value();
  o.set("ab", planar_copy(*r));
  o.set("width", r->a.width);
  o.set("height", r->a.height);
  return o;
}

// Chroma planes from a planar Float32Array [2*h*w] (the a plane, then the b plane).
cz::Result<cz::AbPlanes> ab_planes(const val& ab, int w, int h) {
  if (w <= 0 || h <= 0) return cz::Status(cz::ErrorCode::kInvalidArgument, "empty chroma planes");
  const std::vector<float> v = to_vector<float>(ab);
  const size_t n = static_cast<size_t>(w) * static_cast<size_t>(h);
  if (v.size() != 2 * n) {
    return cz::Status(cz::ErrorCode::kInvalidArgument,
                      "chroma buffer holds " + std::to_string(v.size()) + " values, expected " +
                          std::to_string(2 * n));
  }
  cz::AbPlanes planes{cz::Plane(w, h), cz::Plane(w, h)};
  std::copy(v.begin(), v.begin() + n, planes.a.data.begin());
  std::copy(v.begin() + n, v.end(), planes.b.data.begin());
  return planes;
}

// {saturation, upsampling: "guided"|"bilinear"} (either may be left out).
cz::FinishOptions finish_options(const val& options) {
  cz::FinishOptions opt;
  if (options.typeOf().as<std::string>() == "object") {
    if (options.hasOwnProperty("saturation")) opt.saturation = options["saturation"].as<float>();
    if (options.hasOwnProperty("upsampling") &&
        options["upsampling"].as<std::string>() == "bilinear") {
      opt.upsampling = cz::Upsampling::kBilinear;
    }
  }
  return opt;
}

// finish(original, prepared, ab: Float32Array [2*h*w] planar, w, h,
//        {saturation, upsampling: "guided"|"bilinear"}) -> {ok, image}
val finish(const ImageHandle& original, const PreparedHandle& prepared, const val& ab, int w, int h,
           const val& options) {
  auto planes = ab_planes(ab, w, h);
  if (!planes.ok()) return error_value(planes.status());
  auto r = cz::finish(original.image(), prepared.prepared(), *planes, finish_options(options));
  if (!r.ok()) return error_value(r.status());
  val o = ok_value();
  o.set("image", val(ImageHandle(std::move(r).value())));
  return o;
}

// The marks of applyMarks' `marks` object ({width, height, hints, hintRadius, paint}, above)
// on its grid of width x height.
cz::Result<cz::HintPlanes> marks_of(const cz::Prepared& prepared, const val& marks) {
  const int w = marks["width"].as<int>(), h = marks["height"].as<int>();
  if (w < 1 || h < 1 || w > 4096 || h > 4096) {
    return cz::Status(cz::ErrorCode::kInvalidArgument,
                      "the marks' grid must be 1..4096 pixels a side");
  }
  cz::HintPlanes m{{cz::Plane(w, h), cz::Plane(w, h)}, cz::Plane(w, h)};
  const val paint = marks["paint"];
  if (!paint.isNull() && !paint.isUndefined()) {
    const std::vector<uint8_t> px = to_vector<uint8_t>(paint);
    if (px.size() != static_cast<size_t>(w) * h * 4) {
      return cz::Status(cz::ErrorCode::kInvalidArgument,
                        "the paint layer is not width x height RGBA");
    }
    cz::Image layer = cz::Image::make(w, h, 4, 8);
    layer.data8 = px;
    auto painted = cz::marks_from_layer(layer);
    if (!painted.ok()) return painted.status();
    m = std::move(painted).value();
  }
  const val hints = marks["hints"];
  if (!hints.isNull() && !hints.isUndefined()) {
    const int radius =
        marks["hintRadius"].isNumber()
            ? marks["hintRadius"].as<int>()
            : cz::hint_radius_on_grid(w, h, prepared.L_work.width, prepared.L_work.height);
    cz::Status st = cz::add_marks(&m, cz::render_hints(hints_from(hints), prepared.L_full.width,
                                                       prepared.L_full.height, w, h, radius));
    if (!st.ok()) return st;
  }
  return m;
}

// How far a correction reaches (marks.reach, a fraction of the longer side; default 0.15).
cz::PropagateOptions reach_of(const val& marks) {
  cz::PropagateOptions opt;
  if (marks["reach"].isNumber()) opt.reach = marks["reach"].as<float>();
  return opt;
}

// A film's running state (colorize/film.h: FilmMemory), in WASM memory; JS must .delete() it.
// new Film(carry): carry as FilmOptions::carry (0 .. 0.95; checked at the first frame).
class FilmHandle {
 public:
  explicit FilmHandle(double carry) : film_(options_for(carry)) {}
  // frame(prepared, ab, w, h, finishOptions, marks) -> {ok, ab, width, height, newShot, matched,
  //                                                     correlation, shiftX, shiftY, held}
  // One frame, in order (carry_painted_frame): `ab` the method's chroma for `prepared` (planar
  // Float32Array [2*h*w]); the returned ab (on its own grid) is what to give finish(). `marks`:
  // null, or the user's paint and hints on this frame, as applyMarks takes them on the frame's
  // marks grid (marksGridFor): they correct this frame's colour and are held for the frames
  // after it (carry_painted_frame, colorize/propagate.h); `held`: points of paint held from
  // the frames before.
  val frame(const PreparedHandle& prepared, const val& ab, int w, int h, const val& options,
            const val& marks) {
    auto planes = ab_planes(ab, w, h);
    if (!planes.ok()) return error_value(planes.status());
    cz::HintPlanes paint;
    cz::PropagateOptions reach;
    if (!marks.isNull() && !marks.isUndefined()) {
      auto m = marks_of(prepared.prepared(), marks);
      if (!m.ok()) return error_value(m.status());
      paint = std::move(m).value();
      reach = reach_of(marks);
    }
    cz::FilmStep step;
    val o = ab_value(cz::carry_painted_frame(&film_, prepared.prepared(), *planes, paint, reach,
                                             finish_options(options), &step));
    if (!o["ok"].as<bool>()) return o;
    o.set("newShot", step.new_shot);
    o.set("matched", step.matched);
    o.set("correlation", step.correlation);
    o.set("shiftX", step.shift_x);
    o.set("shiftY", step.shift_y);
    o.set("held", static_cast<double>(step.held));
    return o;
  }
  // remember(image) -> {ok}: carries on from `image`, a frame's colour result (e.g. kept from a
  // film stopped before), as if it had just been made (FilmMemory::remember).
  val remember(const ImageHandle& result) {
    const cz::Status s = film_.remember(result.image());
    return s.ok() ? ok_value() : error_value(s);
  }
  // heldPoints() -> Float32Array [x, y, a, b, ...]: the paint held (FilmMemory::held_points),
  // to keep with the last frame of a film stopped part-way.
  val heldPoints() const {
    std::vector<float> v;
    v.reserve(film_.held_points().size() * 4);
    for (const auto& m : film_.held_points()) v.insert(v.end(), {m.x, m.y, m.a, m.b});
    return float_copy(v);
  }
  // holdPoints(Float32Array [x, y, a, b, ...]) -> {ok}: puts heldPoints() back, after
  // remember() of the frame they were taken at (FilmMemory::hold_points).
  val holdPoints(const val& points) {
    const std::vector<float> v = to_vector<float>(points);
    if (v.size() % 4 != 0)
      return error_value(cz::ErrorCode::kInvalidArgument, "held paint is [x, y, a, b, ...]");
    std::vector<cz::FilmMemory::HeldPoint> held(v.size() / 4);
    for (size_t i = 0; i < held.size(); ++i)
      held[i] = {v[4 * i], v[4 * i + 1], v[4 * i + 2], v[4 * i + 3]};
    const cz::Status s = film_.hold_points(std::move(held));
    return s.ok() ? ok_value() : error_value(s);
  }
  // memoryImage() -> {ok, image}: the last frame as the film remembers it, a picture of the
  // film's grid (FilmMemory::memory_image): remember() of it goes on from here.
  val memoryImage() const {
    cz::Image img = film_.memory_image();
    if (img.empty())
      return error_value(cz::ErrorCode::kInvalidArgument, "the film has no frame yet");
    val o = ok_value();
    o.set("image", val(ImageHandle(std::move(img))));
    return o;
  }
  // Forgets the frames so far: the next frame starts a new shot.
  void forget() { film_.forget(); }

 private:
  static cz::FilmOptions options_for(double carry) {
    cz::FilmOptions o;
    o.carry = static_cast<float>(carry);
    return o;
  }
  cz::FilmMemory film_;
};

// exemplar(prepared, reference, {samples, seed}) -> {ok, ab: Float32Array planar, width, height}
val exemplar(const PreparedHandle& prepared, const ImageHandle& reference, const val& options) {
  cz::ExemplarOptions opt;
  if (options.typeOf().as<std::string>() == "object") {
    if (options.hasOwnProperty("samples")) opt.samples = options["samples"].as<int>();
    if (options.hasOwnProperty("seed")) opt.seed = options["seed"].as<uint32_t>();
  }
  return ab_value(cz::exemplar_colorize(prepared.prepared().L_work, reference.image(), opt));
}

// applyMarks(prepared, ab: Float32Array planar | null, abW, abH,
//            {width, height, hints: [{x, y, a, b}], hintRadius, paint: Uint8Array RGBA | null,
//             reach})
//   -> {ok, ab: Float32Array planar [2*height*width], width, height}
// The user's marks on a grid of width x height: `paint`, a layer drawn at the grid's size
// (its pixels with alpha >= 50 % are marks), and `hints`, points in the original's pixels
// (squares of radius hintRadius, as render_hints draws them; by default the part of the
// picture the model's 3 x 3 working pixels cover, hint_radius_on_grid; paint wins where both
// mark). With ab (a
// method's chroma): ab brought to the grid and corrected by the marks (correct_with_marks,
// `reach` a fraction of the longer side); with null: colour from the marks alone
// (propagate_marks). See colorize/propagate.h.
val apply_marks(const PreparedHandle& handle, const val& ab, int ab_w, int ab_h, const val& marks) {
  const cz::Prepared& prepared = handle.prepared();
  auto planes_of_marks = marks_of(prepared, marks);
  if (!planes_of_marks.ok()) return error_value(planes_of_marks.status());
  const cz::HintPlanes& m = *planes_of_marks;
  const int w = m.mask.width, h = m.mask.height;
  const cz::Plane L = prepared.L_work.width == w && prepared.L_work.height == h
                          ? prepared.L_work
                          : cz::resize_area(prepared.L_full, w, h);
  const cz::PropagateOptions opt = reach_of(marks);
  if (ab.isNull() || ab.isUndefined()) return ab_value(cz::propagate_marks(L, m, opt));
  auto planes = ab_planes(ab, ab_w, ab_h);
  if (!planes.ok()) return error_value(planes.status());
  auto base = cz::upsample_chroma(prepared, *planes, L);
  if (!base.ok()) return error_value(base.status());
  return ab_value(cz::correct_with_marks(L, *base, m, opt));
}

// ---- encode ---------------------------------------------------------------------------

// encode(image, "png"|"jpeg"|"tiff", quality, meta) -> {ok, bytes: Uint8Array}
// meta: null, or {dpiX, dpiY, comment, exif, xmp} (EncodeOptions: resolution in pixels per
// inch, 0 = none; comment printable ASCII, "" = none; exif (Uint8Array) and xmp (string) as
// readMetadata gives them, to carry).
val encode(const ImageHandle& image, const std::string& format, int quality, const val& meta) {
  cz::EncodeOptions opt;
  if (format == "png") {
    opt.format = cz::ImageFormat::kPng;
  } else if (format == "jpeg" || format == "jpg") {
    opt.format = cz::ImageFormat::kJpeg;
  } else if (format == "tiff" || format == "tif") {
    opt.format = cz::ImageFormat::kTiff;
  } else {
    return error_value(cz::ErrorCode::kInvalidArgument, "unknown output format '" + format + "'");
  }
  opt.jpeg_quality = quality;
  if (!meta.isNull() && !meta.isUndefined()) {
    if (meta["dpiX"].isNumber()) opt.dpi_x = meta["dpiX"].as<double>();
    if (meta["dpiY"].isNumber()) opt.dpi_y = meta["dpiY"].as<double>();
    if (meta["comment"].isString()) opt.comment = meta["comment"].as<std::string>();
    if (meta["exif"].instanceof (val::global("Uint8Array")))
      opt.metadata.exif = to_vector<uint8_t>(meta["exif"]);
    if (meta["xmp"].isString()) opt.metadata.xmp = meta["xmp"].as<std::string>();
  }
  auto r = cz::encode_image(image.image(), opt);
  if (!r.ok()) return error_value(r.status());
  val o = ok_value();
  o.set("bytes", val(emscripten::typed_memory_view(r->size(), r->data())).call<val>("slice"));
  return o;
}

// ---- colour and metrics ---------------------------------------------------------------

// srgbToLab(r, g, b in 0..255) -> {L, a, b}
val srgb_to_lab(double r, double g, double b) {
  const cz::Lab lab = cz::srgb_to_lab(cz::Rgb{static_cast<float>(r / 255.0),
                                              static_cast<float>(g / 255.0),
                                              static_cast<float>(b / 255.0)});
  val o = val::object();
  o.set("L", lab.L);
  o.set("a", lab.a);
  o.set("b", lab.b);
  return o;
}

// labToSrgb(L, a, b) -> {r, g, b} in 0..255, clamped.
val lab_to_srgb(double L, double a, double b) {
  const cz::Rgb c = cz::lab_to_srgb(cz::Lab{static_cast<float>(L), static_cast<float>(a),
                                            static_cast<float>(b)});
  auto q = [](float v) { return std::round(std::fmin(1.0f, std::fmax(0.0f, v)) * 255.0f); };
  val o = val::object();
  o.set("r", q(c.r));
  o.set("g", q(c.g));
  o.set("b", q(c.b));
  return o;
}

// score(result, truth) -> {ok, psnr, ssim, colourfulness, colourfulnessTruth, ciede2000,
//                          wrongColour (fraction 0..1 of pixels; see metrics.h)}
val score(const ImageHandle& result, const ImageHandle& truth) {
  auto r = cz::score(result.image(), truth.image());
  if (!r.ok()) return error_value(r.status());
  val o = ok_value();
  o.set("psnr", r->psnr);
  o.set("ssim", r->ssim);
  o.set("colourfulness", r->colourfulness);
  o.set("colourfulnessTruth", r->colourfulness_truth);
  o.set("ciede2000", r->ciede2000);
  o.set("wrongColour", r->wrong_colour);
  return o;
}

// psnr(result, truth) -> {ok, psnr} (dB; Infinity when identical)
val psnr(const ImageHandle& result, const ImageHandle& truth) {
  auto r = cz::psnr(result.image(), truth.image());
  if (!r.ok()) return error_value(r.status());
  val o = ok_value();
  o.set("psnr", r.value());
  return o;
}

// Memory facts for the app's limits: the heap's current and maximum size in bytes.
val memory_info() {
  val o = val::object();
  o.set("heapBytes", static_cast<double>(emscripten_get_heap_size()));
  o.set("maxHeapBytes", static_cast<double>(emscripten_get_heap_max()));
  o.set("defaultMaxPixels", static_cast<double>(cz::kDefaultMaxPixels));
  return o;
}

}  // namespace

EMSCRIPTEN_BINDINGS(colorize) {
  using namespace emscripten;
  class_<ImageHandle>("Image")
      .function("width", &ImageHandle::width)
      .function("height", &ImageHandle::height)
      .function("channels", &ImageHandle::channels)
      .function("bitDepth", &ImageHandle::bitDepth)
      .function("rgba", &ImageHandle::rgba);
  class_<PreparedHandle>("Prepared")
      .function("workWidth", &PreparedHandle::workWidth)
      .function("workHeight", &PreparedHandle::workHeight)
      .function("fullWidth", &PreparedHandle::fullWidth)
      .function("fullHeight", &PreparedHandle::fullHeight)
      .function("lWork", &PreparedHandle::lWork)
      .function("lModel", &PreparedHandle::lModel);
  class_<FilmHandle>("Film")
      .constructor<double>()
      .function("frame", &FilmHandle::frame)
      .function("remember", &FilmHandle::remember)
      .function("heldPoints", &FilmHandle::heldPoints)
      .function("memoryImage", &FilmHandle::memoryImage)
      .function("holdPoints", &FilmHandle::holdPoints)
      .function("forget", &FilmHandle::forget);
  function("probe", &probe);
  function("decode", &decode);
  function("readMetadata", &read_metadata);
  function("imageFromRgba", &image_from_rgba);
  function("imageFromGrey", &image_from_grey);
  function("workingSizeFor", &working_size_for);
  function("marksGridFor", &marks_grid_for);
  function("prepare", &prepare);
  function("renderHints", &render_hints);
  function("finish", &finish);
  function("exemplar", &exemplar);
  function("applyMarks", &apply_marks);
  function("encode", &encode);
  function("srgbToLab", &srgb_to_lab);
  function("labToSrgb", &lab_to_srgb);
  function("score", &score);
  function("psnr", &psnr);
  function("memoryInfo", &memory_info);
}
