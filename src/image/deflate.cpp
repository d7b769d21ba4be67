// Our own Deflate compressor (see deflate.h). Written from RFC 1950 / 1951.
#include "deflate.h"

#include <algorithm>
#include <cstring>

namespace colorize {
namespace detail {
namespace {

constexpr uint32_t kAdlerMod = 65521;
// The most bytes whose Adler sums fit in 32 bits before reducing (the RFC's usual bound).
constexpr size_t kAdlerRun = 5552;

constexpr int kWindow = 32768;  // Deflate's largest distance
constexpr int kWindowMask = kWindow - 1;
constexpr int kHashBits = 15;
constexpr int kMinMatch = 3;
constexpr int kMaxMatch = 258;
// Match search effort: candidates tried per position, the length that ends a search, the
// length from which a match is taken without looking one byte further (lazy matching), and
// the farthest a 3-byte match may reach (farther ones cost more bits than three literals).
// On a filtered 24 MP photograph, 8 candidates instead of 24 cost 1.8 % in size and saved a
// third of the time (BENCHMARKS.md, "Encoding").
constexpr int kMaxChain = 8;
constexpr int kNiceLength = 128;
constexpr int kLazyLimit = 32;
constexpr uint32_t kFarForThree = 4096;
// Symbols per block: the Huffman codes follow the data's statistics block by block.
constexpr size_t kBlockSymbols = 32768;

constexpr int kLitLenSymbols = 286;  // 0..255 bytes, 256 end of block, 257..285 lengths
constexpr int kDistSymbols = 30;
constexpr int kCodeLenSymbols = 19;
constexpr int kMaxBits = 15;
constexpr int kMaxCodeLenBits = 7;
constexpr int kEndOfBlock = 256;

// The order in which code-length code lengths are stored (RFC 1951, 3.2.7).
constexpr uint8_t kCodeLenOrder[kCodeLenSymbols] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                                    11, 4,  12, 3, 13, 2, 14, 1, 15};

// Length and distance codes: base values and extra bits (RFC 1951, 3.2.5), and lookups from a
// length (3..258) or a distance (1..32768) to its code.
struct Codes {
  uint16_t len_base[29];
  uint8_t len_extra[29];
  uint16_t dist_base[30];
  uint8_t dist_extra[30];
  uint8_t len_code[kMaxMatch + 1];
  uint8_t dist_code[kWindow + 1];
  Codes() {
    int base = 3;
    for (int i = 0; i < 28; ++i) {
      len_extra[i] = uint8_t(i < 8 ? 0 : (i - 4) >> 2);
      len_base[i] = uint16_t(base);
      base += 1 << len_extra[i];
    }
    len_extra[28] = 0;
    len_base[28] = kMaxMatch;
    for (int c = 0; c < 28; ++c)
      for (int l = len_base[c]; l < len_base[c] + (1 << len_extra[c]) && l < kMaxMatch; ++l)
        len_code[l] = uint8_t(c);
    len_code[kMaxMatch] = 28;
    base = 1;
    for (int i = 0; i < 30; ++i) {
      dist_extra[i] = uint8_t(i < 4 ? 0 : (i - 2) >> 1);
      dist_base[i] = uint16_t(base);
      for (int d = base; d < base + (1 << dist_extra[i]); ++d) dist_code[d] = uint8_t(i);
      base += 1 << dist_extra[i];
    }
  }
};

const Codes& codes() {
  static const Codes c;
  return c;
}

// Bits written least significant first, as Deflate packs them.
class BitWriter {
 public:
  explicit BitWriter(std::vector<uint8_t>* out) : out_(out) {}
  void put(uint32_t value, int bits) {  // bits <= 24
    buffer_ |= uint64_t(value) << count_;
    count_ += bits;
    if (count_ >= 32) {
      const uint8_t b[4] = {uint8_t(buffer_), uint8_t(buffer_ >> 8), uint8_t(buffer_ >> 16),
                            uint8_t(buffer_ >> 24)};
      out_->insert(out_->end(), b, b + 4);
      buffer_ >>= 32;
      count_ -= 32;
    }
  }
  // Pads with zero bits to the next byte boundary and hands over every whole byte.
  void align() {
    while (count_ > 0) {
      out_->push_back(uint8_t(buffer_));
      buffer_ >>= 8;
      count_ = count_ > 8 ? count_ - 8 : 0;
    }
    buffer_ = 0;
  }
  std::vector<uint8_t>* bytes() { return out_; }

