// probe_image and decode_image: our structural scan first (format, size, limits,
// completeness), then stb_image for the pixels (TIFF: our own reader, tiff.h).
#include <climits>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "alloc_cap.h"
#include "colorize/image.h"
#include "icc.h"
#include "scan.h"
#include "stb_config.h"
#include "tiff.h"

namespace colorize {
namespace {

struct StbFree {
  void operator()(void* p) const { stbi_image_free(p); }
};

std::string megapixels(uint64_t pixels) {
  if (pixels < 100000) return std::to_string(pixels) + " pixels";
  const uint64_t tenths = (pixels + 50000) / 100000;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " megapixels";
}

// stb's short failure reason, kept printable (one of them embeds raw chunk-type bytes).
std::string stb_reason() {
  const char* r = stbi_failure_reason();
  std::string s;
  for (; r && *r && s.size() < 64; ++r) s += (*r >= 0x20 && *r < 0x7F) ? *r : '?';
  return s.empty() ? "unknown error" : s;
}

Status classify_stb_failure(const char* fmt, bool cap_hit, const ImageInfo& info) {
  const std::string reason = stb_reason();
  if (cap_hit)
    return Status(ErrorCode::kNotAnImage,
                  std::string("corrupt ") + fmt + " data: it expands far beyond the declared " +
                      std::to_string(info.width) + " x " + std::to_string(info.height) + " pixels");
  if (reason == "outofmem")
    return Status(ErrorCode::kOutOfMemory, std::string("not enough memory to decode this ") + fmt +
                                               " image (" + std::to_string(info.width) + " x " +
                                               std::to_string(info.height) + " pixels)");
  if (reason == "too large")
    return Status(ErrorCode::kTooLarge,
                  std::string("the ") + fmt + " image is too large to decode");
  if (reason == "outofdata")
    return Status(ErrorCode::kTruncated, std::string("the ") + fmt + " data ends early");
  return Status(ErrorCode::kNotAnImage, std::string("corrupt ") + fmt + " data (" + reason + ")");
}

}  // namespace

Result<ImageInfo> probe_image(const uint8_t* bytes, size_t size, int page) {
  detail::ScanResult scan;
  Status st = detail::scan_image(bytes, size, detail::ScanDepth::kHeader, &scan, page);
  if (!st.ok()) return st;
  const detail::SrgbPlan plan =
      detail::plan_srgb(detail::embedded_profile(bytes, size, page), scan.info.channels);
  scan.info.profile = plan.use;
  scan.info.profile_name = plan.name;
  scan.info.profile_note = plan.note;
  return scan.info;
}

namespace {

Result<Image> decode_pixels(const uint8_t* bytes, size_t size, const DecodeOptions& options) {
  detail::ScanResult scan;
  Status st = detail::scan_image(bytes, size, detail::ScanDepth::kHeader, &scan, options.page);
  if (!st.ok()) return st;
  const ImageInfo& head = scan.info;
  const char* fmt = image_format_name(head.format);

  // The pixel limit, from the header alone: nothing the size of the image is allocated yet.
  const uint64_t pixels = uint64_t(head.width) * uint64_t(head.height);
  if (pixels > options.max_pixels)
    return Status(ErrorCode::kTooLarge, std::to_string(head.width) + " x " +
                                            std::to_string(head.height) + " pixels (" +
                                            megapixels(pixels) + ") is above the limit of " +
                                            megapixels(options.max_pixels));
  if (head.width > STBI_MAX_DIMENSIONS || head.height > STBI_MAX_DIMENSIONS)
    return Status(ErrorCode::kTooLarge, "a side of " + std::to_string(head.width) + " x " +
                                            std::to_string(head.height) + " pixels is above " +
                                            std::to_string(STBI_MAX_DIMENSIONS));
  if (size > size_t(INT_MAX))
    return Status(ErrorCode::kUnsupported, "files of 2 GiB or more are not supported");

  st = detail::scan_image(bytes, size, detail::ScanDepth::kWhole, &scan, options.page);
  if (!st.ok()) return st;
  const ImageInfo info = scan.info;

  if (info.format == ImageFormat::kTiff) {
    Result<Image> tiff = detail::decode_tiff(bytes, size, options.page, options.parallel_for);
    if (!tiff.ok() || !options.apply_exif_orientation || info.exif_orientation == 1) return tiff;
    try {
      return apply_orientation(*tiff, info.exif_orientation);
    } catch (const std::bad_alloc&) {
      return Status(ErrorCode::kOutOfMemory, "not enough memory to turn the TIFF image upright");
    }
  }

  // No single stb allocation may exceed a few times the declared image (plus the file size,
  // which bounds its copy of compressed PNG data): a compressed stream that expands far
  // beyond the header's size is refused instead of exhausting memory.
  const uint64_t sample_bytes = info.bit_depth == 16 ? 2 : 1;
  const uint64_t declared =
      (uint64_t(info.width) + 16) * (uint64_t(info.height) + 16) * 4 * sample_bytes;
  const uint64_t cap64 = 2 * declared + 2 * uint64_t(size) + (1u << 20);
  const size_t cap = cap64 > uint64_t(SIZE_MAX) ? SIZE_MAX : static_cast<size_t>(cap64);

  int x = 0, y = 0, n = 0;
  std::unique_ptr<void, StbFree> pixels_ptr;
  bool cap_hit = false;
  {
    detail::AllocCap guard(cap);
    if (info.bit_depth == 16)
      pixels_ptr.reset(stbi_load_16_from_memory(bytes, static_cast<int>(size), &x, &y, &n, 0));
    else
      pixels_ptr.reset(stbi_load_from_memory(bytes, static_cast<int>(size), &x, &y, &n, 0));
    cap_hit = guard.hit();
  }
  if (!pixels_ptr) return classify_stb_failure(fmt, cap_hit, info);
  if (x != info.width || y != info.height || n < 1 || n > 4)
    return Status(ErrorCode::kInternal,
                  std::string("the ") + fmt + " decoder returned " + std::to_string(x) + " x " +
                      std::to_string(y) + " x " + std::to_string(n) + " where the header says " +
                      std::to_string(info.width) + " x " + std::to_string(info.height));

  // A GIF decodes to RGBA; keep alpha only when the first frame can be transparent.
  const int channels = (info.format == ImageFormat::kGif && n == 4 && !scan.gif_alpha) ? 3 : n;
  Image image;
  try {
    image = Image::make(x, y, channels, info.bit_depth);
    const size_t count = image.pixel_count();
    if (info.bit_depth == 16) {
      const uint16_t* src = static_cast<const uint16_t*>(pixels_ptr.get());
      std::memcpy(image.data16.data(), src, count * size_t(n) * sizeof(uint16_t));
    } else {
      const uint8_t* src = static_cast<const uint8_t*>(pixels_ptr.get());
      if (channels == n) {
        std::memcpy(image.data8.data(), src, count * size_t(n));
      } else {
        uint8_t* dst = image.data8.data();
        for (size_t i = 0; i < count; ++i, src += n, dst += channels)
          std::memcpy(dst, src, size_t(channels));
      }
    }
    pixels_ptr.reset();
    if (info.format == ImageFormat::kJpeg && options.apply_exif_orientation &&
        info.exif_orientation != 1)
      image = apply_orientation(image, info.exif_orientation);
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::kOutOfMemory, std::string("not enough memory for the decoded ") + fmt +
                                               " image (" + std::to_string(x) + " x " +
                                               std::to_string(y) + " pixels)");
  }
  return image;
}

}  // namespace

Result<Image> decode_image(const uint8_t* bytes, size_t size, const DecodeOptions& options) {
  Result<Image> image = decode_pixels(bytes, size, options);
  if (!image.ok() || !options.convert_to_srgb) return image;
  const detail::SrgbPlan plan =
      detail::plan_srgb(detail::embedded_profile(bytes, size, options.page), image->channels);
  const Status st = detail::convert_to_srgb(plan, &*image, options.parallel_for);
  if (!st.ok()) return st;
  return image;
}

}  // namespace colorize
