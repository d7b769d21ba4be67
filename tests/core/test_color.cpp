// Colour room: the scalar formulas against published values, round trips, and the fast bulk
// paths against the scalar ones.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "colorize/color.h"

using namespace colorize;

namespace {

Image random_image(int w, int h, int channels, int depth, uint32_t seed) {
  Image im = Image::make(w, h, channels, depth);
  std::mt19937 rng(seed);
  for (auto& v : im.data8) v = static_cast<uint8_t>(rng() & 0xff);
  for (auto& v : im.data16) v = static_cast<uint16_t>(rng() & 0xffff);
  return im;
}

Rgb pixel01(const Image& im, size_t i) {
  const int x = static_cast<int>(i % im.width), y = static_cast<int>(i / im.width);
  if (im.is_grey()) {
    const float v = im.sample01(x, y, 0);
    return {v, v, v};
  }
  return {im.sample01(x, y, 0), im.sample01(x, y, 1), im.sample01(x, y, 2)};
}

// Independent reference for grey levels, written out from the definitions (IEC 61966-2-1,
// CIE 15): for a grey, Y equals the linear value and L* needs no matrix.
double ref_grey_lightness(double srgb) {
  const double lin = srgb <= 0.04045 ? srgb / 12.92 : std::pow((srgb + 0.055) / 1.055, 2.4);
  const double eps = 216.0 / 24389.0, kappa = 24389.0 / 27.0;
  return lin > eps ? 116.0 * std::cbrt(lin) - 16.0 : kappa * lin;
}

void expect_lab(const Lab& lab, double L, double a, double b, double tol) {
  EXPECT_NEAR(lab.L, L, tol);
  EXPECT_NEAR(lab.a, a, tol);
  EXPECT_NEAR(lab.b, b, tol);
}

}  // namespace

// ---- transfer function ----------------------------------------------------------------

TEST(ColorTransfer, KneeAndKnownValues) {
  EXPECT_FLOAT_EQ(srgb_to_linear(0.0f), 0.0f);
  EXPECT_FLOAT_EQ(srgb_to_linear(1.0f), 1.0f);
  EXPECT_NEAR(srgb_to_linear(0.04045f), 0.0031308f, 1e-7);  // the knee, both segments
  EXPECT_NEAR(srgb_to_linear(0.5f), 0.214041f, 1e-6);
  EXPECT_NEAR(linear_to_srgb(0.18f), 0.461356f, 2e-6);       // 18% grey
  EXPECT_NEAR(linear_to_srgb(0.0031308f), 0.04045f, 1e-6);
  EXPECT_NEAR(linear_to_srgb(0.001f), 0.01292f, 1e-7);       // linear segment
}

TEST(ColorTransfer, RoundTripAndMonotonic) {
  float prev = -1.0f;
  for (int i = 0; i <= 1000; ++i) {
    const float v = i / 1000.0f;
    const float lin = srgb_to_linear(v);
    EXPECT_GT(lin, prev);
    prev = lin;
    EXPECT_NEAR(linear_to_srgb(lin), v, 2e-6f);
  }
}

TEST(ColorTransfer, AcceptsValuesOutsideUnitRangeWithoutClamping) {
  EXPECT_LT(srgb_to_linear(-0.1f), 0.0f);
  EXPECT_GT(srgb_to_linear(1.2f), 1.0f);
  EXPECT_GT(linear_to_srgb(1.5f), 1.0f);
}

// ---- matrices --------------------------------------------------------------------------

TEST(ColorMatrix, MatchesPublishedSrgbMatrix) {
  // Lindbloom's sRGB (D65) RGB -> XYZ matrix, columns = XYZ of the R, G, B primaries.
  const double M[3][3] = {{0.4124564, 0.3575761, 0.1804375},
                          {0.2126729, 0.7151522, 0.0721750},
                          {0.0193339, 0.1191920, 0.9503041}};
  for (int c = 0; c < 3; ++c) {
    Rgb unit;
    (c == 0 ? unit.r : c == 1 ? unit.g : unit.b) = 1.0f;
    const Xyz xyz = linear_rgb_to_xyz(unit);
    EXPECT_NEAR(xyz.x, M[0][c], 1e-6);
    EXPECT_NEAR(xyz.y, M[1][c], 1e-6);
    EXPECT_NEAR(xyz.z, M[2][c], 1e-6);
  }
  // And the published inverse.
  const double Mi[3][3] = {{3.2404542, -1.5371385, -0.4985314},
                           {-0.9692660, 1.8760108, 0.0415560},
                           {0.0556434, -0.2040259, 1.0572252}};
  for (int c = 0; c < 3; ++c) {
    Xyz unit;
    (c == 0 ? unit.x : c == 1 ? unit.y : unit.z) = 1.0f;
    const Rgb rgb = xyz_to_linear_rgb(unit);
    EXPECT_NEAR(rgb.r, Mi[0][c], 2e-6);
    EXPECT_NEAR(rgb.g, Mi[1][c], 2e-6);
    EXPECT_NEAR(rgb.b, Mi[2][c], 2e-6);
  }
}

