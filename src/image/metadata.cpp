// Descriptive metadata carried from an original to its result (see image.h): EXIF and XMP
// found in JPEG, PNG and TIFF files, and the changes a colorized, upright result needs.
// Every read is bounds-checked; what cannot be read is left out, never an error.
#include <algorithm>
#include <climits>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "alloc_cap.h"
#include "colorize/image.h"
#include "icc.h"
#include "scan.h"
#include "stb_config.h"
#include "tiff.h"

namespace colorize {
namespace {

using detail::be16;
using detail::be32;

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

// A TIFF-structured block (EXIF, or a TIFF file), its readers those of the TIFF reader;
// `ok` when it starts with a TIFF header ("II*\0" or "MM\0*").
struct Block : detail::TiffBytes {
  bool ok = false;
  Block(const uint8_t* bytes, size_t size) : TiffBytes{bytes, size, true} {
    if (n < 8) return;
    if (std::memcmp(b, "II*\0", 4) == 0)
      le = true;
    else if (std::memcmp(b, "MM\0*", 4) == 0)
      le = false;
    else
      return;
    ok = true;
  }
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

// Where IFD0 points at the camera (tag 34665) and GPS (34853) directories; 0 for none.
std::pair<uint64_t, uint64_t> pointed_directories(const Block& k) {
  uint64_t camera_at = 0, gps_at = 0;
  each_entry(k, [&](const Entry& e) {
    if ((e.type == 4 || e.type == 13) && e.count == 1) {
      if (e.tag == 34665) camera_at = k.u32(e.value_at);
      if (e.tag == 34853) gps_at = k.u32(e.value_at);
    }
  });
  return {camera_at, gps_at};
}

// The text of an ASCII value, up to its first NUL.
std::string ascii_value(const Block& k, const Entry& e) {
  const char* p = reinterpret_cast<const char*>(k.b + e.value_at);
  return std::string(p, strnlen(p, e.value_bytes));
}

// A text tag longer than this is left out (they are short; this bounds hostile files).
constexpr size_t kMaxText = 65536;

// The text tags of the first directory, ascending, the first of each tag only (a hostile
// directory may repeat one tag thousands of times over the same long value).
std::vector<std::pair<uint16_t, std::string>> text_tags(const Block& k) {
  std::vector<std::pair<uint16_t, std::string>> out;
  each_entry(k, [&](const Entry& e) {
    if (!is_text_tag(e.tag) || e.type != 2 || e.value_bytes > kMaxText) return;
    for (const auto& have : out)
      if (have.first == e.tag) return;
    std::string s = ascii_value(k, e);
    if (!s.empty()) out.push_back({uint16_t(e.tag), std::move(s)});
  });
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

// A little-endian EXIF block: IFD0 with these ASCII tags (and pointers to the camera and
// GPS directories, when given), those directories before it. Empty when there is nothing.
std::vector<uint8_t> make_exif(const std::vector<std::pair<uint16_t, std::string>>& text,
                               const detail::ExifDirectories& sub) {
  if (text.empty() && sub.camera.empty() && sub.gps.empty()) return {};
  std::vector<uint8_t> out = {'I', 'I', 42, 0, 0, 0, 0, 0};
  std::vector<detail::TiffField> ifd0;
  for (const auto& [tag, value] : text) {
    detail::TiffField f{tag, 2, uint32_t(value.size() + 1), {value.begin(), value.end()}};
    f.values.push_back(0);
    ifd0.push_back(std::move(f));
  }
  for (const auto& [tag, fields] :
       {std::pair{uint16_t(34665), &sub.camera}, std::pair{uint16_t(34853), &sub.gps}}) {
    if (fields->empty()) continue;
    uint32_t at = 0;
    if (!detail::write_directory(*fields, out, &at).ok()) return {};
    ifd0.push_back(detail::TiffField{
        tag, 4, 1, {uint8_t(at), uint8_t(at >> 8), uint8_t(at >> 16), uint8_t(at >> 24)}});
  }
  uint32_t at = 0;
  if (!detail::write_directory(std::move(ifd0), out, &at).ok()) return {};
  for (int i = 0; i < 4; ++i) out[4 + i] = uint8_t(at >> (8 * i));
  return out;
}

// ------------------------------------------------------------------------------ readers

// Calls f(marker, payload, payload size) for each marker segment of a JPEG's header (up to
// the image data), in order.
template <typename F>
void each_jpeg_segment(const uint8_t* b, size_t n, F&& f) {
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
    f(marker, b + pos + 2, len - 2);
    pos += len;
  }
}

// Calls f(type, data, length) for each chunk of a PNG up to IEND, in order.
template <typename F>
void each_png_chunk(const uint8_t* b, size_t n, F&& f) {
  size_t pos = 8;
  while (pos + 12 <= n) {
    const uint32_t len = be32(b + pos);
    if (len > n - pos - 12) return;
    const uint8_t* type = b + pos + 4;
    if (std::memcmp(type, "IEND", 4) == 0) return;
    f(type, b + pos + 8, size_t(len));
    pos += 12 + size_t(len);
  }
}

void read_jpeg(const uint8_t* b, size_t n, Metadata* m) {
  each_jpeg_segment(b, n, [&](uint8_t marker, const uint8_t* seg, size_t seg_len) {
    if (marker != 0xE1) return;
    if (m->exif.empty() && seg_len > 6 + 8 && std::memcmp(seg, "Exif\0\0", 6) == 0) {
      m->exif.assign(seg + 6, seg + seg_len);
    } else if (m->xmp.empty() && seg_len > sizeof kXmpJpegId &&
               std::memcmp(seg, kXmpJpegId, sizeof kXmpJpegId) == 0) {
      m->xmp.assign(reinterpret_cast<const char*>(seg) + sizeof kXmpJpegId,
                    seg_len - sizeof kXmpJpegId);
    }
  });
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
  each_png_chunk(b, n, [&](const uint8_t* type, const uint8_t* c, size_t len) {
    if (std::memcmp(type, "eXIf", 4) == 0 && m->exif.empty() && Block(c, len).ok)
      m->exif.assign(c, c + len);
    else if (std::memcmp(type, "iTXt", 4) == 0 && m->xmp.empty())
      read_png_xmp(c, len, m);
  });
}

void read_tiff(const uint8_t* b, size_t n, Metadata* m) {
  const Block k(b, n);
  bool seen_xmp = false;
  each_entry(k, [&](const Entry& e) {
    if (e.tag == 700 && !seen_xmp && (e.type == 1 || e.type == 7) && e.value_bytes <= kMaxXmp) {
      seen_xmp = true;
      m->xmp.assign(reinterpret_cast<const char*>(k.b + e.value_at), e.value_bytes);
    }
  });
  // The TIFF's own camera and GPS directories (a TIFF is a TIFF-structured block itself).
  m->exif = make_exif(text_tags(k), detail::exif_directories(b, n));
}

// Sets the XMP's tiff:Orientation, as attribute (tiff:Orientation="6") or element
// (<tiff:Orientation>6</tiff:Orientation>), to 1.
// Sets every value of the XMP property `name` (e.g. "tiff:Orientation") that is a whole
// number, as an attribute (name="8", name='8') or an element (<name>8</name>), to `value`.
// One pass over the text for each form (a hostile packet may repeat a name many times).
void xmp_set_number(std::string* xmp, const std::string& name, uint32_t value) {
  const std::string digits = std::to_string(value);
  for (const std::string& key : {name + "=\"", name + "='", "<" + name + ">"}) {
    const std::string& in = *xmp;
    if (in.find(key) == std::string::npos) continue;
    std::string out;
    out.reserve(in.size());
    size_t from = 0;
    for (size_t at = in.find(key); at != std::string::npos;) {
      size_t d = at + key.size();
      while (d < in.size() && in[d] == ' ') ++d;
      size_t end = d;
      while (end < in.size() && in[end] >= '0' && in[end] <= '9') ++end;
      out.append(in, from, d - from);
      if (end > d) out += digits;
      from = end;
      at = in.find(key, end);
    }
    out.append(in, from, std::string::npos);
    xmp->swap(out);
  }
}

void xmp_upright(std::string* xmp) { xmp_set_number(xmp, "tiff:Orientation", 1); }

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

EmbeddedProfile embedded_profile(const uint8_t* b, size_t n, int page) {
  EmbeddedProfile out;
  if (!b) return out;
  try {
    if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) {
      // APP2 "ICC_PROFILE\0", sequence number (1-based), count, a part of the profile.
      static const char kId[] = "ICC_PROFILE";  // + NUL: 12 bytes
      std::vector<std::pair<const uint8_t*, size_t>> parts;
      bool mixed = false;
      each_jpeg_segment(b, n, [&](uint8_t marker, const uint8_t* seg, size_t len) {
        if (marker != 0xE2 || len < 14 || std::memcmp(seg, kId, sizeof kId) != 0) return;
        const unsigned seq = seg[12], count = seg[13];
        if (parts.empty()) parts.assign(count, {nullptr, 0});
        if (count != parts.size() || seq < 1 || seq > count || parts[seq - 1].first) {
          mixed = true;
          return;
        }
        parts[seq - 1] = {seg + 14, len - 14};
      });
      if (parts.empty()) return out;
      for (const auto& [at, len] : parts)
        if (!at || mixed) {
          out.problem =
              "the embedded colour profile is incomplete: a part of it is missing from the JPEG";
          return out;
        }
      size_t total = 0;
      for (const auto& part : parts) total += part.second;
      if (total > kMaxIccBytes) {
        out.problem = "the embedded colour profile is larger than 8 MiB";
        return out;
      }
      for (const auto& [at, len] : parts) out.icc.insert(out.icc.end(), at, at + len);
    } else if (n >= 8 && std::memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0) {
      each_png_chunk(b, n, [&](const uint8_t* type, const uint8_t* c, size_t len) {
        if (std::memcmp(type, "sRGB", 4) == 0) out.srgb = true;
        if (std::memcmp(type, "gAMA", 4) == 0 && len == 4) out.png_gamma = be32(c);
        if (std::memcmp(type, "iCCP", 4) != 0 || !out.icc.empty() || !out.problem.empty()) return;
        // Profile name (1-79 bytes) NUL, compression method 0, a zlib stream.
        const void* nul = std::memchr(c, 0, std::min(len, size_t(80)));
        const size_t z = nul ? size_t(static_cast<const uint8_t*>(nul) - c) + 2 : len + 1;
        int got = 0;
        char* inflated = nullptr;
        if (z <= len && c[z - 1] == 0 && len - z <= size_t(INT_MAX)) {
          AllocCap cap(kMaxIccBytes);
          inflated = stbi_zlib_decode_malloc_guesssize(reinterpret_cast<const char*>(c + z),
                                                       int(len - z), 16384, &got);
        }
        if (inflated && got > 0)
          out.icc.assign(inflated, inflated + got);
        else
          out.problem = "the embedded colour profile does not decompress";
        stbi_image_free(inflated);
      });
      // An ICC profile or the sRGB chunk overrides gAMA (PNG specification).
      if (!out.icc.empty() || out.srgb || !out.problem.empty()) out.png_gamma = 0;
    } else if (Block(b, n).ok) {
      ScanResult scan;
      if (!scan_tiff(b, n, ScanDepth::kHeader, &scan, page).ok() || scan.icc_size == 0) return out;
      out.white_is_zero = scan.tiff_white_is_zero;
      if (scan.icc_size > kMaxIccBytes)
        out.problem = "the embedded colour profile is larger than 8 MiB";
      else
        out.icc.assign(b + scan.icc_at, b + scan.icc_at + scan.icc_size);
    }
  } catch (const std::bad_alloc&) {
    out = EmbeddedProfile();
    out.problem = "not enough memory to read the colour profile";
  }
  return out;
}

std::vector<std::pair<uint16_t, std::string>> exif_text_tags(const std::vector<uint8_t>& exif) {
  return text_tags(Block(exif.data(), exif.size()));
}

void set_xmp_pixel_size(std::string* xmp, uint32_t width, uint32_t height) {
  for (const char* name : {"exif:PixelXDimension", "tiff:ImageWidth"})
    xmp_set_number(xmp, name, width);
  for (const char* name : {"exif:PixelYDimension", "tiff:ImageLength"})
    xmp_set_number(xmp, name, height);
}

void set_exif_pixel_size(std::vector<uint8_t>* exif, uint32_t width, uint32_t height) {
  const Block k(exif->data(), exif->size());
  const uint64_t camera_at = pointed_directories(k).first;
  if (camera_at < 8 || camera_at + 2 > k.n) return;
  const uint32_t count = k.u16(size_t(camera_at));
  if (camera_at + 2 + 12 * uint64_t(count) > k.n) return;
  uint8_t* w = exif->data();
  auto put = [&](size_t at, uint32_t v, int bytes) {  // in the block's byte order
    for (int i = 0; i < bytes; ++i)
      w[at + size_t(i)] = uint8_t(v >> (8 * (k.le ? i : bytes - 1 - i)));
  };
  for (uint32_t i = 0; i < count; ++i) {
    const size_t e = size_t(camera_at) + 2 + 12 * size_t(i);
    const uint32_t tag = k.u16(e), type = k.u16(e + 2);
    if ((tag != 40962 && tag != 40963) || k.u32(e + 4) != 1 || (type != 3 && type != 4)) continue;
    const uint32_t v = tag == 40962 ? width : height;
    if (type == 3 && v <= 65535) {
      put(e + 8, v, 2);
      put(e + 10, 0, 2);
    } else {
      put(e + 2, 4, 2);  // LONG
      put(e + 8, v, 4);
    }
  }
}

ExifDirectories exif_directories(const uint8_t* exif, size_t size) {
  ExifDirectories out;
  if (!exif) return out;
  const Block k(exif, size);
  if (!k.ok) return out;
  const auto [camera_at, gps_at] = pointed_directories(k);
  // Reads the directory at `at` into `fields`, swapping each number to little-endian. The
  // values copied are bounded in all (entries of a hostile block may all point at the same
  // long value), and each tag is taken once.
  size_t budget = 4u << 20;
  auto read = [&](uint64_t at, std::vector<TiffField>* fields) {
    if (at < 8 || at + 2 > k.n) return;
    std::vector<bool> seen(65536, false);
    const uint32_t count = k.u16(size_t(at));
    if (at + 2 + 12 * uint64_t(count) > k.n) return;
    // Bytes per number of each type (RATIONALs are two LONGs): 1 BYTE, 2 ASCII, 3 SHORT,
    // 4 LONG, 5 RATIONAL, 6 SBYTE, 7 UNDEFINED, 8 SSHORT, 9 SLONG, 10 SRATIONAL, 11 FLOAT,
    // 12 DOUBLE.
    static const uint8_t kUnit[13] = {0, 1, 1, 2, 4, 4, 1, 1, 2, 4, 4, 4, 8};
    static const uint8_t kPerValue[13] = {0, 1, 1, 1, 1, 2, 1, 1, 1, 1, 2, 1, 1};
    for (uint32_t i = 0; i < count; ++i) {
      const size_t e = size_t(at) + 2 + 12 * size_t(i);
      const uint32_t tag = k.u16(e), type = k.u16(e + 2), n = k.u32(e + 4);
      if (type == 0 || type > 12) continue;
      if (tag == 37500 || tag == 40965 || tag == 34665 || tag == 34853) continue;
      const uint64_t bytes = uint64_t(kUnit[type]) * kPerValue[type] * n;
      if (bytes > budget) continue;
      if (seen[tag]) continue;
      seen[tag] = true;
      const uint64_t from = bytes <= 4 ? e + 8 : k.u32(e + 8);
      if (from + bytes > k.n) continue;
      budget -= size_t(bytes);
      TiffField f{uint16_t(tag), uint16_t(type), n, {}};
      f.values.assign(k.b + from, k.b + from + bytes);
      const size_t unit = kUnit[type];
      if (!k.le && unit > 1)
        for (size_t j = 0; j + unit <= f.values.size(); j += unit)
          std::reverse(f.values.begin() + long(j), f.values.begin() + long(j + unit));
      fields->push_back(std::move(f));
    }
    std::stable_sort(fields->begin(), fields->end(),
                     [](const TiffField& a, const TiffField& b) { return a.tag < b.tag; });
  };
  read(camera_at, &out.camera);
  read(gps_at, &out.gps);
  return out;
}

}  // namespace detail
void carry_record(const ImageInfo& info, const uint8_t* original, size_t size, bool keep_metadata,
                  EncodeOptions* options) {
  if (info.dpi_x > 0 && info.dpi_y > 0) {
    const bool turned = info.exif_orientation >= 5;  // rows became columns
    options->dpi_x = turned ? info.dpi_y : info.dpi_x;
    options->dpi_y = turned ? info.dpi_x : info.dpi_y;
  }
  if (keep_metadata) options->metadata = metadata_for_result(read_metadata(original, size));
}

}  // namespace colorize
