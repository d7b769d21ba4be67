// Resampling: checked against hand-computed values, properties (mean preservation, constant
// planes, exact ramps) and a naive per-pixel evaluation of the documented formulas.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>

#include "colorize/resample.h"

using namespace colorize;

namespace {

Plane make_plane(int w, int h, const std::function<float(int, int)>& f) {
  Plane p(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) p.at(x, y) = f(x, y);
  return p;
}

Plane noise_plane(int w, int h, uint32_t seed) {
  uint32_t s = seed;
  return make_plane(w, h, [&](int, int) {
    s = s * 1664525u + 1013904223u;
    return static_cast<float>(s >> 8) / static_cast<float>(1u << 24) * 100.0f;
  });
}

double mean(const Plane& p) {
  double s = 0;
  for (float v : p.data) s += v;
  return s / p.data.size();
}

// Naive separable evaluation of a 1-D kernel at the pixel-centre source position.
Plane naive_resize(const Plane& in, int ow, int oh, int radius,
                   const std::function<double(double)>& kernel) {
  Plane out(ow, oh);
  for (int y = 0; y < oh; ++y) {
    const double sy = (y + 0.5) * in.height / oh - 0.5;
    for (int x = 0; x < ow; ++x) {
      const double sx = (x + 0.5) * in.width / ow - 0.5;
      double acc = 0, wsum = 0;
      for (int j = static_cast<int>(std::floor(sy)) - radius + 1;
           j <= static_cast<int>(std::floor(sy)) + radius; ++j) {
        for (int i = static_cast<int>(std::floor(sx)) - radius + 1;
             i <= static_cast<int>(std::floor(sx)) + radius; ++i) {
          const double w = kernel(sx - i) * kernel(sy - j);
          const int ci = std::min(std::max(i, 0), in.width - 1);
          const int cj = std::min(std::max(j, 0), in.height - 1);
          acc += w * in.at(ci, cj);
          wsum += w;
        }
      }
      out.at(x, y) = static_cast<float>(acc / wsum);
    }
  }
  return out;
}

double triangle(double x) { return std::max(0.0, 1.0 - std::fabs(x)); }

double keys_half(double x) {  // Keys (1981) with a = -0.5
  x = std::fabs(x);
  if (x <= 1) return 1.5 * x * x * x - 2.5 * x * x + 1;
  if (x < 2) return -0.5 * x * x * x + 2.5 * x * x - 4 * x + 2;
  return 0;
}

}  // namespace

TEST(ResizeArea, IntegerFactorIsBlockMean) {
  const Plane in = noise_plane(12, 9, 7);
  const Plane out = resize_area(in, 4, 3);
  ASSERT_EQ(out.width, 4);
  ASSERT_EQ(out.height, 3);
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 4; ++x) {
      double s = 0;
      for (int j = 0; j < 3; ++j)
        for (int i = 0; i < 3; ++i) s += in.at(3 * x + i, 3 * y + j);
      EXPECT_NEAR(out.at(x, y), s / 9.0, 1e-4);
    }
}

TEST(ResizeArea, FractionalCoverage) {
  // 3 -> 2: output 0 covers [0, 1.5) = in0 + half of in1; output 1 covers [1.5, 3).
  const Plane in = make_plane(3, 1, [](int x, int) { return static_cast<float>(x * x + 1); });
  const Plane out = resize_area(in, 2, 1);
  EXPECT_NEAR(out.at(0, 0), (1.0 + 0.5 * 2.0) / 1.5, 1e-6);
  EXPECT_NEAR(out.at(1, 0), (0.5 * 2.0 + 5.0) / 1.5, 1e-6);
}

TEST(ResizeArea, PreservesMeanForAnySizes) {
  const Plane in = noise_plane(101, 77, 3);
  for (auto wh : {std::pair<int, int>{1, 1}, {13, 7}, {50, 38}, {100, 77}, {101, 76}}) {
    const Plane out = resize_area(in, wh.first, wh.second);
    ASSERT_EQ(out.width, wh.first);
    EXPECT_NEAR(mean(out), mean(in), 1e-3) << wh.first << "x" << wh.second;
  }
}

