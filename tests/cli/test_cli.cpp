// The `colorize` CLI as a user runs it: exit codes, messages, outputs decoded and checked.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "../colour_stats.h"
#include "colorize/color.h"
#include "colorize/image.h"
#include "colorize/metrics.h"
#include "colorize/pipeline.h"

namespace fs = std::filesystem;
using namespace colorize;
using colour_stats::mean_ab;
using colour_stats::mean_chroma;

namespace {

const std::string kData = std::string(COLORIZE_TEST_DATA_DIR) + "/data";
const std::string kCorpus = std::string(COLORIZE_TEST_DATA_DIR) + "/corpus";

struct CliRun {
  int code = -1;
  std::string output;  // stdout and stderr together
};

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// env: "NAME=value" assignments put before the command (shell syntax), or empty.
CliRun run(const std::vector<std::string>& args, const std::string& env = "") {
  std::string cmd = env.empty() ? quote(COLORIZE_CLI) : env + " " + quote(COLORIZE_CLI);
  for (const auto& a : args) cmd += " " + quote(a);
  cmd += " 2>&1 </dev/null";
  CliRun r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

fs::path fresh_dir(const std::string& name) {
  fs::path d = fs::path(COLORIZE_TEST_WORK_DIR) / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// A file's bytes (empty when it cannot be read).
std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The header of an image file as probe_image reads it.
Result<ImageInfo> probe_file(const fs::path& p) {
  const std::string bytes = read_bytes(p);
  return probe_image(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

Image load(const fs::path& p) {
  const std::string text = read_bytes(p);
  const std::vector<uint8_t> bytes(text.begin(), text.end());
  auto img = decode_image(bytes.data(), bytes.size());
  EXPECT_TRUE(img.ok()) << p << ": " << img.status().to_string();
  return img.ok() ? *img : Image{};
}

// Writes `img` as PNG to `file`; false when it cannot be encoded.
bool save_png(const Image& img, const fs::path& file) {
  auto bytes = encode_image(img);
  if (!bytes.ok()) return false;
  std::ofstream(file, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes->data()),
             static_cast<std::streamsize>(bytes->size()));
  return true;
}

}  // namespace

TEST(Cli, HelpAndUsageErrors) {
  CliRun help = run({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.output.find("Usage"), std::string::npos);
  EXPECT_EQ(run({}).code, 2);
  CliRun unknown = run({"--frobnicate", "x.png", "-o", "y.png"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.output.find("unknown option"), std::string::npos);
  // No method and no default model to fall back on.
  CliRun none = run({kData + "/landscape-grey.jpg", "-o", "x.png"}, "COLORIZE_MODELS=/nonexistent");
  EXPECT_EQ(none.code, 2) << none.output;
  EXPECT_NE(none.output.find("no method given"), std::string::npos) << none.output;
  EXPECT_EQ(run({"--size", "abc", "a.png", "-o", "b.png", "--reference", "r.png"}).code, 2);
  EXPECT_EQ(run({"--saturation", "9", "a.png", "-o", "b.png", "--reference", "r.png"}).code, 2);
  EXPECT_EQ(run({"--guided-radius", "65", "a.png", "-o", "b.png", "--reference", "r.png"}).code, 2);
  CliRun eps = run({"--guided-eps", "0", "a.png", "-o", "b.png", "--reference", "r.png"});
  EXPECT_EQ(eps.code, 2);
  EXPECT_NE(eps.output.find("--guided-eps"), std::string::npos) << eps.output;
}

// The guided upsampling's settings reach finish(): radius 0 with a tiny regularisation makes
// chroma follow lightness pixel by pixel; a huge regularisation over a wide window makes it
// flat. The two results keep the same lightness and differ in colour.
TEST(Cli, GuidedUpsamplingSettingsReachTheResult) {
  const fs::path dir = fresh_dir("guided");
  const std::vector<std::string> base = {kData + "/landscape-grey.jpg", "--reference",
                                         kData + "/landscape-reference.jpg", "--size", "64"};
  auto with = [&](const std::string& out, const std::vector<std::string>& extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back("-o");
    args.push_back((dir / out).string());
    return run(args);
  };
  CliRun sharp = with("sharp.png", {"--guided-radius", "0", "--guided-eps", "0.01"});
  ASSERT_EQ(sharp.code, 0) << sharp.output;
  CliRun flat = with("flat.png", {"--guided-radius=8", "--guided-eps=100000"});
  ASSERT_EQ(flat.code, 0) << flat.output;
  const Image a = load(dir / "sharp.png"), b = load(dir / "flat.png");
  ASSERT_EQ(a.width, b.width);
  auto same_grey = psnr(to_greyscale(a), to_greyscale(b));
  ASSERT_TRUE(same_grey.ok());
  EXPECT_GT(*same_grey, 35.0);
  auto colour = psnr(a, b);
  ASSERT_TRUE(colour.ok());
  EXPECT_LT(*colour, *same_grey - 3.0) << "the settings should change the colours";
}

TEST(Cli, ExemplarColorizesAtFullResolution) {
  const fs::path out = fresh_dir("exemplar") / "out.png";
  CliRun r = run({kData + "/landscape-grey.jpg", "--reference", kData + "/landscape-reference.jpg",
               "-o", out.string()});
  ASSERT_EQ(r.code, 0) << r.output;
  const Image grey = load(kData + "/landscape-grey.jpg");
  const Image result = load(out);
  EXPECT_EQ(result.width, grey.width);
  EXPECT_EQ(result.height, grey.height);
  EXPECT_EQ(result.channels, 3);
  EXPECT_GT(mean_chroma(result), 8.0) << "the result should carry colour";
  // The result keeps the input's lightness: its greyscale is close to the input.
  auto p = psnr(to_greyscale(result), grey);
  ASSERT_TRUE(p.ok());
  EXPECT_GT(*p, 35.0);
}

TEST(Cli, MetricsAgainstTruth) {
  const fs::path out = fresh_dir("metrics") / "out.jpg";
  CliRun r = run({kData + "/landscape-grey.jpg", "--reference", kData + "/landscape-reference.jpg",
               "-o", out.string(), "--metrics", kData + "/landscape.jpg"});
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("PSNR"), std::string::npos);
  EXPECT_NE(r.output.find("greyscale"), std::string::npos);
  EXPECT_NE(r.output.find("exemplar"), std::string::npos);
  const Image jpeg = load(out);  // the .jpg extension picked JPEG
  EXPECT_EQ(jpeg.channels, 3);
}

TEST(Cli, BatchGoesOnPastBadFiles) {
  const fs::path in = fresh_dir("batch-in");
  const fs::path out = fresh_dir("batch-out");
  fs::copy_file(kData + "/landscape-grey.jpg", in / "a.jpg");
  fs::copy_file(kData + "/eval/scene-21.jpg", in / "c.jpg");
  std::ofstream(in / "b.png") << "this is not an image";
  std::ofstream(in / "notes.txt") << "ignored: not an image extension";
  fs::copy_file(kCorpus + "/grey16_tiles_pred_mm.tif", in / "d.TIFF");  // a scan, 16-bit
  CliRun r = run({in.string(), "--reference", kData + "/landscape-reference.jpg", "-o", out.string()});
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("b.png"), std::string::npos);
  EXPECT_NE(r.output.find("[4/4]"), std::string::npos) << "progress on stderr: " << r.output;
  // Each line but the last says about how long the rest will take.
  EXPECT_TRUE(std::regex_search(
      r.output, std::regex(R"(\[1/4\] .*; (under a minute|about [0-9.]+ (min|h)) left\))")))
      << r.output;
  // What the folder holds besides images is named, not silently dropped.
  EXPECT_NE(r.output.find("left out 1 file without an image extension (notes.txt)"),
            std::string::npos)
      << r.output;
  EXPECT_TRUE(fs::exists(out / "a.png"));
  EXPECT_TRUE(fs::exists(out / "c.png"));
  EXPECT_TRUE(fs::exists(out / "d.png"));
  EXPECT_EQ(load(out / "d.png").width, 35);
  EXPECT_FALSE(fs::exists(out / "b.png"));
  EXPECT_FALSE(fs::exists(out / "notes.png"));
}

TEST(Cli, BatchResultsAreThoseOfOneFileAtATime) {
  // In a batch the next input is read and decoded while the current one is colorized: every
  // result must be the bytes the same input gives alone, the pages of a multi-page TIFF and
  // the inputs after a bad file included.
  const fs::path in = fresh_dir("ahead-in");
  const fs::path out = fresh_dir("ahead-out");
  const fs::path one = fresh_dir("ahead-one");
  fs::copy_file(kData + "/landscape-grey.jpg", in / "a.jpg");
  std::ofstream(in / "b.png") << "this is not an image";
  fs::copy_file(kCorpus + "/two_pages.tif", in / "c.tif");
  fs::copy_file(kCorpus + "/grey16_tiles_pred_mm.tif", in / "d.tif");
  fs::copy_file(kData + "/eval/scene-21.jpg", in / "e.jpg");
  const std::string ref = kData + "/landscape-reference.jpg";
  CliRun r = run({in.string(), "--all-pages", "--reference", ref, "-o", out.string()});
  EXPECT_EQ(r.code, 1) << r.output;  // b.png
  for (const char* name : {"a", "c", "d", "e"}) {
    const std::string file =
        std::string(name) + (name[0] == 'c' || name[0] == 'd' ? ".tif" : ".jpg");
    CliRun alone = run({(in / file).string(), "--all-pages", "--reference", ref, "-o",
                        (one / (std::string(name) + ".png")).string()});
    ASSERT_EQ(alone.code, 0) << alone.output;
  }
  for (const char* result : {"a.png", "c.png", "c-p2.png", "d.png", "e.png"}) {
    const std::string batch = read_bytes(out / result), single = read_bytes(one / result);
    EXPECT_FALSE(batch.empty()) << result;
    EXPECT_TRUE(batch == single) << result << " differs from the file colorized alone";
  }
}

TEST(Cli, RecursiveMirrorsSubFoldersAndLeavesItsOutputOut) {
  const fs::path in = fresh_dir("recursive-in");
  fs::create_directories(in / "box1" / "folder-a");
  fs::create_directories(in / "box2");
  fs::create_directories(in / ".thumbnails");
  fs::copy_file(kData + "/landscape-grey.jpg", in / "top.jpg");
  fs::copy_file(kData + "/landscape-grey.jpg", in / "box1" / "a.jpg");
  fs::copy_file(kCorpus + "/grey8_lzw.tif", in / "box1" / "folder-a" / "scan.tif");
  fs::copy_file(kData + "/landscape-grey.jpg", in / "box2" / "a.jpg");  // same name, other box
  fs::copy_file(kData + "/landscape-grey.jpg", in / ".thumbnails" / "t.jpg");
  std::ofstream(in / "box2" / "scan.xmp") << "sidecar";
  const fs::path out = in / "colour";  // inside the input: must not be read back as input
  const std::vector<std::string> args = {
      in.string(), "-r", "--reference", kData + "/landscape-reference.jpg", "-o", out.string()};
  CliRun r = run(args);
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(fs::exists(out / "top.png"));
  EXPECT_TRUE(fs::exists(out / "box1" / "a.png"));
  EXPECT_TRUE(fs::exists(out / "box2" / "a.png"));
  EXPECT_TRUE(fs::exists(out / "box1" / "folder-a" / "scan.png"));
  EXPECT_FALSE(fs::exists(out / ".thumbnails"));
  EXPECT_NE(r.output.find("[4/4]"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("box2/scan.xmp"), std::string::npos) << r.output;
  // Again: the results inside the input folder are not taken for inputs.
  CliRun again = run(args);
  EXPECT_EQ(again.code, 0) << again.output;
  EXPECT_NE(again.output.find("[4/4]"), std::string::npos) << again.output;
  EXPECT_EQ(again.output.find("[5/"), std::string::npos) << again.output;
  EXPECT_FALSE(fs::exists(out / "colour"));
  // Without -r only the files directly inside count.
  const fs::path flat = fresh_dir("recursive-flat-out");
  CliRun f =
      run({in.string(), "--reference", kData + "/landscape-reference.jpg", "-o", flat.string()});
  EXPECT_EQ(f.code, 0) << f.output;
  EXPECT_TRUE(fs::exists(flat / "top.png"));
  EXPECT_FALSE(fs::exists(flat / "box1"));
}

TEST(Cli, SkipExistingGoesOnWhereABatchStopped) {
  const fs::path in = fresh_dir("skip-in");
  const fs::path out = fresh_dir("skip-out");
  fs::copy_file(kData + "/landscape-grey.jpg", in / "a.jpg");
  fs::copy_file(kData + "/eval/scene-21.jpg", in / "b.jpg");
  fs::copy_file(kData + "/landscape-grey.jpg", in / "c.jpg");
  // A result from an earlier, stopped run: left as it is (its bytes are not a colorization).
  std::ofstream(out / "b.png") << "earlier result";
  CliRun r = run({in.string(), "--skip-existing", "--reference", kData + "/landscape-reference.jpg",
                  "-o", out.string()});
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("already there"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("done: 2 ok, 1 already there, 0 failed"), std::string::npos) << r.output;
  EXPECT_EQ(read_bytes(out / "b.png"), "earlier result");
  EXPECT_EQ(load(out / "a.png").width, 640);
  EXPECT_TRUE(fs::exists(out / "c.png"));
  // Without the option the batch writes every result again.
  CliRun all =
      run({in.string(), "--reference", kData + "/landscape-reference.jpg", "-o", out.string()});
  EXPECT_EQ(all.code, 0) << all.output;
  EXPECT_GT(load(out / "b.png").width, 0);
}

// --report: a CSV row per input (done, failed with why, left alone), written as the batch
// goes; names with commas quoted; refused where it cannot be written and with --eval.
TEST(Cli, ReportHasARowPerInput) {
  const fs::path in = fresh_dir("report-in");
  const fs::path out = fresh_dir("report-out");
  fs::copy_file(kData + "/landscape-grey.jpg", in / "a.jpg");
  fs::copy_file(kData + "/eval/scene-21.jpg", in / "b, \"quoted\".jpg");
  std::ofstream(in / "c.png") << "this is not an image";
  std::ofstream(out / "a.png") << "earlier result";
  const fs::path report = out / "report.csv";
  CliRun r = run({in.string(), "--skip-existing", "--report", report.string(), "--reference",
                  kData + "/landscape-reference.jpg", "-o", out.string()});
  EXPECT_EQ(r.code, 1) << r.output;
  const std::string text = read_bytes(report);
  std::vector<std::string> rows;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) rows.push_back(line);
  ASSERT_EQ(rows.size(), 4u) << text;
  EXPECT_EQ(rows[0], "input,page,output,status,width,height,seconds,painted_copy,message");
  EXPECT_EQ(rows[1],
            (in / "a.jpg").string() + ",1," + (out / "a.png").string() + ",already there,,,,,");
  const std::string ok_row = "\"" + (in / "b, \"\"quoted\"\".jpg").string() + "\",1,\"" +
                             (out / "b, \"\"quoted\"\".png").string() + "\",ok,192,128,";
  EXPECT_TRUE(rows[2].rfind(ok_row, 0) == 0 &&
              std::regex_match(rows[2].substr(ok_row.size()), std::regex("[0-9]+\\.[0-9]{3},,")))
      << rows[2];
  EXPECT_TRUE(
      rows[3].rfind((in / "c.png").string() + ",1," + (out / "c.png").string() + ",failed,,,", 0) ==
          0 &&
      rows[3].find("not an image") != std::string::npos)
      << rows[3];
  // Where it cannot be written: said before anything is colorized.
  const fs::path out2 = fresh_dir("report-out2");
  CliRun bad = run({in.string(), "--report", (out2 / "no" / "such" / "r.csv").string(),
                    "--reference", kData + "/landscape-reference.jpg", "-o", out2.string()});
  EXPECT_EQ(bad.code, 1) << bad.output;
  EXPECT_NE(bad.output.find("cannot write the report"), std::string::npos) << bad.output;
  EXPECT_FALSE(fs::exists(out2 / "a.png"));
  CliRun eval = run({"--eval", in.string(), "--report", report.string()});
  EXPECT_EQ(eval.code, 2) << eval.output;
}

// --film: a folder's frames in natural order (2 before 10); a film stopped part way goes on
// from its last result read back (with --skip-existing), and says when it cannot be read.
TEST(Cli, FilmFramesGoInOrderAndAStoppedFilmGoesOn) {
  const fs::path in = fresh_dir("film-in");
  const fs::path out = fresh_dir("film-out");
  for (const char* name : {"f10.jpg", "f2.jpg", "f1.jpg"})
    fs::copy_file(kData + "/landscape-grey.jpg", in / name);
  const fs::path report = out / "report.csv";
  const std::vector<std::string> method = {"--reference", kData + "/landscape-reference.jpg"};
  auto film = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {in.string(), "--film", "-o", out.string()};
    args.insert(args.end(), method.begin(), method.end());
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  };
  CliRun r = film({"--report", report.string()});
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("1 new shot"), std::string::npos) << r.output;
  std::istringstream lines(read_bytes(report));
  std::vector<std::string> order;
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("input", 0) != 0)
      order.push_back(fs::path(line.substr(0, line.find(','))).filename().string());
  EXPECT_EQ(order, (std::vector<std::string>{"f1.jpg", "f2.jpg", "f10.jpg"}));
  const Image whole = load(out / "f10.png");

