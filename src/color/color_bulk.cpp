// Bulk colour conversions over whole images, built on lookup tables:
//   - sRGB code -> linear: 256 entries (8-bit) / 65536 entries (16-bit);
//   - grey code -> L*: 256 / 65536 entries (grey needs no matrix: L* depends on Y only);
//   - f(t) of CIELAB: a vectorisable cbrt (exponent guess + two Halley steps), no table;
//   - linear -> sRGB code: a coarse bin table gives a candidate code, then a comparison
//     against the exact rounding thresholds fixes it, so the result is exactly
//     round(encode(y) * max) for the float y.
// Tables are function-local statics: built once, on first use, thread-safe (C++11).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "colorize/color.h"
#include "color_internal.h"

namespace colorize {
namespace {

using namespace color_detail;

const std::array<float, 256>& lin8_table() {
  static const std::array<float, 256> t = [] {
    std::array<float, 256> a{};
    for (int i = 0; i < 256; ++i) a[i] = static_cast<float>(srgb_to_linear_d(i / 255.0));
    return a;
  }();
  return t;
}

const std::vector<float>& lin16_table() {
  static const std::vector<float> t = [] {
    std::vector<float> a(65536);
    for (int i = 0; i < 65536; ++i) a[i] = static_cast<float>(srgb_to_linear_d(i / 65535.0));
    return a;
  }();
  return t;
}

const std::array<float, 256>& grey_l8_table() {
  static const std::array<float, 256> t = [] {
    std::array<float, 256> a{};
    for (int i = 0; i < 256; ++i)
      a[i] = static_cast<float>(lightness_from_y(srgb_to_linear_d(i / 255.0)));
    return a;
  }();
  return t;
}

const std::vector<float>& grey_l16_table() {
  static const std::vector<float> t = [] {
    std::vector<float> a(65536);
    for (int i = 0; i < 65536; ++i)
      a[i] = static_cast<float>(lightness_from_y(srgb_to_linear_d(i / 65535.0)));
    return a;
  }();
  return t;
}

// c ? a : b for vectorisable loops. A plain select lets the compiler move the computation of
// the unchosen value into a branch (float arithmetic may trap under the default
// -ftrapping-math, so it is not speculated back) and the loop stays scalar; a bit mask
// keeps both values computed. Exact for every input, inf and NaN included.
inline float select(bool c, float a, float b) {
  uint32_t ua, ub;
  std::memcpy(&ua, &a, sizeof ua);
  std::memcpy(&ub, &b, sizeof ub);
  const uint32_t m = c ? 0xffffffffu : 0u;
  const uint32_t r = (ua & m) | (ub & ~m);
  float out;
  std::memcpy(&out, &r, sizeof out);
  return out;
}

// f(t) of CIELAB, vectorisable: cbrt by an exponent-thirding first guess (fdlibm's cbrtf
// constant) and two Halley steps (cubic convergence); measured max error 2e-7 on (eps, 1].
inline float lab_f_fast(float t) {
  const float eps = static_cast<float>(kEpsilon);
  const float lin = (static_cast<float>(kKappa) * t + 16.0f) * (1.0f / 116.0f);
  // Below eps/2 the cbrt runs on `lin` (>= 0.13 for t >= 0: no denormals) and is discarded.
  const float tc = select(t > 0.5f * eps, t, lin);
  int32_t i;
  std::memcpy(&i, &tc, sizeof i);
  i = static_cast<int32_t>(static_cast<float>(i) * (1.0f / 3.0f)) + 709958130;
  float y;
  std::memcpy(&y, &i, sizeof y);
  float y3 = y * y * y;
  y = y * (y3 + 2.0f * tc) / (2.0f * y3 + tc);
  y3 = y * y * y;
  y = y * (y3 + 2.0f * tc) / (2.0f * y3 + tc);
  return select(t > eps, y, lin);
}

// Linear [0, 1] -> sRGB code 0..max_code, exactly rounded: a bin table gives a candidate
// code and the rounding thresholds th[] correct it. Bins are uniform in y (8-bit: 4096 bins,
// a power of two, so the bin's lower edge is exactly <= y and only an upward step can be
// needed) or in sqrt(y) (16-bit: 131072 bins; codes near black are dense in y). A bin is
// narrower than the gap between two thresholds, so one step fixes the candidate (the tests
// check every 8- and 16-bit code, and random values against the scalar formula).
struct Encoder {
  int max_code;
  bool sqrt_domain;
  int bins;
  std::vector<uint16_t> start;  // code at each bin's lower edge
  std::vector<float> th;        // th[c]: lowest y that rounds to c; th[0] = -inf, th[max+1] = +inf

