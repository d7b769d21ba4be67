// Metadata carried from an original to its result: read_metadata on files other writers made
// (PIL, see make_corpus.py's metadata_files), metadata_for_result on EXIF built here by the
// TIFF 6.0 layout, and each writer's output read back.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "colorize/image.h"
#include "test_image_util.h"
#include "tiff.h"

using namespace colorize;

namespace {

// Facts of make_corpus.py's metadata_files: the text tags and the XMP packet it wrote.
const std::map<uint32_t, std::string> kText = {
    {270, "Grandma at the lake, 1952"}, {271, "Epson"},       {272, "Perfection V600"},
    {306, "2024:03:01 10:00:00"},       {315, "Ada Example"}, {33432, "(c) the Example family"}};
const char kXmpTitle[] = "<dc:title>At the lake</dc:title>";

using image_test::Field;
using image_test::Ifd;
using image_test::ifd0;
using image_test::read_ifd;

// The camera (ExifIFD) and GPS directories make_corpus.py put into meta.jpg and meta.png, as
// read from an EXIF block: date taken, exposure 1/125 s, ISO 200; latitude N, 52/1 degrees.
void expect_camera_and_gps(const std::vector<uint8_t>& exif, bool maker_note) {
  const Ifd d = ifd0(exif);
  const Ifd camera = read_ifd(exif, d.number(34665)), gps = read_ifd(exif, d.number(34853));
  ASSERT_NE(d.number(34665), 0u);
  ASSERT_NE(d.number(34853), 0u);
  EXPECT_EQ(camera.text(36867), "1952:07:04 10:00:00");
  EXPECT_EQ(camera.number(34855), 200u);
  ASSERT_TRUE(camera.fields.count(33434));
  const Field& exposure = camera.fields.at(33434);
  ASSERT_EQ(exposure.bytes.size(), 8u);
  const Field numerator{4, 1, {exposure.bytes.begin(), exposure.bytes.begin() + 4}};
  const Field denominator{4, 1, {exposure.bytes.begin() + 4, exposure.bytes.end()}};
  EXPECT_EQ(camera.u32(numerator), 1u);
  EXPECT_EQ(camera.u32(denominator), 125u);
  EXPECT_EQ(camera.fields.count(37500) == 1, maker_note);
  EXPECT_EQ(gps.text(1), "N");
  ASSERT_TRUE(gps.fields.count(2));
  const Field degrees{4, 1, {gps.fields.at(2).bytes.begin(), gps.fields.at(2).bytes.begin() + 4}};
  EXPECT_EQ(gps.u32(degrees), 52u);
}

// A big-endian EXIF block built by hand: IFD0 with Orientation (SHORT 8), Artist, and a
// link to an IFD1 (a thumbnail directory with one entry).
std::vector<uint8_t> handmade_exif() {
  std::vector<uint8_t> x = {'M',  'M',  0, 42, 0, 0, 0, 8, 0,   2,            // 2 entries
                            0x01, 0x12, 0, 3,  0, 0, 0, 1, 0,   8,   0,   0,  // Orientation 8
                            0x01, 0x3B, 0, 2,  0, 0, 0, 4, 'A', 'd', 'a', 0,  // Artist "Ada"
                            0,    0,    0, 44,                                // IFD1 at 44
                            0,    1,                                          // IFD1: 1 entry
                            0x01, 0x03, 0, 3,  0, 0, 0, 1, 0,   6,   0,   0,  // Compression 6
                            0,    0,    0, 0};
  return x;
}

}  // namespace