  // Stopped before f10: it is made again from f2's result as written.
  fs::remove(out / "f10.png");
  r = film({"--skip-existing"});
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(r.output.find("cannot read it back"), std::string::npos) << r.output;
  const Image resumed = load(out / "f10.png");
  ASSERT_EQ(resumed.data8.size(), whole.data8.size());
  // Colour was carried into it (it is no new shot), near what the whole run gave (the result
  // as written is not the chroma the run held: they differ at a few edges).
  EXPECT_NE(r.output.find("0 new shots"), std::string::npos) << r.output;
  double sum = 0;
  size_t far = 0;
  for (size_t i = 0; i < whole.data8.size(); ++i) {
    const int d = std::abs(int(whole.data8[i]) - int(resumed.data8[i]));
    sum += d;
    far += d > 6;
  }
  EXPECT_LT(sum / double(whole.data8.size()), 1.5);
  EXPECT_LT(double(far) / double(whole.data8.size()), 0.01);
  // A last result that cannot be read: said, and the film goes on afresh.
  fs::remove(out / "f10.png");
  std::ofstream(out / "f2.png", std::ios::trunc) << "damaged";
  r = film({"--skip-existing"});
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("f2.png: cannot read it back"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1 new shot "), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(out / "f10.png"));

  EXPECT_EQ(run({in.string(), "--carry", "0.5", "-o", out.string()}).code, 2);
  EXPECT_EQ(film({"--carry", "0.99"}).code, 2);
  EXPECT_EQ(run({"--eval", in.string(), "--film"}).code, 2);
}

// The grey landscape's painted copy: magenta (200, 40, 180) on the ground at (100..140,
// 330..370).
Image painted_landscape() {
  const Image grey = load(kData + "/landscape-grey.jpg");
  Image painted = Image::make(grey.width, grey.height, 3, 8);
  for (size_t i = 0; i < grey.data8.size(); ++i)
    for (int c = 0; c < 3; ++c) painted.data8[i * 3 + c] = grey.data8[i];
  for (int y = 330; y < 370; ++y)
    for (int x = 100; x < 140; ++x) {
      uint8_t* p = &painted.data8[(size_t(y) * grey.width + x) * 3];
      p[0] = 200, p[1] = 40, p[2] = 180;
    }
  return painted;
}

// --film --marks DIR: the paint on one frame holds for the frames after it (also with
// --marks-only, where those frames have no painted copy of their own).
TEST(Cli, FilmHoldsPaintForTheFramesAfterIt) {
  const fs::path in = fresh_dir("film-paint-in");
  const fs::path marks = fresh_dir("film-paint-marks");
  for (const char* name : {"f1.jpg", "f2.jpg", "f3.jpg"})
    fs::copy_file(kData + "/landscape-grey.jpg", in / name);
  ASSERT_TRUE(save_png(painted_landscape(), marks / "f1.png"));
  for (bool alone : {false, true}) {
    const fs::path out = fresh_dir(alone ? "film-paint-out2" : "film-paint-out");
    std::vector<std::string> args = {in.string(),    "--film", "--marks",
                                     marks.string(), "-o",     out.string()};
    if (alone)
      args.push_back("--marks-only");
    else
      args.insert(args.end(), {"--model", kData + "/models/tiny_colorizer.onnx", "--size", "64"});
    CliRun r = run(args);
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("f3.jpg -> " + (out / "f3.png").string()), std::string::npos);
    EXPECT_NE(r.output.find("paint held from before"), std::string::npos) << r.output;
    const auto at = mean_ab(load(out / "f3.png"), 105, 335, 135, 365);
    const Lab want = srgb_to_lab({200 / 255.0f, 40 / 255.0f, 180 / 255.0f});
    EXPECT_NEAR(at.first, want.a, 12.0) << alone;
    EXPECT_NEAR(at.second, want.b, 12.0) << alone;
  }
}

