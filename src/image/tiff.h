// Internal: baseline TIFF, the format scanners and archives write, read by our own code
// (stb has no TIFF reader). One page at a time (the first unless another is asked for). Supported:
// byte order II and MM; strips or tiles; chunky or planar samples; no compression, LZW (with or
// without the horizontal predictor), Deflate, PackBits; grey (BlackIsZero or WhiteIsZero) at 1, 2,
// 4, 8 or 16 bits, RGB at 8 or 16 bits, palette at 1 to 8 bits; an extra alpha sample, straight or
// premultiplied (delivered straight); the Orientation tag (274, the same values as EXIF's). Not
// supported, each with its own message: BigTIFF, JPEG or fax compression, CMYK, YCbCr, CIELab,
// float or signed samples. Every read is bounds-checked against `size`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "colorize/image.h"
#include "colorize/status.h"
#include "scan.h"

namespace colorize {
namespace detail {

// The bytes of a TIFF-structured block (a TIFF file, or EXIF) in its byte order, with
// unsigned readers (no bounds checks: callers check against n).
struct TiffBytes {
  const uint8_t* b;
  size_t n;
  bool le;  // "II": little-endian; "MM": big-endian
  uint32_t u16(size_t off) const { return le ? le16(b + off) : be16(b + off); }
  uint32_t u32(size_t off) const { return le ? le32(b + off) : be32(b + off); }
};

// Reads the directory of page `page` (1-based: the first directory, then the later ones that
// are not reduced-resolution copies; and, for kWhole, checks every strip or tile the image
// needs is inside the file). Called by scan_image for "II*\0" and "MM\0*". Never allocates.
// A page the file does not have: kInvalidArgument.
Status scan_tiff(const uint8_t* bytes, size_t size, ScanDepth depth, ScanResult* out, int page = 1);

// Decodes page `page`'s image as stored: 8- or 16-bit samples (sub-8-bit grey is scaled to 8
// bits, palette expands to RGB), the Orientation tag not applied. The caller has checked
// the pixel limit from scan_tiff's header facts.
// Blocks (strips, tiles) are decoded through `parallel_for` when given (the same image).
// Errors: as scan_tiff, plus kNotAnImage for invalid compressed data, kOutOfMemory.
Result<Image> decode_tiff(const uint8_t* bytes, size_t size, int page = 1,
                          const ParallelFor& parallel_for = {});

// Writes `image` (checked by encode_image: 1 to 4 channels, 8 or 16 bits, samples present)
// as one little-endian TIFF page: BlackIsZero grey or RGB, an alpha sample marked straight
// (ExtraSamples 2), Deflate strips with the horizontal predictor; X/YResolution in inches
// and ImageDescription from `options` when set (encode_image has checked them); the text
// tags of options.metadata.exif as TIFF tags (its ImageDescription ahead of the comment) and
// its XMP as tag 700.
// Errors: kInvalidArgument past 4 GiB (BigTIFF is not written), kOutOfMemory.
Result<std::vector<uint8_t>> encode_tiff(const Image& image, const EncodeOptions& options);

// One directory entry with its values, little-endian (count * size of type bytes).
struct TiffField {
  uint16_t tag = 0;
  uint16_t type = 0;  // TIFF 6.0 field types: 1 BYTE, 2 ASCII, 3 SHORT, 4 LONG, 5 RATIONAL, ...
  uint32_t count = 0;
  std::vector<uint8_t> values;
};

// Appends `entries` (sorted here into ascending tag order, as TIFF requires) to a
// little-endian TIFF-structured block `out` as a directory with no next one, its
// out-of-line values first (word-aligned); *at receives the directory's offset.
// Errors: kInvalidArgument past 4 GiB. Defined in tiff_write.cpp.
Status write_directory(std::vector<TiffField> entries, std::vector<uint8_t>& out, uint32_t* at);

// The camera (ExifIFD, pointed at by tag 34665) and GPS (34853) directories of an EXIF
// block, their values turned little-endian, for a TIFF writer to store as its own. Left
// out: pointers to further directories (Interoperability) and the MakerNote, whose private
// offsets would point astray once moved; entries of unknown types or outside the block.
// Defined in metadata.cpp.
struct ExifDirectories {
  std::vector<TiffField> camera, gps;
};
ExifDirectories exif_directories(const uint8_t* exif, size_t size);

// The text tags (ImageDescription, Make, Model, DateTime, Artist, Copyright) of an EXIF
// block's IFD0, ascending, each up to its first NUL; empty ones and unreadable blocks give
// none. Defined in metadata.cpp.
std::vector<std::pair<uint16_t, std::string>> exif_text_tags(const std::vector<uint8_t>& exif);

// Makes the camera directory's PixelXDimension and PixelYDimension (tags 40962, 40963; one
// SHORT or LONG each), where present, state width and height, in place (a SHORT becomes a
// LONG when the size needs it). Other blocks and directories are left as they are. Defined
// in metadata.cpp.
void set_exif_pixel_size(std::vector<uint8_t>* exif, uint32_t width, uint32_t height);

// The same for XMP: exif:PixelXDimension, exif:PixelYDimension, tiff:ImageWidth and
// tiff:ImageLength, as attributes or elements, where present. Defined in metadata.cpp.
void set_xmp_pixel_size(std::string* xmp, uint32_t width, uint32_t height);

}  // namespace detail
}  // namespace colorize
