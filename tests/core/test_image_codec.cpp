// Encoding (PNG 8/16-bit, JPEG), round trips, to_8bit, apply_orientation, Image::make.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "colorize/image.h"
#include "test_image_util.h"

using namespace colorize;
using image_test::at;

namespace {

Image noise(int w, int h, int c, int depth, uint64_t seed) {
  Image im = Image::make(w, h, c, depth);
  image_test::Rng rng(seed);
  if (depth == 16)
    for (auto& v : im.data16) v = static_cast<uint16_t>(rng.next());
  else
    for (auto& v : im.data8) v = static_cast<uint8_t>(rng.next());
  return im;
}

std::vector<uint8_t> encode_ok(const Image& im, const EncodeOptions& o = {}) {
  Result<std::vector<uint8_t>> r = encode_image(im, o);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? *r : std::vector<uint8_t>();
}

uint32_t be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

}  // namespace

TEST(ImageMake, ZeroFilledWithTheRightBuffer) {
  Image a = Image::make(3, 2, 4);
  EXPECT_EQ(a.bit_depth, 8);
  EXPECT_EQ(a.data8.size(), 24u);
  EXPECT_TRUE(a.data16.empty());
  for (uint8_t v : a.data8) EXPECT_EQ(v, 0);
  EXPECT_TRUE(a.has_alpha());
  Image b = Image::make(5, 1, 1, 16);
  EXPECT_EQ(b.data16.size(), 5u);
  EXPECT_TRUE(b.data8.empty());
  EXPECT_TRUE(b.is_grey());
  EXPECT_TRUE(Image::make(0, 4, 3).empty());
}

TEST(ImageEncode, Png8RoundTripIsExactForEveryChannelCount) {
  for (int c = 1; c <= 4; ++c) {
    Image im = noise(37, 23, c, 8, 100 + c);
    Result<Image> back = decode_image(encode_ok(im).data(), encode_ok(im).size());
    ASSERT_TRUE(back.ok()) << back.status().to_string();
    EXPECT_EQ(back->channels, c);  // grey + alpha and RGBA keep their alpha
    EXPECT_EQ(back->bit_depth, 8);
    EXPECT_EQ(back->data8, im.data8) << c << " channels";
  }
}

TEST(ImageEncode, Png16RoundTripIsExactForEveryChannelCount) {
  for (int c = 1; c <= 4; ++c) {
    Image im = noise(29, 17, c, 16, 200 + c);
    const std::vector<uint8_t> png = encode_ok(im);
    // Structure from the PNG specification: signature, IHDR with bit depth 16 and the
    // colour type for this channel count, and IEND whose CRC is the published AE426082.
    ASSERT_GT(png.size(), 45u);
    const uint8_t sig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    EXPECT_TRUE(std::equal(sig, sig + 8, png.begin()));
    EXPECT_EQ(be32(&png[8]), 13u);
    EXPECT_EQ(std::string(png.begin() + 12, png.begin() + 16), "IHDR");
    EXPECT_EQ(be32(&png[16]), 29u);
    EXPECT_EQ(be32(&png[20]), 17u);
    EXPECT_EQ(png[24], 16);
    const int color_type[5] = {0, 0, 4, 2, 6};
    EXPECT_EQ(png[25], color_type[c]);
    EXPECT_EQ(std::string(png.end() - 8, png.end() - 4), "IEND");
    EXPECT_EQ(be32(&png[png.size() - 4]), 0xAE426082u);

    Result<Image> back = decode_image(png.data(), png.size());
    ASSERT_TRUE(back.ok()) << back.status().to_string();
    EXPECT_EQ(back->channels, c);
    EXPECT_EQ(back->bit_depth, 16);
    EXPECT_EQ(back->data16, im.data16) << c << " channels";
  }
}