// A painted film stopped after its second frame and gone on with --skip-existing holds the
// paint in the frames it makes then, as the whole run did (kept in OUT/.colorize-held-paint);
// without that file, it goes on with the colour carried only (at carry 0.3, little of it).
TEST(Cli, AStoppedFilmGoesOnHoldingItsPaint) {
  const fs::path marks = fresh_dir("film-held-marks");
  ASSERT_TRUE(save_png(painted_landscape(), marks / "f1.png"));
  const Lab want = srgb_to_lab({200 / 255.0f, 40 / 255.0f, 180 / 255.0f});
  double off[2] = {0, 0};
  for (bool keep : {true, false}) {
    const fs::path in = fresh_dir(keep ? "film-held-in" : "film-held-in2");
    const fs::path out = fresh_dir(keep ? "film-held-out" : "film-held-out2");
    const std::vector<std::string> args = {
        in.string(), "--film",       "--carry",         "0.3",
        "--marks",   marks.string(), "--model",         kData + "/models/tiny_colorizer.onnx",
        "--size",    "64",           "--skip-existing", "-o",
        out.string()};
    for (const char* name : {"f1.jpg", "f2.jpg"})
      fs::copy_file(kData + "/landscape-grey.jpg", in / name);
    CliRun r = run(args);  // the film so far
    ASSERT_EQ(r.code, 0) << r.output;
    const fs::path held = out / ".colorize-held-paint";
    ASSERT_TRUE(fs::exists(held));
    EXPECT_EQ(read_bytes(held).rfind("colorize held paint 1\nf2.png\n", 0), 0u);
    if (!keep) fs::remove(held);
    fs::copy_file(kData + "/landscape-grey.jpg", in / "f3.jpg");  // then the rest
    r = run(args);
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_EQ(r.output.find("is held again") != std::string::npos, keep) << r.output;
    EXPECT_NE(r.output.find("f3.jpg -> "), std::string::npos) << r.output;
    const auto at = mean_ab(load(out / "f3.png"), 105, 335, 135, 365);
    off[keep ? 0 : 1] = std::hypot(at.first - want.a, at.second - want.b);
  }
  EXPECT_LT(off[0], 12.0);
  EXPECT_GT(off[1], off[0] + 20.0);
}

