// The C interface (colorize_c.h) over colorize::Colorizer: pictures copied in and out of the
// caller's buffers, statuses and a per-thread message instead of Result, no exception across
// the boundary.
#include "colorize_c.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "colorize/color.h"
#include "colorize/colorizer.h"
#include "colorize/image.h"
#include "colorize/manifest.h"
#ifdef COLORIZE_HAVE_CUDA
#include "cuda_backend.h"
#endif

struct colorize_handle {
  colorize::Colorizer colorizer;
};

struct colorize_film {
  colorize::FilmMemory memory;
};

namespace {

using colorize::ErrorCode;
using colorize::Image;
using colorize::Status;

thread_local std::string last_error;

colorize_status code_of(ErrorCode c) {
  switch (c) {
    case ErrorCode::kOk:
      return COLORIZE_OK;
    case ErrorCode::kIo:
      return COLORIZE_IO;
    case ErrorCode::kCorruptModel:
      return COLORIZE_CORRUPT_MODEL;
    case ErrorCode::kUnsupported:
      return COLORIZE_UNSUPPORTED;
    case ErrorCode::kNoBackend:
      return COLORIZE_NO_BACKEND;
    case ErrorCode::kTooLarge:
      return COLORIZE_TOO_LARGE;
    case ErrorCode::kOutOfMemory:
      return COLORIZE_OUT_OF_MEMORY;
    case ErrorCode::kInternal:
      return COLORIZE_INTERNAL;
    default:
      return COLORIZE_INVALID_ARGUMENT;
  }
}

colorize_status fail(colorize_status s, std::string message) {
  last_error = std::move(message);
  return s;
}

colorize_status fail(const Status& st) { return fail(code_of(st.code()), st.message()); }

colorize_status invalid(std::string message) {
  return fail(COLORIZE_INVALID_ARGUMENT, std::move(message));
}

// COLORIZE_OK when p describes pixels this interface takes; else the failure (its message
// names `what`).
colorize_status check_picture(const colorize_picture* p, const char* what, bool output = false) {
  const std::string w(what);
  if (!p) return invalid(w + " is NULL");
  if (p->width < 1 || p->height < 1)
    return invalid(w + " is " + std::to_string(p->width) + " x " + std::to_string(p->height) +
                   " pixels: both must be at least 1");
  const bool channels_ok =
      output ? (p->channels == 3 || p->channels == 4) : (p->channels >= 1 && p->channels <= 4);
  if (!channels_ok)
    return invalid(w + " has " + std::to_string(p->channels) + " channels: " +
                   (output ? "a result has 3 (RGB) or 4 (RGBA)" : "1 to 4 are taken"));
  if (p->bits != 8 && p->bits != 16)
    return invalid(w + " has " + std::to_string(p->bits) + " bits a sample: 8 or 16 are taken");
  const uint64_t pixels = static_cast<uint64_t>(p->width) * static_cast<uint64_t>(p->height);
  if (pixels > colorize::kDefaultMaxPixels)
    return fail(COLORIZE_TOO_LARGE, w + " has " + std::to_string(pixels) + " pixels, more than " +
                                        std::to_string(colorize::kDefaultMaxPixels));
  const uint64_t row = static_cast<uint64_t>(p->width) * p->channels * (p->bits / 8);
  if (p->stride < row)
    return invalid(w + "'s stride " + std::to_string(p->stride) + " is less than a row (" +
                   std::to_string(row) + " bytes)");
  if (!p->pixels) return invalid(w + "'s pixels are NULL");
  return COLORIZE_OK;
}

Image image_from(const colorize_picture& p) {
  Image img = Image::make(p.width, p.height, p.channels, p.bits);
  const size_t row = static_cast<size_t>(p.width) * p.channels;
  const auto* src = static_cast<const unsigned char*>(p.pixels);
  for (int y = 0; y < p.height; ++y) {
    const unsigned char* r = src + static_cast<size_t>(y) * p.stride;
    if (p.bits == 8)
      std::memcpy(img.data8.data() + y * row, r, row);
    else
      std::memcpy(img.data16.data() + y * row, r, row * 2);
  }
  return img;
}

// The result (RGB or RGBA, 8 or 16 bits) into the caller's picture, at its channels and bits.
void write_result(const Image& r, colorize_picture* out) {
  auto* dst = static_cast<unsigned char*>(out->pixels);
  const int rc = r.channels, oc = out->channels;
  for (int y = 0; y < r.height; ++y) {
    unsigned char* row = dst + static_cast<size_t>(y) * out->stride;
    for (int x = 0; x < r.width; ++x) {
      const size_t i = (static_cast<size_t>(y) * r.width + x) * rc;
      for (int c = 0; c < oc; ++c) {
        // A sample as 16 bits (alpha that the result lacks is opaque).
        uint32_t v = 65535;
        if (c < rc) v = r.bit_depth == 16 ? r.data16[i + c] : r.data8[i + c] * 257u;
        if (out->bits == 16)
          reinterpret_cast<uint16_t*>(row)[static_cast<size_t>(x) * oc + c] =
              static_cast<uint16_t>(v);
        else
          row[static_cast<size_t>(x) * oc + c] =
              static_cast<unsigned char>((v * 255u + 32767u) / 65535u);
      }
    }
  }
}

bool options_from(const colorize_options* in, colorize::ColorizerOptions* o) {
  colorize_options d;
  colorize_options_default(&d);
  const colorize_options& c = in ? *in : d;
  if (c.working_size != 0 && (c.working_size < 32 || c.working_size > 4096))
    return invalid("working_size " + std::to_string(c.working_size) + " is not 0 or 32..4096"),
           false;
  if (c.widen_tones != 0 && c.widen_tones != 1) return invalid("widen_tones must be 0 or 1"), false;
  if (!(c.saturation >= 0.0f && c.saturation <= 4.0f))
    return invalid("saturation " + std::to_string(c.saturation) + " is outside 0..4"), false;
  if (!(c.reach >= 0.01f && c.reach <= 10.0f))
    return invalid("reach " + std::to_string(c.reach) + " is outside 0.01..10"), false;
  o->working_size = c.working_size;
  o->tone = c.widen_tones ? colorize::Tone::kStretch : colorize::Tone::kAsIs;
  o->finish.saturation = c.saturation;
  o->reach = c.reach;
  o->backend = c.backend && *c.backend ? c.backend : "auto";
  return true;
}

// The file this library was loaded from, found by the address of one of its functions.
std::string library_path() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&colorize_version), &info) && info.dli_fname)
    return info.dli_fname;
  return "";
}

