// Metrics room: CIEDE2000 against the published test data, PSNR / SSIM / colourfulness
// against hand formulas and an independent direct SSIM, input checks.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "colorize/metrics.h"

using namespace colorize;

namespace {

Image solid_rgb(int w, int h, uint8_t r, uint8_t g, uint8_t b) {
  Image im = Image::make(w, h, 3);
  for (size_t i = 0; i < im.pixel_count(); ++i) {
    im.data8[i * 3] = r;
    im.data8[i * 3 + 1] = g;
    im.data8[i * 3 + 2] = b;
  }
  return im;
}

Image random_rgb(int w, int h, uint32_t seed) {
  Image im = Image::make(w, h, 3);
  std::mt19937 rng(seed);
  for (auto& v : im.data8) v = static_cast<uint8_t>(rng() & 0xff);
  return im;
}

// A smooth, photo-like test image (gradients and a soft disc), so SSIM sees structure.
Image smooth_rgb(int w, int h) {
  Image im = Image::make(w, h, 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const double dx = x - w * 0.5, dy = y - h * 0.4;
      const double disc = std::exp(-(dx * dx + dy * dy) / (0.05 * w * h));
      uint8_t* p = &im.data8[(static_cast<size_t>(y) * w + x) * 3];
      p[0] = static_cast<uint8_t>(40 + 150.0 * x / w + 60 * disc);
      p[1] = static_cast<uint8_t>(30 + 120.0 * y / h + 40 * disc);
      p[2] = static_cast<uint8_t>(200 - 100.0 * x / w);
    }
  return im;
}

// Independent SSIM: direct 2D Gaussian window sums in double. Along a side of 11 pixels or
// more the window positions are the "valid" ones; along a shorter side every position is
// used and the window is cut at the border and renormalised (the documented behaviour).
double direct_ssim(const Image& a, const Image& b) {
  double g[11];
  for (int k = 0; k < 11; ++k) g[k] = std::exp(-(k - 5.0) * (k - 5.0) / (2 * 1.5 * 1.5));
  const double C1 = std::pow(0.01 * 255, 2), C2 = std::pow(0.03 * 255, 2);
  // Window centres along an axis of length n.
  auto centres = [](int n) {
    std::vector<int> c;
    if (n >= 11)
      for (int i = 5; i + 5 < n; ++i) c.push_back(i);
    else
      for (int i = 0; i < n; ++i) c.push_back(i);
    return c;
  };
  double total = 0;
  int count = 0;
  for (int c = 0; c < 3; ++c)
    for (int cy : centres(a.height))
      for (int cx : centres(a.width)) {
        double sw = 0, mx = 0, my = 0, xx = 0, yy = 0, xy = 0;
        for (int j = -5; j <= 5; ++j)
          for (int i = -5; i <= 5; ++i) {
            const int x = cx + i, y = cy + j;
            if (x < 0 || y < 0 || x >= a.width || y >= a.height) continue;
            const double w = g[i + 5] * g[j + 5];
            const size_t at = (static_cast<size_t>(y) * a.width + x) * 3 + c;
            const double u = a.data8[at], v = b.data8[at];
            sw += w;
            mx += w * u;
            my += w * v;
            xx += w * u * u;
            yy += w * v * v;
            xy += w * u * v;
          }
        mx /= sw, my /= sw, xx /= sw, yy /= sw, xy /= sw;
        const double vx = xx - mx * mx, vy = yy - my * my, cov = xy - mx * my;
        total += (2 * mx * my + C1) * (2 * cov + C2) / ((mx * mx + my * my + C1) * (vx + vy + C2));
        ++count;
      }
  return total / count;
}

}  // namespace

// ---- CIEDE2000 -------------------------------------------------------------------------

struct Ciede2000Pair {
  double L1, a1, b1, L2, a2, b2, dE;
};