TEST(ImageMetadata, ReadFromWhatPilWrote) {
  for (const char* name : {"meta.jpg", "meta.png", "meta.tif"}) {
    SCOPED_TRACE(name);
    const std::vector<uint8_t> bytes = image_test::corpus(name);
    const Metadata m = read_metadata(bytes.data(), bytes.size());
    const Ifd d = ifd0(m.exif);
    for (const auto& [tag, text] : kText) EXPECT_EQ(d.text(tag), text) << tag;
    // JPEG and PNG carry PIL's whole EXIF, the orientation (6) included; a TIFF's own
    // Orientation tag is not metadata (the decoder applies it) and is not carried.
    if (std::strcmp(name, "meta.tif") != 0) {
      ASSERT_TRUE(d.fields.count(0x0112));
      EXPECT_EQ(d.u16(d.fields.at(0x0112)), 6u);
      expect_camera_and_gps(m.exif, true);
    }
    EXPECT_NE(m.xmp.find(kXmpTitle), std::string::npos) << m.xmp;  // PNG's was compressed
    EXPECT_NE(m.xmp.find("tiff:Orientation=\"6\""), std::string::npos);
  }
}

TEST(ImageMetadata, NoneInFilesWithoutIt) {
  for (const char* name : {"baseline.jpg", "rgba.png", "grey8_lzw.tif", "grey.tga", "anim.gif"}) {
    const std::vector<uint8_t> bytes = image_test::corpus(name);
    EXPECT_TRUE(read_metadata(bytes.data(), bytes.size()).empty()) << name;
  }
  EXPECT_TRUE(read_metadata(nullptr, 0).empty());
}

TEST(ImageMetadata, ResultIsUprightWithoutTheGreyThumbnail) {
  const Metadata original{handmade_exif(),
                          "<a tiff:Orientation=\"8\"/><tiff:Orientation>5</tiff:Orientation>"};
  const Ifd before = ifd0(original.exif);
  EXPECT_EQ(before.next, 44u);
  EXPECT_EQ(before.u16(before.fields.at(0x0112)), 8u);
  const Metadata m = metadata_for_result(original);
  const Ifd after = ifd0(m.exif);
  EXPECT_EQ(after.u16(after.fields.at(0x0112)), 1u);
  EXPECT_EQ(after.next, 0u);  // IFD1 unlinked
  EXPECT_EQ(after.text(315), "Ada");
  EXPECT_EQ(m.exif.size(), original.exif.size());  // changed in place, nothing else moved
  EXPECT_EQ(m.xmp, "<a tiff:Orientation=\"1\"/><tiff:Orientation>1</tiff:Orientation>");
  // Not EXIF at all: dropped, not passed on.
  const Metadata junk = metadata_for_result(Metadata{{'J', 'U', 'N', 'K', 0, 0, 0, 0, 1}, ""});
  EXPECT_TRUE(junk.exif.empty());
}

TEST(ImageMetadata, EveryWriterCarriesIt) {
  const std::vector<uint8_t> src = image_test::corpus("meta.jpg");
  const Metadata carried = metadata_for_result(read_metadata(src.data(), src.size()));
  const Image im = Image::make(24, 16, 3);
  for (ImageFormat f : {ImageFormat::kPng, ImageFormat::kJpeg, ImageFormat::kTiff}) {
    SCOPED_TRACE(image_format_name(f));
    EncodeOptions o;
    o.format = f;
    o.comment = "Colorized: a guess.";
    o.metadata = carried;
    Result<std::vector<uint8_t>> bytes = encode_image(im, o);
    ASSERT_TRUE(bytes.ok()) << bytes.status().to_string();
    const Metadata back = read_metadata(bytes->data(), bytes->size());
    const Ifd d = ifd0(back.exif);
    for (const auto& [tag, text] : kText) {
      // TIFF: the original's description comes first, the note after it.
      const std::string want =
          f == ImageFormat::kTiff && tag == 270 ? text + "\n" + o.comment : text;
      EXPECT_EQ(d.text(tag), want) << tag;
    }
    if (f != ImageFormat::kTiff) {
      EXPECT_EQ(back.exif, carried.exif);  // the whole block, as given
    }
    // TIFF: the camera and GPS directories become the file's own, without the maker note.
    expect_camera_and_gps(back.exif, f != ImageFormat::kTiff);
    EXPECT_EQ(back.xmp, carried.xmp);
    Result<ImageInfo> info = probe_image(bytes->data(), bytes->size());
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->exif_orientation, 1);  // the result says it is upright
    Result<Image> pixels = decode_image(bytes->data(), bytes->size());
    ASSERT_TRUE(pixels.ok()) << pixels.status().to_string();
    EXPECT_EQ(pixels->width, 24);
  }
}

