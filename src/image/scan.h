// Internal: our own structural reading of the formats, before stb sees the bytes (TIFF,
// which stb does not read, has its own reader: tiff.h).
// It finds the format, the header facts (size, channels, bit depth, EXIF orientation) and,
// for a full scan, checks that the data the decoder will read is all present, so a file
// that ends early is reported as truncated instead of decoded with grey or zero fill.
// Every read is bounds-checked against `size`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "colorize/image.h"
#include "colorize/status.h"

namespace colorize {
namespace detail {

enum class ScanDepth {
  kHeader,  // just enough to fill ImageInfo
  kWhole,   // also check that every byte the decoder needs is there
};

struct ScanResult {
  ImageInfo info;
  // GIF only: true when the first frame has a transparent colour or leaves part of the
  // screen uncovered, so its decoded alpha matters; false means alpha is all opaque.
  bool gif_alpha = false;
  // TIFF only: where the page's ICC profile (tag 34675) lies in the file (size 0: none),
  // and whether its grey is stored inverted (WhiteIsZero).
  size_t icc_at = 0, icc_size = 0;
  bool tiff_white_is_zero = false;
};

// `page`: which page of a TIFF (1-based); other formats have one, and page must be 1.
// Errors: kEmptyInput, kNotAnImage, kTruncated, kUnsupported, kZeroSize; kInvalidArgument for
// a page the file does not have.
Status scan_image(const uint8_t* bytes, size_t size, ScanDepth depth, ScanResult* out,
                  int page = 1);

// Unsigned integers from bytes, big- or little-endian (no bounds checks: callers check).
inline uint32_t be16(const uint8_t* p) { return (uint32_t(p[0]) << 8) | p[1]; }
inline uint32_t be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}
inline uint32_t le16(const uint8_t* p) { return uint32_t(p[0]) | (uint32_t(p[1]) << 8); }
inline uint32_t le32(const uint8_t* p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}

// The readers' messages, one wording for every format (fmt: "PNG", "TIFF", ...).
std::string num(uint64_t v);
Status truncated(const char* fmt, const std::string& where);  // kTruncated
Status corrupt(const char* fmt, const std::string& what);     // kNotAnImage
Status zero_size(const char* fmt, uint64_t w, uint64_t h);    // kZeroSize

// What a JPEG APP1 segment that starts with "Exif\0\0" says of the picture, from IFD0:
// the orientation (tag 0x0112; 1..8, or 0 when absent, invalid or out of bounds) and the
// resolution (X/YResolution in ResolutionUnit's inches or centimetres, as pixels per inch;
// 0 when absent, zero or without a unit).
struct ExifHeader {
  int orientation = 0;
  double dpi_x = 0, dpi_y = 0;
};
ExifHeader parse_exif_header(const uint8_t* app1_payload, size_t size);

}  // namespace detail
}  // namespace colorize
