// Exemplar colorization (Welsh et al. 2002): chroma of the right sign lands in the right
// places on synthetic images; determinism; errors. Colours are built and measured with
// color.h's scalar CIELAB formulas.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <iostream>

#include "colorize/color.h"
#include "colorize/exemplar.h"

using namespace colorize;

namespace {

uint32_t lcg(uint32_t* s) {
  *s = *s * 1664525u + 1013904223u;
  return *s >> 8;
}

float noise(uint32_t* s) { return static_cast<float>(lcg(s)) / static_cast<float>(1u << 24); }

// Reference (8-bit RGB): left half smooth dark blue, right half bright textured yellow.
constexpr float kBlueL = 30, kBlueA = 12, kBlueB = -40;
constexpr float kYellowL = 78, kYellowA = 0, kYellowB = 45;  // in gamut for L* 66..90

Image make_reference(int w, int h) {
  Image im = Image::make(w, h, 3, 8);
  uint32_t seed = 5;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const bool yellow = x >= w / 2;
      const Lab lab = yellow ? Lab{kYellowL + 16.0f * (noise(&seed) - 0.5f), kYellowA, kYellowB}
                             : Lab{kBlueL, kBlueA, kBlueB};
      const Rgb c = lab_to_srgb(lab);
      uint8_t* p = &im.data8[(static_cast<size_t>(y) * w + x) * 3];
      p[0] = static_cast<uint8_t>(std::lround(std::min(1.0f, std::max(0.0f, c.r)) * 255));
      p[1] = static_cast<uint8_t>(std::lround(std::min(1.0f, std::max(0.0f, c.g)) * 255));
      p[2] = static_cast<uint8_t>(std::lround(std::min(1.0f, std::max(0.0f, c.b)) * 255));
    }
  return im;
}

// Target lightness with the same two kinds of region, arranged differently: top = bright
// textured, bottom = dark smooth.
bool target_is_bright(int, int y, int h) { return y < h / 2; }

Plane make_target_L(int w, int h) {
  Plane L(w, h);
  uint32_t seed = 77;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      L.at(x, y) = target_is_bright(x, y, h) ? 76.0f + 16.0f * (noise(&seed) - 0.5f) : 33.0f;
    }
  return L;
}

// Greyscale 8-bit image of a lightness plane.
Image grey_of(const Plane& L) {
  Image im = Image::make(L.width, L.height, 1, 8);
  for (size_t i = 0; i < L.size(); ++i) {
    const float v = lab_to_srgb(Lab{L.data[i], 0, 0}).r;
    im.data8[i] = static_cast<uint8_t>(std::lround(std::min(1.0f, std::max(0.0f, v)) * 255));
  }
  return im;
}

}  // namespace

TEST(Exemplar, TransfersChromaToMatchingRegions) {
  const Image ref = make_reference(160, 120);
  ASSERT_TRUE(lab_in_srgb_gamut(Lab{kBlueL, kBlueA, kBlueB}));
  ASSERT_TRUE(lab_in_srgb_gamut(Lab{kYellowL + 8, kYellowA, kYellowB}));
  ASSERT_TRUE(lab_in_srgb_gamut(Lab{kYellowL - 8, kYellowA, kYellowB}));
  const int w = 96, h = 64;
  const Plane L = make_target_L(w, h);
  const auto ab = exemplar_colorize(L, ref);
  ASSERT_TRUE(ab.ok()) << ab.status().to_string();
  ASSERT_EQ(ab->a.width, w);
  ASSERT_EQ(ab->b.height, h);
  int right = 0, total = 0;
  double bright_b = 0, dark_b = 0;
  int nb = 0, nd = 0;
  for (int y = 0; y < h; ++y) {
    if (std::abs(y - h / 2) <= 3) continue;  // the boundary rows mix both statistics
    for (int x = 0; x < w; ++x) {
      const float b = ab->b.at(x, y);
      const bool bright = target_is_bright(x, y, h);
      right += bright ? b > 20.0f : b < -20.0f;
      ++total;
      (bright ? bright_b : dark_b) += b;
      (bright ? nb : nd) += 1;
    }
  }
  EXPECT_GT(right, total * 95 / 100) << right << " of " << total;
  EXPECT_NEAR(bright_b / nb, kYellowB, 5.0);
  EXPECT_NEAR(dark_b / nd, kBlueB, 5.0);
}