// Sharma, Wu & Dalal (2005), Table 1: the 34 published test pairs and their CIEDE2000.
const Ciede2000Pair kSharmaPairs[34] = {
    {50.0000, 2.6772, -79.7751, 50.0000, 0.0000, -82.7485, 2.0425},
    {50.0000, 3.1571, -77.2803, 50.0000, 0.0000, -82.7485, 2.8615},
    {50.0000, 2.8361, -74.0200, 50.0000, 0.0000, -82.7485, 3.4412},
    {50.0000, -1.3802, -84.2814, 50.0000, 0.0000, -82.7485, 1.0000},
    {50.0000, -1.1848, -84.8006, 50.0000, 0.0000, -82.7485, 1.0000},
    {50.0000, -0.9009, -85.5211, 50.0000, 0.0000, -82.7485, 1.0000},
    {50.0000, 0.0000, 0.0000, 50.0000, -1.0000, 2.0000, 2.3669},
    {50.0000, -1.0000, 2.0000, 50.0000, 0.0000, 0.0000, 2.3669},
    {50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0009, 7.1792},
    {50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0010, 7.1792},
    {50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0011, 7.2195},
    {50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0012, 7.2195},
    {50.0000, -0.0010, 2.4900, 50.0000, 0.0009, -2.4900, 4.8045},
    {50.0000, -0.0010, 2.4900, 50.0000, 0.0010, -2.4900, 4.8045},
    {50.0000, -0.0010, 2.4900, 50.0000, 0.0011, -2.4900, 4.7461},
    {50.0000, 2.5000, 0.0000, 50.0000, 0.0000, -2.5000, 4.3065},
    {50.0000, 2.5000, 0.0000, 73.0000, 25.0000, -18.0000, 27.1492},
    {50.0000, 2.5000, 0.0000, 61.0000, -5.0000, 29.0000, 22.8977},
    {50.0000, 2.5000, 0.0000, 56.0000, -27.0000, -3.0000, 31.9030},
    {50.0000, 2.5000, 0.0000, 58.0000, 24.0000, 15.0000, 19.4535},
    {50.0000, 2.5000, 0.0000, 50.0000, 3.1736, 0.5854, 1.0000},
    {50.0000, 2.5000, 0.0000, 50.0000, 3.2972, 0.0000, 1.0000},
    {50.0000, 2.5000, 0.0000, 50.0000, 1.8634, 0.5757, 1.0000},
    {50.0000, 2.5000, 0.0000, 50.0000, 3.2592, 0.3350, 1.0000},
    {60.2574, -34.0099, 36.2677, 60.4626, -34.1751, 39.4387, 1.2644},
    {63.0109, -31.0961, -5.8663, 62.8187, -29.7946, -4.0864, 1.2630},
    {61.2901, 3.7196, -5.3901, 61.4292, 2.2480, -4.9620, 1.8731},
    {35.0831, -44.1164, 3.7933, 35.0232, -40.0716, 1.5901, 1.8645},
    {22.7233, 20.0904, -46.6940, 23.0331, 14.9730, -42.5619, 2.0373},
    {36.4612, 47.8580, 18.3852, 36.2715, 50.5065, 21.2231, 1.4146},
    {90.8027, -2.0831, 1.4410, 91.1528, -1.6435, 0.0447, 1.4441},
    {90.9257, -0.5406, -0.9208, 88.6381, -0.8985, -0.7239, 1.5381},
    {6.7747, -0.2908, -2.4247, 5.8714, -0.0985, -2.2286, 0.6377},
    {2.0776, 0.0795, -1.1350, 0.9033, -0.0636, -0.5514, 0.9082},
};

TEST(Ciede2000, SharmaPublishedPairsBothOrders) {
  for (int i = 0; i < 34; ++i) {
    const Ciede2000Pair& p = kSharmaPairs[i];
    const Lab x{static_cast<float>(p.L1), static_cast<float>(p.a1), static_cast<float>(p.b1)};
    const Lab y{static_cast<float>(p.L2), static_cast<float>(p.a2), static_cast<float>(p.b2)};
    EXPECT_NEAR(ciede2000(x, y), p.dE, 1e-4) << "pair " << i + 1;
    EXPECT_NEAR(ciede2000(y, x), p.dE, 1e-4) << "pair " << i + 1 << " reversed";
  }
}

