// The whole flow for a native program, one call per picture: prepare -> the method at working
// size -> the user's hints and painted marks -> finish at the picture's full size. The CLI
// (native/cli) is one such program; to embed colorize, link colorize::colorizer (after
// `find_package(colorize)` on an installed copy, or `add_subdirectory` of the source tree):
//
//   colorize::Colorizer c = colorize::Colorizer::with_model("models/colorizer-fp32.onnx");
//   colorize::Result<colorize::Image> out = c.colorize(picture);  // picture: decode_image()'s
//
// A Colorizer is one method with its settings: a model (ONNX, run by the native engine in
// colorize/nn), the exemplar method with its reference photo (Welsh et al. 2002), or colour
// from the user's marks alone (Levin et al. 2004). A model file is read, and its backend
// prepared, at the first colorize() that needs it (so making a Colorizer is cheap, and a bad
// file is reported with the first picture); it is kept for the next pictures. colorize() may
// be called from several threads at once: model runs take turns, the rest runs side by side.
// Copies share the loaded model.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "colorize/film.h"
#include "colorize/image.h"
#include "colorize/pipeline.h"
#include "colorize/status.h"

namespace colorize {

// The working size of a model or the exemplar method when ColorizerOptions does not say.
constexpr int kDefaultWorkingSize = 256;

struct ColorizerOptions {
  // The longest side the method sees, in pixels, rounded to a multiple of 32 (see
  // working_size_for). 0: for a model, the size it was trained at when a manifest.json beside
  // it says (manifest_working_size in colorize/manifest.h), else kDefaultWorkingSize; for the
  // exemplar method kDefaultWorkingSize; for marks alone kMarksGridSize (colorize/propagate.h).
  // A model should be run at the size it was trained at.
  int working_size = 0;
  Tone tone = Tone::kStretch;  // what a model is shown (PrepareOptions::tone); others ignore it
  FinishOptions finish;        // saturation, upsampling (FinishOptions in pipeline.h)
  // How far a correction by hints or painted marks spreads through even areas, as a fraction
  // of the picture's longer side (PropagateOptions::reach; 0.01 .. 10).
  float reach = 0.15f;
  // A model's backend: "auto" (the best available), or a registered name ("cpu", "cpu-ref",
  // "cuda" where the program registered it; see colorize/nn/backend.h).
  std::string backend = "auto";
};

// What the user says of one picture.
struct UserColour {
  // Colour hints, at positions in the picture's pixels (0 .. width, 0 .. height; others:
  // kInvalidArgument). Their colour is held where they are
  // (as a small painted mark), whatever the method; a model that takes hints also sees them
  // (a model without the hint inputs refuses them: kInvalidArgument).
  std::vector<Hint> hints;
  // A copy of the picture (same size, upright) with colour painted where the result should
  // change, or null; not owned, read during the call only. Its pixels that differ from the
  // picture by more than Delta E 6 are the marks (marks_from_image in colorize/propagate.h).
  const Image* painted = nullptr;
  std::string painted_name;  // how messages name it (e.g. its file); "the painted copy" if empty
};

// The library's version, e.g. "0.1.0".
const char* version();

// The note a colour result's file carries (EncodeOptions::comment): that it was colorized by
// this version of colorize, by `how` (e.g. "model colorizer-fp32.onnx"), whether the user's
// marks and hints corrected it (hints a model takes in, and anything done from marks alone,
// are not corrections), and that its colours are a plausible guess, not a record of the
// original. Printable ASCII (others become '?'), `how` cut at 300 characters.
std::string provenance_note(std::string how, bool corrected_by_marks = false,
                            bool corrected_by_hints = false);

// How Colorizer::colorize_file reads an image file and writes its result.
struct FileOptions {
  // The result's format: kPng, kJpeg or kTiff; kUnknown: the original's where it is one of
  // these, else PNG.
  ImageFormat format = ImageFormat::kUnknown;
  int jpeg_quality = 92;                    // 1..100
  bool keep_metadata = true;                // the original's EXIF and XMP go on (carry_record)
  int page = 1;                             // of a multi-page TIFF, 1-based
  uint64_t max_pixels = kDefaultMaxPixels;  // larger originals: kTooLarge
  // The method as the provenance note names it; "": "model FILE" for a model (its file's
  // name), "colour transferred from a reference photo", or "colour only from the user's marks
  // and hints".
  std::string how;
  // Where the decoder and encoder spread their work (empty: the calling thread).
  ParallelFor parallel_for;
};

// Milliseconds of the stages of one colorize() call (wall clock).
struct ColorizeTimes {
  double prepare = 0;  // the picture to L* at working size
  double method = 0;   // the model (the first call: also reading it), exemplar or marks
  double film = 0;     // colorize_frame: the colour carried from the frames before
  double finish = 0;   // the colour onto the full-size picture
};

class Colorizer {
 public:
  // The model at `model_path` (ONNX with the inputs and output of the MODEL I/O CONTRACT in
  // colorize/pipeline.h). Only the manifest beside it is read now (for the working size); the
  // model itself at the first colorize().
  static Colorizer with_model(std::string model_path, ColorizerOptions options = {});
  // Colour transferred from `reference` (a colour photo of a similar scene).
  // Errors: kInvalidArgument (an empty reference).
  static Result<Colorizer> with_reference(Image reference, ColorizerOptions options = {});
  // No model: colour only from the user's hints and painted marks, spread along lightness.
  static Colorizer marks_only(ColorizerOptions options = {});

