// CIEDE2000 (CIE 142-2001) as written out by Sharma, Wu & Dalal, "The CIEDE2000
// color-difference formula: implementation notes, supplementary test data, and mathematical
// observations", Color Res. Appl. 30(1), 2005: kL = kC = kH = 1, angles in degrees.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "colorize/color.h"
#include "colorize/metrics.h"
#include "metrics_internal.h"

namespace colorize {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kDeg = kPi / 180.0;
constexpr double k25Pow7 = 6103515625.0;  // 25^7

// Hue angle in [0, 360) degrees; 0 for a neutral (a' = b = 0), as the paper specifies.
double hue_deg(double b, double a_prime) {
  if (a_prime == 0.0 && b == 0.0) return 0.0;
  double h = std::atan2(b, a_prime) / kDeg;
  if (h < 0.0) h += 360.0;
  return h;
}

double pow7(double x) {
  const double x2 = x * x;
  return x2 * x2 * x2 * x;
}

}  // namespace

double ciede2000(const Lab& x, const Lab& y) {
  const double L1 = x.L, a1 = x.a, b1 = x.b;
  const double L2 = y.L, a2 = y.a, b2 = y.b;

  // Step 1: C', h'.
  const double C1ab = std::sqrt(a1 * a1 + b1 * b1);
  const double C2ab = std::sqrt(a2 * a2 + b2 * b2);
  const double Cab = 0.5 * (C1ab + C2ab);
  const double Cab7 = pow7(Cab);
  const double G = 0.5 * (1.0 - std::sqrt(Cab7 / (Cab7 + k25Pow7)));
  const double a1p = (1.0 + G) * a1, a2p = (1.0 + G) * a2;
  const double C1p = std::sqrt(a1p * a1p + b1 * b1);
  const double C2p = std::sqrt(a2p * a2p + b2 * b2);
  const double h1p = hue_deg(b1, a1p), h2p = hue_deg(b2, a2p);

  // Step 2: dL', dC', dH'. A hue difference of exactly 180 degrees lies on the formula's
  // discontinuity; the paper assigns it to the "|dh| <= 180" case. Rounding in the two
  // atan2 values must not move it across, hence the 1e-9 degree allowance (test pair 10).
  constexpr double kHalfTurn = 180.0 + 1e-9;
  const double dLp = L2 - L1;
  const double dCp = C2p - C1p;
  const bool neutral = C1p * C2p == 0.0;
  double dhp = 0.0;
  if (!neutral) {
    dhp = h2p - h1p;
    if (dhp > kHalfTurn)
      dhp -= 360.0;
    else if (dhp < -kHalfTurn)
      dhp += 360.0;
  }
  const double dHp = 2.0 * std::sqrt(C1p * C2p) * std::sin(0.5 * dhp * kDeg);

  // Step 3: the weighting functions.
  const double Lbar = 0.5 * (L1 + L2);
  const double Cbar = 0.5 * (C1p + C2p);
  double hbar;
  if (neutral) {
    hbar = h1p + h2p;
  } else if (std::fabs(h1p - h2p) <= kHalfTurn) {
    hbar = 0.5 * (h1p + h2p);
  } else if (h1p + h2p < 360.0) {
    hbar = 0.5 * (h1p + h2p + 360.0);
  } else {
    hbar = 0.5 * (h1p + h2p - 360.0);
  }
  // T from cos/sin of h, 2h, 3h, 4h by the angle-addition identities (one sin/cos pair
  // instead of four cosines; the same quantity).
  const double c1 = std::cos(hbar * kDeg), s1 = std::sin(hbar * kDeg);
  const double c2 = c1 * c1 - s1 * s1, s2 = 2.0 * s1 * c1;
  const double c3 = c2 * c1 - s2 * s1, s3 = s2 * c1 + c2 * s1;
  const double c4 = c2 * c2 - s2 * s2, s4 = 2.0 * s2 * c2;
  const double cos30 = 0.86602540378443865, sin30 = 0.5;
  const double cos6 = 0.99452189536827334, sin6 = 0.10452846326765347;
  const double cos63 = 0.45399049973954675, sin63 = 0.89100652418836786;
  const double T = 1.0 - 0.17 * (c1 * cos30 + s1 * sin30)   // cos(h - 30)
                   + 0.24 * c2                              // cos(2h)
                   + 0.32 * (c3 * cos6 - s3 * sin6)         // cos(3h + 6)
                   - 0.20 * (c4 * cos63 + s4 * sin63);      // cos(4h - 63)
  const double hh = (hbar - 275.0) / 25.0;
  const double dtheta = 30.0 * std::exp(-hh * hh);
  const double Cbar7 = pow7(Cbar);
  const double RC = 2.0 * std::sqrt(Cbar7 / (Cbar7 + k25Pow7));
  const double l50 = (Lbar - 50.0) * (Lbar - 50.0);
  const double SL = 1.0 + 0.015 * l50 / std::sqrt(20.0 + l50);
  const double SC = 1.0 + 0.045 * Cbar;
  const double SH = 1.0 + 0.015 * Cbar * T;
  const double RT = -std::sin(2.0 * dtheta * kDeg) * RC;

  const double tL = dLp / SL, tC = dCp / SC, tH = dHp / SH;
  return std::sqrt(std::max(0.0, tL * tL + tC * tC + tH * tH + RT * tC * tH));
}

