// Hostile and broken input: limits checked before decoding, every truncation reported,
// corrupted files never crash (run these under -DCOLORIZE_SANITIZE=ON too), EXIF parsing
// bounded.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "colorize/image.h"
#include "test_image_util.h"

using namespace colorize;

namespace {

bool same_image(const Image& a, const Image& b) {
  return a.width == b.width && a.height == b.height && a.channels == b.channels &&
         a.bit_depth == b.bit_depth && a.data8 == b.data8 && a.data16 == b.data16;
}

}  // namespace

TEST(ImageHostile, EmptyInput) {
  EXPECT_EQ(decode_image(nullptr, 0).status().code(), ErrorCode::kEmptyInput);
  const uint8_t one = 0;
  EXPECT_EQ(decode_image(&one, 0).status().code(), ErrorCode::kEmptyInput);
  EXPECT_EQ(probe_image(nullptr, 0).status().code(), ErrorCode::kEmptyInput);
}

TEST(ImageHostile, PixelLimitComesFromTheHeader) {
  Image im = Image::make(4, 4, 3);
  Result<std::vector<uint8_t>> png = encode_image(im);
  ASSERT_TRUE(png.ok());
  DecodeOptions o;
  o.max_pixels = 10;
  Result<Image> r = decode_image(png->data(), png->size(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kTooLarge);
  EXPECT_NE(r.status().message().find("4 x 4"), std::string::npos) << r.status().message();
  o.max_pixels = 15;
  EXPECT_EQ(decode_image(png->data(), png->size(), o).status().code(), ErrorCode::kTooLarge);
  o.max_pixels = 16;
  EXPECT_TRUE(decode_image(png->data(), png->size(), o).ok());
}

TEST(ImageHostile, HugeHeadersAreRefusedWithTheirSize) {
  for (const char* name : {"huge_header.png", "huge_header.jpg"}) {
    const std::vector<uint8_t> bytes = image_test::corpus(name);
    Result<Image> r = image_test::decode(bytes);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.status().code(), ErrorCode::kTooLarge) << name;
    EXPECT_NE(r.status().message().find("60000 x 60000"), std::string::npos)
        << r.status().message();
  }
}

