// colorize — images in memory, decoding and encoding.
//
// Decoding uses stb_image (PNG, JPEG baseline + progressive, BMP, GIF first frame, TGA) and
// our own reader for baseline TIFF (first page; uncompressed, LZW, Deflate or PackBits), on
// bytes in memory: the core does no file I/O, so the same code runs natively and in
// WebAssembly. Encoding: our own PNG and TIFF writers (with our own Deflate compressor) and
// stb_image_write for JPEG. EXIF and XMP are read and written here too, so a result keeps
// what its original records; an embedded colour profile is applied on decoding
// (ColourProfile), so an Image is sRGB.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "colorize/status.h"

namespace colorize {

// An 8- or 16-bit image. Samples are interleaved, row-major, no padding:
//   sample(x, y, c) = data[(y * width + x) * channels + c].
// channels: 1 = grey, 2 = grey + alpha, 3 = RGB, 4 = RGBA. Colour samples are sRGB-encoded
// (gamma, not linear); alpha is straight (not premultiplied), 0 = transparent.
// Exactly one of data8 / data16 holds the samples, chosen by bit_depth (8 or 16); 16-bit
// samples span 0..65535. Owns its memory.
struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;
  int bit_depth = 8;
  std::vector<uint8_t> data8;
  std::vector<uint16_t> data16;

  bool empty() const { return width <= 0 || height <= 0 || channels <= 0; }
  bool has_alpha() const { return channels == 2 || channels == 4; }
  bool is_grey() const { return channels <= 2; }
  size_t pixel_count() const { return static_cast<size_t>(width) * static_cast<size_t>(height); }
  size_t sample_count() const { return pixel_count() * static_cast<size_t>(channels); }
  // Sample as a float in [0, 1] (alpha included), for either bit depth. No bounds checks.
  float sample01(int x, int y, int c) const {
    const size_t i = (static_cast<size_t>(y) * width + x) * channels + c;
    return bit_depth == 16 ? data16[i] * (1.0f / 65535.0f) : data8[i] * (1.0f / 255.0f);
  }

  // A zero-filled image; does not check limits (callers that take sizes from outside do).
  static Image make(int width, int height, int channels, int bit_depth = 8);
};

// Default pixel limit: 100 megapixels.
constexpr uint64_t kDefaultMaxPixels = 100'000'000ull;

enum class ImageFormat { kUnknown, kPng, kJpeg, kBmp, kGif, kTga, kTiff };
const char* image_format_name(ImageFormat f);  // "PNG", "JPEG", ...; never null

// The highest resolution a file is taken to state, and an encoder records (pixels per inch).
constexpr double kMaxDpi = 100000;

// The colour a file states for its numbers, and what decode_image does with it (see
// DecodeOptions::convert_to_srgb). Scanners and editors embed ICC profiles: a greyscale
// scan saved with a print profile such as a dot-gain curve is darker in its midtones than
// the same numbers read as sRGB, and a colorized result would come out too light.
enum class ColourProfile {
  kNone,        // none stated: the numbers are taken as sRGB
  kSrgb,        // sRGB (PNG's sRGB chunk, or an ICC profile equal to sRGB): nothing to do
  kConverted,   // converted to sRGB (relative colorimetric): an ICC grey profile (its tone
                // curve), an RGB profile of primaries and tone curves ("matrix/TRC", as
                // displays, cameras and working spaces such as Adobe RGB or Display P3 use),
                // a grey or RGB profile with a device-to-PCS table (lut8, lut16, lutAtoB, as
                // calibrated scanners write), or, with no profile, PNG's gAMA (a power
                // curve; sRGB primaries assumed)
  kNotApplied,  // a profile this reader cannot apply (ImageInfo::profile_note says why, e.g.
                // another colour space or a damaged table): the numbers are taken as sRGB
};
const char* colour_profile_name(ColourProfile p);  // "none", "sRGB", "converted", "not applied"