TEST(ColorMatrix, WhiteIsD65) {
  const Xyz w = linear_rgb_to_xyz({1, 1, 1});
  EXPECT_NEAR(w.x, 0.95047, 1e-6);
  EXPECT_NEAR(w.y, 1.00000, 1e-6);
  EXPECT_NEAR(w.z, 1.08883, 1e-6);
  const Rgb back = xyz_to_linear_rgb({0.95047f, 1.0f, 1.08883f});
  EXPECT_NEAR(back.r, 1.0, 1e-6);
  EXPECT_NEAR(back.g, 1.0, 1e-6);
  EXPECT_NEAR(back.b, 1.0, 1e-6);
}

TEST(ColorMatrix, InverseRoundTrip) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (int i = 0; i < 1000; ++i) {
    const Rgb c{u(rng), u(rng), u(rng)};
    const Rgb r = xyz_to_linear_rgb(linear_rgb_to_xyz(c));
    EXPECT_NEAR(r.r, c.r, 1e-6);
    EXPECT_NEAR(r.g, c.g, 1e-6);
    EXPECT_NEAR(r.b, c.b, 1e-6);
  }
}

// ---- CIELAB ------------------------------------------------------------------------------

TEST(ColorLab, PublishedValuesOfSrgbPrimariesAndSecondaries) {
  // Widely published sRGB (D65) -> CIELAB values (e.g. Lindbloom's calculator), 2 decimals.
  expect_lab(srgb_to_lab({1, 1, 1}), 100.0, 0.0, 0.0, 1e-3);
  expect_lab(srgb_to_lab({0, 0, 0}), 0.0, 0.0, 0.0, 1e-6);
  expect_lab(srgb_to_lab({1, 0, 0}), 53.24, 80.09, 67.20, 0.01);
  expect_lab(srgb_to_lab({0, 1, 0}), 87.73, -86.18, 83.18, 0.01);
  expect_lab(srgb_to_lab({0, 0, 1}), 32.30, 79.19, -107.86, 0.01);
  expect_lab(srgb_to_lab({1, 1, 0}), 97.14, -21.55, 94.48, 0.01);
  expect_lab(srgb_to_lab({0, 1, 1}), 91.11, -48.09, -14.13, 0.01);
  expect_lab(srgb_to_lab({1, 0, 1}), 60.32, 98.23, -60.82, 0.01);
}

TEST(ColorLab, GreysAreNeutralWithKnownLightness) {
  // sRGB 128 -> L* 53.585 (published); sRGB 119 is the familiar "L* = 50" grey.
  expect_lab(srgb_to_lab({128 / 255.f, 128 / 255.f, 128 / 255.f}), 53.585, 0.0, 0.0, 2e-3);
  EXPECT_NEAR(srgb_to_lab({119 / 255.f, 119 / 255.f, 119 / 255.f}).L, 50.0, 0.05);
  for (int v = 0; v <= 255; ++v) {
    const float s = v / 255.0f;
    const Lab lab = srgb_to_lab({s, s, s});
    EXPECT_NEAR(lab.L, ref_grey_lightness(s), 1e-3) << v;
    EXPECT_NEAR(lab.a, 0.0, 1e-3) << v;
    EXPECT_NEAR(lab.b, 0.0, 1e-3) << v;
  }
}

