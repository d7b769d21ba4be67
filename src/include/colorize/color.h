// colorize — colour science: sRGB (IEC 61966-2-1, D65) <-> linear RGB <-> CIE XYZ <-> CIELAB.
//
// Units and ranges:
//   sRGB, linear RGB: [0, 1] for in-gamut colours (functions accept values outside and do not clamp).
//   XYZ: relative to Y = 1 for the white point (D65: Xn = 0.95047, Yn = 1, Zn = 1.08883).
//   CIELAB: L* in [0, 100]; a*, b* unbounded, about [-86, 98] / [-108, 95] for the sRGB gamut.
// Formulas are the exact CIE ones (epsilon = 216/24389, kappa = 24389/27), no approximations;
// the fast bulk paths below are checked against these scalar ones in the tests.
#pragma once

#include "colorize/image.h"
#include "colorize/plane.h"

namespace colorize {

struct Rgb { float r = 0, g = 0, b = 0; };
struct Xyz { float x = 0, y = 0, z = 0; };
struct Lab { float L = 0, a = 0, b = 0; };

// sRGB transfer function and its inverse (per channel).
float srgb_to_linear(float v);
float linear_to_srgb(float v);

Xyz linear_rgb_to_xyz(const Rgb& linear);
Rgb xyz_to_linear_rgb(const Xyz& xyz);
Lab xyz_to_lab(const Xyz& xyz);
Xyz lab_to_xyz(const Lab& lab);

// Convenience compositions (sRGB is gamma-encoded, [0, 1]).
Lab srgb_to_lab(const Rgb& srgb);
Rgb lab_to_srgb(const Lab& lab);  // unclamped: may leave [0, 1] for out-of-gamut Lab

// True when lab maps into the sRGB cube within `tolerance` (in [0,1] sRGB units).
bool lab_in_srgb_gamut(const Lab& lab, float tolerance = 0.0f);

// Bulk: the CIELAB planes of an image (grey images have a = b = 0 exactly). Alpha is ignored.
// Any of the out pointers may be null to skip that plane. Fast (lookup tables) and within
// 0.01 of the scalar formulas.
void image_to_lab(const Image& image, Plane* L, Plane* a, Plane* b);

// L* only: the fastest path (grey images need no matrix). Same as image_to_lab's L.
Plane image_lightness(const Image& image);

// Bulk inverse: an 8-bit RGB image (3 channels) from L*, a*, b* planes of equal size.
// Out-of-gamut colours are clamped per channel.
Image lab_to_image(const Plane& L, const Plane& a, const Plane& b);

// A greyscale copy that keeps L*: each pixel becomes the sRGB grey of its L* (a*=b*=0),
// as 1 channel (+ alpha if the input had it), same bit depth. This is how the evaluation makes
// "old photos" from colour ones.
Image to_greyscale(const Image& image);

}  // namespace colorize
