// colorize — resampling of float planes.
//
// Coordinates follow the pixel-centre convention (align_corners = false, as PyTorch's
// F.interpolate and PIL): output pixel x samples the input at (x + 0.5) * in_w / out_w - 0.5.
// Borders clamp to the edge. All functions return a new Plane and never fail for valid
// sizes (width, height >= 1); an empty input or a size < 1 gives an empty Plane.
#pragma once

#include "colorize/plane.h"

namespace colorize {

// Box filter with exact fractional coverage: each output pixel is the mean of the input area
// it covers. For downscaling (out <= in on both axes); upscaling falls back to bilinear.
Plane resize_area(const Plane& in, int out_width, int out_height);

// Bilinear interpolation (triangle filter without prefiltering).
Plane resize_bilinear(const Plane& in, int out_width, int out_height);

// Bicubic interpolation (Catmull-Rom / Keys a = -0.5), clamped to the input's [min, max].
Plane resize_bicubic(const Plane& in, int out_width, int out_height);

}  // namespace colorize
