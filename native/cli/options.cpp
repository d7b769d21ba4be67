#include "options.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "colorize/color.h"

namespace colorize::cli {
namespace {

Status bad(const std::string& message) { return Status(ErrorCode::kInvalidArgument, message); }

bool parse_int(const std::string& s, long lo, long hi, int* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(s.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || v < lo || v > hi) return false;
  *out = static_cast<int>(v);
  return true;
}

bool parse_float(const std::string& s, double lo, double hi, double* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  if (errno != 0 || *end != '\0' || !std::isfinite(v) || v < lo || v > hi) return false;
  *out = v;
  return true;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "x,y,#rrggbb" with x, y in original-image pixels.
bool parse_hint(const std::string& s, Hint* hint) {
  const size_t c1 = s.find(',');
  const size_t c2 = c1 == std::string::npos ? c1 : s.find(',', c1 + 1);
  if (c2 == std::string::npos) return false;
  double x = 0, y = 0;
  if (!parse_float(s.substr(0, c1), 0, 1e6, &x) ||
      !parse_float(s.substr(c1 + 1, c2 - c1 - 1), 0, 1e6, &y))
    return false;
  std::string colour = s.substr(c2 + 1);
  if (!colour.empty() && colour[0] == '#') colour.erase(0, 1);
  if (colour.size() != 6) return false;
  int rgb[3];
  for (int i = 0; i < 3; ++i) {
    const int hi = hex_digit(colour[2 * i]), lo = hex_digit(colour[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    rgb[i] = hi * 16 + lo;
  }
  const Lab lab = srgb_to_lab(Rgb{rgb[0] / 255.0f, rgb[1] / 255.0f, rgb[2] / 255.0f});
  hint->x = static_cast<float>(x);
  hint->y = static_cast<float>(y);
  hint->a = lab.a;
  hint->b = lab.b;
  return true;
}

}  // namespace

const char* usage_text() {
  return R"(colorize - put plausible colour into greyscale photos, on your own machine.

Usage:
  colorize [options] IN... -o OUT        colorize files and/or folders of images
  colorize --eval DIR [--reference REF | --model MODEL] [options]
                                         evaluate on colour photos: make them grey,
                                         colorize, print metrics vs the greyscale baseline
  colorize lab R G B                     print CIELAB L* a* b* of an 8-bit sRGB colour
  colorize tone L...                     print the tone map (gain, in_mid, out_mid) that
                                         --tone stretch gives a picture whose central
                                         region holds these L* values
  colorize info FILE...                  what each file holds, from its header: format,
                                         pages, size, samples, resolution, colour profile
                                         (and whether it is applied), EXIF and XMP

Inputs: PNG, JPEG, TIFF (first page, or each with --all-pages; uncompressed, LZW, Deflate or
PackBits), BMP, GIF (first frame), TGA; 8- or 16-bit. A folder gives the files directly
inside it with those extensions (.png .jpg .jpeg .jpe .tif .tiff .bmp .gif .tga), and with
-r those in its sub-folders; the others are named on stderr.

Method (one of):
  --reference REF      exemplar method (Welsh et al. 2002): transfer colour from photo REF
  --model MODEL        neural model (ONNX, see models/manifest.json); without --reference
                       or --model: the default model of models/manifest.json (folder
                       from $COLORIZE_MODELS, else an installed copy's share/colorize/models,
                       else the one this build came from)
  --backend B          inference backend for --model: auto (default), cpu, cuda
  --hint X,Y,#RRGGBB   colour hint at pixel (X, Y) of the input (repeatable): the colour is
                       held there and spread a little, as --marks does (with any method; a
                       model with hint inputs also takes it in)
  --marks FILE         a copy of the (one) input with colour painted where the result is
                       wrong (save it as PNG): the method's colour is changed there, and the
                       change spreads over the area of like lightness around the paint
                       (Levin et al. 2004); grey paint takes colour away
  --marks DIR          for a batch: each input's painted copy is the file in DIR with the
                       input's name (and sub-folder, with -r; NAME-p2 ... for pages) and any
                       image extension; inputs without one are colorized as they are
  --marks-only         no model: colour only from --marks and --hint, spread along the
                       picture's lightness (Levin et al. 2004; working size 384 unless --size)
  --reach F            how far a change by --marks or --hint spreads through even areas
                       (with a model or --reference), as a fraction of the picture's longer
                       side, 0.01..10 (default 0.15; edges of lightness stop it sooner)

Output:
  -o, --output OUT     output file (one input) or folder (several inputs or a folder input;
                       created if missing; files keep their names with the new extension)
  --format F           png (default), jpeg, tiff (Deflate-compressed, keeps 16 bits) or
                       same (each result in its input's format and extension: PNG, JPEG
                       or TIFF; others as PNG); otherwise taken from OUT's extension
  --quality Q          JPEG quality 1..100 (default 92)
  -r, --recursive      folder inputs include their sub-folders; the results keep the same
                       sub-folders under OUT (an OUT inside the input folder is left out)
  --skip-existing      leave a result that is already in OUT alone (to go on with a batch
                       that was stopped; results are written whole or not at all)
  --report FILE        write one CSV row per input as the batch goes: input, page, output,
                       status (ok, failed, already there), width, height, seconds, the
                       painted copy used, and why it failed
  --all-pages          every page of a multi-page TIFF, each its own result (NAME-p2,
                       NAME-p3, ...; the first keeps NAME); without it only the first
  --no-metadata        leave the original's EXIF and XMP out of the results (by default
                       they are carried: date, captions, credits, camera, GPS position)

Films (frames extracted from a video, e.g. `ffmpeg -i film.mp4 frames/%06d.png`):
  --film               the inputs are the frames of one film, in order (a folder's in the
                       natural order of their names: 2 before 10): each frame's colour is
                       carried into the next where the picture matches, following the
                       motion, so it holds still instead of flickering; a cut starts afresh.
                       A frame's painted copy (--marks DIR) holds for the frames after it,
                       following the picture, until what it covers changes or the shot ends.
                       With --skip-existing, the last result already there is read back to go
                       on from, with the paint held there (kept in OUT/.colorize-held-paint
                       while paint is held)
  --carry F            with --film: how much of the frames before is kept where a frame
                       matches, 0..0.95 (default 0.8: about the last five frames; 0: each
                       frame on its own)

Processing:
  --size N             working size: longest side the method sees, rounded to a multiple of
                       32 (default: the model's, from manifest.json beside it; else 256)
  --tone T             stretch (default): a faded or flat print's tonal range is widened
                       for the model (the output keeps the picture's own lightness);
                       as-is: the model sees the picture's own lightness
  --saturation S       chroma multiplier 0..4 (default 1)
  --upsampling U       guided (default, edge-aware) or bilinear
  --guided-radius R    guided upsampling: window radius in working-size pixels, 0..64
                       (default 2)
  --guided-eps E       guided upsampling: regularisation in (L* units)^2, > 0 (default 25;
                       larger = chroma follows lightness less)
  --max-megapixels M   refuse larger inputs (default 100)
  --profile P          convert (default): an input's colour profile (ICC grey or RGB, by
                       curves and primaries or by tables; PNG gamma) is applied, so the
                       result shows the lightness and colour the original shows; as-is: the
                       numbers are taken as sRGB. One that cannot be applied is named

Evaluation:
  --metrics TRUTH      with one input: score the result against the colour original TRUTH
  --eval DIR           evaluation mode over the colour photos in DIR
  --limit N            with --eval: use the first N photos (sorted by name)
  -o, --output DIR     with --eval: also write each result into DIR (to look at them)
  --scores FILE        with --eval: write each photo's scores to FILE (CSV), e.g. to
                       compare two models photo by photo (scripts/compare_scores.py)

Other:
  -q, --quiet          no progress on stderr
  --timings            print each input's stage times on stderr (read, decode, prepare,
                       infer, film with --film, finish, encode, write; the first infer
                       includes loading the model and starting its backend)
  -h, --help           this text
  --version            version

Exit codes: 0 all inputs done, 1 some inputs failed (the batch goes on), 2 usage error.
)";
}

Result<Options> parse_options(int argc, const char* const* argv) {
  Options o;
  if (argc >= 2 && std::strcmp(argv[1], "lab") == 0) {
    o.mode = Mode::kLab;
    if (argc != 5) return bad("usage: colorize lab R G B (each 0..255)");
    for (int i = 0; i < 3; ++i)
      if (!parse_int(argv[2 + i], 0, 255, &o.lab_rgb[i]))
        return bad(std::string("lab: '") + argv[2 + i] + "' is not an integer in 0..255");
    return o;
  }
  if (argc >= 2 && std::strcmp(argv[1], "info") == 0) {
    o.mode = Mode::kInfo;
    if (argc < 3) return bad("usage: colorize info FILE...");
    for (int i = 2; i < argc; ++i) o.inputs.push_back(argv[i]);
    return o;
  }
  if (argc >= 2 && std::strcmp(argv[1], "tone") == 0) {
    o.mode = Mode::kTone;
    if (argc < 3) return bad("usage: colorize tone L... (L* values, each 0..100)");
    for (int i = 2; i < argc; ++i) {
      double v = 0;
      if (!parse_float(argv[i], 0.0, 100.0, &v))
        return bad(std::string("tone: '") + argv[i] + "' is not a number in 0..100");
      o.tone_values.push_back(static_cast<float>(v));
    }
    return o;
  }

  bool only_positional = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (only_positional || arg.empty() || arg[0] != '-' || arg == "-") {
      o.inputs.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positional = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      o.mode = Mode::kHelp;
      return o;
    }
    if (arg == "--version") {
      o.mode = Mode::kVersion;
      return o;
    }
    if (arg == "-q" || arg == "--quiet") {
      o.quiet = true;
      continue;
    }
    if (arg == "--timings") {
      o.timings = true;
      continue;
    }
    if (arg == "-r" || arg == "--recursive") {
      o.recursive = true;
      continue;
    }
    if (arg == "--skip-existing") {
      o.skip_existing = true;
      continue;
    }
    if (arg == "--no-metadata") {
      o.keep_metadata = false;
      continue;
    }
    if (arg == "--all-pages") {
      o.all_pages = true;
      continue;
    }
    if (arg == "--marks-only") {
      o.marks_only = true;
      continue;
    }
    if (arg == "--film") {
      o.film = true;
      continue;
    }
    // Options with a value: "--opt value" or "--opt=value".
    std::string name = arg, value;
    bool has_value = false;
    const size_t eq = arg.find('=');
    if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    static const char* const kWithValue[] = {
        "-o",           "--output",        "--reference",  "--model",  "--backend",
        "--hint",       "--size",          "--saturation", "--format", "--quality",
        "--metrics",    "--eval",          "--limit",      "--scores", "--max-megapixels",
        "--upsampling", "--guided-radius", "--guided-eps", "--tone",   "--profile",
        "--marks",      "--reach",         "--report",     "--carry"};
    bool known = false;
    for (const char* k : kWithValue) known = known || name == k;
    if (!known) return bad("unknown option '" + arg + "'");
    if (!has_value) {
      if (i + 1 >= argc) return bad("option " + name + " needs a value");
      value = argv[++i];
    }

    if (name == "-o" || name == "--output") {
      o.output = value;
    } else if (name == "--reference") {
      o.reference = value;
    } else if (name == "--model") {
      o.model = value;
    } else if (name == "--backend") {
      if (value != "auto" && value != "cpu" && value != "cuda")
        return bad("--backend must be auto, cpu or cuda, not '" + value + "'");
      o.backend = value;
    } else if (name == "--hint") {
      Hint h;
      if (!parse_hint(value, &h))
        return bad("--hint '" + value + "' is not X,Y,#RRGGBB (e.g. 120,80,#3a6ea5)");
      o.hints.push_back(h);
    } else if (name == "--marks") {
      o.marks = value;
    } else if (name == "--reach") {
      double r = 0;
      if (!parse_float(value, 0.01, 10.0, &r))
        return bad("--reach must be a number in 0.01..10, not '" + value + "'");
      o.reach = static_cast<float>(r);
    } else if (name == "--carry") {
      double c = 0;
      if (!parse_float(value, 0.0, 0.95, &c))
        return bad("--carry must be a number in 0..0.95, not '" + value + "'");
      o.carry = static_cast<float>(c);
      o.carry_given = true;
    } else if (name == "--size") {
      if (!parse_int(value, 32, 4096, &o.working_size))
        return bad("--size must be an integer in 32..4096, not '" + value + "'");
    } else if (name == "--tone") {
      if (value == "stretch")
        o.tone = Tone::kStretch;
      else if (value == "as-is")
        o.tone = Tone::kAsIs;
      else
        return bad("--tone must be stretch or as-is, not '" + value + "'");
    } else if (name == "--profile") {
      if (value == "convert")
        o.convert_profile = true;
      else if (value == "as-is")
        o.convert_profile = false;
      else
        return bad("--profile must be convert or as-is, not '" + value + "'");
    } else if (name == "--saturation") {
      double s = 0;
      if (!parse_float(value, 0.0, 4.0, &s))
        return bad("--saturation must be a number in 0..4, not '" + value + "'");
      o.finish.saturation = static_cast<float>(s);
    } else if (name == "--format") {
      if (value == "jpg") value = "jpeg";
      if (value == "tif") value = "tiff";
      if (value != "png" && value != "jpeg" && value != "tiff" && value != "same")
        return bad("--format must be png, jpeg, tiff or same, not '" + value + "'");
      o.format = value;
    } else if (name == "--quality") {
      if (!parse_int(value, 1, 100, &o.jpeg_quality))
        return bad("--quality must be an integer in 1..100, not '" + value + "'");
    } else if (name == "--metrics") {
      o.metrics_truth = value;
    } else if (name == "--eval") {
      o.eval_dir = value;
      o.mode = Mode::kEvaluate;
    } else if (name == "--limit") {
      if (!parse_int(value, 1, 1000000000, &o.eval_limit))
        return bad("--limit must be a positive integer, not '" + value + "'");
    } else if (name == "--report") {
      o.report = value;
    } else if (name == "--scores") {
      o.eval_scores = value;
    } else if (name == "--max-megapixels") {
      if (!parse_float(value, 0.000001, 100000.0, &o.max_megapixels))
        return bad("--max-megapixels must be a positive number, not '" + value + "'");
    } else if (name == "--upsampling") {
      if (value == "guided")
        o.finish.upsampling = Upsampling::kGuided;
      else if (value == "bilinear")
        o.finish.upsampling = Upsampling::kBilinear;
      else
        return bad("--upsampling must be guided or bilinear, not '" + value + "'");
    } else if (name == "--guided-radius") {
      if (!parse_int(value, 0, 64, &o.finish.guided_radius))
        return bad("--guided-radius must be an integer in 0..64, not '" + value + "'");
    } else if (name == "--guided-eps") {
      double e = 0;
      if (!parse_float(value, 1e-6, 1e6, &e))
        return bad("--guided-eps must be a number in (0, 1e6], not '" + value + "'");
      o.finish.guided_eps = static_cast<float>(e);
    }
  }