// Reference: left a smooth blue ramp, right textured orange, both spanning L* 43..67.
// Target: top textured, bottom a smooth ramp over the same L*. Lightness alone cannot tell
// the regions apart; the neighbourhood standard deviation must. Returns the fraction of
// interior target pixels whose b* has the right sign.
double texture_score(float weight_luminance) {
  const Lab smooth{55, 12, -40}, textured{55, 20, 30};
  for (float dl : {-12.0f, 12.0f}) {
    EXPECT_TRUE(lab_in_srgb_gamut(Lab{textured.L + dl, textured.a, textured.b}));
    EXPECT_TRUE(lab_in_srgb_gamut(Lab{smooth.L + dl, smooth.a, smooth.b}));
  }
  const int rw = 120, rh = 90;
  Image ref = Image::make(rw, rh, 3, 8);
  uint32_t seed = 3;
  for (int y = 0; y < rh; ++y)
    for (int x = 0; x < rw; ++x) {
      Lab lab = x < rw / 2 ? smooth : textured;
      lab.L += x < rw / 2 ? 24.0f * (static_cast<float>(y) / (rh - 1) - 0.5f)
                          : 24.0f * (noise(&seed) - 0.5f);
      const Rgb c = lab_to_srgb(lab);
      uint8_t* p = &ref.data8[(static_cast<size_t>(y) * rw + x) * 3];
      p[0] = static_cast<uint8_t>(std::lround(c.r * 255));
      p[1] = static_cast<uint8_t>(std::lround(c.g * 255));
      p[2] = static_cast<uint8_t>(std::lround(c.b * 255));
    }
  const int w = 80, h = 60;
  Plane L(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      L.at(x, y) = y < h / 2 ? 55.0f + 24.0f * (noise(&seed) - 0.5f)
                             : 55.0f + 24.0f * (static_cast<float>(x) / (w - 1) - 0.5f);
    }
  ExemplarOptions o;
  o.weight_luminance = weight_luminance;
  const auto ab = exemplar_colorize(L, ref, o);
  EXPECT_TRUE(ab.ok());
  if (!ab.ok()) return 0;
  int right = 0, total = 0;
  for (int y = 0; y < h; ++y) {
    if (std::abs(y - h / 2) <= 3) continue;
    for (int x = 0; x < w; ++x) {
      right += y < h / 2 ? ab->b.at(x, y) > 0 : ab->b.at(x, y) < 0;
      ++total;
    }
  }
  return static_cast<double>(right) / total;
}

TEST(Exemplar, TextureDecidesWhenLightnessCannot) {
  const double with_texture = texture_score(0.5f);
  const double lightness_only = texture_score(1.0f);
  std::cout << "[exemplar] right-sign fraction: weights 0.5/0.5 " << with_texture
            << ", lightness only " << lightness_only << std::endl;
  EXPECT_GT(with_texture, 0.9);
  EXPECT_LT(lightness_only, 0.8);  // the test image does need the texture term
}

TEST(Exemplar, DeterministicForASeed) {
  const Image ref = make_reference(120, 90);
  const Plane L = make_target_L(64, 48);
  ExemplarOptions o;
  o.seed = 42;
  const auto one = exemplar_colorize(L, ref, o);
  const auto two = exemplar_colorize(L, ref, o);
  ASSERT_TRUE(one.ok());
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(one->a.data, two->a.data);
  EXPECT_EQ(one->b.data, two->b.data);
}