TEST(Cli, ResultKeepsTheScanResolutionAndSaysItsColourIsAGuess) {
  const fs::path out = fresh_dir("resolution");
  for (const char* ext : {".png", ".jpg", ".tif"}) {
    const fs::path result = out / (std::string("r") + ext);
    CliRun r = run({kCorpus + "/dpi_cm.tif", "--reference", kData + "/landscape-reference.jpg",
                    "-o", result.string()});
    ASSERT_EQ(r.code, 0) << r.output;
    const std::string text = read_bytes(result);
    Result<ImageInfo> info =
        probe_image(reinterpret_cast<const uint8_t*>(text.data()), text.size());
    ASSERT_TRUE(info.ok()) << ext;
    const ImageFormat want = ext[1] == 'p'   ? ImageFormat::kPng
                             : ext[1] == 'j' ? ImageFormat::kJpeg
                                             : ImageFormat::kTiff;
    EXPECT_EQ(info->format, want) << ext;       // the format follows the extension
    EXPECT_NEAR(info->dpi_x, 254, 0.5) << ext;  // 100 x 50 pixels per centimetre
    EXPECT_NEAR(info->dpi_y, 127, 0.5) << ext;
    EXPECT_NE(text.find("not a record of the original"), std::string::npos) << ext;
    EXPECT_NE(text.find("landscape-reference.jpg"), std::string::npos) << ext;
  }
}

TEST(Cli, TiffResultsForAFolderKeepSixteenBits) {
  const fs::path in = fresh_dir("tiff-in");
  const fs::path out = fresh_dir("tiff-out");
  fs::copy_file(kCorpus + "/grey16_tiles_pred_mm.tif", in / "scan16.tif");
  fs::copy_file(kData + "/landscape-grey.jpg", in / "print.jpg");
  CliRun r = run({in.string(), "--format", "tif", "--reference", kData + "/landscape-reference.jpg",
                  "-o", out.string()});
  ASSERT_EQ(r.code, 0) << r.output;
  const Image deep = load(out / "scan16.tif");
  EXPECT_EQ(deep.bit_depth, 16);  // the scan's depth goes on
  EXPECT_EQ(deep.channels, 3);
  const Image grey = load(in / "scan16.tif");
  EXPECT_EQ(deep.width, grey.width);
  EXPECT_EQ(load(out / "print.tif").bit_depth, 8);
  EXPECT_FALSE(fs::exists(out / "print.png"));
  // The same pixels as the PNG result (both lossless).
  const fs::path png = fresh_dir("tiff-out-png");
  ASSERT_EQ(
      run({in.string(), "--reference", kData + "/landscape-reference.jpg", "-o", png.string()})
          .code,
      0);
  EXPECT_EQ(load(png / "scan16.png").data16, deep.data16);
  CliRun bad = run({in.string(), "--format", "webp", "-o", out.string()});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.output.find("png, jpeg, tiff or same"), std::string::npos) << bad.output;
}

TEST(Cli, FormatSameKeepsEachInputsFormat) {
  const fs::path in = fresh_dir("same-in");
  const fs::path out = fresh_dir("same-out");
  fs::copy_file(kCorpus + "/grey8_lzw.tif", in / "scan.TIFF");
  fs::copy_file(kData + "/landscape-grey.jpg", in / "print.jpeg");
  fs::copy_file(kCorpus + "/grey.tga", in / "odd.tga");
  CliRun r = run({in.string(), "--format", "same", "--reference",
                  kData + "/landscape-reference.jpg", "-o", out.string()});
  ASSERT_EQ(r.code, 0) << r.output;
  auto format_of = [](const fs::path& p) {
    Result<ImageInfo> info = probe_file(p);
    return info.ok() ? info->format : ImageFormat::kUnknown;
  };
  EXPECT_EQ(format_of(out / "scan.TIFF"), ImageFormat::kTiff);  // the name as it was spelt
  EXPECT_EQ(format_of(out / "print.jpeg"), ImageFormat::kJpeg);
  EXPECT_EQ(format_of(out / "odd.png"), ImageFormat::kPng);  // TGA is not written: PNG
}

TEST(Cli, AMultiPageTiffSaysOnlyItsFirstPageIsColorized) {
  const fs::path out = fresh_dir("pages");
  CliRun r = run({kCorpus + "/two_pages.tif", "--reference", kData + "/landscape-reference.jpg",
                  "-o", (out / "p.png").string()});
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("holds 2 pages; only the first is colorized (--all-pages for each)"),
            std::string::npos)
      << r.output;
}

TEST(Cli, AllPagesGivesEachPageItsOwnResult) {
  // two_pages.tif (make_corpus.py): page 1 red on the left, blue on the right; page 2 solid
  // green; thumb_between_pages.tif the same with a reduced-resolution copy between them.
  const fs::path in = fresh_dir("pages-in");
  const fs::path out = fresh_dir("pages-out");
  fs::copy_file(kCorpus + "/two_pages.tif", in / "album.tif");
  fs::copy_file(kCorpus + "/thumb_between_pages.tif", in / "box.tif");
  const std::vector<std::string> args = {in.string(),   "--all-pages",
                                         "--reference", kData + "/landscape-reference.jpg",
                                         "-o",          out.string()};
  CliRun r = run(args);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("[4/4]"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out / "box-p3.png"));  // the reduced copy is not a page
  for (const char* name : {"album", "box"}) {
    const Image first = load(out / (std::string(name) + ".png"));
    const Image second = load(out / (std::string(name) + "-p2.png"));
    ASSERT_EQ(second.width, 30) << name;
    // A result keeps its page's lightness: the first page's halves differ (red and blue),
    // the solid second page is one lightness across.
    auto lightness = [](const Image& im, int x) {
      Plane L, a, b;
      image_to_lab(im, &L, &a, &b);
      return L.at(x, 10);
    };
    EXPECT_GT(std::fabs(lightness(first, 5) - lightness(first, 25)), 5.0f) << name;
    EXPECT_NEAR(lightness(second, 5), lightness(second, 25), 1.0f) << name;
  }
  // Going on after a stop: a missing further page is made, the rest left alone.
  fs::remove(out / "album-p2.png");
  std::vector<std::string> again = args;
  again.push_back("--skip-existing");
  CliRun s = run(again);
  EXPECT_EQ(s.code, 0) << s.output;
  EXPECT_NE(s.output.find("done: 1 ok, 3 already there"), std::string::npos) << s.output;
  EXPECT_TRUE(fs::exists(out / "album-p2.png"));
}

