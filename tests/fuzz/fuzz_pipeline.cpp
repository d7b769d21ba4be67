// libFuzzer target over the whole untrusted-input path of the core:
// bytes -> decode -> prepare -> (synthetic chroma) -> finish -> encode (-> decode again, for
// the lossless formats), with the metadata read from the same bytes carried to the output;
// colour from marks placed by the bytes (and the result's difference to the picture read as
// marks); and the Deflate compressor on the raw bytes, inflated back.
// Anything but a clean Status error (crash, sanitizer report, hang, leak) is a bug.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "colorize/image.h"
#include "colorize/pipeline.h"
#include "colorize/propagate.h"
#include "deflate.h"
#include "stb_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace colorize;
  // The Deflate compressor (the PNG and TIFF writers') on the raw bytes, whatever they are:
  // stb's zlib reader gives them back exactly, and the stream's Adler-32 is theirs.
  {
    const std::vector<uint8_t> z = detail::zlib_compress(data, size);
    int n = -1;
    char* back = stbi_zlib_decode_malloc_guesssize(reinterpret_cast<const char*>(z.data()),
                                                   int(z.size()), int(size) + 1, &n);
    if (!back || size_t(n) != size || (size && std::memcmp(back, data, size) != 0))
      __builtin_trap();
    detail::stb_free(back);
    const uint32_t adler = uint32_t(z[z.size() - 4]) << 24 | uint32_t(z[z.size() - 3]) << 16 |
                           uint32_t(z[z.size() - 2]) << 8 | z[z.size() - 1];
    if (adler != detail::adler32(data, size)) __builtin_trap();
  }
  // Metadata is read from every input, images or not.
  const Metadata carried = metadata_for_result(read_metadata(data, size));
  DecodeOptions d;
  d.max_pixels = 4'000'000;  // keep single inputs fast; the limit logic itself is exercised too
  d.page = size % 4 == 3 ? 2 : 1;  // a further page of a multi-page TIFF, now and then
  auto image = decode_image(data, size, d);
  if (!image.ok()) return 0;

  PrepareOptions p;
  p.working_size = 64;
  auto prepared = prepare(*image, p);
  if (!prepared.ok()) return 0;

  // Chroma derived from the input so it varies: a* follows L*, b* the opposite.
  AbPlanes ab{Plane(prepared->L_work.width, prepared->L_work.height),
              Plane(prepared->L_work.width, prepared->L_work.height)};
  for (size_t i = 0; i < ab.a.size(); ++i) {
    ab.a.data[i] = (prepared->L_work.data[i] - 50.0f) * 1.5f;
    ab.b.data[i] = (50.0f - prepared->L_work.data[i]) * 1.5f;
  }
  FinishOptions f;
  f.saturation = size % 2 ? 1.0f : 2.5f;
  f.upsampling = size % 3 ? Upsampling::kGuided : Upsampling::kBilinear;
  auto out = finish(*image, *prepared, ab, f);
  if (!out.ok()) return 0;
  if (out->width != image->width || out->height != image->height) __builtin_trap();

  // Marks where the bytes say, with colours from them: colour from the marks alone and the
  // chroma above corrected by them are finite and keep every mark.
  const Plane& Lw = prepared->L_work;
  HintPlanes marks{{Plane(Lw.width, Lw.height), Plane(Lw.width, Lw.height)},
                   Plane(Lw.width, Lw.height)};
  for (size_t i = 0; i < Lw.size(); ++i) {
    const uint8_t v = data[(i * 7919) % size];
    if ((v & 31) != 0) continue;
    marks.mask.data[i] = 1.0f;
    marks.ab.a.data[i] = float(int(v) - 128);
    marks.ab.b.data[i] = float(int(data[(i * 104729 + 1) % size]) - 128);
  }
  PropagateOptions po;
  po.max_iterations = 200;
  for (int with_base = 0; with_base < 2; ++with_base) {
    auto got = with_base ? correct_with_marks(Lw, ab, marks, po) : propagate_marks(Lw, marks, po);
    if (!got.ok()) {
      if (with_base || count_marks(marks) > 0) __builtin_trap();  // only "no mark" may fail
      continue;
    }
    for (size_t i = 0; i < Lw.size(); ++i) {
      if (!std::isfinite(got->a.data[i]) || !std::isfinite(got->b.data[i])) __builtin_trap();
      // Marks are kept (exactly alone; as base + (mark - base) in floats on a base).
      const float tol = with_base ? 1e-3f : 0.0f;
      if (marks.mask.data[i] > 0.5f && (std::fabs(got->a.data[i] - marks.ab.a.data[i]) > tol ||
                                        std::fabs(got->b.data[i] - marks.ab.b.data[i]) > tol))
        __builtin_trap();
    }
  }
  if (image->pixel_count() <= 262144) {
    auto read = marks_from_image(*image, *out, 32, 32);
    if (!read.ok()) __builtin_trap();
  }

  EncodeOptions e;
  const ImageFormat formats[3] = {ImageFormat::kPng, ImageFormat::kJpeg, ImageFormat::kTiff};
  e.format = formats[size % 3];
  e.metadata = carried;
  auto encoded = encode_image(*out, e);
  // Lossless results decode back to the same samples (the Deflate compressor's output read by
  // stb's inflater for PNG and by the TIFF reader).
  if (encoded.ok() && e.format != ImageFormat::kJpeg) {
    DecodeOptions back_options;
    back_options.convert_to_srgb = false;
    auto back = decode_image(encoded->data(), encoded->size(), back_options);
    if (!back.ok() || back->data8 != out->data8 || back->data16 != out->data16) __builtin_trap();
  }
  return 0;
}
