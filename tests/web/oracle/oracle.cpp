// The native side of the WASM equivalence tests: runs one stage of the core's public API on
// files and writes the result, so tests/web/test_wasm.mjs can compare with the WASM build.
//   web_oracle prepare <image> <working_size> <out.f32>
//       writes L_work (float32, row-major) to out.f32 and L_model to out.f32.model; prints
//       "<work_w> <work_h>"
//   web_oracle finish <image> <working_size> <ab.f32> <ab_w> <ab_h> <saturation> <out.png>
//       ab.f32 holds the a* plane then the b* plane (float32); writes the finished PNG
//   web_oracle exemplar <image> <reference> <working_size> <out.png>
//       prepare -> exemplar_colorize (seed 1) -> finish, written as PNG
// Exit code 0 on success; 1 with the Status on stderr otherwise.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "colorize/exemplar.h"
#include "colorize/image.h"
#include "colorize/pipeline.h"

namespace cz = colorize;

static std::vector<uint8_t> read_file(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

static bool write_file(const std::string& p, const void* data, size_t n) {
  std::ofstream f(p, std::ios::binary);
  f.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
  return static_cast<bool>(f);
}

static int fail(const cz::Status& s) {
  std::cerr << s.to_string() << "\n";
  return 1;
}

static cz::Result<cz::Image> load(const std::string& p) {
  const auto bytes = read_file(p);
  return cz::decode_image(bytes.data(), bytes.size());
}

static int write_png(const cz::Image& img, const std::string& p) {
  auto png = cz::encode_image(img, {});
  if (!png.ok()) return fail(png.status());
  return write_file(p, png->data(), png->size()) ? 0 : 1;
}

int main(int argc, char** argv) {
  const std::vector<std::string> a(argv + 1, argv + argc);
  if (a.size() == 4 && a[0] == "prepare") {
    auto img = load(a[1]);
    if (!img.ok()) return fail(img.status());
    auto p = cz::prepare(*img, {std::atoi(a[2].c_str())});
    if (!p.ok()) return fail(p.status());
    std::cout << p->L_work.width << " " << p->L_work.height << "\n";
    return write_file(a[3], p->L_work.data.data(), p->L_work.size() * sizeof(float)) &&
                   write_file(a[3] + ".model", p->L_model.data.data(),
                              p->L_model.size() * sizeof(float))
               ? 0
               : 1;
  }
  if (a.size() == 8 && a[0] == "finish") {
    auto img = load(a[1]);
    if (!img.ok()) return fail(img.status());
    auto p = cz::prepare(*img, {std::atoi(a[2].c_str())});
    if (!p.ok()) return fail(p.status());
    const int w = std::atoi(a[4].c_str()), h = std::atoi(a[5].c_str());
    const auto raw = read_file(a[3]);
    const size_t n = static_cast<size_t>(w) * h;
    if (raw.size() != 2 * n * sizeof(float)) {
      std::cerr << "ab file size mismatch\n";
      return 1;
    }
    cz::AbPlanes ab{cz::Plane(w, h), cz::Plane(w, h)};
    std::memcpy(ab.a.data.data(), raw.data(), n * sizeof(float));
    std::memcpy(ab.b.data.data(), raw.data() + n * sizeof(float), n * sizeof(float));
    cz::FinishOptions fo;
    fo.saturation = std::strtof(a[6].c_str(), nullptr);
    auto out = cz::finish(*img, *p, ab, fo);
    if (!out.ok()) return fail(out.status());
    return write_png(*out, a[7]);
  }
  if (a.size() == 5 && a[0] == "exemplar") {
    auto img = load(a[1]);
    auto ref = load(a[2]);
    if (!img.ok()) return fail(img.status());
    if (!ref.ok()) return fail(ref.status());
    cz::PrepareOptions po;
    po.working_size = std::atoi(a[3].c_str());
    auto p = cz::prepare(*img, po);
    if (!p.ok()) return fail(p.status());
    cz::ExemplarOptions eo;
    eo.seed = 1;
    auto ab = cz::exemplar_colorize(p->L_work, *ref, eo);
    if (!ab.ok()) return fail(ab.status());
    auto out = cz::finish(*img, *p, *ab, {});
    if (!out.ok()) return fail(out.status());
    return write_png(*out, a[4]);
  }
  std::cerr << "usage: see the comment at the top of oracle.cpp\n";
  return 2;
}