TEST(ColorLab, XyzLabRoundTripIncludingDarkBranch) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (int i = 0; i < 2000; ++i) {
    // Half the samples far below epsilon (0.0089) to exercise the linear branch.
    const float s = i % 2 ? 1.0f : 0.005f;
    const Xyz c{u(rng) * s * 0.95f, u(rng) * s, u(rng) * s * 1.08f};
    const Xyz r = lab_to_xyz(xyz_to_lab(c));
    EXPECT_NEAR(r.x, c.x, 2e-6);
    EXPECT_NEAR(r.y, c.y, 2e-6);
    EXPECT_NEAR(r.z, c.z, 2e-6);
  }
  // The dark branch is L* = kappa * Y.
  EXPECT_NEAR(xyz_to_lab({0.0, 0.005f, 0.0}).L, 24389.0 / 27.0 * 0.005, 1e-4);
  // Continuity at the branch point L* = 8.
  EXPECT_NEAR(lab_to_xyz({8.0001f, 0, 0}).y, lab_to_xyz({7.9999f, 0, 0}).y, 1e-6);
}

TEST(ColorLab, SrgbRoundTripOverDenseGrid) {
  double worst = 0;
  for (int r = 0; r <= 255; r += 5) {
    for (int g = 0; g <= 255; g += 5) {
      for (int b = 0; b <= 255; b += 5) {
        const Rgb c{r / 255.f, g / 255.f, b / 255.f};
        const Rgb back = lab_to_srgb(srgb_to_lab(c));
        worst = std::max({worst, std::fabs(double(back.r) - c.r), std::fabs(double(back.g) - c.g),
                          std::fabs(double(back.b) - c.b)});
      }
    }
  }
  EXPECT_LT(worst, 0.5 / 255.0);  // the contract for 8-bit data
  EXPECT_LT(worst, 1e-4);         // what double-precision internals actually give
}

TEST(ColorLab, GamutCheck) {
  EXPECT_TRUE(lab_in_srgb_gamut({100, 0, 0}));
  EXPECT_TRUE(lab_in_srgb_gamut({0, 0, 0}));
  EXPECT_TRUE(lab_in_srgb_gamut({50, 0, 0}));
  EXPECT_TRUE(lab_in_srgb_gamut(srgb_to_lab({1, 0, 0})));
  EXPECT_TRUE(lab_in_srgb_gamut(srgb_to_lab({0, 0, 1})));
  EXPECT_FALSE(lab_in_srgb_gamut({50, 100, 0}));   // more saturated than sRGB red
  EXPECT_FALSE(lab_in_srgb_gamut({90, 0, -80}));   // a light saturated blue
  EXPECT_FALSE(lab_in_srgb_gamut({101, 0, 0}));    // brighter than white
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_FALSE(lab_in_srgb_gamut({nan, 0, 0}));
  // Tolerance: a colour slightly outside passes with a loose enough tolerance.
  const Lab near_red = srgb_to_lab({1.01f, 0, 0});
  EXPECT_FALSE(lab_in_srgb_gamut(near_red, 0.0f));
  EXPECT_TRUE(lab_in_srgb_gamut(near_red, 0.02f));
}

// ---- bulk paths against the scalar ones ----------------------------------------------

struct BulkCase { int channels, depth; };

class ColorBulk : public ::testing::TestWithParam<BulkCase> {};

TEST_P(ColorBulk, ImageToLabMatchesScalar) {
  const BulkCase c = GetParam();
  const Image im = random_image(173, 97, c.channels, c.depth, 1234 + c.channels * 16 + c.depth);
  Plane L, a, b;
  image_to_lab(im, &L, &a, &b);
  ASSERT_EQ(L.width, im.width);
  ASSERT_EQ(L.height, im.height);
  ASSERT_EQ(a.size(), im.pixel_count());
  ASSERT_EQ(b.size(), im.pixel_count());
  double worst = 0;
  for (size_t i = 0; i < im.pixel_count(); ++i) {
    const Lab ref = srgb_to_lab(pixel01(im, i));
    worst = std::max({worst, std::fabs(double(L.data[i]) - ref.L),
                      std::fabs(double(a.data[i]) - ref.a), std::fabs(double(b.data[i]) - ref.b)});
    if (im.is_grey()) {
      ASSERT_EQ(a.data[i], 0.0f);  // exactly
      ASSERT_EQ(b.data[i], 0.0f);
    }
  }
  EXPECT_LT(worst, 0.01);
  // L* alone (the fastest path) is the same plane.
  const Plane L2 = image_lightness(im);
  ASSERT_EQ(L2.size(), L.size());
  for (size_t i = 0; i < L.size(); ++i) ASSERT_NEAR(L2.data[i], L.data[i], 1e-4f);
}

