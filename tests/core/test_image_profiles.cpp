// Colour profiles: files that embed an ICC profile (or PNG's gAMA) decode to sRGB.
//
// The corpus files and their references come from scripts/make_corpus.py: each reference is
// what littleCMS (PIL's ImageCms, an independent colour engine) makes of the same pixels,
// or, for the 16-bit CIELAB-grey and gAMA files, the specification's formulas in numpy.
// The synthetic profiles below are written here, byte by byte, per ICC.1 (v2 and v4), and
// their expectations are the formulas of the curves they state.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "colorize/image.h"
#include "test_image_util.h"

namespace {

using colorize::ColourProfile;
using colorize::DecodeOptions;
using colorize::Image;
using image_test::at;
using image_test::corpus;
using image_test::decode;

std::string icc_path(const std::string& name) {
  return std::string(COLORIZE_TEST_DATA_DIR) + "/data/icc/" + name;
}

Image decoded(const std::vector<uint8_t>& bytes, bool convert) {
  DecodeOptions o;
  o.convert_to_srgb = convert;
  auto r = decode(bytes, o);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? *r : Image();
}

TEST(ImageProfiles, CorpusFilesMatchLittleCms) {
  std::ifstream tsv(icc_path("profiles.tsv"));
  ASSERT_TRUE(tsv) << "missing " << icc_path("profiles.tsv");
  std::string line;
  int rows = 0;
  while (std::getline(tsv, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    std::string file, use, name, reference, tolerance;
    ASSERT_TRUE(std::getline(in, file, '\t') && std::getline(in, use, '\t') &&
                std::getline(in, name, '\t') && std::getline(in, reference, '\t') &&
                std::getline(in, tolerance, '\t'))
        << line;
    SCOPED_TRACE(file);
    ++rows;
    const std::vector<uint8_t> bytes = corpus(file);
    ASSERT_FALSE(bytes.empty());
    auto info = colorize::probe_image(bytes.data(), bytes.size());
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(colour_profile_name(info->profile), use);
    EXPECT_EQ(info->profile_name, name == "-" ? "" : name);
    EXPECT_EQ(info->profile_note.empty(), info->profile != ColourProfile::kNotApplied)
        << info->profile_note;

    const Image raw = decoded(bytes, false), conv = decoded(bytes, true);
    ASSERT_EQ(raw.sample_count(), conv.sample_count());
    if (reference == "-") {
      EXPECT_TRUE(raw.data8 == conv.data8 && raw.data16 == conv.data16);
      continue;
    }
    std::vector<uint8_t> ref_bytes;
    ASSERT_TRUE(image_test::read_file(icc_path(reference), &ref_bytes));
    const Image ref = decoded(ref_bytes, true);
    ASSERT_EQ(ref.width, conv.width);
    ASSERT_EQ(ref.height, conv.height);
    ASSERT_EQ(ref.channels, conv.channels);
    ASSERT_EQ(ref.bit_depth, conv.bit_depth);
    const int tol = std::stoi(tolerance) * (conv.bit_depth == 16 ? 257 : 1);
    int worst = 0, changed = 0;
    for (int y = 0; y < conv.height; ++y)
      for (int x = 0; x < conv.width; ++x)
        for (int c = 0; c < conv.channels; ++c) {
          worst = std::max(worst, std::abs(at(conv, x, y, c) - at(ref, x, y, c)));
          changed += at(conv, x, y, c) != at(raw, x, y, c);
        }
    EXPECT_LE(worst, tol);
    // The profile matters for these files: the conversion is not a no-op.
    EXPECT_GT(changed, int(conv.sample_count() / 4));
  }
  EXPECT_EQ(rows, 13);
}

TEST(ImageProfiles, ConversionCanBeTurnedOff) {
  const std::vector<uint8_t> bytes = corpus("icc_grey_linear.png");
  const Image raw = decoded(bytes, false);
  // Stored as written by make_corpus.py: x * 8 + y / 2.
  EXPECT_EQ(at(raw, 3, 4, 0), 3 * 8 + 2);
  EXPECT_EQ(at(raw, 31, 15, 0), 31 * 8 + 7);
}

// ------------------------------------------------------------- synthetic profiles (ICC.1)

void put32(std::vector<uint8_t>& v, size_t at, uint32_t x) {
  const uint8_t be[4] = {uint8_t(x >> 24), uint8_t(x >> 16), uint8_t(x >> 8), uint8_t(x)};
  ASSERT_LE(at + 4, v.size());
  std::memcpy(v.data() + at, be, 4);
}
void add32(std::vector<uint8_t>& v, uint32_t x) {
  for (int i = 0; i < 4; ++i) v.push_back(uint8_t(x >> (24 - 8 * i)));
}
void add_sig(std::vector<uint8_t>& v, const char* s) { v.insert(v.end(), s, s + 4); }
uint32_t s15(double x) { return uint32_t(int32_t(std::lround(x * 65536))); }

struct Tag {
  const char* sig;
  std::vector<uint8_t> data;
};

std::vector<uint8_t> para(int function, std::vector<double> params) {
  std::vector<uint8_t> d;
  add_sig(d, "para");
  add32(d, 0);
  add32(d, uint32_t(function) << 16);
  for (double p : params) add32(d, s15(p));
  return d;
}

std::vector<uint8_t> curv(const std::vector<uint16_t>& entries) {
  std::vector<uint8_t> d;
  add_sig(d, "curv");
  add32(d, 0);
  add32(d, uint32_t(entries.size()));
  for (uint16_t e : entries) {
    d.push_back(uint8_t(e >> 8));
    d.push_back(uint8_t(e));
  }
  return d;
}

std::vector<uint8_t> xyz(double x, double y, double z) {
  std::vector<uint8_t> d;
  add_sig(d, "XYZ ");
  add32(d, 0);
  for (double v : {x, y, z}) add32(d, s15(v));
  return d;
}

std::vector<uint8_t> profile(const char* space, const std::vector<Tag>& tags,
                             const char* pcs = "XYZ ") {
  std::vector<uint8_t> p(128, 0);
  p[8] = 4;
  std::memcpy(&p[12], "mntr", 4);
  std::memcpy(&p[16], space, 4);
  std::memcpy(&p[20], pcs, 4);
  std::memcpy(&p[36], "acsp", 4);
  add32(p, uint32_t(tags.size()));
  size_t data_at = 132 + 12 * tags.size();
  std::vector<uint8_t> data;
  for (const Tag& t : tags) {
    add_sig(p, t.sig);
    add32(p, uint32_t(data_at + data.size()));
    add32(p, uint32_t(t.data.size()));
    data.insert(data.end(), t.data.begin(), t.data.end());
    data.resize((data.size() + 3) / 4 * 4);
  }
  p.insert(p.end(), data.begin(), data.end());
  put32(p, 0, uint32_t(p.size()));
  return p;
}

// `jpeg` with `icc` spliced in after SOI as APP2 "ICC_PROFILE" parts of at most `part`
// bytes each.
std::vector<uint8_t> with_profile(const std::vector<uint8_t>& jpeg, const std::vector<uint8_t>& icc,
                                  size_t part = 60000) {
  std::vector<uint8_t> out(jpeg.begin(), jpeg.begin() + 2);
  const size_t parts = (icc.size() + part - 1) / part;
  for (size_t i = 0; i < parts; ++i) {
    const size_t from = i * part, n = std::min(part, icc.size() - from);
    const size_t len = 2 + 12 + 2 + n;
    out.insert(out.end(), {0xFF, 0xE2, uint8_t(len >> 8), uint8_t(len)});
    const char id[12] = "ICC_PROFILE";
    out.insert(out.end(), id, id + 12);
    out.push_back(uint8_t(i + 1));
    out.push_back(uint8_t(parts));
    out.insert(out.end(), icc.begin() + long(from), icc.begin() + long(from + n));
  }
  out.insert(out.end(), jpeg.begin() + 2, jpeg.end());
  return out;
}

double srgb_encode(double y) {
  return y <= 0.0031308 ? 12.92 * y : 1.055 * std::pow(y, 1 / 2.4) - 0.055;
}

// Decodes the grey JPEG with and without `icc`, and checks each converted level against
// round(255 * sRGB(curve(stored / 255))).
template <typename Curve>
void expect_grey_curve(const std::vector<uint8_t>& icc, Curve curve) {
  const std::vector<uint8_t> jpeg = corpus("grey.jpg");
  const std::vector<uint8_t> bytes = with_profile(jpeg, icc);
  auto info = colorize::probe_image(bytes.data(), bytes.size());
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->profile, ColourProfile::kConverted) << info->profile_note;
  const Image raw = decoded(bytes, false), conv = decoded(bytes, true);
  ASSERT_EQ(raw.channels, 1);
  for (size_t i = 0; i < raw.data8.size(); ++i) {
    const double want = std::round(255 * srgb_encode(curve(raw.data8[i] / 255.0)));
    ASSERT_NEAR(conv.data8[i], want, 1) << "stored level " << int(raw.data8[i]);
  }
}

TEST(ImageProfiles, ParametricCurvesOfEveryType) {
  // ICC.1 parametricCurveType, functions 0..4 (g, a, b, c, d, e, f).
  expect_grey_curve(profile("GRAY", {{"kTRC", para(0, {1.8})}}),
                    [](double x) { return std::pow(x, 1.8); });
  expect_grey_curve(profile("GRAY", {{"kTRC", para(1, {2.0, 1.25, -0.25})}}),
                    [](double x) { return x >= 0.2 ? std::pow(1.25 * x - 0.25, 2.0) : 0.0; });
  expect_grey_curve(profile("GRAY", {{"kTRC", para(2, {2.0, 1.0, 0.0, 0.1})}}),
                    [](double x) { return std::min(1.0, x * x + 0.1); });
  expect_grey_curve(profile("GRAY", {{"kTRC", para(3, {2.2, 0.9, 0.1, 0.5, 0.2})}}),
                    [](double x) { return x >= 0.2 ? std::pow(0.9 * x + 0.1, 2.2) : 0.5 * x; });
  expect_grey_curve(
      profile("GRAY", {{"kTRC", para(4, {2.0, 0.8, 0.2, 0.25, 0.3, -0.05, 0.02})}}),
      [](double x) { return x >= 0.3 ? std::pow(0.8 * x + 0.2, 2.0) - 0.05 : 0.25 * x + 0.02; });
}

TEST(ImageProfiles, TabulatedCurveIsInterpolated) {
  // Three entries: 0 -> 0, 0.5 -> 0.1, 1 -> 1, straight lines between.
  expect_grey_curve(profile("GRAY", {{"kTRC", curv({0, 6554, 65535})}}), [](double x) {
    return x <= 0.5 ? x * 0.2 * 6554 / 6553.5 : 0.1 + (x - 0.5) * 1.8;
  });
}

TEST(ImageProfiles, ProfileOverSeveralJpegSegments) {
  // A tone curve of 70,000 entries spans three APP2 parts of 60,000 bytes.
  std::vector<uint16_t> t(70000);
  for (size_t i = 0; i < t.size(); ++i) t[i] = uint16_t(std::lround(65535.0 * i / (t.size() - 1)));
  const std::vector<uint8_t> icc = profile("GRAY", {{"kTRC", curv(t)}});
  ASSERT_GT(icc.size(), 120000u);
  expect_grey_curve(icc, [](double x) { return x; });  // linear: darker than sRGB's numbers
}

// A lut16 ('mft2') table: `in` inputs, three outputs, `grid` points, identity input and
// output curves of two entries, then `clut` (grid^in x 3 values).
std::vector<uint8_t> mft2(int in, int grid, const std::vector<uint16_t>& clut) {
  std::vector<uint8_t> d;
  add_sig(d, "mft2");
  add32(d, 0);
  d.insert(d.end(), {uint8_t(in), 3, uint8_t(grid), 0});
  for (double v : {1, 0, 0, 0, 1, 0, 0, 0, 1}) add32(d, s15(v));
  d.insert(d.end(), {0, 2, 0, 2});
  std::vector<uint16_t> values;
  for (int i = 0; i < in; ++i) values.insert(values.end(), {0, 65535});
  values.insert(values.end(), clut.begin(), clut.end());
  for (int o = 0; o < 3; ++o) values.insert(values.end(), {0, 65535});
  for (uint16_t v : values) d.insert(d.end(), {uint8_t(v >> 8), uint8_t(v)});
  return d;
}

TEST(ImageProfiles, GreyTableIntoCielab) {
  // Two grid points, L* 0 and 100 in lut16's CIELAB encoding (100 = 0xFF00; a*, b* 0 = 0x8000):
  // the stored level v / 255 becomes L* = 100 v / 255.
  const std::vector<uint8_t> icc =
      profile("GRAY", {{"A2B0", mft2(1, 2, {0, 0x8000, 0x8000, 0xFF00, 0x8000, 0x8000})}}, "Lab ");
  expect_grey_curve(icc, [](double v) {
    const double fy = (100 * v + 16) / 116;
    return fy > 6.0 / 29 ? fy * fy * fy : 3 * (6.0 / 29) * (6.0 / 29) * (fy - 4.0 / 29);
  });
}

TEST(ImageProfiles, SrgbEquivalentProfileChangesNothing) {
  const std::vector<uint8_t> icc =
      profile("GRAY", {{"kTRC", para(3, {2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045})}});
  const std::vector<uint8_t> bytes = with_profile(corpus("grey.jpg"), icc);
  auto info = colorize::probe_image(bytes.data(), bytes.size());
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->profile, ColourProfile::kSrgb);
  EXPECT_EQ(decoded(bytes, true).data8, decoded(bytes, false).data8);
}