  Encoder(int max_code_, bool sqrt_domain_, int bins_)
      : max_code(max_code_), sqrt_domain(sqrt_domain_), bins(bins_), start(bins_),
        th(max_code_ + 2) {
    th[0] = -std::numeric_limits<float>::infinity();
    th[max_code + 1] = std::numeric_limits<float>::infinity();
    for (int c = 1; c <= max_code; ++c)
      th[c] = static_cast<float>(srgb_to_linear_d((c - 0.5) / max_code));
    int c = 0;
    for (int i = 0; i < bins; ++i) {
      const double s = static_cast<double>(i) / bins;
      const float y = static_cast<float>(sqrt_domain ? s * s : s);
      while (y >= th[c + 1]) ++c;
      start[i] = static_cast<uint16_t>(c);
    }
  }

  // A by-value view for inner loops: copied into a local, its pointers stay in registers
  // (stores through uint8_t* may alias anything, so members behind a reference are reloaded).
  struct View {
    const uint16_t* start;
    const float* th;
    int bins;

    static inline float clamp01(float y) {
      y = y > 0.0f ? y : 0.0f;  // clamps out-of-gamut values; NaN -> 0
      return y < 1.0f ? y : 1.0f;
    }
    // Uniform bins (8-bit).
    inline int encode_uniform(float y) const {
      y = clamp01(y);
      int i = static_cast<int>(y * static_cast<float>(bins));
      i = i < bins - 1 ? i : bins - 1;
      int c = start[i];
      c += y >= th[c + 1];
      return c;
    }
    // Bins uniform in sqrt(y) (16-bit).
    inline int encode_sqrt(float y) const {
      y = clamp01(y);
      int i = static_cast<int>(std::sqrt(y) * static_cast<float>(bins));
      i = i < bins - 1 ? i : bins - 1;
      int c = start[i];
      c += y >= th[c + 1];
      c -= y < th[c];
      return c;
    }
  };
  View view() const { return {start.data(), th.data(), bins}; }
};

// Adapters for colour_to_grey.
struct Encode8 {
  Encoder::View v;
  inline int operator()(float y) const { return v.encode_uniform(y); }
};
struct Encode16 {
  Encoder::View v;
  inline int operator()(float y) const { return v.encode_sqrt(y); }
};

const Encoder& encoder8() {
  static const Encoder e(255, false, 4096);
  return e;
}

const Encoder& encoder16() {
  static const Encoder e(65535, true, 131072);
  return e;
}

// Pixels are processed in chunks: a scalar gather (table lookups) into small planar
// buffers, then straight-line float code the compiler vectorises.
constexpr int kChunk = 256;

// Where a chunk of output goes: into the caller's plane when it already has the size, else
// appended to a fresh reserved vector (never zero-filled first: for a 12 MP plane the extra
// pass costs more than the conversion).
template <typename T>
class Sink {
 public:
  Sink(std::vector<T>* v, size_t n) : v_(v) {
    if (!v_) return;
    if (v_->size() == n) {
      dst_ = v_->data();
    } else {
      std::vector<T>().swap(*v_);
      v_->reserve(n);
    }
  }
  explicit operator bool() const { return v_ != nullptr; }
  void put(size_t at, const T* src, size_t len) {
    if (!v_) return;
    if (dst_)
      std::memcpy(dst_ + at, src, len * sizeof(T));
    else
      v_->insert(v_->end(), src, src + len);
  }