INSTANTIATE_TEST_SUITE_P(AllLayouts, ColorBulk,
                         ::testing::Values(BulkCase{1, 8}, BulkCase{2, 8}, BulkCase{3, 8},
                                           BulkCase{4, 8}, BulkCase{1, 16}, BulkCase{2, 16},
                                           BulkCase{3, 16}, BulkCase{4, 16}));

TEST(ColorBulkExhaustive, EveryGreyLevelAnd8BitColourGrid) {
  // All 256 grey levels, and every 3rd value of each channel of 8-bit RGB (636,056 colours).
  Image grey = Image::make(256, 1, 1, 8);
  for (int v = 0; v < 256; ++v) grey.data8[v] = static_cast<uint8_t>(v);
  const Plane Lg = image_lightness(grey);
  for (int v = 0; v < 256; ++v) EXPECT_NEAR(Lg.data[v], ref_grey_lightness(v / 255.0), 1e-4);

  const int steps = 86;  // 0, 3, ..., 255
  Image im = Image::make(steps * steps, steps, 3, 8);
  for (int r = 0; r < steps; ++r)
    for (int g = 0; g < steps; ++g)
      for (int b = 0; b < steps; ++b) {
        uint8_t* p = &im.data8[((static_cast<size_t>(r) * steps + g) * steps + b) * 3];
        p[0] = static_cast<uint8_t>(3 * r);
        p[1] = static_cast<uint8_t>(3 * g);
        p[2] = static_cast<uint8_t>(3 * b);
      }
  Plane L, a, b;
  image_to_lab(im, &L, &a, &b);
  double worst = 0;
  for (size_t i = 0; i < im.pixel_count(); ++i) {
    const Lab ref = srgb_to_lab(pixel01(im, i));
    worst = std::max({worst, std::fabs(double(L.data[i]) - ref.L),
                      std::fabs(double(a.data[i]) - ref.a), std::fabs(double(b.data[i]) - ref.b)});
  }
  EXPECT_LT(worst, 0.01);
}

TEST(ColorBulk, NullOutputsAndEmptyImages) {
  const Image im = random_image(10, 5, 3, 8, 5);
  Plane a;
  image_to_lab(im, nullptr, &a, nullptr);
  EXPECT_EQ(a.size(), 50u);
  image_to_lab(im, nullptr, nullptr, nullptr);  // nothing asked, nothing done

  Plane L(3, 3, 7.0f);
  image_to_lab(Image{}, &L, nullptr, nullptr);
  EXPECT_TRUE(L.empty());
  EXPECT_TRUE(image_lightness(Image{}).empty());
  EXPECT_TRUE(to_greyscale(Image{}).empty());

  // Images that break their own contract are treated as empty, not read out of bounds.
  Image short_buffer = random_image(10, 5, 3, 8, 5);
  short_buffer.data8.resize(20);
  Image bad_depth = random_image(10, 5, 3, 8, 5);
  bad_depth.bit_depth = 12;
  Image bad_channels = random_image(10, 5, 3, 8, 5);
  bad_channels.channels = 7;
  for (const Image* im : {&short_buffer, &bad_depth, &bad_channels}) {
    EXPECT_TRUE(image_lightness(*im).empty());
    EXPECT_TRUE(to_greyscale(*im).empty());
  }
}

TEST(ColorBulk, ReusesPlanesOfTheRightSizeAndResizesOthers) {
  const Image im = random_image(20, 10, 3, 8, 6);
  Plane L(20, 10, -1.0f), a(3, 3, 0.0f), b;
  image_to_lab(im, &L, &a, &b);
  const Plane ref = image_lightness(im);
  EXPECT_EQ(L.data, ref.data);
  EXPECT_EQ(a.width, 20);
  EXPECT_EQ(a.height, 10);
  EXPECT_EQ(a.size(), 200u);
  EXPECT_EQ(b.size(), 200u);
}