TEST(ImageEncode, Png16OfSmoothDataCompresses) {
  // A gradient (what filters exist for) must come out well below its raw size.
  Image im = Image::make(128, 64, 3, 16);
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 128; ++x)
      for (int c = 0; c < 3; ++c)
        im.data16[(size_t(y) * 128 + x) * 3 + c] = static_cast<uint16_t>(x * 500 + y * 300 + c * 7);
  const std::vector<uint8_t> png = encode_ok(im);
  EXPECT_LT(png.size(), im.sample_count() * 2 / 4);
  Result<Image> back = decode_image(png.data(), png.size());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->data16, im.data16);
}

TEST(ImageEncode, CorpusPngsSurviveARoundTrip) {
  for (const char* name :
       {"grey16.png", "rgba16.png", "grey_alpha.png", "rgba.png", "palette_trns.png"}) {
    Result<Image> a = image_test::decode(image_test::corpus(name));
    ASSERT_TRUE(a.ok()) << name;
    Result<Image> b = image_test::decode(encode_ok(*a));
    ASSERT_TRUE(b.ok()) << name;
    EXPECT_EQ(b->channels, a->channels) << name;
    EXPECT_EQ(b->bit_depth, a->bit_depth) << name;
    EXPECT_EQ(b->data8, a->data8) << name;
    EXPECT_EQ(b->data16, a->data16) << name;
  }
}

TEST(ImageEncode, TiffRoundTripIsExactForEveryChannelCountAndDepth) {
  for (int depth : {8, 16}) {
    for (int c = 1; c <= 4; ++c) {
      SCOPED_TRACE(std::to_string(c) + " channels, " + std::to_string(depth) + " bits");
      // Tall enough for several strips (about 256 KiB of samples each).
      const Image im = noise(301, 1000, c, depth, 300 + c + depth);
      EncodeOptions o;
      o.format = ImageFormat::kTiff;
      const std::vector<uint8_t> t = encode_ok(im, o);
      ASSERT_GT(t.size(), 8u);
      EXPECT_EQ(std::string(t.begin(), t.begin() + 4), std::string("II*\0", 4));
      // The directory, by the specification: tags ascending; the fields readers need.
      const image_test::Ifd d = image_test::ifd0(t);
      uint32_t last = 0;
      for (uint32_t tag : d.order) {
        EXPECT_GT(tag, last);
        last = tag;
      }
      for (uint32_t need : {256u, 257u, 258u, 259u, 262u, 273u, 277u, 278u, 279u, 317u})
        ASSERT_TRUE(d.fields.count(need)) << need;
      EXPECT_EQ(d.number(256), 301u);
      EXPECT_EQ(d.number(257), 1000u);
      EXPECT_EQ(d.fields.at(258).count, uint32_t(c));
      EXPECT_EQ(d.number(259), 8u);  // Deflate
      EXPECT_EQ(d.number(262), c <= 2 ? 1u : 2u);
      EXPECT_EQ(d.number(277), uint32_t(c));
      EXPECT_GT(d.fields.at(273).count, 1u);  // several strips
      EXPECT_EQ(d.number(317), 2u);           // horizontal predictor
      EXPECT_EQ(d.fields.count(338) == 1, c == 2 || c == 4);
      if (d.fields.count(338)) {
        EXPECT_EQ(d.number(338), 2u);  // straight alpha
      }
      Result<Image> back = decode_image(t.data(), t.size());
      ASSERT_TRUE(back.ok()) << back.status().to_string();
      EXPECT_EQ(back->channels, c);
      EXPECT_EQ(back->bit_depth, depth);
      EXPECT_EQ(back->data8, im.data8);
      EXPECT_EQ(back->data16, im.data16);
    }
  }
}

TEST(ImageEncode, TiffStripsCompressedThroughTheParallelHookInAnyOrder) {
  // A stand-in for a thread pool: runs the strips last to first (threads finish in any
  // order); the file must be the same bytes as the serial one.
  const Image im = noise(200, 2000, 3, 8, 41);
  EncodeOptions serial;
  serial.format = ImageFormat::kTiff;
  EncodeOptions hooked = serial;
  std::vector<size_t> calls;
  hooked.parallel_for = image_test::ordered_hook(&calls);
  const std::vector<uint8_t> a = encode_ok(im, serial), b = encode_ok(im, hooked);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_GT(calls[0], 1u);  // several strips
  EXPECT_EQ(a, b);
}

