// Pixel values of corpus files, checked against the formulas scripts/make_corpus.py drew
// them with (lossless formats exactly, JPEG within a tolerance).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "colorize/image.h"
#include "test_image_util.h"

using namespace colorize;
using image_test::at;

namespace {

Image load(const std::string& name, const DecodeOptions& o = {}) {
  Result<Image> r = image_test::decode(image_test::corpus(name), o);
  EXPECT_TRUE(r.ok()) << name << ": " << r.status().to_string();
  return r.ok() ? *r : Image();
}

}  // namespace

TEST(ImagePixels, Grey16PngKeepsAll16Bits) {
  Image im = load("grey16.png");
  ASSERT_EQ(im.bit_depth, 16);
  for (int y = 0; y < im.height; ++y)
    for (int x = 0; x < im.width; ++x)
      ASSERT_EQ(at(im, x, y, 0), (x * 1000 + y * 2000 + 123) % 65536);
}

TEST(ImagePixels, Rgb16AndRgba16Png) {
  Image im = load("rgb16.png");
  ASSERT_EQ(im.channels, 3);
  for (int y = 0; y < im.height; ++y)
    for (int x = 0; x < im.width; ++x) {
      ASSERT_EQ(at(im, x, y, 0), (x * 2731 + 17) % 65536);
      ASSERT_EQ(at(im, x, y, 1), (y * 4099 + 5) % 65536);
      ASSERT_EQ(at(im, x, y, 2), ((x + y) * 1111 + 999) % 65536);
    }
  Image a = load("rgba16.png");
  ASSERT_EQ(a.channels, 4);
  for (int y = 0; y < a.height; ++y)
    for (int x = 0; x < a.width; ++x) {
      ASSERT_EQ(at(a, x, y, 0), x * 8000);
      ASSERT_EQ(at(a, x, y, 1), y * 8000);
      ASSERT_EQ(at(a, x, y, 2), 65535 - x * 4000);
      ASSERT_EQ(at(a, x, y, 3), (x * y * 1000 + 1) % 65536);
    }
  EXPECT_FLOAT_EQ(a.sample01(7, 0, 2), (65535 - 7 * 4000) / 65535.0f);
}

TEST(ImagePixels, AlphaPngs) {
  Image ga = load("grey_alpha.png");
  ASSERT_EQ(ga.channels, 2);
  for (int y = 0; y < ga.height; ++y)
    for (int x = 0; x < ga.width; ++x) {
      ASSERT_EQ(at(ga, x, y, 0), x * 8);
      ASSERT_EQ(at(ga, x, y, 1), 255 - y * 12);
    }
  Image rgba = load("rgba.png");
  ASSERT_EQ(rgba.channels, 4);
  for (int y = 0; y < rgba.height; ++y)
    for (int x = 0; x < rgba.width; ++x) {
      ASSERT_EQ(at(rgba, x, y, 0), x * 8);
      ASSERT_EQ(at(rgba, x, y, 1), y * 10);
      ASSERT_EQ(at(rgba, x, y, 2), (x + y) * 4);
      ASSERT_EQ(at(rgba, x, y, 3), (x * 7 + y * 3) % 256);
    }
}

TEST(ImagePixels, PalettePngsExpand) {
  const int pal[4][3] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 0}};
  const int alpha[4] = {255, 128, 0, 64};
  Image p = load("palette.png");
  Image t = load("palette_trns.png");
  ASSERT_EQ(p.channels, 3);
  ASSERT_EQ(t.channels, 4);
  for (int y = 0; y < 32; ++y)
    for (int x = 0; x < 32; ++x) {
      const int i = (x / 8 + y / 8) % 4;
      for (int c = 0; c < 3; ++c) {
        ASSERT_EQ(at(p, x, y, c), pal[i][c]);
        ASSERT_EQ(at(t, x, y, c), pal[i][c]);
      }
      ASSERT_EQ(at(t, x, y, 3), alpha[i]);
    }
}

