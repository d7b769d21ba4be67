// colorize — metrics room internals (not public API).
#pragma once

#include <cstdint>
#include <vector>

#include "colorize/image.h"
#include "colorize/status.h"

namespace colorize {
namespace metrics_detail {

// An image reduced to what every metric compares: 8-bit sRGB, 3 interleaved channels.
struct Rgb8 {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> px;  // (y * width + x) * 3 + c
  size_t pixel_count() const { return static_cast<size_t>(width) * static_cast<size_t>(height); }
};

// Ok when the Image is well formed (sizes, channels 1..4, depth 8/16, buffer length).
Status check_image(const Image& image, const char* what);
// Ok when both are well formed and of the same width and height.
Status check_pair(const Image& result, const Image& truth);

// Grey expands to R = G = B, alpha is dropped, 16-bit rounds to 8 (v * 255 / 65535).
// The image must have passed check_image.
Rgb8 to_rgb8(const Image& image);

double psnr_rgb8(const Rgb8& x, const Rgb8& y);
double ssim_rgb8(const Rgb8& x, const Rgb8& y, bool grey_pair);
double colourfulness_rgb8(const Rgb8& x);
double mean_ciede2000_rgb8(const Rgb8& x, const Rgb8& y);
double wrong_colour_area_rgb8(const Rgb8& x, const Rgb8& y);

}  // namespace metrics_detail
}  // namespace colorize