TEST(ImageDecode, TiffStripsThroughTheParallelHookDecodeTheSame) {
  // A TIFF of many strips (our writer's, ~256 KiB each) decodes to the same image with the
  // strips' runs done in either order (threads finish in any order); with two strips broken,
  // both orders report the first of them, as a decoder reading in order would.
  const Image im = noise(700, 600, 3, 16, 43);
  EncodeOptions e;
  e.format = ImageFormat::kTiff;
  std::vector<uint8_t> tif = encode_ok(im, e);
  std::vector<size_t> calls;
  DecodeOptions forward, backward;
  forward.parallel_for = image_test::ordered_hook(&calls, false);
  backward.parallel_for = image_test::ordered_hook(&calls, true);
  for (const DecodeOptions* o : {&forward, &backward}) {
    Result<Image> back = decode_image(tif.data(), tif.size(), *o);
    ASSERT_TRUE(back.ok()) << back.status().to_string();
    EXPECT_EQ(back->data16, im.data16);
  }
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_GT(calls[0], 1u);  // several runs of strips

  const image_test::Ifd d = image_test::ifd0(tif);
  const image_test::Field& offsets = d.fields.at(273);
  ASSERT_GE(offsets.count, 9u);
  for (const size_t strip : {size_t(8), size_t(4)}) {  // zlib header bytes that are invalid
    const uint32_t at = d.u32(image_test::Field{
        4, 1, {offsets.bytes.begin() + 4 * strip, offsets.bytes.begin() + 4 * strip + 4}});
    tif[at] = 0xFF;
    tif[at + 1] = 0xFF;
  }
  const Result<Image> serial = decode_image(tif.data(), tif.size());
  ASSERT_FALSE(serial.ok());
  EXPECT_NE(serial.status().message().find("strip 4 "), std::string::npos)
      << serial.status().to_string();
  for (const DecodeOptions* o : {&forward, &backward}) {
    const Result<Image> broken = decode_image(tif.data(), tif.size(), *o);
    ASSERT_FALSE(broken.ok());
    EXPECT_EQ(broken.status().to_string(), serial.status().to_string());
  }
}

TEST(ImageEncode, TiffOfSmoothDataCompresses) {
  // The predictor turns a gradient into runs of small differences Deflate packs tightly.
  Image im = Image::make(256, 128, 3, 16);
  for (int y = 0; y < 128; ++y)
    for (int x = 0; x < 256; ++x)
      for (int c = 0; c < 3; ++c)
        im.data16[(size_t(y) * 256 + x) * 3 + c] = static_cast<uint16_t>(x * 200 + y * 90 + c);
  EncodeOptions o;
  o.format = ImageFormat::kTiff;
  const std::vector<uint8_t> t = encode_ok(im, o);
  EXPECT_LT(t.size(), im.sample_count() * 2 / 20);
  Result<Image> back = decode_image(t.data(), t.size());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->data16, im.data16);
}

TEST(ImageEncode, CorpusTiffsSurviveARoundTrip) {
  // Files other writers made (PIL, tiffcp; see make_corpus.py): decoded, written by us,
  // decoded again, the same samples.
  for (const char* name :
       {"grey16_tiles_pred_mm.tif", "rgb16.tif", "grey_premultiplied.tif", "rgba8_packbits.tif",
        "palette4.tif", "grey4_miniswhite.tif", "rgb8_planar_zip.tif"}) {
    Result<Image> a = image_test::decode(image_test::corpus(name));
    ASSERT_TRUE(a.ok()) << name;
    EncodeOptions o;
    o.format = ImageFormat::kTiff;
    Result<Image> b = image_test::decode(encode_ok(*a, o));
    ASSERT_TRUE(b.ok()) << name;
    EXPECT_EQ(b->channels, a->channels) << name;
    EXPECT_EQ(b->bit_depth, a->bit_depth) << name;
    EXPECT_EQ(b->data8, a->data8) << name;
    EXPECT_EQ(b->data16, a->data16) << name;
  }
}