TEST(Cli, EachPageKeepsItsOwnResolution) {
  // pages_dpi.tif (make_corpus.py): page 1 at 300 dpi, page 2 at 600 dpi.
  const fs::path out = fresh_dir("pages-dpi-out");
  CliRun r = run({kCorpus + "/pages_dpi.tif", "--all-pages", "--reference",
                  kData + "/landscape-reference.jpg", "-o", out.string()});
  ASSERT_EQ(r.code, 0) << r.output;
  for (const auto& [name, dpi] :
       {std::pair{"pages_dpi.png", 300.0}, std::pair{"pages_dpi-p2.png", 600.0}}) {
    Result<ImageInfo> info = probe_file(out / name);
    ASSERT_TRUE(info.ok()) << name;
    EXPECT_NEAR(info->dpi_x, dpi, 0.1) << name;  // PNG pHYs: pixels per metre, rounded
  }
}

TEST(Cli, DefaultModelAndWorkingSizeComeFromTheManifest) {
  const fs::path dir = fresh_dir("default_model");
  fs::copy_file(kData + "/models/tiny_colorizer.onnx", dir / "tiny.onnx");
  std::ofstream(dir / "manifest.json")
      << R"({"default": "tiny", "working_size": 64,
            "models": [{"file": "other.onnx", "id": "other", "working_size": 512},
                       {"file": "tiny.onnx", "id": "tiny", "bytes": 1}]})";
  const std::string env = "COLORIZE_MODELS=" + quote(dir.string());
  const fs::path out = dir / "out.png";
  CliRun r = run({kData + "/landscape-grey.jpg", "-o", out.string()}, env);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("tiny.onnx, working size 64 (from its manifest)"), std::string::npos)
      << r.output;
  const Image grey = load(kData + "/landscape-grey.jpg");
  const Image result = load(out);
  EXPECT_EQ(result.width, grey.width);
  EXPECT_EQ(result.height, grey.height);
  // --size wins over the manifest.
  r = run({kData + "/landscape-grey.jpg", "-o", out.string(), "--size", "96"}, env);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("working size 96"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("from its manifest"), std::string::npos) << r.output;
  // A manifest naming a default that is not there, and one that is not JSON: usage errors.
  std::ofstream(dir / "manifest.json") << R"({"default": "gone", "models": [{"file": "gone.onnx", "id": "gone"}]})";
  r = run({kData + "/landscape-grey.jpg", "-o", out.string()}, env);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("gone.onnx"), std::string::npos) << r.output;
  std::ofstream(dir / "manifest.json") << "{\"default\": ";
  r = run({kData + "/landscape-grey.jpg", "-o", out.string()}, env);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("no readable manifest.json"), std::string::npos) << r.output;
}

TEST(Cli, MissingModelIsAClearError) {
  const fs::path out = fresh_dir("model") / "out.png";
  CliRun r = run({kData + "/landscape-grey.jpg", "--model", "no-such-model.onnx", "-o", out.string()});
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("no-such-model.onnx"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out));
}

TEST(Cli, TimingsGiveEachStage) {
  const fs::path out = fresh_dir("timings") / "out.png";
  const std::vector<std::string> args = {kData + "/landscape-grey.jpg", "--model",
                                         kData + "/models/tiny_colorizer.onnx", "--backend", "cpu",
                                         "--size", "64", "-q", "-o", out.string()};
  CliRun plain = run(args);
  ASSERT_EQ(plain.code, 0) << plain.output;
  EXPECT_EQ(plain.output.find("timings"), std::string::npos) << plain.output;
  std::vector<std::string> timed = args;
  timed.push_back("--timings");
  CliRun r = run(timed);  // -q silences progress, not the timings asked for
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("timings " + kData + "/landscape-grey.jpg ("), std::string::npos)
      << r.output;
  for (const char* stage :
       {"read", "decode", "prepare", "infer", "finish", "encode", "write", "total"}) {
    EXPECT_TRUE(std::regex_search(r.output, std::regex(std::string(stage) + " [0-9]+\\.[0-9] ms")))
        << stage << " missing in: " << r.output;
  }
}