TEST(ImageProfiles, AnSrgbProfileOnAGreyPictureIsNotAComplaint) {
  // Some programs put their RGB sRGB profile on grey JPEGs: nothing to convert, nothing to say.
  std::vector<uint8_t> rgb_srgb_icc;
  {
    Image im = Image::make(8, 8, 3);
    colorize::EncodeOptions e;
    e.format = colorize::ImageFormat::kTiff;
    auto tif = colorize::encode_image(im, e);  // carries the core's RGB sRGB profile
    ASSERT_TRUE(tif.ok());
    const std::string head(tif->begin(), tif->end());
    const size_t at = head.find("acsp");
    ASSERT_NE(at, std::string::npos);
    const size_t start = at - 36;
    const size_t size = size_t((*tif)[start]) << 24 | size_t((*tif)[start + 1]) << 16 |
                        size_t((*tif)[start + 2]) << 8 | (*tif)[start + 3];
    rgb_srgb_icc.assign(tif->begin() + long(start), tif->begin() + long(start + size));
  }
  const std::vector<uint8_t> bytes = with_profile(corpus("grey.jpg"), rgb_srgb_icc);
  auto info = colorize::probe_image(bytes.data(), bytes.size());
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->channels, 1);
  EXPECT_EQ(info->profile, ColourProfile::kSrgb) << info->profile_note;
  EXPECT_EQ(decoded(bytes, true).data8, decoded(bytes, false).data8);
}