TEST(ImageEncode, JpegDropsAlphaAndQualityChangesSize) {
  Image rgba = noise(64, 48, 4, 8, 7);
  EncodeOptions o;
  o.format = ImageFormat::kJpeg;
  o.jpeg_quality = 95;
  const std::vector<uint8_t> high = encode_ok(rgba, o);
  o.jpeg_quality = 10;
  const std::vector<uint8_t> low = encode_ok(rgba, o);
  EXPECT_LT(low.size(), high.size());
  ASSERT_GE(high.size(), 4u);
  EXPECT_EQ(high[0], 0xFF);
  EXPECT_EQ(high[1], 0xD8);
  EXPECT_EQ(high[high.size() - 2], 0xFF);
  EXPECT_EQ(high[high.size() - 1], 0xD9);
  Result<Image> back = decode_image(high.data(), high.size());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->channels, 3);
  EXPECT_EQ(back->width, 64);
  EXPECT_EQ(back->height, 48);
}

TEST(ImageEncode, JpegOfSmoothImageIsClose) {
  Image im = Image::make(64, 64, 3);
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 64; ++x) {
      im.data8[(size_t(y) * 64 + x) * 3 + 0] = static_cast<uint8_t>(x * 4);
      im.data8[(size_t(y) * 64 + x) * 3 + 1] = static_cast<uint8_t>(y * 4);
      im.data8[(size_t(y) * 64 + x) * 3 + 2] = 128;
    }
  EncodeOptions o;
  o.format = ImageFormat::kJpeg;
  Result<Image> back = image_test::decode(encode_ok(im, o));
  ASSERT_TRUE(back.ok());
  double err = 0;
  for (size_t i = 0; i < im.data8.size(); ++i)
    err += std::abs(int(back->data8[i]) - int(im.data8[i]));
  EXPECT_LT(err / im.data8.size(), 3.0);
}

TEST(ImageEncode, Jpeg16BitIsRoundedTo8) {
  // v * 257 in 16 bits is exactly v in 8 bits, so both must give the same JPEG bytes.
  Image eight = noise(24, 16, 3, 8, 3);
  Image sixteen = Image::make(24, 16, 3, 16);
  for (size_t i = 0; i < eight.data8.size(); ++i)
    sixteen.data16[i] = uint16_t(eight.data8[i] * 257);
  EncodeOptions o;
  o.format = ImageFormat::kJpeg;
  EXPECT_EQ(encode_ok(sixteen, o), encode_ok(eight, o));
}

TEST(ImageEncode, GreyJpegDecodesGrey) {
  Image g = noise(16, 16, 2, 8, 11);  // grey + alpha: alpha is dropped
  EncodeOptions o;
  o.format = ImageFormat::kJpeg;
  o.jpeg_quality = 100;
  Result<Image> back = image_test::decode(encode_ok(g, o));
  ASSERT_TRUE(back.ok());
  // stb_image_write stores three components; they must agree for grey input.
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 16; ++x) {
      const int v = at(*back, x, y, 0);
      for (int c = 1; c < back->channels; ++c) EXPECT_NEAR(at(*back, x, y, c), v, 2);
    }
}

TEST(ImageEncode, RejectsBadArguments) {
  EXPECT_EQ(encode_image(Image()).status().code(), ErrorCode::kInvalidArgument);
  Image bad = Image::make(4, 4, 3);
  bad.data8.resize(5);
  EXPECT_EQ(encode_image(bad).status().code(), ErrorCode::kInvalidArgument);
  Image five = Image::make(2, 2, 3);
  five.channels = 5;
  EXPECT_EQ(encode_image(five).status().code(), ErrorCode::kInvalidArgument);
  Image ok = Image::make(4, 4, 3);
  EncodeOptions o;
  o.format = ImageFormat::kJpeg;
  o.jpeg_quality = 0;
  EXPECT_EQ(encode_image(ok, o).status().code(), ErrorCode::kInvalidArgument);
  o.jpeg_quality = 101;
  EXPECT_EQ(encode_image(ok, o).status().code(), ErrorCode::kInvalidArgument);
  o.format = ImageFormat::kGif;
  o.jpeg_quality = 90;
  EXPECT_EQ(encode_image(ok, o).status().code(), ErrorCode::kInvalidArgument);
  Image depth = Image::make(4, 4, 3);
  depth.bit_depth = 12;
  EXPECT_EQ(encode_image(depth).status().code(), ErrorCode::kInvalidArgument);
}

