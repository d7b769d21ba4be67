// Edge bleeding: the measured figure behind "edge-aware upsampling bleeds less colour across
// edges than bilinear". A bright object on a dark field at full resolution; the chroma is
// given at the working size, coloured on the object and grey outside, as a model would
// predict it there. We measure, at full resolution and in CIELAB measured from finish's
// output pixels (color.h's scalar formulas), the chroma that leaks into a band of pixels
// just outside the object's edge and the chroma lost in a band just inside.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <iostream>

#include "colorize/color.h"
#include "colorize/pipeline.h"

using namespace colorize;

namespace {

constexpr int kW = 1000, kH = 750;
// The object: a rectangle whose edges fall at fractional working-pixel positions.
constexpr int kX0 = 301, kX1 = 702, kY0 = 203, kY1 = 558;
constexpr float kDark = 25.0f, kBright = 75.0f;
// The object's chroma: C* = 40 at hue 330 degrees, inside the sRGB gamut at both L* values
// (so the gamut clamp plays no part in the figures).
constexpr float kA = 34.641f, kB = -20.0f;
constexpr int kBand = 6;  // band width in full-resolution pixels

bool inside(int x, int y) { return x >= kX0 && x < kX1 && y >= kY0 && y < kY1; }

// Chebyshev distance to the object's boundary: > 0 outside, <= 0 inside (1 = first row out).
int signed_distance(int x, int y) {
  const int dx = std::max(kX0 - x, x - (kX1 - 1));
  const int dy = std::max(kY0 - y, y - (kY1 - 1));
  if (inside(x, y)) return std::max(dx, dy);  // 0 on the border row, negative deeper
  return std::max(dx, dy);
}

Image make_target() {
  Image im = Image::make(kW, kH, 1, 8);
  const auto code = [](float L) {
    return static_cast<uint8_t>(std::lround(255.0f * lab_to_srgb(Lab{L, 0, 0}).r));
  };
  const uint8_t dark = code(kDark), bright = code(kBright);
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x)
      im.data8[static_cast<size_t>(y) * kW + x] = inside(x, y) ? bright : dark;
  return im;
}

struct Bleed {
  double leaked = 0;  // mean C* in the band outside (ideal: 0)
  double lost = 0;    // mean C* missing in the band inside (ideal: 0; full loss = 40)
};

Bleed measure(const Image& out) {
  double leak_sum = 0, lost_sum = 0;
  int leak_n = 0, lost_n = 0;
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x) {
      const int d = signed_distance(x, y);
      const bool band_out = !inside(x, y) && d >= 1 && d <= kBand;
      const bool band_in = inside(x, y) && d > -kBand;
      if (!band_out && !band_in) continue;
      const Lab lab =
          srgb_to_lab(Rgb{out.sample01(x, y, 0), out.sample01(x, y, 1), out.sample01(x, y, 2)});
      const double c = std::hypot(lab.a, lab.b);
      if (band_out) {
        leak_sum += c;
        ++leak_n;
      } else {
        lost_sum += std::max(0.0, std::hypot(kA, kB) - c);
        ++lost_n;
      }
    }
  return {leak_sum / leak_n, lost_sum / lost_n};
}

// Chroma at working size. "soft": proportional to the object's coverage of each working
// pixel (what a good model predicts for pixels the edge passes through); "hard": full
// colour where the working pixel is mostly object, grey elsewhere.
AbPlanes working_chroma(const Prepared& p, bool soft) {
  AbPlanes ab{Plane(p.L_work.width, p.L_work.height), Plane(p.L_work.width, p.L_work.height)};
  for (size_t i = 0; i < p.L_work.size(); ++i) {
    const float coverage =
        std::min(1.0f, std::max(0.0f, (p.L_work.data[i] - kDark) / (kBright - kDark)));
    const float w = soft ? coverage : (coverage > 0.5f ? 1.0f : 0.0f);
    ab.a.data[i] = kA * w;
    ab.b.data[i] = kB * w;
  }
  return ab;
}

}  // namespace

TEST(EdgeBleed, GuidedBleedsLessThanBilinear) {
  const Image im = make_target();
  auto prepared = prepare(im);  // working size 256 x 192: 3.9 full pixels per working pixel
  ASSERT_TRUE(prepared.ok());
  ASSERT_TRUE(lab_in_srgb_gamut(Lab{kBright, kA, kB}));
  ASSERT_TRUE(lab_in_srgb_gamut(Lab{kDark, kA, kB}));
  for (bool soft : {true, false}) {
    const AbPlanes ab = working_chroma(*prepared, soft);
    FinishOptions guided, bilinear;
    guided.upsampling = Upsampling::kGuided;
    bilinear.upsampling = Upsampling::kBilinear;
    const auto out_g = finish(im, *prepared, ab, guided);
    const auto out_b = finish(im, *prepared, ab, bilinear);
    ASSERT_TRUE(out_g.ok());
    ASSERT_TRUE(out_b.ok());
    const Bleed g = measure(*out_g), b = measure(*out_b);
    std::cout << std::fixed << std::setprecision(2) << "[edge bleed] " << kW << "x" << kH
              << ", working " << prepared->L_work.width << "x" << prepared->L_work.height << ", "
              << (soft ? "soft" : "hard") << " chroma, " << kBand << "-px bands, object C* = 40:\n"
              << "    guided:   leaked C* outside " << g.leaked << ", lost C* inside " << g.lost
              << "\n    bilinear: leaked C* outside " << b.leaked << ", lost C* inside " << b.lost
              << std::endl;
    // The edge-aware path must leak at most a third of what bilinear leaks, and lose less.
    EXPECT_LT(g.leaked, b.leaked / 3.0);
    EXPECT_LT(g.lost, b.lost);
    EXPECT_GT(b.leaked, 2.0);  // the test image does provoke bleeding
  }
}