TEST(ImageProfiles, WrongOrUnreadableProfilesAreReportedNotApplied) {
  const std::vector<uint8_t> jpeg = corpus("grey.jpg");
  const Image plain = decoded(jpeg, false);
  const std::vector<uint8_t> good = profile("GRAY", {{"kTRC", para(0, {1.0})}});
  auto cut_tag = good;
  put32(cut_tag, 132 + 4, uint32_t(good.size() - 4));  // kTRC's data runs past the end
  auto many_tags = good;
  put32(many_tags, 128, 0xFFFFFFFFu);  // a tag count no profile has
  auto no_acsp = good;
  no_acsp[36] = 'x';
  auto short_declared = good;
  put32(short_declared, 0, uint32_t(good.size() + 100));
  const std::vector<uint8_t> bad[] = {
      cut_tag,
      many_tags,
      no_acsp,
      short_declared,
      profile("RGB ", {{"rTRC", para(0, {1.0})}}),  // an RGB profile on a grey image
      profile("CMYK", {{"kTRC", para(0, {1.0})}}),
      profile("GRAY", {{"kTRC", para(7, {1.0})}}),  // no such function
      profile("GRAY", {{"A2B0", std::vector<uint8_t>(48, 0)}}),
      std::vector<uint8_t>(good.begin(), good.begin() + 100),
      // Tables: too few grid points, a grid far too large, values cut short, an unknown type.
      profile("GRAY", {{"A2B0", mft2(1, 1, {0, 0, 0})}}, "Lab "),
      profile("GRAY", {{"A2B0", mft2(1, 255, {})}}, "Lab "),
      profile("GRAY", {{"A2B0", mft2(1, 3, {0, 0, 0, 1, 1, 1})}}, "Lab "),
      profile("GRAY", {{"A2B0", {'m', 'B', 'A', ' ', 0, 0, 0, 0, 1, 3, 0, 0, 0, 0, 0, 32,
                                 0,   0,   0,   0,   0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}}}),
      // lutAtoB whose B curves lie outside the tag.
      profile("GRAY", {{"A2B0", {'m', 'A', 'B', ' ', 0, 0, 0, 0, 1, 3, 0, 0, 0, 0, 0xFF, 0xFF,
                                 0,   0,   0,   0,   0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,    0}}}),
  };
  for (const auto& icc : bad) {
    SCOPED_TRACE(&icc - bad);
    const std::vector<uint8_t> bytes = with_profile(jpeg, icc);
    auto info = colorize::probe_image(bytes.data(), bytes.size());
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->profile, ColourProfile::kNotApplied);
    EXPECT_FALSE(info->profile_note.empty());
    EXPECT_EQ(decoded(bytes, true).data8, plain.data8) << info->profile_note;
  }
}

