// Our own baseline TIFF writer (see tiff.h): what archives keep their masters in. One
// little-endian image: grey or RGB, with or without a straight alpha sample, 8 or 16 bits,
// Deflate-compressed strips with the horizontal predictor (readable by libtiff, PIL,
// ImageMagick, GIMP, Photoshop, and by our reader); resolution, a description, the
// original's text tags and XMP on request.
//
// File layout: header (8 bytes) | strips | the camera and GPS directories carried from the
// original, each after its out-of-line values | the main directory's values | the directory.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "deflate.h"
#include "icc.h"
#include "tiff.h"

namespace colorize {
namespace detail {
namespace {

// Uncompressed bytes per strip the writer aims at: small enough to decode a part of the
// picture alone, large enough for Deflate to find its matches.
constexpr size_t kStripTarget = 256 * 1024;

void put16(std::vector<uint8_t>& v, uint32_t x) {
  v.push_back(uint8_t(x));
  v.push_back(uint8_t(x >> 8));
}
void put32(std::vector<uint8_t>& v, uint32_t x) {
  put16(v, x & 0xFFFF);
  put16(v, x >> 16);
}

// A directory entry (tiff.h): values inline when they fit in 4 bytes, else written before
// the directory (word-aligned) and pointed at.
using Entry = TiffField;

Entry shorts(uint16_t tag, const std::vector<uint32_t>& xs) {
  Entry e{tag, 3, uint32_t(xs.size()), {}};
  for (uint32_t x : xs) put16(e.values, x);
  return e;
}
Entry longs(uint16_t tag, const std::vector<uint32_t>& xs) {
  Entry e{tag, 4, uint32_t(xs.size()), {}};
  for (uint32_t x : xs) put32(e.values, x);
  return e;
}
// Pixels per inch as a fraction: whole numbers over 1, others over 10,000.
Entry rational(uint16_t tag, double dpi) {
  Entry e{tag, 5, 1, {}};
  const double whole = std::floor(dpi + 0.5);
  if (std::fabs(dpi - whole) < 1e-9) {
    put32(e.values, uint32_t(whole));
    put32(e.values, 1);
  } else {
    put32(e.values, uint32_t(std::floor(dpi * 10000 + 0.5)));
    put32(e.values, 10000);
  }
  return e;
}
Entry ascii(uint16_t tag, const std::string& s) {
  Entry e{tag, 2, uint32_t(s.size() + 1), std::vector<uint8_t>(s.begin(), s.end())};
  e.values.push_back(0);
  return e;
}

// One row's samples, little-endian, with the horizontal predictor applied (each sample
// minus the same sample of the pixel to its left, modulo 2^bits).
void predict_row(const Image& im, int y, uint8_t* out) {
  const size_t c = size_t(im.channels);
  const size_t n = size_t(im.width) * c;
  const size_t at = size_t(y) * n;
  if (im.bit_depth == 8) {
    const uint8_t* s = &im.data8[at];
    for (size_t i = 0; i < n; ++i) out[i] = uint8_t(s[i] - (i >= c ? s[i - c] : 0));
  } else {
    const uint16_t* s = &im.data16[at];
    for (size_t i = 0; i < n; ++i) {
      const uint16_t d = uint16_t(s[i] - (i >= c ? s[i - c] : 0));
      out[2 * i] = uint8_t(d);
      out[2 * i + 1] = uint8_t(d >> 8);
    }
  }
}

Status too_large() {
  return Status(ErrorCode::kInvalidArgument,
                "the TIFF would be larger than 4 GiB (BigTIFF is not written); "
                "save it as PNG instead");
}

}  // namespace

Status write_directory(std::vector<Entry> entries, std::vector<uint8_t>& out, uint32_t* at) {
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.tag < b.tag; });
  std::vector<uint32_t> value_at(entries.size(), 0);
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].values.size() <= 4) continue;
    if (out.size() & 1) out.push_back(0);
    if (out.size() + entries[i].values.size() > size_t(UINT32_MAX)) return too_large();
    value_at[i] = uint32_t(out.size());
    out.insert(out.end(), entries[i].values.begin(), entries[i].values.end());
  }
  if (out.size() & 1) out.push_back(0);
  if (out.size() + 2 + 12 * entries.size() + 4 > size_t(UINT32_MAX)) return too_large();
  *at = uint32_t(out.size());
  put16(out, uint32_t(entries.size()));
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    put16(out, e.tag);
    put16(out, e.type);
    put32(out, e.count);
    if (e.values.size() <= 4) {
      std::vector<uint8_t> inline_values = e.values;
      inline_values.resize(4, 0);
      out.insert(out.end(), inline_values.begin(), inline_values.end());
    } else {
      put32(out, value_at[i]);
    }
  }
  put32(out, 0);  // no next directory: one page
  return Status::Ok();
}

