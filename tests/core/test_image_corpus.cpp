// Runs every row of tests/corpus/expected.tsv (written by scripts/make_corpus.py from how
// each file was built) through probe_image and decode_image.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "colorize/image.h"
#include "test_image_util.h"

using namespace colorize;
using image_test::at;

namespace {

struct Row {
  std::string file, outcome, corner;
  int width = 0, height = 0, channels = 0, bit_depth = 0, orientation = 1;
};

std::vector<Row> load_rows() {
  std::vector<uint8_t> bytes;
  std::vector<Row> rows;
  if (!image_test::read_file(image_test::corpus_path("expected.tsv"), &bytes)) return rows;
  std::istringstream in(std::string(bytes.begin(), bytes.end()));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::istringstream ls(line);
    std::string cell;
    while (std::getline(ls, cell, '\t')) f.push_back(cell);
    if (f.size() != 8) {
      ADD_FAILURE() << "bad expected.tsv line: " << line;
      continue;
    }
    Row r;
    r.file = f[0];
    r.outcome = f[1];
    if (r.outcome == "ok") {
      r.width = std::stoi(f[2]);
      r.height = std::stoi(f[3]);
      r.channels = std::stoi(f[4]);
      r.bit_depth = std::stoi(f[5]);
    }
    r.orientation = std::stoi(f[6]);
    r.corner = f[7];
    rows.push_back(r);
  }
  return rows;
}

bool is_red(const Image& im, int x, int y) {
  return at(im, x, y, 0) > 170 && at(im, x, y, 1) < 90 && at(im, x, y, 2) < 90;
}

}  // namespace

TEST(ImageCorpus, HasRows) {
  // The corpus is committed; an empty list means the path or the file is broken.
  EXPECT_GE(load_rows().size(), 40u);
}

TEST(ImageCorpus, EveryFileDecodesAsExpected) {
  for (const Row& r : load_rows()) {
    SCOPED_TRACE(r.file);
    std::vector<uint8_t> bytes;
    ASSERT_TRUE(image_test::read_file(image_test::corpus_path(r.file), &bytes));
    Result<Image> got = image_test::decode(bytes);
    if (r.outcome != "ok") {
      ASSERT_FALSE(got.ok()) << "decoded a file expected to fail with '" << r.outcome << "'";
      EXPECT_EQ(error_code_name(got.status().code()), r.outcome) << got.status().to_string();
      EXPECT_FALSE(got.status().message().empty());
      continue;
    }
    ASSERT_TRUE(got.ok()) << got.status().to_string();
    const Image& im = *got;
    EXPECT_EQ(im.width, r.width);
    EXPECT_EQ(im.height, r.height);
    EXPECT_EQ(im.channels, r.channels);
    EXPECT_EQ(im.bit_depth, r.bit_depth);
    if (im.bit_depth == 16) {
      EXPECT_EQ(im.data16.size(), im.sample_count());
      EXPECT_TRUE(im.data8.empty());
    } else {
      EXPECT_EQ(im.data8.size(), im.sample_count());
      EXPECT_TRUE(im.data16.empty());
    }
    if (r.corner != "-") {
      // The red block was drawn at the stored top-left; check it sits in the expected
      // corner of the upright image and in no other.
      const int w = im.width - 2, h = im.height - 2;
      const struct {
        const char* name;
        int x, y;
      } corners[] = {{"tl", 1, 1}, {"tr", w, 1}, {"bl", 1, h}, {"br", w, h}};
      for (const auto& c : corners)
        EXPECT_EQ(is_red(im, c.x, c.y), r.corner == c.name) << "corner " << c.name;
    }
  }
}

TEST(ImageCorpus, ProbeReportsTheStoredHeader) {
  for (const Row& r : load_rows()) {
    SCOPED_TRACE(r.file);
    const std::vector<uint8_t> bytes = image_test::corpus(r.file);
    Result<ImageInfo> info = probe_image(bytes.data(), bytes.size());
    if (r.outcome == "ok") {
      ASSERT_TRUE(info.ok()) << info.status().to_string();
      const bool swapped = r.orientation >= 5;
      EXPECT_EQ(info->width, swapped ? r.height : r.width);
      EXPECT_EQ(info->height, swapped ? r.width : r.height);
      EXPECT_EQ(info->channels, r.channels);
      EXPECT_EQ(info->bit_depth, r.bit_depth);
      EXPECT_EQ(info->exif_orientation, r.orientation);
      EXPECT_NE(info->format, ImageFormat::kUnknown);
    } else if (r.outcome == "empty input" || r.outcome == "zero size" ||
               r.outcome == "unsupported") {
      // These are decided by the header alone, so the probe must say the same.
      ASSERT_FALSE(info.ok());
      EXPECT_EQ(error_code_name(info.status().code()), r.outcome);
    } else if (r.outcome == "too large") {
      // The probe has no limit: it reports the huge size the header claims.
      ASSERT_TRUE(info.ok()) << info.status().to_string();
      EXPECT_GT(uint64_t(info->width) * uint64_t(info->height), kDefaultMaxPixels);
    }
  }
}

TEST(ImageCorpus, FormatsAreRecognised) {
  const struct {
    const char* file;
    ImageFormat format;
  } cases[] = {
      {"rgba.png", ImageFormat::kPng},        {"baseline.jpg", ImageFormat::kJpeg},
      {"anim.gif", ImageFormat::kGif},        {"rgb24.bmp", ImageFormat::kBmp},
      {"rgba.tga", ImageFormat::kTga},        {"grey8_lzw.tif", ImageFormat::kTiff},
      {"orient6_mm.tif", ImageFormat::kTiff},
  };
  for (const auto& c : cases) {
    const std::vector<uint8_t> bytes = image_test::corpus(c.file);
    Result<ImageInfo> info = probe_image(bytes.data(), bytes.size());
    ASSERT_TRUE(info.ok()) << c.file;
    EXPECT_EQ(info->format, c.format) << c.file;
  }
  EXPECT_STREQ(image_format_name(ImageFormat::kPng), "PNG");
  EXPECT_STREQ(image_format_name(ImageFormat::kJpeg), "JPEG");
  EXPECT_STREQ(image_format_name(ImageFormat::kGif), "GIF");
  EXPECT_STREQ(image_format_name(ImageFormat::kBmp), "BMP");
  EXPECT_STREQ(image_format_name(ImageFormat::kTga), "TGA");
  EXPECT_STREQ(image_format_name(ImageFormat::kTiff), "TIFF");
  EXPECT_NE(image_format_name(ImageFormat::kUnknown), nullptr);
}
