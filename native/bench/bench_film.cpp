// bench_film: times the step --film adds to each frame (colorize/film.h): the motion between
// two frames (estimate_motion) and the whole FilmMemory::next (motion, moving the previous
// colour, the blend), on synthetic frames of a pan at the film grid's sizes (the longer side
// 384: a 16:9 and a 4:3 frame), and prints how far the motion found is from the true one.
//
//   bench_film [runs=20]
//
// Single thread. No assertions: figures only.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "colorize/film.h"

using namespace colorize;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// A textured scene seen through a w x h window whose pixel (0, 0) shows scene point (ox, oy).
Plane frame(int w, int h, float ox, float oy) {
  Plane L(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const float sx = x + ox, sy = y + oy;
      float v = 50.0f + 20.0f * std::sin(0.05f * sx) * std::cos(0.04f * sy) +
                8.0f * std::sin(0.31f * sx + 0.2f * sy);
      if (std::hypot(sx - 150.0f, sy - 100.0f) < 40.0f) v -= 25.0f;  // a dark disc
      L.at(x, y) = std::min(100.0f, std::max(0.0f, v));
    }
  return L;
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 20;
  std::printf("bench_film: %d runs, median ms; the pan is (2.7, -1.3) grid pixels a frame\n", runs);
  std::printf("%-10s %12s %12s %18s\n", "grid", "motion", "next()", "motion error px");
  for (const auto& [w, h] : {std::pair{384, 224}, std::pair{384, 288}}) {
    const Plane a = frame(w, h, 0.0f, 0.0f), b = frame(w, h, 2.7f, -1.3f);
    AbPlanes ab{Plane(w, h, 10.0f), Plane(w, h, -5.0f)};
    std::vector<double> motion_ms, next_ms;
    double err = 0;
    for (int r = 0; r < runs; ++r) {
      auto t0 = std::chrono::steady_clock::now();
      auto m = estimate_motion(a, b, FilmOptions{}.search);
      auto t1 = std::chrono::steady_clock::now();
      motion_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      if (!m.ok()) return 1;
      double e = 0;
      for (size_t i = 0; i < m->dx.size(); ++i)
        e += std::hypot(m->dx.data[i] - 2.7, m->dy.data[i] + 1.3);
      err = e / double(m->dx.size());
      FilmMemory film;
      if (!film.next(a, ab).ok()) return 1;
      t0 = std::chrono::steady_clock::now();
      auto out = film.next(b, ab);
      t1 = std::chrono::steady_clock::now();
      if (!out.ok()) return 1;
      next_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    char grid[32];
    std::snprintf(grid, sizeof grid, "%dx%d", w, h);
    std::printf("%-10s %12.2f %12.2f %18.3f\n", grid, median(motion_ms), median(next_ms), err);
  }
  return 0;
}