TEST(Ciede2000, ZeroForIdenticalAndFiniteForNeutrals) {
  EXPECT_EQ(ciede2000({50, 10, -20}, {50, 10, -20}), 0.0);
  EXPECT_EQ(ciede2000({0, 0, 0}, {0, 0, 0}), 0.0);
  const double d = ciede2000({0, 0, 0}, {100, 0, 0});
  EXPECT_TRUE(std::isfinite(d));
  EXPECT_GT(d, 90.0);  // black vs white: about 100
  EXPECT_LT(d, 110.0);
}

// ---- PSNR ------------------------------------------------------------------------------

TEST(Psnr, KnownMse) {
  // Every sample differs by 10: MSE = 100.
  const auto p = psnr(solid_rgb(8, 6, 100, 100, 100), solid_rgb(8, 6, 110, 110, 110));
  ASSERT_TRUE(p.ok());
  EXPECT_NEAR(*p, 10.0 * std::log10(255.0 * 255.0 / 100.0), 1e-9);  // 28.1308 dB

  // One sample of 3 * 40 differs by 12: MSE = 144 / 120 = 1.2.
  Image a = solid_rgb(8, 5, 50, 60, 70), b = a;
  b.data8[17] = static_cast<uint8_t>(b.data8[17] + 12);
  const auto q = psnr(a, b);
  ASSERT_TRUE(q.ok());
  EXPECT_NEAR(*q, 10.0 * std::log10(255.0 * 255.0 / 1.2), 1e-9);
}

TEST(Psnr, IdenticalIsInfiniteAcrossLayouts) {
  const Image rgb = random_rgb(9, 7, 3);
  const auto same = psnr(rgb, rgb);
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(std::isinf(*same) && *same > 0);

  // Grey expands to R = G = B; alpha is ignored; 16-bit v * 257 is 8-bit v.
  Image grey = Image::make(9, 7, 1), grey_rgba = Image::make(9, 7, 4),
        grey16 = Image::make(9, 7, 2, 16);
  for (size_t i = 0; i < grey.pixel_count(); ++i) {
    const uint8_t v = static_cast<uint8_t>(i * 3);
    grey.data8[i] = v;
    for (int c = 0; c < 3; ++c) grey_rgba.data8[i * 4 + c] = v;
    grey_rgba.data8[i * 4 + 3] = static_cast<uint8_t>(i);  // arbitrary alpha
    grey16.data16[i * 2] = static_cast<uint16_t>(v * 257);
    grey16.data16[i * 2 + 1] = 1234;
  }
  EXPECT_TRUE(std::isinf(*psnr(grey, grey_rgba)));
  EXPECT_TRUE(std::isinf(*psnr(grey16, grey)));
}