  if (!o.reference.empty() && !o.model.empty())
    return bad("give either --reference or --model, not both");
  if (o.marks_only && (!o.reference.empty() || !o.model.empty()))
    return bad("--marks-only uses no model and no reference: drop --model / --reference");
  if (o.mode == Mode::kEvaluate && (o.marks_only || !o.marks.empty()))
    return bad("--marks and --marks-only are for colorizing, not for --eval");
  if (o.marks_only && o.marks.empty() && o.hints.empty())
    return bad("--marks-only needs colour to spread: give --marks FILE (or DIR) and/or --hint");
  if (o.carry_given && !o.film) return bad("--carry is for --film");
  if (o.mode == Mode::kEvaluate) {
    if (o.film) return bad("--film is for colorizing a film's frames, not for --eval");
    if (!o.inputs.empty()) return bad("--eval takes a folder, not input files");
    if (!o.metrics_truth.empty()) return bad("--metrics is for one input, not for --eval");
    if (!o.report.empty()) return bad("--report is for colorizing (--eval has --scores)");
    return o;
  }
  if (!o.eval_scores.empty()) return bad("--scores is for --eval");
  if (o.inputs.empty()) return bad("no input given");
  if (o.output.empty()) return bad("no output given (-o OUT)");
  if (!o.metrics_truth.empty() && o.inputs.size() != 1)
    return bad("--metrics compares one result with its colour original: give one input");
  return o;
}

}  // namespace colorize::cli
