// colorize — Plane: one channel of float samples, the working currency of the pipeline.
#pragma once

#include <cstddef>
#include <vector>

namespace colorize {

// A single-channel float image. Layout: row-major, no padding, data[y * width + x].
// Units are the caller's (the pipeline uses CIELAB: L* in [0, 100], a*/b* roughly
// [-128, 127]). Owns its samples; copies are deep.
struct Plane {
  int width = 0;
  int height = 0;
  std::vector<float> data;

  Plane() = default;
  Plane(int w, int h, float fill = 0.0f)
      : width(w), height(h), data(static_cast<size_t>(w) * static_cast<size_t>(h), fill) {}

  bool empty() const { return width <= 0 || height <= 0; }
  size_t size() const { return data.size(); }
  float& at(int x, int y) { return data[static_cast<size_t>(y) * width + x]; }
  float at(int x, int y) const { return data[static_cast<size_t>(y) * width + x]; }
  float* row(int y) { return data.data() + static_cast<size_t>(y) * width; }
  const float* row(int y) const { return data.data() + static_cast<size_t>(y) * width; }
};

// Chroma as two planes of CIELAB a* and b* (same size). What a colorizer predicts.
struct AbPlanes {
  Plane a;
  Plane b;
};

}  // namespace colorize