TEST(ImageProfiles, RgbProfileOfSrgbPrimariesAndAGammaCurve) {
  // sRGB's colorants (D50) with a pure 2.2 curve: each channel maps on its own.
  const double m[3][3] = {{0.4360747, 0.2225045, 0.0139322},
                          {0.3850649, 0.7168786, 0.0971045},
                          {0.1430804, 0.0606169, 0.7141733}};
  const std::vector<uint8_t> icc = profile("RGB ", {{"rTRC", para(0, {2.2})},
                                                    {"gTRC", para(0, {2.2})},
                                                    {"bTRC", para(0, {2.2})},
                                                    {"rXYZ", xyz(m[0][0], m[0][1], m[0][2])},
                                                    {"gXYZ", xyz(m[1][0], m[1][1], m[1][2])},
                                                    {"bXYZ", xyz(m[2][0], m[2][1], m[2][2])}});
  const std::vector<uint8_t> bytes = with_profile(corpus("baseline.jpg"), icc);
  const Image raw = decoded(bytes, false), conv = decoded(bytes, true);
  ASSERT_EQ(raw.channels, 3);
  int worst = 0;
  for (size_t i = 0; i < raw.data8.size(); ++i) {
    const double want = std::round(255 * srgb_encode(std::pow(raw.data8[i] / 255.0, 2.2)));
    worst = std::max(worst, int(std::fabs(conv.data8[i] - want)));
  }
  EXPECT_LE(worst, 1);  // the colorants are stored to 1/65536
}

}  // namespace

