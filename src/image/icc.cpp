// Colour profiles: reading ICC profiles and converting samples to sRGB (see icc.h).
#include "icc.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "scan.h"

namespace colorize {

const char* colour_profile_name(ColourProfile p) {
  switch (p) {
    case ColourProfile::kNone:
      return "none";
    case ColourProfile::kSrgb:
      return "sRGB";
    case ColourProfile::kConverted:
      return "converted";
    case ColourProfile::kNotApplied:
      return "not applied";
  }
  return "none";
}

namespace detail {

double ToneCurve::operator()(double x) const {
  x = std::clamp(x, 0.0, 1.0);
  double y = x;
  switch (kind) {
    case kIdentity:
      break;
    case kTable: {
      const double t = x * double(table.size() - 1);
      const size_t i = std::min(size_t(t), table.size() - 2);
      y = table[i] + (table[i + 1] - table[i]) * (t - double(i));
      break;
    }
    case kParametric: {
      const double g = p[0], a = p[1], b = p[2], c = p[3], d = p[4], e = p[5], f = p[6];
      auto power = [&](double base) { return base > 0 ? std::pow(base, g) : 0.0; };
      switch (function) {
        case 0:
          y = power(x);
          break;
        case 1:
          y = a * x + b >= 0 ? power(a * x + b) : 0.0;
          break;
        case 2:
          y = (a * x + b >= 0 ? power(a * x + b) : 0.0) + c;
          break;
        case 3:
          y = x >= d ? power(a * x + b) : c * x;
          break;
        default:
          y = x >= d ? power(a * x + b) + e : c * x + f;
          break;
      }
      break;
    }
  }
  return std::isfinite(y) ? std::clamp(y, 0.0, 1.0) : 0.0;
}

namespace {
// The inverse of CIELAB's f (CIE 1976): f^-1((L* + 16) / 116) is Y, and likewise for X, Z.
double lab_f_inverse(double t) {
  return t > 6.0 / 29 ? t * t * t : 3 * (6.0 / 29) * (6.0 / 29) * (t - 4.0 / 29);
}

// PCS grey: L* / 100 -> relative luminance Y.
double lightness_to_y(double l01) { return lab_f_inverse((l01 * 100 + 16) / 116); }

// Three outputs interpolated in a grid of `inputs` (1 or 3) dimensions, grid[i] points each,
// the first input varying slowest: linear for one input, tetrahedral for three.
void clut_lookup(const std::vector<float>& clut, const int grid[3], int inputs, const double* v,
                 double out[3]) {
  size_t base = 0, stride[3] = {0, 0, 0}, s = 3;
  double f[3] = {0, 0, 0};
  for (int i = inputs - 1; i >= 0; --i) {
    const double t = std::clamp(v[i], 0.0, 1.0) * (grid[i] - 1);
    const size_t k = std::min(size_t(t), size_t(grid[i] - 2));
    f[i] = t - double(k);
    stride[i] = s;
    base += k * s;
    s *= size_t(grid[i]);
  }
  const float* c = clut.data() + base;
  if (inputs == 1) {
    for (int o = 0; o < 3; ++o) out[o] = c[o] + (c[stride[0] + o] - c[o]) * f[0];
    return;
  }
  // The cell split into six tetrahedra along its diagonal; the one holding the point runs
  // from the cell's first corner along the inputs in falling order of their fractions, and
  // its corners' weights are the differences of those fractions.
  int order[3] = {0, 1, 2};
  if (f[order[0]] < f[order[1]]) std::swap(order[0], order[1]);
  if (f[order[1]] < f[order[2]]) std::swap(order[1], order[2]);
  if (f[order[0]] < f[order[1]]) std::swap(order[0], order[1]);
  const size_t v1 = stride[order[0]], v2 = v1 + stride[order[1]], v3 = v2 + stride[order[2]];
  const double w0 = 1 - f[order[0]], w1 = f[order[0]] - f[order[1]], w2 = f[order[1]] - f[order[2]],
               w3 = f[order[2]];
  for (int o = 0; o < 3; ++o) out[o] = w0 * c[o] + w1 * c[v1 + o] + w2 * c[v2 + o] + w3 * c[v3 + o];
}

}  // namespace

void DeviceTable::to_xyz(const double* device, double xyz[3]) const {
  double v[3];
  for (int i = 0; i < inputs; ++i) v[i] = a[i](device[i]);
  if (has_clut) {
    double out[3];
    clut_lookup(clut, grid, inputs, v, out);
    for (int o = 0; o < 3; ++o) v[o] = out[o];
  }
  for (int o = 0; o < 3; ++o) v[o] = m[o](v[o]);
  if (has_matrix) {
    double w[3];
    for (int r = 0; r < 3; ++r)
      w[r] = std::clamp(matrix[3 * r] * v[0] + matrix[3 * r + 1] * v[1] + matrix[3 * r + 2] * v[2] +
                            matrix[9 + r],
                        0.0, 1.0);
    for (int o = 0; o < 3; ++o) v[o] = w[o];
  }
  for (int o = 0; o < 3; ++o) v[o] = b[o](v[o]);
  if (pcs == kXyz) {
    for (int o = 0; o < 3; ++o) xyz[o] = v[o] * 65535.0 / 32768.0;
    return;
  }
  const double k = pcs == kLab16 ? 65535.0 / 65280.0 : 1.0;
  const double L = v[0] * k * 100, A = v[1] * k * 255 - 128, B = v[2] * k * 255 - 128;
  const double fy = (L + 16) / 116, fx = fy + A / 500, fz = fy - B / 200;
  xyz[0] = 0.9642 * lab_f_inverse(fx);
  xyz[1] = lab_f_inverse(fy);
  xyz[2] = 0.8249 * lab_f_inverse(fz);
}

namespace {

// sRGB (IEC 61966-2-1) as an ICC parametric curve of type 3, and its colorants adapted to
// the D50 profile connection space (the values of the ICC's sRGB profiles), as columns.
ToneCurve srgb_curve() {
  ToneCurve c;
  c.kind = ToneCurve::kParametric;
  c.function = 3;
  const double p[7] = {2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045, 0, 0};
  std::copy(p, p + 7, c.p);
  return c;
}
constexpr double kSrgbToXyzD50[9] = {0.4360747, 0.3850649, 0.1430804,  //
                                     0.2225045, 0.7168786, 0.0606169,  //
                                     0.0139322, 0.0971045, 0.7141733};

// Linear sRGB -> encoded: the inverse of srgb_curve's type-3 function.
double srgb_encode(double y) {
  static const ToneCurve s = srgb_curve();
  const double g = s.p[0], a = s.p[1], b = s.p[2], c = s.p[3], d = s.p[4];
  y = std::clamp(y, 0.0, 1.0);
  return y < c * d ? y / c : (std::pow(y, 1 / g) - b) / a;
}

bool invert3(const double m[9], double out[9]) {
  const double det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
                     m[2] * (m[3] * m[7] - m[4] * m[6]);
  if (!std::isfinite(det) || std::fabs(det) < 1e-9) return false;
  const double k = 1 / det;
  out[0] = (m[4] * m[8] - m[5] * m[7]) * k;
  out[1] = (m[2] * m[7] - m[1] * m[8]) * k;
  out[2] = (m[1] * m[5] - m[2] * m[4]) * k;
  out[3] = (m[5] * m[6] - m[3] * m[8]) * k;
  out[4] = (m[0] * m[8] - m[2] * m[6]) * k;
  out[5] = (m[2] * m[3] - m[0] * m[5]) * k;
  out[6] = (m[3] * m[7] - m[4] * m[6]) * k;
  out[7] = (m[1] * m[6] - m[0] * m[7]) * k;
  out[8] = (m[0] * m[4] - m[1] * m[3]) * k;
  return true;
}

void multiply3(const double a[9], const double b[9], double out[9]) {
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c)
      out[r * 3 + c] = a[r * 3] * b[c] + a[r * 3 + 1] * b[3 + c] + a[r * 3 + 2] * b[6 + c];
}

// ---------------------------------------------------------------------- reading a profile

struct Icc {
  const uint8_t* b = nullptr;
  size_t n = 0;
  uint32_t u32(size_t at) const { return be32(b + at); }
  bool sig(size_t at, const char* s) const { return std::memcmp(b + at, s, 4) == 0; }
  double s15(size_t at) const { return int32_t(u32(at)) / 65536.0; }

