// colorize — the native command-line front end. Reads files, calls the core's stages
// (decode -> prepare -> method -> finish -> encode) and writes files; all image logic lives in
// the core (src/): the method around each picture is a colorize::Colorizer
// (colorize/colorizer.h), which runs the models.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <tuple>
#include <vector>

#include "colorize/color.h"
#include "colorize/colorizer.h"
#include "colorize/image.h"
#include "colorize/manifest.h"
#include "colorize/metrics.h"
#include "colorize/pipeline.h"
#include "models.h"
#include "options.h"
#ifdef COLORIZE_HAVE_CUDA
#include "cuda_backend.h"
#endif

namespace fs = std::filesystem;
using namespace colorize;
using colorize::cli::Options;

namespace {

Result<std::vector<uint8_t>> read_file(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return Result<std::vector<uint8_t>>(ErrorCode::kIo, "is a folder");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Result<std::vector<uint8_t>>(ErrorCode::kIo, "cannot open for reading");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Result<std::vector<uint8_t>>(ErrorCode::kIo, "read error");
  return bytes;
}

// Writes through a temporary file and a rename, so an interrupted run never leaves a
// half-written image under the final name.
Status write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  const std::string tmp = path + ".part";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status(ErrorCode::kIo, "cannot open '" + path + "' for writing");
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      return Status(ErrorCode::kIo, "write to '" + path + "' failed (disk full?)");
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return Status(ErrorCode::kIo, "cannot move the result into place at '" + path + "'");
  }
  return Status::Ok();
}

// Calls body(i) for every i in [0, n) on the machine's cores (ParallelFor: decoding TIFF
// strips, finish's bands of rows, encoding).
void run_parallel(size_t n, const std::function<void(size_t)>& body) {
  const size_t threads = std::min<size_t>(n, std::max(1u, std::thread::hardware_concurrency()));
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next++) < n;) body(i);
  };
  std::vector<std::thread> helpers;
  try {
    for (size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
  } catch (const std::exception&) {
    // No more threads to be had: the ones started and this one do the rest.
  }
  work();
  for (std::thread& t : helpers) t.join();
}

Result<Image> decode_bytes(const std::vector<uint8_t>& bytes, const Options& o, int page = 1) {
  DecodeOptions d;
  d.max_pixels = static_cast<uint64_t>(o.max_megapixels * 1e6);
  d.page = page;
  d.convert_to_srgb = o.convert_profile;
  d.parallel_for = run_parallel;  // a TIFF's strips on all cores
  return decode_image(bytes.data(), bytes.size(), d);
}

// Says when an input's colour profile cannot be applied (its numbers are then taken as
// sRGB, and the result may be lighter or darker, or of other hues, than the original shows).
void warn_profile(const std::string& path, const ImageInfo& info) {
  if (info.profile != ColourProfile::kNotApplied) return;
  const std::string name = info.profile_name.empty() ? "" : " '" + info.profile_name + "'";
  std::fprintf(stderr,
               "colorize: %s: its colour profile%s is not applied (%s); its numbers are taken "
               "as sRGB\n",
               path.c_str(), name.c_str(), info.profile_note.c_str());
}

Result<Image> load_image(const std::string& path, const Options& o) {
  auto bytes = read_file(path);
  if (!bytes.ok()) return bytes.status();
  return decode_bytes(*bytes, o);
}

// Wall-clock milliseconds of each stage for one input (--timings).
struct StageTimes {
  double read = 0, decode = 0, prepare = 0, infer = 0, film = 0, finish = 0, encode = 0, write = 0;
};

// v with one decimal.
std::string fixed1(double v) {
  char s[32];
  std::snprintf(s, sizeof s, "%.1f", v);
  return s;
}

// Milliseconds since *t; restarts *t (a lap of a stopwatch).
double lap_ms(std::chrono::steady_clock::time_point* t) {
  const auto now = std::chrono::steady_clock::now();
  const double ms = std::chrono::duration<double, std::milli>(now - *t).count();
  *t = now;
  return ms;
}

// A file extension in lower case (".JPG" -> ".jpg").
std::string lower_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

// The format results are written in for a file extension: "jpeg", "tiff", "png", or "" for
// an extension that names no format results can be written in.
std::string writable_format(const fs::path& p) {
  const std::string ext = lower_extension(p);
  if (ext == ".jpg" || ext == ".jpeg" || ext == ".jpe") return "jpeg";
  if (ext == ".tif" || ext == ".tiff") return "tiff";
  if (ext == ".png") return "png";
  return "";
}

bool has_image_extension(const fs::path& p) {
  const std::string ext = lower_extension(p);
  static const char* const kExts[] = {".png",  ".jpg", ".jpeg", ".jpe", ".tif",
                                      ".tiff", ".bmp", ".gif",  ".tga"};
  for (const char* e : kExts)
    if (ext == e) return true;
  return false;
}

// One input file; `subdir` is its folder relative to the folder input it came from ("" for
// files named on the command line and files directly inside a folder input).
struct Input {
  std::string path;
  fs::path subdir;
  int page = 1;  // of a multi-page TIFF (--all-pages adds an Input for each further page)
};

// Image files inside a folder (with `recursive`, in its sub-folders too), sorted by relative
// path. Hidden files and folders, folder links, and the folders `skip` (the output and the
// marks folder, when they are inside) are left out; `others`, when given, gets the relative
// paths of the other regular files, sorted.
std::vector<Input> list_images(const std::string& dir, bool recursive,
                               const std::vector<std::string>& skip,
                               std::vector<std::string>* others) {
  std::vector<Input> out;
  std::error_code ec;
  const fs::path root(dir);
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::path p = it->path();
    std::error_code ec2;
    if (it->is_directory(ec2)) {
      const bool skipped = std::any_of(skip.begin(), skip.end(), [&](const std::string& s) {
        std::error_code ec3;
        return !s.empty() && fs::equivalent(p, s, ec3);
      });
      if (!recursive || p.filename().string().rfind('.', 0) == 0 || skipped)
        it.disable_recursion_pending();
      continue;
    }
    if (p.filename().string().rfind('.', 0) == 0 || !it->is_regular_file(ec2)) continue;
    const fs::path rel = p.lexically_relative(root);
    if (has_image_extension(p))
      out.push_back({p.string(), rel.parent_path()});
    else if (others)
      others->push_back(rel.generic_string());
  }
  std::sort(out.begin(), out.end(), [](const Input& a, const Input& b) {
    return (a.subdir / fs::path(a.path).filename()) < (b.subdir / fs::path(b.path).filename());
  });
  if (others) std::sort(others->begin(), others->end());
  return out;
}

