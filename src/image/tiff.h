// Internal: baseline TIFF, the format scanners and archives write, read by our own code
// (stb has no TIFF reader). The first image of the file only (a multi-page TIFF gives its
// first page). Supported: byte order II and MM; strips or tiles; chunky or planar samples;
// no compression, LZW (with or without the horizontal predictor), Deflate, PackBits;
// grey (BlackIsZero or WhiteIsZero) at 1, 2, 4, 8 or 16 bits, RGB at 8 or 16 bits, palette
// at 1 to 8 bits; an extra alpha sample, straight or premultiplied (delivered straight);
// the Orientation tag (274, the same values as EXIF's). Not supported, each with its own
// message: BigTIFF, JPEG or fax compression, CMYK, YCbCr, CIELab, float or signed samples.
// Every read is bounds-checked against `size`.
#pragma once

#include <cstddef>
#include <cstdint>

#include "colorize/image.h"
#include "colorize/status.h"
#include "scan.h"

namespace colorize {
namespace detail {

// Reads the first directory (and, for kWhole, checks every strip or tile the image needs is
// inside the file). Called by scan_image for "II*\0" and "MM\0*". Never allocates.
Status scan_tiff(const uint8_t* bytes, size_t size, ScanDepth depth, ScanResult* out);

// Decodes the first image as stored: 8- or 16-bit samples (sub-8-bit grey is scaled to 8
// bits, palette expands to RGB), the Orientation tag not applied. The caller has checked
// the pixel limit from scan_tiff's header facts.
// Errors: as scan_tiff, plus kNotAnImage for invalid compressed data, kOutOfMemory.
Result<Image> decode_tiff(const uint8_t* bytes, size_t size);

}  // namespace detail
}  // namespace colorize