TEST(ImagePixels, GreyWithTrnsAndOneBitGrey) {
  Image g = load("grey_trns.png");  // grey value x * 16; value 0 is transparent
  ASSERT_EQ(g.channels, 2);
  for (int y = 0; y < g.height; ++y)
    for (int x = 0; x < g.width; ++x) {
      ASSERT_EQ(at(g, x, y, 0), x * 16);
      ASSERT_EQ(at(g, x, y, 1), x == 0 ? 0 : 255);
    }
  Image b = load("grey_1bit.png");  // (x + y) % 2, scaled to 0 / 255
  ASSERT_EQ(b.channels, 1);
  for (int y = 0; y < b.height; ++y)
    for (int x = 0; x < b.width; ++x) ASSERT_EQ(at(b, x, y, 0), (x + y) % 2 ? 255 : 0);
}

TEST(ImagePixels, InterlacedOneAndTallPngs) {
  Image im = load("interlaced.png");
  for (int y = 0; y < im.height; ++y)
    for (int x = 0; x < im.width; ++x) {
      ASSERT_EQ(at(im, x, y, 0), x * 19);
      ASSERT_EQ(at(im, x, y, 1), y * 23);
      ASSERT_EQ(at(im, x, y, 2), (x * y) % 256);
    }
  Image one = load("one_pixel.png");
  ASSERT_EQ(one.sample_count(), 3u);
  EXPECT_EQ(at(one, 0, 0, 0), 10);
  EXPECT_EQ(at(one, 0, 0, 1), 200);
  EXPECT_EQ(at(one, 0, 0, 2), 30);
  Image tall = load("tall_1x4000.png");
  for (int y = 0; y < tall.height; ++y) ASSERT_EQ(at(tall, 0, y, 0), y % 256);
}

TEST(ImagePixels, Bmp) {
  Image im = load("rgb24.bmp");  // stored bottom-up; must come out top-down
  for (int y = 0; y < im.height; ++y)
    for (int x = 0; x < im.width; ++x) {
      ASSERT_EQ(at(im, x, y, 0), x * 12);
      ASSERT_EQ(at(im, x, y, 1), y * 25);
      ASSERT_EQ(at(im, x, y, 2), 200);
    }
  const int pal[4][3] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 0}};
  Image p = load("palette8.bmp");
  for (int y = 0; y < p.height; ++y)
    for (int x = 0; x < p.width; ++x)
      for (int c = 0; c < 3; ++c) ASSERT_EQ(at(p, x, y, c), pal[(x + y) % 4][c]);
}

TEST(ImagePixels, Tga) {
  Image a = load("rgba.tga");
  for (int y = 0; y < a.height; ++y)
    for (int x = 0; x < a.width; ++x) {
      ASSERT_EQ(at(a, x, y, 0), x * 16);
      ASSERT_EQ(at(a, x, y, 1), y * 20);
      ASSERT_EQ(at(a, x, y, 2), 100);
      ASSERT_EQ(at(a, x, y, 3), 255 - x * 10);
    }
  Image r = load("rgb_rle.tga");
  for (int y = 0; y < r.height; ++y)
    for (int x = 0; x < r.width; ++x) {
      ASSERT_EQ(at(r, x, y, 0), (x / 5) * 60);
      ASSERT_EQ(at(r, x, y, 1), y * 17);
      ASSERT_EQ(at(r, x, y, 2), 30);
    }
  Image g = load("grey.tga");
  for (int y = 0; y < g.height; ++y)
    for (int x = 0; x < g.width; ++x) ASSERT_EQ(at(g, x, y, 0), x * 25);
}

namespace {

// The first frame / page of anim.gif and two_pages.tif: red left half, blue right half (the
// second is all green).
void expect_red_left_blue_right(const Image& im) {
  ASSERT_EQ(im.channels, 3);
  for (int y = 0; y < im.height; ++y)
    for (int x = 0; x < im.width; ++x) {
      const bool left = x < 15;
      ASSERT_EQ(at(im, x, y, 0), left ? 255 : 0);
      ASSERT_EQ(at(im, x, y, 1), 0);
      ASSERT_EQ(at(im, x, y, 2), left ? 0 : 255);
    }
}

}  // namespace