// Whether name a comes before b in natural order: runs of digits compare as numbers
// ("frame2" before "frame10"), the rest character by character.
bool natural_less(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      size_t i2 = i, j2 = j;
      while (i2 < a.size() && digit(a[i2])) ++i2;
      while (j2 < b.size() && digit(b[j2])) ++j2;
      size_t za = i, zb = j;  // leading zeros do not count
      while (za + 1 < i2 && a[za] == '0') ++za;
      while (zb + 1 < j2 && b[zb] == '0') ++zb;
      if (i2 - za != j2 - zb) return i2 - za < j2 - zb;
      const int c = a.compare(za, i2 - za, b, zb, j2 - zb);
      if (c != 0) return c < 0;
      i = i2, j = j2;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i, ++j;
    }
  }
  if (a.size() - i != b.size() - j) return a.size() - i < b.size() - j;
  return a < b;  // equal but for leading zeros: a fixed order all the same
}

// --film: the paint a film holds after its last frame written is kept beside the results, in
// this hidden file of the output folder, so that a film stopped and gone on with
// --skip-existing holds it again: a line "colorize held paint 1", the frame's result (its path
// inside the folder), then the points of the paint on the frame's grid, "x y a b" a line. It
// is rewritten after each frame, and removed when no paint is held.
constexpr const char* kHeldPaintFile = ".colorize-held-paint";
constexpr const char* kHeldPaintHead = "colorize held paint 1";

std::string held_paint_name(const std::string& folder, const std::string& result) {
  return fs::path(result).lexically_relative(folder).generic_string();
}

// Keeps (or removes) the film's held paint after `result`, the frame just written.
Status keep_held_paint(const std::string& folder, const std::string& result,
                       const FilmMemory& film) {
  const std::string file = (fs::path(folder) / kHeldPaintFile).string();
  std::error_code ec;
  if (film.held_count() == 0) {
    fs::remove(file, ec);
    return Status::Ok();
  }
  std::string text = std::string(kHeldPaintHead) + "\n" + held_paint_name(folder, result) + "\n";
  char line[128];
  for (const FilmMemory::HeldPoint& m : film.held_points()) {
    std::snprintf(line, sizeof line, "%.3f %.3f %.3f %.3f\n", m.x, m.y, m.a, m.b);
    text += line;
  }
  return write_file(file, std::vector<uint8_t>(text.begin(), text.end()));
}

// The paint held after `result`, as keep_held_paint kept it; none when the file is missing,
// is of another frame or cannot be read.
std::optional<std::vector<FilmMemory::HeldPoint>> held_paint_after(const std::string& folder,
                                                                   const std::string& result) {
  std::ifstream in(fs::path(folder) / kHeldPaintFile);
  std::string head, name;
  if (!std::getline(in, head) || head != kHeldPaintHead || !std::getline(in, name) ||
      name != held_paint_name(folder, result))
    return std::nullopt;
  std::vector<FilmMemory::HeldPoint> points;
  FilmMemory::HeldPoint m{};
  while (in >> m.x >> m.y >> m.a >> m.b) points.push_back(m);
  if (!in.eof()) return std::nullopt;
  return points;
}

// What a result file says of itself (PNG tEXt "Comment", JPEG COM, TIFF ImageDescription):
// printable ASCII only. `corrected`: the user's painted copy (--marks) changed it.
std::string provenance(const Options& o, bool corrected = false) {
  std::string how = o.marks_only ? std::string("colour only from the user's marks and hints")
                    : o.reference.empty()
                        ? "model " + fs::path(o.model).filename().string()
                        : "colour transferred from " + fs::path(o.reference).filename().string();
  // The exemplar method does not see hints: like the marks, they correct it.
  return provenance_note(how, !o.marks_only && corrected,
                         !o.marks_only && !o.reference.empty() && !o.hints.empty());
}

// A painted copy of an input (--marks): where it was read from, and its pixels (upright).
struct Marked {
  std::string path;
  Image image;
};

// What the result of a page after the first adds to its name: "-p2", "-p3", ...
std::string page_suffix(int page) { return page > 1 ? "-p" + std::to_string(page) : ""; }

// Where each input's painted copy is (--marks): the one file named, for the one input; or,
// when --marks names a folder, the file in it with the input's sub-folder (-r) and the name
// its result gets (NAME, or NAME-p2 ... for further pages), with any image extension (PNG
// first, JPEG last: lossy paint makes stray marks). Inputs with none there are colorized
// without a correction.
class MarksSource {
 public:
  static Result<MarksSource> create(const Options& o) {
    MarksSource m;
    if (o.marks.empty()) return m;
    std::error_code ec;
    const auto input_is_folder = [&] {
      return std::any_of(o.inputs.begin(), o.inputs.end(), [](const std::string& in) {
        std::error_code ec2;
        return fs::is_directory(in, ec2);
      });
    };
    if (!fs::exists(o.marks, ec))
      return Status(ErrorCode::kIo, "--marks " + o.marks + ": no such file or folder");
    if (!fs::is_directory(o.marks, ec)) {
      if (o.inputs.size() != 1 || o.all_pages || input_is_folder())
        return Status(ErrorCode::kInvalidArgument,
                      "--marks FILE is a painted copy of one picture: give one input file, not "
                      "a folder or --all-pages (or give --marks a folder of painted copies, "
                      "each named as its input)");
      m.file_ = o.marks;
      return m;
    }
    for (const std::string& in : o.inputs)
      if (fs::equivalent(in, o.marks, ec) ||
          (!o.output.empty() && fs::exists(o.output, ec) && fs::equivalent(o.output, o.marks, ec)))
        return Status(ErrorCode::kInvalidArgument,
                      "--marks " + o.marks +
                          ": give the painted copies a folder of their own (not the input's or "
                          "the output's)");
    m.folder_ = o.marks;
    std::vector<std::string> skip = o.inputs;  // input folders inside the marks folder
    skip.push_back(o.output);
    for (const Input& f : list_images(o.marks, o.recursive, skip, nullptr)) {
      m.found_[(f.subdir / fs::path(f.path).stem()).generic_string()].push_back(f.path);
    }
    for (auto& [key, paths] : m.found_)
      std::stable_sort(paths.begin(), paths.end(), [](const std::string& a, const std::string& b) {
        return extension_rank(a) < extension_rank(b);
      });
    return m;
  }

  const std::string& folder() const { return folder_; }  // "" unless --marks names a folder

