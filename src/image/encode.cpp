// encode_image: PNG written here (our own filtering, chunks, CRC and Deflate compressor,
// deflate.h; bands of rows compressed on several threads when asked), JPEG through
// stb_image_write, TIFF by our own writer (tiff_write.cpp).
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "colorize/image.h"
#include "deflate.h"
#include "icc.h"
#include "stb_config.h"
#include "tiff.h"

namespace colorize {
namespace {

struct Sink {
  std::vector<uint8_t>* out;
  bool failed = false;
};

void sink_write(void* context, void* data, int size) {
  Sink* sink = static_cast<Sink*>(context);
  if (sink->failed || size <= 0) return;
  try {
    const uint8_t* p = static_cast<const uint8_t*>(data);
    sink->out->insert(sink->out->end(), p, p + size);
  } catch (const std::bad_alloc&) {
    sink->failed = true;
  }
}

// CRC-32 as PNG defines it (ISO 3309 polynomial, reflected, 0xEDB88320).
struct CrcTable {
  uint32_t t[256];
  CrcTable() {
    for (uint32_t n = 0; n < 256; ++n) {
      uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
  }
};

uint32_t crc32(const uint8_t* p, size_t n, uint32_t crc = 0) {
  static const CrcTable table;
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = table.t[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

void put32(std::vector<uint8_t>& v, uint32_t x) {
  v.push_back(uint8_t(x >> 24));
  v.push_back(uint8_t(x >> 16));
  v.push_back(uint8_t(x >> 8));
  v.push_back(uint8_t(x));
}

void put_chunk(std::vector<uint8_t>& v, const char* type, const uint8_t* data, size_t n) {
  put32(v, static_cast<uint32_t>(n));
  const size_t start = v.size();
  v.insert(v.end(), type, type + 4);
  if (n) v.insert(v.end(), data, data + n);
  put32(v, crc32(v.data() + start, n + 4));
}

// ------------------------------------------------------------------ resolution, comment

bool has_dpi(const EncodeOptions& o) { return o.dpi_x > 0 && o.dpi_y > 0; }

Status check_metadata(const EncodeOptions& o) {
  // NaN fails every comparison, so it is refused by the negated range test.
  if (!(o.dpi_x >= 0 && o.dpi_x <= kMaxDpi) || !(o.dpi_y >= 0 && o.dpi_y <= kMaxDpi))
    return Status(ErrorCode::kInvalidArgument, "resolution outside 0..100000 pixels per inch");
  if (o.comment.size() > 1000)
    return Status(ErrorCode::kInvalidArgument, "comment longer than 1,000 bytes");
  for (char c : o.comment)
    if (c < 0x20 || c > 0x7E)
      return Status(ErrorCode::kInvalidArgument, "comment is not printable ASCII");
  const std::vector<uint8_t>& x = o.metadata.exif;
  if (!x.empty() && (x.size() < 8 || (std::memcmp(x.data(), "II*\0", 4) != 0 &&
                                      std::memcmp(x.data(), "MM\0*", 4) != 0)))
    return Status(ErrorCode::kInvalidArgument,
                  "EXIF to write does not start with a TIFF header (II*\\0 or MM\\0*)");
  if (x.size() > (64u << 20) || o.metadata.xmp.size() > (64u << 20))
    return Status(ErrorCode::kInvalidArgument, "metadata to write is larger than 64 MiB");
  return Status::Ok();
}

// pHYs, eXIf, iTXt (XMP) and tEXt right after IHDR, which both PNG writers put first
// (bytes 8..32).
void add_png_metadata(std::vector<uint8_t>* png, const EncodeOptions& o) {
  std::vector<uint8_t> extra;
  if (o.tag_srgb) {
    const uint8_t perceptual = 0;  // rendering intent
    put_chunk(extra, "sRGB", &perceptual, 1);
  }
  if (has_dpi(o)) {
    std::vector<uint8_t> phys;
    put32(phys, uint32_t(o.dpi_x / 0.0254 + 0.5));  // pixels per metre
    put32(phys, uint32_t(o.dpi_y / 0.0254 + 0.5));
    phys.push_back(1);
    put_chunk(extra, "pHYs", phys.data(), phys.size());
  }
  if (!o.metadata.exif.empty())
    put_chunk(extra, "eXIf", o.metadata.exif.data(), o.metadata.exif.size());
  if (!o.metadata.xmp.empty()) {
    // iTXt: keyword, NUL, not compressed (0, 0), no language, no translated keyword, text.
    static const char kKey[] = "XML:com.adobe.xmp";
    std::vector<uint8_t> itxt(kKey, kKey + sizeof kKey);
    itxt.insert(itxt.end(), {0, 0, 0, 0});
    itxt.insert(itxt.end(), o.metadata.xmp.begin(), o.metadata.xmp.end());
    put_chunk(extra, "iTXt", itxt.data(), itxt.size());
  }
  if (!o.comment.empty()) {
    std::vector<uint8_t> text = {'C', 'o', 'm', 'm', 'e', 'n', 't', 0};
    text.insert(text.end(), o.comment.begin(), o.comment.end());
    put_chunk(extra, "tEXt", text.data(), text.size());
  }
  if (!extra.empty() && png->size() >= 33)
    png->insert(png->begin() + 33, extra.begin(), extra.end());
}

// The density of stb's JFIF header (SOI, then APP0 "JFIF\0", version, units, X, Y), then
// APP1 segments for EXIF and XMP (each left out when a segment cannot hold it) and a COM
// segment.
void add_jpeg_metadata(std::vector<uint8_t>* jpg, const EncodeOptions& o) {
  std::vector<uint8_t>& j = *jpg;
  size_t at = 2;
  if (j.size() >= 20 && j[2] == 0xFF && j[3] == 0xE0 && std::memcmp(&j[6], "JFIF\0", 5) == 0) {
    at = 4 + ((size_t(j[4]) << 8) | j[5]);
    if (has_dpi(o)) {
      auto density = [](double dpi) {
        const long v = long(dpi + 0.5);
        return uint16_t(v < 1 ? 1 : v > 65535 ? 65535 : v);
      };
      const uint16_t x = density(o.dpi_x), y = density(o.dpi_y);
      j[13] = 1;  // dots per inch
      j[14] = uint8_t(x >> 8);
      j[15] = uint8_t(x);
      j[16] = uint8_t(y >> 8);
      j[17] = uint8_t(y);
    }
  }
  if (at > j.size()) return;
  std::vector<uint8_t> segments;
  auto segment = [&](uint8_t marker, const char* id, size_t id_len, const uint8_t* data, size_t n) {
    const size_t len = 2 + id_len + n;
    if (len > 65535) return;  // a segment's length is 16 bits
    segments.insert(segments.end(), {0xFF, marker, uint8_t(len >> 8), uint8_t(len)});
    segments.insert(segments.end(), id, id + id_len);
    segments.insert(segments.end(), data, data + n);
  };
  if (o.tag_srgb) {  // APP2 "ICC_PROFILE\0", part 1 of 1; stb writes 3 components, also for grey
    const std::vector<uint8_t>& icc = detail::srgb_icc_profile(false);
    static const char kIccId[] = "ICC_PROFILE\0\1\1";
    segment(0xE2, kIccId, sizeof kIccId - 1, icc.data(), icc.size());
  }
  const Metadata& m = o.metadata;
  if (!m.exif.empty()) segment(0xE1, "Exif\0\0", 6, m.exif.data(), m.exif.size());
  if (!m.xmp.empty()) {
    static const char kXmpId[] = "http://ns.adobe.com/xap/1.0/";  // with its NUL
    segment(0xE1, kXmpId, sizeof kXmpId, reinterpret_cast<const uint8_t*>(m.xmp.data()),
            m.xmp.size());
  }
  if (!o.comment.empty())
    segment(0xFE, "", 0, reinterpret_cast<const uint8_t*>(o.comment.data()), o.comment.size());
  j.insert(j.begin() + long(at), segments.begin(), segments.end());
}

uint8_t paeth(int a, int b, int c) {
  const int p = a + b - c;
  const int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return uint8_t(a);
  return pb <= pc ? uint8_t(b) : uint8_t(c);
}

// Applies PNG filter f (0 none, 1 sub, 2 up, 3 average, 4 Paeth) to one row of len bytes
// with bpp bytes per pixel; `prev` is the previous unfiltered row, or null for the first.
void apply_filter(int f, const uint8_t* row, const uint8_t* prev, size_t len, size_t bpp,
                  uint8_t* out) {
  if (!prev) {
    // Above the first row everything is zero: up = none, average = sub with a / 2,
    // Paeth = sub.
    for (size_t i = 0; i < len; ++i) {
      const int a = i >= bpp ? row[i - bpp] : 0;
      const int pred = f == 1 || f == 4 ? a : f == 3 ? a / 2 : 0;
      out[i] = uint8_t(row[i] - pred);
    }
    return;
  }
  switch (f) {
    case 0:
      std::memcpy(out, row, len);
      break;
    case 1:
      for (size_t i = 0; i < len; ++i) out[i] = uint8_t(row[i] - (i >= bpp ? row[i - bpp] : 0));
      break;
    case 2:
      for (size_t i = 0; i < len; ++i) out[i] = uint8_t(row[i] - prev[i]);
      break;
    case 3:
      for (size_t i = 0; i < len; ++i)
        out[i] = uint8_t(row[i] - ((i >= bpp ? row[i - bpp] : 0) + prev[i]) / 2);
      break;
    default:
      for (size_t i = 0; i < bpp && i < len; ++i) out[i] = uint8_t(row[i] - prev[i]);
      for (size_t i = bpp; i < len; ++i)
        out[i] = uint8_t(row[i] - paeth(row[i - bpp], prev[i], prev[i - bpp]));
      break;
  }
}

// Filters one row with each of the five filters and keeps the one with the smallest sum of
// absolute signed bytes (the usual heuristic). out[0] receives the filter type.
void filter_row(const uint8_t* row, const uint8_t* prev, size_t len, size_t bpp, uint8_t* out,
                std::vector<uint8_t>& scratch) {
  scratch.resize(len);
  uint64_t best = UINT64_MAX;
  for (int f = 0; f < 5; ++f) {
    apply_filter(f, row, prev, len, bpp, scratch.data());
    uint64_t cost = 0;
    for (size_t i = 0; i < len; ++i) {
      const uint8_t v = scratch[i];
      cost += v < 128 ? v : 256 - v;
    }
    if (cost < best) {
      best = cost;
      out[0] = uint8_t(f);
      std::memcpy(out + 1, scratch.data(), len);
    }
  }
}

// Uncompressed bytes (filtered rows) per band: each band of rows is filtered and compressed
// on its own (see deflate.h), on several threads when EncodeOptions::parallel_for is given.
constexpr size_t kPngBandTarget = 512 * 1024;

// The PNG: signature, IHDR, the zlib stream made of the bands' pieces (one IDAT chunk per
// band), IEND. 8- or 16-bit samples (16-bit big-endian, as PNG stores them); every row
// filtered with the filter filter_row picks.
std::vector<uint8_t> write_png(const Image& im, const EncodeOptions& o) {
  const size_t c = size_t(im.channels);
  const size_t bytes_per_sample = size_t(im.bit_depth / 8);
  const size_t row_bytes = size_t(im.width) * c * bytes_per_sample;
  const size_t rows_per_band =
      std::max<size_t>(1, std::min<size_t>(kPngBandTarget / (row_bytes + 1), size_t(im.height)));
  const size_t bands = (size_t(im.height) + rows_per_band - 1) / rows_per_band;

  // One row's samples as PNG stores them (16-bit: big-endian).
  auto row_bytes_of = [&](int y, uint8_t* out) {
    const size_t n = size_t(im.width) * c;
    if (im.bit_depth == 8) {
      std::memcpy(out, &im.data8[size_t(y) * n], n);
      return;
    }
    const uint16_t* src = &im.data16[size_t(y) * n];
    for (size_t i = 0; i < n; ++i) {
      out[2 * i] = uint8_t(src[i] >> 8);
      out[2 * i + 1] = uint8_t(src[i] & 0xFF);
    }
  };
  struct Band {
    std::vector<uint8_t> z;
    uint32_t adler = 1;
    size_t raw = 0;
    bool failed = false;
  };
  std::vector<Band> done(bands);
  auto compress = [&](size_t b) {
    Band& band = done[b];
    try {
      const int y0 = int(b * rows_per_band);
      const int y1 = int(std::min(size_t(im.height), (b + 1) * rows_per_band));
      std::vector<uint8_t> raw(size_t(y1 - y0) * (row_bytes + 1));
      std::vector<uint8_t> cur(row_bytes), prev(row_bytes), scratch;
      if (y0 > 0) row_bytes_of(y0 - 1, prev.data());
      for (int y = y0; y < y1; ++y) {
        row_bytes_of(y, cur.data());
        filter_row(cur.data(), y ? prev.data() : nullptr, row_bytes, c * bytes_per_sample,
                   &raw[size_t(y - y0) * (row_bytes + 1)], scratch);
        std::swap(cur, prev);
      }
      band.raw = raw.size();
      band.adler = detail::adler32(raw.data(), raw.size());
      band.z.reserve(raw.size() / 2);
      detail::deflate_piece(raw.data(), raw.size(), b + 1 == bands, &band.z);
    } catch (const std::bad_alloc&) {
      band.failed = true;  // reported below
    }
  };
  for_each_index(o.parallel_for, bands, compress);

  size_t zbytes = 6;
  uint32_t adler = 1;
  for (const Band& band : done) {
    if (band.failed) throw std::bad_alloc();
    zbytes += band.z.size();
    adler = detail::adler32_combine(adler, band.adler, band.raw);
  }

  std::vector<uint8_t> png;
  static const uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  static const uint8_t kColorType[5] = {0, 0, 4, 2, 6};  // by channel count
  png.reserve(zbytes + 12 * bands + 64);
  png.insert(png.end(), kSignature, kSignature + 8);
  std::vector<uint8_t> ihdr;
  put32(ihdr, uint32_t(im.width));
  put32(ihdr, uint32_t(im.height));
  ihdr.push_back(uint8_t(im.bit_depth));
  ihdr.push_back(kColorType[im.channels]);
  ihdr.push_back(0);  // deflate
  ihdr.push_back(0);  // adaptive filtering
  ihdr.push_back(0);  // not interlaced
  put_chunk(png, "IHDR", ihdr.data(), ihdr.size());
  // The zlib stream, one IDAT chunk per band (a band's piece is far below a chunk's 2 GiB
  // limit); the stream's header goes in the first, its Adler-32 in the last.
  for (size_t b = 0; b < bands; ++b) {
    std::vector<uint8_t>& z = done[b].z;
    if (b == 0) {
      std::vector<uint8_t> header;
      detail::zlib_header(&header);
      z.insert(z.begin(), header.begin(), header.end());
    }
    if (b + 1 == bands) detail::zlib_trailer(adler, &z);
    put_chunk(png, "IDAT", z.data(), z.size());
    std::vector<uint8_t>().swap(z);
  }
  put_chunk(png, "IEND", nullptr, 0);
  return png;
}

}  // namespace

namespace {

// The format's writer, with options whose metadata fits the image (see encode_image).
Result<std::vector<uint8_t>> encode_fitted(const Image& image, const EncodeOptions& options) {
  if (options.format == ImageFormat::kPng) {
    try {
      std::vector<uint8_t> out = write_png(image, options);
      add_png_metadata(&out, options);
      return out;
    } catch (const std::bad_alloc&) {
      return Status(ErrorCode::kOutOfMemory, "not enough memory to encode the PNG");
    }
  }

  if (options.format == ImageFormat::kJpeg) {
    if (options.jpeg_quality < 1 || options.jpeg_quality > 100)
      return Status(ErrorCode::kInvalidArgument,
                    "JPEG quality " + std::to_string(options.jpeg_quality) + " is outside 1..100");
    if (image.width > 65535 || image.height > 65535)
      return Status(ErrorCode::kInvalidArgument,
                    "JPEG cannot store an image wider or taller than 65535 pixels");
    try {
      // 8-bit samples with alpha dropped (stb would ignore it; doing it here makes it explicit).
      const Image* src = &image;
      Image eight;
      if (image.bit_depth == 16) {
        eight = to_8bit(image);
        src = &eight;
      }
      const int c = image.channels;
      const int out_c = (c == 2 || c == 4) ? c - 1 : c;
      std::vector<uint8_t> opaque;
      const uint8_t* data = src->data8.data();
      if (out_c != c) {
        const size_t count = src->pixel_count();
        opaque.resize(count * size_t(out_c));
        for (size_t i = 0; i < count; ++i)
          std::memcpy(&opaque[i * out_c], &src->data8[i * c], size_t(out_c));
        data = opaque.data();
      }
      std::vector<uint8_t> out;
      Sink sink{&out};
      const int ok = stbi_write_jpg_to_func(sink_write, &sink, image.width, image.height, out_c,
                                            data, options.jpeg_quality);
      if (!ok || sink.failed) return Status(ErrorCode::kOutOfMemory, "JPEG encoding failed");
      add_jpeg_metadata(&out, options);
      return out;
    } catch (const std::bad_alloc&) {
      return Status(ErrorCode::kOutOfMemory, "not enough memory to encode the JPEG");
    }
  }
  if (options.format == ImageFormat::kTiff) return detail::encode_tiff(image, options);
  return Status(ErrorCode::kInvalidArgument, std::string("cannot encode to ") +
                                                 image_format_name(options.format) +
                                                 "; only PNG, JPEG and TIFF");
}

}  // namespace

Result<std::vector<uint8_t>> encode_image(const Image& image, const EncodeOptions& requested) {
  if (image.empty())
    return Status(ErrorCode::kInvalidArgument, "cannot encode an empty image (" +
                                                   std::to_string(image.width) + " x " +
                                                   std::to_string(image.height) + ")");
  if (image.channels > 4)
    return Status(ErrorCode::kInvalidArgument,
                  "cannot encode " + std::to_string(image.channels) + " channels (1 to 4)");
  if (image.bit_depth != 8 && image.bit_depth != 16)
    return Status(ErrorCode::kInvalidArgument,
                  "cannot encode bit depth " + std::to_string(image.bit_depth) + " (8 or 16)");
  const size_t have = image.bit_depth == 16 ? image.data16.size() : image.data8.size();
  if (have != image.sample_count())
    return Status(ErrorCode::kInvalidArgument, "the image holds " + std::to_string(have) +
                                                   " samples, its size says " +
                                                   std::to_string(image.sample_count()));

  const Status meta = check_metadata(requested);
  if (!meta.ok()) return meta;
  if (!requested.metadata.empty()) {
    // The EXIF and XMP written state this image's pixel size (the original's may be on its
    // side, or larger where the picture was downscaled on the way in).
    EncodeOptions sized;
    try {
      sized = requested;
      detail::set_exif_pixel_size(&sized.metadata.exif, uint32_t(image.width),
                                  uint32_t(image.height));
      detail::set_xmp_pixel_size(&sized.metadata.xmp, uint32_t(image.width),
                                 uint32_t(image.height));
    } catch (const std::bad_alloc&) {
      return Status(ErrorCode::kOutOfMemory, "not enough memory for the metadata");
    }
    return encode_fitted(image, sized);
  }
  return encode_fitted(image, requested);
}

}  // namespace colorize
