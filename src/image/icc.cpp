// Colour profiles: reading ICC profiles and converting samples to sRGB (see icc.h).
#include "icc.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>
#include <string>
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

// PCS grey: L* / 100 -> relative luminance Y (CIE 1976).
double lightness_to_y(double l01) {
  const double fy = (l01 * 100 + 16) / 116;
  return fy > 6.0 / 29 ? fy * fy * fy : (fy - 4.0 / 29) * 3 * (6.0 / 29) * (6.0 / 29);
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

// 'curv' or 'para' at the tag `name`.
bool read_curve(const Icc& icc, const char* name, ToneCurve* c) {
  size_t at = 0, size = 0;
  if (!icc.tag(name, &at, &size) || size < 12) return false;
  if (icc.sig(at, "curv")) {
    const uint64_t count = icc.u32(at + 8);
    if (12 + 2 * count > size) return false;
    if (count == 0) {
      c->kind = ToneCurve::kIdentity;
    } else if (count == 1) {
      c->kind = ToneCurve::kParametric;
      c->function = 0;
      c->p[0] = be16(icc.b + at + 12) / 256.0;
    } else {
      c->kind = ToneCurve::kTable;
      c->table.resize(size_t(count));
      for (size_t i = 0; i < count; ++i)
        c->table[i] = float(be16(icc.b + at + 12 + 2 * i) / 65535.0);
    }
    return true;
  }
  if (icc.sig(at, "para")) {
    static const int kParams[5] = {1, 3, 4, 5, 7};
    const uint32_t function = be16(icc.b + at + 8);
    if (function > 4 || 12 + 4 * uint64_t(kParams[function]) > size) return false;
    c->kind = ToneCurve::kParametric;
    c->function = int(function);
    for (int i = 0; i < kParams[function]; ++i) c->p[i] = icc.s15(at + 12 + 4 * size_t(i));
    return true;
  }
  return false;
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

// The largest difference, in sRGB-encoded units, between `plan` applied and the identity,
// over a grid of colours (grey: every 8-bit level).
double distance_from_srgb(const SrgbPlan& plan);

double convert_one(const SrgbPlan& plan, const double to_srgb[9], const double rgb[3],
                   double out[3]) {
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
    if (grey_profile != plan.grey)
      return not_applied(
          plan, plan.grey ? "an RGB profile on a grey image" : "a grey profile on an RGB image");
    if (found.white_is_zero) return not_applied(plan, "a profile on inverted (WhiteIsZero) grey");
    if (plan.grey) {
      if (!read_curve(icc, "kTRC", &plan.curve[0]))
        return not_applied(plan, icc.has("A2B0")
                                     ? "a table-based grey profile, without a tone curve"
                                     : "the grey profile has no readable tone curve");
      plan.lab_pcs = icc.sig(20, "Lab ");
    } else {
      double* m = plan.to_xyz;
      if (!icc.sig(20, "XYZ ") || !read_curve(icc, "rTRC", &plan.curve[0]) ||
          !read_curve(icc, "gTRC", &plan.curve[1]) || !read_curve(icc, "bTRC", &plan.curve[2]) ||
          !read_xyz(icc, "rXYZ", &m[0], &m[3], &m[6]) ||
          !read_xyz(icc, "gXYZ", &m[1], &m[4], &m[7]) ||
          !read_xyz(icc, "bXYZ", &m[2], &m[5], &m[8]))
        return not_applied(
            plan, icc.has("A2B0") ? "a table-based RGB profile, without primaries and tone curves"
                                  : "the RGB profile has no readable primaries and tone curves");
      double inverse[9];
      if (!invert3(m, inverse))
        return not_applied(plan, "the RGB profile's primaries are degenerate");
    }
  }
  plan.use =
      distance_from_srgb(plan) <= 1.0 / 255 ? ColourProfile::kSrgb : ColourProfile::kConverted;
  return plan;
}

Status convert_to_srgb(const SrgbPlan& plan, Image* image) {
  if (plan.use != ColourProfile::kConverted || image->empty()) return Status::Ok();
  const bool wide = image->bit_depth == 16;
  const size_t levels = wide ? 65536 : 256;
  const double top = double(levels - 1);
  const int ch = image->channels;
  const size_t count = image->pixel_count();
  try {
    if (plan.grey != (ch <= 2)) return Status::Ok();
    if (plan.grey) {  // one table from stored level to sRGB level
      std::vector<uint16_t> lut(levels);
      double m[9], out[3];
      srgb_matrix_for(plan, m);
      for (size_t v = 0; v < levels; ++v) {
        const double in[3] = {v / top, v / top, v / top};
        lut[v] = uint16_t(std::lround(convert_one(plan, m, in, out) * top));
      }
      for (size_t i = 0; i < count; ++i) {
        const size_t k = i * size_t(ch);
        if (wide)
          image->data16[k] = lut[image->data16[k]];
        else
          image->data8[k] = uint8_t(lut[image->data8[k]]);
      }
      return Status::Ok();
    }
    // RGB: each channel to linear by table, the matrix, then sRGB encoding by table.
    double m[9];
    if (!srgb_matrix_for(plan, m)) return Status::Ok();
    std::vector<float> lin(3 * levels);
    for (int c = 0; c < 3; ++c)
      for (size_t v = 0; v < levels; ++v) lin[c * levels + v] = float(plan.curve[c](v / top));
    constexpr int kSteps = 65536;  // linear -> encoded, interpolated
    std::vector<float> enc(kSteps + 2);
    for (int i = 0; i <= kSteps; ++i) enc[i] = float(srgb_encode(double(i) / kSteps) * top);
    enc[kSteps + 1] = enc[kSteps];
    float mf[9];
    for (int i = 0; i < 9; ++i) mf[i] = float(m[i]);
    auto encode = [&](float y) {
      const float t = std::clamp(y, 0.0f, 1.0f) * kSteps;
      const int i = int(t);
      return enc[i] + (enc[i + 1] - enc[i]) * (t - float(i)) + 0.5f;
    };
    for (size_t i = 0; i < count; ++i) {
      const size_t k = i * size_t(ch);
      float rgb[3];
      for (int c = 0; c < 3; ++c)
        rgb[c] = lin[c * levels + (wide ? image->data16[k + c] : image->data8[k + c])];
      for (int r = 0; r < 3; ++r) {
        const float v =
            encode(mf[r * 3] * rgb[0] + mf[r * 3 + 1] * rgb[1] + mf[r * 3 + 2] * rgb[2]);
        if (wide)
          image->data16[k + r] = uint16_t(v);
        else
          image->data8[k + r] = uint8_t(v);
      }
    }
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::kOutOfMemory, "not enough memory to convert the colour profile");
  }
  return Status::Ok();
}

}  // namespace detail
}  // namespace colorize
