// The tone map prepare applies to the model's input (Tone::kStretch; rule in pipeline.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "colorize/color.h"
#include "colorize/pipeline.h"

using namespace colorize;

namespace {

// A plane whose values are f(0), f(1), ..., f(n - 1) for n = w * h.
template <typename F>
Plane plane_of(int w, int h, F f) {
  Plane p(w, h);
  for (size_t i = 0; i < p.data.size(); ++i) p.data[i] = f(static_cast<float>(i));
  return p;
}

// L* spread evenly over [lo, hi] (n samples).
Plane even(float lo, float hi, int n = 1001) {
  return plane_of(n, 1, [&](float i) { return lo + (hi - lo) * i / static_cast<float>(n - 1); });
}

// The q-quantile by sorting and interpolating: an independent reference for the map's own.
double quantile_by_sorting(std::vector<float> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const size_t i = static_cast<size_t>(std::floor(pos));
  const double f = pos - static_cast<double>(i);
  return i + 1 < v.size() ? v[i] + f * (v[i + 1] - v[i]) : v[i];
}

// The rule on all of a plane's samples (tone_map_for(Plane) looks at its central region only).
ToneMap map_of(const Plane& L) { return tone_map_for(tone_range_of_samples(L.data)); }

}  // namespace

TEST(ToneMap, PictureWithTheUsualRangeIsLeftAlone) {
  const Plane L = even(0.0f, 100.0f);  // p1 1, p99 99: span 98
  const ToneMap m = map_of(L);
  EXPECT_TRUE(m.identity());
  const Plane out = apply_tone_map(L, m);
  for (size_t i = 0; i < L.size(); ++i) ASSERT_FLOAT_EQ(out.data[i], L.data[i]);
}

TEST(ToneMap, StrongFadeIsWidenedToTheTrainingRange) {
  // A print faded to L' = 15 + 0.6 L: span 58.8, under kToneFullBelow, so fully widened.
  const Plane faded = plane_of(1001, 1, [](float i) { return 15.0f + 0.6f * (i / 10.0f); });
  const ToneMap m = map_of(faded);
  const Plane out = apply_tone_map(faded, m);
  const double p1 = quantile_by_sorting(out.data, 0.01), p99 = quantile_by_sorting(out.data, 0.99);
  EXPECT_NEAR(p1, kToneLow, 1e-3);
  EXPECT_NEAR(p99, kToneHigh, 1e-3);
  for (size_t i = 1; i < out.size(); ++i) ASSERT_GT(out.data[i], out.data[i - 1]);  // order kept
}

TEST(ToneMap, WeightRampsBetweenTheThresholds) {
  // Fades of growing contrast c: the gain falls steadily to exactly 1 once the span reaches
  // kToneNoneAbove, with no jump anywhere.
  float previous = std::numeric_limits<float>::infinity();
  for (int k = 40; k <= 100; ++k) {
    const float c = k / 100.0f;
    const Plane L = plane_of(1001, 1, [&](float i) { return 50.0f + c * (i / 10.0f - 50.0f); });
    const float span = 98.0f * c;
    const ToneMap m = map_of(L);
    ASSERT_LE(m.gain, previous + 1e-5f) << "c " << c;
    if (std::isfinite(previous)) {
      ASSERT_LT(previous - m.gain, 0.1f) << "c " << c;
    }
    if (span >= kToneNoneAbove + 1e-3f) {
      ASSERT_TRUE(m.identity()) << "c " << c;
    } else if (span < kToneNoneAbove - 1e-3f) {
      ASSERT_GT(m.gain, 1.0f) << "c " << c;
    }
    previous = m.gain;
  }
}

TEST(ToneMap, OnlyWidensAndKeepsDeepBlacks) {
  // A dark picture (L* 0..40) already reaches black: its blacks stay, its whites are raised.
  const Plane L = even(0.0f, 40.0f);
  const double p1_in = quantile_by_sorting(L.data, 0.01);
  const Plane out = apply_tone_map(L, map_of(L));
  EXPECT_NEAR(quantile_by_sorting(out.data, 0.01), p1_in, 1e-3);
  EXPECT_NEAR(quantile_by_sorting(out.data, 0.99), kToneHigh, 1e-3);
}

TEST(ToneMap, FlatPictureGetsAtMostTheMaximumGain) {
  const Plane L = plane_of(64, 64, [](float i) { return 50.0f + std::fmod(i, 7.0f) * 0.1f; });
  const ToneMap m = map_of(L);
  EXPECT_FLOAT_EQ(m.gain, kToneMaxGain);
  const Plane out = apply_tone_map(L, m);
  for (float v : out.data) {
    ASSERT_GE(v, 0.0f);
    ASSERT_LE(v, 100.0f);
  }
  const Plane constant(8, 8, 30.0f);  // no spread at all
  EXPECT_FLOAT_EQ(tone_map_for(constant).gain, kToneMaxGain);
  EXPECT_TRUE(std::isfinite(apply_tone_map(constant, tone_map_for(constant)).data[0]));
  EXPECT_TRUE(tone_map_for(Plane(1, 1, 50.0f)).gain > 1.0f);  // a single sample: no crash
}

