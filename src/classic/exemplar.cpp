// Exemplar-based colorization after Welsh, Ashikhmin & Mueller (2002), in CIELAB:
// luminance remapping, jittered-grid sampling of the reference, matching on (L*, local
// standard deviation of L*), a*b* transfer.
#include "colorize/exemplar.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "colorize/color.h"
#include "colorize/resample.h"

namespace colorize {
namespace {

// Small deterministic generator (same sequence on every platform and compiler).
class Rng {
 public:
  explicit Rng(uint32_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull) {}
  uint32_t next() {  // splitmix64, upper half
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return static_cast<uint32_t>((z ^ (z >> 31)) >> 32);
  }
  int below(int n) {  // uniform in [0, n)
    return static_cast<int>((static_cast<uint64_t>(next()) * static_cast<uint32_t>(n)) >> 32);
  }

 private:
  uint64_t state_;
};

void mean_std(const Plane& p, double* mean, double* stddev) {
  double s = 0, s2 = 0;
  for (float v : p.data) {
    s += v;
    s2 += static_cast<double>(v) * v;
  }
  const double n = static_cast<double>(p.size());
  *mean = s / n;
  *stddev = std::sqrt(std::max(0.0, s2 / n - *mean * *mean));
}

// Standard deviation of L over a side x side window centred on each pixel, clipped at the
// borders (summed-area tables in double).
Plane local_std(const Plane& L, int side) {
  const int w = L.width, h = L.height, r = side / 2;
  std::vector<double> s((static_cast<size_t>(w) + 1) * (h + 1), 0.0);
  std::vector<double> s2(s.size(), 0.0);
  const auto at = [w](int x, int y) { return static_cast<size_t>(y) * (w + 1) + x; };
  for (int y = 0; y < h; ++y) {
    double row = 0, row2 = 0;
    for (int x = 0; x < w; ++x) {
      const double v = L.at(x, y);
      row += v;
      row2 += v * v;
      s[at(x + 1, y + 1)] = s[at(x + 1, y)] + row;
      s2[at(x + 1, y + 1)] = s2[at(x + 1, y)] + row2;
    }
  }
  Plane out(w, h);
  for (int y = 0; y < h; ++y) {
    const int y0 = std::max(0, y - r), y1 = std::min(h, y + r + 1);
    for (int x = 0; x < w; ++x) {
      const int x0 = std::max(0, x - r), x1 = std::min(w, x + r + 1);
      const double n = static_cast<double>(x1 - x0) * (y1 - y0);
      const double sum = s[at(x1, y1)] - s[at(x0, y1)] - s[at(x1, y0)] + s[at(x0, y0)];
      const double sum2 = s2[at(x1, y1)] - s2[at(x0, y1)] - s2[at(x1, y0)] + s2[at(x0, y0)];
      const double m = sum / n;
      out.at(x, y) = static_cast<float>(std::sqrt(std::max(0.0, sum2 / n - m * m)));
    }
  }
  return out;
}

Status check(const Plane& L_target, const Image& reference, const ExemplarOptions& o) {
  const auto bad = [](const std::string& m) { return Status(ErrorCode::kInvalidArgument, m); };
  if (L_target.empty() ||
      L_target.data.size() != static_cast<size_t>(L_target.width) * L_target.height) {
    return bad("the target lightness plane is empty");
  }
  if (reference.empty()) return bad("the reference image has no pixels");
  if (reference.channels > 4 || (reference.bit_depth != 8 && reference.bit_depth != 16) ||
      (reference.bit_depth == 8 ? reference.data8.size() : reference.data16.size()) !=
          reference.sample_count()) {
    return bad("the reference image's samples do not match its size");
  }
  if (o.samples < 1 || o.samples > 100000) {
    return bad("samples " + std::to_string(o.samples) + " is outside 1..100000");
  }
  if (o.window < 3 || o.window > 15 || o.window % 2 == 0) {
    return bad("window " + std::to_string(o.window) + " must be odd, 3..15");
  }
  if (!(o.weight_luminance >= 0.0f && o.weight_luminance <= 1.0f)) {
    return bad("weight_luminance must lie in [0, 1]");
  }
  return Status::Ok();
}

}  // namespace

Result<AbPlanes> exemplar_colorize(const Plane& L_target, const Image& reference,
                                   const ExemplarOptions& options) {
  Status st = check(L_target, reference, options);
  if (!st.ok()) return st;

  // Reference in CIELAB, area-resampled to about the target's pixel count (never upscaled).
  Plane rL, ra, rb;
  image_to_lab(reference, &rL, &ra, &rb);
  const double target_px = static_cast<double>(L_target.width) * L_target.height;
  const double ref_px = static_cast<double>(reference.width) * reference.height;
  if (ref_px > target_px) {
    const double s = std::sqrt(target_px / ref_px);
    const int w = std::max(1, static_cast<int>(std::lround(reference.width * s)));
    const int h = std::max(1, static_cast<int>(std::lround(reference.height * s)));
    rL = resize_area(rL, w, h);
    ra = resize_area(ra, w, h);
    rb = resize_area(rb, w, h);
  }

  // Luminance remapping: the reference's L* takes the target's mean and spread.
  double mt, st_t, mr, st_r;
  mean_std(L_target, &mt, &st_t);
  mean_std(rL, &mr, &st_r);
  const double gain = st_r > 1e-6 ? st_t / st_r : 1.0;
  for (float& v : rL.data) v = static_cast<float>(gain * (v - mr) + mt);

  const Plane target_std = local_std(L_target, options.window);
  const Plane ref_std = local_std(rL, options.window);

  // Jittered grid: gx x gy cells with about the reference's aspect, one random pixel per
  // cell, filled row by row until `samples` are taken.
  const int rw = rL.width, rh = rL.height, n = options.samples;
  const int gy =
      std::max(1, static_cast<int>(std::lround(std::sqrt(static_cast<double>(n) * rh / rw))));
  const int gx = (n + gy - 1) / gy;
  Rng rng(options.seed);
  std::vector<float> sL(n), sS(n), sa(n), sb(n);
  for (int k = 0; k < n; ++k) {
    const int cx = k % gx, cy = k / gx;
    const int x0 = static_cast<int>(static_cast<int64_t>(cx) * rw / gx);
    const int x1 = std::max(x0 + 1, static_cast<int>(static_cast<int64_t>(cx + 1) * rw / gx));
    const int y0 = std::min(rh - 1, static_cast<int>(static_cast<int64_t>(cy) * rh / gy));
    const int y1 =
        std::max(y0 + 1, std::min(rh, static_cast<int>(static_cast<int64_t>(cy + 1) * rh / gy)));
    const int x = std::min(rw - 1, x0 + rng.below(x1 - x0));
    const int y = std::min(rh - 1, y0 + rng.below(y1 - y0));
    sL[k] = rL.at(x, y);
    sS[k] = ref_std.at(x, y);
    sa[k] = ra.at(x, y);
    sb[k] = rb.at(x, y);
  }

  // Best match per target pixel (ties go to the first sample: deterministic).
  const float wl = options.weight_luminance, ws = 1.0f - wl;
  AbPlanes out{Plane(L_target.width, L_target.height), Plane(L_target.width, L_target.height)};
  for (size_t i = 0; i < L_target.size(); ++i) {
    const float l = L_target.data[i], s = target_std.data[i];
    float best = std::numeric_limits<float>::infinity();
    int best_k = 0;
    for (int k = 0; k < n; ++k) {
      const float dl = l - sL[k], ds = s - sS[k];
      const float d = wl * dl * dl + ws * ds * ds;
      if (d < best) {
        best = d;
        best_k = k;
      }
    }
    out.a.data[i] = sa[best_k];
    out.b.data[i] = sb[best_k];
  }
  return out;
}

Result<Image> colorize_with_reference(const Image& target, const Image& reference,
                                      const PrepareOptions& prepare_options,
                                      const ExemplarOptions& exemplar_options,
                                      const FinishOptions& finish_options) {
  auto prepared = prepare(target, prepare_options);
  if (!prepared.ok()) return prepared.status();
  auto ab = exemplar_colorize(prepared->L_work, reference, exemplar_options);
  if (!ab.ok()) return ab.status();
  return finish(target, *prepared, *ab, finish_options);
}

}  // namespace colorize