  // The painted copy of `in` ("" when there is none); remembers it as used.
  std::string find(const std::string& path, const fs::path& subdir, int page) {
    if (!file_.empty()) return file_;
    const std::string key =
        (subdir / (fs::path(path).stem().string() + page_suffix(page))).generic_string();
    const auto it = found_.find(key);
    if (it == found_.end()) return "";
    for (const std::string& candidate : it->second) {
      std::error_code ec;
      if (fs::equivalent(candidate, path, ec)) continue;  // the input itself
      used_.insert(candidate);
      return candidate;
    }
    return "";
  }

  // The painted copies in the folder that no input took (a misnamed file, most likely).
  std::vector<std::string> unused() const {
    std::vector<std::string> out;
    for (const auto& [key, paths] : found_)
      if (!std::any_of(paths.begin(), paths.end(),
                       [&](const std::string& p) { return used_.count(p) > 0; }))
        out.push_back(paths.front());
    return out;
  }

 private:
  static int extension_rank(const std::string& path) {
    const std::string f = writable_format(path);
    return f == "png" ? 0 : f == "tiff" ? 1 : f == "jpeg" ? 3 : 2;
  }

  std::string file_;                                       // --marks FILE
  std::string folder_;                                     // --marks FOLDER
  std::map<std::string, std::vector<std::string>> found_;  // sub-folder/stem -> files, best first
  std::set<std::string> used_;
};

// The colorization method chosen on the command line (colorize/colorizer.h).
Result<Colorizer> make_colorizer(const Options& o) {
  ColorizerOptions c;
  c.working_size = o.working_size;
  c.tone = o.tone;
  c.finish = o.finish;
  c.reach = o.reach;
  c.backend = o.backend;
  if (o.marks_only) return Colorizer::marks_only(c);
  if (!o.reference.empty()) {
    auto ref = load_image(o.reference, o);
    if (!ref.ok())
      return Status(ref.status().code(),
                    "reference '" + o.reference + "': " + ref.status().to_string());
    return Colorizer::with_reference(std::move(ref).value(), c);
  }
  Colorizer model = Colorizer::with_model(o.model, c);
  if (!o.hints.empty() && !model.takes_hints()) {
    // Let a run explain unreadable models; refuse hints only for readable ones.
    Image probe = Image::make(32, 32, 1, 8);
    std::fill(probe.data8.begin(), probe.data8.end(), uint8_t{128});
    auto run = model.colorize(probe);
    if (run.ok())
      return Status(ErrorCode::kInvalidArgument, "this model takes no hints; drop --hint");
    return run.status();
  }
  return model;
}

// Colorizes one picture with the user's hints and its painted copy (`marked`, may be null);
// `times` gets the stages' milliseconds. With `film`, the picture is that film's next frame
// (Colorizer::colorize_frame) and `step` gets what was carried.
Result<Image> colorize_one(const Colorizer& method, const Options& o, const Image& image,
                           const Marked* marked, StageTimes* times, FilmMemory* film,
                           FilmStep* step) {
  UserColour user;
  user.hints = o.hints;
  if (marked) {
    user.painted = &marked->image;
    user.painted_name = "--marks '" + marked->path + "'";
  }
  ColorizeTimes t;
  auto result =
      film ? method.colorize_frame(image, film, user, &t, step) : method.colorize(image, user, &t);
  times->prepare = t.prepare;
  times->infer = t.method;
  times->film = t.film;
  times->finish = t.finish;
  return result;
}

// The extension of the result of `input` with --format F (png when not given); with
// --format same, the input's own when it names a format results can be written in (PNG,
// JPEG, TIFF), as it is spelt, else .png.
std::string result_extension(const Options& o, const fs::path& input) {
  if (o.format == "same")
    return writable_format(input).empty() ? ".png" : input.extension().string();
  return o.format == "jpeg" ? ".jpg" : o.format == "tiff" ? ".tif" : ".png";
}

// The file name of the result of `input` (of its page `page`) in an output folder: its stem
// (with the page's suffix) and the result's extension; a name already used in this run (in
// the same sub-folder) gets -2, -3, ...
std::string unique_output_name(const fs::path& input, const Options& o,
                               std::set<std::string>* used_names, const fs::path& subdir = {},
                               int page = 1, bool claim = true) {
  const std::string stem = input.stem().string() + page_suffix(page);
  const std::string ext = result_extension(o, input);
  std::string name = stem + ext;
  for (int k = 2; used_names->count((subdir / name).generic_string()); ++k)
    name = stem + "-" + std::to_string(k) + ext;
  if (claim) used_names->insert((subdir / name).generic_string());
  return name;
}

// The format of a result: --format, else (also for --format same) OUT's extension (.jpg
// .jpeg .jpe, .tif .tiff), else PNG.
ImageFormat format_for(const Options& o, const std::string& out_path) {
  std::string f = o.format;
  if (f.empty() || f == "same") f = writable_format(out_path);
  return f == "jpeg" ? ImageFormat::kJpeg : f == "tiff" ? ImageFormat::kTiff : ImageFormat::kPng;
}

void print_scores(const char* label, const Scores& s) {
  std::printf("%-10s PSNR %.2f dB  SSIM %.4f  colourfulness %.2f (truth %.2f)  CIEDE2000 %.2f  "
              "wrong colour %.2f %%\n",
              label, s.psnr, s.ssim, s.colourfulness, s.colourfulness_truth, s.ciede2000,
              100.0 * s.wrong_colour);
}

