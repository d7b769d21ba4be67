// The stages before inference: working size, prepare (L* at full and working size, and the
// model's input through the tone map of tone.cpp) and the rendering of user hints into the
// model's hint planes.
#include <algorithm>
#include <cmath>
#include <string>

#include "colorize/color.h"
#include "colorize/pipeline.h"
#include "colorize/resample.h"

namespace colorize {
namespace {

int round_to_32(double v) {
  const int r = static_cast<int>(std::lround(v / 32.0)) * 32;
  return std::max(32, r);
}

int ceil_to_32(int v) { return std::max(32, (v + 31) / 32 * 32); }

}  // namespace

Size working_size_for(int width, int height, int working_size) {
  if (width <= 0 || height <= 0 || working_size <= 0) return {};
  const int longer = std::max(width, height);
  const int shorter = std::min(width, height);
  // Never upscale beyond the next multiple of 32 of the original's longer side.
  const int work_long = std::min(round_to_32(working_size), ceil_to_32(longer));
  const int work_short =
      std::min(work_long, round_to_32(static_cast<double>(shorter) * work_long / longer));
  return width >= height ? Size{work_long, work_short} : Size{work_short, work_long};
}

Result<Prepared> prepare(const Image& image, const PrepareOptions& options) {
  if (image.empty()) {
    return Result<Prepared>(ErrorCode::kInvalidArgument, "the image has no pixels");
  }
  if (options.working_size < 32 || options.working_size > 4096) {
    return Result<Prepared>(
        ErrorCode::kInvalidArgument,
        "working size " + std::to_string(options.working_size) + " is outside 32..4096 pixels");
  }
  Prepared p;
  p.L_full = image_lightness(image);
  if (p.L_full.width != image.width || p.L_full.height != image.height) {
    return Result<Prepared>(ErrorCode::kInternal, "lightness plane has the wrong size");
  }
  const Size work = working_size_for(image.width, image.height, options.working_size);
  p.L_work = resize_area(p.L_full, work.width, work.height);
  p.L_model = options.tone == Tone::kStretch ? apply_tone_map(p.L_work, tone_map_for(p.L_work))
                                             : p.L_work;
  return p;
}

HintPlanes render_hints(const std::vector<Hint>& hints, int full_width, int full_height,
                        int work_width, int work_height, int radius) {
  HintPlanes out;
  if (work_width <= 0 || work_height <= 0) return out;
  out.ab.a = Plane(work_width, work_height);
  out.ab.b = Plane(work_width, work_height);
  out.mask = Plane(work_width, work_height);
  if (full_width <= 0 || full_height <= 0) return out;
  radius = std::max(0, radius);
  const double sx = static_cast<double>(work_width) / full_width;
  const double sy = static_cast<double>(work_height) / full_height;
  for (const Hint& h : hints) {
    if (!std::isfinite(h.x) || !std::isfinite(h.y) || !std::isfinite(h.a) || !std::isfinite(h.b)) {
      continue;
    }
    // The working pixel whose area contains the point; points on the far edge belong to
    // the last pixel.
    const int cx = std::min(work_width - 1, std::max(0, static_cast<int>(std::floor(h.x * sx))));
    const int cy = std::min(work_height - 1, std::max(0, static_cast<int>(std::floor(h.y * sy))));
    for (int y = std::max(0, cy - radius); y <= std::min(work_height - 1, cy + radius); ++y) {
      for (int x = std::max(0, cx - radius); x <= std::min(work_width - 1, cx + radius); ++x) {
        out.ab.a.at(x, y) = h.a;
        out.ab.b.at(x, y) = h.b;
        out.mask.at(x, y) = 1.0f;
      }
    }
  }
  return out;
}

}  // namespace colorize
