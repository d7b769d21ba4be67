// The Deflate compressor behind the PNG and TIFF writers (src/image/deflate.h, internal),
// checked by inflating its output with an independent decoder (stb_image's zlib reader) and
// against the format's rules; and the PNG writer's bands, which use its pieces.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "colorize/image.h"
#include "deflate.h"
#include "stb_config.h"
#include "test_image_util.h"

namespace {

using colorize::detail::adler32;
using colorize::detail::adler32_combine;
using colorize::detail::deflate_piece;
using colorize::detail::zlib_compress;
using image_test::Rng;

// Inflates a zlib stream with stb's decoder, which checks the header, the blocks and (with
// parse_header) the stream's framing; empty on failure.
std::vector<uint8_t> inflate(const std::vector<uint8_t>& z, size_t expect) {
  int n = 0;
  char* out = stbi_zlib_decode_malloc_guesssize(reinterpret_cast<const char*>(z.data()),
                                                int(z.size()), int(expect) + 1, &n);
  if (!out) return {};
  std::vector<uint8_t> v(out, out + n);
  colorize::detail::stb_free(out);
  return v;
}

uint32_t trailer(const std::vector<uint8_t>& z) {
  const size_t n = z.size();
  return uint32_t(z[n - 4]) << 24 | uint32_t(z[n - 3]) << 16 | uint32_t(z[n - 2]) << 8 | z[n - 1];
}

// Inputs that take each of the compressor's paths: nothing, a byte, long runs (matches of the
// longest length, 258), incompressible noise (stored blocks, split at 65,535 bytes), a small
// alphabet (dynamic codes), repeats exactly a window (32 KiB) back, text.
std::vector<std::pair<std::string, std::vector<uint8_t>>> samples() {
  std::vector<std::pair<std::string, std::vector<uint8_t>>> s;
  s.push_back({"empty", {}});
  s.push_back({"one byte", {42}});
  s.push_back({"two bytes", {7, 7}});
  s.push_back({"zeros", std::vector<uint8_t>(300000, 0)});
  Rng rng(5);
  std::vector<uint8_t> noise(140000);
  for (uint8_t& b : noise) b = uint8_t(rng.next() >> 24);
  s.push_back({"noise", noise});
  std::vector<uint8_t> small(200000);
  for (uint8_t& b : small) b = uint8_t(rng.below(5) + rng.below(3));
  s.push_back({"small alphabet", small});
  std::vector<uint8_t> window(32768);
  for (uint8_t& b : window) b = uint8_t(rng.next() >> 24);
  std::vector<uint8_t> twice = window;
  twice.insert(twice.end(), window.begin(), window.end());
  twice.push_back(1);
  twice.insert(twice.end(), window.begin(), window.begin() + 1000);
  s.push_back({"a window apart", twice});
  std::string text;
  for (int i = 0; i < 3000; ++i)
    text += "line " + std::to_string(i % 97) + ": the quick brown fox, " + std::to_string(i) + "\n";
  s.push_back({"text", std::vector<uint8_t>(text.begin(), text.end())});
  return s;
}

TEST(ImageDeflate, Adler32MatchesKnownValuesAndCombines) {
  const std::string w = "Wikipedia";  // the usual worked example: 0x11E60398
  EXPECT_EQ(adler32(reinterpret_cast<const uint8_t*>(w.data()), w.size()), 0x11E60398u);
  EXPECT_EQ(adler32(nullptr, 0), 1u);
  // Long input: the sums are reduced every 5,552 bytes; combining any split agrees.
  std::vector<uint8_t> v(100000);
  Rng rng(9);
  for (uint8_t& b : v) b = uint8_t(rng.next() >> 56 | 0xF0);  // large bytes stress the sums
  const uint32_t whole = adler32(v.data(), v.size());
  for (size_t cut : {size_t(0), size_t(1), size_t(5552), size_t(65521), size_t(99999)}) {
    const uint32_t a = adler32(v.data(), cut), b = adler32(v.data() + cut, v.size() - cut);
    EXPECT_EQ(adler32_combine(a, b, v.size() - cut), whole) << cut;
    EXPECT_EQ(adler32(v.data() + cut, v.size() - cut, a), whole) << cut;
  }
}

TEST(ImageDeflate, EveryKindOfInputInflatesBackExactly) {
  for (const auto& [name, data] : samples()) {
    const std::vector<uint8_t> z = zlib_compress(data.data(), data.size());
    ASSERT_GE(z.size(), 6u) << name;
    EXPECT_EQ((z[0] * 256 + z[1]) % 31, 0) << name;  // the header's check bits
    EXPECT_EQ(z[0] & 0x0F, 8) << name;               // Deflate
    EXPECT_EQ(trailer(z), adler32(data.data(), data.size())) << name;
    EXPECT_EQ(inflate(z, data.size()), data) << name;
  }
}

TEST(ImageDeflate, PicksTheSmallestBlockKind) {
  for (const auto& [name, data] : samples()) {
    const std::vector<uint8_t> z = zlib_compress(data.data(), data.size());
    if (name == "noise") {
      // Stored: the bytes plus 5 bytes a block, and the framing; nothing near Huffman's
      // expansion of noise (fixed codes would add about 1/16).
      EXPECT_LE(z.size(), data.size() + data.size() / 1000 + 16) << name;
    } else if (name == "zeros") {
      EXPECT_LT(z.size(), data.size() / 200) << name;  // 258-byte matches
    } else if (name == "a window apart") {
      EXPECT_LT(z.size(), 32768u + 2000u) << name;  // the second copy is matched
    } else if (name == "small alphabet") {
      EXPECT_LT(z.size(), data.size() * 45 / 100) << name;  // ~3.2 bits a byte of entropy
    }
  }
}

TEST(ImageDeflate, PiecesJoinIntoOneStream) {
  // What the PNG writer does: pieces compressed independently (any order), every one but the
  // last ending byte-aligned, joined as bytes between one header and one Adler-32.
  std::vector<uint8_t> all;
  for (const auto& [name, data] : samples()) all.insert(all.end(), data.begin(), data.end());
  const size_t cuts[] = {0, 1, 2, 300003, 440003, 440003, 640003, 720000, all.size()};
  std::vector<std::vector<uint8_t>> pieces;
  uint32_t adler = 1;
  for (size_t k = 0; k + 1 < std::size(cuts); ++k) {
    const size_t a = cuts[k], b = cuts[k + 1];
    std::vector<uint8_t> piece;
    deflate_piece(all.data() + a, b - a, k + 2 == std::size(cuts), &piece);
    if (k + 2 < std::size(cuts)) {  // the empty stored block at the end: 00 00 FF FF
      ASSERT_GE(piece.size(), 5u);
      EXPECT_EQ(std::vector<uint8_t>(piece.end() - 4, piece.end()),
                (std::vector<uint8_t>{0, 0, 0xFF, 0xFF}));
    }
    pieces.push_back(piece);
    adler = adler32_combine(adler, adler32(all.data() + a, b - a), b - a);
  }
  std::vector<uint8_t> z;
  colorize::detail::zlib_header(&z);
  for (const auto& p : pieces) z.insert(z.end(), p.begin(), p.end());
  colorize::detail::zlib_trailer(adler, &z);
  EXPECT_EQ(adler, adler32(all.data(), all.size()));
  EXPECT_EQ(inflate(z, all.size()), all);
}

TEST(ImageDeflate, RandomInputsOfEverySizeInflateBack) {
  // Short random inputs with repeats at random distances: lengths and distances of every
  // code, blocks of every kind, pieces of every size.
  Rng rng(77);
  for (int t = 0; t < 200; ++t) {
    const size_t n = t < 40 ? size_t(t) : rng.below(t < 180 ? 5000 : 120000);
    std::vector<uint8_t> v(n);
    const uint32_t alphabet = 2 + rng.below(255);
    for (size_t i = 0; i < n; ++i) {
      if (i > 3 && rng.below(4) == 0) {
        const size_t back = 1 + rng.below(uint32_t(std::min<size_t>(i, 40000)));
        const size_t len = std::min<size_t>(n - i, 1 + rng.below(300));
        for (size_t k = 0; k < len; ++k, ++i) v[i] = v[i - back];
        --i;
      } else {
        v[i] = uint8_t(rng.below(alphabet));
      }
    }
    const std::vector<uint8_t> z = zlib_compress(v.data(), v.size());
    ASSERT_EQ(inflate(z, v.size()), v) << "input " << t << ", " << n << " bytes";
  }
}

TEST(ImageDeflate, PngBandsThroughTheParallelHookGiveTheSameBytes) {
  // A picture several bands tall (more than 512 KiB of rows), 8 and 16 bits: the bands run
  // last to first through the hook (threads finish in any order), the file is the same bytes
  // as the serial one, holds one IDAT chunk per band, and decodes back exactly.
  for (int depth : {8, 16}) {
    colorize::Image im = colorize::Image::make(700, 600, 3, depth);
    Rng rng{uint64_t(depth)};
    for (size_t i = 0; i < im.sample_count(); ++i) {
      const size_t x = (i / 3) % 700, y = i / 3 / 700;
      const uint32_t v = uint32_t(x * 40 + y * 70 + (i % 3) * 900 + rng.below(300));
      if (depth == 8)
        im.data8[i] = uint8_t(v >> 8);
      else
        im.data16[i] = uint16_t(v);
    }
    colorize::EncodeOptions serial;
    colorize::EncodeOptions hooked;
    std::vector<size_t> calls;
    hooked.parallel_for = image_test::ordered_hook(&calls);
    auto a = colorize::encode_image(im, serial), b = colorize::encode_image(im, hooked);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(calls.size(), 1u);
    const size_t tasks = calls[0];
    EXPECT_GT(tasks, 1u) << depth;
    EXPECT_EQ(*a, *b) << depth;
    size_t idat = 0;
    for (size_t at = 8; at + 8 <= a->size();) {
      const size_t len = size_t((*a)[at]) << 24 | size_t((*a)[at + 1]) << 16 |
                         size_t((*a)[at + 2]) << 8 | (*a)[at + 3];
      idat += std::memcmp(&(*a)[at + 4], "IDAT", 4) == 0;
      at += len + 12;
    }
    EXPECT_EQ(idat, tasks) << depth;
    auto back = colorize::decode_image(a->data(), a->size());
    ASSERT_TRUE(back.ok()) << back.status().to_string();
    EXPECT_EQ(back->data8, im.data8);
    EXPECT_EQ(back->data16, im.data16);
  }
}

}  // namespace