TEST(ImagePixels, GifFirstFrame) { expect_red_left_blue_right(load("anim.gif")); }

TEST(ImagePixels, JpegsAreCloseToWhatWasDrawn) {
  // Drawn as R = 4x, G = 5y, B = 255 - 2x at quality 90; baseline and progressive.
  for (const char* name : {"baseline.jpg", "progressive.jpg", "trailing_garbage.jpg"}) {
    Image im = load(name);
    ASSERT_EQ(im.channels, 3) << name;
    double err = 0;
    for (int y = 0; y < im.height; ++y)
      for (int x = 0; x < im.width; ++x)
        err += std::abs(at(im, x, y, 0) - 4 * x) + std::abs(at(im, x, y, 1) - 5 * y) +
               std::abs(at(im, x, y, 2) - (255 - 2 * x));
    EXPECT_LT(err / (3.0 * im.pixel_count()), 3.0) << name;
  }
  Image g = load("grey.jpg");  // 6x
  double err = 0;
  for (int y = 0; y < g.height; ++y)
    for (int x = 0; x < g.width; ++x) err += std::abs(at(g, x, y, 0) - 6 * x);
  EXPECT_LT(err / g.pixel_count(), 3.0);
}

TEST(ImagePixels, ExifOrientationCanBeLeftAlone) {
  DecodeOptions keep;
  keep.apply_exif_orientation = false;
  Image im = load("exif6_ii.jpg", keep);
  EXPECT_EQ(im.width, 48);  // as stored
  EXPECT_EQ(im.height, 32);
  EXPECT_GT(at(im, 2, 2, 0), 170);  // the red block at the stored top-left
  EXPECT_LT(at(im, 2, 2, 1), 90);
  Image upright = load("exif6_ii.jpg");
  EXPECT_EQ(upright.width, 32);
  EXPECT_EQ(upright.height, 48);
  // Upright pixel (x, y) is stored pixel (y, H - 1 - x) for orientation 6.
  for (int y = 0; y < upright.height; ++y)
    for (int x = 0; x < upright.width; ++x)
      for (int c = 0; c < 3; ++c) ASSERT_EQ(at(upright, x, y, c), at(im, y, 31 - x, c));
}

// ------------------------------------------------------------------------------ TIFF
// Formulas as in make_corpus.py's tiff_files(); the files come from PIL (libtiff), libtiff's
// tiffcp and the script's own small writer.

TEST(ImagePixels, TiffFromLibtiffCompressions) {
  Image g = load("grey8_lzw.tif");  // LZW
  ASSERT_EQ(g.channels, 1);
  for (int y = 0; y < g.height; ++y)
    for (int x = 0; x < g.width; ++x) ASSERT_EQ(at(g, x, y, 0), (x * 6 + y * 3) % 256);
  // Deflate, and Deflate with the predictor in separate planes of 5-row strips.
  for (const char* name : {"rgb8_deflate.tif", "rgb8_planar_zip.tif"}) {
    SCOPED_TRACE(name);
    Image im = load(name);
    ASSERT_EQ(im.channels, 3);
    ASSERT_EQ(im.bit_depth, 8);
    for (int y = 0; y < im.height; ++y)
      for (int x = 0; x < im.width; ++x) {
        ASSERT_EQ(at(im, x, y, 0), x * 10);
        ASSERT_EQ(at(im, x, y, 1), y * 15);
        ASSERT_EQ(at(im, x, y, 2), (x + y) * 5);
      }
  }
  Image a = load("rgba8_packbits.tif");  // PackBits, straight alpha
  ASSERT_EQ(a.channels, 4);
  for (int y = 0; y < a.height; ++y)
    for (int x = 0; x < a.width; ++x) {
      ASSERT_EQ(at(a, x, y, 0), x * 16);
      ASSERT_EQ(at(a, x, y, 1), y * 20);
      ASSERT_EQ(at(a, x, y, 2), 100);
      ASSERT_EQ(at(a, x, y, 3), 255 - x * 10);
    }
}

