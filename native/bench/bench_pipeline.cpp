// bench_pipeline: times prepare() and finish() on a synthetic 12-megapixel photo (4000x3000),
// single thread (but for the one line marked "all cores"), and prints the median of N runs for
// each stage and variant.
//
//   bench_pipeline [runs=7] [width=4000] [height=3000]
//
// Variants: 8-bit grey (the usual old photo), 8-bit RGB, 16-bit grey; finish with the
// guided (edge-aware) and the bilinear upsampling at saturation 1, and guided at
// saturation 3 (most pixels leave the sRGB gamut: the worst case of the chroma clamp).
// Then encoding a 12 MP result with each writer (the TIFF writer also with its strips on all
// cores, as the CLI runs it), and decoding each file again. Last, the exemplar method
// (exemplar.h) at the working size.
// Each figure is "wall / cpu": wall-clock and this thread's CPU time (the CPU time is the
// steadier figure on a shared machine). No assertions: figures only.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <utility>
#include <vector>
#ifndef __EMSCRIPTEN__
#include <thread>
#endif

#include "colorize/exemplar.h"
#include "colorize/image.h"
#include "colorize/pipeline.h"

using namespace colorize;

namespace {

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

struct Timer {
  std::chrono::steady_clock::time_point wall0 = std::chrono::steady_clock::now();
  double cpu0 = thread_cpu_ms();
};

struct Samples {
  std::vector<double> wall, cpu;
  void add(const Timer& t) {
    wall.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t.wall0)
            .count());
    cpu.push_back(thread_cpu_ms() - t.cpu0);
  }
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Smooth shapes plus a little noise, so neither stage sees a trivially constant input.
Image synth(int w, int h, int channels, int depth) {
  Image im = Image::make(w, h, channels, depth);
  uint32_t seed = 12345;
  const double max_code = depth == 16 ? 65535.0 : 255.0;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      seed = seed * 1664525u + 1013904223u;
      const double noise = ((seed >> 16) & 255) / 255.0 - 0.5;
      const double base = 0.5 + 0.3 * std::sin(x * 0.004) * std::cos(y * 0.003) +
                          ((x / 500 + y / 500) % 2 ? 0.15 : -0.15) + 0.04 * noise;
      for (int c = 0; c < channels; ++c) {
        const double v = std::min(1.0, std::max(0.0, base + 0.05 * c)) * max_code;
        const size_t i = (static_cast<size_t>(y) * w + x) * channels + c;
        if (depth == 16) {
          im.data16[i] = static_cast<uint16_t>(v);
        } else {
          im.data8[i] = static_cast<uint8_t>(v);
        }
      }
    }
  }
  return im;
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 7;
  const int width = argc > 2 ? std::atoi(argv[2]) : 4000;
  const int height = argc > 3 ? std::atoi(argv[3]) : 3000;
  std::printf("bench_pipeline: %dx%d (%.1f MP), median of %d runs, 1 thread\n", width, height,
              width * static_cast<double>(height) / 1e6, runs);

  struct Variant {
    const char* name;
    int channels, depth;
  };
  for (const Variant v :
       {Variant{"grey 8-bit", 1, 8}, Variant{"RGB 8-bit", 3, 8}, Variant{"grey 16-bit", 1, 16}}) {
    const Image im = synth(width, height, v.channels, v.depth);
    Samples t_prep;
    Prepared p;
    for (int r = 0; r < runs; ++r) {
      const Timer timer;
      auto res = prepare(im);
      t_prep.add(timer);
      if (!res.ok()) {
        std::printf("prepare failed: %s\n", res.status().to_string().c_str());
        return 1;
      }
      p = std::move(res.value());
    }
    // A plausible prediction at the working size: moderate chroma varying over the image
    // and with the lightness.
    AbPlanes ab{Plane(p.L_work.width, p.L_work.height), Plane(p.L_work.width, p.L_work.height)};
    for (int y = 0; y < p.L_work.height; ++y) {
      for (int x = 0; x < p.L_work.width; ++x) {
        const float l = p.L_work.at(x, y);
        ab.a.at(x, y) = 12.0f * std::sin(x * 0.05f) + 0.1f * (l - 50.0f);
        ab.b.at(x, y) = 18.0f * std::cos(y * 0.04f) + 8.0f;
      }
    }
    std::printf("%s (working size %dx%d)\n", v.name, p.L_work.width, p.L_work.height);
    const auto show = [](const char* what, const Samples& s) {
      std::printf("    %-34s %7.1f ms wall / %7.1f ms cpu\n", what, median(s.wall), median(s.cpu));
    };
    show("prepare", t_prep);
    struct Run {
      const char* name;
      Upsampling up;
      float saturation;
    };
    for (const Run run : {Run{"finish guided, saturation 1", Upsampling::kGuided, 1.0f},
                          Run{"finish bilinear, saturation 1", Upsampling::kBilinear, 1.0f},
                          Run{"finish guided, saturation 3", Upsampling::kGuided, 3.0f}}) {
      FinishOptions o;
      o.upsampling = run.up;
      o.saturation = run.saturation;
      Samples t;
      for (int r = 0; r < runs; ++r) {
        const Timer timer;
        auto out = finish(im, p, ab, o);
        t.add(timer);
        if (!out.ok()) {
          std::printf("finish failed: %s\n", out.status().to_string().c_str());
          return 1;
        }
      }
      show(run.name, t);
      if (run.up == Upsampling::kGuided && run.saturation == 1.0f) {
        Samples sum;
        for (size_t i = 0; i < t.wall.size(); ++i) {
          sum.wall.push_back(t_prep.wall[i] + t.wall[i]);
          sum.cpu.push_back(t_prep.cpu[i] + t.cpu[i]);
        }
        show("prepare + finish guided (sum)", sum);
      }
    }
  }
  // Encoding a finished 12 MP result (RGB 8-bit): each writer, and the PNG writer's bands and
  // the TIFF writer's strips compressed on all cores (EncodeOptions::parallel_for, as the CLI
  // does).
  {
    const Image result = synth(width, height, 3, 8);
    std::printf("encode, RGB 8-bit %dx%d\n", width, height);
    std::vector<std::pair<const char*, std::vector<uint8_t>>> decoded;  // a file per format
    struct Writer {
      const char* name;
      ImageFormat format;
      bool threads;
    };
    for (const Writer w : {Writer{"PNG", ImageFormat::kPng, false},
                           Writer{"PNG, bands on all cores", ImageFormat::kPng, true},
                           Writer{"JPEG q92", ImageFormat::kJpeg, false},
                           Writer{"TIFF (Deflate + predictor)", ImageFormat::kTiff, false},
                           Writer{"TIFF, strips on all cores", ImageFormat::kTiff, true}}) {
      EncodeOptions o;
      o.format = w.format;
#ifndef __EMSCRIPTEN__
      if (w.threads)
        o.parallel_for = [](size_t n, const std::function<void(size_t)>& body) {
          std::atomic<size_t> next{0};
          auto work = [&] {
            for (size_t i; (i = next++) < n;) body(i);
          };
          std::vector<std::thread> helpers;
          for (unsigned t = 1; t < std::thread::hardware_concurrency(); ++t)
            helpers.emplace_back(work);
          work();
          for (std::thread& t : helpers) t.join();
        };
#else
      if (w.threads) continue;  // no threads in this build
#endif
      Samples t;
      std::vector<uint8_t> bytes;
      for (int r = 0; r < runs; ++r) {
        const Timer timer;
        auto out = encode_image(result, o);
        t.add(timer);
        if (!out.ok()) return 1;
        bytes = std::move(out.value());
      }
      std::printf("    %-34s %7.1f ms wall / %7.1f ms cpu (this thread), %zu bytes\n", w.name,
                  median(t.wall), median(t.cpu), bytes.size());
      if (!w.threads) decoded.push_back({w.name, std::move(bytes)});
    }
    // Reading them back (one of each writer's files; decode_image on one thread).
    std::printf("decode, the files above\n");
    for (size_t i = 0; i < decoded.size(); ++i) {
      Samples t;
      for (int r = 0; r < runs; ++r) {
        const Timer timer;
        auto im = decode_image(decoded[i].second.data(), decoded[i].second.size());
        t.add(timer);
        if (!im.ok()) {
          std::printf("decode failed: %s\n", im.status().to_string().c_str());
          return 1;
        }
      }
      std::printf("    %-34s %7.1f ms wall / %7.1f ms cpu\n", decoded[i].first, median(t.wall),
                  median(t.cpu));
    }
  }
  // The classic exemplar method at the working size (reference 1024x768 RGB).
  {
    const Image target = synth(width, height, 1, 8);
    const Image reference = synth(1024, 768, 3, 8);
    auto p = prepare(target);
    if (!p.ok()) return 1;
    Samples t;
    for (int r = 0; r < runs; ++r) {
      const Timer timer;
      auto ab = exemplar_colorize(p->L_work, reference);
      t.add(timer);
      if (!ab.ok()) return 1;
    }
    std::printf("exemplar_colorize, target %dx%d, reference 1024x768, 200 samples\n",
                p->L_work.width, p->L_work.height);
    std::printf("    %-34s %7.1f ms wall / %7.1f ms cpu\n", "exemplar", median(t.wall),
                median(t.cpu));
  }
  return 0;
}
