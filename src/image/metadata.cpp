// Descriptive metadata carried from an original to its result (see image.h): EXIF and XMP
// found in JPEG, PNG and TIFF files, and the changes a colorized, upright result needs.
// Every read is bounds-checked; what cannot be read is left out, never an error.
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "colorize/image.h"
#include "scan.h"
#include "stb_config.h"

namespace colorize {
namespace {

using detail::be16;
using detail::be32;
using detail::le16;
using detail::le32;

constexpr char kXmpJpegId[] = "http://ns.adobe.com/xap/1.0/";  // + NUL: 29 bytes
constexpr char kXmpPngKeyword[] = "XML:com.adobe.xmp";
// An XMP packet larger than this is left out (they are kilobytes; this bounds a bomb).
constexpr size_t kMaxXmp = 4u << 20;

// The ASCII tags of a TIFF's first directory that describe the picture rather than its
// pixels, kept as EXIF IFD0 (the same tags): ImageDescription, Make, Model, DateTime,
// Artist, Copyright.
constexpr uint16_t kTextTags[] = {270, 271, 272, 306, 315, 33432};

bool is_text_tag(uint32_t tag) {
  for (uint16_t t : kTextTags)
    if (t == tag) return true;
  return false;
}

// A TIFF-structured block (EXIF, or a TIFF file): byte order and bounded readers.
struct Block {
  const uint8_t* b;
  size_t n;
  bool le = true;
  bool ok = false;
  Block(const uint8_t* bytes, size_t size) : b(bytes), n(size) {
    if (n < 8) return;
    if (std::memcmp(b, "II*\0", 4) == 0)
      le = true;
    else if (std::memcmp(b, "MM\0*", 4) == 0)
      le = false;
    else
      return;
    ok = true;
  }
  uint32_t u16(size_t off) const { return le ? le16(b + off) : be16(b + off); }
  uint32_t u32(size_t off) const { return le ? le32(b + off) : be32(b + off); }
};

// One entry of the first directory: where its values are, when they lie inside the block.
struct Entry {
  uint32_t tag, type, count;
  size_t entry_at;  // offset of the 12-byte entry
  size_t value_at;  // offset of the values (inline or pointed at)
  size_t value_bytes;
};

// Calls f(entry) for each entry of the first directory whose values are inside the block
// (types BYTE, ASCII, SHORT, LONG, RATIONAL, UNDEFINED; others skipped). Returns the offset
// of the directory's next-directory link, or 0 when the directory is not inside.
template <typename F>
size_t each_entry(const Block& k, F&& f) {
  if (!k.ok) return 0;
  const uint64_t ifd = k.u32(4);
  if (ifd < 8 || ifd + 2 > k.n) return 0;
  const uint32_t count = k.u16(size_t(ifd));
  const uint64_t end = ifd + 2 + 12 * uint64_t(count);
  if (end + 4 > k.n) return 0;
  for (uint32_t i = 0; i < count; ++i) {
    const size_t e = size_t(ifd) + 2 + 12 * size_t(i);
    const uint32_t type = k.u16(e + 2), cnt = k.u32(e + 4);
    static const uint8_t kSize[8] = {0, 1, 1, 2, 4, 8, 0, 1};
    const uint32_t unit = type < 8 ? kSize[type] : 0;
    if (!unit) continue;
    const uint64_t bytes = uint64_t(unit) * cnt;
    const uint64_t at = bytes <= 4 ? e + 8 : k.u32(e + 8);
    if (at + bytes > k.n) continue;
    f(Entry{k.u16(e), type, cnt, e, size_t(at), size_t(bytes)});
  }
  return size_t(end);
}

// The text of an ASCII value, up to its first NUL.
std::string ascii_value(const Block& k, const Entry& e) {
  const char* p = reinterpret_cast<const char*>(k.b + e.value_at);
  return std::string(p, strnlen(p, e.value_bytes));
}

void put16le(std::vector<uint8_t>& v, uint32_t x) {
  v.push_back(uint8_t(x));
  v.push_back(uint8_t(x >> 8));
}
void put32le(std::vector<uint8_t>& v, uint32_t x) {
  put16le(v, x & 0xFFFF);
  put16le(v, x >> 16);
}

// A little-endian EXIF block whose IFD0 holds these ASCII tags (ascending).
std::vector<uint8_t> exif_from_text(const std::vector<std::pair<uint16_t, std::string>>& tags) {
  if (tags.empty()) return {};
  std::vector<uint8_t> out = {'I', 'I', 42, 0, 8, 0, 0, 0};
  put16le(out, uint32_t(tags.size()));
  std::vector<uint8_t> values;
  const size_t values_at = 8 + 2 + 12 * tags.size() + 4;
  for (const auto& [tag, text] : tags) {
    const uint32_t count = uint32_t(text.size() + 1);
    put16le(out, tag);
    put16le(out, 2);
    put32le(out, count);
    std::vector<uint8_t> v(text.begin(), text.end());
    v.push_back(0);
    if (count <= 4) {
      v.resize(4, 0);
      out.insert(out.end(), v.begin(), v.end());
    } else {
      if (values.size() & 1) values.push_back(0);
      put32le(out, uint32_t(values_at + values.size()));
      values.insert(values.end(), v.begin(), v.end());
    }
  }
  put32le(out, 0);
  out.insert(out.end(), values.begin(), values.end());
  return out;
}

// ------------------------------------------------------------------------------ readers

void read_jpeg(const uint8_t* b, size_t n, Metadata* m) {
  size_t pos = 2;
  while (pos + 4 <= n) {
    if (b[pos] != 0xFF) return;
    while (pos < n && b[pos] == 0xFF) ++pos;
    if (pos >= n) return;
    const uint8_t marker = b[pos++];
    if (marker == 0xDA || marker == 0xD9) return;  // image data: the header is over
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;
    if (pos + 2 > n) return;
    const size_t len = be16(b + pos);
    if (len < 2 || pos + len > n) return;
    const uint8_t* seg = b + pos + 2;
    const size_t seg_len = len - 2;
    pos += len;
    if (marker != 0xE1) continue;
    if (m->exif.empty() && seg_len > 6 + 8 && std::memcmp(seg, "Exif\0\0", 6) == 0) {
      m->exif.assign(seg + 6, seg + seg_len);
    } else if (m->xmp.empty() && seg_len > sizeof kXmpJpegId &&
               std::memcmp(seg, kXmpJpegId, sizeof kXmpJpegId) == 0) {
      m->xmp.assign(reinterpret_cast<const char*>(seg) + sizeof kXmpJpegId,
                    seg_len - sizeof kXmpJpegId);
    }
  }
}

// iTXt: keyword NUL, compression flag, method, language NUL, translated keyword NUL, text.
void read_png_xmp(const uint8_t* c, size_t len, Metadata* m) {
  const size_t key = sizeof kXmpPngKeyword;  // with its NUL
  if (len < key + 2 || std::memcmp(c, kXmpPngKeyword, key) != 0) return;
  const bool compressed = c[key] == 1;
  if (compressed && c[key + 1] != 0) return;
  size_t p = key + 2;
  for (int field = 0; field < 2; ++field) {  // language, translated keyword
    const void* nul = p < len ? std::memchr(c + p, 0, len - p) : nullptr;
    if (!nul) return;
    p = size_t(static_cast<const uint8_t*>(nul) - c) + 1;
  }
  if (!compressed) {
    if (len - p <= kMaxXmp) m->xmp.assign(reinterpret_cast<const char*>(c + p), len - p);
    return;
  }
  if (len - p > kMaxXmp) return;
  std::vector<char> text;
  try {
    text.resize(kMaxXmp);
  } catch (const std::bad_alloc&) {
    return;
  }
  const int got = stbi_zlib_decode_buffer(text.data(), int(text.size()),
                                          reinterpret_cast<const char*>(c + p), int(len - p));
  if (got > 0) m->xmp.assign(text.data(), size_t(got));
}

void read_png(const uint8_t* b, size_t n, Metadata* m) {
  size_t pos = 8;
  while (pos + 12 <= n) {
    const uint32_t len = be32(b + pos);
    if (len > n - pos - 12) return;
    const uint8_t* type = b + pos + 4;
    const uint8_t* c = b + pos + 8;
    if (std::memcmp(type, "IEND", 4) == 0) return;
    if (std::memcmp(type, "eXIf", 4) == 0 && m->exif.empty() && Block(c, len).ok)
      m->exif.assign(c, c + len);
    else if (std::memcmp(type, "iTXt", 4) == 0 && m->xmp.empty())
      read_png_xmp(c, len, m);
    pos += 12 + size_t(len);
  }
}

void read_tiff(const uint8_t* b, size_t n, Metadata* m) {
  const Block k(b, n);
  std::vector<std::pair<uint16_t, std::string>> text;
  each_entry(k, [&](const Entry& e) {
    if (e.tag == 700 && (e.type == 1 || e.type == 7) && e.value_bytes <= kMaxXmp)
      m->xmp.assign(reinterpret_cast<const char*>(k.b + e.value_at), e.value_bytes);
    else if (is_text_tag(e.tag) && e.type == 2 && e.value_bytes <= 65536) {
      std::string s = ascii_value(k, e);
      if (!s.empty()) text.push_back({uint16_t(e.tag), s});
    }
  });
  m->exif = exif_from_text(text);  // a directory's tags are in ascending order already
}

// Sets the XMP's tiff:Orientation, as attribute (tiff:Orientation="6") or element
// (<tiff:Orientation>6</tiff:Orientation>), to 1.
void xmp_upright(std::string* xmp) {
  for (const char* key : {"tiff:Orientation=\"", "tiff:Orientation='", "<tiff:Orientation>"}) {
    for (size_t at = xmp->find(key); at != std::string::npos; at = xmp->find(key, at + 1)) {
      size_t d = at + std::strlen(key);
      while (d < xmp->size() && (*xmp)[d] == ' ') ++d;
      if (d < xmp->size() && (*xmp)[d] >= '1' && (*xmp)[d] <= '8' &&
          (d + 1 >= xmp->size() || (*xmp)[d + 1] < '0' || (*xmp)[d + 1] > '9'))
        (*xmp)[d] = '1';
    }
  }
}

}  // namespace

Metadata read_metadata(const uint8_t* bytes, size_t size) {
  Metadata m;
  if (!bytes) return m;
  try {
    if (size >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF)
      read_jpeg(bytes, size, &m);
    else if (size >= 8 && std::memcmp(bytes, "\x89PNG\r\n\x1a\n", 8) == 0)
      read_png(bytes, size, &m);
    else if (Block(bytes, size).ok)
      read_tiff(bytes, size, &m);
  } catch (const std::bad_alloc&) {
    return Metadata();
  }
  return m;
}

Metadata metadata_for_result(const Metadata& original) {
  Metadata m = original;
  Block k(m.exif.data(), m.exif.size());
  if (!k.ok) {
    m.exif.clear();
  } else {
    uint8_t* w = m.exif.data();
    const size_t link = each_entry(k, [&](const Entry& e) {
      if (e.tag != 0x0112 || e.count != 1) return;
      if (e.type == 3) {  // SHORT, as the standard says
        w[e.value_at] = k.le ? 1 : 0;
        w[e.value_at + 1] = k.le ? 0 : 1;
      } else if (e.type == 4) {  // LONG, written by a few tools
        const uint8_t one_le[4] = {1, 0, 0, 0}, one_be[4] = {0, 0, 0, 1};
        std::memcpy(w + e.value_at, k.le ? one_le : one_be, 4);
      }
    });
    if (link == 0)
      m.exif.clear();  // not a readable directory: nothing a reader could use
    else
      std::memset(w + link, 0, 4);  // IFD1, the thumbnail of the grey original, unlinked
  }
  xmp_upright(&m.xmp);
  return m;
}

namespace detail {

std::vector<std::pair<uint16_t, std::string>> exif_text_tags(const std::vector<uint8_t>& exif) {
  std::vector<std::pair<uint16_t, std::string>> out;
  const Block k(exif.data(), exif.size());
  each_entry(k, [&](const Entry& e) {
    if (is_text_tag(e.tag) && e.type == 2) {
      std::string s = ascii_value(k, e);
      if (!s.empty()) out.push_back({uint16_t(e.tag), s});
    }
  });
  return out;
}

}  // namespace detail
}  // namespace colorize