namespace {

TEST(ImageProfiles, ResultsStateSrgb) {
  // Every writer tags its output as sRGB (PNG's sRGB chunk; JPEG and TIFF a profile of the
  // core's), which the reader takes as sRGB: nothing is converted on reading it back.
  for (int channels : {1, 3}) {
    Image im = Image::make(40, 30, channels);
    for (size_t i = 0; i < im.data8.size(); ++i) im.data8[i] = uint8_t(i * 7);
    for (auto format : {colorize::ImageFormat::kPng, colorize::ImageFormat::kJpeg,
                        colorize::ImageFormat::kTiff}) {
      SCOPED_TRACE(std::string(image_format_name(format)) + " " + std::to_string(channels));
      colorize::EncodeOptions e;
      e.format = format;
      auto bytes = colorize::encode_image(im, e);
      ASSERT_TRUE(bytes.ok());
      auto info = colorize::probe_image(bytes->data(), bytes->size());
      ASSERT_TRUE(info.ok());
      EXPECT_EQ(info->profile, ColourProfile::kSrgb) << info->profile_note;
      // (stb writes JPEG with three components, grey too.)
      const bool grey = channels == 1 && format == colorize::ImageFormat::kTiff;
      if (format != colorize::ImageFormat::kPng) {
        EXPECT_EQ(info->profile_name, grey ? "sRGB grey (colorize)" : "sRGB (colorize)");
      }
      EXPECT_EQ(decoded(*bytes, true).data8, decoded(*bytes, false).data8);
      e.tag_srgb = false;
      auto plain = colorize::encode_image(im, e);
      ASSERT_TRUE(plain.ok());
      EXPECT_EQ(colorize::probe_image(plain->data(), plain->size())->profile, ColourProfile::kNone);
      EXPECT_LT(plain->size(), bytes->size());
    }
  }
}

}  // namespace