 private:
  std::vector<uint8_t>* out_;
  uint64_t buffer_ = 0;
  int count_ = 0;
};

// Huffman code lengths for `freq` (n symbols), none longer than `limit`; symbols of zero
// frequency get no code. At least two symbols get a code, so every code is complete (some
// decoders refuse a one-symbol code). Over-long trees are avoided by flattening the
// frequencies and building again, which changes the code little where it happens at all.
void code_lengths(const uint32_t* freq, int n, int limit, uint8_t* lengths) {
  std::fill(lengths, lengths + n, uint8_t(0));
  std::vector<uint64_t> weight(freq, freq + n);
  int used = 0;
  for (int i = 0; i < n; ++i) used += weight[i] > 0;
  for (int i = 0; used < 2 && i < n; ++i)
    if (weight[i] == 0) {
      weight[i] = 1;
      ++used;
    }
  struct Node {
    uint64_t weight;
    int parent;
  };
  std::vector<int> leaves;
  std::vector<Node> nodes;
  for (;;) {
    leaves.clear();
    for (int i = 0; i < n; ++i)
      if (weight[i] > 0) leaves.push_back(i);
    std::stable_sort(leaves.begin(), leaves.end(),
                     [&](int a, int b) { return weight[a] < weight[b]; });
    // Two queues: the sorted leaves, and the internal nodes in the order they are made (their
    // weights never decrease). Nodes 0..m-1 are the leaves, m.. the internal ones.
    const int m = int(leaves.size());
    nodes.assign(size_t(m), Node{0, -1});
    for (int i = 0; i < m; ++i) nodes[size_t(i)].weight = weight[size_t(leaves[size_t(i)])];
    int next_leaf = 0, next_inner = m;
    auto take = [&] {
      if (next_leaf < m && (next_inner >= int(nodes.size()) ||
                            nodes[size_t(next_leaf)].weight <= nodes[size_t(next_inner)].weight))
        return next_leaf++;
      return next_inner++;
    };
    for (int k = 0; k < m - 1; ++k) {
      const int a = take();
      const int b = take();
      nodes.push_back(Node{nodes[size_t(a)].weight + nodes[size_t(b)].weight, -1});
      nodes[size_t(a)].parent = nodes[size_t(b)].parent = int(nodes.size()) - 1;
    }
    // Depths from the root (the last node) down: parents come after their children.
    std::vector<int> depth(nodes.size(), 0);
    int deepest = 0;
    for (int i = int(nodes.size()) - 2; i >= 0; --i) {
      depth[size_t(i)] = depth[size_t(nodes[size_t(i)].parent)] + 1;
      if (i < m) deepest = std::max(deepest, depth[size_t(i)]);
    }
    if (deepest <= limit) {
      for (int i = 0; i < m; ++i) lengths[leaves[size_t(i)]] = uint8_t(depth[size_t(i)]);
      return;
    }
    for (uint64_t& w : weight)
      if (w > 0) w = (w >> 1) | 1;
  }
}

uint32_t reverse_bits(uint32_t code, int bits) {
  uint32_t r = 0;
  for (int i = 0; i < bits; ++i) {
    r = (r << 1) | (code & 1);
    code >>= 1;
  }
  return r;
}

// Canonical codes for the lengths (RFC 1951, 3.2.2), bit-reversed for the LSB-first writer.
void canonical_codes(const uint8_t* lengths, int n, uint16_t* code) {
  int count[kMaxBits + 1] = {0};
  for (int i = 0; i < n; ++i) ++count[lengths[i]];
  count[0] = 0;
  uint32_t next[kMaxBits + 1] = {0};
  uint32_t c = 0;
  for (int bits = 1; bits <= kMaxBits; ++bits) {
    c = (c + uint32_t(count[bits - 1])) << 1;
    next[bits] = c;
  }
  for (int i = 0; i < n; ++i)
    code[i] = lengths[i] ? uint16_t(reverse_bits(next[lengths[i]]++, lengths[i])) : 0;
}

// One LZ77 symbol: a literal byte (dist 0) or a match of `value` bytes at distance `dist`.
struct Symbol {
  uint16_t value;
  uint16_t dist;
};

class Compressor {
 public:
  Compressor(const uint8_t* data, size_t size, bool last, std::vector<uint8_t>* out)
      : data_(data), size_(size), last_(last), bits_(out), c_(codes()) {
    symbols_.reserve(kBlockSymbols);
  }