// "about 3 min left" for a batch: from the mean time of the results so far.
std::string time_left(double seconds) {
  if (seconds < 60) return "under a minute left";
  const long minutes = long(seconds / 60 + 0.5);
  if (minutes < 90) return "about " + std::to_string(minutes) + " min left";
  const long tenths = long(seconds / 360 + 0.5);  // hours to one decimal
  return "about " + std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " h left";
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// An input's bytes and pixels, as read and decoded (with the stages' milliseconds).
struct Loaded {
  Result<std::vector<uint8_t>> bytes = Status(ErrorCode::kInternal, "not read");
  std::optional<Result<Image>> image;  // empty: not decoded yet
  double read_ms = 0, decode_ms = 0;
};

// Pictures above this many bytes of samples are not decoded ahead (two in memory at once).
constexpr uint64_t kAheadMaxBytes = uint64_t(256) << 20;

// Decodes page `page` of l->bytes (read) into l->image, timed.
void decode_loaded(Loaded* l, int page, const Options& o) {
  auto t = std::chrono::steady_clock::now();
  l->image = decode_bytes(*l->bytes, o, page);
  l->decode_ms = lap_ms(&t);
}

// Reads and (unless `ahead` and the picture is larger than kAheadMaxBytes) decodes page `page`
// of `path`.
Loaded load_input(const std::string& path, int page, const Options& o, bool ahead) {
  Loaded l;
  auto t = std::chrono::steady_clock::now();
  l.bytes = read_file(path);
  l.read_ms = lap_ms(&t);
  if (!l.bytes.ok()) return l;
  if (ahead) {
    const Result<ImageInfo> head = probe_image(l.bytes->data(), l.bytes->size(), page);
    if (head.ok() && uint64_t(head->width) * uint64_t(head->height) * uint64_t(head->channels) *
                             uint64_t(head->bit_depth / 8) >
                         kAheadMaxBytes)
      return l;
  }
  decode_loaded(&l, page, o);
  return l;
}

// One CSV field: quoted (with inner quotes doubled) when it holds a comma, quote or newline.
std::string csv_field(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string q = "\"";
  for (char c : v) q += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// Makes the output folder `dir`; false after a message when it cannot be made.
bool make_output_folder(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (fs::is_directory(dir, ec)) return true;
  std::fprintf(stderr, "colorize: cannot create output folder '%s'\n", dir.c_str());
  return false;
}

// Opens a CSV file (--report, --scores) and writes its header line; false after `failure` on
// stderr when it cannot be written.
bool open_csv(std::ofstream* csv, const std::string& path, const char* header,
              const std::string& failure) {
  csv->open(path, std::ios::binary);
  if (!*csv) {
    std::fprintf(stderr, "colorize: %s\n", failure.c_str());
    return false;
  }
  *csv << header << '\n' << std::flush;
  return true;
}

int run_colorize(const Options& o) {
  auto method = make_colorizer(o);
  auto marks = method.ok() ? MarksSource::create(o) : Result<MarksSource>(method.status());
  if (!marks.ok()) {
    std::fprintf(stderr, "colorize: %s\n", marks.status().to_string().c_str());
    return marks.status().code() == ErrorCode::kInvalidArgument ? 2 : 1;
  }

  // Expand folders; decide whether OUT is a file or a folder.
  std::vector<Input> inputs;
  bool any_folder = false;
  for (const auto& in : o.inputs) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) {
      any_folder = true;
      std::vector<std::string> others;
      std::vector<Input> files = list_images(in, o.recursive, {o.output, o.marks}, &others);
      if (o.film)  // frames: 2 before 10, whether or not the names are padded
        std::stable_sort(files.begin(), files.end(), [](const Input& a, const Input& b) {
          return natural_less((a.subdir / fs::path(a.path).filename()).generic_string(),
                              (b.subdir / fs::path(b.path).filename()).generic_string());
        });
      if (files.empty())
        std::fprintf(stderr, "colorize: %s: no image files in this folder%s\n", in.c_str(),
                     o.recursive ? " or its sub-folders" : "");
      // Say what is left out, so nothing goes missing unnoticed (sidecars, unknown formats).
      if (!others.empty() && !o.quiet)
        std::fprintf(stderr,
                     "colorize: %s: left out %zu file%s without an image extension (%s%s)\n",
                     in.c_str(), others.size(), others.size() == 1 ? "" : "s", others[0].c_str(),
                     others.size() > 1 ? ", ..." : "");
      inputs.insert(inputs.end(), files.begin(), files.end());
    } else {
      inputs.push_back({in, {}});
    }
  }
  std::error_code ec;
  const bool out_is_dir = any_folder || o.inputs.size() > 1 || fs::is_directory(o.output, ec) ||
                          (!o.output.empty() && (o.output.back() == '/' || o.output.back() == '\\'));
  if (out_is_dir && !make_output_folder(o.output)) return 1;
  if (inputs.empty()) return 1;
  // --report: one CSV row per input, written as each one ends (a batch that is stopped keeps
  // the rows of what it did).
  std::ofstream report;
  if (!o.report.empty() &&
      !open_csv(&report, o.report,
                "input,page,output,status,width,height,seconds,painted_copy,message",
                "cannot write the report '" + o.report + "'"))
    return 1;
  auto report_row = [&](const std::string& in, int page, const std::string& out, const char* status,
                        const Image* result, double seconds, const std::string& painted,
                        const std::string& message) {
    if (!report.is_open()) return;
    char secs[32] = "";
    if (seconds >= 0) std::snprintf(secs, sizeof secs, "%.3f", seconds);
    report << csv_field(in) << ',' << page << ',' << csv_field(out) << ',' << status << ','
           << (result ? std::to_string(result->width) : "") << ','
           << (result ? std::to_string(result->height) : "") << ',' << secs << ','
           << csv_field(painted) << ',' << csv_field(message) << '\n'
           << std::flush;
  };

  const bool progress = !o.quiet && inputs.size() > 1;
  std::set<std::string> used_names;
  int failed = 0, skipped = 0;
  int corrected = 0;               // results corrected by a painted copy from the marks folder
  int colorized = 0;               // results written so far (for the time left)
  double colorized_seconds = 0.0;  // and the time they took
  const auto t_all = std::chrono::steady_clock::now();
  // The next input, read and decoded on another thread while this one colorizes the current
  // (stb's JPEG and PNG readers use one core: in a batch their time overlaps the rest).
  struct Ahead {
    std::string path;
    int page = 1;
    std::future<Loaded> loaded;
  };
  std::optional<Ahead> ahead;
  // --film: the colour carried from frame to frame; the result of the last frame that
  // --skip-existing left alone, to be read back before the next frame is colorized.
  FilmOptions film_options;
  film_options.carry = o.film ? o.carry : 0.0f;
  FilmMemory film(film_options);
  std::string film_resume;
  int shots = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    // Copies: --all-pages inserts into `inputs` below.
    const std::string in = inputs[i].path;
    const fs::path subdir = inputs[i].subdir;
    const int page = inputs[i].page;
    const auto t0 = std::chrono::steady_clock::now();
    std::string out = o.output;
    if (out_is_dir)
      out = (fs::path(o.output) / subdir /
             unique_output_name(fs::path(in), o, &used_names, subdir, page))
                .string();
    else if (page > 1)  // one OUT file named: the further pages beside it
      out = (fs::path(o.output).parent_path() /
             (fs::path(o.output).stem().string() + page_suffix(page) +
              fs::path(o.output).extension().string()))
                .string();
    // --all-pages: the further pages of a multi-page TIFF become inputs of their own, next.
    auto add_pages = [&](const Result<ImageInfo>& head) {
      if (!o.all_pages || page != 1 || !head.ok() || head->pages < 2) return;
      for (int k = head->pages; k >= 2; --k)
        inputs.insert(inputs.begin() + long(i) + 1, Input{in, subdir, k});
      if (!o.quiet)
        std::fprintf(stderr,
                     "colorize: %s: the file holds %d pages; each is colorized (the further "
                     "ones with -p2%s in their names)\n",
                     in.c_str(), head->pages,
                     head->pages > 2 ? (" ... -p" + std::to_string(head->pages)).c_str() : "");
    };
    const std::string marks_path = marks->find(in, subdir, page);  // "" when none
    auto fail = [&](const std::string& what) {
      ++failed;
      std::fprintf(stderr, "colorize: %s: %s\n", in.c_str(), what.c_str());
      report_row(in, page, out, "failed", nullptr, seconds_since(t0), marks_path, what);
    };
    std::error_code ec2;
    if (fs::exists(out, ec2) && fs::equivalent(in, out, ec2)) {
      fail("refusing to overwrite the input with the output");
      continue;
    }
    if (o.skip_existing && fs::exists(out, ec2)) {
      if (o.all_pages && page == 1) {  // the further pages may still be missing
        auto bytes = read_file(in);
        if (bytes.ok()) add_pages(probe_image(bytes->data(), bytes->size()));
      }
      ++skipped;
      if (o.film) film_resume = out;
      report_row(in, page, out, "already there", nullptr, -1, "", "");
      if (progress)
        std::fprintf(stderr, "[%zu/%zu] %s -> %s (already there, left alone)\n", i + 1,
                     inputs.size(), in.c_str(), out.c_str());
      continue;
    }
    if (!subdir.empty()) {
      fs::create_directories(fs::path(out).parent_path(), ec2);
      if (ec2) {
        fail("cannot create the output folder " + fs::path(out).parent_path().string());
        continue;
      }
    }
    StageTimes times;
    Loaded loaded;
    if (ahead && ahead->path == in && ahead->page == page) {
      loaded = ahead->loaded.get();
    } else {
      if (ahead) ahead->loaded.wait();  // one that is not wanted after all (rare)
      loaded = load_input(in, page, o, false);
    }
    ahead.reset();
    if (loaded.bytes.ok() && !loaded.image)  // read ahead, too large to decode ahead
      decode_loaded(&loaded, page, o);
    times.read = loaded.read_ms;
    times.decode = loaded.decode_ms;
    const Result<std::vector<uint8_t>>& bytes_in = loaded.bytes;
    if (!bytes_in.ok()) {
      fail(bytes_in.status().to_string());
      continue;
    }
    Result<Image>& image = *loaded.image;
    if (!image.ok()) {
      fail(image.status().to_string());
      continue;
    }
    // This page's header: its resolution, orientation and profile (and the page count).
    const Result<ImageInfo> info = probe_image(bytes_in->data(), bytes_in->size(), page);
    if (o.all_pages)
      add_pages(info);
    else if (info.ok() && info->pages > 1 && !o.quiet)
      std::fprintf(stderr,
                   "colorize: %s: the file holds %d pages; only the first is colorized "
                   "(--all-pages for each)\n",
                   in.c_str(), info->pages);
    // Start on the next input (its pages now in the list), unless its result is already
    // there and --skip-existing will leave it alone.
    if (i + 1 < inputs.size()) {
      const Input& next = inputs[i + 1];
      bool wanted = true;
      if (o.skip_existing) {
        std::string next_out = o.output;
        if (out_is_dir)
          next_out = (fs::path(o.output) / next.subdir /
                      unique_output_name(fs::path(next.path), o, &used_names, next.subdir,
                                         next.page, false))
                         .string();
        std::error_code ec3;
        wanted = !fs::exists(next_out, ec3);
      }
      try {
        if (wanted)
          ahead = Ahead{
              next.path, next.page,
              std::async(std::launch::async, load_input, next.path, next.page, std::cref(o), true)};
      } catch (const std::system_error&) {
        // No thread to be had: the next input is read when its turn comes.
      }
    }
    auto t = std::chrono::steady_clock::now();
    if (info.ok() && o.convert_profile && page == 1) warn_profile(in, *info);
    std::optional<Marked> marked;
    if (!marks_path.empty()) {
      auto painted = load_image(marks_path, o);
      if (!painted.ok()) {
        fail("marks '" + marks_path + "': " + painted.status().to_string());
        continue;
      }
      marked = Marked{marks_path, std::move(painted).value()};
    } else if (o.marks_only && o.hints.empty() && !o.film) {  // a film may hold paint from before
      fail("no painted copy of it in " + o.marks +
           " (with --marks-only each picture needs one, named as the picture, or --hint)");
      continue;
    }
    if (!film_resume.empty()) {
      // Going on with a film: its last frame's result, as written, is where the colour
      // carried on comes from.
      auto last = load_image(film_resume, o);
      const Status st = last.ok() ? film.remember(*last) : last.status();
      if (!st.ok()) {
        film.forget();
        std::fprintf(stderr, "colorize: %s: cannot read it back (%s); the film goes on afresh\n",
                     film_resume.c_str(), st.to_string().c_str());
      } else if (auto held = held_paint_after(o.output, film_resume)) {
        // The paint it held there, held again.
        const size_t n = held->size();
        const Status hs = film.hold_points(std::move(*held));
        if (!hs.ok())
          std::fprintf(stderr, "colorize: %s: the paint held there cannot be taken up (%s)\n",
                       kHeldPaintFile, hs.to_string().c_str());
        else if (progress)
          std::fprintf(stderr, "colorize: %s: the paint held there is held again (%zu points)\n",
                       film_resume.c_str(), n);
      }
      film_resume.clear();
    }
    times.read += lap_ms(&t);
    FilmStep step;
    auto result = colorize_one(*method, o, *image, marked ? &*marked : nullptr, &times,
                               o.film ? &film : nullptr, &step);
    if (!result.ok()) {
      fail(result.status().to_string());
      // A method that cannot run at all (no backend, unreadable model) fails every input.
      if (result.status().code() == ErrorCode::kNoBackend ||
          result.status().code() == ErrorCode::kCorruptModel) {
        failed += static_cast<int>(inputs.size() - i - 1);
        break;
      }
      continue;
    }
    EncodeOptions e;
    e.format = format_for(o, out);
    e.jpeg_quality = o.jpeg_quality;
    e.parallel_for = run_parallel;
    // The scan's resolution goes on (so the result prints at the original's size), with what
    // the original records (date, captions, credits), made true of an upright result; the
    // file says that its colour is made up.
    carry_record(info.ok() ? *info : ImageInfo{}, bytes_in->data(), bytes_in->size(),
                 o.keep_metadata, &e);
    e.comment = provenance(o, marked.has_value());
    if (o.keep_metadata) {
      // A JPEG segment holds 64 KiB: say what does not fit rather than lose it unseen.
      if (e.format == ImageFormat::kJpeg) {
        const size_t exif = e.metadata.exif.size(), xmp = e.metadata.xmp.size();
        for (const auto& [what, n, cap] : {std::tuple{"EXIF", exif, kJpegMaxExifBytes},
                                           std::tuple{"XMP", xmp, kJpegMaxXmpBytes}})
          if (n > cap)
            std::fprintf(stderr,
                         "colorize: %s: its %s (%zu KiB) does not fit in a JPEG and is left out "
                         "of the result; save as PNG or TIFF to keep it\n",
                         in.c_str(), what, (n + 1023) / 1024);
      }
    }
    t = std::chrono::steady_clock::now();
    auto bytes = encode_image(*result, e);
    times.encode = lap_ms(&t);
    if (!bytes.ok()) {
      fail(bytes.status().to_string());
      continue;
    }
    const Status w = write_file(out, *bytes);
    times.write = lap_ms(&t);
    if (!w.ok()) {
      fail(w.to_string());
      continue;
    }
    if (o.film) {
      const Status kept = keep_held_paint(o.output, out, film);
      if (!kept.ok())
        std::fprintf(stderr,
                     "colorize: %s: %s (a film stopped after it goes on without its paint "
                     "held)\n",
                     in.c_str(), kept.to_string().c_str());
    }
    if (o.timings)
      std::fprintf(stderr,
                   "timings %s (%dx%d): read %.1f ms, decode %.1f ms, prepare %.1f ms, infer %.1f "
                   "ms,%s finish %.1f ms, encode %.1f ms, write %.1f ms, total %.1f ms\n",
                   in.c_str(), result->width, result->height, times.read, times.decode,
                   times.prepare, times.infer,
                   o.film ? (" film " + fixed1(times.film) + " ms,").c_str() : "", times.finish,
                   times.encode, times.write, seconds_since(t0) * 1e3);
    if (progress) {
      ++colorized;
      colorized_seconds += seconds_since(t0);
      const size_t left = inputs.size() - i - 1;
      const std::string eta =
          left ? "; " + time_left(colorized_seconds / colorized * double(left)) : "";
      const std::string with =
          (!marked ? "" : (o.marks_only ? ", colour from " : ", corrected by ") + marked->path) +
          (o.film && step.new_shot && shots > 0 ? ", a new shot" : "") +
          (step.held > 0 ? ", paint held from before" : "");
      std::fprintf(stderr, "[%zu/%zu] %s -> %s (%dx%d, %.2f s%s%s)\n", i + 1, inputs.size(),
                   in.c_str(), out.c_str(), result->width, result->height, seconds_since(t0),
                   with.c_str(), eta.c_str());
    }
    if (marked && !marks->folder().empty()) ++corrected;
    if (o.film && step.new_shot) ++shots;

    if (!o.metrics_truth.empty()) {
      auto truth = load_image(o.metrics_truth, o);
      if (!truth.ok()) {
        fail("--metrics " + o.metrics_truth + ": " + truth.status().to_string());
        continue;
      }
      auto s = score(*result, *truth);
      auto g = score(to_greyscale(*image), *truth);
      if (!s.ok() || !g.ok()) {
        fail("--metrics: " + (s.ok() ? g.status() : s.status()).to_string());
        continue;
      }
      print_scores("greyscale", *g);
      print_scores(method->method_name(), *s);
    }
    report_row(in, page, out, "ok", &*result, seconds_since(t0), marked ? marked->path : "", "");
  }
  if (!marks->folder().empty() && !o.quiet) {
    std::fprintf(stderr, "colorize: %d result%s %s painted copies from %s\n", corrected,
                 corrected == 1 ? "" : "s", o.marks_only ? "coloured from" : "corrected by",
                 marks->folder().c_str());
    // When whole folders were colorized, a painted copy no input took is most likely
    // misnamed: say so, or the paint is lost unnoticed. (Files named one by one may leave
    // the others' copies for another run.)
    const std::vector<std::string> unused =
        any_folder ? marks->unused() : std::vector<std::string>{};
    if (!unused.empty())
      std::fprintf(stderr,
                   "colorize: %s: %zu painted cop%s matched no input (%s%s); each must have "
                   "its picture's name%s\n",
                   marks->folder().c_str(), unused.size(), unused.size() == 1 ? "y" : "ies",
                   unused[0].c_str(), unused.size() > 1 ? ", ..." : "",
                   o.recursive ? " and sub-folder" : "");
  }
  if (o.film && !o.quiet)
    std::fprintf(stderr,
                 "colorize: --film: %d new shot%s (a frame with no colour carried in: the first, "
                 "or one after a cut)\n",
                 shots, shots == 1 ? "" : "s");
  if (progress) {
    if (o.skip_existing)
      std::fprintf(stderr, "done: %zu ok, %d already there, %d failed, %.1f s\n",
                   inputs.size() - failed - skipped, skipped, failed, seconds_since(t_all));
    else
      std::fprintf(stderr, "done: %zu ok, %d failed, %.1f s\n", inputs.size() - failed, failed,
                   seconds_since(t_all));
  }
  return failed == 0 ? 0 : 1;
}