namespace {

TEST(ImageProfiles, LargePictureThroughATableMatchesLittleCms) {
  // Pictures of more pixels than 65^3 go through a sampled grid of the whole transform:
  // the corpus file's 32 x 16 pixels tiled to 640 x 480, with its lutAtoB profile (the PNG's
  // iCCP chunk spliced in), must still give littleCMS's pixels in every tile.
  const std::vector<uint8_t> src = corpus("icc_lutatob.png");
  const Image raw = decoded(src, false);
  std::vector<uint8_t> ref_bytes;
  ASSERT_TRUE(image_test::read_file(icc_path("icc_lutatob.png"), &ref_bytes));
  const Image ref = decoded(ref_bytes, true);
  ASSERT_EQ(raw.channels, 3);
  Image big = Image::make(640, 480, 3);
  for (int y = 0; y < big.height; ++y)
    for (int x = 0; x < big.width; ++x)
      for (int c = 0; c < 3; ++c)
        big.data8[(size_t(y) * big.width + x) * 3 + c] =
            uint8_t(at(raw, x % raw.width, y % raw.height, c));
  colorize::EncodeOptions e;
  e.tag_srgb = false;
  auto png = colorize::encode_image(big, e);
  ASSERT_TRUE(png.ok());
  size_t iccp = 0;
  for (size_t i = 8; i + 8 < src.size(); ++i)
    if (std::memcmp(&src[i + 4], "iCCP", 4) == 0) {
      iccp = i;
      break;
    }
  ASSERT_GT(iccp, 0u);
  const size_t len = (size_t(src[iccp]) << 24 | size_t(src[iccp + 1]) << 16 |
                      size_t(src[iccp + 2]) << 8 | src[iccp + 3]) +
                     12;
  std::vector<uint8_t> bytes(png->begin(), png->begin() + 33);
  bytes.insert(bytes.end(), src.begin() + long(iccp), src.begin() + long(iccp + len));
  bytes.insert(bytes.end(), png->begin() + 33, png->end());
  auto info = colorize::probe_image(bytes.data(), bytes.size());
  ASSERT_TRUE(info.ok());
  ASSERT_EQ(info->profile, ColourProfile::kConverted);
  const Image conv = decoded(bytes, true);
  int worst = 0;
  for (int y = 0; y < conv.height; ++y)
    for (int x = 0; x < conv.width; ++x)
      for (int c = 0; c < 3; ++c)
        worst = std::max(worst,
                         std::abs(at(conv, x, y, c) - at(ref, x % ref.width, y % ref.height, c)));
  EXPECT_LE(worst, 1);

  // Through the parallel hook (the grid's slices and the runs of pixels last to first): the
  // same samples.
  colorize::DecodeOptions hooked;
  std::vector<size_t> calls;
  hooked.parallel_for = image_test::ordered_hook(&calls);
  auto again = colorize::decode_image(bytes.data(), bytes.size(), hooked);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(calls, (std::vector<size_t>{65, 2}));  // 65 red levels; 307,200 pixels in 2 runs
  EXPECT_EQ(again->data8, conv.data8);
}

}  // namespace
