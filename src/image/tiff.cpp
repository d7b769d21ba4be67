// Our own reader for baseline TIFF, the format scanners and archives write (see tiff.h).
// Every read is bounds-checked against the file size; the only allocations are the image
// and a block (strip or tile) buffer for each run of blocks (runs may be decoded on several
// threads, DecodeOptions::parallel_for), whose sizes are checked before they are made.
#include "tiff.h"

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "stb_config.h"

namespace colorize {
namespace detail {
namespace {

// Decoded bytes per task when blocks are decoded on several threads (runs of small tiles).
constexpr uint64_t kTaskBytes = 1 << 20;

Status unsupported(const std::string& what) {
  return Status(ErrorCode::kUnsupported,
                what + "; save it as a grey or RGB TIFF (uncompressed, LZW or Deflate) or as PNG");
}

// Field types of TIFF 6.0 and their sizes in bytes (0: unknown type): 1 BYTE, 2 ASCII,
// 3 SHORT, 4 LONG, 5 RATIONAL, 6 SBYTE, 7 UNDEFINED, 8 SSHORT, 9 SLONG, 10 SRATIONAL,
// 11 FLOAT, 12 DOUBLE, 13 IFD.
uint32_t type_size(uint32_t type) {
  static const uint8_t kSize[14] = {0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4};
  return type < 14 ? kSize[type] : 0;
}

using File = TiffBytes;

// One directory entry whose values lie inside the file.
struct Field {
  bool present = false;
  uint32_t type = 0;
  uint32_t count = 0;
  size_t at = 0;  // file offset of the first value
  // Value i as an unsigned integer (BYTE, SHORT or LONG); callers check i < count.
  uint32_t get(const File& f, uint32_t i) const {
    switch (type) {
      case 1:
        return f.b[at + i];
      case 3:
        return f.u16(at + size_t(i) * 2);
      default:
        return f.u32(at + size_t(i) * 4);
    }
  }
  bool integer() const { return type == 1 || type == 3 || type == 4; }
};

// What a page's directory says, checked.
struct Layout {
  uint32_t width = 0, height = 0;
  uint32_t spp = 1;   // samples per pixel as stored
  uint32_t bits = 1;  // per sample
  uint32_t photometric = 1;
  uint32_t compression = 1;
  uint32_t predictor = 1;
  uint32_t planar = 1;
  uint32_t fill_order = 1;
  uint32_t orientation = 1;
  uint32_t base = 1;   // colour samples: 1 grey / palette, 3 RGB
  uint32_t alpha = 0;  // ExtraSamples of the first extra sample: 1 associated, 2 straight
  bool tiled = false;
  uint32_t block_w = 0, block_h = 0;  // a strip is width x rows-per-strip
  uint32_t across = 1, down = 1;      // blocks per row of blocks, rows of blocks
  uint64_t row_bytes = 0;             // of one block row, one plane (planar) or all samples
  uint64_t block_bytes = 0;
  Field offsets, counts, colormap;
  double res_x = 0, res_y = 0;  // X/YResolution as stored
  uint32_t res_unit = 2;        // ResolutionUnit: 1 none, 2 inch, 3 centimetre
  size_t icc_at = 0, icc_size = 0;  // InterColorProfile (34675), when inside the file
  int out_channels = 1, out_depth = 8;

