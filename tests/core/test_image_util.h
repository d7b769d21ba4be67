// Helpers shared by the test_image*.cpp files: reading corpus files (plain <fstream>, so the
// same code runs natively and under Emscripten's NODERAWFS), a few pixel accessors, and a
// reader of TIFF directories for the writers' tests.
#pragma once

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
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

// A stand-in for a thread pool (colorize::ParallelFor) that runs the pieces in order or, as
// threads may finish in any order, last to first; appends each call's piece count to *calls.
inline colorize::ParallelFor ordered_hook(std::vector<size_t>* calls, bool backward = true) {
  return [calls, backward](size_t n, const std::function<void(size_t)>& body) {
    calls->push_back(n);
    for (size_t k = 0; k < n; ++k) body(backward ? n - 1 - k : k);
  };
}

// A directory of a TIFF-structured block (a TIFF file, or EXIF), read here by the TIFF 6.0
// layout (either byte order), not by the code under test: tag -> {type, count, the value's
// bytes}, and the tags in the order stored.
struct Field {
  uint32_t type = 0, count = 0;
  std::vector<uint8_t> bytes;
};
struct Ifd {
  std::map<uint32_t, Field> fields;
  std::vector<uint32_t> order;  // the tags as stored
  uint32_t next = 0xFFFFFFFF;   // the link to IFD1
  bool little = true;
  uint32_t u16(const Field& f) const {
    return little ? f.bytes[0] | (f.bytes[1] << 8) : (f.bytes[0] << 8) | f.bytes[1];
  }
  uint32_t u32(const Field& f) const {
    return little
               ? f.bytes[0] | (f.bytes[1] << 8) | (f.bytes[2] << 16) | (uint32_t(f.bytes[3]) << 24)
               : (uint32_t(f.bytes[0]) << 24) | (f.bytes[1] << 16) | (f.bytes[2] << 8) | f.bytes[3];
  }
  // A numeric field's first value (SHORT or LONG); 0 when absent.
  uint32_t number(uint32_t tag) const {
    auto it = fields.find(tag);
    if (it == fields.end() || it->second.bytes.size() < 2) return 0;
    return it->second.type == 3 ? u16(it->second) : u32(it->second);
  }
  std::string text(uint32_t tag) const {
    auto it = fields.find(tag);
    if (it == fields.end()) return "";
    const auto& b = it->second.bytes;
    return std::string(b.begin(), std::find(b.begin(), b.end(), 0));
  }
};
// The directory at `at_or_0`, or the first one for 0.
inline Ifd read_ifd(const std::vector<uint8_t>& x, uint32_t at_or_0) {
  Ifd d;
  if (x.size() < 8) return d;
  d.little = x[0] == 'I';
  auto u16 = [&](size_t o) { return d.little ? x[o] | (x[o + 1] << 8) : (x[o] << 8) | x[o + 1]; };
  auto u32 = [&](size_t o) {
    return d.little ? uint32_t(u16(o)) | (uint32_t(u16(o + 2)) << 16)
                    : (uint32_t(u16(o)) << 16) | uint32_t(u16(o + 2));
  };
  const uint32_t at = at_or_0 ? at_or_0 : u32(4);
  if (at + 2 > x.size()) return d;
  const uint32_t n = u16(at);
  if (at + 2 + 12 * n + 4 > x.size()) return d;
  for (uint32_t i = 0; i < n; ++i) {
    const size_t e = at + 2 + 12 * i;
    Field f{uint32_t(u16(e + 2)), u32(e + 4), {}};
    const uint32_t unit = f.type == 3 ? 2 : f.type == 4 ? 4 : f.type == 5 ? 8 : 1;
    const size_t bytes = size_t(unit) * f.count;
    const size_t from = bytes <= 4 ? e + 8 : u32(e + 8);
    if (from + bytes <= x.size()) f.bytes.assign(x.begin() + from, x.begin() + from + bytes);
    d.fields[uint32_t(u16(e))] = f;
    d.order.push_back(uint32_t(u16(e)));
  }
  d.next = u32(at + 2 + 12 * n);
  return d;
}
inline Ifd ifd0(const std::vector<uint8_t>& x) { return read_ifd(x, 0); }

}  // namespace image_test