namespace metrics_detail {

namespace {

// Calls fn(x_lab, y_lab, identical) for every pixel, converting to CIELAB through the
// colour room's bulk path a strip of rows at a time (bounded memory).
template <typename Fn>
void for_each_lab_pair(const Rgb8& x, const Rgb8& y, Fn fn) {
  const int w = x.width;
  if (w <= 0) return;
  const int strip = std::max(1, 65536 / w);
  Image sx, sy;
  sx.channels = sy.channels = 3;
  sx.bit_depth = sy.bit_depth = 8;
  sx.width = sy.width = w;
  Plane Lx, ax, bx, Ly, ay, by;
  for (int y0 = 0; y0 < x.height; y0 += strip) {
    const int rows = std::min(strip, x.height - y0);
    const size_t off = static_cast<size_t>(y0) * w * 3, len = static_cast<size_t>(rows) * w * 3;
    sx.height = sy.height = rows;
    sx.data8.assign(x.px.begin() + off, x.px.begin() + off + len);
    sy.data8.assign(y.px.begin() + off, y.px.begin() + off + len);
    image_to_lab(sx, &Lx, &ax, &bx);
    image_to_lab(sy, &Ly, &ay, &by);
    const size_t m = static_cast<size_t>(rows) * w;
    for (size_t i = 0; i < m; ++i)
      fn(Lab{Lx.data[i], ax.data[i], bx.data[i]}, Lab{Ly.data[i], ay.data[i], by.data[i]},
         std::memcmp(&sx.data8[i * 3], &sy.data8[i * 3], 3) == 0);
  }
}

}  // namespace

double mean_ciede2000_rgb8(const Rgb8& x, const Rgb8& y) {
  const size_t n = x.pixel_count();
  if (n == 0) return 0.0;
  double total = 0.0;
  for_each_lab_pair(x, y, [&](const Lab& p, const Lab& q, bool identical) {
    if (!identical) total += ciede2000(p, q);  // identical pixels add 0
  });
  return total / static_cast<double>(n);
}

double wrong_colour_area_rgb8(const Rgb8& x, const Rgb8& y) {
  const size_t n = x.pixel_count();
  if (n == 0) return 0.0;
  const double cos_limit = std::cos(kWrongHueDegrees * kDeg);
  size_t wrong = 0;
  for_each_lab_pair(x, y, [&](const Lab& p, const Lab& q, bool identical) {
    if (identical) return;
    const double cp = std::hypot(p.a, p.b), cq = std::hypot(q.a, q.b);
    if (cp < kWrongChroma) return;
    const double cos_hue = (p.a * q.a + p.b * q.b) / std::max(cp * cq, 1e-12);
    if (cq < kNeutralChroma || cos_hue <= cos_limit) ++wrong;
  });
  return static_cast<double>(wrong) / static_cast<double>(n);
}

}  // namespace metrics_detail
}  // namespace colorize
