// Prints single-thread timings (ms) of the colour room's bulk paths on a 12-megapixel
// image (4000 x 3000): the pipeline's budget for prepare + finish is 250 ms.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "colorize/color.h"

using namespace colorize;

namespace {

template <typename F>
double best_ms(int reps, F&& f) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    const auto t1 = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  return best;
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
  const double alloc_ms = best_ms(reps, [&] {
    std::vector<float> v(static_cast<size_t>(w) * h, 1.0f);
    sink = sink + v[3];
  });
  std::printf("  (baseline: new 12 MP float plane, allocate + fill: %.1f ms)\n", alloc_ms);

  auto run_l = [&](const char* name, const Image& im) {
    const double ms = best_ms(reps, [&] { sink = sink + image_lightness(im).data[7]; });
    std::printf("  image_lightness %-12s %8.1f ms\n", name, ms);
  };
  run_l("grey 8-bit", grey8);
  run_l("grey 16-bit", grey16);
  run_l("RGB 8-bit", rgb8);
  run_l("RGB 16-bit", rgb16);

  Plane L, a, b;
  const double lab_ms = best_ms(reps, [&] { image_to_lab(rgb8, &L, &a, &b); });
  std::printf("  image_to_lab    %-12s %8.1f ms\n", "RGB 8-bit", lab_ms);
  const double inv_ms = best_ms(reps, [&] { sink = sink + lab_to_image(L, a, b).data8[5]; });
  std::printf("  lab_to_image    %-12s %8.1f ms\n", "-> RGB 8-bit", inv_ms);
  const double g8 = best_ms(reps, [&] { sink = sink + to_greyscale(rgb8).data8[3]; });
  std::printf("  to_greyscale    %-12s %8.1f ms\n", "RGB 8-bit", g8);
  const double g16 = best_ms(reps, [&] { sink = sink + to_greyscale(rgb16).data16[3]; });
  std::printf("  to_greyscale    %-12s %8.1f ms\n", "RGB 16-bit", g16);
  return 0;
}
