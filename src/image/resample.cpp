// Separable resampling of float planes. Every filter is expressed as a per-axis tap table
// (for each output index: a fixed number of input indices, already clamped to the edge, and
// their weights); one routine applies a pair of tables, vertical pass first so that each
// input row is streamed once per output row that needs it.
#include "colorize/resample.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace colorize {
namespace {

struct Taps {
  int n = 0;                  // taps per output index
  std::vector<int> index;     // [out * n + k], clamped into [0, in - 1]
  std::vector<float> weight;  // [out * n + k], summing to 1 per output index
};

int clamp_index(long long i, int size) {
  return static_cast<int>(std::min<long long>(std::max<long long>(i, 0), size - 1));
}

// Pixel-centre mapping: output o samples the input at (o + 0.5) * in / out - 0.5.
double source_position(int o, int in, int out) {
  return (o + 0.5) * static_cast<double>(in) / out - 0.5;
}

Taps bilinear_taps(int in, int out) {
  Taps t;
  t.n = 2;
  t.index.resize(static_cast<size_t>(out) * 2);
  t.weight.resize(static_cast<size_t>(out) * 2);
  for (int o = 0; o < out; ++o) {
    const double s = source_position(o, in, out);
    const double f0 = std::floor(s);
    const double f = s - f0;
    const long long i0 = static_cast<long long>(f0);
    t.index[o * 2] = clamp_index(i0, in);
    t.index[o * 2 + 1] = clamp_index(i0 + 1, in);
    t.weight[o * 2] = static_cast<float>(1.0 - f);
    t.weight[o * 2 + 1] = static_cast<float>(f);
  }
  return t;
}

// Keys cubic convolution kernel with a = -0.5 (Catmull-Rom).
double keys(double x) {
  const double a = -0.5;
  x = std::fabs(x);
  if (x <= 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a;
  return 0.0;
}

Taps bicubic_taps(int in, int out) {
  Taps t;
  t.n = 4;
  t.index.resize(static_cast<size_t>(out) * 4);
  t.weight.resize(static_cast<size_t>(out) * 4);
  for (int o = 0; o < out; ++o) {
    const double s = source_position(o, in, out);
    const double f0 = std::floor(s);
    const long long i0 = static_cast<long long>(f0);
    double sum = 0.0;
    double w[4];
    for (int k = 0; k < 4; ++k) {
      w[k] = keys(s - static_cast<double>(i0 - 1 + k));
      sum += w[k];
    }
    for (int k = 0; k < 4; ++k) {
      t.index[o * 4 + k] = clamp_index(i0 - 1 + k, in);
      t.weight[o * 4 + k] = static_cast<float>(w[k] / sum);
    }
  }
  return t;
}

// Exact box coverage: output o covers input [o * in/out, (o + 1) * in/out); input pixel i
// covers [i, i + 1) and contributes its overlap length divided by in/out.
Taps area_taps(int in, int out) {
  if (out > in) return bilinear_taps(in, out);  // upscaling axis: contract says bilinear
  const double scale = static_cast<double>(in) / out;
  Taps t;
  t.n = static_cast<int>(std::ceil(scale)) + 1;
  t.index.assign(static_cast<size_t>(out) * t.n, 0);
  t.weight.assign(static_cast<size_t>(out) * t.n, 0.0f);
  for (int o = 0; o < out; ++o) {
    const double lo = o * scale;
    const double hi = std::min(static_cast<double>(in), (o + 1) * scale);
    const int first = static_cast<int>(std::floor(lo));
    for (int k = 0; k < t.n; ++k) {
      const int i = first + k;
      const size_t slot = static_cast<size_t>(o) * t.n + k;
      t.index[slot] = clamp_index(i, in);
      if (i >= in) continue;
      const double overlap = std::min(hi, i + 1.0) - std::max(lo, static_cast<double>(i));
      if (overlap > 0.0) t.weight[slot] = static_cast<float>(overlap / scale);
    }
  }
  return t;
}

Plane apply(const Plane& in, const Taps& tx, const Taps& ty, int out_w, int out_h) {
  Plane out(out_w, out_h);
  std::vector<float> tmp(static_cast<size_t>(in.width));
  for (int y = 0; y < out_h; ++y) {
    // Vertical pass into a full-width input row.
    std::fill(tmp.begin(), tmp.end(), 0.0f);
    for (int k = 0; k < ty.n; ++k) {
      const float w = ty.weight[static_cast<size_t>(y) * ty.n + k];
      if (w == 0.0f) continue;
      const float* src = in.row(ty.index[static_cast<size_t>(y) * ty.n + k]);
      float* t = tmp.data();
      for (int x = 0; x < in.width; ++x) t[x] += w * src[x];
    }
    // Horizontal pass.
    float* dst = out.row(y);
    const int* ix = tx.index.data();
    const float* wx = tx.weight.data();
    const int n = tx.n;
    for (int x = 0; x < out_w; ++x, ix += n, wx += n) {
      float acc = 0.0f;
      for (int k = 0; k < n; ++k) acc += wx[k] * tmp[ix[k]];
      dst[x] = acc;
    }
  }
  return out;
}

bool valid(const Plane& in, int out_w, int out_h) {
  return !in.empty() && in.size() == static_cast<size_t>(in.width) * in.height && out_w >= 1 &&
         out_h >= 1;
}

}  // namespace

Plane resize_area(const Plane& in, int out_width, int out_height) {
  if (!valid(in, out_width, out_height)) return Plane();
  return apply(in, area_taps(in.width, out_width), area_taps(in.height, out_height), out_width,
               out_height);
}

Plane resize_bilinear(const Plane& in, int out_width, int out_height) {
  if (!valid(in, out_width, out_height)) return Plane();
  return apply(in, bilinear_taps(in.width, out_width), bilinear_taps(in.height, out_height),
               out_width, out_height);
}

Plane resize_bicubic(const Plane& in, int out_width, int out_height) {
  if (!valid(in, out_width, out_height)) return Plane();
  Plane out = apply(in, bicubic_taps(in.width, out_width), bicubic_taps(in.height, out_height),
                    out_width, out_height);
  const auto mm = std::minmax_element(in.data.begin(), in.data.end());
  const float lo = *mm.first, hi = *mm.second;
  for (float& v : out.data) v = std::min(hi, std::max(lo, v));
  return out;
}

}  // namespace colorize