TEST(ImagePixels, Tiff16BitTilesPredictorBigEndian) {
  // 35 x 21 in 16 x 16 tiles (the last column and row of tiles hang over the edge).
  Image g = load("grey16_tiles_pred_mm.tif");
  ASSERT_EQ(g.bit_depth, 16);
  ASSERT_EQ(g.width, 35);
  for (int y = 0; y < g.height; ++y)
    for (int x = 0; x < g.width; ++x)
      ASSERT_EQ(at(g, x, y, 0), (x * 1000 + y * 2000 + 123) % 65536);
  Image rgb = load("rgb16.tif");  // little-endian, directory after the data
  ASSERT_EQ(rgb.bit_depth, 16);
  for (int y = 0; y < rgb.height; ++y)
    for (int x = 0; x < rgb.width; ++x) {
      ASSERT_EQ(at(rgb, x, y, 0), (x * 2731 + 17) % 65536);
      ASSERT_EQ(at(rgb, x, y, 1), (y * 4099 + 5) % 65536);
      ASSERT_EQ(at(rgb, x, y, 2), ((x + y) * 1111 + 999) % 65536);
    }
}

TEST(ImagePixels, TiffBelowEightBits) {
  // Bilevel (black = 0), in both bit orders: (x + y) odd is white.
  for (const char* name : {"bilevel.tif", "bilevel_lsb.tif"}) {
    SCOPED_TRACE(name);
    Image b = load(name);
    ASSERT_EQ(b.channels, 1);
    for (int y = 0; y < b.height; ++y)
      for (int x = 0; x < b.width; ++x) ASSERT_EQ(at(b, x, y, 0), (x + y) % 2 ? 255 : 0);
  }
  // 4-bit WhiteIsZero: stored v = (x + y) % 16 means grey (15 - v) * 17.
  Image w = load("grey4_miniswhite.tif");
  for (int y = 0; y < w.height; ++y)
    for (int x = 0; x < w.width; ++x) ASSERT_EQ(at(w, x, y, 0), (15 - (x + y) % 16) * 17);
  // 4-bit palette: index (3x + y) % 16 -> (i * 17, 255 - i * 17, (i * 50) % 256).
  Image p = load("palette4.tif");
  ASSERT_EQ(p.channels, 3);
  for (int y = 0; y < p.height; ++y)
    for (int x = 0; x < p.width; ++x) {
      const int i = (x * 3 + y) % 16;
      ASSERT_EQ(at(p, x, y, 0), i * 17);
      ASSERT_EQ(at(p, x, y, 1), 255 - i * 17);
      ASSERT_EQ(at(p, x, y, 2), (i * 50) % 256);
    }
}

TEST(ImagePixels, TiffPremultipliedAlphaComesOutStraight) {
  Image im = load("grey_premultiplied.tif");
  ASSERT_EQ(im.channels, 2);
  for (int y = 0; y < im.height; ++y)
    for (int x = 0; x < im.width; ++x) {
      const int a = 255 - y * 60;
      ASSERT_EQ(at(im, x, y, 1), a);
      // Stored floor(v * a / 255), which loses up to one step of 255 / a in v; undone with
      // rounding, so within 255 / a + 1/2 of v.
      ASSERT_LE(std::abs(at(im, x, y, 0) - x * 30), 255.0 / a + 0.5) << x << "," << y;
    }
}

