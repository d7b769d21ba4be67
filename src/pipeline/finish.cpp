// finish(): chroma from the working size back onto the full-resolution lightness.
//
// Edge-aware path = guided-filter joint upsampling in the manner of the fast guided filter
// (He & Sun 2015): the guided-filter coefficients A, B (the least-squares fit chroma ~ A * L*
// + B over a window) are computed at the chroma's (low) resolution with the low-resolution
// L* as guide, bilinearly upsampled, and the output is A * L_full + B.
// Unlike the classic guided filter, A and B are NOT box-averaged a second time: averaging
// mixes in the coefficients of flat windows next to an edge, which at full resolution get
// applied to pixels on the far side of the edge (an L* far outside the window's range) and
// paint a halo about one working pixel wide. Each pixel's own fit, interpolated bilinearly,
// is continuous and keeps edges clean (see tests/core/test_pipeline_edges.cpp: the leak
// outside an edge drops from ~1.4-1.7 to ~0.6-0.7 C* units, against ~4.3-4.9 for bilinear).
// All full-resolution work happens in one fused pass per row: interpolate the coefficients,
// form a*, b*, convert Lab -> XYZ -> linear RGB, pull out-of-gamut pixels back by reducing
// chroma at constant L*, encode to sRGB through a table, write the pixel.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "colorize/color.h"
#include "colorize/pipeline.h"
#include "colorize/resample.h"

namespace colorize {
namespace {

// Constants of the Lab -> linear sRGB path, taken once from color.h's scalar functions so
// that the fused loop follows the same white point and matrix; and encoding tables
// linear -> sRGB indexed by the bits of the (positive) float: exponent and top mantissa
// bits select a bin whose width is a fixed fraction of its value, which suits the curve's
// power-law shape and needs no sqrt/pow per pixel (so the index computation vectorises).
//   8-bit:  a code per bin of 2^-12 of an octave over [2^-14, 1]: within 0.02 of a code of
//           exact rounding (anything below 2^-14 encodes to 0 anyway).
//   16-bit: the curve at knots 2^-8 of an octave apart over [2^-22, 1], linearly
//           interpolated in between: within ~0.05 of a code.
struct ColorTables {
  static constexpr int kShift8 = 23 - 12;
  static constexpr int kBase8 = (127 - 14) << 12;  // first bin: 2^-14
  static constexpr int kSize8 = (127 << 12) - kBase8 + 1;
  static constexpr int kShift16 = 23 - 8;
  static constexpr int kBase16 = (127 - 22) << 8;  // first knot: 2^-22
  static constexpr int kSize16 = (127 << 8) - kBase16 + 2;
  float m[9];    // XYZ -> linear RGB, row-major
  float xn, zn;  // white point X and Z (Y = 1)
  std::vector<uint8_t> enc8;
  std::vector<float> enc16;  // pairs: value at knot k, difference to knot k + 1

  static float from_bits(uint32_t bits) {
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  }