  void run() {
    std::vector<uint32_t> head(size_t(1) << kHashBits, 0);  // position + 1; 0 = none
    std::vector<uint32_t> prev(kWindow, 0);
    auto insert = [&](size_t i) {
      const uint32_t h = hash(i);
      prev[i & kWindowMask] = head[h];
      head[h] = uint32_t(i + 1);
    };
    // The longest match for position i longer than `better_than`: its length (0 if none).
    auto find = [&](size_t i, int better_than, uint32_t* dist) {
      const int most = int(std::min<size_t>(kMaxMatch, size_ - i));
      int best = better_than;
      if (best >= most) return 0;
      uint32_t cand = head[hash(i)];
      for (int tries = kMaxChain; cand != 0 && tries > 0; --tries) {
        const size_t c = cand - 1;
        if (i - c > size_t(kWindow)) break;
        if (data_[c + size_t(best)] == data_[i + size_t(best)] && data_[c] == data_[i]) {
          const int len = match_length(c, i, most);
          if (len > best) {
            best = len;
            *dist = uint32_t(i - c);
            if (len >= kNiceLength || len == most) break;
          }
        }
        const uint32_t next = prev[c & kWindowMask];
        if (next == 0 || next - 1 >= c) break;  // end of chain, or a slot reused since
        cand = next;
      }
      if (best == kMinMatch && *dist > kFarForThree) return 0;
      return best > better_than ? best : 0;
    };

    size_t i = 0;
    bool pending = false;  // a match found at i - 1, kept while i is looked at
    int pending_len = 0;
    uint32_t pending_dist = 0;
    while (i < size_) {
      int len = 0;
      uint32_t dist = 0;
      if (size_ - i >= size_t(kMinMatch)) {
        len = find(i, pending ? pending_len : kMinMatch - 1, &dist);
        insert(i);
      }
      if (pending) {
        if (len > 0) {  // longer than the pending one: a literal, and this match pending
          literal(data_[i - 1]);
          pending_len = len;
          pending_dist = dist;
          ++i;
          continue;
        }
        match(pending_len, pending_dist);
        const size_t end = i - 1 + size_t(pending_len);
        for (size_t k = i + 1; k < end && size_ - k >= size_t(kMinMatch); ++k) insert(k);
        i = end;
        pending = false;
        continue;
      }
      if (len >= kLazyLimit) {
        match(len, dist);
        const size_t end = i + size_t(len);
        for (size_t k = i + 1; k < end && size_ - k >= size_t(kMinMatch); ++k) insert(k);
        i = end;
      } else if (len > 0) {
        pending = true;
        pending_len = len;
        pending_dist = dist;
        ++i;
      } else {
        literal(data_[i]);
        ++i;
      }
    }
    if (pending) match(pending_len, pending_dist);
    flush_block(last_);
    if (last_) {
      bits_.align();
    } else {  // an empty stored block: the piece ends on a byte boundary
      bits_.put(0, 3);
      bits_.align();
      const uint8_t empty[4] = {0, 0, 0xFF, 0xFF};
      bits_.bytes()->insert(bits_.bytes()->end(), empty, empty + 4);
    }
  }