  // The colour result for `picture` (an upright sRGB Image, any size and channels; its alpha
  // and lightness are kept): 8-bit RGB(A), or 16-bit for a 16-bit picture (see finish).
  // Errors: kInvalidArgument (an empty picture, options out of range, a painted copy of another
  // size or with no pixel that differs, hints for a model without the hint inputs, marks alone
  // with neither hints nor paint); from a model: kIo / kCorruptModel (its file), kNoBackend,
  // kUnsupported (an op or an input the engine does not run), kOutOfMemory, kTooLarge.
  Result<Image> colorize(const Image& picture, const UserColour& user = {},
                         ColorizeTimes* times = nullptr) const;

  // One frame of a film, the frames in order: as colorize(), with the colour of the frames
  // before carried in where the picture matches (FilmMemory, colorize/film.h), so it holds
  // still from frame to frame. `film` is that film's memory (one per film; updated here; not
  // shared between threads at once); `step`, if given, gets what it found. On the
  // film_grid_for grid, the method's colour is carried, then corrected by this frame's paint
  // and hints and by the paint held from frames before; this frame's paint is held for the
  // frames after it (FilmMemory::hold), so a correction painted on one frame holds through the
  // shot (with marks alone, frames after a painted one need no paint of their own). A frame
  // that starts a new shot is exactly colorize()'s result. Errors: colorize()'s (marks alone:
  // also where no paint is held), and FilmMemory's.
  Result<Image> colorize_frame(const Image& frame, FilmMemory* film, const UserColour& user = {},
                               ColorizeTimes* times = nullptr, FilmStep* step = nullptr) const;

  // An image file's colour result, as a file, the way the colorize CLI makes one: `bytes` (a
  // file decode_image reads, `size` bytes) decoded with its colour profile applied and turned
  // upright by its EXIF orientation, colorized as colorize() does (`user`'s hints and painted
  // copy in the upright picture's pixels), and encoded (encode_image) with its 16 bits where
  // the format keeps them, the original's resolution, EXIF and XMP carried (carry_record)
  // and a provenance note (provenance_note). Errors: decode_image's, colorize()'s,
  // encode_image's; kInvalidArgument (options out of range).
  Result<std::vector<uint8_t>> colorize_file(const uint8_t* bytes, size_t size,
                                             const UserColour& user = {},
                                             const FileOptions& options = {}) const;

  // "model", "exemplar" or "marks".
  const char* method_name() const;
  // Whether hints are taken: by a model that has the hint inputs (read from its file; false
  // when it cannot be read: colorize() then says why), by the exemplar method and marks alone.
  bool takes_hints() const;

 private:
  struct State;
  explicit Colorizer(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace colorize