namespace {

// An EXIF block built by hand in either byte order: IFD0 with only the pointer to the camera
// directory, which holds PixelXDimension (SHORT 4000), PixelYDimension (LONG 3000) and ISO
// (SHORT 200).
std::vector<uint8_t> exif_with_pixel_size(bool le) {
  std::vector<uint8_t> x;
  auto put16 = [&](uint32_t v) {
    for (int i = 0; i < 2; ++i) x.push_back(uint8_t(v >> (8 * (le ? i : 1 - i))));
  };
  auto put32 = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) x.push_back(uint8_t(v >> (8 * (le ? i : 3 - i))));
  };
  x = {uint8_t(le ? 'I' : 'M'), uint8_t(le ? 'I' : 'M')};
  put16(42), put32(8);
  put16(1), put16(34665), put16(4), put32(1), put32(26), put32(0);  // IFD0, ends at 26
  put16(3);
  put16(40962), put16(3), put32(1), put16(4000), put16(0);
  put16(40963), put16(4), put32(1), put32(3000);
  put16(34855), put16(3), put32(1), put16(200), put16(0);
  put32(0);
  return x;
}

}  // namespace

TEST(ImageMetadata, ExifAndXmpPixelSizeIsMadeToStateTheWrittenImage) {
  for (const bool le : {true, false}) {
    SCOPED_TRACE(le ? "II" : "MM");
    // Directly: a SHORT that can hold the width stays a SHORT, one that cannot becomes a LONG.
    std::vector<uint8_t> x = exif_with_pixel_size(le);
    colorize::detail::set_exif_pixel_size(&x, 100, 70000);
    Ifd camera = read_ifd(x, ifd0(x).number(34665));
    EXPECT_EQ(camera.fields.at(40962).type, 3u);
    EXPECT_EQ(camera.number(40962), 100u);
    EXPECT_EQ(camera.number(40963), 70000u);
    EXPECT_EQ(camera.number(34855), 200u);
    x = exif_with_pixel_size(le);
    colorize::detail::set_exif_pixel_size(&x, 70000, 50);
    camera = read_ifd(x, ifd0(x).number(34665));
    EXPECT_EQ(camera.fields.at(40962).type, 4u);
    EXPECT_EQ(camera.number(40962), 70000u);
    EXPECT_EQ(camera.number(40963), 50u);
    // Cut short or not EXIF: left as it is.
    for (size_t cut : {size_t(0), size_t(7), size_t(20), size_t(40)}) {
      std::vector<uint8_t> part(x.begin(), x.begin() + long(cut));
      const std::vector<uint8_t> before = part;
      colorize::detail::set_exif_pixel_size(&part, 1, 1);
      EXPECT_EQ(part, before) << cut;
    }
    // Through every writer: the result's EXIF states the result's size.
    const Image im = Image::make(24, 16, 3);
    for (ImageFormat f : {ImageFormat::kPng, ImageFormat::kJpeg, ImageFormat::kTiff}) {
      EncodeOptions o;
      o.format = f;
      o.metadata.exif = exif_with_pixel_size(le);
      o.metadata.xmp =
          "<x exif:PixelXDimension=\"4000\" tiff:ImageLength='3000'/>"
          "<exif:PixelYDimension>3000</exif:PixelYDimension><tiff:ImageWidth> "
          "4000</tiff:ImageWidth>";
      Result<std::vector<uint8_t>> bytes = encode_image(im, o);
      ASSERT_TRUE(bytes.ok()) << bytes.status().to_string();
      const Metadata back = read_metadata(bytes->data(), bytes->size());
      EXPECT_EQ(
          back.xmp,
          "<x exif:PixelXDimension=\"24\" tiff:ImageLength='16'/>"
          "<exif:PixelYDimension>16</exif:PixelYDimension><tiff:ImageWidth> 24</tiff:ImageWidth>")
          << image_format_name(f);
      const Ifd c = read_ifd(back.exif, ifd0(back.exif).number(34665));
      EXPECT_EQ(c.number(40962), 24u) << image_format_name(f);
      EXPECT_EQ(c.number(40963), 16u) << image_format_name(f);
      EXPECT_EQ(c.number(34855), 200u) << image_format_name(f);
    }
  }
}

