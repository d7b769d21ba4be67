// The tone map prepare applies to the model's input (Tone::kStretch); contract in pipeline.h.
#include <algorithm>
#include <cmath>
#include <vector>

#include "colorize/pipeline.h"

namespace colorize {
namespace {

// The q-quantile (0..1) of v by linear interpolation between order statistics (NumPy's
// default "linear" method); reorders v.
float quantile(std::vector<float>* v, double q) {
  const size_t n = v->size();
  const double pos = q * static_cast<double>(n - 1);
  const size_t i = static_cast<size_t>(std::floor(pos));
  const double frac = pos - static_cast<double>(i);
  std::nth_element(v->begin(), v->begin() + static_cast<std::ptrdiff_t>(i), v->end());
  const float lo = (*v)[i];
  if (frac == 0.0 || i + 1 >= n) return lo;
  // The next order statistic is the smallest element after position i.
  const float hi = *std::min_element(v->begin() + static_cast<std::ptrdiff_t>(i) + 1, v->end());
  return static_cast<float>(lo + frac * (static_cast<double>(hi) - lo));
}

}  // namespace

float ToneMap::apply(float L) const {
  const float v = identity() ? L : (L - in_mid) * gain + out_mid;
  return std::min(100.0f, std::max(0.0f, v));
}

ToneRange tone_range_of_samples(std::vector<float> samples) {
  samples.erase(std::remove_if(samples.begin(), samples.end(),
                               [](float x) { return !std::isfinite(x); }),
                samples.end());
  if (samples.empty()) return ToneRange{};
  for (float& x : samples) x = std::min(100.0f, std::max(0.0f, x));
  // Each quantile call reorders the samples with nth_element; the second works as well on the
  // reordered vector as on the original.
  const float p99 = quantile(&samples, 0.99);
  const float p1 = quantile(&samples, 0.01);
  return ToneRange{p1, p99};
}

ToneRange tone_range_of(const Plane& L) {
  if (L.empty()) return ToneRange{};
  const int my = L.height / 10, mx = L.width / 10;
  std::vector<float> v;
  v.reserve(static_cast<size_t>(L.width - 2 * mx) * static_cast<size_t>(L.height - 2 * my));
  for (int y = my; y < L.height - my; ++y) {
    const float* row = L.row(y);
    v.insert(v.end(), row + mx, row + L.width - mx);
  }
  return tone_range_of_samples(std::move(v));
}

ToneMap tone_map_for(const ToneRange& r) {
  const float p1 = r.p1, p99 = r.p99;
  const float span = p99 - p1;
  const float w =
      std::min(1.0f, std::max(0.0f, (kToneNoneAbove - span) / (kToneNoneAbove - kToneFullBelow)));
  if (w <= 0.0f) return ToneMap{1.0f, 0.5f * (p1 + p99), 0.5f * (p1 + p99)};
  const float lo = std::min(p1, kToneLow);
  const float hi = std::max(p99, kToneHigh);
  const float full = span > 0.0f ? std::min(kToneMaxGain, (hi - lo) / span) : kToneMaxGain;
  ToneMap map;
  map.gain = 1.0f + w * (full - 1.0f);
  map.in_mid = 0.5f * (p1 + p99);
  map.out_mid = (1.0f - w) * map.in_mid + w * 0.5f * (lo + hi);
  return map;
}

ToneMap tone_map_for(const Plane& L) { return tone_map_for(tone_range_of(L)); }

Plane apply_tone_map(const Plane& L, const ToneMap& map) {
  Plane out(L.width, L.height);
  for (size_t i = 0; i < L.data.size(); ++i) out.data[i] = map.apply(L.data[i]);
  return out;
}

}  // namespace colorize
