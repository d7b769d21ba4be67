// One call per picture (see colorize/colorizer.h): the core's stages around a method, with
// models run by the native engine (colorize/nn).
#include "colorize/colorizer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

#include "colorize/exemplar.h"
#include "colorize/manifest.h"
#include "colorize/nn/backend.h"
#include "colorize/nn/onnx.h"
#include "colorize/propagate.h"
#include "colorize/resample.h"

namespace colorize {
namespace {

enum class Kind { kModel, kExemplar, kMarks };

// Milliseconds since *t; restarts *t.
double lap_ms(std::chrono::steady_clock::time_point* t) {
  const auto now = std::chrono::steady_clock::now();
  const double ms = std::chrono::duration<double, std::milli>(now - *t).count();
  *t = now;
  return ms;
}

// [1, channels, h, w] from one plane (channels 1) or two (channels 2: p then second).
nn::Tensor plane_tensor(const Plane& p, int channels, const Plane* second) {
  nn::Tensor t = nn::Tensor::zeros({1, channels, p.height, p.width});
  std::copy(p.data.begin(), p.data.end(), t.f.begin());
  if (second) std::copy(second->data.begin(), second->data.end(), t.f.begin() + p.data.size());
  return t;
}

// The model I/O contract (colorize/pipeline.h) on a session: L_model (and the hint planes, or
// zeros for none) in, a*b* at the model's output size out.
Result<AbPlanes> run_session(nn::Session& s, const std::string& model_path, const Plane& L_model,
                             const HintPlanes* hints) {
  const nn::Graph& g = s.graph();
  std::map<std::string, nn::Tensor> in;
  if (g.input_index("L") < 0)
    return Status(ErrorCode::kUnsupported,
                  model_path + ": the model has no input 'L' (see the model I/O contract)");
  in["L"] = plane_tensor(L_model, 1, nullptr);
  const bool takes_hints = g.input_index("hint_ab") >= 0 && g.input_index("hint_mask") >= 0;
  if (takes_hints) {
    if (hints) {
      if (hints->ab.a.width != L_model.width || hints->ab.a.height != L_model.height ||
          hints->mask.width != L_model.width || hints->mask.height != L_model.height)
        return Status(ErrorCode::kInvalidArgument, "hint planes differ in size from the L plane");
      in["hint_ab"] = plane_tensor(hints->ab.a, 2, &hints->ab.b);
      in["hint_mask"] = plane_tensor(hints->mask, 1, nullptr);
    } else {
      in["hint_ab"] = nn::Tensor::zeros({1, 2, L_model.height, L_model.width});
      in["hint_mask"] = nn::Tensor::zeros({1, 1, L_model.height, L_model.width});
    }
  } else if (hints) {
    return Status(ErrorCode::kInvalidArgument, "this model takes no hints");
  }
  if (in.size() != g.inputs.size())
    return Status(ErrorCode::kUnsupported,
                  model_path + ": the model takes inputs beyond L, hint_ab, hint_mask");
  Result<std::map<std::string, nn::Tensor>> out = nn::run_named(s, in);
  if (!out.ok()) return out.status();
  auto it = out->find("ab");
  if (it == out->end()) it = out->begin();
  const nn::Tensor& ab = it->second;
  if (ab.rank() != 4 || ab.shape[0] != 1 || ab.shape[1] != 2 || !nn::is_float(ab.dtype) ||
      ab.shape[2] < 1 || ab.shape[3] < 1)
    return Status(ErrorCode::kUnsupported, model_path + ": output '" + it->first + "' has shape " +
                                               nn::shape_string(ab.shape) +
                                               ", expected [1, 2, h, w]");
  const int h = static_cast<int>(ab.shape[2]), w = static_cast<int>(ab.shape[3]);
  AbPlanes result{Plane(w, h), Plane(w, h)};
  std::copy(ab.f.begin(), ab.f.begin() + static_cast<size_t>(w) * h, result.a.data.begin());
  std::copy(ab.f.begin() + static_cast<size_t>(w) * h, ab.f.end(), result.b.data.begin());
  return result;
}

}  // namespace

struct Colorizer::State {
  Kind kind = Kind::kModel;
  ColorizerOptions options;
  std::string model_path;
  std::optional<Image> reference;
  // The model's session, made at the first run; one run at a time (nn::Session is not
  // thread-safe).
  std::mutex model_mu;
  std::unique_ptr<nn::Session> session;