 private:
  uint32_t hash(size_t i) const {
    const uint32_t v =
        uint32_t(data_[i]) | uint32_t(data_[i + 1]) << 8 | uint32_t(data_[i + 2]) << 16;
    return (v * 2654435761u) >> (32 - kHashBits);
  }

  int match_length(size_t a, size_t b, int most) const {
    int n = 0;
    while (n + 8 <= most) {
      uint64_t x, y;
      std::memcpy(&x, data_ + a + size_t(n), 8);
      std::memcpy(&y, data_ + b + size_t(n), 8);
      if (x != y) {
        const uint64_t diff = x ^ y;
        if (is_little_endian()) return n + __builtin_ctzll(diff) / 8;
        break;
      }
      n += 8;
    }
    while (n < most && data_[a + size_t(n)] == data_[b + size_t(n)]) ++n;
    return n;
  }

  static bool is_little_endian() {
    const uint16_t one = 1;
    uint8_t first;
    std::memcpy(&first, &one, 1);
    return first == 1;
  }

  void literal(uint8_t b) {
    symbols_.push_back(Symbol{b, 0});
    ++litlen_freq_[b];
    covered_ += 1;
    if (symbols_.size() >= kBlockSymbols) flush_block(false);
  }

  void match(int len, uint32_t dist) {
    symbols_.push_back(Symbol{uint16_t(len), uint16_t(dist)});
    ++litlen_freq_[257 + c_.len_code[len]];
    ++dist_freq_[c_.dist_code[dist]];
    covered_ += size_t(len);
    if (symbols_.size() >= kBlockSymbols) flush_block(false);
  }

  // Bits the block's symbols take with these code lengths (header not counted).
  uint64_t symbol_bits(const uint8_t* litlen_len, const uint8_t* dist_len) const {
    uint64_t bits = 0;
    for (int s = 0; s < kLitLenSymbols; ++s) {
      const uint64_t f = litlen_freq_[s];
      if (!f) continue;
      bits += f * litlen_len[s];
      if (s > kEndOfBlock) bits += f * c_.len_extra[s - 257];
    }
    for (int d = 0; d < kDistSymbols; ++d)
      bits += uint64_t(dist_freq_[d]) * (dist_len[d] + c_.dist_extra[d]);
    return bits;
  }

  void write_symbols(const uint8_t* litlen_len, const uint16_t* litlen_code,
                     const uint8_t* dist_len, const uint16_t* dist_code) {
    for (const Symbol& s : symbols_) {
      if (s.dist == 0) {
        bits_.put(litlen_code[s.value], litlen_len[s.value]);
        continue;
      }
      const int lc = c_.len_code[s.value];
      bits_.put(litlen_code[257 + lc], litlen_len[257 + lc]);
      if (c_.len_extra[lc]) bits_.put(uint32_t(s.value - c_.len_base[lc]), c_.len_extra[lc]);
      const int dc = c_.dist_code[s.dist];
      bits_.put(dist_code[dc], dist_len[dc]);
      if (c_.dist_extra[dc]) bits_.put(uint32_t(s.dist - c_.dist_base[dc]), c_.dist_extra[dc]);
    }
    bits_.put(litlen_code[kEndOfBlock], litlen_len[kEndOfBlock]);
  }

