// Scalar colour conversions: the exact formulas, in double internally. The bulk paths in
// color_bulk.cpp are tested against these.
#include <cmath>

#include "colorize/color.h"
#include "color_internal.h"

namespace colorize {
namespace color_detail {

double srgb_to_linear_d(double v) {
  // IEC 61966-2-1. Below the knee the curve is linear (this also covers negative values).
  return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
}

double linear_to_srgb_d(double v) {
  return v <= 0.0031308 ? v * 12.92 : 1.055 * std::pow(v, 1.0 / 2.4) - 0.055;
}

double lab_f(double t) { return t > kEpsilon ? std::cbrt(t) : (kKappa * t + 16.0) / 116.0; }

double lab_f_inv(double f) {
  const double f3 = f * f * f;
  return f3 > kEpsilon ? f3 : (116.0 * f - 16.0) / kKappa;
}

double lightness_from_y(double y) { return 116.0 * lab_f(y) - 16.0; }

namespace {

void rgb_to_xyz_d(const double rgb[3], double xyz[3]) {
  for (int i = 0; i < 3; ++i)
    xyz[i] = kRgbToXyz[i][0] * rgb[0] + kRgbToXyz[i][1] * rgb[1] + kRgbToXyz[i][2] * rgb[2];
}

void xyz_to_rgb_d(const double xyz[3], double rgb[3]) {
  for (int i = 0; i < 3; ++i)
    rgb[i] = kXyzToRgb[i][0] * xyz[0] + kXyzToRgb[i][1] * xyz[1] + kXyzToRgb[i][2] * xyz[2];
}

void xyz_to_lab_d(const double xyz[3], double lab[3]) {
  const double fx = lab_f(xyz[0] / kWhiteX);
  const double fy = lab_f(xyz[1] / kWhiteY);
  const double fz = lab_f(xyz[2] / kWhiteZ);
  lab[0] = 116.0 * fy - 16.0;
  lab[1] = 500.0 * (fx - fy);
  lab[2] = 200.0 * (fy - fz);
}

void lab_to_xyz_d(const double lab[3], double xyz[3]) {
  const double fy = (lab[0] + 16.0) / 116.0;
  const double fx = fy + lab[1] / 500.0;
  const double fz = fy - lab[2] / 200.0;
  // For Y the CIE test is on L* (L* > kappa * eps = 8), equivalent to fy^3 > eps.
  const double yr = lab[0] > kKappa * kEpsilon ? fy * fy * fy : lab[0] / kKappa;
  xyz[0] = lab_f_inv(fx) * kWhiteX;
  xyz[1] = yr * kWhiteY;
  xyz[2] = lab_f_inv(fz) * kWhiteZ;
}

void lab_to_srgb_d(const Lab& lab, double out[3]) {
  const double l[3] = {lab.L, lab.a, lab.b};
  double xyz[3], lin[3];
  lab_to_xyz_d(l, xyz);
  xyz_to_rgb_d(xyz, lin);
  for (int i = 0; i < 3; ++i) out[i] = linear_to_srgb_d(lin[i]);
}

}  // namespace
}  // namespace color_detail

using namespace color_detail;

float srgb_to_linear(float v) { return static_cast<float>(srgb_to_linear_d(v)); }
float linear_to_srgb(float v) { return static_cast<float>(linear_to_srgb_d(v)); }

Xyz linear_rgb_to_xyz(const Rgb& linear) {
  const double rgb[3] = {linear.r, linear.g, linear.b};
  double xyz[3];
  rgb_to_xyz_d(rgb, xyz);
  return {static_cast<float>(xyz[0]), static_cast<float>(xyz[1]), static_cast<float>(xyz[2])};
}

Rgb xyz_to_linear_rgb(const Xyz& xyz) {
  const double x[3] = {xyz.x, xyz.y, xyz.z};
  double rgb[3];
  xyz_to_rgb_d(x, rgb);
  return {static_cast<float>(rgb[0]), static_cast<float>(rgb[1]), static_cast<float>(rgb[2])};
}

Lab xyz_to_lab(const Xyz& xyz) {
  const double x[3] = {xyz.x, xyz.y, xyz.z};
  double lab[3];
  xyz_to_lab_d(x, lab);
  return {static_cast<float>(lab[0]), static_cast<float>(lab[1]), static_cast<float>(lab[2])};
}

Xyz lab_to_xyz(const Lab& lab) {
  const double l[3] = {lab.L, lab.a, lab.b};
  double xyz[3];
  lab_to_xyz_d(l, xyz);
  return {static_cast<float>(xyz[0]), static_cast<float>(xyz[1]), static_cast<float>(xyz[2])};
}

Lab srgb_to_lab(const Rgb& srgb) {
  const double lin[3] = {srgb_to_linear_d(srgb.r), srgb_to_linear_d(srgb.g),
                         srgb_to_linear_d(srgb.b)};
  double xyz[3], lab[3];
  rgb_to_xyz_d(lin, xyz);
  xyz_to_lab_d(xyz, lab);
  return {static_cast<float>(lab[0]), static_cast<float>(lab[1]), static_cast<float>(lab[2])};
}

Rgb lab_to_srgb(const Lab& lab) {
  double s[3];
  lab_to_srgb_d(lab, s);
  return {static_cast<float>(s[0]), static_cast<float>(s[1]), static_cast<float>(s[2])};
}

bool lab_in_srgb_gamut(const Lab& lab, float tolerance) {
  // 1e-6 of slack absorbs the rounding of the float Lab input, so the sRGB cube's own
  // corners (white, black, the primaries) count as inside with tolerance 0.
  const double tol = static_cast<double>(tolerance) + 1e-6;
  double s[3];
  lab_to_srgb_d(lab, s);
  for (double v : s) {
    if (!(v >= -tol && v <= 1.0 + tol)) return false;  // NaN is out of gamut
  }
  return true;
}

}  // namespace colorize
