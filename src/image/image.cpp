// Image basics: construction, format names, bit-depth conversion, EXIF orientation.
#include "colorize/image.h"

#include <cstdint>
#include <vector>

namespace colorize {

Image Image::make(int width, int height, int channels, int bit_depth) {
  Image im;
  im.width = width;
  im.height = height;
  im.channels = channels;
  im.bit_depth = bit_depth == 16 ? 16 : 8;
  const size_t n = im.empty() ? 0 : im.sample_count();
  if (im.bit_depth == 16)
    im.data16.assign(n, 0);
  else
    im.data8.assign(n, 0);
  return im;
}

const char* image_format_name(ImageFormat f) {
  switch (f) {
    case ImageFormat::kPng:
      return "PNG";
    case ImageFormat::kJpeg:
      return "JPEG";
    case ImageFormat::kBmp:
      return "BMP";
    case ImageFormat::kGif:
      return "GIF";
    case ImageFormat::kTga:
      return "TGA";
    case ImageFormat::kTiff:
      return "TIFF";
    case ImageFormat::kUnknown:
      break;
  }
  return "unknown";
}

Image to_8bit(const Image& image) {
  if (image.bit_depth != 16) return image;
  Image out = Image::make(image.width, image.height, image.channels, 8);
  const size_t n = out.data8.size() < image.data16.size() ? out.data8.size() : image.data16.size();
  // v * 255 / 65535 == v / 257 exactly; 257 is odd, so adding 128 rounds with no ties.
  for (size_t i = 0; i < n; ++i)
    out.data8[i] = static_cast<uint8_t>((image.data16[i] + 128u) / 257u);
  return out;
}

namespace {

// Upright pixel (x, y) comes from stored pixel (sx, sy) = (a0 + ax*x + ay*y, b0 + bx*x + by*y)
// of the stored w x h image. Orientation meanings are EXIF's (tag 0x0112), e.g. 6: "row 0 is
// the visual right-hand side, column 0 is the visual top", i.e. turn 90 degrees clockwise.
struct Affine {
  int a0, ax, ay, b0, bx, by;
};

Affine source_map(int o, int w, int h) {
  switch (o) {
    case 2:
      return {w - 1, -1, 0, 0, 0, 1};
    case 3:
      return {w - 1, -1, 0, h - 1, 0, -1};
    case 4:
      return {0, 1, 0, h - 1, 0, -1};
    case 5:
      return {0, 0, 1, 0, 1, 0};
    case 6:
      return {0, 0, 1, h - 1, -1, 0};
    case 7:
      return {w - 1, 0, -1, h - 1, -1, 0};
    case 8:
      return {w - 1, 0, -1, 0, 1, 0};
    default:
      return {0, 1, 0, 0, 0, 1};
  }
}

template <typename T>
void reorient(const std::vector<T>& src, std::vector<T>& dst, int o, int w, int h, int ow, int oh,
              int c) {
  const Affine m = source_map(o, w, h);
  // Source pixel index, and its steps per output x and per output y.
  const int64_t step_x = int64_t(m.bx) * w + m.ax;
  const int64_t step_y = int64_t(m.by) * w + m.ay;
  int64_t row = int64_t(m.b0) * w + m.a0;
  T* d = dst.data();
  for (int y = 0; y < oh; ++y, row += step_y) {
    int64_t p = row;
    for (int x = 0; x < ow; ++x, p += step_x, d += c) {
      const T* s = &src[static_cast<size_t>(p) * c];
      for (int k = 0; k < c; ++k) d[k] = s[k];
    }
  }
}

}  // namespace

Image apply_orientation(const Image& image, int exif_orientation) {
  if (exif_orientation < 2 || exif_orientation > 8 || image.empty()) return image;
  const size_t need = image.sample_count();
  if ((image.bit_depth == 16 ? image.data16.size() : image.data8.size()) < need) return image;
  const bool swap = exif_orientation >= 5;
  const int ow = swap ? image.height : image.width;
  const int oh = swap ? image.width : image.height;
  Image out = Image::make(ow, oh, image.channels, image.bit_depth);
  if (image.bit_depth == 16)
    reorient(image.data16, out.data16, exif_orientation, image.width, image.height, ow, oh,
             image.channels);
  else
    reorient(image.data8, out.data8, exif_orientation, image.width, image.height, ow, oh,
             image.channels);
  return out;
}

}  // namespace colorize