 private:
  std::vector<T>* v_;
  T* dst_ = nullptr;
};

Sink<float> plane_sink(Plane* p, int w, int h) {
  if (!p) return Sink<float>(nullptr, 0);
  p->width = w;
  p->height = h;
  return Sink<float>(&p->data, static_cast<size_t>(w) * static_cast<size_t>(h));
}

template <typename T>
void grey_to_lab(const T* src, int channels, size_t n, const float* ltab, Sink<float>& L,
                 Sink<float>& A, Sink<float>& B) {
  float buf[kChunk];
  for (size_t i0 = 0; i0 < n; i0 += kChunk) {
    const int len = static_cast<int>(std::min<size_t>(kChunk, n - i0));
    if (L) {
      const T* p = src + i0 * channels;
      for (int k = 0; k < len; ++k) buf[k] = ltab[p[k * channels]];
      L.put(i0, buf, len);
    }
  }
  std::fill(buf, buf + kChunk, 0.0f);
  for (size_t i0 = 0; i0 < n; i0 += kChunk) {
    const size_t len = std::min<size_t>(kChunk, n - i0);
    A.put(i0, buf, len);
    B.put(i0, buf, len);
  }
}

template <typename T>
void colour_to_lab(const T* src, int channels, size_t n, const float* lin, Sink<float>& L,
                   Sink<float>& A, Sink<float>& B) {
  // Rows of the RGB -> XYZ matrix divided by the white, so X/Xn etc. come out directly.
  float m[3][3];
  const double white[3] = {kWhiteX, kWhiteY, kWhiteZ};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) m[i][j] = static_cast<float>(kRgbToXyz[i][j] / white[i]);
  const bool chroma = A || B;
  float r[kChunk], g[kChunk], b[kChunk];
  for (size_t i0 = 0; i0 < n; i0 += kChunk) {
    const int len = static_cast<int>(std::min<size_t>(kChunk, n - i0));
    const T* p = src + i0 * channels;
    for (int k = 0; k < len; ++k, p += channels) {
      r[k] = lin[p[0]];
      g[k] = lin[p[1]];
      b[k] = lin[p[2]];
    }
    if (!chroma) {
      for (int k = 0; k < len; ++k)
        r[k] = 116.0f * lab_f_fast(m[1][0] * r[k] + m[1][1] * g[k] + m[1][2] * b[k]) - 16.0f;
      L.put(i0, r, len);
      continue;
    }
    for (int k = 0; k < len; ++k) {  // in place: r, g, b become L*, a*, b*
      const float fx = lab_f_fast(m[0][0] * r[k] + m[0][1] * g[k] + m[0][2] * b[k]);
      const float fy = lab_f_fast(m[1][0] * r[k] + m[1][1] * g[k] + m[1][2] * b[k]);
      const float fz = lab_f_fast(m[2][0] * r[k] + m[2][1] * g[k] + m[2][2] * b[k]);
      r[k] = 116.0f * fy - 16.0f;
      g[k] = 500.0f * (fx - fy);
      b[k] = 200.0f * (fy - fz);
    }
    L.put(i0, r, len);
    A.put(i0, g, len);
    B.put(i0, b, len);
  }
}

// Colour pixels to their grey of equal luminance Y (+ alpha).
template <typename T, typename Enc>
void colour_to_grey(const T* src, int channels, size_t n, const float* lin, const Enc enc,
                    std::vector<T>* out, int out_channels) {
  const float c0 = static_cast<float>(kRgbToXyz[1][0]);
  const float c1 = static_cast<float>(kRgbToXyz[1][1]);
  const float c2 = static_cast<float>(kRgbToXyz[1][2]);
  const bool alpha = channels == 4;
  Sink<T> sink(out, n * out_channels);
  T buf[2 * kChunk];
  for (size_t i0 = 0; i0 < n; i0 += kChunk) {
    const int len = static_cast<int>(std::min<size_t>(kChunk, n - i0));
    const T* p = src + i0 * channels;
    for (int k = 0; k < len; ++k, p += channels) {
      const float y = c0 * lin[p[0]] + c1 * lin[p[1]] + c2 * lin[p[2]];
      T* q = buf + k * out_channels;
      q[0] = static_cast<T>(enc(y));
      if (alpha) q[1] = p[3];
    }
    sink.put(i0 * out_channels, buf, static_cast<size_t>(len) * out_channels);
  }
}

// The bulk functions return no Status: an Image that breaks its own contract (channels
// outside 1..4, depth not 8/16, a buffer shorter than its size) is treated as empty rather
// than read out of bounds.
bool usable(const Image& image) {
  if (image.empty() || image.channels > 4) return false;
  if (image.bit_depth == 16) return image.data16.size() >= image.sample_count();
  return image.bit_depth == 8 && image.data8.size() >= image.sample_count();
}

}  // namespace

void image_to_lab(const Image& image, Plane* L, Plane* a, Plane* b) {
  if (!usable(image)) {
    if (L) *L = Plane();
    if (a) *a = Plane();
    if (b) *b = Plane();
    return;
  }
  const int w = image.width, h = image.height;
  const size_t n = image.pixel_count();
  Sink<float> Ls = plane_sink(L, w, h), as = plane_sink(a, w, h), bs = plane_sink(b, w, h);
  const bool is16 = image.bit_depth == 16;
  if (image.is_grey()) {
    if (is16)
      grey_to_lab(image.data16.data(), image.channels, n, grey_l16_table().data(), Ls, as, bs);
    else
      grey_to_lab(image.data8.data(), image.channels, n, grey_l8_table().data(), Ls, as, bs);
    return;
  }
  if (!L && !a && !b) return;
  if (is16)
    colour_to_lab(image.data16.data(), image.channels, n, lin16_table().data(), Ls, as, bs);
  else
    colour_to_lab(image.data8.data(), image.channels, n, lin8_table().data(), Ls, as, bs);
}