TEST(ResizeArea, ConstantStaysConstantAndSameSizeIsIdentity) {
  const Plane c(37, 23, 42.5f);
  for (float v : resize_area(c, 5, 4).data) EXPECT_NEAR(v, 42.5f, 1e-4);
  const Plane in = noise_plane(9, 8, 11);
  const Plane same = resize_area(in, 9, 8);
  for (size_t i = 0; i < in.size(); ++i) EXPECT_NEAR(same.data[i], in.data[i], 1e-5);
}

TEST(ResizeArea, UpscaleFallsBackToBilinear) {
  const Plane in = noise_plane(5, 4, 5);
  const Plane a = resize_area(in, 11, 9);
  const Plane b = naive_resize(in, 11, 9, 1, triangle);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a.data[i], b.data[i], 1e-4);
}

TEST(ResizeBilinear, PixelCentreConvention) {
  // Same as PyTorch F.interpolate(mode="bilinear", align_corners=False): [0, 1] -> 4 samples.
  const Plane in = make_plane(2, 1, [](int x, int) { return static_cast<float>(x); });
  const Plane out = resize_bilinear(in, 4, 1);
  const float expected[4] = {0.0f, 0.25f, 0.75f, 1.0f};
  for (int x = 0; x < 4; ++x) EXPECT_NEAR(out.at(x, 0), expected[x], 1e-6);
}

TEST(ResizeBilinear, MatchesNaiveFormula) {
  const Plane in = noise_plane(17, 11, 9);
  for (auto wh : {std::pair<int, int>{40, 25}, {8, 5}, {17, 11}, {3, 30}}) {
    const Plane a = resize_bilinear(in, wh.first, wh.second);
    const Plane b = naive_resize(in, wh.first, wh.second, 1, triangle);
    for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a.data[i], b.data[i], 1e-3);
  }
}

TEST(ResizeBicubic, MatchesNaiveFormulaThenClamp) {
  const Plane in = make_plane(16, 12, [](int x, int y) {
    return static_cast<float>(50 + 20 * std::sin(x * 0.3) * std::cos(y * 0.2));
  });
  const auto mm = std::minmax_element(in.data.begin(), in.data.end());
  const Plane a = resize_bicubic(in, 37, 29);
  const Plane b = naive_resize(in, 37, 29, 2, keys_half);
  for (size_t i = 0; i < a.size(); ++i)
    ASSERT_NEAR(a.data[i], std::min(*mm.second, std::max(*mm.first, b.data[i])), 1e-3);
}

TEST(ResizeBicubic, ReproducesLinearRampInInterior) {
  const Plane in = make_plane(10, 1, [](int x, int) { return 3.0f * x; });
  const Plane out = resize_bicubic(in, 20, 1);
  for (int x = 4; x < 16; ++x) {
    const double s = (x + 0.5) * 10 / 20 - 0.5;
    EXPECT_NEAR(out.at(x, 0), 3.0 * s, 1e-4);
  }
}

TEST(ResizeBicubic, NoOvershootAtStep) {
  const Plane in = make_plane(8, 8, [](int x, int) { return x < 4 ? 10.0f : 90.0f; });
  const Plane out = resize_bicubic(in, 31, 31);
  for (float v : out.data) {
    EXPECT_GE(v, 10.0f);
    EXPECT_LE(v, 90.0f);
  }
}

TEST(Resize, EmptyInputOrSizeGivesEmpty) {
  const Plane in = noise_plane(4, 4, 1);
  EXPECT_TRUE(resize_area(Plane(), 4, 4).empty());
  EXPECT_TRUE(resize_bilinear(in, 0, 4).empty());
  EXPECT_TRUE(resize_bicubic(in, 4, -1).empty());
}