TEST(ImageMetadata, XmpRepeatingAPixelSizeManyTimesIsSetInOnePass) {
  // A hostile packet near the 4 MiB the readers keep, one property repeated 80,000 times:
  // each is set (a replacement per occurrence over the whole text would take minutes).
  std::string xmp;
  for (int i = 0; i < 80000; ++i) xmp += "<exif:PixelXDimension>1234</exif:PixelXDimension>";
  EncodeOptions o;
  o.metadata.xmp = xmp;
  Result<std::vector<uint8_t>> bytes = encode_image(Image::make(2, 3, 1), o);
  ASSERT_TRUE(bytes.ok()) << bytes.status().to_string();
  const std::string back = read_metadata(bytes->data(), bytes->size()).xmp;
  size_t n = 0;
  for (size_t at = back.find(">2<"); at != std::string::npos; at = back.find(">2<", at + 1)) ++n;
  EXPECT_EQ(n, 80000u);
  EXPECT_EQ(back.find("1234"), std::string::npos);
}

TEST(ImageMetadata, WhatAJpegSegmentCannotHoldIsLeftOut) {
  Metadata big;
  big.xmp = std::string(70000, 'x');
  big.exif = handmade_exif();
  EncodeOptions o;
  o.format = ImageFormat::kJpeg;
  o.metadata = big;
  Result<std::vector<uint8_t>> bytes = encode_image(Image::make(8, 8, 3), o);
  ASSERT_TRUE(bytes.ok());
  const Metadata back = read_metadata(bytes->data(), bytes->size());
  EXPECT_TRUE(back.xmp.empty());
  EXPECT_EQ(back.exif, big.exif);
  // EXIF that is not a TIFF-structured block is refused by the encoder.
  o.metadata.exif = {'n', 'o', 't', ' ', 'e', 'x', 'i', 'f'};
  EXPECT_EQ(encode_image(Image::make(8, 8, 3), o).status().code(), ErrorCode::kInvalidArgument);
}

TEST(ImageMetadata, HostileBytesNeverCrash) {
  // Every corpus file, cut at every length up to 600 bytes and with bytes flipped: whatever
  // comes back, the call returns (the sanitizer builds check the reads).
  for (const char* name : {"meta.jpg", "meta.png", "meta.tif", "exif6_mm.jpg", "rgb16.tif"}) {
    const std::vector<uint8_t> whole = image_test::corpus(name);
    for (size_t n = 0; n <= std::min<size_t>(whole.size(), 600); ++n) {
      std::vector<uint8_t> cut(whole.begin(), whole.begin() + n);
      (void)metadata_for_result(read_metadata(cut.data(), cut.size()));
    }
    image_test::Rng rng(7);
    for (int k = 0; k < 300; ++k) {
      std::vector<uint8_t> bad = whole;
      for (int j = 0; j < 4; ++j) bad[rng.next() % bad.size()] = uint8_t(rng.next());
      (void)metadata_for_result(read_metadata(bad.data(), bad.size()));
    }
  }
}