TEST(ColorBulk, LabToImageMatchesScalarRounding) {
  // Random Lab over (and beyond) the sRGB gamut: each output code must be the scalar sRGB
  // value, clamped to [0, 1], rounded to the nearest of 0..255.
  const int w = 211, h = 53;
  Plane L(w, h), a(w, h), b(w, h);
  std::mt19937 rng(99);
  std::uniform_real_distribution<float> uL(-5.0f, 105.0f), uab(-130.0f, 130.0f);
  for (size_t i = 0; i < L.size(); ++i) {
    L.data[i] = uL(rng);
    a.data[i] = uab(rng);
    b.data[i] = uab(rng);
  }
  const Image out = lab_to_image(L, a, b);
  ASSERT_EQ(out.width, w);
  ASSERT_EQ(out.height, h);
  ASSERT_EQ(out.channels, 3);
  ASSERT_EQ(out.bit_depth, 8);
  ASSERT_EQ(out.data8.size(), L.size() * 3);
  double worst = 0;
  for (size_t i = 0; i < L.size(); ++i) {
    const Rgb s = lab_to_srgb({L.data[i], a.data[i], b.data[i]});
    const float ch[3] = {s.r, s.g, s.b};
    for (int c = 0; c < 3; ++c) {
      const double want = 255.0 * std::min(1.0, std::max(0.0, double(ch[c])));
      worst = std::max(worst, std::fabs(out.data8[i * 3 + c] - want));
    }
  }
  EXPECT_LE(worst, 0.5 + 0.01);
}

TEST(ColorBulk, LabToImageInvertsImageToLabExactly) {
  // Every 8-bit grey, and a grid of colours, survive RGB -> Lab planes -> RGB unchanged.
  const int steps = 52;  // 0, 5, ..., 255
  Image im = Image::make(steps * steps + 256, steps, 3, 8);
  size_t i = 0;
  for (int r = 0; r < steps; ++r)
    for (int g = 0; g < steps; ++g)
      for (int b = 0; b < steps; ++b, ++i) {
        im.data8[i * 3 + 0] = static_cast<uint8_t>(5 * r);
        im.data8[i * 3 + 1] = static_cast<uint8_t>(5 * g);
        im.data8[i * 3 + 2] = static_cast<uint8_t>(5 * b);
      }
  for (int v = 0; v < 256 * steps && i < im.pixel_count(); ++v, ++i)
    for (int c = 0; c < 3; ++c) im.data8[i * 3 + c] = static_cast<uint8_t>(v % 256);
  Plane L, a, b;
  image_to_lab(im, &L, &a, &b);
  const Image back = lab_to_image(L, a, b);
  ASSERT_EQ(back.data8.size(), im.data8.size());
  size_t mismatches = 0;
  for (size_t k = 0; k < im.data8.size(); ++k) mismatches += back.data8[k] != im.data8[k];
  EXPECT_EQ(mismatches, 0u);
}

TEST(ColorBulk, LabToImageClamps) {
  Plane L(6, 1), a(6, 1), b(6, 1);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float in[6][3] = {{0, 0, 0},    {100, 0, 0}, {150, 0, 0},
                          {-20, 0, 0},  {50, 200, 0}, {nan, 0, 0}};
  for (int i = 0; i < 6; ++i) {
    L.data[i] = in[i][0];
    a.data[i] = in[i][1];
    b.data[i] = in[i][2];
  }
  const Image out = lab_to_image(L, a, b);
  ASSERT_EQ(out.data8.size(), 18u);
  const uint8_t* p = out.data8.data();
  EXPECT_EQ(p[0], 0); EXPECT_EQ(p[1], 0); EXPECT_EQ(p[2], 0);
  EXPECT_EQ(p[3], 255); EXPECT_EQ(p[4], 255); EXPECT_EQ(p[5], 255);
  EXPECT_EQ(p[6], 255); EXPECT_EQ(p[7], 255); EXPECT_EQ(p[8], 255);  // brighter than white
  EXPECT_EQ(p[9], 0); EXPECT_EQ(p[10], 0); EXPECT_EQ(p[11], 0);      // darker than black
  EXPECT_EQ(p[12], 255);  // far beyond red: R saturates, G clamps at 0
  EXPECT_EQ(p[13], 0);
  EXPECT_EQ(p[15], 0);    // NaN -> 0, not garbage
}