  ColorTables() : enc8(kSize8), enc16(2 * static_cast<size_t>(kSize16)) {
    const Xyz unit[3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    for (int c = 0; c < 3; ++c) {
      const Rgb col = xyz_to_linear_rgb(unit[c]);
      m[0 + c] = col.r;
      m[3 + c] = col.g;
      m[6 + c] = col.b;
    }
    const Xyz white = lab_to_xyz(Lab{100.0f, 0.0f, 0.0f});
    xn = white.x;
    zn = white.z;
    for (int i = 0; i < kSize8; ++i) {  // value at the bin's centre
      const uint32_t bits = (static_cast<uint32_t>(i + kBase8) << kShift8) | (1u << (kShift8 - 1));
      const float v = std::min(1.0f, from_bits(bits));
      enc8[i] = static_cast<uint8_t>(std::lround(255.0 * linear_to_srgb(v)));
    }
    for (int i = 0; i < kSize16; ++i) {  // value at the knot
      const uint32_t bits = static_cast<uint32_t>(i + kBase16) << kShift16;
      enc16[2 * i] = linear_to_srgb(std::min(1.0f, from_bits(bits)));
    }
    for (int i = 0; i + 1 < kSize16; ++i) enc16[2 * i + 1] = enc16[2 * i + 2] - enc16[2 * i];
  }
};

const ColorTables& tables() {
  static const ColorTables t;
  return t;
}

// CIE f^-1 (t^3 above 6/29, the linear segment below).
// Written without a branch (a 0/1 mask) so that loops calling it vectorise.
inline float finv(float t) {
  constexpr float kDelta = 6.0f / 29.0f;
  constexpr float kSlope = 3.0f * kDelta * kDelta;
  const float cube = t * t * t;
  const float line = (t - 4.0f / 29.0f) * kSlope;
  const float use_cube = static_cast<float>(t > kDelta);
  return line + use_cube * (cube - line);
}

struct LinearRgb {
  float r, g, b;
};

inline LinearRgb lab_to_linear(const ColorTables& t, float fy, float Y, float a, float b) {
  const float X = t.xn * finv(fy + a * (1.0f / 500.0f));
  const float Z = t.zn * finv(fy - b * (1.0f / 200.0f));
  return {t.m[0] * X + t.m[1] * Y + t.m[2] * Z, t.m[3] * X + t.m[4] * Y + t.m[5] * Z,
          t.m[6] * X + t.m[7] * Y + t.m[8] * Z};
}

constexpr float kGamutTol = 1e-5f;

// One bisection step for n pixels: moves lo or hi to the midpoint, branch-free.
void bisect_step(const ColorTables& t, size_t n, const float* __restrict fy,
                 const float* __restrict Y, const float* __restrict a, const float* __restrict b,
                 float* __restrict lo, float* __restrict hi) {
  for (size_t i = 0; i < n; ++i) {
    const float mid = 0.5f * (lo[i] + hi[i]);
    const LinearRgb c = lab_to_linear(t, fy[i], Y[i], a[i] * mid, b[i] * mid);
    const float excess = std::max(std::max(std::max(-c.r, c.r - 1.0f), std::max(-c.g, c.g - 1.0f)),
                                  std::max(-c.b, c.b - 1.0f));
    const float inside = static_cast<float>(excess <= kGamutTol);
    lo[i] += inside * (mid - lo[i]);
    hi[i] += (1.0f - inside) * (mid - hi[i]);
  }
}

// For each listed pixel x (out of gamut): the largest chroma scale s in [0, 1] (to 2^-12)
// with (L, s*a, s*b) inside sRGB, found by bisection run over the whole batch at once so
// that the arithmetic vectorises; writes the pixel's linear RGB. The grey s = 0 is always
// inside for L* in [0, 100].
void reduce_chroma_batch(const ColorTables& t, const int* xs, size_t n, const float* L,
                         const float* A, const float* B, float* R, float* G, float* Bl,
                         std::vector<float>* scratch) {
  scratch->resize(n * 6);
  float* fy = scratch->data();
  float* Y = fy + n;
  float* a = Y + n;
  float* b = a + n;
  float* lo = b + n;
  float* hi = lo + n;
  for (size_t i = 0; i < n; ++i) {
    const int x = xs[i];
    const float l = std::min(100.0f, std::max(0.0f, L[x]));
    fy[i] = (l + 16.0f) * (1.0f / 116.0f);
    Y[i] = finv(fy[i]);
    a[i] = A[x];
    b[i] = B[x];
    lo[i] = 0.0f;
    hi[i] = 1.0f;
  }
  for (int it = 0; it < 12; ++it) {
    bisect_step(t, n, fy, Y, a, b, lo, hi);
  }
  for (size_t i = 0; i < n; ++i) {
    const LinearRgb c = lab_to_linear(t, fy[i], Y[i], a[i] * lo[i], b[i] * lo[i]);
    R[xs[i]] = c.r;
    G[xs[i]] = c.g;
    Bl[xs[i]] = c.b;
  }
}

// Mean over a (2r+1)^2 window clipped to the plane (the divisor counts the pixels inside).
Plane box_mean(const Plane& in, int r) {
  const int w = in.width, h = in.height;
  Plane tmp(w, h), out(w, h);
  std::vector<double> prefix(static_cast<size_t>(std::max(w, h)) + 1);
  for (int y = 0; y < h; ++y) {
    const float* src = in.row(y);
    prefix[0] = 0.0;
    for (int x = 0; x < w; ++x) prefix[x + 1] = prefix[x] + src[x];
    float* dst = tmp.row(y);
    for (int x = 0; x < w; ++x) {
      const int x0 = std::max(0, x - r), x1 = std::min(w, x + r + 1);
      dst[x] = static_cast<float>((prefix[x1] - prefix[x0]) / (x1 - x0));
    }
  }
  for (int x = 0; x < w; ++x) {
    prefix[0] = 0.0;
    for (int y = 0; y < h; ++y) prefix[y + 1] = prefix[y] + tmp.at(x, y);
    for (int y = 0; y < h; ++y) {
      const int y0 = std::max(0, y - r), y1 = std::min(h, y + r + 1);
      out.at(x, y) = static_cast<float>((prefix[y1] - prefix[y0]) / (y1 - y0));
    }
  }
  return out;
}

Plane multiply(const Plane& p, const Plane& q) {
  Plane out(p.width, p.height);
  for (size_t i = 0; i < p.size(); ++i) out.data[i] = p.data[i] * q.data[i];
  return out;
}

// Guided-filter coefficients for chroma p with guide I (both at the same size): per pixel,
// the regularised least-squares line p ~ A * I + B over its (2r+1)^2 window.
void guided_coefficients(const Plane& I, const Plane& mean_I, const Plane& var_I, const Plane& p,
                         int r, float eps, Plane* A_out, Plane* B_out) {
  const Plane mean_p = box_mean(p, r);
  const Plane mean_Ip = box_mean(multiply(I, p), r);
  Plane A(p.width, p.height), B(p.width, p.height);
  for (size_t i = 0; i < p.size(); ++i) {
    const float cov = mean_Ip.data[i] - mean_I.data[i] * mean_p.data[i];
    A.data[i] = cov / (var_I.data[i] + eps);
    B.data[i] = mean_p.data[i] - A.data[i] * mean_I.data[i];
  }
  *A_out = std::move(A);
  *B_out = std::move(B);
}

void scale(Plane* p, float s) {
  for (float& v : p->data) v *= s;
}

// Predicted chroma as finish uses it: non-finite values (a broken model) become grey rather
// than spreading NaN; lo/hi: each plane's range (a*, b*), which upsampled values keep to.
struct CleanChroma {
  Plane a, b;
  float lo[2] = {0, 0}, hi[2] = {0, 0};
};

CleanChroma clean_chroma(const AbPlanes& ab) {
  CleanChroma c{ab.a, ab.b};
  Plane* const planes[2] = {&c.a, &c.b};
  for (int k = 0; k < 2; ++k) {
    for (float& v : planes[k]->data) v = std::isfinite(v) ? v : 0.0f;
    const auto r = std::minmax_element(planes[k]->data.begin(), planes[k]->data.end());
    c.lo[k] = *r.first;
    c.hi[k] = *r.second;
  }
  return c;
}

// The guided upsampling's settings (finish and upsample_chroma).
Status check_guided(const FinishOptions& o) {
  if (o.upsampling != Upsampling::kGuided) return Status::Ok();
  if (o.guided_radius < 0 || o.guided_radius > 64) {
    return Status(ErrorCode::kInvalidArgument, "guided radius outside 0..64");
  }
  if (!(o.guided_eps > 0.0f) || !std::isfinite(o.guided_eps)) {
    return Status(ErrorCode::kInvalidArgument, "guided eps must be a positive number");
  }
  return Status::Ok();
}

// Per low-resolution pixel, the lines a* ~ coef[0] L* + coef[1] and b* ~ coef[2] L* +
// coef[3] that the full-resolution pass evaluates (guided: the guided filter's; bilinear:
// slope 0). Unscaled by the saturation.
void chroma_coefficients(const Prepared& prepared, Plane pa, Plane pb, const FinishOptions& options,
                         Plane* coef) {
  const int w = pa.width, h = pa.height;
  if (options.upsampling == Upsampling::kGuided) {
    // The guide: L* at the chroma's size (the working L* when it matches).
    const Plane I = (prepared.L_work.width == w && prepared.L_work.height == h &&
                     prepared.L_work.data.size() == pa.data.size())
                        ? prepared.L_work
                        : resize_area(prepared.L_full, w, h);
    const int r = options.guided_radius;
    const Plane mean_I = box_mean(I, r);
    Plane var_I = box_mean(multiply(I, I), r);
    for (size_t i = 0; i < var_I.size(); ++i) {
      var_I.data[i] = std::max(0.0f, var_I.data[i] - mean_I.data[i] * mean_I.data[i]);
    }
    guided_coefficients(I, mean_I, var_I, pa, r, options.guided_eps, &coef[0], &coef[1]);
    guided_coefficients(I, mean_I, var_I, pb, r, options.guided_eps, &coef[2], &coef[3]);
  } else {
    coef[0] = Plane(w, h);
    coef[1] = std::move(pa);
    coef[2] = Plane(w, h);
    coef[3] = std::move(pb);
  }
}

// Bilinear sampling positions along one axis (pixel-centre convention, clamped): output o
// reads in[i0] + f * (in[i0 + 1] - in[i0]), with the difference taken as 0 at the last index.
struct Axis {
  std::vector<int> i0;
  std::vector<float> f;
};

Axis make_axis(int in, int out) {
  Axis a;
  a.i0.resize(out);
  a.f.resize(out);
  for (int o = 0; o < out; ++o) {
    const double s = (o + 0.5) * static_cast<double>(in) / out - 0.5;
    if (s <= 0.0) {
      a.i0[o] = 0;
      a.f[o] = 0.0f;
    } else if (s >= in - 1) {
      a.i0[o] = in - 1;
      a.f[o] = 0.0f;
    } else {
      const int i = static_cast<int>(s);
      a.i0[o] = i;
      a.f[o] = static_cast<float>(s - i);
    }
  }
  return a;
}

// Row kernels of the full-resolution pass. Kept as separate functions with restrict-
// qualified pointers and branch-free bodies so that the compiler vectorises each of them.

// Lab (L* already in [0, 100]) -> linear RGB; flags pixels outside [0, 1] (beyond
// kGamutTol) and returns whether any was flagged.
int lab_row_to_linear(const ColorTables& t, int n, const float* __restrict L,
                      const float* __restrict A, const float* __restrict B, float* __restrict R,
                      float* __restrict G, float* __restrict Bl, int32_t* __restrict flag) {
  const float m0 = t.m[0], m1 = t.m[1], m2 = t.m[2], m3 = t.m[3], m4 = t.m[4], m5 = t.m[5],
              m6 = t.m[6], m7 = t.m[7], m8 = t.m[8], xn = t.xn, zn = t.zn;
  int any_out = 0;
  for (int x = 0; x < n; ++x) {
    const float fy = (L[x] + 16.0f) * (1.0f / 116.0f);
    const float Y = finv(fy);
    const float X = xn * finv(fy + A[x] * (1.0f / 500.0f));
    const float Z = zn * finv(fy - B[x] * (1.0f / 200.0f));
    const float r = m0 * X + m1 * Y + m2 * Z;
    const float g = m3 * X + m4 * Y + m5 * Z;
    const float bl = m6 * X + m7 * Y + m8 * Z;
    R[x] = r;
    G[x] = g;
    Bl[x] = bl;
    // How far the farthest channel lies outside [0, 1].
    const float excess = std::max(std::max(std::max(-r, r - 1.0f), std::max(-g, g - 1.0f)),
                                  std::max(-bl, bl - 1.0f));
    const int out_of_gamut = excess > kGamutTol;
    flag[x] = out_of_gamut;
    any_out |= out_of_gamut;
  }
  return any_out;
}

void clamp_row(int n, const float* __restrict in, float lo, float hi, float* __restrict out) {
  for (int x = 0; x < n; ++x) out[x] = std::min(hi, std::max(lo, in[x]));
}

// Linear value (clamped to [0, 1]) -> index into ColorTables::enc8.
void encode8_index_row(int n, const float* __restrict in, int32_t* __restrict idx) {
  for (int x = 0; x < n; ++x) {
    const float v = std::min(1.0f, std::max(0.0f, in[x]));
    int32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    const int32_t i = (bits >> ColorTables::kShift8) - ColorTables::kBase8;
    idx[x] = i < 0 ? 0 : i;
  }
}

// Linear value (clamped to [0, 1]) -> knot index into ColorTables::enc16 and the fraction
// of the way to the next knot (values below the first knot: knot 0, fraction 0).
void encode16_index_row(int n, const float* __restrict in, int32_t* __restrict idx,
                        float* __restrict frac) {
  constexpr uint32_t kMask = (1u << ColorTables::kShift16) - 1;
  constexpr float kScale = 1.0f / static_cast<float>(1u << ColorTables::kShift16);
  for (int x = 0; x < n; ++x) {
    // Clamped in the integer domain (for floats >= 0 the bit patterns order like the
    // values; negative values and -NaN compare below, +NaN above): [first knot, 1].
    int32_t bits;
    std::memcpy(&bits, &in[x], sizeof bits);
    constexpr int32_t kFirst = ColorTables::kBase16 << ColorTables::kShift16;
    constexpr int32_t kOne = 127 << 23;
    bits = bits < kFirst ? kFirst : bits;
    bits = bits > kOne ? kOne : bits;
    idx[x] = (bits >> ColorTables::kShift16) - ColorTables::kBase16;
    frac[x] = static_cast<float>(bits & static_cast<int32_t>(kMask)) * kScale;
  }
}

// Rows per band of the full-resolution pass (the bands may run on several threads).
constexpr int kBandRows = 64;

// The full-resolution pass, row by row, in stages over row buffers so that the arithmetic
// stages vectorise (SSE2 / WASM SIMD) and only table look-ups and interleaved stores are
// scalar. coef holds four planes at low resolution: A_a, B_a, A_b, B_b (output chroma is
// A * L + B), already scaled by the saturation; a and b are then clamped to [lo, hi] (the
// range the predicted chroma spans, so the filter cannot invent stronger colours).
template <typename T>
void render(const Image& original, const Plane& L_full, const Plane* coef, float a_lo, float a_hi,
            float b_lo, float b_hi, const FinishOptions& options, Image* out) {
  const ColorTables& t = tables();
  const int W = original.width, H = original.height;
  const int w = coef[0].width, h = coef[0].height;
  const Axis ax = make_axis(w, W);
  const Axis ay = make_axis(h, H);
  // Output columns [seg[i], seg[i + 1]) interpolate between low-res columns i and i + 1.
  std::vector<int> seg(static_cast<size_t>(w) + 1, W);
  for (int x = W - 1; x >= 0; --x) seg[ax.i0[x]] = x;
  for (int i = w - 1; i >= 0; --i) seg[i] = std::min(seg[i], seg[i + 1]);

  const int in_ch = original.channels, out_ch = out->channels;
  const bool alpha = original.has_alpha();
  const T* src = nullptr;
  T* dst = nullptr;
  if constexpr (sizeof(T) == 1) {
    src = original.data8.data();
    dst = out->data8.data();
  } else {
    src = original.data16.data();
    dst = out->data16.data();
  }

  // Rows are independent: bands of them run through options.parallel_for when given, each
  // with its own row buffers (the same output in any order).
  auto render_rows = [&](int y_begin, int y_end) {
    std::vector<float> lowrow(static_cast<size_t>(w) * 8);
    std::vector<float> buf(static_cast<size_t>(W) * 5);
    std::vector<int32_t> flag(static_cast<size_t>(W));
    std::vector<int32_t> index(static_cast<size_t>(W) * 3);
    std::vector<float> Lc(static_cast<size_t>(W));
    std::vector<float> frac(sizeof(T) == 2 ? static_cast<size_t>(W) * 3 : 0);
    std::vector<int> batch(static_cast<size_t>(W));
    std::vector<float> scratch;
    float* const A = buf.data();
    float* const B = A + W;
    float* const R = B + W;
    float* const G = R + W;
    float* const Bl = G + W;
    const float* const fx = ax.f.data();
    for (int y = y_begin; y < y_end; ++y) {
      // 1. Coefficients of this row at low resolution: value and difference to the right.
      const int y0 = ay.i0[y];
      const int y1 = std::min(y0 + 1, h - 1);
      const float wy = ay.f[y];
      for (int q = 0; q < 4; ++q) {
        const float* r0 = coef[q].row(y0);
        const float* r1 = coef[q].row(y1);
        for (int x = 0; x < w; ++x) lowrow[x * 8 + 2 * q] = r0[x] + wy * (r1[x] - r0[x]);
      }
      for (int x = 0; x < w; ++x) {
        const int xn1 = std::min(x + 1, w - 1);
        for (int q = 0; q < 4; ++q) {
          lowrow[x * 8 + 2 * q + 1] = lowrow[xn1 * 8 + 2 * q] - lowrow[x * 8 + 2 * q];
        }
      }

      // 2. a*, b* per pixel: constant coefficients along each segment.
      float* const L = Lc.data();
      clamp_row(W, L_full.row(y), 0.0f, 100.0f, L);
      for (int i = 0; i < w; ++i) {
        const float* c = &lowrow[static_cast<size_t>(i) * 8];
        const float c0 = c[0], c1 = c[1], c2 = c[2], c3 = c[3];
        const float c4 = c[4], c5 = c[5], c6 = c[6], c7 = c[7];
        for (int x = seg[i]; x < seg[i + 1]; ++x) {
          const float l = L[x];
          const float f = fx[x];
          const float a = (c0 + f * c1) * l + (c2 + f * c3);
          const float b = (c4 + f * c5) * l + (c6 + f * c7);
          A[x] = std::min(a_hi, std::max(a_lo, a));
          B[x] = std::min(b_hi, std::max(b_lo, b));
        }
      }

      // 3. Lab -> linear RGB, flagging pixels outside the gamut.
      const int any_out = lab_row_to_linear(t, W, L, A, B, R, G, Bl, flag.data());

      // 4. Pull out-of-gamut pixels back along their chroma at constant L* (batched).
      if (any_out) {
        size_t n = 0;  // branch-free compaction of the flagged columns
        for (int x = 0; x < W; ++x) {
          batch[n] = x;
          n += static_cast<size_t>(flag[x]);
        }
        reduce_chroma_batch(t, batch.data(), n, L, A, B, R, G, Bl, &scratch);
      }

      // 5. Encode and store, interleaved, with the original's alpha.
      T* d = dst + static_cast<size_t>(y) * W * out_ch;
      const T* s = src + static_cast<size_t>(y) * W * in_ch;
      if constexpr (sizeof(T) == 1) {
        encode8_index_row(W, R, index.data());
        encode8_index_row(W, G, index.data() + W);
        encode8_index_row(W, Bl, index.data() + 2 * static_cast<size_t>(W));
        const int32_t* ir = index.data();
        const int32_t* ig = ir + W;
        const int32_t* ib = ig + W;
        const uint8_t* e = t.enc8.data();
        for (int x = 0; x < W; ++x) {
          T* o = d + static_cast<size_t>(x) * out_ch;
          o[0] = e[ir[x]];
          o[1] = e[ig[x]];
          o[2] = e[ib[x]];
          if (alpha) o[3] = s[static_cast<size_t>(x) * in_ch + in_ch - 1];
        }
      } else {
        encode16_index_row(W, R, index.data(), frac.data());
        encode16_index_row(W, G, index.data() + W, frac.data() + W);
        encode16_index_row(W, Bl, index.data() + 2 * static_cast<size_t>(W),
                           frac.data() + 2 * static_cast<size_t>(W));
        const float* e = t.enc16.data();
        for (int x = 0; x < W; ++x) {
          T* o = d + static_cast<size_t>(x) * out_ch;
          for (int c = 0; c < 3; ++c) {
            const size_t j = static_cast<size_t>(c) * W + x;
            const float* knot = e + 2 * static_cast<size_t>(index[j]);
            o[c] = static_cast<T>((knot[0] + frac[j] * knot[1]) * 65535.0f + 0.5f);
          }
          if (alpha) o[3] = s[static_cast<size_t>(x) * in_ch + in_ch - 1];
        }
      }
    }
  };
  const size_t bands = (static_cast<size_t>(H) + kBandRows - 1) / kBandRows;
  std::atomic<bool> out_of_memory{false};
  for_each_index(options.parallel_for, bands, [&](size_t i) {
    const int y0 = static_cast<int>(i) * kBandRows;
    try {
      render_rows(y0, std::min(H, y0 + kBandRows));
    } catch (const std::bad_alloc&) {  // a band's row buffers: rethrown below, on this thread
      out_of_memory = true;
    }
  });
  if (out_of_memory) throw std::bad_alloc();
}

// A number for a message, to two decimals (not std::to_string(float): "%f", and the printf
// machinery it brings costs the WASM build 8 KB).
std::string two_decimals(float v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "infinity" : "-infinity";
  if (std::fabs(v) >= 1e9f) return v > 0 ? "over 1e9" : "under -1e9";
  const long long hundredths = std::llround(std::fabs(static_cast<double>(v)) * 100.0);
  const std::string cents = std::to_string(100 + hundredths % 100).substr(1);
  return (v < 0 && hundredths > 0 ? "-" : "") + std::to_string(hundredths / 100) + "." + cents;
}

Status check(const Image& original, const Prepared& prepared, const AbPlanes& ab,
             const FinishOptions& o) {
  const auto bad = [](const std::string& m) { return Status(ErrorCode::kInvalidArgument, m); };
  if (original.empty()) return bad("the original image has no pixels");
  if (original.bit_depth != 8 && original.bit_depth != 16) return bad("bit depth must be 8 or 16");
  if (original.channels < 1 || original.channels > 4) return bad("channels must be 1..4");
  const size_t samples = original.sample_count();
  if ((original.bit_depth == 8 ? original.data8.size() : original.data16.size()) != samples) {
    return bad("the original image's sample buffer does not match its size");
  }
  const Plane& L = prepared.L_full;
  if (L.width != original.width || L.height != original.height ||
      L.data.size() != original.pixel_count()) {
    return bad("the prepared lightness is " + std::to_string(L.width) + "x" +
               std::to_string(L.height) + " but the image is " + std::to_string(original.width) +
               "x" + std::to_string(original.height));
  }
  if (ab.a.empty() || ab.b.empty()) return bad("the chroma planes are empty");
  const size_t n = static_cast<size_t>(ab.a.width) * static_cast<size_t>(ab.a.height);
  if (ab.a.width != ab.b.width || ab.a.height != ab.b.height || ab.a.data.size() != n ||
      ab.b.data.size() != n) {
    return bad("the a* and b* planes differ in size");
  }
  if (!(o.saturation >= 0.0f && o.saturation <= 4.0f)) {
    return bad("saturation " + two_decimals(o.saturation) + " is outside [0, 4]");
  }
  return check_guided(o);
}

}  // namespace

Result<Image> finish(const Image& original, const Prepared& prepared, const AbPlanes& ab,
                     const FinishOptions& options) {
  Status st = check(original, prepared, ab, options);
  if (!st.ok()) return st;
  const float sat = options.saturation;
  CleanChroma c = clean_chroma(ab);
  const float a_lo = c.lo[0] * sat, a_hi = c.hi[0] * sat;
  const float b_lo = c.lo[1] * sat, b_hi = c.hi[1] * sat;

  Plane coef[4];
  chroma_coefficients(prepared, std::move(c.a), std::move(c.b), options, coef);
  for (Plane& c : coef) scale(&c, sat);

  Image out = Image::make(original.width, original.height, original.has_alpha() ? 4 : 3,
                          original.bit_depth);
  if (original.bit_depth == 16) {
    render<uint16_t>(original, prepared.L_full, coef, a_lo, a_hi, b_lo, b_hi, options, &out);
  } else {
    render<uint8_t>(original, prepared.L_full, coef, a_lo, a_hi, b_lo, b_hi, options, &out);
  }
  return out;
}

Result<AbPlanes> upsample_chroma(const Prepared& prepared, const AbPlanes& ab,
                                 const Plane& L_target, const FinishOptions& options) {
  const auto bad = [](const std::string& m) { return Status(ErrorCode::kInvalidArgument, m); };
  const size_t n = static_cast<size_t>(ab.a.width) * static_cast<size_t>(ab.a.height);
  if (ab.a.empty() || ab.a.width != ab.b.width || ab.a.height != ab.b.height ||
      ab.a.data.size() != n || ab.b.data.size() != n) {
    return bad("the a* and b* planes are empty or differ in size");
  }
  if (prepared.L_full.empty() || L_target.empty() ||
      L_target.data.size() != static_cast<size_t>(L_target.width) * L_target.height) {
    return bad("the lightness planes are empty");
  }
  Status st = check_guided(options);
  if (!st.ok()) return st;
  CleanChroma clean = clean_chroma(ab);
  const int w = clean.a.width, h = clean.a.height, W = L_target.width, H = L_target.height;
  const float* const lo = clean.lo;
  const float* const hi = clean.hi;
  Plane coef[4];
  chroma_coefficients(prepared, std::move(clean.a), std::move(clean.b), options, coef);
  const Axis ax = make_axis(w, W), ay = make_axis(h, H);
  AbPlanes out{Plane(W, H), Plane(W, H)};
  Plane* const dst[2] = {&out.a, &out.b};
  for (int y = 0; y < H; ++y) {
    const int y0 = ay.i0[y], y1 = std::min(y0 + 1, h - 1);
    const float fy = ay.f[y];
    for (int x = 0; x < W; ++x) {
      const int x0 = ax.i0[x], x1 = std::min(x0 + 1, w - 1);
      const float fx = ax.f[x];
      float c[4];
      for (int q = 0; q < 4; ++q) {
        const float top = coef[q].at(x0, y0) + fx * (coef[q].at(x1, y0) - coef[q].at(x0, y0));
        const float bot = coef[q].at(x0, y1) + fx * (coef[q].at(x1, y1) - coef[q].at(x0, y1));
        c[q] = top + fy * (bot - top);
      }
      const float l = std::min(100.0f, std::max(0.0f, L_target.at(x, y)));
      for (int k = 0; k < 2; ++k) {
        dst[k]->at(x, y) = std::min(hi[k], std::max(lo[k], c[2 * k] * l + c[2 * k + 1]));
      }
    }
  }
  return out;
}

}  // namespace colorize
