// Prints single-thread timings (ms) of the colour room's bulk paths on a 12-megapixel
// image (4000 x 3000): the pipeline's budget for prepare + finish is 250 ms.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "colorize/color.h"

using namespace colorize;

namespace {

// Best of `reps` for both wall time and process CPU time (ms). On a shared, loaded machine
// the CPU time is the better estimate of what the code costs on an idle single core.
struct Timing {
  double wall_ms = 1e30, cpu_ms = 1e30;
};

template <typename F>
Timing best_ms(int reps, F&& f) {
  Timing t;
  for (int r = 0; r < reps; ++r) {
    const auto w0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    f();
    const std::clock_t c1 = std::clock();
    const auto w1 = std::chrono::steady_clock::now();
    t.wall_ms = std::min(t.wall_ms, std::chrono::duration<double, std::milli>(w1 - w0).count());
    t.cpu_ms = std::min(t.cpu_ms, 1000.0 * static_cast<double>(c1 - c0) / CLOCKS_PER_SEC);
  }
  return t;
}

void print(const char* what, const char* kind, const Timing& t) {
  std::printf("  %-16s %-14s wall %8.1f ms   cpu %8.1f ms\n", what, kind, t.wall_ms, t.cpu_ms);
}

Image make_image(int w, int h, int channels, int depth, uint32_t seed) {
  Image im;
  im.width = w;
  im.height = h;
  im.channels = channels;
  im.bit_depth = depth;
  std::mt19937 rng(seed);
  const size_t n = im.sample_count();
  // A smooth gradient plus noise, so the values are photo-like rather than constant.
  if (depth == 16) {
    im.data16.resize(n);
    for (size_t i = 0; i < n; ++i) im.data16[i] = static_cast<uint16_t>((i * 37 + rng()) & 0xffff);
  } else {
    im.data8.resize(n);
    for (size_t i = 0; i < n; ++i) im.data8[i] = static_cast<uint8_t>((i / 97 + (rng() & 15)) & 0xff);
  }
  return im;
}

}  // namespace

int main() {
  const int w = 4000, h = 3000, reps = 5;
  std::printf("bench_color: %d x %d (%.1f MP), best of %d, single thread\n", w, h,
              w * h / 1e6, reps);
  const Image grey8 = make_image(w, h, 1, 8, 1);
  const Image rgb8 = make_image(w, h, 3, 8, 2);
  const Image grey16 = make_image(w, h, 1, 16, 3);
  const Image rgb16 = make_image(w, h, 3, 16, 4);
  volatile float sink = 0;

  // Warm the tables once so their construction is not timed.
  image_lightness(make_image(4, 4, 3, 16, 5));
  to_greyscale(make_image(4, 4, 3, 16, 5));
  {
    Plane L(4, 4, 50.0f), a(4, 4, 10.0f), b(4, 4, -10.0f);
    lab_to_image(L, a, b);
  }

  // The floor every function returning a fresh 12 MP buffer pays: allocating and first
  // touching it (page faults; large on some VMs).
  print("(baseline)", "new float plane", best_ms(reps, [&] {
          std::vector<float> v(static_cast<size_t>(w) * h, 1.0f);
          sink = sink + v[3];
        }));

  auto run_l = [&](const char* name, const Image& im) {
    print("image_lightness", name, best_ms(reps, [&] { sink = sink + image_lightness(im).data[7]; }));
  };
  run_l("grey 8-bit", grey8);
  run_l("grey 16-bit", grey16);
  run_l("RGB 8-bit", rgb8);
  run_l("RGB 16-bit", rgb16);

  Plane L, a, b;
  image_to_lab(rgb8, &L, &a, &b);  // planes exist: the timing below reuses them
  print("image_to_lab", "RGB 8-bit", best_ms(reps, [&] { image_to_lab(rgb8, &L, &a, &b); }));
  print("lab_to_image", "-> RGB 8-bit",
        best_ms(reps, [&] { sink = sink + lab_to_image(L, a, b).data8[5]; }));
  print("to_greyscale", "RGB 8-bit", best_ms(reps, [&] { sink = sink + to_greyscale(rgb8).data8[3]; }));
  print("to_greyscale", "RGB 16-bit",
        best_ms(reps, [&] { sink = sink + to_greyscale(rgb16).data16[3]; }));
  return 0;
}