Plane image_lightness(const Image& image) {
  Plane L;
  image_to_lab(image, &L, nullptr, nullptr);
  return L;
}

// Planes of different sizes are out of contract: the result is then an empty Image.
Image lab_to_image(const Plane& L, const Plane& a, const Plane& b) {
  Image out;
  if (L.empty() || a.width != L.width || a.height != L.height || b.width != L.width ||
      b.height != L.height || L.data.size() != static_cast<size_t>(L.width) * L.height ||
      a.data.size() != L.data.size() || b.data.size() != L.data.size())
    return out;
  out.width = L.width;
  out.height = L.height;
  out.channels = 3;
  out.bit_depth = 8;
  const size_t n = L.data.size();
  Sink<uint8_t> sink(&out.data8, n * 3);

  // XYZ -> linear RGB with the white folded in, so it takes X/Xn, Y/Yn, Z/Zn.
  float m[3][3];
  const double white[3] = {kWhiteX, kWhiteY, kWhiteZ};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) m[i][j] = static_cast<float>(kXyzToRgb[i][j] * white[j]);
  const float eps = static_cast<float>(kEpsilon);
  const float inv_kappa = static_cast<float>(1.0 / kKappa);
  const float kappa_eps = static_cast<float>(kKappa * kEpsilon);  // 8
  const Encoder::View enc = encoder8().view();

  float r[kChunk], g[kChunk], bb[kChunk];
  uint8_t rgb[3 * kChunk];
  const float* Lp = L.data.data();
  const float* ap = a.data.data();
  const float* bp = b.data.data();
  for (size_t i0 = 0; i0 < n; i0 += kChunk) {
    const int len = static_cast<int>(std::min<size_t>(kChunk, n - i0));
    const float* Lc = Lp + i0;
    const float* ac = ap + i0;
    const float* bc = bp + i0;
    for (int k = 0; k < len; ++k) {
      const float l = Lc[k];
      const float fy = (l + 16.0f) * (1.0f / 116.0f);
      const float fx = fy + ac[k] * (1.0f / 500.0f);
      const float fz = fy - bc[k] * (1.0f / 200.0f);
      const float fx3 = fx * fx * fx, fy3 = fy * fy * fy, fz3 = fz * fz * fz;
      const float xr = select(fx3 > eps, fx3, (116.0f * fx - 16.0f) * inv_kappa);
      const float yr = select(l > kappa_eps, fy3, l * inv_kappa);
      const float zr = select(fz3 > eps, fz3, (116.0f * fz - 16.0f) * inv_kappa);
      r[k] = m[0][0] * xr + m[0][1] * yr + m[0][2] * zr;
      g[k] = m[1][0] * xr + m[1][1] * yr + m[1][2] * zr;
      bb[k] = m[2][0] * xr + m[2][1] * yr + m[2][2] * zr;
    }
    for (int k = 0; k < len; ++k) {
      rgb[3 * k + 0] = static_cast<uint8_t>(enc.encode_uniform(r[k]));
      rgb[3 * k + 1] = static_cast<uint8_t>(enc.encode_uniform(g[k]));
      rgb[3 * k + 2] = static_cast<uint8_t>(enc.encode_uniform(bb[k]));
    }
    sink.put(i0 * 3, rgb, static_cast<size_t>(len) * 3);
  }
  return out;
}

Image to_greyscale(const Image& image) {
  Image out;
  if (!usable(image)) return out;
  out.width = image.width;
  out.height = image.height;
  out.bit_depth = image.bit_depth;
  out.channels = image.has_alpha() ? 2 : 1;
  if (image.is_grey()) {  // already grey: its L* is kept by copying
    out.channels = image.channels;
    out.data8 = image.data8;
    out.data16 = image.data16;
    return out;
  }
  // a* = b* = 0 at the input's L* is the grey whose linear value equals the input's Y
  // (the matrix maps RGB (1,1,1) to the white), so only Y is needed.
  const size_t n = image.pixel_count();
  if (image.bit_depth == 16)
    colour_to_grey(image.data16.data(), image.channels, n, lin16_table().data(),
                   Encode16{encoder16().view()}, &out.data16, out.channels);
  else
    colour_to_grey(image.data8.data(), image.channels, n, lin8_table().data(),
                   Encode8{encoder8().view()}, &out.data8, out.channels);
  return out;
}

}  // namespace colorize
