// Command-line options of `colorize` and their parsing (no I/O beyond the returned messages).
#pragma once

#include <string>
#include <vector>

#include "colorize/pipeline.h"
#include "colorize/status.h"

namespace colorize::cli {

enum class Mode {
  kColorize,  // colorize IN... -o OUT
  kEvaluate,  // colorize --eval DIR (--reference REF | --model M)
  kLab,       // colorize lab R G B   (prints L* a* b* of an 8-bit sRGB colour)
  kTone,      // colorize tone L...   (prints the tone map for a picture of that L* range)
  kInfo,      // colorize info FILE... (what each file holds, read from its header)
  kHelp,
  kVersion,
};

struct Options {
  Mode mode = Mode::kColorize;
  std::vector<std::string> inputs;  // files or directories
  std::string output;               // file or directory (with --eval: optional folder for
                                    // the results, so they can be looked at)
  std::string reference;            // exemplar method when set
  std::string model;                // neural model when set
  std::string backend = "auto";
  std::vector<Hint> hints;          // positions in original-image pixels
  std::string marks;                // --marks FILE: a painted copy of the (one) input;
                                    // --marks DIR: painted copies named as the inputs
  bool marks_only = false;          // --marks-only: colour from marks and hints alone (Levin)
  float reach = 0.15f;              // --reach: how far a correction by --marks / --hint spreads
  int working_size = 0;             // 0 = default for the method
  Tone tone = Tone::kStretch;       // --tone: what the model is shown (PrepareOptions::tone)
  std::string format;  // "png", "jpeg", "tiff", "same" (as the input) or "" = from OUT's name
  int jpeg_quality = 92;
  std::string metrics_truth;        // --metrics TRUTH
  std::string eval_dir;             // --eval DIR
  int eval_limit = 0;               // --limit N: evaluate the first N photos only (0 = all)
  std::string report;               // --report FILE: colorizing, one CSV row per input
  std::string eval_scores;          // --scores FILE: with --eval, each photo's scores as CSV
  double max_megapixels = 100.0;
  bool convert_profile = true;      // --profile: convert by the file's colour profile (as-is: not)
  FinishOptions finish;             // --saturation, --upsampling, --guided-radius, --guided-eps
  bool recursive = false;           // -r: folders include their sub-folders (mirrored in OUT)
  bool skip_existing = false;       // --skip-existing: leave results already in OUT alone
  bool all_pages = false;           // --all-pages: every page of a multi-page TIFF
  bool film = false;                // --film: the inputs are a film's frames, in order
  float carry = 0.8f;               // --carry: FilmOptions::carry (colorize/film.h)
  bool carry_given = false;
  bool keep_metadata = true;        // the original's EXIF and XMP go on (--no-metadata: not)
  bool quiet = false;
  bool timings = false;             // --timings: each stage's milliseconds per input on stderr
  int lab_rgb[3] = {0, 0, 0};
  std::vector<float> tone_values;   // colorize tone L...
};

// Parses argv. Errors (kInvalidArgument) carry a one-line message for the user; the caller
// prints it with a pointer to --help and exits with code 2.
Result<Options> parse_options(int argc, const char* const* argv);

// The --help text.
const char* usage_text();

}  // namespace colorize::cli
