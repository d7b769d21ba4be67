// SSIM (Wang, Bovik, Sheikh & Simoncelli 2004): 11x11 Gaussian window, sigma 1.5, K1 = 0.01,
// K2 = 0.03, L = 255, per RGB channel, averaged. As in the authors' reference code, the map
// covers the positions where the whole window fits ("valid"), and there is no downsampling.
// Along a side shorter than 11 pixels the window is cut at the border and renormalised, so
// small images still get a score.
//
// The Gaussian is separable: each row is filtered horizontally once (five moments: x, y,
// x^2, y^2, xy), kept in a ring of 11 rows, and combined vertically per output row. Samples
// are centred on 128 so float moments keep their precision.
#include <algorithm>
#include <cmath>
#include <vector>

#include "metrics_internal.h"

namespace colorize {
namespace metrics_detail {
namespace {

constexpr int kTaps = 11;
constexpr int kRadius = 5;
constexpr double kSigma = 1.5;

// Filtering along one axis: output o reads padded input o + k (k = 0..10) with weight
// w[k * out_len + o]; the input is padded by `pad` zeros on each side.
struct Axis {
  int out_len = 0;
  int pad = 0;
  std::vector<float> w;

  explicit Axis(int len) {
    double g[kTaps], sum = 0;
    for (int k = 0; k < kTaps; ++k) {
      const double d = k - kRadius;
      g[k] = std::exp(-d * d / (2.0 * kSigma * kSigma));
      sum += g[k];
    }
    if (len >= kTaps) {
      out_len = len - (kTaps - 1);
      pad = 0;
      w.resize(static_cast<size_t>(kTaps) * out_len);
      for (int k = 0; k < kTaps; ++k)
        std::fill(w.begin() + static_cast<size_t>(k) * out_len,
                  w.begin() + static_cast<size_t>(k + 1) * out_len, static_cast<float>(g[k] / sum));
    } else {
      out_len = len;
      pad = kRadius;
      w.assign(static_cast<size_t>(kTaps) * out_len, 0.0f);
      for (int o = 0; o < out_len; ++o) {
        double s = 0;
        for (int k = 0; k < kTaps; ++k) {
          const int q = o - kRadius + k;
          if (q >= 0 && q < len) s += g[k];
        }
        for (int k = 0; k < kTaps; ++k) {
          const int q = o - kRadius + k;
          if (q >= 0 && q < len) w[static_cast<size_t>(k) * out_len + o] = static_cast<float>(g[k] / s);
        }
      }
    }
  }
  float weight(int k, int o) const { return w[static_cast<size_t>(k) * out_len + o]; }
};

// Mean SSIM of one channel.
double ssim_channel(const Rgb8& x, const Rgb8& y, int channel) {
  const int W = x.width, H = x.height;
  const Axis ax(W), ay(H);
  const int ow = ax.out_len, oh = ay.out_len;
  const int padded = W + 2 * ax.pad;
  const double C1 = (0.01 * 255) * (0.01 * 255), C2 = (0.03 * 255) * (0.03 * 255);

  // Padded input moments of one row, and the ring of horizontally filtered rows.
  std::vector<float> in(static_cast<size_t>(5) * padded, 0.0f);
  std::vector<float> ring(static_cast<size_t>(kTaps) * 5 * ow);
  std::vector<float> acc(static_cast<size_t>(5) * ow);
  auto ring_row = [&](int q, int m) { return ring.data() + (static_cast<size_t>(q % kTaps) * 5 + m) * ow; };

  auto filter_row = [&](int q) {
    float* px = in.data() + ax.pad;
    float* py = px + padded;
    float* pxx = py + padded;
    float* pyy = pxx + padded;
    float* pxy = pyy + padded;
    const uint8_t* sx = x.px.data() + static_cast<size_t>(q) * W * 3 + channel;
    const uint8_t* sy = y.px.data() + static_cast<size_t>(q) * W * 3 + channel;
    for (int i = 0; i < W; ++i) {
      const float a = static_cast<float>(sx[3 * i]) - 128.0f;
      const float b = static_cast<float>(sy[3 * i]) - 128.0f;
      px[i] = a;
      py[i] = b;
      pxx[i] = a * a;
      pyy[i] = b * b;
      pxy[i] = a * b;
    }
    for (int m = 0; m < 5; ++m) {
      const float* src = in.data() + static_cast<size_t>(m) * padded;
      float* dst = ring_row(q, m);
      std::fill(dst, dst + ow, 0.0f);
      for (int k = 0; k < kTaps; ++k) {
        const float* wk = ax.w.data() + static_cast<size_t>(k) * ow;
        const float* s = src + k;
        for (int o = 0; o < ow; ++o) dst[o] += wk[o] * s[o];
      }
    }
  };

  double total = 0.0;
  int next = 0;  // next input row to filter horizontally
  for (int oy = 0; oy < oh; ++oy) {
    const int first = oy - ay.pad;  // input row under tap k = 0
    const int last = std::min(H - 1, first + kTaps - 1);
    while (next <= last) filter_row(next++);
    std::fill(acc.begin(), acc.end(), 0.0f);
    for (int k = 0; k < kTaps; ++k) {
      const int q = first + k;
      if (q < 0 || q >= H) continue;
      const float wgt = ay.weight(k, oy);
      for (int m = 0; m < 5; ++m) {
        const float* s = ring_row(q, m);
        float* d = acc.data() + static_cast<size_t>(m) * ow;
        for (int o = 0; o < ow; ++o) d[o] += wgt * s[o];
      }
    }
    const float* mx = acc.data();
    const float* my = mx + ow;
    const float* exx = my + ow;
    const float* eyy = exx + ow;
    const float* exy = eyy + ow;
    double row_sum = 0.0;
    for (int o = 0; o < ow; ++o) {
      const double cx = mx[o], cy = my[o];
      const double vx = exx[o] - cx * cx, vy = eyy[o] - cy * cy, cov = exy[o] - cx * cy;
      const double ux = cx + 128.0, uy = cy + 128.0;
      row_sum += ((2.0 * ux * uy + C1) * (2.0 * cov + C2)) /
                 ((ux * ux + uy * uy + C1) * (vx + vy + C2));
    }
    total += row_sum;
  }
  return total / (static_cast<double>(ow) * oh);
}

}  // namespace

double ssim_rgb8(const Rgb8& x, const Rgb8& y, bool grey_pair) {
  if (x.pixel_count() == 0) return 1.0;
  if (grey_pair) return ssim_channel(x, y, 0);  // R = G = B in both: one channel says it all
  return (ssim_channel(x, y, 0) + ssim_channel(x, y, 1) + ssim_channel(x, y, 2)) / 3.0;
}

}  // namespace metrics_detail
}  // namespace colorize
