// Helpers shared by the test_image*.cpp files: reading corpus files (plain <fstream>, so the
// same code runs natively and under Emscripten's NODERAWFS) and a few pixel accessors.
#pragma once

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "colorize/image.h"

namespace image_test {

inline std::string corpus_path(const std::string& name) {
  return std::string(COLORIZE_TEST_DATA_DIR) + "/corpus/" + name;
}

// Returns false when the file cannot be opened.
inline bool read_file(const std::string& path, std::vector<uint8_t>* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  out->assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return true;
}

inline std::vector<uint8_t> corpus(const std::string& name) {
  std::vector<uint8_t> bytes;
  read_file(corpus_path(name), &bytes);
  return bytes;
}

inline colorize::Result<colorize::Image> decode(const std::vector<uint8_t>& bytes,
                                                const colorize::DecodeOptions& o = {}) {
  return colorize::decode_image(bytes.data(), bytes.size(), o);
}

// Raw sample value (0..255 or 0..65535).
inline int at(const colorize::Image& im, int x, int y, int c) {
  const size_t i = (static_cast<size_t>(y) * im.width + x) * im.channels + c;
  return im.bit_depth == 16 ? im.data16[i] : im.data8[i];
}

// Deterministic pseudo-random numbers (xorshift64*), for tests that need noise.
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed * 2654435761u + 1) {}
  uint64_t next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 2685821657736338717ull;
  }
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(next() % n); }
};

}  // namespace image_test
