// Colour statistics of results, shared by the tests that check what a method painted
// (tests/cli, tests/core/test_colorizer.cpp): CIELAB a*, b* through the core's image_to_lab.
#pragma once

#include <cmath>
#include <utility>

#include "colorize/color.h"
#include "colorize/image.h"

namespace colour_stats {

// Mean a*, b* of `img` over the rectangle [x0, x1) x [y0, y1).
inline std::pair<double, double> mean_ab(const colorize::Image& img, int x0, int y0, int x1,
                                         int y1) {
  colorize::Plane L, a, b;
  colorize::image_to_lab(img, &L, &a, &b);
  double sa = 0, sb = 0;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) {
      sa += a.at(x, y);
      sb += b.at(x, y);
    }
  const double n = static_cast<double>(x1 - x0) * (y1 - y0);
  return {sa / n, sb / n};
}

// Mean chroma (the a*b* distance from grey) over the whole picture.
inline double mean_chroma(const colorize::Image& img) {
  colorize::Plane L, a, b;
  colorize::image_to_lab(img, &L, &a, &b);
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += std::hypot(a.data[i], b.data[i]);
  return s / static_cast<double>(a.size());
}

}  // namespace colour_stats