  Result<AbPlanes> run_model(const Plane& L_model, const HintPlanes* hints) {
    if (L_model.empty()) return Status(ErrorCode::kInvalidArgument, "empty input plane");
    std::lock_guard<std::mutex> lock(model_mu);
    if (!session) {
      Result<std::unique_ptr<nn::Session>> s = nn::open_model(model_path, options.backend);
      if (!s.ok()) return s.status();
      session = std::move(s).value();
    }
    return run_session(*session, model_path, L_model, hints);
  }

  // The painted pixels of user.painted (if any) and the hints (squares of radius hint_radius),
  // on a grid of w x h.
  Result<HintPlanes> read_marks(const Image& picture, const UserColour& user, int w, int h,
                                int hint_radius) const {
    HintPlanes marks{{Plane(w, h), Plane(w, h)}, Plane(w, h)};
    if (user.painted) {
      const std::string name = user.painted_name.empty() ? "the painted copy" : user.painted_name;
      auto painted = marks_from_image(picture, *user.painted, w, h);
      if (!painted.ok())
        return Status(painted.status().code(), name + ": " + painted.status().message());
      if (count_marks(*painted) == 0)
        return Status(ErrorCode::kInvalidArgument,
                      "no pixel of " + name +
                          " differs from the picture: paint colour where it should change");
      marks = std::move(painted).value();
    }
    // Painted marks win where both are.
    Status st = add_marks(
        &marks, render_hints(user.hints, picture.width, picture.height, w, h, hint_radius));
    if (!st.ok()) return st;
    return marks;
  }

  // A model's or the exemplar method's own colour at working size (a model takes the hints in;
  // the exemplar method does not: they only correct its colour, in predict).
  Result<AbPlanes> method_colour(const Image& picture, const Prepared& prepared,
                                 const UserColour& user) {
    if (kind == Kind::kExemplar) return exemplar_colorize(prepared.L_work, *reference);
    if (user.hints.empty()) return run_model(prepared.L_model, nullptr);
    const HintPlanes hints = render_hints(user.hints, picture.width, picture.height,
                                          prepared.L_work.width, prepared.L_work.height);
    return run_model(prepared.L_model, &hints);
  }