// What the header says, read without decoding pixels.
struct ImageInfo {
  ImageFormat format = ImageFormat::kUnknown;
  int width = 0;          // as stored, before EXIF orientation
  int height = 0;
  int channels = 0;       // as stored (a palette image reports the channels it expands to)
  int bit_depth = 8;      // 8 or 16
  int exif_orientation = 1;  // 1..8 (JPEG EXIF tag 0x0112, or TIFF's Orientation tag, the
                             // same number); 1 when absent, invalid or another format
  // Resolution the file states, in pixels per inch along its stored rows (x) and columns
  // (y): JPEG JFIF density, PNG pHYs, TIFF X/YResolution. 0 when it states none or only an
  // aspect ratio, or one above kMaxDpi. JPEG without a JFIF density: EXIF's X/YResolution.
  // Read before the pixels, like the rest of the header.
  double dpi_x = 0;
  double dpi_y = 0;
  // Pages in the file (TIFF: its full-size images, up to 256 counted; 1 for the other
  // formats). decode_image decodes the first unless DecodeOptions::page says another.
  int pages = 1;
  // The page's colour profile (DecodeOptions::convert_to_srgb on): its use, its own
  // description (ICC 'desc', printable ASCII, at most 64 characters; empty when none) and,
  // for kNotApplied, why.
  ColourProfile profile = ColourProfile::kNone;
  std::string profile_name;
  std::string profile_note;
};

// How the core spreads independent pieces of work (bands of rows, strips) over threads when a
// caller lets it: calls body(i) for every i in [0, n), possibly on several threads at once,
// and returns when all are done. Empty = one after another on the calling thread. Results are
// the same either way. The core starts no threads itself (it also runs in WebAssembly); the
// CLI passes one that uses the machine's cores. `body` does not throw.
using ParallelFor = std::function<void(size_t n, const std::function<void(size_t)>& body)>;

// Calls body(i) for every i in [0, n): through `parallel_for` when it is set (and n > 1),
// else in order on the calling thread.
inline void for_each_index(const ParallelFor& parallel_for, size_t n,
                           const std::function<void(size_t)>& body) {
  if (parallel_for && n > 1)
    parallel_for(n, body);
  else
    for (size_t i = 0; i < n; ++i) body(i);
}

struct DecodeOptions {
  // Refuse images whose width*height exceeds this, with kTooLarge, before allocating pixels.
  uint64_t max_pixels = kDefaultMaxPixels;
  // Rotate/flip JPEGs and TIFFs per their orientation tag so the result is upright.
  bool apply_exif_orientation = true;
  // Which page of a multi-page TIFF, 1-based (ImageInfo::pages counts them; reduced-
  // resolution copies are not pages). Other formats have one page. A page the file does not
  // have: kInvalidArgument.
  int page = 1;
  // Convert the samples to sRGB by the colour profile the file states (ColourProfile), so
  // that an Image is sRGB as its contract says. Alpha is left as it is. Off: the numbers
  // are taken as sRGB whatever the file says.
  bool convert_to_srgb = true;
  // Where TIFF strips and tiles are decoded (ParallelFor; empty = on the calling thread).
  ParallelFor parallel_for;
};

// Reads only the header; of page `page` (1-based) for a multi-page TIFF: its size, samples,
// resolution, orientation and colour profile (`pages` counts them all).
// Errors: kEmptyInput, kNotAnImage, kTruncated, kUnsupported, kZeroSize; kInvalidArgument for
// a page the file does not have.
Result<ImageInfo> probe_image(const uint8_t* bytes, size_t size, int page = 1);

// Decodes bytes to an Image with the file's own channel count and bit depth (palette PNGs
// and TIFFs expand to RGB/RGBA; 16-bit PNGs and TIFFs stay 16-bit; 1-, 2- and 4-bit grey
// becomes 8-bit). Never crashes on hostile input.
// Errors: kEmptyInput (0 bytes), kNotAnImage, kTruncated, kUnsupported (e.g. CMYK JPEG),
// kTooLarge (checked from the header before any pixel allocation), kZeroSize, kOutOfMemory,
// kInvalidArgument (a page the file does not have).
Result<Image> decode_image(const uint8_t* bytes, size_t size, const DecodeOptions& options = {});

// Descriptive metadata of a photo, carried from an original to its result so that what an
// archive or a camera recorded (date, captions, credits, place) is not lost.
struct Metadata {
  // EXIF as a TIFF-structured block ("II*\0" or "MM\0*" first; JPEG's "Exif\0\0" prefix not
  // included). From a TIFF original: its ImageDescription, Make, Model, DateTime, Artist and
  // Copyright tags as EXIF IFD0 (the same tags), and its camera (ExifIFD) and GPS directories.
  std::vector<uint8_t> exif;
  // An XMP packet (UTF-8 XML) as found; at most 4 MiB is read.
  std::string xmp;
  bool empty() const { return exif.empty() && xmp.empty(); }
};