// 95 % bootstrap intervals of the method's means over the photos, and of its per-photo
// difference to greyscale (paired: the same photos resampled for both). Nothing for one photo.
void print_intervals(const std::string& name, const std::vector<Scores>& method,
                     const std::vector<Scores>& grey) {
  if (method.size() < 2) return;
  struct Column {
    const char* label;
    double (*get)(const Scores&);
    int digits;
  };
  const Column columns[] = {
      {"PSNR dB", [](const Scores& s) { return s.psnr; }, 2},
      {"SSIM", [](const Scores& s) { return s.ssim; }, 4},
      {"CIEDE2000", [](const Scores& s) { return s.ciede2000; }, 2},
      {"wrong colour %", [](const Scores& s) { return 100.0 * s.wrong_colour; }, 2},
  };
  std::string own = "| " + name + " |", diff = "| " + name + " minus greyscale |";
  std::string head = "| 95 % interval |", rule = "|---|";
  for (const Column& c : columns) {
    std::vector<double> v, d;
    for (size_t i = 0; i < method.size(); ++i) {
      v.push_back(c.get(method[i]));
      d.push_back(c.get(method[i]) - c.get(grey[i]));
    }
    auto iv = bootstrap_mean(v);
    auto id = bootstrap_mean(d);
    if (!iv.ok() || !id.ok()) {
      std::printf("\nno intervals: a photo's %s is not finite (a photo that is grey already "
                  "gives greyscale an infinite PSNR)\n", c.label);
      return;
    }
    const int p = c.digits;
    char buf[160];
    std::snprintf(buf, sizeof buf, " %.*f [%.*f, %.*f] |", p, iv->mean, p, iv->low, p, iv->high);
    own += buf;
    std::snprintf(buf, sizeof buf, " %+.*f [%+.*f, %+.*f] |", p, id->mean, p, id->low, p,
                  id->high);
    diff += buf;
    head += std::string(" ") + c.label + " |";
    rule += "---:|";
  }
  std::printf("\n95 %% intervals of the means (bootstrap over the %zu photos, 2000 draws; an "
              "interval holding 0 in the last row: these photos do not tell the method from "
              "greyscale)\n%s\n%s\n%s\n%s\n",
              method.size(), head.c_str(), rule.c_str(), own.c_str(), diff.c_str());
}