  Result<AbPlanes> predict(const Image& picture, const Prepared& prepared, const UserColour& user) {
    if (kind == Kind::kMarks) {
      if (!user.painted && user.hints.empty())
        return Status(ErrorCode::kInvalidArgument,
                      "colour from marks alone needs hints or a painted copy");
      auto marks = read_marks(picture, user, prepared.L_work.width, prepared.L_work.height, 1);
      if (!marks.ok()) return marks.status();
      return propagate_marks(prepared.L_work, *marks);
    }
    Result<AbPlanes> ab = method_colour(picture, prepared, user);
    if (!ab.ok() || (!user.painted && user.hints.empty())) return ab;
    // The method's colour, corrected where the user painted and at the hints (a model takes
    // them in and still does not always give their colour there: the correction does; measured
    // in models/README.md, "What clicks are worth"), on a grid finer than the working size.
    const Size grid = working_size_for(picture.width, picture.height, kMarksGridSize);
    const Plane L_grid = resize_area(prepared.L_full, grid.width, grid.height);
    auto base = upsample_chroma(prepared, *ab, L_grid, options.finish);
    if (!base.ok()) return base.status();
    const int radius =
        hint_radius_on_grid(grid.width, grid.height, prepared.L_work.width, prepared.L_work.height);
    auto marks = read_marks(picture, user, grid.width, grid.height, radius);
    if (!marks.ok()) return marks.status();
    PropagateOptions p;
    p.reach = options.reach;
    return correct_with_marks(L_grid, *base, *marks, p);
  }
  // A film's frame (Colorizer::colorize_frame), on the film's grid: the method's colour with
  // the frames before carried in, then corrected by this frame's paint and hints and by the
  // paint held from frames before; this frame's paint is held on for the frames after it. A
  // new shot without marks gives the method's own colour at working size, so that it is
  // finished exactly as colorize() finishes it. `method_ms`: the method's milliseconds.
  Result<AbPlanes> film_colour(const Image& picture, const Prepared& prepared,
                               const UserColour& user, FilmMemory* film, FilmStep* step,
                               double* method_ms) {
    const Size grid = film_grid_for(picture.width, picture.height);
    const Plane L_grid = resize_area(prepared.L_full, grid.width, grid.height);
    auto found = film->advance(L_grid);
    if (!found.ok()) return found.status();
    *step = *found;
    HintPlanes paint{{Plane(grid.width, grid.height), Plane(grid.width, grid.height)},
                     Plane(grid.width, grid.height)};
    if (user.painted) {
      UserColour only_paint;
      only_paint.painted = user.painted;
      only_paint.painted_name = user.painted_name;
      auto p = read_marks(picture, only_paint, grid.width, grid.height, 1);
      if (!p.ok()) return p.status();
      paint = std::move(p).value();
    }
    HintPlanes marks = paint;
    const int radius = kind == Kind::kMarks
                           ? 1
                           : hint_radius_on_grid(grid.width, grid.height, prepared.L_work.width,
                                                 prepared.L_work.height);
    Status st = add_marks(&marks, render_hints(user.hints, picture.width, picture.height,
                                               grid.width, grid.height, radius));
    if (st.ok()) st = add_marks(&marks, film->held_marks());  // this frame's own win
    if (!st.ok()) return st;
    const bool marked = count_marks(marks) > 0;

    auto t = std::chrono::steady_clock::now();
    Result<AbPlanes> own = Status(ErrorCode::kInternal, "no colour");
    if (kind == Kind::kMarks) {
      if (!marked)
        return Status(ErrorCode::kInvalidArgument,
                      "colour from marks alone needs hints or a painted copy (or paint held "
                      "from a frame before)");
      own = propagate_marks(L_grid, marks);
    } else {
      own = method_colour(picture, prepared, user);
    }
    *method_ms = lap_ms(&t);
    if (!own.ok()) return own.status();
    Result<AbPlanes> on_grid = *own;
    if (own->a.width != grid.width || own->a.height != grid.height)
      on_grid = upsample_chroma(prepared, *own, L_grid, options.finish);
    if (!on_grid.ok()) return on_grid.status();
    PropagateOptions p;
    p.reach = options.reach;
    auto out = carry_marked(film, L_grid, *on_grid, marks, user.painted ? &paint : nullptr, p);
    if (!out.ok()) return out.status();
    if (found->new_shot && !marked) return own;
    return out;
  }
};

Colorizer::Colorizer(std::shared_ptr<State> state) : state_(std::move(state)) {}

Colorizer Colorizer::with_model(std::string model_path, ColorizerOptions options) {
  auto s = std::make_shared<State>();
  s->kind = Kind::kModel;
  if (options.working_size == 0) options.working_size = manifest_working_size(model_path);
  s->model_path = std::move(model_path);
  s->options = std::move(options);
  return Colorizer(std::move(s));
}

Result<Colorizer> Colorizer::with_reference(Image reference, ColorizerOptions options) {
  if (reference.empty())
    return Status(ErrorCode::kInvalidArgument, "the exemplar method needs a reference photo");
  auto s = std::make_shared<State>();
  s->kind = Kind::kExemplar;
  s->reference = std::move(reference);
  s->options = std::move(options);
  return Colorizer(std::move(s));
}

Colorizer Colorizer::marks_only(ColorizerOptions options) {
  auto s = std::make_shared<State>();
  s->kind = Kind::kMarks;
  s->options = std::move(options);
  return Colorizer(std::move(s));
}

const char* version() { return COLORIZE_VERSION; }

std::string provenance_note(std::string how, bool corrected_by_marks, bool corrected_by_hints) {
  if (corrected_by_marks || corrected_by_hints)
    how += std::string(", corrected by the user's ") + (corrected_by_marks && corrected_by_hints
                                                            ? "marks and hints"
                                                        : corrected_by_marks ? "marks"
                                                                             : "hints");
  for (char& c : how)
    if (c < 0x20 || c > 0x7E) c = '?';
  if (how.size() > 300) how.resize(300);
  return std::string("Colorized by colorize ") + version() + " (" + how +
         "): the colours are a plausible guess, not a record of the original.";
}

Result<std::vector<uint8_t>> Colorizer::colorize_file(const uint8_t* bytes, size_t size,
                                                      const UserColour& user,
                                                      const FileOptions& options) const {
  const ImageFormat f = options.format;
  if (f != ImageFormat::kUnknown && f != ImageFormat::kPng && f != ImageFormat::kJpeg &&
      f != ImageFormat::kTiff)
    return Status(ErrorCode::kInvalidArgument, "a result is written as PNG, JPEG or TIFF");
  if (options.jpeg_quality < 1 || options.jpeg_quality > 100)
    return Status(ErrorCode::kInvalidArgument, "the JPEG quality must be in 1 .. 100");
  const Result<ImageInfo> info = probe_image(bytes, size, options.page);
  if (!info.ok()) return info.status();
  DecodeOptions d;
  d.max_pixels = options.max_pixels;
  d.page = options.page;
  d.parallel_for = options.parallel_for;
  Result<Image> picture = decode_image(bytes, size, d);
  if (!picture.ok()) return picture.status();
  Result<Image> result = colorize(*picture, user);
  if (!result.ok()) return result.status();
  EncodeOptions e;
  e.format = f != ImageFormat::kUnknown ? f
             : (info->format == ImageFormat::kJpeg || info->format == ImageFormat::kTiff)
                 ? info->format
                 : ImageFormat::kPng;
  e.jpeg_quality = options.jpeg_quality;
  e.parallel_for = options.parallel_for;
  carry_record(*info, bytes, size, options.keep_metadata, &e);
  std::string how = options.how;
  if (how.empty()) {
    const State& s = *state_;
    how = s.kind == Kind::kModel
              ? "model " + std::filesystem::path(s.model_path).filename().string()
          : s.kind == Kind::kExemplar ? "colour transferred from a reference photo"
                                      : "colour only from the user's marks and hints";
  }
  // The exemplar method does not see hints: like the paint, they correct it (a model takes
  // them in); colour from marks alone is all correction.
  const Kind kind = state_->kind;
  e.comment = provenance_note(how, kind != Kind::kMarks && user.painted != nullptr,
                              kind == Kind::kExemplar && !user.hints.empty());
  return encode_image(*result, e);
}

const char* Colorizer::method_name() const {
  switch (state_->kind) {
    case Kind::kModel:
      return "model";
    case Kind::kExemplar:
      return "exemplar";
    case Kind::kMarks:
      return "marks";
  }
  return "model";
}

bool Colorizer::takes_hints() const {
  if (state_->kind != Kind::kModel) return true;
  Result<nn::Model> m = nn::load_onnx_file(state_->model_path);
  if (!m.ok()) return false;
  bool ab = false, mask = false;
  for (const auto& vi : m->inputs) {
    ab = ab || vi.name == "hint_ab";
    mask = mask || vi.name == "hint_mask";
  }
  return ab && mask;
}

Result<Image> Colorizer::colorize(const Image& picture, const UserColour& user,
                                  ColorizeTimes* times) const {
  return colorize_frame(picture, nullptr, user, times, nullptr);
}

Result<Image> Colorizer::colorize_frame(const Image& picture, FilmMemory* film,
                                        const UserColour& user, ColorizeTimes* times,
                                        FilmStep* step) const {
  static_assert(kFilmGridSize == kMarksGridSize, "a corrected frame is carried as it is");
  ColorizeTimes unused;
  if (!times) times = &unused;
  *times = {};
  State& s = *state_;
  if (!(s.options.reach >= 0.01f && s.options.reach <= 10.0f))
    return Status(ErrorCode::kInvalidArgument, "reach must be in 0.01 .. 10");
  for (const Hint& h : user.hints)
    if (!(h.x >= 0 && h.x <= picture.width && h.y >= 0 && h.y <= picture.height)) {
      char where[96];
      std::snprintf(where, sizeof where, "a hint at (%g, %g) is outside the picture (%d x %d)",
                    double(h.x), double(h.y), picture.width, picture.height);
      return Status(ErrorCode::kInvalidArgument, where);
    }
  auto t = std::chrono::steady_clock::now();
  PrepareOptions p;
  p.working_size = s.options.working_size > 0 ? s.options.working_size
                   : s.kind == Kind::kMarks   ? kMarksGridSize
                                              : kDefaultWorkingSize;
  p.tone = s.options.tone;
  auto prepared = prepare(picture, p);
  times->prepare = lap_ms(&t);
  if (!prepared.ok()) return prepared.status();
  Result<AbPlanes> ab = Status(ErrorCode::kInternal, "no colour");
  if (film) {
    FilmStep found;
    ab = s.film_colour(picture, *prepared, user, film, &found, &times->method);
    times->film = lap_ms(&t) - times->method;
    if (step) *step = found;
  } else {
    ab = s.predict(picture, *prepared, user);
    times->method = lap_ms(&t);
  }
  if (!ab.ok()) return ab.status();
  auto result = finish(picture, *prepared, *ab, s.options.finish);
  times->finish = lap_ms(&t);
  return result;
}

}  // namespace colorize