std::string models_dir() { return colorize::find_models_dir(library_path(), COLORIZE_MODELS_DIR); }

// Runs one call of the interface: its message cleared first, no exception let out.
template <class F>
colorize_status guarded(F&& call) {
  try {
    last_error.clear();
    return call();
  } catch (const std::bad_alloc&) {
    return fail(COLORIZE_OUT_OF_MEMORY, "out of memory");
  } catch (...) {
    return fail(COLORIZE_INTERNAL, "an unexpected exception");
  }
}

// The start of each colorize_new_*: *out cleared, the options read.
colorize_status begin_new(colorize_t** out, const colorize_options* options,
                          colorize::ColorizerOptions* o) {
  if (!out) return invalid("out is NULL");
  *out = nullptr;
#ifdef COLORIZE_HAVE_CUDA
  static std::once_flag cuda;
  std::call_once(cuda, [] { colorize::nn::register_cuda_backend(); });
#endif
  return options_from(options, o) ? COLORIZE_OK : COLORIZE_INVALID_ARGUMENT;
}

colorize_status make(colorize::Colorizer c, colorize_t** out) {
  colorize_t* made = new (std::nothrow) colorize_t{std::move(c)};
  if (!made) return fail(COLORIZE_OUT_OF_MEMORY, "out of memory");
  *out = made;
  return COLORIZE_OK;
}

// The user's hints and painted copy (checked already) into *user, the painted copy's pixels
// into *painted_image (which *user points at). The core checks that the hints are on the
// picture.
colorize_status user_colour(const colorize_hint* hints, size_t n_hints,
                            const colorize_picture* painted, colorize::UserColour* user,
                            Image* painted_image) {
  if (n_hints > 0 && !hints)
    return invalid("hints is NULL but n_hints is " + std::to_string(n_hints));
  for (size_t i = 0; i < n_hints; ++i) {
    const colorize_hint& h = hints[i];
    const colorize::Lab lab = colorize::srgb_to_lab({h.r / 255.0f, h.g / 255.0f, h.b / 255.0f});
    user->hints.push_back({h.x, h.y, lab.a, lab.b});
  }
  if (painted) {
    *painted_image = image_from(*painted);
    user->painted = painted_image;
  }
  return COLORIZE_OK;
}

// colorize_run and colorize_run_frame (film NULL: the former), defined below.
colorize_status run(const colorize_t* colorizer, colorize_film_t* film,
                    const colorize_picture* picture, const colorize_hint* hints, size_t n_hints,
                    const colorize_picture* painted, colorize_picture* out, int* new_shot);

}  // namespace