// Writes an --eval result into the -o folder, named as folder colorizing names its outputs.
Status write_result(const Image& result, const Options& o, const fs::path& input,
                    std::set<std::string>* used_names) {
  const std::string out = (fs::path(o.output) / unique_output_name(input, o, used_names)).string();
  EncodeOptions e;
  e.format = format_for(o, out);
  e.jpeg_quality = o.jpeg_quality;
  e.parallel_for = run_parallel;
  e.comment = provenance(o);  // an evaluation's results are guesses like any other
  auto bytes = encode_image(result, e);
  if (!bytes.ok()) return bytes.status();
  return write_file(out, *bytes);
}

int run_evaluate(const Options& o) {
  auto method = make_colorizer(o);
  if (!method.ok()) {
    std::fprintf(stderr, "colorize: %s\n", method.status().to_string().c_str());
    return method.status().code() == ErrorCode::kInvalidArgument ? 2 : 1;
  }
  std::error_code ec;
  if (!fs::is_directory(o.eval_dir, ec)) {
    std::fprintf(stderr, "colorize: --eval %s: not a folder\n", o.eval_dir.c_str());
    return 2;
  }
  std::vector<std::string> files;
  for (const Input& f : list_images(o.eval_dir, false, {}, nullptr)) files.push_back(f.path);
  if (o.eval_limit > 0 && static_cast<size_t>(o.eval_limit) < files.size()) files.resize(o.eval_limit);
  if (files.empty()) {
    std::fprintf(stderr, "colorize: --eval %s: no image files\n", o.eval_dir.c_str());
    return 1;
  }

  // Optional outputs: the results themselves (to look at) and each photo's scores (CSV).
  if (!o.output.empty()) {
    if (fs::exists(o.output, ec) && fs::equivalent(o.output, o.eval_dir, ec)) {
      std::fprintf(stderr, "colorize: -o %s: give a folder other than the photos' own\n",
                   o.output.c_str());
      return 2;
    }
    if (!make_output_folder(o.output)) return 1;
  }
  std::ofstream csv;
  if (!o.eval_scores.empty() &&
      !open_csv(&csv, o.eval_scores,
                "file,psnr,ssim,colourfulness,colourfulness_truth,ciede2000,wrong_colour_pct,"
                "grey_psnr,grey_ssim,grey_ciede2000",
                "--scores " + o.eval_scores + ": cannot write"))
    return 1;
  std::set<std::string> used_names;

  Scores sum_grey, sum_method;
  std::vector<Scores> per_grey, per_method;  // per photo, for the intervals
  int n = 0, failed = 0;
  auto add = [](Scores& acc, const Scores& s) {
    acc.psnr += s.psnr;
    acc.ssim += s.ssim;
    acc.colourfulness += s.colourfulness;
    acc.colourfulness_truth += s.colourfulness_truth;
    acc.ciede2000 += s.ciede2000;
    acc.wrong_colour += s.wrong_colour;
  };
  for (size_t i = 0; i < files.size(); ++i) {
    auto truth = load_image(files[i], o);
    Result<Image> result = truth.ok() ? method->colorize(to_greyscale(*truth)) : truth.status();
    Result<Scores> s = result.ok() ? score(*result, *truth) : result.status();
    if (!s.ok()) {
      ++failed;
      std::fprintf(stderr, "colorize: %s: %s\n", files[i].c_str(), s.status().to_string().c_str());
      continue;
    }
    auto g = score(to_greyscale(*truth), *truth);
    if (!g.ok()) {
      ++failed;
      std::fprintf(stderr, "colorize: %s: %s\n", files[i].c_str(), g.status().to_string().c_str());
      continue;
    }
    if (!o.output.empty()) {
      const Status w = write_result(*result, o, fs::path(files[i]), &used_names);
      if (!w.ok()) {
        ++failed;
        std::fprintf(stderr, "colorize: %s: %s\n", files[i].c_str(), w.to_string().c_str());
        continue;
      }
    }
    if (csv.is_open()) {
      char row[320];
      std::snprintf(row, sizeof row, ",%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f\n", s->psnr,
                    s->ssim, s->colourfulness, s->colourfulness_truth, s->ciede2000,
                    100.0 * s->wrong_colour, g->psnr, g->ssim, g->ciede2000);
      csv << csv_field(fs::path(files[i]).filename().string()) << row;
    }
    add(sum_method, *s);
    add(sum_grey, *g);
    per_method.push_back(*s);
    per_grey.push_back(*g);
    ++n;
    if (!o.quiet) std::fprintf(stderr, "\r[%zu/%zu] %s", i + 1, files.size(), files[i].c_str());
  }
  if (!o.quiet) std::fprintf(stderr, "\n");
  if (n == 0) return 1;

  auto mean = [n](const Scores& s) {
    Scores m = s;
    m.psnr /= n;
    m.ssim /= n;
    m.colourfulness /= n;
    m.colourfulness_truth /= n;
    m.ciede2000 /= n;
    m.wrong_colour /= n;
    return m;
  };
  if (csv.is_open()) {
    csv.close();
    if (!csv) {
      std::fprintf(stderr, "colorize: --scores %s: write failed\n", o.eval_scores.c_str());
      ++failed;
    }
  }
  const Scores g = mean(sum_grey), m = mean(sum_method);
  std::printf("%d photos from %s (full resolution, truth made grey by keeping L*)\n", n,
              o.eval_dir.c_str());
  std::printf("| method | PSNR dB | SSIM | colourfulness | dCF vs truth | CIEDE2000 | wrong colour %% |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& [label, s] : {std::pair<std::string, Scores>{"greyscale", g},
                                 std::pair<std::string, Scores>{method->method_name(), m}})
    std::printf("| %s | %.2f | %.4f | %.2f | %+.2f | %.2f | %.2f |\n", label.c_str(), s.psnr,
                s.ssim, s.colourfulness, s.colourfulness - s.colourfulness_truth, s.ciede2000,
                100.0 * s.wrong_colour);
  std::printf("truth colourfulness %.2f\n", g.colourfulness_truth);
  print_intervals(method->method_name(), per_method, per_grey);
  return failed == 0 ? 0 : 1;
}