TEST(ToneMap, PercentilesAgreeWithSorting) {
  std::mt19937 rng(7);
  std::gamma_distribution<float> skewed(2.0f, 6.0f);
  for (int n : {1, 2, 3, 10, 101, 4096, 10007}) {
    const Plane L = plane_of(n, 1, [&](float) { return std::min(100.0f, 20.0f + skewed(rng)); });
    const ToneRange r = tone_range_of_samples(L.data);
    EXPECT_NEAR(r.p1, quantile_by_sorting(L.data, 0.01), 1e-4) << "n " << n;
    EXPECT_NEAR(r.p99, quantile_by_sorting(L.data, 0.99), 1e-4) << "n " << n;
  }
}

TEST(ToneMap, OnlyTheCentralRegionCounts) {
  // A faded print (L* 15..75) scanned with a white paper border 4 px wide on a 50 x 40 plane:
  // the border lies outside the central region (5 columns, 4 rows each side), so the print is
  // widened as if it had no border; counted with the border it would not be.
  Plane L(50, 40);
  for (int y = 0; y < 40; ++y)
    for (int x = 0; x < 50; ++x) {
      const bool border = x < 4 || y < 4 || x >= 46 || y >= 36;
      L.at(x, y) = border ? 97.0f : 15.0f + 60.0f * static_cast<float>((x * 7 + y * 3) % 29) / 28.0f;
    }
  std::vector<float> centre;
  for (int y = 4; y < 36; ++y)
    for (int x = 5; x < 45; ++x) centre.push_back(L.at(x, y));
  const ToneRange r = tone_range_of(L);
  EXPECT_NEAR(r.p1, quantile_by_sorting(centre, 0.01), 1e-4);
  EXPECT_NEAR(r.p99, quantile_by_sorting(centre, 0.99), 1e-4);
  EXPECT_GT(tone_map_for(L).gain, 1.4f);
  EXPECT_NEAR(map_of(L).gain, 1.0f, 0.2f);  // all samples: the border's white counts
  // Tiny planes have no margin (integer division): all samples count.
  const Plane small = plane_of(9, 9, [](float i) { return i; });
  EXPECT_FLOAT_EQ(tone_range_of(small).p99, tone_range_of_samples(small.data).p99);
}

TEST(ToneMap, NonFiniteSamplesAreIgnoredAndEmptyIsIdentity) {
  Plane L = even(15.0f, 75.0f);
  const ToneMap clean = map_of(L);
  L.data[3] = std::numeric_limits<float>::quiet_NaN();
  L.data[500] = std::numeric_limits<float>::infinity();
  const ToneMap dirty = map_of(L);
  EXPECT_NEAR(dirty.gain, clean.gain, 0.01f);
  EXPECT_TRUE(std::isfinite(dirty.gain) && std::isfinite(dirty.out_mid));
  EXPECT_TRUE(tone_map_for(Plane()).identity());
}

TEST(Prepare, ToneChangesOnlyTheModelsInput) {
  // A faded grey picture: L* 20..70.
  Image im = Image::make(200, 100, 1, 8);
  for (int y = 0; y < 100; ++y)
    for (int x = 0; x < 200; ++x) {
      const float L = 20.0f + 50.0f * static_cast<float>((x * 7 + y * 11) % 200) / 199.0f;
      im.data8[static_cast<size_t>(y) * 200 + x] = static_cast<uint8_t>(
          std::lround(std::min(1.0f, std::max(0.0f, lab_to_srgb(Lab{L, 0, 0}).r)) * 255.0f));
    }
  PrepareOptions as_is;
  as_is.working_size = 128;
  as_is.tone = Tone::kAsIs;
  PrepareOptions stretch = as_is;
  stretch.tone = Tone::kStretch;
  const auto a = prepare(im, as_is);
  const auto s = prepare(im, stretch);
  ASSERT_TRUE(a.ok() && s.ok());
  EXPECT_EQ(a->L_model.data, a->L_work.data);                   // as-is: the model sees L_work
  EXPECT_EQ(s->L_work.data, a->L_work.data);                    // the guide of finish is kept
  EXPECT_EQ(s->L_full.data, a->L_full.data);                    // and so is the full-res L*
  ASSERT_EQ(s->L_model.width, s->L_work.width);
  ASSERT_EQ(s->L_model.height, s->L_work.height);
  const auto [lo, hi] = std::minmax_element(s->L_model.data.begin(), s->L_model.data.end());
  const auto [wlo, whi] = std::minmax_element(s->L_work.data.begin(), s->L_work.data.end());
  EXPECT_GT(*hi - *lo, 1.4f * (*whi - *wlo));                   // widened for the model
  EXPECT_EQ(PrepareOptions().tone, Tone::kStretch);             // the default
}