// ---------------------------------------------------------------- resolution and comment

TEST(ImageResolution, ReadFromWhatOtherWritersStated) {
  // Facts of how make_corpus.py built them: PIL's JPEG, PNG (10,000 pixels per metre) and
  // TIFF at 300, 254 and 400 dpi; its own TIFF at 100 x 50 pixels per centimetre; PIL's JPEG
  // with 100 pixels per centimetre in EXIF only (its JFIF header an aspect ratio). None
  // stated: PIL's default JFIF header (aspect ratio only), a PNG without pHYs, a TIFF
  // without resolution tags.
  const struct {
    const char* file;
    double x, y, tolerance;
  } cases[] = {
      {"dpi300.jpg", 300, 300, 0},
      {"dpi254.png", 254, 254, 1e-9},
      {"dpi400.tif", 400, 400, 1e-9},
      {"dpi_cm.tif", 254, 127, 1e-9},
      {"dpi_exif_cm.jpg", 254, 254, 1e-9},
      {"baseline.jpg", 0, 0, 0},
      {"rgba.png", 0, 0, 0},
      {"grey8_lzw.tif", 0, 0, 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    const std::vector<uint8_t> bytes = image_test::corpus(c.file);
    Result<ImageInfo> info = probe_image(bytes.data(), bytes.size());
    ASSERT_TRUE(info.ok()) << info.status().to_string();
    EXPECT_NEAR(info->dpi_x, c.x, c.tolerance);
    EXPECT_NEAR(info->dpi_y, c.y, c.tolerance);
  }
}

TEST(ImageResolution, WrittenAndReadBackWithTheComment) {
  const std::string note = "Colorized: the colours are a guess.";
  for (int depth : {8, 16}) {
    for (ImageFormat format : {ImageFormat::kPng, ImageFormat::kJpeg, ImageFormat::kTiff}) {
      SCOPED_TRACE(std::string(image_format_name(format)) + " " + std::to_string(depth));
      const Image im = noise(23, 17, 3, depth, 77);
      EncodeOptions plain;
      plain.format = format;
      EncodeOptions marked = plain;
      marked.dpi_x = 600;
      marked.dpi_y = 300;
      marked.comment = note;
      const std::vector<uint8_t> a = encode_ok(im, plain), b = encode_ok(im, marked);
      Result<ImageInfo> info = probe_image(b.data(), b.size());
      ASSERT_TRUE(info.ok()) << info.status().to_string();
      // PNG stores whole pixels per metre: within 0.0127 dpi (JPEG and TIFF: exact).
      EXPECT_NEAR(info->dpi_x, 600, 0.02);
      EXPECT_NEAR(info->dpi_y, 300, 0.02);
      EXPECT_NE(std::search(b.begin(), b.end(), note.begin(), note.end()), b.end());
      // The pixels are those of the file without them.
      Result<Image> da = decode_image(a.data(), a.size()), db = decode_image(b.data(), b.size());
      ASSERT_TRUE(da.ok() && db.ok());
      EXPECT_EQ(da->data8, db->data8);
      EXPECT_EQ(da->data16, db->data16);
      Result<ImageInfo> none = probe_image(a.data(), a.size());
      EXPECT_EQ(none->dpi_x, 0);
    }
  }
}

TEST(ImageResolution, BadCommentOrResolutionIsRefused) {
  const Image im = Image::make(4, 4, 3);
  EncodeOptions o;
  o.comment = "two\nlines";
  EXPECT_EQ(encode_image(im, o).status().code(), ErrorCode::kInvalidArgument);
  o.comment = std::string(1001, 'x');
  EXPECT_EQ(encode_image(im, o).status().code(), ErrorCode::kInvalidArgument);
  o.comment = std::string(1000, 'x');
  EXPECT_TRUE(encode_image(im, o).ok());
  o.dpi_x = o.dpi_y = std::nan("");
  EXPECT_EQ(encode_image(im, o).status().code(), ErrorCode::kInvalidArgument);
  o.dpi_x = o.dpi_y = -1;
  EXPECT_EQ(encode_image(im, o).status().code(), ErrorCode::kInvalidArgument);
}

TEST(ImageTo8Bit, RoundsToNearest) {
  // 8-bit v corresponds to 16-bit v * 257 (65535 / 255 = 257); the nearest 8-bit value of
  // u is round(u / 257): 128 / 257 < 0.5 < 129 / 257.
  Image im = Image::make(6, 1, 1, 16);
  im.data16 = {0, 128, 129, 257 * 100, 257 * 100 + 128, 65535};
  Image e = to_8bit(im);
  EXPECT_EQ(e.bit_depth, 8);
  EXPECT_TRUE(e.data16.empty());
  EXPECT_EQ(e.data8, (std::vector<uint8_t>{0, 0, 1, 100, 100, 255}));
  Image already = Image::make(2, 1, 3);
  already.data8 = {1, 2, 3, 4, 5, 6};
  EXPECT_EQ(to_8bit(already).data8, already.data8);
}

namespace {

// Where stored pixel (sx, sy) of a w x h image lands once upright, straight from the
// EXIF 2.3 table: orientation o says which visual side stored row 0 and column 0 are on.
void expected_position(int o, int sx, int sy, int w, int h, int* dx, int* dy) {
  // {row 0 side, column 0 side}: T top, B bottom, L left, R right.
  static const char sides[9][2] = {{'T', 'L'}, {'T', 'L'}, {'T', 'R'}, {'B', 'R'}, {'B', 'L'},
                                   {'L', 'T'}, {'R', 'T'}, {'R', 'B'}, {'L', 'B'}};
  const char row0 = sides[o][0], col0 = sides[o][1];
  if (row0 == 'T' || row0 == 'B') {  // rows stay rows
    *dy = row0 == 'T' ? sy : h - 1 - sy;
    *dx = col0 == 'L' ? sx : w - 1 - sx;
  } else {  // rows become columns
    *dx = row0 == 'L' ? sy : h - 1 - sy;
    *dy = col0 == 'T' ? sx : w - 1 - sx;
  }
}

}  // namespace

TEST(ImageOrientation, AllEightMatchTheExifTable) {
  for (int depth : {8, 16}) {
    const int w = 5, h = 3, c = 2;
    Image im = Image::make(w, h, c, depth);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        for (int k = 0; k < c; ++k) {
          const size_t i = (size_t(y) * w + x) * c + k;
          const int v = (y * w + x) * 2 + k;
          if (depth == 16)
            im.data16[i] = uint16_t(v * 300);
          else
            im.data8[i] = uint8_t(v);
        }
    for (int o = 1; o <= 8; ++o) {
      SCOPED_TRACE(o);
      Image r = apply_orientation(im, o);
      ASSERT_EQ(r.width, o >= 5 ? h : w);
      ASSERT_EQ(r.height, o >= 5 ? w : h);
      ASSERT_EQ(r.bit_depth, depth);
      for (int sy = 0; sy < h; ++sy)
        for (int sx = 0; sx < w; ++sx) {
          int dx, dy;
          expected_position(o, sx, sy, w, h, &dx, &dy);
          for (int k = 0; k < c; ++k) ASSERT_EQ(at(r, dx, dy, k), at(im, sx, sy, k));
        }
    }
    for (int o : {0, 9, -1}) {
      Image r = apply_orientation(im, o);
      EXPECT_EQ(r.width, w);
      EXPECT_EQ(r.data8, im.data8);
      EXPECT_EQ(r.data16, im.data16);
    }
  }
}