  uint32_t planes() const { return planar == 2 ? spp : 1; }
  uint64_t blocks_per_plane() const { return uint64_t(across) * down; }
  const char* block_name() const { return tiled ? "tile" : "strip"; }
};

// Pages of the file: the first directory, then those later in the chain that are not
// marked as reduced-resolution copies (NewSubfileType bit 0, e.g. thumbnails). Calls
// on_page(offset) for each in order until it returns false. Follows at most
// kMaxDirectories, and stops at a directory that is not wholly inside the file or that the
// chain has already passed.
constexpr int kMaxDirectories = 256;

template <typename F>
void each_page(const File& f, F&& on_page) {
  uint32_t visited[kMaxDirectories];
  uint64_t ifd = f.u32(4);
  for (int seen = 0; seen < kMaxDirectories && ifd >= 8 && ifd + 2 <= f.n; ++seen) {
    bool again = false;
    for (int i = 0; i < seen; ++i) again = again || visited[i] == ifd;
    if (again) break;
    visited[seen] = uint32_t(ifd);
    const uint32_t entries = f.u16(size_t(ifd));
    const uint64_t end = ifd + 2 + uint64_t(entries) * 12;
    if (end + 4 > f.n) break;
    bool reduced = false;
    for (uint32_t e = 0; e < entries && seen > 0; ++e) {
      const size_t p = size_t(ifd) + 2 + size_t(e) * 12;
      if (f.u16(p) == 254 && f.u16(p + 2) == 4 && f.u32(p + 4) == 1) reduced = f.u32(p + 8) & 1;
    }
    if (!reduced && !on_page(uint32_t(ifd))) return;
    ifd = f.u32(size_t(end));
  }
}

int count_pages(const File& f) {
  int pages = 0;
  each_page(f, [&](uint32_t) {
    ++pages;
    return true;
  });
  return pages < 1 ? 1 : pages;
}

// The directory of page `page` (1-based), or 0 when the file has fewer.
uint32_t page_directory(const File& f, int page) {
  uint32_t at = 0;
  int k = 0;
  each_page(f, [&](uint32_t ifd) {
    if (++k < page) return true;
    at = ifd;
    return false;
  });
  return at;
}

uint32_t first(const File& f, const Field& x, uint32_t fallback) {
  return x.present && x.count >= 1 ? x.get(f, 0) : fallback;
}

Status read_layout(const uint8_t* b, size_t n, int page, Layout* L) {
  if (n < 8) return truncated("TIFF", "inside the header");
  File f{b, n, b[0] == 'I'};
  uint32_t ifd = f.u32(4);
  if (page != 1) {
    ifd = page < 1 ? 0 : page_directory(f, page);
    if (ifd == 0)
      return Status(ErrorCode::kInvalidArgument, "the TIFF holds " + num(count_pages(f)) + " page" +
                                                     (count_pages(f) > 1 ? "s" : "") +
                                                     "; there is no page " + std::to_string(page));
  }
  if (ifd < 8) return corrupt("TIFF", "the first directory is at byte " + num(ifd));
  if (uint64_t(ifd) + 2 > n) return truncated("TIFF", "before its first directory");
  const uint32_t entries = f.u16(ifd);
  if (uint64_t(ifd) + 2 + uint64_t(entries) * 12 > n)
    return truncated("TIFF", "inside its first directory");

  enum {
    kWidth,
    kHeight,
    kBits,
    kCompression,
    kPhotometric,
    kFillOrder,
    kStripOffsets,
    kOrientation,
    kSpp,
    kRowsPerStrip,
    kStripCounts,
    kPlanar,
    kPredictor,
    kColorMap,
    kTileWidth,
    kTileLength,
    kTileOffsets,
    kTileCounts,
    kExtraSamples,
    kSampleFormat,
    kFieldCount
  };
  static const uint16_t kTags[kFieldCount] = {256, 257, 258, 259, 262, 266, 273, 274, 277, 278,
                                              279, 284, 317, 320, 322, 323, 324, 325, 338, 339};
  Field fld[kFieldCount];
  for (uint32_t e = 0; e < entries; ++e) {
    const size_t p = size_t(ifd) + 2 + size_t(e) * 12;
    const uint32_t tag = f.u16(p);
    int k = -1;
    for (int i = 0; i < kFieldCount; ++i)
      if (kTags[i] == tag) k = i;
    if ((tag == 282 || tag == 283) && f.u16(p + 2) == 5 && f.u32(p + 4) == 1) {
      // X/YResolution: one RATIONAL, stored at an offset.
      const uint32_t at = f.u32(p + 8);
      if (uint64_t(at) + 8 <= n) {
        const uint32_t num_ = f.u32(at), den = f.u32(at + 4);
        (tag == 282 ? L->res_x : L->res_y) = den ? double(num_) / den : 0.0;
      }
      continue;
    }
    if (tag == 296 && f.u16(p + 2) == 3) L->res_unit = f.u16(p + 8);
    if (tag == 34675 && L->icc_size == 0 && (f.u16(p + 2) == 7 || f.u16(p + 2) == 1)) {
      const uint32_t count = f.u32(p + 4), at = count <= 4 ? uint32_t(p + 8) : f.u32(p + 8);
      if (uint64_t(at) + count <= n) {
        L->icc_at = at;
        L->icc_size = count;
      }
    }
    if (k < 0 || fld[k].present) continue;  // tags we do not use; repeats: the first counts
    Field& x = fld[k];
    x.type = f.u16(p + 2);
    x.count = f.u32(p + 4);
    const uint32_t size = type_size(x.type);
    if (size == 0) return corrupt("TIFF", "tag " + num(tag) + " has unknown type " + num(x.type));
    const uint64_t bytes = uint64_t(size) * x.count;
    if (bytes <= 4) {
      x.at = p + 8;
    } else {
      x.at = f.u32(p + 8);
      if (uint64_t(x.at) + bytes > n)
        return truncated("TIFF", "inside the values of tag " + num(tag));
    }
    if (!x.integer()) return corrupt("TIFF", "tag " + num(tag) + " is not an integer");
    x.present = true;
  }

  if (!fld[kWidth].present || !fld[kHeight].present || fld[kWidth].count < 1 ||
      fld[kHeight].count < 1)
    return corrupt("TIFF", "no image width or height");
  L->width = first(f, fld[kWidth], 0);
  L->height = first(f, fld[kHeight], 0);
  if (L->width == 0 || L->height == 0) return zero_size("TIFF", L->width, L->height);
  if (L->width > 0x7FFFFFFFu || L->height > 0x7FFFFFFFu)
    return corrupt("TIFF", "width or height above 2^31 - 1");

  L->spp = first(f, fld[kSpp], 1);
  L->compression = first(f, fld[kCompression], 1);
  L->predictor = first(f, fld[kPredictor], 1);
  L->planar = first(f, fld[kPlanar], 1);
  L->fill_order = first(f, fld[kFillOrder], 1);
  L->orientation = first(f, fld[kOrientation], 1);
  if (L->orientation < 1 || L->orientation > 8) L->orientation = 1;
  // Photometric is required; writers that leave it out mean grey or RGB by sample count.
  L->photometric = first(f, fld[kPhotometric], L->spp >= 3 ? 2 : 1);

  if (L->spp < 1 || L->spp > 16) return corrupt("TIFF", num(L->spp) + " samples per pixel");
  {
    const Field& bs = fld[kBits];
    L->bits = first(f, bs, 1);
    for (uint32_t i = 1; bs.present && i < bs.count && i < L->spp; ++i)
      if (bs.get(f, i) != L->bits)
        return unsupported("TIFF with a different bit depth per channel is not supported");
  }
  for (uint32_t i = 0; fld[kSampleFormat].present && i < fld[kSampleFormat].count && i < L->spp;
       ++i)
    if (fld[kSampleFormat].get(f, i) != 1)
      return unsupported(
          "TIFF with signed or floating-point samples is not supported (8- or 16-bit unsigned "
          "are)");

  switch (L->compression) {
    case 1:
    case 5:
    case 8:
    case 32946:
    case 32773:
      break;
    case 6:
    case 7:
      return unsupported("JPEG-compressed TIFF is not supported");
    case 2:
    case 3:
    case 4:
      return unsupported("fax-compressed (CCITT) TIFF is not supported");
    default:
      return unsupported("TIFF compression " + num(L->compression) + " is not supported");
  }
  const uint32_t bits = L->bits;
  switch (L->photometric) {
    case 0:
    case 1:  // WhiteIsZero, BlackIsZero
      L->base = 1;
      if (bits != 1 && bits != 2 && bits != 4 && bits != 8 && bits != 16)
        return unsupported("grey TIFF with " + num(bits) + " bits per sample is not supported");
      break;
    case 2:
      L->base = 3;
      if (bits != 8 && bits != 16)
        return unsupported("RGB TIFF with " + num(bits) + " bits per sample is not supported");
      break;
    case 3:
      L->base = 1;
      if (bits != 1 && bits != 2 && bits != 4 && bits != 8)
        return unsupported("palette TIFF with " + num(bits) + " bits per sample is not supported");
      if (L->spp != 1) return unsupported("palette TIFF with extra samples is not supported");
      if (!fld[kColorMap].present || fld[kColorMap].count != 3u << bits)
        return corrupt("TIFF",
                       "palette image without a colour map of " + num(3u << bits) + " entries");
      L->colormap = fld[kColorMap];
      break;
    case 5:
      return unsupported("CMYK TIFF is not supported");
    case 6:
      return unsupported("YCbCr TIFF is not supported");
    case 8:
    case 9:
    case 10:
      return unsupported("CIELab TIFF is not supported");
    default:
      return unsupported("TIFF photometric interpretation " + num(L->photometric) +
                         " is not supported");
  }
  if (L->spp < L->base)
    return corrupt("TIFF", num(L->spp) + " samples per pixel for a " +
                               (L->base == 3 ? "RGB" : "grey") + " image");
  if (L->spp > L->base && fld[kExtraSamples].present && fld[kExtraSamples].count >= 1) {
    const uint32_t kind = fld[kExtraSamples].get(f, 0);
    if (kind == 1 || kind == 2) L->alpha = kind;  // 0: unspecified data, not shown
  }
  if (L->planar != 1 && L->planar != 2)
    return corrupt("TIFF", "planar configuration " + num(L->planar));
  if (L->fill_order != 1 && L->fill_order != 2)
    return corrupt("TIFF", "fill order " + num(L->fill_order));
  if (L->predictor == 3)
    return unsupported("TIFF with the floating-point predictor is not supported");
  if (L->predictor != 1 && L->predictor != 2)
    return corrupt("TIFF", "predictor " + num(L->predictor));
  if (L->predictor == 2 && bits != 8 && bits != 16)
    return unsupported("TIFF with a predictor on " + num(bits) + "-bit samples is not supported");

  // Strips or tiles.
  L->tiled = fld[kTileWidth].present || fld[kTileLength].present || fld[kTileOffsets].present;
  const uint64_t declared = (uint64_t(L->width) + 16) * (uint64_t(L->height) + 16);
  if (L->tiled) {
    L->block_w = first(f, fld[kTileWidth], 0);
    L->block_h = first(f, fld[kTileLength], 0);
    if (L->block_w == 0 || L->block_h == 0) return corrupt("TIFF", "tiles of zero size");
    if ((uint64_t(L->block_w) * L->block_h - 1) / 4 > declared + (1u << 18))
      return corrupt("TIFF", "tiles of " + num(L->block_w) + " x " + num(L->block_h) +
                                 " pixels, far larger than the image");
    L->offsets = fld[kTileOffsets];
    L->counts = fld[kTileCounts];
  } else {
    uint32_t rows = first(f, fld[kRowsPerStrip], 0xFFFFFFFFu);
    if (rows == 0 || rows > L->height) rows = L->height;
    L->block_w = L->width;
    L->block_h = rows;
    L->offsets = fld[kStripOffsets];
    L->counts = fld[kStripCounts];
  }
  L->across = uint32_t((uint64_t(L->width) + L->block_w - 1) / L->block_w);
  L->down = uint32_t((uint64_t(L->height) + L->block_h - 1) / L->block_h);
  const uint64_t samples_in_row = uint64_t(L->block_w) * (L->planar == 2 ? 1 : L->spp);
  L->row_bytes = (samples_in_row * bits + 7) / 8;
  if (L->row_bytes > (uint64_t(1) << 46) / L->block_h)
    return Status(ErrorCode::kTooLarge,
                  std::string("the TIFF image's ") + L->block_name() + "s are too large to decode");
  L->block_bytes = L->row_bytes * L->block_h;
  const uint64_t blocks = L->blocks_per_plane() * L->planes();
  const char* what = L->block_name();
  if (!L->offsets.present) return corrupt("TIFF", std::string("no ") + what + " offsets");
  if (L->offsets.type == 1 || (L->counts.present && L->counts.type == 1))
    return corrupt("TIFF", std::string(what) + " offsets or byte counts stored as bytes");
  if (L->offsets.count < blocks)
    return corrupt("TIFF", num(L->offsets.count) + " " + what + " offsets for " + num(blocks) +
                               " " + what + "s");
  if (L->counts.present && L->counts.count < blocks)
    return corrupt("TIFF", num(L->counts.count) + " " + what + " byte counts for " + num(blocks) +
                               " " + what + "s");
  if (!L->counts.present && L->compression != 1)
    return corrupt("TIFF", std::string("compressed ") + what + "s without byte counts");

  // LZW as written before TIFF 5.0 (bits least significant first) starts 0x00 0x01.
  if (L->compression == 5 && L->fill_order == 1) {
    const uint64_t off = L->offsets.get(f, 0);
    if (off + 2 <= n && b[off] == 0 && (b[off + 1] & 1))
      return unsupported("TIFF with the old-style LZW of before 1991 is not supported");
  }

  L->out_channels = L->photometric == 3 ? 3 : int(L->base + (L->alpha ? 1 : 0));
  L->out_depth = bits == 16 ? 16 : 8;
  return Status::Ok();
}

// Rows of block `index` (within its plane) that lie inside the image.
uint32_t rows_inside(const Layout& L, uint64_t index) {
  const uint64_t y0 = (index / L.across) * L.block_h;
  const uint64_t left = L.height - y0;
  return uint32_t(left < L.block_h ? left : L.block_h);
}

// Compressed bytes of block `index` (over all planes): where they are and how many.
void block_span(const File& f, const Layout& L, uint64_t index, uint64_t* off, uint64_t* count) {
  *off = L.offsets.get(f, uint32_t(index));
  if (L.counts.present) {
    *count = L.counts.get(f, uint32_t(index));
  } else {  // uncompressed without byte counts: what its rows need
    *count = L.row_bytes * rows_inside(L, index % L.blocks_per_plane());
  }
}

// Planes that reach the output (colour samples, and the first extra one when it is alpha).
bool plane_used(const Layout& L, uint32_t plane) {
  return plane < L.base || (plane == L.base && L.alpha != 0);
}

// ------------------------------------------------------------------------ decompressors
// Each writes at most `cap` bytes into `out` and returns how many it wrote, or -1 when the
// data is invalid.

int64_t unpack_bits(const uint8_t* in, size_t n, uint8_t* out, size_t cap) {
  size_t i = 0, o = 0;
  while (i < n && o < cap) {
    const int c = static_cast<int8_t>(in[i++]);
    if (c >= 0) {
      size_t len = size_t(c) + 1;
      if (len > n - i) len = n - i;
      if (len > cap - o) len = cap - o;
      std::memcpy(out + o, in + i, len);
      i += len;
      o += len;
    } else if (c != -128) {
      if (i >= n) break;
      size_t len = size_t(1 - c);
      if (len > cap - o) len = cap - o;
      std::memset(out + o, in[i++], len);
      o += len;
    }
  }
  return int64_t(o);
}

// TIFF's LZW: codes most significant bit first, 9 to 12 bits wide, 256 = clear, 257 = end;
// the width grows one code early (when the next free code reaches 2^width - 1).
int64_t unlzw(const uint8_t* in, size_t n, uint8_t* out, size_t cap) {
  constexpr int kClear = 256, kEnd = 257, kFirst = 258, kMax = 4096;
  std::vector<uint16_t> prefix(kMax), length(kMax);
  std::vector<uint8_t> suffix(kMax), head(kMax);
  for (int i = 0; i < 256; ++i) {
    suffix[i] = head[i] = uint8_t(i);
    length[i] = 1;
  }
  size_t o = 0, ip = 0;
  uint32_t acc = 0;  // the low `have` bits are unread input
  int have = 0;
  int width = 9, next = kFirst, prev = -1;
  while (o < cap) {
    while (have < width && ip < n) {
      acc = (acc << 8) | in[ip++];
      have += 8;
    }
    if (have < width) break;  // the data ends without an end code
    have -= width;
    const uint32_t code = (acc >> have) & ((1u << width) - 1);
    if (code == kEnd) break;
    if (code == kClear) {
      width = 9;
      next = kFirst;
      prev = -1;
      continue;
    }
    int emit;
    uint8_t lead;
    if (prev < 0) {
      if (code > 255) return -1;
      emit = int(code);
      lead = uint8_t(code);
    } else if (int(code) < next) {
      emit = int(code);
      lead = head[code];
    } else if (int(code) == next && next < kMax) {
      emit = -1;  // KwKwK: the previous string and its own first byte
      lead = head[prev];
    } else {
      return -1;
    }
    if (prev >= 0 && next < kMax) {
      if (length[prev] >= kMax) return -1;
      prefix[next] = uint16_t(prev);
      suffix[next] = lead;
      head[next] = head[prev];
      length[next] = uint16_t(length[prev] + 1);
      if (emit < 0) emit = next;
      ++next;
      if (next >= (1 << width) - 1 && width < 12) ++width;
    }
    // Write the string of `emit` back to front, cut at `cap`.
    const size_t len = length[emit];
    size_t end = o + len;
    int c = emit;
    for (size_t k = end; k > o; --k) {
      if (k - 1 < cap) out[k - 1] = suffix[c];
      c = prefix[c];
    }
    o = end < cap ? end : cap;
    prev = int(code);
  }
  return int64_t(o);
}

int64_t decompress(const Layout& L, const uint8_t* in, size_t n, uint8_t* out, size_t cap) {
  switch (L.compression) {
    case 1: {
      const size_t len = n < cap ? n : cap;
      std::memcpy(out, in, len);
      return int64_t(len);
    }
    case 32773:
      return unpack_bits(in, n, out, cap);
    case 5:
      return unlzw(in, n, out, cap);
    default: {  // 8, 32946: zlib streams
      if (n > size_t(INT_MAX) || cap > size_t(INT_MAX)) return -1;
      const int r = stbi_zlib_decode_buffer(reinterpret_cast<char*>(out), int(cap),
                                            reinterpret_cast<const char*>(in), int(n));
      return r < 0 ? -1 : int64_t(r);
    }
  }
}

uint8_t reverse_bits(uint8_t v) {
  v = uint8_t((v & 0xF0) >> 4 | (v & 0x0F) << 4);
  v = uint8_t((v & 0xCC) >> 2 | (v & 0x33) << 2);
  return uint8_t((v & 0xAA) >> 1 | (v & 0x55) << 1);
}

}  // namespace

Status scan_tiff(const uint8_t* b, size_t n, ScanDepth depth, ScanResult* out, int page) {
  Layout L;
  Status st = read_layout(b, n, page, &L);
  if (!st.ok()) return st;
  if (depth == ScanDepth::kWhole) {
    const File f{b, n, b[0] == 'I'};
    for (uint32_t plane = 0; plane < L.planes(); ++plane) {
      if (!plane_used(L, plane)) continue;
      for (uint64_t i = 0; i < L.blocks_per_plane(); ++i) {
        uint64_t off = 0, count = 0;
        block_span(f, L, plane * L.blocks_per_plane() + i, &off, &count);
        if (off + count > n)
          return truncated("TIFF", std::string("inside ") + L.block_name() + " " +
                                       num(plane * L.blocks_per_plane() + i) + " of " +
                                       num(L.blocks_per_plane() * L.planes()));
      }
    }
  }
  out->info.format = ImageFormat::kTiff;
  out->info.pages = count_pages(File{b, n, b[0] == 'I'});
  out->info.width = int(L.width);
  out->info.height = int(L.height);
  out->info.channels = L.out_channels;
  out->info.bit_depth = L.out_depth;
  out->info.exif_orientation = int(L.orientation);
  out->tiff_white_is_zero = L.photometric == 0;
  out->icc_at = L.icc_at;
  out->icc_size = L.icc_size;
  if (L.res_unit == 2 || L.res_unit == 3) {
    const double per_inch = L.res_unit == 2 ? 1.0 : 2.54;
    if (L.res_x > 0 && L.res_y > 0) {  // scan_image drops implausible values
      out->info.dpi_x = L.res_x * per_inch;
      out->info.dpi_y = L.res_y * per_inch;
    }
  }
  return Status::Ok();
}

Result<Image> decode_tiff(const uint8_t* b, size_t n, int page, const ParallelFor& parallel_for) {
  Layout L;
  Status st = read_layout(b, n, page, &L);
  if (!st.ok()) return st;
  const File f{b, n, b[0] == 'I'};
  const uint32_t bits = L.bits, maxv = (1u << bits) - 1;
  const bool white_is_zero = L.photometric == 0;

  // Colour map: 3 x 2^bits 16-bit entries (reds, greens, blues), to 8 bits by the high
  // byte, which is right for both ways writers widen 8-bit values (v * 257 and v * 256).
  uint8_t palette[256][3] = {};
  if (L.photometric == 3) {
    const uint32_t entries = 1u << bits;
    for (uint32_t i = 0; i < entries; ++i)
      for (uint32_t c = 0; c < 3; ++c)
        palette[i][c] = uint8_t(L.colormap.get(f, c * entries + i) >> 8);
  }

  Image image;
  try {
    image = Image::make(int(L.width), int(L.height), L.out_channels, L.out_depth);
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::kOutOfMemory, "not enough memory for the decoded TIFF image (" +
                                               num(L.width) + " x " + num(L.height) + " pixels)");
  } catch (const std::length_error&) {
    return Status(ErrorCode::kOutOfMemory, "the TIFF image is too large to decode");
  }
  const int oc = image.channels;
  const uint32_t sp = L.planar == 2 ? 1 : L.spp;  // samples per pixel in a block
  // The common case (8-bit grey or RGB(A) as the image holds it, chunky): bytes straight
  // into the image, the predictor undone in place.
  const bool direct =
      bits == 8 && L.planar == 1 && L.photometric != 3 && !white_is_zero && sp == uint32_t(oc);