TEST(ImageHostile, CmykJpegMessage) {
  Result<Image> r = image_test::decode(image_test::corpus("cmyk.jpg"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnsupported);
  EXPECT_EQ(r.status().message(), "CMYK JPEG is not supported; convert it to RGB first");
}

TEST(ImageHostile, DecompressionBombIsRefused) {
  Result<Image> r = image_test::decode(image_test::corpus("zlib_bomb.png"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kNotAnImage);
  EXPECT_NE(r.status().message().find("expands"), std::string::npos) << r.status().message();
}

// Every prefix of a good file either fails or, when it already holds all the data the
// decoder needs (e.g. a TGA without its footer), gives exactly the full image; never a
// partially filled one. Past the first 18 bytes the format is known, so the error must
// be kTruncated.
TEST(ImageHostile, EveryPrefixIsTruncatedOrComplete) {
  for (const char* name :
       {"rgba.png", "interlaced.png", "grey16.png", "baseline.jpg", "progressive.jpg", "grey.jpg",
        "exif6_ii.jpg", "anim.gif", "rgb24.bmp", "palette8.bmp", "rgba.tga", "rgb_rle.tga",
        "grey8_lzw.tif", "rgb8_planar_zip.tif", "grey16_tiles_pred_mm.tif", "rgb16.tif",
        "palette4.tif", "rgba8_packbits.tif", "bilevel_lsb.tif"}) {
    SCOPED_TRACE(name);
    const std::vector<uint8_t> bytes = image_test::corpus(name);
    Result<Image> full = image_test::decode(bytes);
    ASSERT_TRUE(full.ok()) << full.status().to_string();
    size_t failures = 0;
    for (size_t n = 1; n < bytes.size(); ++n) {
      Result<Image> r = decode_image(bytes.data(), n);
      if (r.ok()) {
        ASSERT_TRUE(same_image(*r, *full)) << "prefix of " << n << " bytes decoded differently";
      } else {
        ++failures;
        if (n >= 18) {
          ASSERT_EQ(r.status().code(), ErrorCode::kTruncated)
              << n << ": " << r.status().to_string();
        }
      }
    }
    EXPECT_GT(failures, bytes.size() / 2);
  }
}

// A small deterministic mutation fuzzer over the corpus: flipped bits, overwritten bytes,
// cut and duplicated ranges. Nothing may crash (under the sanitizers: nothing may touch
// memory it should not), and a successful decode must be self-consistent.
TEST(ImageHostile, MutatedFilesNeverCrash) {
  const char* names[] = {"rgba.png",
                         "palette_trns.png",
                         "interlaced.png",
                         "rgb16.png",
                         "baseline.jpg",
                         "progressive.jpg",
                         "grey.jpg",
                         "exif3_mm.jpg",
                         "anim.gif",
                         "rgb24.bmp",
                         "palette8.bmp",
                         "rgba.tga",
                         "rgb_rle.tga",
                         "grey.tga",
                         "grey8_lzw.tif",
                         "rgb8_deflate.tif",
                         "rgb8_planar_zip.tif",
                         "grey16_tiles_pred_mm.tif",
                         "palette4.tif",
                         "rgba8_packbits.tif",
                         "grey_premultiplied.tif",
                         "orient6_mm.tif"};
  DecodeOptions limits;
  limits.max_pixels = 1 << 20;  // mutated headers may claim big sizes; keep allocations small
  image_test::Rng rng(12345);
  int decoded = 0, total = 0;
  for (const char* name : names) {
    const std::vector<uint8_t> original = image_test::corpus(name);
    ASSERT_FALSE(original.empty()) << name;
    for (int round = 0; round < 300; ++round) {
      std::vector<uint8_t> m = original;
      const int edits = 1 + int(rng.below(4));
      for (int e = 0; e < edits; ++e) {
        const size_t at = rng.below(uint32_t(m.size()));
        switch (rng.below(6)) {
          case 0:
            m[at] ^= uint8_t(1u << rng.below(8));
            break;
          case 1:
            m[at] = uint8_t(rng.next());
            break;
          case 2:
            m[at] = 0xFF;
            break;
          case 3:
            m[at] = 0x00;
            break;
          case 4:
            m.resize(at + 1);
            break;   // cut
          case 5: {  // duplicate a short range
            const size_t len = std::min<size_t>(1 + rng.below(64), m.size() - at);
            std::vector<uint8_t> piece(m.begin() + long(at), m.begin() + long(at + len));
            m.insert(m.begin() + long(at), piece.begin(), piece.end());
            break;
          }
        }
        if (m.empty()) m.push_back(0);
      }
      ++total;
      Result<Image> r = decode_image(m.data(), m.size(), limits);
      Result<ImageInfo> info = probe_image(m.data(), m.size());
      if (!r.ok()) {
        EXPECT_NE(r.status().code(), ErrorCode::kOk);
        EXPECT_FALSE(r.status().message().empty());
        continue;
      }
      ++decoded;
      const Image& im = *r;
      ASSERT_GT(im.width, 0);
      ASSERT_GT(im.height, 0);
      ASSERT_LE(im.pixel_count(), limits.max_pixels);
      ASSERT_GE(im.channels, 1);
      ASSERT_LE(im.channels, 4);
      ASSERT_EQ(im.bit_depth == 16 ? im.data16.size() : im.data8.size(), im.sample_count());
      ASSERT_TRUE(info.ok()) << "decoded but the probe failed: " << info.status().to_string();
      const bool swapped = info->exif_orientation >= 5;
      ASSERT_EQ(swapped ? info->height : info->width, im.width);
      ASSERT_EQ(swapped ? info->width : info->height, im.height);
    }
  }
  // Sanity: the mutations are not all fatal (many hit pixel data) nor all harmless.
  EXPECT_GT(decoded, total / 20);
  EXPECT_LT(decoded, total);
}

// EXIF blocks cut at every length, in both byte orders: the orientation is either the
// full value (only when the whole entry is present) or "none"; nothing reads outside.
TEST(ImageHostile, ExifCutAtEveryLength) {
  const std::vector<uint8_t> jpeg = image_test::corpus("baseline.jpg");
  ASSERT_GT(jpeg.size(), 2u);
  for (bool little : {true, false}) {
    auto u16 = [&](std::vector<uint8_t>& v, unsigned x) {
      if (little) {
        v.push_back(uint8_t(x));
        v.push_back(uint8_t(x >> 8));
      } else {
        v.push_back(uint8_t(x >> 8));
        v.push_back(uint8_t(x));
      }
    };
    auto u32 = [&](std::vector<uint8_t>& v, uint32_t x) {
      if (little) {
        u16(v, x & 0xFFFF);
        u16(v, x >> 16);
      } else {
        u16(v, x >> 16);
        u16(v, x & 0xFFFF);
      }
    };
    std::vector<uint8_t> tiff = {uint8_t(little ? 'I' : 'M'), uint8_t(little ? 'I' : 'M')};
    u16(tiff, 42);
    u32(tiff, 8);
    u16(tiff, 1);       // one entry
    u16(tiff, 0x0112);  // orientation
    u16(tiff, 3);       // SHORT
    u32(tiff, 1);       // count
    u16(tiff, 6);       // value
    u16(tiff, 0);
    u32(tiff, 0);  // no next IFD
    const size_t entry_end = 8 + 2 + 12;
    for (size_t cut = 0; cut <= tiff.size(); ++cut) {
      std::vector<uint8_t> app1 = {'E', 'x', 'i', 'f', 0, 0};
      app1.insert(app1.end(), tiff.begin(), tiff.begin() + long(cut));
      std::vector<uint8_t> file(jpeg.begin(), jpeg.begin() + 2);
      file.push_back(0xFF);
      file.push_back(0xE1);
      file.push_back(uint8_t((app1.size() + 2) >> 8));
      file.push_back(uint8_t(app1.size() + 2));
      file.insert(file.end(), app1.begin(), app1.end());
      file.insert(file.end(), jpeg.begin() + 2, jpeg.end());
      Result<ImageInfo> info = probe_image(file.data(), file.size());
      ASSERT_TRUE(info.ok()) << cut;
      EXPECT_EQ(info->exif_orientation, cut >= entry_end ? 6 : 1) << "cut at " << cut;
      Result<Image> im = decode_image(file.data(), file.size());
      ASSERT_TRUE(im.ok()) << cut;
      EXPECT_EQ(im->width, cut >= entry_end ? 48 : 64);
    }
  }
}

TEST(ImageHostile, OtherFormatsAreNamed) {
  const char webp[] = "RIFF\x10\x00\x00\x00WEBPVP8 ";
  Result<ImageInfo> r = probe_image(reinterpret_cast<const uint8_t*>(webp), sizeof(webp) - 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnsupported);
  EXPECT_NE(r.status().message().find("WebP"), std::string::npos);
}

TEST(ImageHostile, FormatsPeopleHaveAreNamedNotJustRefused) {
  // Magic bytes of formats found in photo archives: each is kUnsupported with its name in the
  // message (so the user knows what to convert), never a generic "not an image".
  const struct {
    std::string bytes;
    const char* name;
  } cases[] = {
      {std::string("\0\0\0\x0CjP  \r\n\x87\n\0\0\0\x14", 16), "JPEG 2000"},
      {std::string("\xFF\x0A\xFA\x7F", 4), "JPEG XL"},
      {std::string("\0\0\0\x0CJXL \r\n\x87\n", 12), "JPEG XL"},
      {"8BPS\x00\x01\0\0\0\0\0\0", "PSD"},
      {"P5\n4 3\n255\n0123456789ab", "Netpbm"},
      {"P6 2 2 255\n", "Netpbm"},
      {"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n", "HDR"},
      {std::string("\x76\x2F\x31\x01\x02\0\0\0", 8), "OpenEXR"},
      {"%PDF-1.7\n", "PDF"},
      {"\xEF\xBB\xBF  <svg xmlns=\"http://www.w3.org/2000/svg\"/>", "SVG"},
      {"<?xml version=\"1.0\"?><svg/>", "SVG"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Result<ImageInfo> r =
        probe_image(reinterpret_cast<const uint8_t*>(c.bytes.data()), c.bytes.size());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kUnsupported) << r.status().to_string();
    EXPECT_NE(r.status().message().find(c.name), std::string::npos) << r.status().message();
  }
  // "P" followed by a digit is also how some text starts: without the whitespace it is not
  // taken for Netpbm.
  const std::string text = "P5x is not a header";
  Result<ImageInfo> t = probe_image(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), ErrorCode::kNotAnImage);
}

TEST(ImageHostile, TiffKindsWeDoNotReadAreNamed) {
  const struct {
    const char* file;
    const char* words;
  } cases[] = {
      {"bigtiff.tif", "BigTIFF"},
      {"cmyk.tif", "CMYK"},
      {"jpeg_compressed.tif", "JPEG-compressed"},
      {"float.tif", "floating-point"},
      {"lzw_old_style.tif", "old-style LZW"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    Result<Image> r = image_test::decode(image_test::corpus(c.file));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kUnsupported);
    EXPECT_NE(r.status().message().find(c.words), std::string::npos) << r.status().message();
  }
  // A Deflate strip that inflates far beyond what its rows need is refused, not followed.
  Result<Image> bomb = image_test::decode(image_test::corpus("zlib_bomb.tif"));
  ASSERT_FALSE(bomb.ok());
  EXPECT_EQ(bomb.status().code(), ErrorCode::kNotAnImage);
}