TEST(Metrics, RejectBadInputs) {
  const Image a = random_rgb(8, 8, 1), b = random_rgb(8, 9, 2);
  for (const auto& r : {psnr(a, b), ssim(a, b), mean_ciede2000(a, b)}) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_FALSE(score(a, b).ok());
  EXPECT_EQ(score(a, b).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(psnr(Image{}, Image{}).status().code(), ErrorCode::kInvalidArgument);
  Image broken = a;
  broken.data8.resize(10);  // buffer shorter than its size says
  EXPECT_EQ(psnr(broken, a).status().code(), ErrorCode::kInvalidArgument);
  Image five = a;
  five.channels = 5;
  EXPECT_EQ(ssim(a, five).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(colourfulness(broken), 0.0);
  EXPECT_EQ(colourfulness(Image{}), 0.0);
}

// ---- SSIM ------------------------------------------------------------------------------

TEST(Ssim, IdenticalIsOne) {
  const Image a = smooth_rgb(64, 48);
  const auto s = ssim(a, a);
  ASSERT_TRUE(s.ok());
  EXPECT_NEAR(*s, 1.0, 1e-9);
  const Image tiny = random_rgb(5, 3, 4);  // smaller than the window
  EXPECT_NEAR(*ssim(tiny, tiny), 1.0, 1e-9);
}

TEST(Ssim, ConstantImagesFollowTheLuminanceTerm) {
  // No variance anywhere: SSIM = (2 a b + C1) / (a^2 + b^2 + C1) exactly.
  const double a = 100, b = 130, C1 = std::pow(0.01 * 255, 2);
  const auto s = ssim(solid_rgb(30, 20, 100, 100, 100), solid_rgb(30, 20, 130, 130, 130));
  ASSERT_TRUE(s.ok());
  EXPECT_NEAR(*s, (2 * a * b + C1) / (a * a + b * b + C1), 1e-6);
}

TEST(Ssim, MatchesDirectTwoDimensionalWindow) {
  const Image a = smooth_rgb(41, 33);
  Image b = a;
  std::mt19937 rng(5);
  for (auto& v : b.data8) v = static_cast<uint8_t>(std::min(255, std::max(0, int(v) + int(rng() % 31) - 15)));
  const auto s = ssim(a, b);
  ASSERT_TRUE(s.ok());
  EXPECT_NEAR(*s, direct_ssim(a, b), 1e-5);
  EXPECT_NEAR(*s, *ssim(b, a), 1e-9);  // symmetric
  // Random pairs, including sides shorter than the window (cut and renormalised).
  const int sizes[][2] = {{23, 19}, {7, 5}, {30, 6}, {4, 25}, {1, 1}, {11, 11}};
  for (const auto& wh : sizes) {
    const Image r1 = random_rgb(wh[0], wh[1], 8), r2 = random_rgb(wh[0], wh[1], 9);
    EXPECT_NEAR(*ssim(r1, r2), direct_ssim(r1, r2), 1e-5) << wh[0] << " x " << wh[1];
  }
}

TEST(Ssim, DropsWithPerturbationStrength) {
  const Image a = smooth_rgb(96, 64);
  double prev = 1.0;
  for (int amp : {4, 16, 64}) {
    Image b = a;
    std::mt19937 rng(amp);
    for (auto& v : b.data8)
      v = static_cast<uint8_t>(std::min(255, std::max(0, int(v) + int(rng() % (2 * amp + 1)) - amp)));
    const double s = *ssim(a, b);
    EXPECT_LT(s, prev) << amp;
    prev = s;
  }
  EXPECT_LT(prev, 0.5);
  // The negative of a textured image is structurally opposite: SSIM well below zero.
  // (Not so for smooth images: where local variance is far below C2 the structure term
  // stays near 1.)
  const Image t = random_rgb(40, 30, 17);
  Image neg = t;
  for (auto& v : neg.data8) v = static_cast<uint8_t>(255 - v);
  EXPECT_LT(*ssim(t, neg), -0.5);
}

TEST(Ssim, GreyPairEqualsItsRgbExpansion) {
  Image g1 = Image::make(20, 16, 1), g2 = Image::make(20, 16, 1);
  std::mt19937 rng(12);
  for (size_t i = 0; i < g1.data8.size(); ++i) {
    g1.data8[i] = static_cast<uint8_t>(rng() & 0xff);
    g2.data8[i] = static_cast<uint8_t>(rng() & 0xff);
  }
  Image c2 = Image::make(20, 16, 3);
  for (size_t i = 0; i < g2.data8.size(); ++i)
    for (int c = 0; c < 3; ++c) c2.data8[i * 3 + c] = g2.data8[i];
  EXPECT_NEAR(*ssim(g1, g2), *ssim(g1, c2), 1e-12);
}

// ---- colourfulness ---------------------------------------------------------------------

TEST(Colourfulness, GreyIsZero) {
  Image g = Image::make(16, 16, 1);
  for (size_t i = 0; i < g.data8.size(); ++i) g.data8[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(colourfulness(g), 0.0);
  Image c = Image::make(16, 16, 3);
  for (size_t i = 0; i < c.pixel_count(); ++i)
    for (int k = 0; k < 3; ++k) c.data8[i * 3 + k] = static_cast<uint8_t>(i);
  EXPECT_EQ(colourfulness(c), 0.0);
}

TEST(Colourfulness, HandComputedImages) {
  // Solid red: rg = 255, yb = 127.5, no spread: M = 0.3 sqrt(255^2 + 127.5^2).
  EXPECT_NEAR(colourfulness(solid_rgb(7, 3, 255, 0, 0)), 0.3 * std::sqrt(255.0 * 255 + 127.5 * 127.5),
              1e-9);
  // Half red, half blue. Red: rg = 255, yb = 127.5; blue: rg = 0, yb = -255.
  // mean_rg = 127.5, sd_rg = 127.5; mean_yb = -63.75, sd_yb = 191.25.
  Image im = solid_rgb(10, 4, 255, 0, 0);
  for (size_t i = 0; i < im.pixel_count(); i += 2) {
    im.data8[i * 3] = 0;
    im.data8[i * 3 + 2] = 255;
  }
  const double want = std::sqrt(127.5 * 127.5 + 191.25 * 191.25) +
                      0.3 * std::sqrt(127.5 * 127.5 + 63.75 * 63.75);
  EXPECT_NEAR(colourfulness(im), want, 1e-9);
  // 16-bit gives the same after rounding to 8 bits.
  Image im16 = Image::make(10, 4, 3, 16);
  for (size_t i = 0; i < im.data8.size(); ++i) im16.data16[i] = static_cast<uint16_t>(im.data8[i] * 257);
  EXPECT_NEAR(colourfulness(im16), want, 1e-9);
}

// ---- mean CIEDE2000 and score ------------------------------------------------------------

TEST(MeanCiede2000, UniformPairsAndHalfImages) {
  const Image a = solid_rgb(13, 7, 200, 30, 40), b = solid_rgb(13, 7, 180, 60, 40);
  const double ref = ciede2000(srgb_to_lab({200 / 255.f, 30 / 255.f, 40 / 255.f}),
                               srgb_to_lab({180 / 255.f, 60 / 255.f, 40 / 255.f}));
  const auto m = mean_ciede2000(a, b);
  ASSERT_TRUE(m.ok());
  EXPECT_NEAR(*m, ref, 1e-3);
  EXPECT_GT(ref, 5.0);
  EXPECT_EQ(*mean_ciede2000(a, a), 0.0);

  // Only the top half differs: half the mean (14 rows, 7 of them changed).
  Image c = solid_rgb(13, 14, 200, 30, 40), d = c;
  for (size_t i = 0; i < d.pixel_count() / 2; ++i) {
    d.data8[i * 3] = 180;
    d.data8[i * 3 + 1] = 60;
  }
  EXPECT_NEAR(*mean_ciede2000(c, d), 0.5 * ref, 1e-3);
}

TEST(MeanCiede2000, LargeImageAcrossStrips) {
  // Wider than one strip of rows, so the strip loop and its remainder are exercised.
  const Image a = random_rgb(700, 250, 21);
  Image b = a;
  for (size_t i = 0; i < b.data8.size(); i += 3) b.data8[i] = static_cast<uint8_t>(255 - b.data8[i]);
  double ref = 0;
  for (size_t i = 0; i < a.pixel_count(); ++i) {
    const Lab x = srgb_to_lab({a.data8[i * 3] / 255.f, a.data8[i * 3 + 1] / 255.f, a.data8[i * 3 + 2] / 255.f});
    const Lab y = srgb_to_lab({b.data8[i * 3] / 255.f, b.data8[i * 3 + 1] / 255.f, b.data8[i * 3 + 2] / 255.f});
    ref += ciede2000(x, y);
  }
  ref /= static_cast<double>(a.pixel_count());
  EXPECT_NEAR(*mean_ciede2000(a, b), ref, 1e-3);
}

TEST(Score, AgreesWithTheSingleMetrics) {
  const Image a = smooth_rgb(50, 40);
  Image b = a;
  for (size_t i = 1; i < b.data8.size(); i += 7) b.data8[i] = static_cast<uint8_t>(b.data8[i] / 2);
  const auto s = score(b, a);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->psnr, *psnr(b, a));
  EXPECT_EQ(s->ssim, *ssim(b, a));
  EXPECT_EQ(s->colourfulness, colourfulness(b));
  EXPECT_EQ(s->colourfulness_truth, colourfulness(a));
  EXPECT_EQ(s->ciede2000, *mean_ciede2000(b, a));
  EXPECT_EQ(s->wrong_colour, *wrong_colour_area(b, a));
  EXPECT_TRUE(std::isfinite(s->psnr));
  EXPECT_LT(s->ssim, 1.0);
  EXPECT_GT(s->ciede2000, 0.0);
}

namespace {

Lab lab_of(uint8_t r, uint8_t g, uint8_t b) { return srgb_to_lab({r / 255.f, g / 255.f, b / 255.f}); }
double chroma(const Lab& c) { return std::hypot(c.a, c.b); }

}  // namespace

TEST(WrongColourArea, CountsColourTheTruthLacks) {
  const Image red = solid_rgb(8, 6, 200, 40, 40);
  // Greyscale (same L*), the truth itself and a stronger red score 0.
  const Lab red_lab = lab_of(200, 40, 40);
  EXPECT_EQ(*wrong_colour_area(solid_rgb(8, 6, 110, 110, 110), red), 0.0);
  EXPECT_EQ(*wrong_colour_area(red, red), 0.0);
  EXPECT_EQ(*wrong_colour_area(solid_rgb(8, 6, 230, 20, 30), red), 0.0);
  // Blue on red counts everywhere.
  const Lab blue_lab = lab_of(40, 60, 200);
  ASSERT_GT(chroma(blue_lab), kWrongChroma);
  ASSERT_LT(red_lab.a * blue_lab.a + red_lab.b * blue_lab.b, 0.0);  // > 90 degrees apart
  EXPECT_EQ(*wrong_colour_area(solid_rgb(8, 6, 40, 60, 200), red), 1.0);
  // On a near-white truth, a clear tint of the same hue counts (the neutral rule, not the
  // hue rule); a faint one does not.
  const Image white = solid_rgb(8, 6, 240, 243, 250);
  const Lab white_lab = lab_of(240, 243, 250), tint_lab = lab_of(205, 225, 255);
  ASSERT_LT(chroma(white_lab), kNeutralChroma);
  ASSERT_GT(white_lab.a * tint_lab.a + white_lab.b * tint_lab.b,
            std::cos(kWrongHueDegrees * 3.14159265358979 / 180) * chroma(white_lab) * chroma(tint_lab));
  ASSERT_GT(chroma(lab_of(205, 225, 255)), kWrongChroma);
  ASSERT_LT(chroma(lab_of(235, 240, 250)), kWrongChroma);
  EXPECT_EQ(*wrong_colour_area(solid_rgb(8, 6, 205, 225, 255), white), 1.0);
  EXPECT_EQ(*wrong_colour_area(solid_rgb(8, 6, 235, 240, 250), white), 0.0);
  // An area: a blue patch over a quarter of the red image.
  Image patched = red;
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 4; ++x) {
      uint8_t* p = &patched.data8[(static_cast<size_t>(y) * 8 + x) * 3];
      p[0] = 40, p[1] = 60, p[2] = 200;
    }
  EXPECT_DOUBLE_EQ(*wrong_colour_area(patched, red), 0.25);
  EXPECT_FALSE(wrong_colour_area(patched, solid_rgb(4, 6, 0, 0, 0)).ok());
}

TEST(WrongColourArea, HueThresholdAndLargeImages) {
  // Two colours of similar chroma 40-ish degrees apart do not count; 90+ apart do.
  const Lab orange = lab_of(230, 130, 40), yellow = lab_of(220, 200, 40), teal = lab_of(40, 160, 160);
  const auto angle = [](const Lab& p, const Lab& q) {
    return std::acos((p.a * q.a + p.b * q.b) / (chroma(p) * chroma(q))) * 180.0 / 3.14159265358979;
  };
  ASSERT_LT(angle(orange, yellow), kWrongHueDegrees);
  ASSERT_GT(angle(orange, teal), kWrongHueDegrees);
  EXPECT_EQ(*wrong_colour_area(solid_rgb(300, 260, 220, 200, 40), solid_rgb(300, 260, 230, 130, 40)), 0.0);
  // 300 x 260 spans several Lab strips; score() carries the same figure.
  const Image truth = solid_rgb(300, 260, 230, 130, 40);
  const Image teal_img = solid_rgb(300, 260, 40, 160, 160);
  EXPECT_EQ(*wrong_colour_area(teal_img, truth), 1.0);
  EXPECT_EQ(score(teal_img, truth)->wrong_colour, 1.0);
}

// Bootstrap intervals of a mean over images: against the normal-theory interval, coverage,
// pairing, determinism and the input checks.
TEST(BootstrapMean, AgreesWithTheNormalIntervalForManyValues) {
  std::mt19937 gen(11);
  std::normal_distribution<double> normal(5.0, 2.0);
  std::vector<double> v(400);
  double sum = 0, sq = 0;
  for (double& x : v) sum += x = normal(gen);
  const double mean = sum / v.size();
  for (double x : v) sq += (x - mean) * (x - mean);
  const double half = 1.959964 * std::sqrt(sq / (v.size() - 1) / v.size());
  auto iv = bootstrap_mean(v, 0.95, 4000, 3);
  ASSERT_TRUE(iv.ok());
  EXPECT_DOUBLE_EQ(iv->mean, mean);
  EXPECT_NEAR(iv->low, mean - half, 0.1 * half);
  EXPECT_NEAR(iv->high, mean + half, 0.1 * half);
  EXPECT_EQ(iv->share_above_zero, 1.0);
  auto wide = bootstrap_mean(v, 0.99, 4000, 3);
  EXPECT_LT(wide->low, iv->low);
  EXPECT_GT(wide->high, iv->high);
}

TEST(BootstrapMean, CoversTheTrueMeanAboutAsOftenAsClaimed) {
  std::mt19937 gen(12);
  std::normal_distribution<double> normal(-1.5, 1.0);
  int hits = 0;
  const int trials = 300;
  for (int t = 0; t < trials; ++t) {
    std::vector<double> v(60);
    for (double& x : v) x = normal(gen);
    auto iv = bootstrap_mean(v, 0.95, 1000, 100 + t);
    ASSERT_TRUE(iv.ok());
    ASSERT_LE(iv->low, iv->mean);
    ASSERT_LE(iv->mean, iv->high);
    hits += iv->low <= -1.5 && -1.5 <= iv->high;
  }
  EXPECT_GE(hits, trials * 88 / 100);  // percentile bootstrap at n = 60: a little under 95 %
  EXPECT_LE(hits, trials * 99 / 100);
}

TEST(BootstrapMean, PairedDifferencesSeeASmallConsistentGain) {
  // Photos differ far more than two methods do: each method's interval is wide and the two
  // overlap, but the per-photo differences are all positive and their interval excludes 0.
  std::mt19937 gen(13);
  std::normal_distribution<double> photo(0.0, 3.0), noise(0.0, 0.1);
  std::vector<double> a, b, d;
  for (int i = 0; i < 80; ++i) {
    const double base = 23.0 + photo(gen);
    a.push_back(base + noise(gen));
    b.push_back(a.back() + 0.15 + noise(gen));
    d.push_back(b.back() - a.back());
  }
  auto ia = bootstrap_mean(a), ib = bootstrap_mean(b), id = bootstrap_mean(d);
  EXPECT_LT(ib->low, ia->high);
  EXPECT_GT(id->low, 0.0);
  EXPECT_EQ(id->share_above_zero, 1.0);
}

TEST(BootstrapMean, DeterministicPerSeedAndChecksItsInput) {
  const std::vector<double> v = {1, 4, 2, 8, 5, 7, 3, 9, 6, 0};
  auto x = bootstrap_mean(v, 0.9, 500, 7), y = bootstrap_mean(v, 0.9, 500, 7);
  auto z = bootstrap_mean(v, 0.9, 500, 8);
  EXPECT_EQ(x->low, y->low);
  EXPECT_EQ(x->high, y->high);
  EXPECT_TRUE(x->low != z->low || x->high != z->high);
  auto same = bootstrap_mean({2.5, 2.5, 2.5});
  EXPECT_NEAR(same->low, 2.5, 1e-12);
  EXPECT_NEAR(same->high, 2.5, 1e-12);
  EXPECT_FALSE(bootstrap_mean({1.0}).ok());
  EXPECT_FALSE(bootstrap_mean({1.0, std::numeric_limits<double>::infinity()}).ok());
  EXPECT_FALSE(bootstrap_mean({1.0, 2.0}, 1.0).ok());
  EXPECT_FALSE(bootstrap_mean({1.0, 2.0}, 0.95, 10).ok());
}