extern "C" {

const char* colorize_version(void) { return colorize::version(); }

const char* colorize_last_error(void) { return last_error.c_str(); }

void colorize_options_default(colorize_options* options) {
  if (!options) return;
  options->working_size = 0;
  options->widen_tones = 1;
  options->saturation = 1.0f;
  options->reach = 0.15f;
  options->backend = nullptr;
}

size_t colorize_models_dir(char* buf, size_t size) {
  try {
    const std::string d = models_dir();
    if (buf && size > d.size()) std::memcpy(buf, d.c_str(), d.size() + 1);
    return d.size();
  } catch (...) {
    if (buf && size > 0) buf[0] = '\0';
    return 0;
  }
}

colorize_status colorize_new_model(const char* model_path, const colorize_options* options,
                                   colorize_t** out) {
  return guarded([&]() -> colorize_status {
    colorize::ColorizerOptions o;
    if (colorize_status st = begin_new(out, options, &o); st != COLORIZE_OK) return st;
    std::string path;
    if (model_path) {
      path = model_path;
    } else {
      auto def = colorize::default_model_in(models_dir());
      if (!def.ok()) return fail(def.status());
      path = *def;
    }
    if (path.empty()) return invalid("the model path is empty");
    return make(colorize::Colorizer::with_model(path, o), out);
  });
}

colorize_status colorize_new_reference(const colorize_picture* reference,
                                       const colorize_options* options, colorize_t** out) {
  return guarded([&]() -> colorize_status {
    colorize::ColorizerOptions o;
    if (colorize_status st = begin_new(out, options, &o); st != COLORIZE_OK) return st;
    if (colorize_status st = check_picture(reference, "the reference"); st != COLORIZE_OK)
      return st;
    auto c = colorize::Colorizer::with_reference(image_from(*reference), o);
    if (!c.ok()) return fail(c.status());
    return make(std::move(c).value(), out);
  });
}

colorize_status colorize_new_marks_only(const colorize_options* options, colorize_t** out) {
  return guarded([&]() -> colorize_status {
    colorize::ColorizerOptions o;
    if (colorize_status st = begin_new(out, options, &o); st != COLORIZE_OK) return st;
    return make(colorize::Colorizer::marks_only(o), out);
  });
}

void colorize_free(colorize_t* colorizer) { delete colorizer; }

const char* colorize_method(const colorize_t* colorizer) {
  return colorizer ? colorizer->colorizer.method_name() : "";
}

colorize_status colorize_run(const colorize_t* colorizer, const colorize_picture* picture,
                             const colorize_hint* hints, size_t n_hints,
                             const colorize_picture* painted, colorize_picture* out) {
  return run(colorizer, nullptr, picture, hints, n_hints, painted, out, nullptr);
}

void colorize_file_options_default(colorize_file_options* options) {
  if (!options) return;
  options->format = nullptr;
  options->jpeg_quality = 92;
  options->keep_metadata = 1;
  options->page = 1;
}

colorize_status colorize_run_file(const colorize_t* colorizer, const void* bytes, size_t size,
                                  const colorize_hint* hints, size_t n_hints,
                                  const colorize_picture* painted,
                                  const colorize_file_options* options, unsigned char** out,
                                  size_t* out_size) {
  return guarded([&]() -> colorize_status {
    if (!out || !out_size) return invalid("out or out_size is NULL");
    *out = nullptr;
    *out_size = 0;
    if (!colorizer) return invalid("the colorizer is NULL");
    if (!bytes && size > 0) return invalid("bytes is NULL but size is " + std::to_string(size));
    colorize_file_options o;
    colorize_file_options_default(&o);
    if (options) o = *options;
    colorize::FileOptions f;
    const std::string format = o.format ? o.format : "same";
    if (format == "png")
      f.format = colorize::ImageFormat::kPng;
    else if (format == "jpeg")
      f.format = colorize::ImageFormat::kJpeg;
    else if (format == "tiff")
      f.format = colorize::ImageFormat::kTiff;
    else if (format != "same")
      return invalid("format \"" + format + "\": png, jpeg, tiff or same");
    f.jpeg_quality = o.jpeg_quality;
    if (o.keep_metadata != 0 && o.keep_metadata != 1)
      return invalid("keep_metadata must be 0 or 1");
    f.keep_metadata = o.keep_metadata == 1;
    if (o.page < 1) return invalid("page " + std::to_string(o.page) + ": pages count from 1");
    f.page = o.page;
    if (painted) {
      if (colorize_status st = check_picture(painted, "the painted copy"); st != COLORIZE_OK)
        return st;
    }
    // The hints' bounds and the painted copy's size are the upright picture's: the core
    // checks them once the file is decoded.
    colorize::UserColour user;
    Image painted_image;
    if (colorize_status st = user_colour(hints, n_hints, painted, &user, &painted_image);
        st != COLORIZE_OK)
      return st;
    auto file =
        colorizer->colorizer.colorize_file(static_cast<const uint8_t*>(bytes), size, user, f);
    if (!file.ok()) return fail(file.status());
    auto* copy = static_cast<unsigned char*>(std::malloc(file->size() ? file->size() : 1));
    if (!copy) return fail(COLORIZE_OUT_OF_MEMORY, "out of memory");
    std::memcpy(copy, file->data(), file->size());
    *out = copy;
    *out_size = file->size();
    return COLORIZE_OK;
  });
}

void colorize_bytes_free(unsigned char* bytes) { std::free(bytes); }

colorize_status colorize_film_new(float carry, colorize_film_t** out) {
  return guarded([&]() -> colorize_status {
    if (!out) return invalid("out is NULL");
    *out = nullptr;
    if (!(carry >= 0.0f && carry <= 0.95f))
      return invalid("carry is " + std::to_string(carry) + ": it must be in 0 .. 0.95");
    colorize::FilmOptions o;
    o.carry = carry;
    *out = new colorize_film{colorize::FilmMemory(o)};
    return COLORIZE_OK;
  });
}

void colorize_film_free(colorize_film_t* film) { delete film; }

colorize_status colorize_run_frame(const colorize_t* colorizer, colorize_film_t* film,
                                   const colorize_picture* frame, const colorize_hint* hints,
                                   size_t n_hints, const colorize_picture* painted,
                                   colorize_picture* out, int* new_shot) {
  if (!film) return guarded([] { return invalid("the film is NULL"); });
  return run(colorizer, film, frame, hints, n_hints, painted, out, new_shot);
}

colorize_status colorize_film_remember(colorize_film_t* film, const colorize_picture* result) {
  return guarded([&]() -> colorize_status {
    if (!film) return invalid("the film is NULL");
    if (colorize_status st = check_picture(result, "the result"); st != COLORIZE_OK) return st;
    const Status st = film->memory.remember(image_from(*result));
    return st.ok() ? COLORIZE_OK : fail(st);
  });
}

size_t colorize_film_held(const colorize_film_t* film, colorize_held_point* points,
                          size_t capacity) {
  if (!film) return 0;
  const auto& held = film->memory.held_points();
  for (size_t i = 0; i < held.size() && i < capacity && points; ++i)
    points[i] = {held[i].x, held[i].y, held[i].a, held[i].b};
  return held.size();
}

colorize_status colorize_film_hold(colorize_film_t* film, const colorize_held_point* points,
                                   size_t n) {
  return guarded([&]() -> colorize_status {
    if (!film) return invalid("the film is NULL");
    if (n > 0 && !points) return invalid("points is NULL but n is " + std::to_string(n));
    std::vector<colorize::FilmMemory::HeldPoint> held;
    held.reserve(n);
    for (size_t i = 0; i < n; ++i)
      held.push_back({points[i].x, points[i].y, points[i].a, points[i].b});
    const Status st = film->memory.hold_points(std::move(held));
    return st.ok() ? COLORIZE_OK : fail(st);
  });
}

}  // extern "C"

