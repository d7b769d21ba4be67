// colorize — colour room internals shared by color.cpp and color_bulk.cpp (not public API).
#pragma once

namespace colorize {
namespace color_detail {

// CIE constants, exact rationals (CIE 15:2004 / Lindbloom).
constexpr double kEpsilon = 216.0 / 24389.0;  // (6/29)^3
constexpr double kKappa = 24389.0 / 27.0;     // (29/3)^3

// D65 reference white, 2-degree observer, Y normalised to 1.
constexpr double kWhiteX = 0.95047;
constexpr double kWhiteY = 1.0;
constexpr double kWhiteZ = 1.08883;

// Linear sRGB -> XYZ. Derived from the sRGB primaries (x, y) = R (0.64, 0.33),
// G (0.30, 0.60), B (0.15, 0.06), scaled so that RGB (1, 1, 1) maps to the white above:
// each row sums to the white's X, Y, Z. (Matches Lindbloom's published sRGB matrix.)
constexpr double kRgbToXyz[3][3] = {
    {0.412456439090, 0.357576077644, 0.180437483266},
    {0.212672851406, 0.715152155288, 0.072174993307},
    {0.019333895582, 0.119192025881, 0.950304078536},
};
// Its inverse (XYZ -> linear sRGB), computed numerically from the matrix above.
constexpr double kXyzToRgb[3][3] = {
    {3.240454162114, -1.537138512798, -0.498531409556},
    {-0.969266030505, 1.876010845447, 0.041556017530},
    {0.055643430959, -0.204025913517, 1.057225188223},
};

// Exact scalar formulas in double precision.
double srgb_to_linear_d(double v);
double linear_to_srgb_d(double v);
double lab_f(double t);       // t > eps ? cbrt(t) : (kappa t + 16) / 116
double lab_f_inv(double f);   // inverse of lab_f
double lightness_from_y(double y);  // L* of relative luminance y (Yn = 1)

}  // namespace color_detail
}  // namespace colorize