TEST(Cli, EvaluationTable) {
  CliRun r = run({"--eval", kData + "/eval", "--reference", kData + "/landscape-reference.jpg", "-q"});
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("| greyscale |"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("| exemplar |"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("4 photos"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("| wrong colour % |"), std::string::npos) << r.output;
  // greyscale paints no colour, so its wrong-colour area is 0
  EXPECT_TRUE(std::regex_search(r.output, std::regex("\\| greyscale \\|[^\n]*\\| 0\\.00 \\|\n")))
      << r.output;  // 95 % intervals of the means over the 4 photos, and of the difference to greyscale
  EXPECT_NE(r.output.find("95 % intervals of the means (bootstrap over the 4 photos"),
            std::string::npos) << r.output;
  const std::string num = "[-+]?[0-9]+\\.[0-9]+";
  const std::string cell = " " + num + " \\[" + num + ", " + num + "\\] \\|";
  EXPECT_TRUE(std::regex_search(r.output, std::regex("\\| exemplar \\|" + cell + cell + cell + cell)))
      << r.output;
  EXPECT_TRUE(std::regex_search(
      r.output, std::regex("\\| exemplar minus greyscale \\|" + cell + cell + cell + cell)))
      << r.output;
}

// --eval with -o and --scores: each result is written (same size as its photo, and scoring
// the written file against the photo gives the CSV's row), and the CSV's per-photo rows
// average to the printed table.
TEST(Cli, EvaluationWritesResultsAndScores) {
  const fs::path d = fresh_dir("eval_out");
  CliRun r = run({"--eval", kData + "/eval", "--reference", kData + "/landscape-reference.jpg",
                  "-q", "-o", (d / "results").string(), "--scores", (d / "scores.csv").string()});
  ASSERT_EQ(r.code, 0) << r.output;
  std::ifstream csv(d / "scores.csv");
  std::string line;
  ASSERT_TRUE(std::getline(csv, line));
  EXPECT_EQ(line.rfind("file,psnr,ssim,colourfulness,colourfulness_truth,ciede2000,", 0), 0u);
  double psnr_sum = 0, grey_psnr_sum = 0, de_sum = 0;
  int rows = 0;
  while (std::getline(csv, line)) {
    std::istringstream fields(line);
    std::string name, cell;
    std::getline(fields, name, ',');
    std::vector<double> v;
    while (std::getline(fields, cell, ',')) v.push_back(std::stod(cell));
    ASSERT_EQ(v.size(), 9u) << line;
    const Image truth = load(fs::path(kData) / "eval" / name);
    const Image result = load(d / "results" / (fs::path(name).stem().string() + ".png"));
    ASSERT_EQ(result.width, truth.width) << name;
    ASSERT_EQ(result.height, truth.height) << name;
    auto s = score(result, truth);  // the written file, scored afresh (PNG is lossless)
    ASSERT_TRUE(s.ok());
    EXPECT_NEAR(s->psnr, v[0], 1e-4) << name;
    EXPECT_NEAR(s->ciede2000, v[4], 1e-4) << name;
    EXPECT_NEAR(100.0 * s->wrong_colour, v[5], 1e-4) << name;
    psnr_sum += v[0];
    de_sum += v[4];
    grey_psnr_sum += v[6];
    ++rows;
  }
  ASSERT_EQ(rows, 4);
  // Kept results say what they are, like any other result.
  EXPECT_NE(read_bytes(d / "results" / "scene-21.png").find("not a record of the original"),
            std::string::npos);
  char want[96];
  std::snprintf(want, sizeof want, "| exemplar | %.2f |", psnr_sum / rows);
  EXPECT_NE(r.output.find(want), std::string::npos) << want << " not in " << r.output;
  std::snprintf(want, sizeof want, "| greyscale | %.2f |", grey_psnr_sum / rows);
  EXPECT_NE(r.output.find(want), std::string::npos) << want << " not in " << r.output;
  std::snprintf(want, sizeof want, "| %.2f |", de_sum / rows);
  EXPECT_NE(r.output.find(want), std::string::npos) << want << " not in " << r.output;
}

TEST(Cli, EvaluationOutputsRefusedWhereTheyDoNotBelong) {
  // the results must not land among the photos being evaluated
  CliRun same = run({"--eval", kData + "/eval", "--reference", kData + "/landscape-reference.jpg",
                     "-q", "-o", kData + "/eval"});
  EXPECT_EQ(same.code, 2) << same.output;
  EXPECT_NE(same.output.find("other than the photos' own"), std::string::npos) << same.output;
  CliRun scores = run({kData + "/landscape-grey.jpg", "-o", "x.png", "--scores", "s.csv"});
  EXPECT_EQ(scores.code, 2) << scores.output;
  EXPECT_NE(scores.output.find("--scores is for --eval"), std::string::npos) << scores.output;
}

TEST(Cli, LabMatchesPublishedValue) {
  CliRun r = run({"lab", "255", "0", "0"});
  ASSERT_EQ(r.code, 0);
  double L = 0, a = 0, b = 0;
  std::istringstream(r.output) >> L >> a >> b;
  EXPECT_NEAR(L, 53.24, 0.02);  // sRGB red, D65 (published: 53.2408, 80.0925, 67.2032)
  EXPECT_NEAR(a, 80.09, 0.02);
  EXPECT_NEAR(b, 67.20, 0.02);
}

// `colorize tone` prints the map prepare gives a picture of those L* values; for a print
// faded to 15..75 (span 60 <= kToneFullBelow) it is the full widening to the training range.
TEST(Cli, ToneMapOfAFadedPicture) {
  std::vector<std::string> args = {"tone"};
  for (int i = 0; i <= 100; ++i) args.push_back(std::to_string(15.0 + 0.6 * i));
  CliRun r = run(args);
  ASSERT_EQ(r.code, 0) << r.output;
  double gain = 0, in_mid = 0, out_mid = 0;
  std::istringstream(r.output) >> gain >> in_mid >> out_mid;
  const double p1 = 15.0 + 0.6 * 1.0, p99 = 15.0 + 0.6 * 99.0;  // of 0, 1, ..., 100
  EXPECT_NEAR(gain, (kToneHigh - kToneLow) / (p99 - p1), 1e-4);
  EXPECT_NEAR(in_mid, 0.5 * (p1 + p99), 1e-4);
  EXPECT_NEAR(out_mid, 0.5 * (kToneLow + kToneHigh), 1e-4);
  EXPECT_EQ(run({"tone"}).code, 2);
  EXPECT_EQ(run({"tone", "101"}).code, 2);
}

// --tone reaches the model: on a faded picture, stretch and as-is give the model different
// inputs, so different colour on the same lightness; a bad value is a usage error.
TEST(Cli, ToneOptionReachesTheModel) {
  const fs::path dir = fresh_dir("tone");
  Image faded = load(kData + "/landscape-grey.jpg");
  Plane L, a, b;
  image_to_lab(faded, &L, &a, &b);
  faded = Image::make(faded.width, faded.height, 1, 8);
  for (size_t i = 0; i < L.size(); ++i) {
    const float v = lab_to_srgb(Lab{25.0f + 0.5f * L.data[i], 0, 0}).r;
    faded.data8[i] = static_cast<uint8_t>(std::lround(std::min(1.0f, std::max(0.0f, v)) * 255));
  }
  ASSERT_TRUE(save_png(faded, dir / "faded.png"));
  const std::string model = kData + "/models/tiny_colorizer.onnx";
  auto colorize_with = [&](const std::string& tone) {
    CliRun r = run({(dir / "faded.png").string(), "--model", model, "--size", "64", "--tone",
                    tone, "-o", (dir / (tone + ".png")).string(), "-q"});
    EXPECT_EQ(r.code, 0) << r.output;
    return load(dir / (tone + ".png"));
  };
  const Image s = colorize_with("stretch"), k = colorize_with("as-is");
  ASSERT_EQ(s.width, k.width);
  auto grey = psnr(to_greyscale(s), to_greyscale(k));
  ASSERT_TRUE(grey.ok());
  EXPECT_GT(*grey, 35.0) << "both keep the picture's own lightness";
  auto colour = psnr(s, k);
  ASSERT_TRUE(colour.ok());
  EXPECT_LT(*colour, *grey - 1.0) << "the model should have seen different inputs";
  CliRun bad = run({(dir / "faded.png").string(), "--model", model, "--tone", "auto", "-o",
                    (dir / "x.png").string()});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.output.find("--tone"), std::string::npos) << bad.output;
}

// An RGB copy of `grey` with the rectangles painted in sRGB colours, saved as PNG.
struct Paint {
  int x0, y0, x1, y1;
  uint8_t r, g, b;
};
fs::path painted_copy(const Image& grey, const std::vector<Paint>& paint, const fs::path& file) {
  Image im = Image::make(grey.width, grey.height, 3, 8);
  for (size_t i = 0; i < grey.pixel_count(); ++i)
    for (int c = 0; c < 3; ++c) im.data8[i * 3 + c] = grey.data8[i * grey.channels];
  for (const Paint& p : paint)
    for (int y = p.y0; y < p.y1; ++y)
      for (int x = p.x0; x < p.x1; ++x) {
        uint8_t* px = &im.data8[(static_cast<size_t>(y) * im.width + x) * 3];
        px[0] = p.r;
        px[1] = p.g;
        px[2] = p.b;
      }
  EXPECT_TRUE(save_png(im, file));
  return file;
}

// --marks-only: the sky takes the blue painted on it and the ground the green, the result
// keeps the picture's lightness; one --hint alone colours the whole picture.
TEST(Cli, MarksOnlyColoursFromThePaint) {
  const fs::path dir = fresh_dir("marks_only");
  const Image grey = load(kData + "/landscape-grey.jpg");  // 640 x 426: sky above, hills below
  const fs::path marks = painted_copy(
      grey, {{60, 30, 580, 36, 70, 120, 200}, {60, 380, 580, 386, 70, 130, 50}}, dir / "marks.png");
  CliRun r = run({kData + "/landscape-grey.jpg", "--marks-only", "--marks", marks.string(), "-o",
                  (dir / "out.png").string()});
  ASSERT_EQ(r.code, 0) << r.output;
  const Image out = load(dir / "out.png");
  ASSERT_EQ(out.width, grey.width);
  const auto sky = mean_ab(out, 100, 60, 540, 100), ground = mean_ab(out, 100, 330, 540, 370);
  EXPECT_LT(sky.second, -15.0) << "sky a* b* " << sky.first << " " << sky.second;
  EXPECT_LT(ground.first, -8.0) << "ground a* b* " << ground.first << " " << ground.second;
  EXPECT_GT(ground.second, 8.0) << "ground a* b* " << ground.first << " " << ground.second;
  auto p = psnr(to_greyscale(out), grey);
  ASSERT_TRUE(p.ok());
  EXPECT_GT(*p, 35.0);
  r = run({kData + "/landscape-grey.jpg", "--marks-only", "--hint", "320,200,#b04030", "-o",
           (dir / "hint.png").string(), "--size", "128"});
  ASSERT_EQ(r.code, 0) << r.output;
  const auto all = mean_ab(load(dir / "hint.png"), 0, 0, grey.width, grey.height);
  EXPECT_GT(all.first, 15.0) << all.first << " " << all.second;
  EXPECT_GT(all.second, 10.0) << all.first << " " << all.second;
}

// --marks with a model (or the exemplar method): where the paint is, the method's colour
// gives way to it; far from it (a short --reach) the result is the method's own.
TEST(Cli, MarksCorrectAMethodWhereTheyArePainted) {
  const fs::path dir = fresh_dir("marks_model");
  const Image grey = load(kData + "/landscape-grey.jpg");
  const fs::path marks = painted_copy(grey, {{20, 300, 200, 420, 200, 40, 160}}, dir / "m.png");
  const Lab paint = srgb_to_lab({200 / 255.0f, 40 / 255.0f, 160 / 255.0f});
  const std::vector<std::vector<std::string>> methods = {
      {"--model", kData + "/models/tiny_colorizer.onnx", "--size", "64"},
      {"--reference", kData + "/landscape-reference.jpg"}};
  for (const auto& method : methods) {
    std::vector<std::string> args = {kData + "/landscape-grey.jpg", "-q"};
    args.insert(args.end(), method.begin(), method.end());
    std::vector<std::string> plain = args, fixed = args;
    plain.insert(plain.end(), {"-o", (dir / "plain.png").string()});
    fixed.insert(fixed.end(), {"--marks", marks.string(), "--reach", "0.05", "-o",
                               (dir / "fixed.png").string()});
    CliRun r = run(plain);
    ASSERT_EQ(r.code, 0) << r.output;
    r = run(fixed);
    ASSERT_EQ(r.code, 0) << r.output;
    const Image a = load(dir / "plain.png"), b = load(dir / "fixed.png");
    const auto inside = mean_ab(b, 40, 320, 180, 400), before = mean_ab(a, 40, 320, 180, 400);
    EXPECT_NEAR(inside.first, paint.a, 12.0) << method[0] << ", alone: " << before.first;
    EXPECT_NEAR(inside.second, paint.b, 12.0) << method[0] << ", alone: " << before.second;
    EXPECT_GT(std::fabs(inside.first - before.first), 20.0) << method[0];
    // The far corner (more than 0.6 of the longer side away) is unchanged.
    const auto far_a = mean_ab(a, 500, 0, 640, 120), far_b = mean_ab(b, 500, 0, 640, 120);
    EXPECT_NEAR(far_a.first, far_b.first, 0.3) << method[0];
    EXPECT_NEAR(far_a.second, far_b.second, 0.3) << method[0];
  }
}

void check_hint_honoured(const std::vector<std::string>& method) {
  SCOPED_TRACE(method[0]);
  const fs::path dir = fresh_dir("hints_honoured");
  std::vector<std::string> base = {kData + "/landscape-grey.jpg", "-q"};
  base.insert(base.end(), method.begin(), method.end());
  std::vector<std::string> plain = base, hinted = base;
  plain.insert(plain.end(), {"-o", (dir / "plain.png").string()});
  hinted.insert(hinted.end(), {"--hint", "100,350,#c03090", "-o", (dir / "hint.png").string()});
  CliRun r = run(plain);
  ASSERT_EQ(r.code, 0) << r.output;
  r = run(hinted);
  ASSERT_EQ(r.code, 0) << r.output;
  const Image a = load(dir / "plain.png"), b = load(dir / "hint.png");
  const Lab want = srgb_to_lab({0xc0 / 255.0f, 0x30 / 255.0f, 0x90 / 255.0f});
  const auto at = mean_ab(b, 96, 346, 104, 354), before = mean_ab(a, 96, 346, 104, 354);
  EXPECT_NEAR(at.first, want.a, 6.0) << "method alone: " << before.first;
  EXPECT_NEAR(at.second, want.b, 6.0) << "method alone: " << before.second;
  EXPECT_GT(std::hypot(at.first - before.first, at.second - before.second), 15.0);
  const auto far_a = mean_ab(a, 500, 0, 640, 120), far_b = mean_ab(b, 500, 0, 640, 120);
  EXPECT_NEAR(far_a.first, far_b.first, 1.0);
  EXPECT_NEAR(far_a.second, far_b.second, 1.0);
  if (method[0] == "--reference") {  // the method does not see the hint: the hint corrects it
    EXPECT_NE(read_bytes(dir / "hint.png").find("corrected by the user's hints"),
              std::string::npos);
  }
}

// A hint given to a model (or the exemplar method) is also a mark: the colour is there where
// the hint was given (the tiny test model alone does not give it), and far away the method's
// own colour stays.
TEST(Cli, HintsAreHonouredWhereGiven) {
  for (const std::vector<std::string>& method :
       {std::vector<std::string>{"--model", kData + "/models/tiny_colorizer.onnx", "--size", "64"},
        std::vector<std::string>{"--reference", kData + "/landscape-reference.jpg"}})
    check_hint_honoured(method);
}

// A hint off the picture (as it stands upright) fails that input, saying where it was; no
// result is written for it.
TEST(Cli, AHintOffThePictureIsRefused) {
  const fs::path dir = fresh_dir("hint_off");
  const CliRun r =
      run({kData + "/landscape-grey.jpg", "--model", kData + "/models/tiny_colorizer.onnx",
           "--size", "64", "--hint", "700,20,#c03090", "-o", (dir / "out.png").string()});
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("a hint at (700, 20) is outside the picture (640 x 426)"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(dir / "out.png"));
}

// --marks DIR for a batch: each input takes the painted copy named as it is (sub-folder with
// -r, any image extension); an input without one comes out as without --marks, byte for byte;
// a painted copy no input took is named on stderr.
TEST(Cli, MarksFolderCorrectsEachInputByItsName) {
  const fs::path dir = fresh_dir("marks_folder");
  const Image grey = load(kData + "/landscape-grey.jpg");
  fs::create_directories(dir / "in" / "sub");
  fs::create_directories(dir / "marks" / "sub");
  for (const char* name : {"in/a.jpg", "in/b.jpg", "in/sub/c.jpg"})
    fs::copy_file(kData + "/landscape-grey.jpg", dir / name);
  const std::vector<Paint> purple = {{20, 300, 200, 420, 200, 40, 160}};
  painted_copy(grey, purple, dir / "marks" / "a.png");
  painted_copy(grey, purple, dir / "marks" / "sub" / "c.PNG");
  painted_copy(grey, purple, dir / "marks" / "stray.png");
  const Lab paint = srgb_to_lab({200 / 255.0f, 40 / 255.0f, 160 / 255.0f});
  const std::vector<std::string> method = {
      "--model", kData + "/models/tiny_colorizer.onnx", "--size", "64", "--reach", "0.05", "-r"};
  std::vector<std::string> plain = {(dir / "in").string(), "-o", (dir / "plain").string()};
  std::vector<std::string> fixed = {(dir / "in").string(), "--marks", (dir / "marks").string(),
                                    "-o", (dir / "fixed").string()};
  plain.insert(plain.end(), method.begin(), method.end());
  fixed.insert(fixed.end(), method.begin(), method.end());
  CliRun r = run(plain);
  ASSERT_EQ(r.code, 0) << r.output;
  r = run(fixed);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("2 results corrected by"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("matched no input"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("stray.png"), std::string::npos) << r.output;
  for (const char* name : {"a.png", "sub/c.png"}) {
    const auto inside = mean_ab(load(dir / "fixed" / name), 40, 320, 180, 400);
    const auto before = mean_ab(load(dir / "plain" / name), 40, 320, 180, 400);
    EXPECT_NEAR(inside.first, paint.a, 12.0) << name << ", alone: " << before.first;
    EXPECT_NEAR(inside.second, paint.b, 12.0) << name << ", alone: " << before.second;
  }
  EXPECT_EQ(read_bytes(dir / "fixed" / "b.png"), read_bytes(dir / "plain" / "b.png"))
      << "an input without a painted copy is colorized as without --marks";
  EXPECT_NE(read_bytes(dir / "fixed" / "a.png"), read_bytes(dir / "plain" / "a.png"));
  // A file named alone takes its copy; the others' copies are left for another run, unnamed.
  std::vector<std::string> one = {(dir / "in" / "a.jpg").string(), "--marks",
                                  (dir / "marks").string(), "-o", (dir / "one.png").string()};
  one.insert(one.end(), method.begin(), method.end());
  r = run(one);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(read_bytes(dir / "one.png"), read_bytes(dir / "fixed" / "a.png"));
  EXPECT_EQ(r.output.find("matched no input"), std::string::npos) << r.output;

  // --marks-only: an input without a painted copy fails (the batch goes on); the pages of a
  // TIFF take NAME-p2 ...
  fs::copy_file(kCorpus + "/two_pages.tif", dir / "in" / "t.tif");
  const std::string page2_bytes = read_bytes(kCorpus + "/two_pages.tif");
  DecodeOptions second;
  second.page = 2;
  auto page2 = decode_image(reinterpret_cast<const uint8_t*>(page2_bytes.data()),
                            page2_bytes.size(), second);
  ASSERT_TRUE(page2.ok()) << page2.status().to_string();
  painted_copy(to_greyscale(*page2), {{0, 0, 30, 4, 40, 200, 60}}, dir / "marks" / "t-p2.png");
  r = run({(dir / "in").string(), "--marks-only", "--all-pages", "--marks",
           (dir / "marks").string(), "-o", (dir / "only").string()});
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("b.jpg: no painted copy of it in"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(dir / "only" / "a.png"));
  EXPECT_FALSE(fs::exists(dir / "only" / "b.png"));
  EXPECT_FALSE(fs::exists(dir / "only" / "t.png"));
  ASSERT_TRUE(fs::exists(dir / "only" / "t-p2.png")) << r.output;
  const Image t2 = load(dir / "only" / "t-p2.png");
  // The green (a* -66) spreads over the page (grey would be a* 0; edges stop part of it).
  EXPECT_LT(mean_ab(t2, 0, 0, t2.width, t2.height).first, -8.0) << r.output;

  // The inputs' own folder is no place for the painted copies (each would be its own).
  r = run({(dir / "in").string(), "--marks", (dir / "in").string(), "-o", (dir / "x").string(),
           "--model", kData + "/models/tiny_colorizer.onnx"});
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("a folder of their own"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "x" / "a.png"));
}

TEST(Cli, MarksErrors) {
  const fs::path dir = fresh_dir("marks_errors");
  const Image grey = load(kData + "/landscape-grey.jpg");
  const std::string in = kData + "/landscape-grey.jpg", out = (dir / "o.png").string();
  const fs::path unpainted = painted_copy(grey, {}, dir / "same.png");
  auto expect = [&](const std::vector<std::string>& args, int code, const std::string& says) {
    CliRun r = run(args);
    EXPECT_EQ(r.code, code) << r.output;
    EXPECT_NE(r.output.find(says), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(out));
  };
  expect({in, "--marks-only", "-o", out}, 2, "needs colour to spread");
  expect({in, "--marks-only", "--hint", "1,1,#ff0000", "--reference", in, "-o", out}, 2,
         "--marks-only uses no model");
  expect({kData + "/eval", "--marks", unpainted.string(), "--marks-only", "-o", out}, 2,
         "not a folder");
  expect({in, in, "--marks", unpainted.string(), "-o", dir.string()}, 2, "one input file");
  expect({in, "--marks", unpainted.string(), "--reach", "0", "-o", out}, 2, "--reach");
  expect({in, "--marks", unpainted.string(), "--marks-only", "-o", out}, 1, "differs from");
  expect({in, "--marks", kData + "/eval/scene-22.jpg", "--marks-only", "-o", out}, 1, "same size");
  expect({in, "--marks", (dir / "nope.png").string(), "--marks-only", "-o", out}, 1, "nope.png");
}

TEST(Cli, RefusesToOverwriteItsInput) {
  const fs::path d = fresh_dir("overwrite");
  fs::copy_file(kData + "/eval/scene-22.jpg", d / "x.png");
  const auto before = fs::file_size(d / "x.png");
  CliRun r = run({(d / "x.png").string(), "--reference", kData + "/landscape-reference.jpg", "-o",
               (d / "x.png").string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(fs::file_size(d / "x.png"), before);
}

// Every file of the odd-file corpus: unreadable ones fail with exit 1 and a message, readable
// ones give an output of the input's (upright) size. Expectations: tests/corpus/expected.tsv.
TEST(Cli, OddFileCorpus) {
  std::ifstream tsv(kCorpus + "/expected.tsv");
  ASSERT_TRUE(tsv) << "missing " << kCorpus << "/expected.tsv";
  const fs::path out = fresh_dir("corpus");
  std::string line;
  int rows = 0;
  while (std::getline(tsv, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string name, outcome;
    std::getline(fields, name, '\t');
    std::getline(fields, outcome, '\t');
    if (name == "file") continue;  // header
    ++rows;
    const fs::path result = out / (fs::path(name).stem().string() + ".png");
    CliRun r = run({kCorpus + "/" + name, "--reference", kData + "/landscape-reference.jpg", "-o",
                 result.string(), "--max-megapixels", "100"});
    if (outcome == "ok") {
      std::string w, h;
      std::getline(fields, w, '\t');
      std::getline(fields, h, '\t');
      EXPECT_EQ(r.code, 0) << name << ": " << r.output;
      if (r.code == 0) {
        const Image img = load(result);
        EXPECT_EQ(img.width, std::stoi(w)) << name;
        EXPECT_EQ(img.height, std::stoi(h)) << name;
      }
    } else {
      EXPECT_EQ(r.code, 1) << name << ": " << r.output;
      EXPECT_NE(r.output.find(outcome), std::string::npos)
          << name << ": expected '" << outcome << "' in: " << r.output;
      EXPECT_FALSE(fs::exists(result)) << name;
    }
  }
  EXPECT_GT(rows, 10);
}
