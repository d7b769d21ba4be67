// Percentile bootstrap of a mean over images (see metrics.h).
#include <algorithm>
#include <cmath>
#include <string>

#include "colorize/metrics.h"

namespace colorize {
namespace {

// SplitMix64 (Steele, Lea & Flood 2014): tiny, fast and the same on every platform, unlike
// the distributions of <random>, whose mapping to a range is implementation-defined.
struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) by multiply-shift of the top 32 bits (bias < n / 2^32, negligible).
  size_t below(size_t n) { return static_cast<size_t>(((next() >> 32) * n) >> 32); }
};

// The p-th percentile (0..100) of sorted values, linear between neighbours.
double percentile(const std::vector<double>& sorted, double p) {
  const double pos = p / 100.0 * static_cast<double>(sorted.size() - 1);
  const size_t i = static_cast<size_t>(std::floor(pos));
  if (i + 1 >= sorted.size()) return sorted.back();
  const double f = pos - static_cast<double>(i);
  return sorted[i] + f * (sorted[i + 1] - sorted[i]);
}

}  // namespace

Result<MeanInterval> bootstrap_mean(const std::vector<double>& values, double level, int draws,
                                    uint64_t seed) {
  if (values.size() < 2)
    return Status(
        ErrorCode::kInvalidArgument,
        "a bootstrap interval needs at least 2 values, got " + std::to_string(values.size()));
  if (!(level > 0.0 && level < 1.0))
    return Status(ErrorCode::kInvalidArgument, "the interval's level must be in (0, 1)");
  if (draws < 100)
    return Status(ErrorCode::kInvalidArgument, "a bootstrap needs at least 100 draws");
  double sum = 0;
  for (double v : values) {
    if (!std::isfinite(v))
      return Status(ErrorCode::kInvalidArgument, "a bootstrap needs finite values");
    sum += v;
  }
  const size_t n = values.size();
  SplitMix64 rng{seed};
  std::vector<double> means(static_cast<size_t>(draws));
  size_t above = 0;
  for (double& m : means) {
    double s = 0;
    for (size_t k = 0; k < n; ++k) s += values[rng.below(n)];
    m = s / static_cast<double>(n);
    above += m > 0;
  }
  std::sort(means.begin(), means.end());
  MeanInterval out;
  out.mean = sum / static_cast<double>(n);
  const double tail = 50.0 * (1.0 - level);
  out.low = percentile(means, tail);
  out.high = percentile(means, 100.0 - tail);
  out.share_above_zero = static_cast<double>(above) / static_cast<double>(draws);
  return out;
}

}  // namespace colorize