TEST(ImageMetadata, RepeatedTagsOverOneLongValueAreTakenOnce) {
  // A little-endian TIFF whose first directory holds 5,000 ImageDescription entries and a
  // camera directory of 5,000 different tags, all pointing at the same 60,000-byte text: a
  // few kilobytes of file that would otherwise become hundreds of megabytes of metadata.
  const uint32_t n = 5000, text_len = 60000;
  std::vector<uint8_t> t = {'I', 'I', 42, 0, 8, 0, 0, 0};
  auto put16 = [&](uint32_t v) {
    t.push_back(uint8_t(v));
    t.push_back(uint8_t(v >> 8));
  };
  auto put32 = [&](uint32_t v) {
    put16(v & 0xFFFF);
    put16(v >> 16);
  };
  const uint32_t ifd0_size = 2 + 12 * (n + 1) + 4, camera_at = 8 + ifd0_size;
  const uint32_t text_at = camera_at + 2 + 12 * n + 4;
  put16(n + 1);
  for (uint32_t i = 0; i < n; ++i) {
    put16(270), put16(2), put32(text_len), put32(text_at);
  }
  put16(34665), put16(4), put32(1), put32(camera_at);
  put32(0);
  put16(n);
  for (uint32_t i = 0; i < n; ++i) {
    put16(40000 + i), put16(7), put32(text_len), put32(text_at);
  }
  put32(0);
  t.resize(t.size() + text_len, 'a');
  const Metadata m = read_metadata(t.data(), t.size());
  EXPECT_EQ(ifd0(m.exif).text(270), std::string(text_len, 'a'));
  EXPECT_LT(m.exif.size(), size_t(6) << 20);  // the camera directory's copies are bounded
  // The same block carried to a TIFF result: one description.
  EncodeOptions o;
  o.format = ImageFormat::kTiff;
  o.metadata.exif = t;
  Result<std::vector<uint8_t>> out = encode_image(Image::make(4, 4, 3), o);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_LT(out->size(), size_t(6) << 20);
  const Ifd d = ifd0(*out);
  EXPECT_EQ(d.text(270), std::string(text_len, 'a'));
}

TEST(ImageMetadata, ExifResolutionOfAJpegIsReadWhenPlausible) {
  // Little-endian EXIF: XResolution and YResolution (RATIONAL) and ResolutionUnit 2.
  auto exif_with = [](uint32_t numerator) {
    std::vector<uint8_t> x = {'I', 'I', 42, 0, 8, 0, 0, 0, 3, 0};
    auto entry = [&](uint16_t tag, uint16_t type, uint32_t value) {
      const uint8_t e[12] = {uint8_t(tag),
                             uint8_t(tag >> 8),
                             uint8_t(type),
                             0,
                             1,
                             0,
                             0,
                             0,
                             uint8_t(value),
                             uint8_t(value >> 8),
                             uint8_t(value >> 16),
                             uint8_t(value >> 24)};
      x.insert(x.end(), e, e + 12);
    };
    entry(282, 5, 50);  // the rationals at 50 and 58
    entry(283, 5, 58);
    entry(296, 3, 2);
    x.insert(x.end(), {0, 0, 0, 0});
    for (int k = 0; k < 2; ++k)
      for (uint32_t v : {numerator, 1u})
        for (int b = 0; b < 4; ++b) x.push_back(uint8_t(v >> (8 * b)));
    return x;
  };
  for (const auto& [numerator, want] : {std::pair{600u, 600.0}, std::pair{3000000000u, 0.0}}) {
    EncodeOptions o;
    o.format = ImageFormat::kJpeg;  // stb's JFIF header states no density
    o.metadata.exif = exif_with(numerator);
    Result<std::vector<uint8_t>> jpg = encode_image(Image::make(8, 8, 3), o);
    ASSERT_TRUE(jpg.ok());
    Result<ImageInfo> info = probe_image(jpg->data(), jpg->size());
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->dpi_x, want) << numerator;  // 3e9 pixels per inch: taken as none
    EXPECT_EQ(info->dpi_y, want) << numerator;
  }
}