  // One strip or tile (`index` over all planes' blocks) into the image; each writes samples
  // no other block writes, so blocks may be decoded in any order, on any thread.
  struct Scratch {
    std::vector<uint8_t> block, raw;
    std::vector<uint32_t> row_values;
  };
  auto decode_block = [&](uint64_t index, Scratch& scratch) -> Status {
    const uint32_t plane = uint32_t(index / L.blocks_per_plane());
    const uint64_t i = index % L.blocks_per_plane();
    if (!plane_used(L, plane)) return Status::Ok();
    std::vector<uint8_t>& block = scratch.block;
    std::vector<uint8_t>& raw = scratch.raw;
    std::vector<uint32_t>& row_values = scratch.row_values;
    try {
      block.resize(size_t(L.block_bytes));
      row_values.resize(size_t(uint64_t(L.block_w) * (L.planar == 2 ? 1 : L.spp)));
    } catch (const std::bad_alloc&) {
      return Status(ErrorCode::kOutOfMemory, "not enough memory to read the TIFF data");
    } catch (const std::length_error&) {
      return Status(ErrorCode::kOutOfMemory, "the TIFF image is too large to decode");
    }
    uint64_t off = 0, count = 0;
    block_span(f, L, index, &off, &count);
    if (off + count > n)
      return truncated("TIFF", std::string("inside ") + L.block_name() + " " + num(index));
    const uint8_t* src = b + off;
    if (L.fill_order == 2) {
      try {
        raw.assign(src, src + count);
      } catch (const std::bad_alloc&) {
        return Status(ErrorCode::kOutOfMemory, "not enough memory to read the TIFF data");
      }
      for (uint8_t& v : raw) v = reverse_bits(v);
      src = raw.data();
    }
    const uint32_t rows = rows_inside(L, i);
    const int64_t got = decompress(L, src, size_t(count), block.data(), block.size());
    if (got < 0)
      return corrupt("TIFF", std::string("the compressed data of ") + L.block_name() + " " +
                                 num(index) + " is invalid");
    if (uint64_t(got) < L.row_bytes * rows)
      return corrupt("TIFF", std::string(L.block_name()) + " " + num(index) + " holds " + num(got) +
                                 " bytes where its rows need " + num(L.row_bytes * rows));

    const uint64_t x0 = (i % L.across) * L.block_w, y0 = (i / L.across) * L.block_h;
    const uint32_t cols = uint32_t(L.width - x0 < L.block_w ? L.width - x0 : L.block_w);
    for (uint32_t r = 0; r < rows; ++r) {
      if (direct) {
        uint8_t* row = block.data() + r * L.row_bytes;
        if (L.predictor == 2)
          for (size_t k = sp; k < size_t(cols) * sp; ++k) row[k] = uint8_t(row[k] + row[k - sp]);
        std::memcpy(&image.data8[(size_t(y0 + r) * L.width + size_t(x0)) * oc], row,
                    size_t(cols) * sp);
        continue;
      }
      const uint8_t* row = block.data() + r * L.row_bytes;
      const size_t count_in_row = row_values.size();
      // The row's samples as numbers.
      if (bits == 8) {
        for (size_t k = 0; k < count_in_row; ++k) row_values[k] = row[k];
      } else if (bits == 16) {
        for (size_t k = 0; k < count_in_row; ++k)
          row_values[k] = f.le ? le16(row + 2 * k) : be16(row + 2 * k);
      } else {
        for (size_t k = 0; k < count_in_row; ++k) {
          const size_t bit = k * bits;
          row_values[k] = (row[bit >> 3] >> (8 - bits - (bit & 7))) & maxv;
        }
      }
      if (L.predictor == 2)  // horizontal differencing, per sample, modulo 2^bits
        for (size_t k = sp; k < count_in_row; ++k)
          row_values[k] = (row_values[k] + row_values[k - sp]) & maxv;

      const size_t y = size_t(y0 + r);
      for (uint32_t x = 0; x < cols; ++x) {
        const size_t px = y * L.width + size_t(x0 + x);
        const uint32_t* v = &row_values[size_t(x) * sp];
        if (L.photometric == 3) {
          for (int c = 0; c < 3; ++c) image.data8[px * 3 + c] = palette[v[0]][c];
          continue;
        }
        // Output channel c takes stored sample `plane + s` (chunky: s over the pixel).
        const uint32_t first_sample = L.planar == 2 ? plane : 0;
        const uint32_t last_sample = L.planar == 2 ? plane : uint32_t(oc) - 1;
        for (uint32_t s = first_sample; s <= last_sample; ++s) {
          uint32_t value = v[L.planar == 2 ? 0 : s];
          if (white_is_zero && s < L.base) value = maxv - value;
          if (bits < 8) value = value * 255u / maxv;
          if (L.out_depth == 16)
            image.data16[px * oc + s] = uint16_t(value);
          else
            image.data8[px * oc + s] = uint8_t(value);
        }
      }
    }
    return Status::Ok();
  };

