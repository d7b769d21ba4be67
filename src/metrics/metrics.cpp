// Metrics: input checks, the 8-bit RGB reduction, PSNR, colourfulness, score().
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "colorize/metrics.h"
#include "metrics_internal.h"

namespace colorize {
namespace metrics_detail {

Status check_image(const Image& image, const char* what) {
  if (image.width <= 0 || image.height <= 0)
    return Status(ErrorCode::kInvalidArgument,
                  std::string("the ") + what + " image is empty (" + std::to_string(image.width) +
                      " x " + std::to_string(image.height) + " pixels)");
  if (image.channels < 1 || image.channels > 4)
    return Status(ErrorCode::kInvalidArgument, std::string("the ") + what + " image has " +
                                                   std::to_string(image.channels) +
                                                   " channels; 1 to 4 are supported");
  if (image.bit_depth != 8 && image.bit_depth != 16)
    return Status(ErrorCode::kInvalidArgument, std::string("the ") + what + " image has " +
                                                   std::to_string(image.bit_depth) +
                                                   " bits per sample; 8 or 16 are supported");
  const size_t have = image.bit_depth == 16 ? image.data16.size() : image.data8.size();
  if (have != image.sample_count())
    return Status(ErrorCode::kInvalidArgument,
                  std::string("the ") + what + " image holds " + std::to_string(have) +
                      " samples but its size needs " + std::to_string(image.sample_count()));
  return Status::Ok();
}

Status check_pair(const Image& result, const Image& truth) {
  Status s = check_image(result, "result");
  if (!s.ok()) return s;
  s = check_image(truth, "ground-truth");
  if (!s.ok()) return s;
  if (result.width != truth.width || result.height != truth.height)
    return Status(ErrorCode::kInvalidArgument,
                  "the result is " + std::to_string(result.width) + " x " +
                      std::to_string(result.height) + " pixels but the ground truth is " +
                      std::to_string(truth.width) + " x " + std::to_string(truth.height) +
                      "; they must be the same size");
  return Status::Ok();
}

Rgb8 to_rgb8(const Image& image) {
  Rgb8 out;
  out.width = image.width;
  out.height = image.height;
  const size_t n = image.pixel_count();
  const int ch = image.channels;
  out.px.resize(n * 3);
  uint8_t* d = out.px.data();
  auto reduce = [](uint16_t v) {
    return static_cast<uint8_t>((static_cast<uint32_t>(v) * 255u + 32767u) / 65535u);
  };
  if (image.bit_depth == 16) {
    const uint16_t* s = image.data16.data();
    for (size_t i = 0; i < n; ++i, s += ch, d += 3) {
      if (ch <= 2) {
        d[0] = d[1] = d[2] = reduce(s[0]);
      } else {
        d[0] = reduce(s[0]);
        d[1] = reduce(s[1]);
        d[2] = reduce(s[2]);
      }
    }
  } else {
    const uint8_t* s = image.data8.data();
    for (size_t i = 0; i < n; ++i, s += ch, d += 3) {
      if (ch <= 2) {
        d[0] = d[1] = d[2] = s[0];
      } else {
        d[0] = s[0];
        d[1] = s[1];
        d[2] = s[2];
      }
    }
  }
  return out;
}

double psnr_rgb8(const Rgb8& x, const Rgb8& y) {
  uint64_t sse = 0;
  const size_t n = x.px.size();
  for (size_t i = 0; i < n; ++i) {
    const int d = static_cast<int>(x.px[i]) - static_cast<int>(y.px[i]);
    sse += static_cast<uint64_t>(d * d);
  }
  if (sse == 0) return std::numeric_limits<double>::infinity();
  const double mse = static_cast<double>(sse) / static_cast<double>(n);
  return 10.0 * std::log10(255.0 * 255.0 / mse);
}

double colourfulness_rgb8(const Rgb8& x) {
  // Exact integer sums: rg = R - G and 2 yb = R + G - 2B are integers.
  int64_t s_rg = 0, s_yb2 = 0, q_rg = 0, q_yb2 = 0;
  const size_t n = x.pixel_count();
  const uint8_t* p = x.px.data();
  for (size_t i = 0; i < n; ++i, p += 3) {
    const int64_t rg = static_cast<int64_t>(p[0]) - p[1];
    const int64_t yb2 = static_cast<int64_t>(p[0]) + p[1] - 2 * static_cast<int64_t>(p[2]);
    s_rg += rg;
    s_yb2 += yb2;
    q_rg += rg * rg;
    q_yb2 += yb2 * yb2;
  }
  if (n == 0) return 0.0;
  const double inv = 1.0 / static_cast<double>(n);
  const double mean_rg = s_rg * inv;
  const double mean_yb = 0.5 * s_yb2 * inv;
  // Population variances; clamp the tiny negative a rounding could leave.
  const double var_rg = std::max(0.0, q_rg * inv - mean_rg * mean_rg);
  const double var_yb = std::max(0.0, 0.25 * q_yb2 * inv - mean_yb * mean_yb);
  return std::sqrt(var_rg + var_yb) + 0.3 * std::sqrt(mean_rg * mean_rg + mean_yb * mean_yb);
}

}  // namespace metrics_detail

using namespace metrics_detail;

Result<double> psnr(const Image& result, const Image& truth) {
  const Status s = check_pair(result, truth);
  if (!s.ok()) return s;
  return psnr_rgb8(to_rgb8(result), to_rgb8(truth));
}

Result<double> ssim(const Image& result, const Image& truth) {
  const Status s = check_pair(result, truth);
  if (!s.ok()) return s;
  return ssim_rgb8(to_rgb8(result), to_rgb8(truth), result.is_grey() && truth.is_grey());
}

// An image that is not well formed has no colour to measure: 0.
double colourfulness(const Image& image) {
  if (!check_image(image, "input").ok()) return 0.0;
  return colourfulness_rgb8(to_rgb8(image));
}

Result<double> mean_ciede2000(const Image& result, const Image& truth) {
  const Status s = check_pair(result, truth);
  if (!s.ok()) return s;
  return mean_ciede2000_rgb8(to_rgb8(result), to_rgb8(truth));
}

Result<double> wrong_colour_area(const Image& result, const Image& truth) {
  const Status s = check_pair(result, truth);
  if (!s.ok()) return s;
  return wrong_colour_area_rgb8(to_rgb8(result), to_rgb8(truth));
}

Result<Scores> score(const Image& result, const Image& truth) {
  const Status s = check_pair(result, truth);
  if (!s.ok()) return s;
  const Rgb8 x = to_rgb8(result), y = to_rgb8(truth);
  Scores out;
  out.psnr = psnr_rgb8(x, y);
  out.ssim = ssim_rgb8(x, y, result.is_grey() && truth.is_grey());
  out.colourfulness = colourfulness_rgb8(x);
  out.colourfulness_truth = colourfulness_rgb8(y);
  out.ciede2000 = mean_ciede2000_rgb8(x, y);
  out.wrong_colour = wrong_colour_area_rgb8(x, y);
  return out;
}

}  // namespace colorize
