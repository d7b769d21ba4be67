// bench_marks: times the marks solver (colorize/propagate.h) on synthetic lightness planes of
// the sizes the product uses (the 384-pixel grid) and larger, and prints how far each result
// is from a tight solve (tolerance 1e-6), in a*b* units.
//
//   bench_marks [runs=5]
//
// Cases: colour from three small marks alone (the hardest case: colour must travel across the
// whole grid), and a chroma corrected by one stroke (the paint of the web app and --marks).
// Single thread. No assertions: figures only.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "colorize/propagate.h"

using namespace colorize;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Smooth shading, a few hard-edged regions and a little noise (L* in [0, 100]).
Plane synth_L(int w, int h) {
  Plane L(w, h);
  uint32_t seed = 777;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      seed = seed * 1664525u + 1013904223u;
      const float noise = ((seed >> 16) & 255) / 255.0f - 0.5f;
      const float fx = static_cast<float>(x) / w, fy = static_cast<float>(y) / h;
      float v = 50.0f + 20.0f * std::sin(6.0f * fx) * std::cos(4.0f * fy) + 2.0f * noise;
      if (std::hypot(fx - 0.3f, fy - 0.5f) < 0.18f) v -= 25.0f;  // a dark disc
      if (fy > 0.8f) v += 20.0f;                                 // a bright band
      L.at(x, y) = std::min(100.0f, std::max(0.0f, v));
    }
  return L;
}

HintPlanes no_marks(int w, int h) { return {{Plane(w, h), Plane(w, h)}, Plane(w, h)}; }

void mark(HintPlanes* m, int x0, int y0, int x1, int y1, float a, float b) {
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) {
      m->mask.at(x, y) = 1.0f;
      m->ab.a.at(x, y) = a;
      m->ab.b.at(x, y) = b;
    }
}

// Largest and root-mean-square a*b* distance between two results.
void distance(const AbPlanes& p, const AbPlanes& q, double* max_d, double* rms) {
  double m = 0, s = 0;
  for (size_t i = 0; i < p.a.data.size(); ++i) {
    const double d = std::hypot(p.a.data[i] - q.a.data[i], p.b.data[i] - q.b.data[i]);
    m = std::max(m, d);
    s += d * d;
  }
  *max_d = m;
  *rms = std::sqrt(s / static_cast<double>(p.a.data.size()));
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  std::printf(
      "bench_marks: median of %d runs, 1 thread; error = a*b* distance to a solve at "
      "tolerance 1e-6 (max / rms)\n",
      runs);
  PropagateOptions tight;
  tight.tolerance = 1e-6f;
  tight.max_iterations = 100000;
  for (const auto& [w, h] : {std::pair<int, int>{384, 256}, std::pair<int, int>{512, 340},
                             std::pair<int, int>{768, 512}}) {
    const Plane L = synth_L(w, h);
    HintPlanes points = no_marks(w, h);
    mark(&points, w / 10, h / 10, w / 10 + 4, h / 10 + 4, 40, 30);
    mark(&points, w * 8 / 10, h / 5, w * 8 / 10 + 4, h / 5 + 4, -20, -35);
    mark(&points, w / 2, h * 9 / 10, w / 2 + 4, h * 9 / 10 + 4, -30, 40);
    HintPlanes stroke = no_marks(w, h);
    mark(&stroke, w / 5, h / 2 - 3, w / 2, h / 2 + 3, 45, 20);
    const AbPlanes base{Plane(w, h, 5.0f), Plane(w, h, 12.0f)};
    struct Case {
      const char* name;
      bool correct;
      const HintPlanes* marks;
    };
    for (const Case c : {Case{"three point marks alone", false, &points},
                         Case{"a stroke correcting a chroma", true, &stroke}}) {
      auto solve = [&](const PropagateOptions& o) {
        return c.correct ? correct_with_marks(L, base, *c.marks, o)
                         : propagate_marks(L, *c.marks, o);
      };
      std::vector<double> ms;
      Result<AbPlanes> got = Status(ErrorCode::kInternal, "not run");
      for (int r = 0; r < runs; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        got = solve({});
        ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count());
      }
      const auto ref = solve(tight);
      if (!got.ok() || !ref.ok()) {
        std::printf("failed: %s\n", (got.ok() ? ref : got).status().to_string().c_str());
        return 1;
      }
      double max_d = 0, rms = 0;
      distance(*got, *ref, &max_d, &rms);
      std::printf("  %4d x %-4d %-30s %8.1f ms   error %.3f / %.3f\n", w, h, c.name, median(ms),
                  max_d, rms);
    }
  }
  return 0;
}