Result<std::vector<uint8_t>> encode_tiff(const Image& im, const EncodeOptions& o) {
  const size_t bytes_per_sample = size_t(im.bit_depth / 8);
  const uint64_t row_bytes = uint64_t(im.width) * uint64_t(im.channels) * bytes_per_sample;
  if (row_bytes > uint64_t(INT_MAX) / 2)
    return Status(ErrorCode::kInvalidArgument, "the image is too wide to encode as TIFF here");
  const uint32_t rows_per_strip =
      uint32_t(std::max<uint64_t>(1, std::min<uint64_t>(kStripTarget / row_bytes, im.height)));
  const uint32_t strips = uint32_t((uint64_t(im.height) + rows_per_strip - 1) / rows_per_strip);

  try {
    // Strips are compressed independently (through options.parallel_for when given), then
    // laid out in order.
    struct Compressed {
      std::vector<uint8_t> z;
      bool failed = false;
    };
    std::vector<Compressed> done(strips);
    auto compress = [&](size_t s) {
      const int y0 = int(uint64_t(s) * rows_per_strip);
      const int y1 = std::min(im.height, y0 + int(rows_per_strip));
      try {
        std::vector<uint8_t> raw(size_t(y1 - y0) * size_t(row_bytes));
        for (int y = y0; y < y1; ++y) predict_row(im, y, &raw[size_t(y - y0) * size_t(row_bytes)]);
        done[s].z = zlib_compress(raw.data(), raw.size());
      } catch (const std::bad_alloc&) {
        done[s].failed = true;  // reported below
      }
    };
    for_each_index(o.parallel_for, strips, compress);

    std::vector<uint8_t> out = {'I', 'I', 42, 0, 0, 0, 0, 0};  // IFD offset patched below
    std::vector<uint32_t> offsets, counts;
    offsets.reserve(strips);
    counts.reserve(strips);
    uint64_t total = out.size();
    for (const Compressed& c : done) {
      if (c.failed)
        return Status(ErrorCode::kOutOfMemory, "not enough memory to compress the TIFF");
      total += uint64_t(c.z.size());
    }
    // Offsets are 32-bit: past 4 GiB a file would need BigTIFF, which this writer does not
    // write (PNG has no such limit).
    if (total + 65536 > uint64_t(UINT32_MAX)) return too_large();
    out.reserve(size_t(total) + 4096);
    for (const Compressed& c : done) {
      offsets.push_back(uint32_t(out.size()));
      counts.push_back(uint32_t(c.z.size()));
      out.insert(out.end(), c.z.begin(), c.z.end());
    }

    const bool grey = im.channels <= 2;
    const uint32_t spp = uint32_t(im.channels);
    std::vector<Entry> entries;          // sorted by write_directory
    entries.push_back(longs(254, {0}));  // NewSubfileType: a full-resolution image
    entries.push_back(longs(256, {uint32_t(im.width)}));
    entries.push_back(longs(257, {uint32_t(im.height)}));
    entries.push_back(shorts(258, std::vector<uint32_t>(spp, uint32_t(im.bit_depth))));
    entries.push_back(shorts(259, {8}));               // Compression: Deflate
    entries.push_back(shorts(262, {grey ? 1u : 2u}));  // BlackIsZero or RGB
    // The original's text tags (carried as EXIF IFD0), its description ahead of the note.
    std::string description = o.comment;
    for (const auto& [tag, text] : exif_text_tags(o.metadata.exif)) {
      if (tag == 270)
        description = o.comment.empty() ? text : text + "\n" + o.comment;
      else
        entries.push_back(ascii(tag, text));
    }
    if (!description.empty()) entries.push_back(ascii(270, description));  // ImageDescription
    entries.push_back(longs(273, offsets));                                // StripOffsets
    entries.push_back(shorts(277, {spp}));                                 // SamplesPerPixel
    entries.push_back(longs(278, {rows_per_strip}));
    entries.push_back(longs(279, counts));  // StripByteCounts
    if (o.dpi_x > 0 && o.dpi_y > 0) {
      entries.push_back(rational(282, o.dpi_x));
      entries.push_back(rational(283, o.dpi_y));
    }
    entries.push_back(shorts(284, {1}));  // PlanarConfiguration: chunky
    if (o.dpi_x > 0 && o.dpi_y > 0) entries.push_back(shorts(296, {2}));  // inches
    entries.push_back(shorts(317, {2}));                                  // Predictor: horizontal
    if (im.has_alpha()) entries.push_back(shorts(338, {2}));  // ExtraSamples: straight alpha
    if (o.tag_srgb) {                                         // InterColorProfile: UNDEFINED bytes
      const std::vector<uint8_t>& icc = srgb_icc_profile(grey);
      entries.push_back(Entry{34675, 7, uint32_t(icc.size()), icc});
    }
    if (!o.metadata.xmp.empty()) {  // XMP: BYTE values, as the XMP specification says
      Entry x{700, 1, uint32_t(o.metadata.xmp.size()), {}};
      x.values.assign(o.metadata.xmp.begin(), o.metadata.xmp.end());
      entries.push_back(std::move(x));
    }
    // The original's camera and GPS directories (date taken, exposure, place), as this
    // file's own, pointed at from the main directory.
    const ExifDirectories sub = exif_directories(o.metadata.exif.data(), o.metadata.exif.size());
    for (const auto& [tag, fields] :
         {std::pair{uint16_t(34665), &sub.camera}, std::pair{uint16_t(34853), &sub.gps}}) {
      if (fields->empty()) continue;
      uint32_t at = 0;
      const Status st = write_directory(*fields, out, &at);
      if (!st.ok()) return st;
      entries.push_back(longs(tag, {at}));
    }
    uint32_t ifd = 0;
    const Status st = write_directory(std::move(entries), out, &ifd);
    if (!st.ok()) return st;
    out[4] = uint8_t(ifd);
    out[5] = uint8_t(ifd >> 8);
    out[6] = uint8_t(ifd >> 16);
    out[7] = uint8_t(ifd >> 24);
    return out;
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::kOutOfMemory, "not enough memory to encode the TIFF");
  }
}

}  // namespace detail
}  // namespace colorize