TEST(ImagePixels, TiffPagesAreCounted) {
  auto pages = [](const std::vector<uint8_t>& bytes) {
    Result<ImageInfo> info = probe_image(bytes.data(), bytes.size());
    EXPECT_TRUE(info.ok()) << info.status().to_string();
    return info.ok() ? info->pages : -1;
  };
  EXPECT_EQ(pages(image_test::corpus("two_pages.tif")), 2);
  // A reduced-resolution copy (NewSubfileType 1) between the pages is not a page.
  EXPECT_EQ(pages(image_test::corpus("thumb_between_pages.tif")), 2);
  EXPECT_EQ(pages(image_test::corpus("grey8_lzw.tif")), 1);
  EXPECT_EQ(pages(image_test::corpus("rgba.png")), 1);
  // A directory whose "next" points back at itself: one page, and the count ends.
  std::vector<uint8_t> loop = image_test::corpus("grey4_miniswhite.tif");  // II, directory at 8
  ASSERT_GE(loop.size(), 16u);
  const size_t entries = loop[8] | (loop[9] << 8);
  const size_t next = 8 + 2 + entries * 12;
  ASSERT_LE(next + 4, loop.size());
  loop[next] = 8;
  loop[next + 1] = loop[next + 2] = loop[next + 3] = 0;
  EXPECT_EQ(pages(loop), 1);
}

TEST(ImagePixels, TiffPageHeadersAreTheirOwn) {
  // make_corpus.py: pages_dpi.tif, page 1 at 300 dpi, page 2 at 600 dpi.
  const std::vector<uint8_t> bytes = image_test::corpus("pages_dpi.tif");
  for (int page : {1, 2}) {
    Result<ImageInfo> info = probe_image(bytes.data(), bytes.size(), page);
    ASSERT_TRUE(info.ok()) << info.status().to_string();
    EXPECT_EQ(info->pages, 2);
    EXPECT_DOUBLE_EQ(info->dpi_x, page * 300.0);
    EXPECT_DOUBLE_EQ(info->dpi_y, page * 300.0);
  }
  EXPECT_EQ(probe_image(bytes.data(), bytes.size(), 3).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST(ImagePixels, TiffFirstPageOnly) {
  expect_red_left_blue_right(load("two_pages.tif"));
  expect_red_left_blue_right(load("thumb_between_pages.tif"));
}

TEST(ImagePixels, TiffAnyPageOnRequest) {
  // make_corpus.py: page 2 of both files is solid green (0, 255, 0), 30 x 20; in
  // thumb_between_pages.tif a 15 x 10 reduced-resolution copy of page 1 comes between.
  DecodeOptions second;
  second.page = 2;
  for (const char* name : {"two_pages.tif", "thumb_between_pages.tif"}) {
    SCOPED_TRACE(name);
    const Image im = load(name, second);
    ASSERT_EQ(im.width, 30);
    ASSERT_EQ(im.height, 20);
    for (int y = 0; y < im.height; ++y)
      for (int x = 0; x < im.width; ++x) {
        ASSERT_EQ(at(im, x, y, 0), 0);
        ASSERT_EQ(at(im, x, y, 1), 255);
        ASSERT_EQ(at(im, x, y, 2), 0);
      }
  }
  DecodeOptions o;
  for (int page : {3, 0, -1}) {
    o.page = page;
    Result<Image> r = image_test::decode(image_test::corpus("two_pages.tif"), o);
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << page;
  }
  o.page = 3;
  EXPECT_NE(image_test::decode(image_test::corpus("two_pages.tif"), o)
                .status()
                .message()
                .find("holds 2 pages; there is no page 3"),
            std::string::npos);
  o.page = 2;
  EXPECT_EQ(image_test::decode(image_test::corpus("rgba.png"), o).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST(ImagePixels, TiffOrientationCanBeLeftAlone) {
  DecodeOptions keep;
  keep.apply_exif_orientation = false;
  Image im = load("orient6_mm.tif", keep);
  ASSERT_EQ(im.width, 48);
  ASSERT_EQ(im.height, 32);
  EXPECT_EQ(at(im, 2, 2, 0), 230);  // stored exactly (uncompressed)
  Image upright = load("orient6_mm.tif");
  ASSERT_EQ(upright.width, 32);
  for (int y = 0; y < upright.height; ++y)
    for (int x = 0; x < upright.width; ++x)
      for (int c = 0; c < 3; ++c) ASSERT_EQ(at(upright, x, y, c), at(im, y, 31 - x, c));
}