TEST(ColorBulk, LabToImageRejectsMismatchedPlanes) {
  EXPECT_TRUE(lab_to_image(Plane(4, 4), Plane(4, 3), Plane(4, 4)).empty());
  EXPECT_TRUE(lab_to_image(Plane(4, 4), Plane(4, 4), Plane(5, 4)).empty());
  EXPECT_TRUE(lab_to_image(Plane(), Plane(), Plane()).empty());
}

// ---- to_greyscale ----------------------------------------------------------------------

class ColorGreyscale : public ::testing::TestWithParam<BulkCase> {};

TEST_P(ColorGreyscale, KeepsLightnessLayoutAndAlpha) {
  const BulkCase c = GetParam();
  const Image im = random_image(131, 67, c.channels, c.depth, 77 + c.channels + c.depth);
  const Image g = to_greyscale(im);
  ASSERT_EQ(g.width, im.width);
  ASSERT_EQ(g.height, im.height);
  ASSERT_EQ(g.bit_depth, im.bit_depth);
  ASSERT_EQ(g.channels, im.has_alpha() ? 2 : 1);
  ASSERT_EQ(c.depth == 16 ? g.data16.size() : g.data8.size(), g.sample_count());
  const double max_code = c.depth == 16 ? 65535.0 : 255.0;
  double worst_code = 0, worst_l = 0;
  for (size_t i = 0; i < im.pixel_count(); ++i) {
    const int x = static_cast<int>(i % im.width), y = static_cast<int>(i / im.width);
    // The grey of the same L* has the same luminance Y; its code is the rounded sRGB value.
    const Rgb s = pixel01(im, i);
    const float Y = linear_rgb_to_xyz({srgb_to_linear(s.r), srgb_to_linear(s.g),
                                       srgb_to_linear(s.b)}).y;
    const double want = max_code * linear_to_srgb(Y);
    const double got = g.sample01(x, y, 0) * max_code;
    worst_code = std::max(worst_code, std::fabs(got - want));
    const double l_in = srgb_to_lab(s).L;
    const double l_out = ref_grey_lightness(g.sample01(x, y, 0));
    worst_l = std::max(worst_l, std::fabs(l_out - l_in));
    if (im.has_alpha()) {
      ASSERT_EQ(g.sample01(x, y, 1), im.sample01(x, y, im.channels - 1));
    }
  }
  EXPECT_LE(worst_code, 0.5 + 0.01);
  // Half a code step in L*: < 0.28 at 8 bits (steepest near black: 0.5/255 * 903.3/12.92 =
  // 0.137; elsewhere dL*/dv stays below ~140), far less at 16 bits.
  EXPECT_LT(worst_l, c.depth == 16 ? 0.002 : 0.28);
}

INSTANTIATE_TEST_SUITE_P(AllLayouts, ColorGreyscale,
                         ::testing::Values(BulkCase{1, 8}, BulkCase{2, 8}, BulkCase{3, 8},
                                           BulkCase{4, 8}, BulkCase{1, 16}, BulkCase{2, 16},
                                           BulkCase{3, 16}, BulkCase{4, 16}));

TEST(ColorGreyscaleExact, GreyInputIsUnchanged) {
  const Image im = random_image(40, 30, 2, 8, 3);
  const Image g = to_greyscale(im);
  EXPECT_EQ(g.channels, 2);
  EXPECT_EQ(g.data8, im.data8);
}

TEST(ColorGreyscaleExact, ColourGreysMapToThemselvesEveryCode) {
  // An RGB image whose pixels are R = G = B: each must come back as the same code (all 256
  // 8-bit codes and all 65536 16-bit ones). This pins the encoders' tables.
  Image g8 = Image::make(256, 1, 3, 8);
  for (int v = 0; v < 256; ++v)
    for (int c = 0; c < 3; ++c) g8.data8[v * 3 + c] = static_cast<uint8_t>(v);
  const Image o8 = to_greyscale(g8);
  for (int v = 0; v < 256; ++v) EXPECT_EQ(o8.data8[v], v);

  const int n = 65536;
  Image g16 = Image::make(n, 1, 3, 16);
  for (int i = 0; i < n; ++i)
    for (int c = 0; c < 3; ++c) g16.data16[i * 3 + c] = static_cast<uint16_t>(i);
  const Image o16 = to_greyscale(g16);
  int wrong = 0;
  for (int i = 0; i < n; ++i) wrong += o16.data16[i] != i;
  EXPECT_EQ(wrong, 0);
}