  // Writes the symbols gathered since the last block as one block (or, stored, as several).
  void flush_block(bool final) {
    ++litlen_freq_[kEndOfBlock];
    uint8_t dyn_litlen[kLitLenSymbols], dyn_dist[kDistSymbols];
    code_lengths(litlen_freq_, kLitLenSymbols, kMaxBits, dyn_litlen);
    code_lengths(dist_freq_, kDistSymbols, kMaxBits, dyn_dist);

    // The code lengths of both alphabets as one sequence, run-length coded (16: repeat the
    // previous 3-6 times; 17: 3-10 zeros; 18: 11-138 zeros).
    int hlit = kLitLenSymbols, hdist = kDistSymbols;
    while (hlit > 257 && dyn_litlen[hlit - 1] == 0) --hlit;
    while (hdist > 1 && dyn_dist[hdist - 1] == 0) --hdist;
    uint8_t seq[kLitLenSymbols + kDistSymbols];
    std::memcpy(seq, dyn_litlen, size_t(hlit));
    std::memcpy(seq + hlit, dyn_dist, size_t(hdist));
    const int seq_n = hlit + hdist;
    struct Run {
      uint8_t symbol, extra;
    };
    std::vector<Run> runs;
    uint32_t cl_freq[kCodeLenSymbols] = {0};
    for (int k = 0; k < seq_n;) {
      const uint8_t v = seq[k];
      int r = 1;
      while (k + r < seq_n && seq[k + r] == v) ++r;
      int left = r;
      if (v == 0) {
        while (left >= 11) {
          const int t = std::min(left, 138);
          runs.push_back(Run{18, uint8_t(t - 11)});
          left -= t;
        }
        if (left >= 3) {
          runs.push_back(Run{17, uint8_t(left - 3)});
          left = 0;
        }
      } else {
        runs.push_back(Run{v, 0});
        --left;
        while (left >= 3) {
          const int t = std::min(left, 6);
          runs.push_back(Run{16, uint8_t(t - 3)});
          left -= t;
        }
      }
      for (; left > 0; --left) runs.push_back(Run{v, 0});
      k += r;
    }
    for (const Run& r : runs) ++cl_freq[r.symbol];
    uint8_t cl_len[kCodeLenSymbols];
    code_lengths(cl_freq, kCodeLenSymbols, kMaxCodeLenBits, cl_len);
    int hclen = kCodeLenSymbols;
    while (hclen > 4 && cl_len[kCodeLenOrder[hclen - 1]] == 0) --hclen;

    uint64_t dynamic_bits = 3 + 5 + 5 + 4 + 3 * uint64_t(hclen);
    for (const Run& r : runs)
      dynamic_bits += cl_len[r.symbol] + (r.symbol == 16   ? 2
                                          : r.symbol == 17 ? 3
                                          : r.symbol == 18 ? 7
                                                           : 0);
    dynamic_bits += symbol_bits(dyn_litlen, dyn_dist);

    uint8_t fixed_litlen[288], fixed_dist[kDistSymbols];
    for (int s = 0; s < 288; ++s) fixed_litlen[s] = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8;
    std::fill(fixed_dist, fixed_dist + kDistSymbols, uint8_t(5));
    const uint64_t fixed_bits = 3 + symbol_bits(fixed_litlen, fixed_dist);

    const size_t raw = covered_ - block_start_;
    const uint64_t stored_bits =
        (uint64_t(raw) + 5 * std::max<uint64_t>(1, (raw + 65534) / 65535)) * 8 + 7;

    if (stored_bits < dynamic_bits && stored_bits < fixed_bits) {
      size_t at = block_start_;
      do {
        const size_t n = std::min<size_t>(65535, covered_ - at);
        const bool end = at + n == covered_;
        bits_.put(final && end ? 1 : 0, 1);
        bits_.put(0, 2);
        bits_.align();
        const uint8_t head[4] = {uint8_t(n), uint8_t(n >> 8), uint8_t(~n), uint8_t(~n >> 8)};
        std::vector<uint8_t>& out = *bits_.bytes();
        out.insert(out.end(), head, head + 4);
        out.insert(out.end(), data_ + at, data_ + at + n);
        at += n;
      } while (at < covered_);
    } else if (fixed_bits <= dynamic_bits) {
      bits_.put(final ? 1 : 0, 1);
      bits_.put(1, 2);
      uint16_t litlen_code[288], dist_code[kDistSymbols];
      canonical_codes(fixed_litlen, 288, litlen_code);
      canonical_codes(fixed_dist, kDistSymbols, dist_code);
      write_symbols(fixed_litlen, litlen_code, fixed_dist, dist_code);
    } else {
      bits_.put(final ? 1 : 0, 1);
      bits_.put(2, 2);
      bits_.put(uint32_t(hlit - 257), 5);
      bits_.put(uint32_t(hdist - 1), 5);
      bits_.put(uint32_t(hclen - 4), 4);
      for (int k = 0; k < hclen; ++k) bits_.put(cl_len[kCodeLenOrder[k]], 3);
      uint16_t cl_code[kCodeLenSymbols];
      canonical_codes(cl_len, kCodeLenSymbols, cl_code);
      for (const Run& r : runs) {
        bits_.put(cl_code[r.symbol], cl_len[r.symbol]);
        if (r.symbol == 16) bits_.put(r.extra, 2);
        if (r.symbol == 17) bits_.put(r.extra, 3);
        if (r.symbol == 18) bits_.put(r.extra, 7);
      }
      uint16_t litlen_code[kLitLenSymbols], dist_code[kDistSymbols];
      canonical_codes(dyn_litlen, kLitLenSymbols, litlen_code);
      canonical_codes(dyn_dist, kDistSymbols, dist_code);
      write_symbols(dyn_litlen, litlen_code, dyn_dist, dist_code);
    }
    symbols_.clear();
    std::fill(litlen_freq_, litlen_freq_ + kLitLenSymbols, 0u);
    std::fill(dist_freq_, dist_freq_ + kDistSymbols, 0u);
    block_start_ = covered_;
  }