TEST(Exemplar, GreyReferenceGivesNoChroma) {
  Image ref = Image::make(50, 40, 1, 8);
  for (size_t i = 0; i < ref.data8.size(); ++i) ref.data8[i] = static_cast<uint8_t>(i * 37 % 256);
  const auto ab = exemplar_colorize(make_target_L(32, 32), ref);
  ASSERT_TRUE(ab.ok());
  for (float v : ab->a.data) ASSERT_EQ(v, 0.0f);
  for (float v : ab->b.data) ASSERT_EQ(v, 0.0f);
}

TEST(Exemplar, OneSampleColoursEverything) {
  // With a single sample every pixel takes its chroma: a uniform reference's colour.
  Image ref = Image::make(20, 20, 3, 16);
  const Rgb c = lab_to_srgb(Lab{60, -30, 20});
  for (size_t i = 0; i < ref.data16.size(); i += 3) {
    ref.data16[i] = static_cast<uint16_t>(std::lround(c.r * 65535));
    ref.data16[i + 1] = static_cast<uint16_t>(std::lround(c.g * 65535));
    ref.data16[i + 2] = static_cast<uint16_t>(std::lround(c.b * 65535));
  }
  ExemplarOptions o;
  o.samples = 1;
  const auto ab = exemplar_colorize(make_target_L(16, 16), ref, o);
  ASSERT_TRUE(ab.ok());
  for (float v : ab->a.data) ASSERT_NEAR(v, -30.0f, 0.05f);
  for (float v : ab->b.data) ASSERT_NEAR(v, 20.0f, 0.05f);
}

TEST(Exemplar, Errors) {
  const Image ref = make_reference(32, 32);
  const Plane L = make_target_L(16, 16);
  const auto code = [](const Result<AbPlanes>& r) { return r.status().code(); };
  EXPECT_EQ(code(exemplar_colorize(Plane(), ref)), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code(exemplar_colorize(L, Image())), ErrorCode::kInvalidArgument);
  ExemplarOptions o;
  o.samples = 0;
  EXPECT_EQ(code(exemplar_colorize(L, ref, o)), ErrorCode::kInvalidArgument);
  o = {};
  o.window = 4;
  EXPECT_EQ(code(exemplar_colorize(L, ref, o)), ErrorCode::kInvalidArgument);
  o.window = 17;
  EXPECT_EQ(code(exemplar_colorize(L, ref, o)), ErrorCode::kInvalidArgument);
  o = {};
  o.weight_luminance = 1.5f;
  EXPECT_EQ(code(exemplar_colorize(L, ref, o)), ErrorCode::kInvalidArgument);
}

TEST(ColorizeWithReference, WholePathColoursTheRightRegions) {
  const Image ref = make_reference(300, 200);
  const int w = 240, h = 180;
  const Image target = grey_of(make_target_L(w, h));
  PrepareOptions po;
  po.working_size = 128;
  const auto out = colorize_with_reference(target, ref, po);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ(out->width, w);
  EXPECT_EQ(out->height, h);
  EXPECT_EQ(out->channels, 3);
  double bright_b = 0, dark_b = 0;
  int nb = 0, nd = 0;
  for (int y = 0; y < h; ++y) {
    if (std::abs(y - h / 2) <= 8) continue;
    for (int x = 0; x < w; ++x) {
      const Lab lab =
          srgb_to_lab(Rgb{out->sample01(x, y, 0), out->sample01(x, y, 1), out->sample01(x, y, 2)});
      (target_is_bright(x, y, h) ? bright_b : dark_b) += lab.b;
      (target_is_bright(x, y, h) ? nb : nd) += 1;
    }
  }
  EXPECT_GT(bright_b / nb, 30.0);
  EXPECT_LT(dark_b / nd, -25.0);
}

TEST(ColorizeWithReference, PropagatesErrors) {
  EXPECT_EQ(colorize_with_reference(Image(), make_reference(8, 8)).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(colorize_with_reference(grey_of(make_target_L(8, 8)), Image()).status().code(),
            ErrorCode::kInvalidArgument);
}