  // Runs of consecutive blocks of about kTaskBytes decoded bytes each, one scratch per run.
  // The error reported is the one of the first failing block, as one thread reading in order
  // would report; runs after a known failure are not started.
  const uint64_t blocks = uint64_t(L.planes()) * L.blocks_per_plane();
  const uint64_t per_task =
      std::max<uint64_t>(1, kTaskBytes / std::max<uint64_t>(1, L.block_bytes));
  const uint64_t tasks = (blocks + per_task - 1) / per_task;
  std::mutex mutex;
  std::atomic<uint64_t> failed_at{UINT64_MAX};
  Status failure;
  for_each_index(parallel_for, size_t(tasks), [&](size_t t) {
    Scratch scratch;
    const uint64_t end = std::min(blocks, (uint64_t(t) + 1) * per_task);
    for (uint64_t index = uint64_t(t) * per_task; index < end && index < failed_at; ++index) {
      Status st = decode_block(index, scratch);
      if (st.ok()) continue;
      const std::lock_guard<std::mutex> lock(mutex);
      if (index < failed_at) {
        failed_at = index;
        failure = st;
      }
      return;
    }
  });
  if (failed_at != UINT64_MAX) return failure;

  // Associated (premultiplied) alpha to straight alpha.
  if (L.alpha == 1) {
    const uint32_t top = L.out_depth == 16 ? 65535u : 255u;
    const size_t pixels = image.pixel_count();
    for (size_t p = 0; p < pixels; ++p) {
      for (int c = 0; c + 1 < oc; ++c) {
        const size_t ai = p * oc + size_t(oc - 1), ci = p * oc + size_t(c);
        const uint32_t a = L.out_depth == 16 ? image.data16[ai] : image.data8[ai];
        const uint32_t v = L.out_depth == 16 ? image.data16[ci] : image.data8[ci];
        const uint32_t s = a == 0 ? 0 : (v * top + a / 2) / a;
        const uint32_t clamped = s > top ? top : s;
        if (L.out_depth == 16)
          image.data16[ci] = uint16_t(clamped);
        else
          image.data8[ci] = uint8_t(clamped);
      }
    }
  }
  return image;
}

}  // namespace detail
}  // namespace colorize