  const uint8_t* data_;
  size_t size_;
  bool last_;
  BitWriter bits_;
  const Codes& c_;
  std::vector<Symbol> symbols_;
  uint32_t litlen_freq_[kLitLenSymbols] = {0};
  uint32_t dist_freq_[kDistSymbols] = {0};
  size_t covered_ = 0;      // input bytes the symbols so far stand for
  size_t block_start_ = 0;  // where the current block's bytes begin
};

}  // namespace

uint32_t adler32(const uint8_t* data, size_t size, uint32_t adler) {
  uint32_t a = adler & 0xFFFF, b = adler >> 16;
  while (size > 0) {
    const size_t n = std::min(size, kAdlerRun);
    for (size_t i = 0; i < n; ++i) {
      a += data[i];
      b += a;
    }
    a %= kAdlerMod;
    b %= kAdlerMod;
    data += n;
    size -= n;
  }
  return b << 16 | a;
}

uint32_t adler32_combine(uint32_t first, uint32_t second, uint64_t second_size) {
  // Over A then B, the running sum of B's bytes starts at A's instead of 1, so
  // a = a_A + a_B - 1 and b = b_A + b_B + |B| (a_A - 1) (mod 65521).
  const uint64_t a1 = first & 0xFFFF, b1 = first >> 16;
  const uint64_t a2 = second & 0xFFFF, b2 = second >> 16;
  const uint64_t a = (a1 + a2 + kAdlerMod - 1) % kAdlerMod;
  const uint64_t b =
      (b1 + b2 + (second_size % kAdlerMod) * ((a1 + kAdlerMod - 1) % kAdlerMod)) % kAdlerMod;
  return uint32_t(b << 16 | a);
}

void deflate_piece(const uint8_t* data, size_t size, bool last, std::vector<uint8_t>* out) {
  Compressor(data, size, last, out).run();
}

void zlib_header(std::vector<uint8_t>* out) {
  // CMF 0x78: Deflate with a 32 KiB window; FLG 0x9C: default level, no dictionary, and
  // (CMF * 256 + FLG) divisible by 31.
  out->push_back(0x78);
  out->push_back(0x9C);
}

void zlib_trailer(uint32_t adler, std::vector<uint8_t>* out) {
  const uint8_t b[4] = {uint8_t(adler >> 24), uint8_t(adler >> 16), uint8_t(adler >> 8),
                        uint8_t(adler)};
  out->insert(out->end(), b, b + 4);
}

std::vector<uint8_t> zlib_compress(const uint8_t* data, size_t size) {
  std::vector<uint8_t> out;
  out.reserve(size / 2 + 64);
  zlib_header(&out);
  deflate_piece(data, size, true, &out);
  zlib_trailer(adler32(data, size), &out);
  return out;
}

}  // namespace detail
}  // namespace colorize