// Reads EXIF and XMP from JPEG (APP1), PNG (eXIf; iTXt "XML:com.adobe.xmp") or TIFF (the
// tags above; XMP tag 700). Never fails: what is absent, unreadable or another format gives
// empty fields. Reads the whole file's header part, not the pixels.
Metadata read_metadata(const uint8_t* bytes, size_t size);

// What a colorized result of `original` should carry: the EXIF orientation set to 1 (a
// result is upright) and its thumbnail (IFD1, the grey original) unlinked; XMP's
// tiff:Orientation set to 1. EXIF that is not a readable TIFF-structured block is dropped.
Metadata metadata_for_result(const Metadata& original);

// The most EXIF and XMP a JPEG result holds (one APP1 segment each, 64 KiB with its header);
// larger blocks are left out of JPEG results (PNG and TIFF have no such limit).
constexpr size_t kJpegMaxExifBytes = 65527;
constexpr size_t kJpegMaxXmpBytes = 65504;

struct EncodeOptions {
  ImageFormat format = ImageFormat::kPng;  // kPng, kJpeg or kTiff
  int jpeg_quality = 92;                   // 1..100
  // Resolution to record, pixels per inch (PNG pHYs, JPEG JFIF density, TIFF X/YResolution);
  // 0 = none. Both or neither: with only one set, none is written.
  double dpi_x = 0;
  double dpi_y = 0;
  // A note to record (PNG tEXt "Comment", JPEG COM, TIFF ImageDescription), e.g. that the
  // colour is a model's guess. Printable ASCII, at most 1,000 bytes; "" = none.
  std::string comment;
  // Metadata to carry (usually metadata_for_result of the original's). PNG: eXIf and iTXt
  // "XML:com.adobe.xmp". JPEG: APP1 segments (up to kJpegMaxExifBytes / kJpegMaxXmpBytes;
  // larger ones are left out, as a JPEG segment cannot hold them). TIFF: EXIF's text tags
  // (above) as the TIFF's own, the original's ImageDescription ahead of `comment`; its camera
  // and GPS directories as the TIFF's (without the MakerNote, whose private offsets would
  // point astray, and the Interoperability directory); XMP as tag 700. Every writer makes
  // the EXIF's PixelXDimension / PixelYDimension and XMP's exif:PixelX/YDimension and
  // tiff:ImageWidth / ImageLength, where present, state the image written.
  Metadata metadata;
  // State that the samples are sRGB, so that colour-managed programs (which may otherwise
  // take an untagged file to be in their own working space) show them as meant: PNG's sRGB
  // chunk; for JPEG (APP2) and TIFF (tag 34675) a compact sRGB ICC profile of ~500 bytes,
  // made by the core (grey TIFFs: a grey profile of sRGB's tone curve).
  bool tag_srgb = true;
  // Where the PNG writer compresses its bands of rows and the TIFF writer its strips
  // (ParallelFor; empty = on the calling thread). The bytes written are the same either way.
  ParallelFor parallel_for;
};

// Encodes to PNG (keeps alpha; 16-bit images are written as 16-bit PNG), JPEG (8-bit
// baseline; alpha is dropped, 16-bit is rounded to 8) or TIFF (one page, Deflate with the
// horizontal predictor, little-endian; keeps alpha and 16 bits; up to 4 GiB). Errors:
// kInvalidArgument (also for a comment that is not printable ASCII or too long, or a
// resolution out of range).
Result<std::vector<uint8_t>> encode_image(const Image& image, const EncodeOptions& options = {});

// Sets the fields of `options` that carry an original's record on to a result made from it:
// the resolution it states (its axes swapped where decode_image turned the picture upright by
// its EXIF orientation, so that the result prints at the original's size) and, with
// `keep_metadata`, its EXIF and XMP made true of the upright result (metadata_for_result).
// `info`: probe_image of `original` (`size` bytes, the original file's). Other fields are left.
void carry_record(const ImageInfo& info, const uint8_t* original, size_t size, bool keep_metadata,
                  EncodeOptions* options);

// Applies an EXIF orientation (1..8) to an image: the result is upright.
Image apply_orientation(const Image& image, int exif_orientation);

// Converts to 8 bits per sample (rounding), keeping channels. A copy if already 8-bit.
Image to_8bit(const Image& image);

}  // namespace colorize