// Without --reference or --model, the manifest's default model; a model's working size from
// the manifest beside it unless --size says. False (after a message) when there is no method.
bool resolve_model(Options* o) {
  if (!o->reference.empty() || o->marks_only) return true;
  const bool chosen = !o->model.empty();
  if (!chosen) {
    auto def = cli::default_model();
    if (!def.ok()) {
      std::fprintf(stderr,
                   "colorize: no method given: use --reference REF (exemplar) or --model MODEL "
                   "(no default model: %s)\nTry 'colorize --help'.\n",
                   def.status().message().c_str());
      return false;
    }
    o->model = *def;
  }
  const bool size_from_manifest = o->working_size == 0;
  if (size_from_manifest) o->working_size = manifest_working_size(o->model);
  if (!o->quiet && (!chosen || (size_from_manifest && o->working_size > 0)))
    std::fprintf(stderr, "colorize: model %s, working size %d%s\n", o->model.c_str(),
                 o->working_size > 0 ? o->working_size : kDefaultWorkingSize,
                 size_from_manifest && o->working_size > 0 ? " (from its manifest)" : "");
  return true;
}

}  // namespace

// colorize info FILE...: what each file holds, from its header (nothing is decoded), so a
// user can see why a result looks as it does (a profile not applied, a stated resolution,
// pages left out). Exit code 1 when a file cannot be read as an image.
int run_info(const Options& o) {
  int failed = 0;
  for (const std::string& path : o.inputs) {
    auto bytes = read_file(path);
    const Result<ImageInfo> info =
        bytes.ok() ? probe_image(bytes->data(), bytes->size()) : Result<ImageInfo>(bytes.status());
    if (!info.ok()) {
      ++failed;
      std::fprintf(stderr, "colorize: %s: %s\n", path.c_str(), info.status().to_string().c_str());
      continue;
    }
    const ImageInfo& i = *info;
    std::printf("%s\n", path.c_str());
    std::printf("  format      %s%s\n", image_format_name(i.format),
                i.pages > 1
                    ? (", " + std::to_string(i.pages) + " pages (the first described)").c_str()
                    : "");
    const double mp = double(i.width) * double(i.height) / 1e6;
    std::printf("  size        %d x %d pixels (%.1f MP)", i.width, i.height, mp);
    if (i.exif_orientation != 1)
      std::printf(", orientation %d: shown %d x %d", i.exif_orientation,
                  i.exif_orientation >= 5 ? i.height : i.width,
                  i.exif_orientation >= 5 ? i.width : i.height);
    std::printf("\n");
    static const char* const kSamples[] = {"", "grey", "grey + alpha", "RGB", "RGBA"};
    std::printf("  samples     %s, %d-bit\n",
                i.channels >= 1 && i.channels <= 4 ? kSamples[i.channels] : "?", i.bit_depth);
    if (i.dpi_x > 0 && i.dpi_y > 0)
      std::printf("  resolution  %.4g x %.4g dpi (prints %.1f x %.1f cm)\n", i.dpi_x, i.dpi_y,
                  i.width / i.dpi_x * 2.54, i.height / i.dpi_y * 2.54);
    else
      std::printf("  resolution  none stated\n");
    const std::string name = i.profile_name.empty() ? "unnamed" : "\"" + i.profile_name + "\"";
    switch (i.profile) {
      case ColourProfile::kNone:
        std::printf("  profile     none stated (taken as sRGB)\n");
        break;
      case ColourProfile::kSrgb:
        std::printf("  profile     %s: sRGB, nothing to convert\n", name.c_str());
        break;
      case ColourProfile::kConverted:
        std::printf("  profile     %s: converted to sRGB on reading\n", name.c_str());
        break;
      case ColourProfile::kNotApplied:
        std::printf("  profile     %s: not applied (%s); the numbers are taken as sRGB\n",
                    name.c_str(), i.profile_note.c_str());
        break;
    }
    const Metadata m = read_metadata(bytes->data(), bytes->size());
    std::string held;
    if (!m.exif.empty()) held = "EXIF " + std::to_string(m.exif.size()) + " bytes";
    if (!m.xmp.empty())
      held += (held.empty() ? "" : ", ") + ("XMP " + std::to_string(m.xmp.size()) + " bytes");
    std::printf("  metadata    %s\n",
                held.empty() ? "none (no EXIF or XMP)" : (held + " (carried to results)").c_str());
  }
  return failed ? 1 : 0;
}