  // The data of tag `name`: offset and size inside the profile, or false.
  bool tag(const char* name, size_t* at, size_t* size) const {
    const uint32_t count = u32(128);
    for (uint32_t i = 0; i < count && 132 + 12 * uint64_t(i) + 12 <= n; ++i) {
      const size_t e = 132 + 12 * size_t(i);
      if (!sig(e, name)) continue;
      const uint64_t off = u32(e + 4), len = u32(e + 8);
      if (len < 8 || off + len > n) return false;
      *at = size_t(off);
      *size = size_t(len);
      return true;
    }
    return false;
  }
  bool has(const char* name) const {
    size_t a = 0, s = 0;
    return tag(name, &a, &s);
  }
};

// `count` unsigned samples of `bytes` (1 or 2, big-endian) each at `at`, scaled to [0, 1]
// (the caller has checked they are inside the profile).
std::vector<float> read_samples(const Icc& icc, size_t at, size_t count, int bytes) {
  std::vector<float> out(count);
  for (size_t i = 0; i < count; ++i)
    out[i] = bytes == 1 ? icc.b[at + i] / 255.0f : float(be16(icc.b + at + 2 * i) / 65535.0);
  return out;
}

// The same as a tabulated curve over [0, 1].
ToneCurve sampled_curve(const Icc& icc, size_t at, size_t count, int bytes) {
  ToneCurve c;
  c.kind = ToneCurve::kTable;
  c.table = read_samples(icc, at, count, bytes);
  return c;
}

// A 'curv' or 'para' element at `at` (at most `size` bytes); *used: its length, 4-byte aligned.
bool read_curve_at(const Icc& icc, size_t at, size_t size, ToneCurve* c, size_t* used = nullptr) {
  if (size < 12) return false;
  size_t len = 0;
  if (icc.sig(at, "curv")) {
    const uint64_t count = icc.u32(at + 8);
    if (12 + 2 * count > size) return false;
    len = size_t(12 + 2 * count);
    if (count == 0) {
      c->kind = ToneCurve::kIdentity;
    } else if (count == 1) {
      c->kind = ToneCurve::kParametric;
      c->function = 0;
      c->p[0] = be16(icc.b + at + 12) / 256.0;
    } else {
      *c = sampled_curve(icc, at + 12, size_t(count), 2);
    }
  } else if (icc.sig(at, "para")) {
    static const int kParams[5] = {1, 3, 4, 5, 7};
    const uint32_t function = be16(icc.b + at + 8);
    if (function > 4 || 12 + 4 * uint64_t(kParams[function]) > size) return false;
    len = 12 + 4 * size_t(kParams[function]);
    c->kind = ToneCurve::kParametric;
    c->function = int(function);
    for (int i = 0; i < kParams[function]; ++i) c->p[i] = icc.s15(at + 12 + 4 * size_t(i));
  } else {
    return false;
  }
  if (used) *used = (len + 3) / 4 * 4;
  return true;
}

// 'curv' or 'para' at the tag `name`.
bool read_curve(const Icc& icc, const char* name, ToneCurve* c) {
  size_t at = 0, size = 0;
  return icc.tag(name, &at, &size) && read_curve_at(icc, at, size, c);
}

// The largest colour lookup table read: 3 inputs of 255 grid points is far beyond what
// profiles use (17 to 33); this bounds a hostile one.
constexpr uint64_t kMaxClutEntries = uint64_t(1) << 22;

// Reads the device-to-PCS table at tag `name` for `inputs` device channels. Returns "" or
// why it cannot be used.
std::string read_device_table(const Icc& icc, const char* name, int inputs, DeviceTable* t) {
  size_t at = 0, size = 0;
  if (!icc.tag(name, &at, &size) || size < 32) return "its table is cut short";
  t->inputs = inputs;
  const bool lab = icc.sig(20, "Lab ");
  const int in = icc.b[at + 8], out = icc.b[at + 9];
  if (in != inputs || out != 3)
    return "its table has " + std::to_string(in) + " inputs and " + std::to_string(out) +
           " outputs";
  auto clut_entries = [&](const uint8_t* grid, uint64_t* n) {
    *n = 3;
    for (int i = 0; i < in; ++i) {
      if (grid[i] < 2) return false;
      t->grid[i] = grid[i];
      *n *= grid[i];
    }
    return *n <= kMaxClutEntries;
  };
  if (icc.sig(at, "mft1") || icc.sig(at, "mft2")) {
    const bool wide = icc.sig(at, "mft2");
    const int bytes = wide ? 2 : 1;
    const uint8_t grid[3] = {icc.b[at + 10], icc.b[at + 10], icc.b[at + 10]};
    uint64_t n = 0;
    if (!clut_entries(grid, &n)) return "its table's grid is not usable";
    uint64_t in_n = 256, out_n = 256, pos = 48;
    if (wide) {
      if (size < 52) return "its table is cut short";
      in_n = be16(icc.b + at + 48);
      out_n = be16(icc.b + at + 50);
      pos = 52;
      if (in_n < 2 || out_n < 2) return "its table's curves are not usable";
    }
    if (pos + (in * in_n + n + 3 * out_n) * bytes > size) return "its table is cut short";
    for (int i = 0; i < in; ++i, pos += in_n * bytes)
      t->a[i] = sampled_curve(icc, at + size_t(pos), size_t(in_n), bytes);
    t->has_clut = true;
    t->clut = read_samples(icc, at + size_t(pos), size_t(n), bytes);
    pos += n * bytes;
    for (int o = 0; o < 3; ++o, pos += out_n * bytes)
      t->m[o] = sampled_curve(icc, at + size_t(pos), size_t(out_n), bytes);
    t->pcs = !lab ? DeviceTable::kXyz : wide ? DeviceTable::kLab16 : DeviceTable::kLab;
    return "";
  }
  if (!icc.sig(at, "mAB ")) return "its table is of a type this reader does not know";
  t->pcs = lab ? DeviceTable::kLab : DeviceTable::kXyz;
  const uint32_t off_b = icc.u32(at + 12), off_matrix = icc.u32(at + 16), off_m = icc.u32(at + 20),
                 off_clut = icc.u32(at + 24), off_a = icc.u32(at + 28);
  // A run of `count` curves from `off`, each after the one before.
  auto curves = [&](uint32_t off, int count, ToneCurve* c) {
    size_t pos = off;
    for (int i = 0; i < count; ++i) {
      size_t used = 0;
      if (pos >= size || !read_curve_at(icc, at + pos, size - pos, &c[i], &used)) return false;
      pos += used;
    }
    return true;
  };
  if (off_b == 0 || !curves(off_b, 3, t->b)) return "its table's B curves are not readable";
  if (off_a && !curves(off_a, in, t->a)) return "its table's A curves are not readable";
  if (off_m && !curves(off_m, 3, t->m)) return "its table's M curves are not readable";
  if (off_matrix) {
    if (uint64_t(off_matrix) + 48 > size) return "its table's matrix is cut short";
    t->has_matrix = true;
    for (int i = 0; i < 12; ++i) t->matrix[i] = icc.s15(at + off_matrix + 4 * size_t(i));
  }
  if (off_clut) {
    if (uint64_t(off_clut) + 20 > size) return "its table's grid is cut short";
    uint64_t n = 0;
    if (!clut_entries(icc.b + at + off_clut, &n)) return "its table's grid is not usable";
    const int bytes = icc.b[at + off_clut + 16];
    if (bytes != 1 && bytes != 2) return "its table's grid precision is not 1 or 2 bytes";
    const uint64_t from = uint64_t(off_clut) + 20;
    if (from + n * bytes > size) return "its table's grid is cut short";
    t->has_clut = true;
    t->clut = read_samples(icc, at + size_t(from), size_t(n), bytes);
  } else if (in != 3) {
    return "its table maps one channel to three without a grid";
  }
  return "";
}

bool read_xyz(const Icc& icc, const char* name, double* x, double* y, double* z) {
  size_t at = 0, size = 0;
  if (!icc.tag(name, &at, &size) || size < 20 || !icc.sig(at, "XYZ ")) return false;
  *x = icc.s15(at + 8);
  *y = icc.s15(at + 12);
  *z = icc.s15(at + 16);
  return std::isfinite(*x) && std::isfinite(*y) && std::isfinite(*z);
}

// The profile's description ('desc': v2 textDescriptionType or v4 multiLocalizedUnicode,
// its first record), printable ASCII only, at most 64 characters.
std::string read_name(const Icc& icc) {
  size_t at = 0, size = 0;
  if (!icc.tag("desc", &at, &size)) return "";
  std::string out;
  auto keep = [&](uint32_t ch) {
    if (out.size() < 64 && ch >= 0x20 && ch < 0x7F) out += char(ch);
  };
  if (icc.sig(at, "desc") && size >= 12) {
    const uint64_t count = icc.u32(at + 8);
    for (uint64_t i = 0; i < count && 12 + i < size && icc.b[at + 12 + i]; ++i)
      keep(icc.b[at + 12 + i]);
  } else if (icc.sig(at, "mluc") && size >= 28) {
    const uint64_t len = icc.u32(at + 20), off = icc.u32(at + 24);
    for (uint64_t i = 0; i + 1 < len && off + i + 2 <= size; i += 2)
      keep(be16(icc.b + at + off + i));
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

SrgbPlan not_applied(SrgbPlan plan, const std::string& why) {
  plan.use = ColourProfile::kNotApplied;
  plan.note = why;
  return plan;
}

// Device RGB through the plan's table to linear sRGB, not clipped (out-of-gamut colours
// leave [0, 1]).
void table_to_linear(const SrgbPlan& plan, const double to_srgb[9], const double rgb[3],
                     double out[3]) {
  double xyz[3];
  plan.table.to_xyz(rgb, xyz);
  for (int r = 0; r < 3; ++r)
    out[r] = to_srgb[r * 3] * xyz[0] + to_srgb[r * 3 + 1] * xyz[1] + to_srgb[r * 3 + 2] * xyz[2];
}

double convert_one(const SrgbPlan& plan, const double to_srgb[9], const double rgb[3],
                   double out[3]) {
  if (plan.use_table) {
    if (plan.grey) {
      double xyz[3];
      plan.table.to_xyz(rgb, xyz);
      out[0] = out[1] = out[2] = srgb_encode(xyz[1]);
      return out[0];
    }
    table_to_linear(plan, to_srgb, rgb, out);
    for (int r = 0; r < 3; ++r) out[r] = srgb_encode(out[r]);
    return out[0];
  }
  if (plan.grey) {
    const double c = plan.curve[0](rgb[0]);
    out[0] = out[1] = out[2] = srgb_encode(plan.lab_pcs ? lightness_to_y(c) : c);
    return out[0];
  }
  const double lin[3] = {plan.curve[0](rgb[0]), plan.curve[1](rgb[1]), plan.curve[2](rgb[2])};
  for (int r = 0; r < 3; ++r)
    out[r] = srgb_encode(to_srgb[r * 3] * lin[0] + to_srgb[r * 3 + 1] * lin[1] +
                         to_srgb[r * 3 + 2] * lin[2]);
  return out[0];
}

bool srgb_matrix_for(const SrgbPlan& plan, double out[9]) {
  double xyz_to_srgb[9];
  if (!invert3(kSrgbToXyzD50, xyz_to_srgb)) return false;
  multiply3(xyz_to_srgb, plan.to_xyz, out);
  return true;
}

// The largest difference, in sRGB-encoded units, between `plan` applied and the identity,
// over a grid of colours (grey: every 8-bit level).
double distance_from_srgb(const SrgbPlan& plan) {
  double m[9];
  if (!srgb_matrix_for(plan, m)) return 1e9;
  double worst = 0, out[3];
  if (plan.grey) {
    for (int v = 0; v < 256; ++v) {
      const double in[3] = {v / 255.0, v / 255.0, v / 255.0};
      worst = std::max(worst, std::fabs(convert_one(plan, m, in, out) - in[0]));
    }
    return worst;
  }
  for (int r = 0; r <= 16; ++r)
    for (int g = 0; g <= 16; ++g)
      for (int b = 0; b <= 16; ++b) {
        const double in[3] = {r / 16.0, g / 16.0, b / 16.0};
        convert_one(plan, m, in, out);
        for (int k = 0; k < 3; ++k) worst = std::max(worst, std::fabs(out[k] - in[k]));
      }
  return worst;
}

}  // namespace

namespace {
std::vector<uint8_t> make_srgb_profile(bool grey) {
  std::vector<uint8_t> p(128, 0);
  auto u32 = [](std::vector<uint8_t>& v, uint32_t x) {
    for (int i = 0; i < 4; ++i) v.push_back(uint8_t(x >> (24 - 8 * i)));
  };
  auto s15 = [&](std::vector<uint8_t>& v, double x) {
    u32(v, uint32_t(int32_t(std::lround(x * 65536))));
  };
  auto sig = [](std::vector<uint8_t>& v, const char* s) {
    for (int i = 0; i < 4; ++i) v.push_back(uint8_t(s[i]));
  };
  auto text = [&](const char* s) {  // multiLocalizedUnicode, one en-US record
    std::vector<uint8_t> t;
    sig(t, "mluc");
    u32(t, 0);
    u32(t, 1);
    u32(t, 12);
    t.insert(t.end(), {'e', 'n', 'U', 'S'});
    u32(t, uint32_t(2 * std::strlen(s)));
    u32(t, 28);
    for (const char* c = s; *c; ++c) t.insert(t.end(), {0, uint8_t(*c)});
    return t;
  };
  auto xyz = [&](double x, double y, double z) {
    std::vector<uint8_t> t;
    sig(t, "XYZ ");
    u32(t, 0);
    for (double v : {x, y, z}) s15(t, v);
    return t;
  };
  std::vector<uint8_t> chad;  // Bradford, D65 -> D50
  sig(chad, "sf32");
  u32(chad, 0);
  for (double v : {1.0478112, 0.0228866, -0.0501270, 0.0295424, 0.9904844, -0.0170491, -0.0092345,
                   0.0150436, 0.7521316})
    s15(chad, v);
  std::vector<uint8_t> trc;
  sig(trc, "para");
  u32(trc, 0);
  u32(trc, 3u << 16);
  const ToneCurve curve = srgb_curve();
  for (int i = 0; i < 5; ++i) s15(trc, curve.p[i]);
  const double* m = kSrgbToXyzD50;
  std::vector<std::pair<const char*, std::vector<uint8_t>>> tags = {
      {"desc", text(grey ? "sRGB grey (colorize)" : "sRGB (colorize)")},
      {"cprt", text("No copyright, use freely")},
      {"wtpt", xyz(0.9642, 1.0, 0.8249)},
      {"chad", chad}};
  if (grey) {
    tags.push_back({"kTRC", trc});
  } else {
    tags.push_back({"rXYZ", xyz(m[0], m[3], m[6])});
    tags.push_back({"gXYZ", xyz(m[1], m[4], m[7])});
    tags.push_back({"bXYZ", xyz(m[2], m[5], m[8])});
    tags.push_back({"rTRC", trc});
  }
  const size_t n_tags = tags.size() + (grey ? 0 : 2);  // gTRC and bTRC share rTRC's data
  u32(p, uint32_t(n_tags));
  std::vector<uint8_t> data;
  const size_t data_at = 128 + 4 + 12 * n_tags;
  uint32_t trc_at = 0;
  for (const auto& [name, blob] : tags) {
    sig(p, name);
    u32(p, uint32_t(data_at + data.size()));
    u32(p, uint32_t(blob.size()));
    if (std::strcmp(name, "rTRC") == 0) trc_at = uint32_t(data_at + data.size());
    data.insert(data.end(), blob.begin(), blob.end());
    data.resize((data.size() + 3) / 4 * 4);
  }
  for (const char* name : {"gTRC", "bTRC"}) {
    if (grey) break;
    sig(p, name);
    u32(p, trc_at);
    u32(p, uint32_t(trc.size()));
  }
  p.insert(p.end(), data.begin(), data.end());
  std::vector<uint8_t> head;
  u32(head, uint32_t(p.size()));
  u32(head, 0);
  u32(head, 0x04300000);  // version 4.3
  sig(head, "mntr");
  sig(head, grey ? "GRAY" : "RGB ");
  sig(head, "XYZ ");
  std::copy(head.begin(), head.end(), p.begin());
  std::memcpy(&p[36], "acsp", 4);
  std::vector<uint8_t> d50;
  for (double v : {0.9642, 1.0, 0.8249}) s15(d50, v);
  std::copy(d50.begin(), d50.end(), p.begin() + 68);
  return p;
}
}  // namespace

const std::vector<uint8_t>& srgb_icc_profile(bool grey) {
  static const std::vector<uint8_t> rgb = make_srgb_profile(false),
                                    grey_profile = make_srgb_profile(true);
  return grey ? grey_profile : rgb;
}

SrgbPlan plan_srgb(const EmbeddedProfile& found, int channels) {
  SrgbPlan plan;
  plan.grey = channels <= 2;
  if (found.icc.empty()) {
    if (!found.problem.empty()) return not_applied(plan, found.problem);
    if (found.srgb) {
      plan.use = ColourProfile::kSrgb;
      return plan;
    }
    if (found.png_gamma == 0) return plan;  // kNone
    // gAMA: samples = Y^gamma, so Y = samples^(1/gamma); sRGB primaries assumed.
    plan.name = "PNG gamma " + std::to_string(found.png_gamma / 100000) + "." +
                std::to_string(100000 + found.png_gamma % 100000).substr(1);
    for (ToneCurve& c : plan.curve) {
      c.kind = ToneCurve::kParametric;
      c.function = 0;
      c.p[0] = 100000.0 / found.png_gamma;
    }
    std::copy(kSrgbToXyzD50, kSrgbToXyzD50 + 9, plan.to_xyz);
  } else {
    const Icc icc{found.icc.data(), found.icc.size()};
    if (icc.n < 132 || !icc.sig(36, "acsp"))
      return not_applied(plan, "the embedded colour profile is not a readable ICC profile");
    if (icc.u32(0) > icc.n) return not_applied(plan, "the embedded colour profile is cut short");
    if (132 + 12 * uint64_t(icc.u32(128)) > icc.n)
      return not_applied(plan, "the embedded colour profile's tag table is cut short");
    plan.name = read_name(icc);
    const bool grey_profile = icc.sig(16, "GRAY"), rgb_profile = icc.sig(16, "RGB ");
    if (icc.sig(12, "link") || icc.sig(12, "abst") || icc.sig(12, "nmcl"))
      return not_applied(plan, "the embedded profile is not an input, display or output profile");
    if (!grey_profile && !rgb_profile)
      return not_applied(plan, "the embedded profile is not for grey or RGB");
    if (grey_profile != plan.grey) {
      // Some programs put an sRGB profile on grey pictures: that says nothing to convert.
      if (plan.grey && plan_srgb(found, 3).use == ColourProfile::kSrgb) {
        plan.use = ColourProfile::kSrgb;
        return plan;
      }
      return not_applied(
          plan, plan.grey ? "an RGB profile on a grey image" : "a grey profile on an RGB image");
    }
    if (found.white_is_zero) return not_applied(plan, "a profile on inverted (WhiteIsZero) grey");
    // The device-to-PCS table for relative colorimetry (A2B1), else the default one (A2B0),
    // is used when there is one, as colour engines do; else the tone curves (and primaries).
    const char* table = icc.has("A2B1") ? "A2B1" : icc.has("A2B0") ? "A2B0" : nullptr;
    if (table) {
      if (!icc.sig(20, "XYZ ") && !icc.sig(20, "Lab "))
        return not_applied(plan, "the profile's connection space is neither CIEXYZ nor CIELAB");
      const std::string why = read_device_table(icc, table, plan.grey ? 1 : 3, &plan.table);
      if (!why.empty()) return not_applied(plan, "a table-based profile: " + why);
      plan.use_table = true;
    } else if (plan.grey) {
      if (!read_curve(icc, "kTRC", &plan.curve[0]))
        return not_applied(plan, "the grey profile has no readable tone curve");
      plan.lab_pcs = icc.sig(20, "Lab ");
    } else {
      double* m = plan.to_xyz;
      if (!icc.sig(20, "XYZ ") || !read_curve(icc, "rTRC", &plan.curve[0]) ||
          !read_curve(icc, "gTRC", &plan.curve[1]) || !read_curve(icc, "bTRC", &plan.curve[2]) ||
          !read_xyz(icc, "rXYZ", &m[0], &m[3], &m[6]) ||
          !read_xyz(icc, "gXYZ", &m[1], &m[4], &m[7]) ||
          !read_xyz(icc, "bXYZ", &m[2], &m[5], &m[8]))
        return not_applied(plan, "the RGB profile has no readable primaries and tone curves");
      double inverse[9];
      if (!invert3(m, inverse))
        return not_applied(plan, "the RGB profile's primaries are degenerate");
    }
  }
  plan.use =
      distance_from_srgb(plan) <= 1.0 / 255 ? ColourProfile::kSrgb : ColourProfile::kConverted;
  return plan;
}

Status convert_to_srgb(const SrgbPlan& plan, Image* image, const ParallelFor& parallel_for) {
  if (plan.use != ColourProfile::kConverted || image->empty()) return Status::Ok();
  const bool wide = image->bit_depth == 16;
  const size_t levels = wide ? 65536 : 256;
  const double top = double(levels - 1);
  const int ch = image->channels;
  const size_t count = image->pixel_count();
  auto get = [&](size_t k) -> size_t { return wide ? image->data16[k] : image->data8[k]; };
  auto put = [&](size_t k, float v) {
    if (wide)
      image->data16[k] = uint16_t(v);
    else
      image->data8[k] = uint8_t(v);
  };
  double m[9], out[3];
  if (plan.grey != (ch <= 2) || !srgb_matrix_for(plan, m)) return Status::Ok();
  // Independent pieces of work on the caller's threads when given (ParallelFor); pixels go
  // in runs of kRunPixels.
  constexpr size_t kRunPixels = size_t(1) << 18;
  try {
    if (plan.grey) {  // one table from stored level to sRGB level
      std::vector<uint16_t> lut(levels);
      for (size_t v = 0; v < levels; ++v) {
        const double in[3] = {v / top, v / top, v / top};
        lut[v] = uint16_t(std::lround(convert_one(plan, m, in, out) * top));
      }
      for (size_t i = 0; i < count; ++i) put(i * size_t(ch), lut[get(i * size_t(ch))]);
      return Status::Ok();
    }
    // RGB: each pixel to linear sRGB (unclipped), then encoded through a table of the sRGB
    // encoding (interpolated).
    constexpr int kSteps = 65536;
    std::vector<float> enc(kSteps + 2);
    for (int i = 0; i <= kSteps; ++i) enc[i] = float(srgb_encode(double(i) / kSteps) * top);
    enc[kSteps + 1] = enc[kSteps];
    auto encode = [&](double y) {
      const float t = std::clamp(float(y), 0.0f, 1.0f) * kSteps;
      const int i = int(t);
      return enc[i] + (enc[i + 1] - enc[i]) * (t - float(i)) + 0.5f;
    };
    // Matrix/TRC: each channel to linear by a table of its levels, then the matrix. Through
    // a device table: a picture with fewer pixels than the grid below, each pixel exactly; a
    // larger one through the transform sampled on a grid of 65 points per channel and
    // interpolated per pixel (as colour engines do).
    constexpr int kGrid = 65;
    const int grid[3] = {kGrid, kGrid, kGrid};
    const bool exact = plan.use_table && count < size_t(kGrid) * kGrid * kGrid;
    std::vector<float> lin, cache;
    if (!plan.use_table) {
      lin.resize(3 * levels);
      for (int c = 0; c < 3; ++c)
        for (size_t v = 0; v < levels; ++v) lin[c * levels + v] = float(plan.curve[c](v / top));
    } else if (!exact) {
      cache.resize(size_t(kGrid) * kGrid * kGrid * 3);
      auto slice = [&](size_t r) {  // the grid points of one red level
        size_t k = r * kGrid * kGrid * 3;
        double o[3];
        for (int g = 0; g < kGrid; ++g)
          for (int b = 0; b < kGrid; ++b, k += 3) {
            const double in[3] = {double(r) / (kGrid - 1.0), g / (kGrid - 1.0), b / (kGrid - 1.0)};
            table_to_linear(plan, m, in, o);  // unclipped, so cells at the gamut's edge
            for (int c = 0; c < 3; ++c) cache[k + size_t(c)] = float(o[c]);  // stay linear
          }
      };
      for_each_index(parallel_for, size_t(kGrid), slice);
    }
    // Runs of pixels, each written by one call: the same samples in any order.
    auto convert_run = [&](size_t run_index) {
      const size_t end = std::min(count, (run_index + 1) * kRunPixels);
      double o[3];
      for (size_t i = run_index * kRunPixels; i < end; ++i) {
        const size_t p = i * size_t(ch);
        if (!plan.use_table) {
          const float rgb[3] = {lin[get(p)], lin[levels + get(p + 1)],
                                lin[2 * levels + get(p + 2)]};
          for (int r = 0; r < 3; ++r)
            o[r] = m[r * 3] * rgb[0] + m[r * 3 + 1] * rgb[1] + m[r * 3 + 2] * rgb[2];
        } else {
          const double in[3] = {get(p) / top, get(p + 1) / top, get(p + 2) / top};
          if (exact)
            table_to_linear(plan, m, in, o);
          else
            clut_lookup(cache, grid, 3, in, o);
        }
        for (int c = 0; c < 3; ++c) put(p + size_t(c), encode(o[c]));
      }
    };
    for_each_index(parallel_for, (count + kRunPixels - 1) / kRunPixels, convert_run);
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::kOutOfMemory, "not enough memory to convert the colour profile");
  }
  return Status::Ok();
}

}  // namespace detail
}  // namespace colorize