namespace {

colorize_status run(const colorize_t* colorizer, colorize_film_t* film,
                    const colorize_picture* picture, const colorize_hint* hints, size_t n_hints,
                    const colorize_picture* painted, colorize_picture* out, int* new_shot) {
  return guarded([&]() -> colorize_status {
    if (!colorizer) return invalid("the colorizer is NULL");
    colorize_status st = check_picture(picture, "the picture");
    if (st == COLORIZE_OK && painted) st = check_picture(painted, "the painted copy");
    if (st == COLORIZE_OK) st = check_picture(out, "the result", true);
    if (st != COLORIZE_OK) return st;
    if (out->width != picture->width || out->height != picture->height)
      return invalid("the result is " + std::to_string(out->width) + " x " +
                     std::to_string(out->height) + " pixels, the picture " +
                     std::to_string(picture->width) + " x " + std::to_string(picture->height));
    colorize::UserColour user;
    Image painted_image;
    st = user_colour(hints, n_hints, painted, &user, &painted_image);
    if (st != COLORIZE_OK) return st;
    colorize::FilmStep step;
    auto result = film ? colorizer->colorizer.colorize_frame(image_from(*picture), &film->memory,
                                                             user, nullptr, &step)
                       : colorizer->colorizer.colorize(image_from(*picture), user);
    if (!result.ok()) return fail(result.status());
    write_result(*result, out);
    if (new_shot) *new_shot = step.new_shot ? 1 : 0;
    return COLORIZE_OK;
  });
}

}  // namespace