int main(int argc, char** argv) {
  auto parsed = cli::parse_options(argc, argv);
  if (!parsed.ok()) {
    std::fprintf(stderr, "colorize: %s\nTry 'colorize --help'.\n", parsed.status().message().c_str());
    return 2;
  }
  Options o = *parsed;
#ifdef COLORIZE_HAVE_CUDA
  nn::register_cuda_backend();  // --backend auto then prefers a usable GPU
#endif
  o.finish.parallel_for = run_parallel;  // the full-resolution pass on all cores
  if ((o.mode == cli::Mode::kColorize || o.mode == cli::Mode::kEvaluate) && !resolve_model(&o))
    return 2;
  switch (o.mode) {
    case cli::Mode::kHelp:
      std::fputs(cli::usage_text(), stdout);
      return 0;
    case cli::Mode::kVersion:
      std::printf("colorize %s\n", colorize::version());
      return 0;
    case cli::Mode::kLab: {
      const Lab lab = srgb_to_lab(Rgb{o.lab_rgb[0] / 255.0f, o.lab_rgb[1] / 255.0f, o.lab_rgb[2] / 255.0f});
      std::printf("%.6f %.6f %.6f\n", lab.L, lab.a, lab.b);
      return 0;
    }
    case cli::Mode::kTone: {
      const ToneMap map = tone_map_for(tone_range_of_samples(o.tone_values));
      std::printf("%.6f %.6f %.6f\n", map.gain, map.in_mid, map.out_mid);
      return 0;
    }
    case cli::Mode::kInfo:
      return run_info(o);
    case cli::Mode::kEvaluate:
      return run_evaluate(o);
    case cli::Mode::kColorize:
      return run_colorize(o);
  }
  return 2;
}
