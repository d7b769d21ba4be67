// Our own structural reader for PNG, JPEG, GIF, BMP and TGA (see scan.h); TIFF's is in
// tiff.cpp. It never
// allocates and never reads outside [bytes, bytes + size).
#include "scan.h"

#include <climits>
#include <cstring>
#include <string>

#include "stb_config.h"
#include "tiff.h"

namespace colorize {
namespace detail {

std::string num(uint64_t v) { return std::to_string(v); }

Status truncated(const char* fmt, const std::string& where) {
  return Status(ErrorCode::kTruncated,
                std::string("the ") + fmt + " file ends early (" + where + "); it may be cut off");
}
Status corrupt(const char* fmt, const std::string& what) {
  return Status(ErrorCode::kNotAnImage, std::string("corrupt ") + fmt + " data: " + what);
}
Status zero_size(const char* fmt, uint64_t w, uint64_t h) {
  return Status(ErrorCode::kZeroSize, std::string("the ") + fmt + " header says the image is " +
                                          num(w) + " x " + num(h) + " pixels");
}

namespace {


Status unsupported(const std::string& what) { return Status(ErrorCode::kUnsupported, what); }

// ---------------------------------------------------------------------------------- PNG

const uint8_t kPngSignature[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};

bool is_letter(uint8_t c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

Status scan_png(const uint8_t* b, size_t n, ScanDepth depth, ScanResult* out) {
  if (n < 16) return truncated("PNG", "inside the first chunk");
  if (be32(b + 8) != 13 || std::memcmp(b + 12, "IHDR", 4) != 0)
    return corrupt("PNG", "the first chunk is not a valid IHDR header");
  if (n < 33) return truncated("PNG", "inside the IHDR header");
  const uint32_t w = be32(b + 16), h = be32(b + 20);
  const int bit_depth = b[24], color = b[25];
  if (w > 0x7FFFFFFFu || h > 0x7FFFFFFFu) return corrupt("PNG", "width or height above 2^31 - 1");
  if (w == 0 || h == 0) return zero_size("PNG", w, h);
  int channels = 0;
  bool depth_ok = false;
  switch (color) {
    case 0:
      channels = 1;
      depth_ok =
          bit_depth == 1 || bit_depth == 2 || bit_depth == 4 || bit_depth == 8 || bit_depth == 16;
      break;
    case 2:
      channels = 3;
      depth_ok = bit_depth == 8 || bit_depth == 16;
      break;
    case 3:
      channels = 3;
      depth_ok = bit_depth == 1 || bit_depth == 2 || bit_depth == 4 || bit_depth == 8;
      break;
    case 4:
      channels = 2;
      depth_ok = bit_depth == 8 || bit_depth == 16;
      break;
    case 6:
      channels = 4;
      depth_ok = bit_depth == 8 || bit_depth == 16;
      break;
    default:
      return corrupt("PNG", "unknown colour type " + num(color));
  }
  if (!depth_ok)
    return corrupt(
        "PNG", "bit depth " + num(bit_depth) + " is not allowed with colour type " + num(color));
  if (b[26] != 0 || b[27] != 0 || b[28] > 1)
    return corrupt("PNG", "unknown compression, filter or interlace method");

  // Walk the chunks. Header depth stops at the first IDAT (a tRNS, which adds an alpha
  // channel, must come before it); whole depth goes on to IEND. CRCs are not checked,
  // like browsers: a bad checksum alone does not stop the image from showing.
  size_t pos = 33;
  bool seen_plte = false, seen_idat = false, seen_trns = false, seen_iend = false;
  while (!seen_iend) {
    if (n - pos < 8) {
      if (depth == ScanDepth::kHeader) break;
      return truncated("PNG", "before the IEND chunk, at byte " + num(pos));
    }
    const uint32_t len = be32(b + pos);
    const uint8_t* type = b + pos + 4;
    if (len > 0x7FFFFFFFu) return corrupt("PNG", "chunk length above 2^31 - 1 at byte " + num(pos));
    if (!is_letter(type[0]) || !is_letter(type[1]) || !is_letter(type[2]) || !is_letter(type[3]))
      return corrupt("PNG", "invalid chunk type at byte " + num(pos));
    const uint64_t end = uint64_t(pos) + 12 + len;
    if (end > n) {
      if (depth == ScanDepth::kHeader) break;
      return truncated("PNG", "inside the " + std::string(reinterpret_cast<const char*>(type), 4) +
                                  " chunk at byte " + num(pos));
    }
    if (std::memcmp(type, "IDAT", 4) == 0) {
      if (color == 3 && !seen_plte) return corrupt("PNG", "palette image without a PLTE chunk");
      seen_idat = true;
      if (depth == ScanDepth::kHeader) break;
    } else if (std::memcmp(type, "IEND", 4) == 0) {
      if (!seen_idat) return corrupt("PNG", "no image data (IDAT chunk)");
      seen_iend = true;
    } else if (std::memcmp(type, "PLTE", 4) == 0) {
      seen_plte = true;
    } else if (std::memcmp(type, "tRNS", 4) == 0) {
      if (!seen_idat) seen_trns = true;
    } else if (std::memcmp(type, "pHYs", 4) == 0 && len == 9 && b[pos + 16] == 1) {
      // Pixels per metre (unit 1); unit 0 is only an aspect ratio.
      out->info.dpi_x = be32(b + pos + 8) * 0.0254;
      out->info.dpi_y = be32(b + pos + 12) * 0.0254;
    } else if (std::memcmp(type, "IHDR", 4) == 0) {
      return corrupt("PNG", "a second IHDR chunk");
    } else if ((type[0] & 0x20) == 0) {  // upper-case first letter: critical
      if (std::memcmp(type, "CgBI", 4) == 0)
        return unsupported(
            "Apple-optimised PNG (CgBI) is not supported; re-save it as a standard PNG");
      return unsupported("PNG with the unknown critical chunk '" +
                         std::string(reinterpret_cast<const char*>(type), 4) +
                         "' is not supported");
    }
    pos = static_cast<size_t>(end);
  }
  // A tRNS chunk adds alpha to grey, RGB and palette images (with alpha it is invalid).
  if (seen_trns && (color == 0 || color == 2 || color == 3)) ++channels;

  out->info.format = ImageFormat::kPng;
  out->info.width = static_cast<int>(w);
  out->info.height = static_cast<int>(h);
  out->info.channels = channels;
  out->info.bit_depth = bit_depth == 16 ? 16 : 8;
  return Status::Ok();
}

// --------------------------------------------------------------------------------- JPEG

bool is_sof(uint8_t m) { return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC; }

// What the decoder has been given so far. stb_image 2.27 does not check that a scan's
// tables were ever defined and then reads uninitialised tables out of bounds, so a scan
// that uses an undefined table is refused here.
struct JpegTables {
  bool dc[4] = {}, ac[4] = {}, quant[4] = {};
  bool progressive = false;
  int comps = 0;
  int comp_id[4] = {}, comp_quant[4] = {};
};

Status check_sof(uint8_t m, const uint8_t* seg, size_t len, JpegTables* tables, ScanResult* out) {
  if (len < 6) return corrupt("JPEG", "frame header too short");
  const int precision = seg[0];
  const uint32_t h = be16(seg + 1), w = be16(seg + 3);
  const int comps = seg[5];
  if (len < 6 + 3 * size_t(comps)) return corrupt("JPEG", "frame header too short");
  if (m == 0xC3) return unsupported("lossless JPEG is not supported");
  if (m >= 0xC5 && m <= 0xC7) return unsupported("hierarchical JPEG is not supported");
  if (m >= 0xC9) return unsupported("arithmetic-coded JPEG is not supported");
  if (precision != 8)
    return unsupported(num(precision) + "-bit JPEG is not supported (only 8-bit samples)");
  if (comps == 4) return unsupported("CMYK JPEG is not supported; convert it to RGB first");
  if (comps == 0) return corrupt("JPEG", "frame header with no colour components");
  if (comps != 1 && comps != 3)
    return unsupported("JPEG with " + num(comps) + " colour components is not supported");
  for (int i = 0; i < comps; ++i) {
    if (seg[8 + 3 * i] > 3) return corrupt("JPEG", "bad quantisation table id in frame header");
    tables->comp_id[i] = seg[6 + 3 * i];
    tables->comp_quant[i] = seg[8 + 3 * i];
  }
  tables->comps = comps;
  tables->progressive = m == 0xC2;
  if (w == 0) return zero_size("JPEG", w, h);
  if (h == 0)
    return unsupported("JPEG whose height is given after the image data (DNL) is not supported");
  out->info.format = ImageFormat::kJpeg;
  out->info.width = static_cast<int>(w);
  out->info.height = static_cast<int>(h);
  out->info.channels = comps;
  out->info.bit_depth = 8;
  return Status::Ok();
}

// A DHT segment holds one or more tables: class/id byte, 16 code-length counts, then as
// many symbols as the counts add up to (at most 256). stb_image 2.27 does not bound that
// sum and overruns its tables, so it is checked here.
Status check_dht(const uint8_t* seg, size_t len, JpegTables* t) {
  size_t pos = 0;
  while (pos < len) {
    if (len - pos < 17) return corrupt("JPEG", "Huffman table segment too short");
    const int cls = seg[pos] >> 4, id = seg[pos] & 15;
    if (cls > 1 || id > 3) return corrupt("JPEG", "bad Huffman table class or id");
    size_t symbols = 0;
    for (int i = 1; i <= 16; ++i) symbols += seg[pos + i];
    if (symbols > 256) return corrupt("JPEG", "Huffman table with more than 256 codes");
    pos += 17;
    if (len - pos < symbols) return corrupt("JPEG", "Huffman table segment too short");
    pos += symbols;
    (cls == 0 ? t->dc : t->ac)[id] = true;
  }
  return Status::Ok();
}

// DQT: precision/id byte, then 64 entries of 1 or 2 bytes.
Status check_dqt(const uint8_t* seg, size_t len, JpegTables* t) {
  size_t pos = 0;
  while (pos < len) {
    const int precision = seg[pos] >> 4, id = seg[pos] & 15;
    if (precision > 1 || id > 3) return corrupt("JPEG", "bad quantisation table");
    const size_t bytes = 1 + 64 * size_t(precision + 1);
    if (len - pos < bytes) return corrupt("JPEG", "quantisation table segment too short");
    pos += bytes;
    t->quant[id] = true;
  }
  return Status::Ok();
}

// SOS header: the tables this scan decodes with must have been defined.
Status check_sos(const uint8_t* seg, size_t len, const JpegTables& t) {
  if (len < 1) return corrupt("JPEG", "scan header too short");
  const size_t ns = seg[0];
  if (ns < 1 || ns > 4 || len < 1 + 2 * ns + 3) return corrupt("JPEG", "bad scan header");
  const int ss = seg[1 + 2 * ns], ah = seg[3 + 2 * ns] >> 4;
  for (size_t i = 0; i < ns; ++i) {
    const int id = seg[1 + 2 * i], td = seg[2 + 2 * i] >> 4, ta = seg[2 + 2 * i] & 15;
    int k = 0;
    while (k < t.comps && t.comp_id[k] != id) ++k;
    if (k == t.comps) return corrupt("JPEG", "scan refers to an unknown component");
    if (td > 3 || ta > 3) return corrupt("JPEG", "bad Huffman table id in scan header");
    if (!t.quant[t.comp_quant[k]])
      return corrupt("JPEG", "scan uses an undefined quantisation table");
    // Progressive DC refinement reads raw bits; every other scan decodes Huffman codes.
    const bool needs_dc = t.progressive ? (ss == 0 && ah == 0) : true;
    const bool needs_ac = t.progressive ? ss > 0 : true;
    if ((needs_dc && !t.dc[td]) || (needs_ac && !t.ac[ta]))
      return corrupt("JPEG", "scan uses an undefined Huffman table");
  }
  return Status::Ok();
}

Status scan_jpeg(const uint8_t* b, size_t n, ScanDepth depth, ScanResult* out) {
  size_t pos = 2;  // after SOI
  bool seen_sof = false, seen_sos = false;
  JpegTables tables;
  int orientation = 0;
  double dpi_x = 0, dpi_y = 0;
  bool seen_exif = false;
  ExifHeader exif;
  auto finish = [&]() {
    out->info.exif_orientation = orientation ? orientation : 1;
    // The JFIF density, else the EXIF resolution (cameras and some scanners state only it).
    const bool jfif = dpi_x > 0 && dpi_y > 0;
    out->info.dpi_x = jfif ? dpi_x : exif.dpi_x;
    out->info.dpi_y = jfif ? dpi_y : exif.dpi_y;
    return Status::Ok();
  };
  for (;;) {
    // Find the next marker. Bytes between segments that are not a marker are skipped, as
    // the decoder does.
    if (pos < n && b[pos] != 0xFF) {
      const void* ff = std::memchr(b + pos, 0xFF, n - pos);
      pos = ff ? static_cast<size_t>(static_cast<const uint8_t*>(ff) - b) : n;
    }
    while (pos < n && b[pos] == 0xFF) ++pos;  // fill bytes
    if (pos >= n) {
      if (depth == ScanDepth::kHeader && seen_sof) return finish();
      return truncated("JPEG", seen_sos ? "no end-of-image marker" : "inside the header");
    }
    const uint8_t m = b[pos++];
    if (m == 0xD9) {  // EOI
      if (!seen_sos) return corrupt("JPEG", "the image ends before any image data");
      return finish();
    }
    if (m == 0x00 || m == 0x01 || (m >= 0xD0 && m <= 0xD8)) continue;  // no length field
    if (n - pos < 2) {
      if (depth == ScanDepth::kHeader && seen_sof) return finish();
      return truncated("JPEG", "inside a marker segment");
    }
    const size_t len = be16(b + pos);
    if (len < 2) return corrupt("JPEG", "marker segment shorter than its length field");
    if (n - pos < len) {
      if (depth == ScanDepth::kHeader && seen_sof) return finish();
      return truncated("JPEG", "inside a marker segment at byte " + num(pos - 2));
    }
    const uint8_t* seg = b + pos + 2;
    const size_t seg_len = len - 2;
    pos += len;
    if (is_sof(m)) {
      if (!seen_sof) {
        Status st = check_sof(m, seg, seg_len, &tables, out);
        if (!st.ok()) return st;
        seen_sof = true;
      }
    } else if (m == 0xC4) {
      Status st = check_dht(seg, seg_len, &tables);
      if (!st.ok()) return st;
    } else if (m == 0xDB) {
      Status st = check_dqt(seg, seg_len, &tables);
      if (!st.ok()) return st;
    } else if (m == 0xE1) {
      if (!seen_exif && seg_len >= 6 && std::memcmp(seg, "Exif\0\0", 6) == 0) {
        seen_exif = true;
        exif = parse_exif_header(seg, seg_len);
        orientation = exif.orientation;
      }
    } else if (m == 0xE0) {
      // JFIF: "JFIF\0", version (2), units (0 aspect only, 1 per inch, 2 per cm), X, Y.
      if (seg_len >= 12 && std::memcmp(seg, "JFIF\0", 5) == 0 && (seg[7] == 1 || seg[7] == 2)) {
        const double per_inch = seg[7] == 1 ? 1.0 : 2.54;
        dpi_x = be16(seg + 8) * per_inch;
        dpi_y = be16(seg + 10) * per_inch;
      }
    } else if (m == 0xDA) {  // SOS: entropy-coded data follows
      if (!seen_sof) return corrupt("JPEG", "image data before the frame header");
      Status st = check_sos(seg, seg_len, tables);
      if (!st.ok()) return st;
      seen_sos = true;
      if (depth == ScanDepth::kHeader) return finish();
      // Skip to the next marker: in entropy-coded data 0xFF is followed by 0x00 (stuffing),
      // a restart marker 0xD0..0xD7 or more 0xFF fill.
      for (;;) {
        const void* ff = pos < n ? std::memchr(b + pos, 0xFF, n - pos) : nullptr;
        if (!ff) return truncated("JPEG", "inside the image data; no end-of-image marker");
        const size_t q = static_cast<size_t>(static_cast<const uint8_t*>(ff) - b);
        if (q + 1 >= n) return truncated("JPEG", "inside the image data; no end-of-image marker");
        const uint8_t next = b[q + 1];
        if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) {
          pos = q + 2;
        } else if (next == 0xFF) {
          pos = q + 1;
        } else {
          pos = q;
          break;
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------- GIF

Status skip_sub_blocks(const uint8_t* b, size_t n, size_t* pos, const char* where) {
  size_t p = *pos;
  for (;;) {
    if (p >= n) return truncated("GIF", where);
    const size_t len = b[p++];
    if (len == 0) break;
    if (n - p < len) return truncated("GIF", where);
    p += len;
  }
  *pos = p;
  return Status::Ok();
}

Status scan_gif(const uint8_t* b, size_t n, ScanDepth depth, ScanResult* out) {
  if (n < 13) return truncated("GIF", "inside the header");
  const uint32_t w = le16(b + 6), h = le16(b + 8);
  const int flags = b[10], background = b[11];
  if (w == 0 || h == 0) return zero_size("GIF", w, h);
  size_t pos = 13;
  const bool global_table = (flags & 0x80) != 0;
  if (global_table) {
    const size_t table = 3u * (2u << (flags & 7));
    if (n - pos < table) return truncated("GIF", "inside the colour table");
    pos += table;
  }
  bool transparent = false;
  for (;;) {
    if (pos >= n) return truncated("GIF", "before the first frame");
    const uint8_t tag = b[pos];
    if (tag == 0x21) {  // extension
      if (n - pos < 2) return truncated("GIF", "inside an extension block");
      const uint8_t label = b[pos + 1];
      pos += 2;
      // A Graphic Control Extension (block size 4) says whether the next frame has a
      // transparent colour; as in the decoder, the latest one before the frame counts.
      if (label == 0xF9 && pos < n && b[pos] == 4 && n - pos >= 5)
        transparent = (b[pos + 1] & 1) != 0;
      Status st = skip_sub_blocks(b, n, &pos, "inside an extension block");
      if (!st.ok()) return st;
    } else if (tag == 0x2C) {  // image descriptor: the first frame
      if (n - pos < 10) return truncated("GIF", "inside the first frame's descriptor");
      const uint32_t fx = le16(b + pos + 1), fy = le16(b + pos + 3);
      const uint32_t fw = le16(b + pos + 5), fh = le16(b + pos + 7);
      const int lflags = b[pos + 9];
      if (fx + fw > w || fy + fh > h)
        return corrupt("GIF", "the first frame lies outside the image");
      pos += 10;
      if (lflags & 0x80) {
        const size_t table = 3u * (2u << (lflags & 7));
        if (n - pos < table) return truncated("GIF", "inside the frame's colour table");
        pos += table;
      } else if (!global_table) {
        return corrupt("GIF", "no colour table");
      }
      const bool covers = fx == 0 && fy == 0 && fw == w && fh == h;
      // Uncovered pixels stay transparent unless a background colour index is given.
      out->gif_alpha = transparent || (!covers && background == 0);
      if (depth == ScanDepth::kWhole) {
        if (pos >= n) return truncated("GIF", "inside the first frame's image data");
        ++pos;  // LZW minimum code size
        Status st = skip_sub_blocks(b, n, &pos, "inside the first frame's image data");
        if (!st.ok()) return st;
      }
      out->info.format = ImageFormat::kGif;
      out->info.width = static_cast<int>(w);
      out->info.height = static_cast<int>(h);
      out->info.channels = out->gif_alpha ? 4 : 3;
      out->info.bit_depth = 8;
      return Status::Ok();
    } else if (tag == 0x3B) {
      return corrupt("GIF", "the file has no frame");
    } else {
      return corrupt("GIF", "unknown block type at byte " + num(pos));
    }
  }
}

// ---------------------------------------------------------------------------------- BMP

bool bmp_header_size_known(uint32_t hsz) {
  return hsz == 12 || hsz == 16 || hsz == 40 || hsz == 52 || hsz == 56 || hsz == 64 || hsz == 108 ||
         hsz == 124;
}

Status scan_bmp(const uint8_t* b, size_t n, ScanDepth depth, ScanResult* out) {
  const uint32_t offset = le32(b + 10), hsz = le32(b + 14);
  if (hsz != 12 && hsz != 40 && hsz != 56 && hsz != 108 && hsz != 124)
    return unsupported("BMP variant with a " + num(hsz) + "-byte header is not supported");
  if (n < 14 + size_t(hsz)) return truncated("BMP", "inside the header");
  int64_t w, h;
  uint32_t planes, bpp, compression = 0;
  if (hsz == 12) {
    w = le16(b + 18);
    h = le16(b + 20);
    planes = le16(b + 22);
    bpp = le16(b + 24);
  } else {
    w = static_cast<int32_t>(le32(b + 18));
    h = static_cast<int32_t>(le32(b + 22));
    planes = le16(b + 26);
    bpp = le16(b + 28);
    compression = le32(b + 30);
  }
  if (planes != 1) return corrupt("BMP", "plane count is not 1");
  if (w < 0) return corrupt("BMP", "negative width");
  if (h == INT32_MIN) return corrupt("BMP", "invalid height");
  const int64_t abs_h = h < 0 ? -h : h;
  if (w == 0 || abs_h == 0) return zero_size("BMP", uint64_t(w), uint64_t(abs_h));
  if (compression == 1 || compression == 2)
    return unsupported("run-length-encoded BMP is not supported");
  if (compression >= 4)
    return unsupported("BMP with this compression (" + num(compression) + ") is not supported");
  if (compression == 3 && bpp != 16 && bpp != 32)
    return corrupt("BMP", "bit fields need 16 or 32 bits per pixel");
  if (bpp != 1 && bpp != 4 && bpp != 8 && bpp != 16 && bpp != 24 && bpp != 32)
    return unsupported(num(bpp) + "-bit BMP is not supported");
  const size_t header_end =
      14 + size_t(hsz) + ((hsz == 40 || hsz == 56) && compression == 3 ? 12 : 0);
  if (n < header_end) return truncated("BMP", "inside the header");

  // The channel count (3 or 4, from the alpha mask) is the decoder's own reading.
  int sx = 0, sy = 0, comp = 0;
  const int len = n > size_t(INT_MAX) ? INT_MAX : static_cast<int>(n);
  if (!stbi_info_from_memory(b, len, &sx, &sy, &comp) || comp < 1 || comp > 4)
    return corrupt("BMP", "unreadable header");

  if (depth == ScanDepth::kWhole) {
    if (offset < header_end) return corrupt("BMP", "pixel data offset points into the header");
    const uint64_t stride = (uint64_t(w) * bpp + 31) / 32 * 4;
    const uint64_t need = uint64_t(offset) + stride * uint64_t(abs_h);
    if (need > n)
      return truncated("BMP",
                       "the pixel rows need " + num(need) + " bytes, the file has " + num(n));
  }
  out->info.format = ImageFormat::kBmp;
  out->info.width = static_cast<int>(w);
  out->info.height = static_cast<int>(abs_h);
  out->info.channels = comp;
  out->info.bit_depth = 8;
  return Status::Ok();
}

// ---------------------------------------------------------------------------------- TGA
// TGA has no signature; it is recognised by a header whose fields all make sense, the
// same test the decoder applies.

struct TgaHeader {
  int id_len, color_map, type, pal_start, pal_len, pal_bits, bpp;
  uint32_t w, h;
};

bool read_tga_header(const uint8_t* b, size_t n, TgaHeader* t) {
  if (n < 18) return false;
  t->id_len = b[0];
  t->color_map = b[1];
  t->type = b[2];
  t->pal_start = static_cast<int>(le16(b + 3));
  t->pal_len = static_cast<int>(le16(b + 5));
  t->pal_bits = b[7];
  t->w = le16(b + 12);
  t->h = le16(b + 14);
  t->bpp = b[16];
  if (t->color_map == 1) {
    if (t->type != 1 && t->type != 9) return false;
    if (t->pal_bits != 8 && t->pal_bits != 15 && t->pal_bits != 16 && t->pal_bits != 24 &&
        t->pal_bits != 32)
      return false;
    return t->bpp == 8 || t->bpp == 16;
  }
  if (t->color_map != 0) return false;
  if (t->type != 2 && t->type != 3 && t->type != 10 && t->type != 11) return false;
  return t->bpp == 8 || t->bpp == 15 || t->bpp == 16 || t->bpp == 24 || t->bpp == 32;
}

// Channels the decoder produces for `bits` per pixel (or per palette entry).
int tga_channels(int bits, bool grey) {
  switch (bits) {
    case 8:
      return 1;
    case 16:
      return grey ? 2 : 3;
    case 15:
      return 3;
    case 24:
      return 3;
    case 32:
      return 4;
    default:
      return 0;
  }
}

Status scan_tga(const uint8_t* b, size_t n, const TgaHeader& t, ScanDepth depth, ScanResult* out) {
  if (t.w == 0 || t.h == 0) return zero_size("TGA", t.w, t.h);
  const bool indexed = t.color_map == 1;
  const bool rle = t.type >= 8;
  const bool grey = t.type == 3 || t.type == 11;
  const int channels = indexed ? tga_channels(t.pal_bits, false) : tga_channels(t.bpp, grey);
  if (depth == ScanDepth::kWhole) {
    uint64_t pos = 18 + uint64_t(t.id_len);
    if (indexed) {
      if (t.pal_len == 0) return corrupt("TGA", "empty colour map");
      const int entry = (t.pal_bits == 15 || t.pal_bits == 16) ? 2 : channels;
      pos += uint64_t(t.pal_start) + uint64_t(t.pal_len) * entry;
    }
    const uint64_t px = indexed ? uint64_t(t.bpp / 8) : (t.bpp == 15 ? 2 : uint64_t(t.bpp / 8));
    uint64_t remaining = uint64_t(t.w) * t.h;
    if (!rle) {
      if (pos + remaining * px > n) return truncated("TGA", "inside the pixel data");
    } else {
      while (remaining > 0) {
        if (pos >= n) return truncated("TGA", "inside the run-length data");
        const uint8_t cmd = b[pos++];
        const uint64_t count = (cmd & 127) + 1;
        const uint64_t used = count < remaining ? count : remaining;
        pos += (cmd & 0x80) ? px : used * px;
        if (pos > n) return truncated("TGA", "inside the run-length data");
        remaining -= used;
      }
    }
  }
  out->info.format = ImageFormat::kTga;
  out->info.width = static_cast<int>(t.w);
  out->info.height = static_cast<int>(t.h);
  out->info.channels = channels;
  out->info.bit_depth = 8;
  return Status::Ok();
}

bool starts_with(const uint8_t* b, size_t n, const char* s, size_t len) {
  return n >= len && std::memcmp(b, s, len) == 0;
}

}  // namespace

ExifHeader parse_exif_header(const uint8_t* p, size_t size) {
  ExifHeader h;
  if (size < 6 + 8) return h;
  const uint8_t* t = p + 6;  // TIFF header
  const size_t tn = size - 6;
  bool little;
  if (t[0] == 'I' && t[1] == 'I')
    little = true;
  else if (t[0] == 'M' && t[1] == 'M')
    little = false;
  else
    return h;
  auto u16 = [&](uint64_t off) { return little ? le16(t + off) : be16(t + off); };
  auto u32 = [&](uint64_t off) { return little ? le32(t + off) : be32(t + off); };
  if (u16(2) != 42) return h;
  const uint64_t ifd = u32(4);
  if (ifd + 2 > tn) return h;
  const uint32_t count = u16(ifd);
  double res[2] = {0, 0};
  uint32_t unit = 2;  // ResolutionUnit's default: inches
  for (uint32_t i = 0; i < count; ++i) {
    const uint64_t e = ifd + 2 + 12 * uint64_t(i);
    if (e + 12 > tn) break;
    const uint32_t tag = u16(e), type = u16(e + 2), cnt = u32(e + 4);
    if (cnt < 1) continue;
    if (tag == 0x0112) {
      uint32_t v = 0;
      if (type == 3)
        v = u16(e + 8);  // SHORT, as the standard says
      else if (type == 4)
        v = u32(e + 8);  // LONG, written by a few tools
      h.orientation = v >= 1 && v <= 8 ? int(v) : 0;
    } else if ((tag == 282 || tag == 283) && type == 5) {
      const uint64_t at = u32(e + 8);  // a RATIONAL never fits inline
      if (at + 8 <= tn && u32(at + 4) != 0) res[tag - 282] = double(u32(at)) / u32(at + 4);
    } else if (tag == 296 && type == 3) {
      unit = u16(e + 8);
    }
  }
  // Resolution only in inches or centimetres (unit 1 states no unit: an aspect ratio).
  if (res[0] > 0 && res[1] > 0 && (unit == 2 || unit == 3)) {
    const double per_inch = unit == 3 ? 2.54 : 1.0;
    h.dpi_x = res[0] * per_inch;
    h.dpi_y = res[1] * per_inch;
  }
  return h;
}

namespace {
Status scan_format(const uint8_t* b, size_t n, ScanDepth depth, ScanResult* out, int page);
}  // namespace

Status scan_image(const uint8_t* b, size_t n, ScanDepth depth, ScanResult* out, int page) {
  Status st = scan_format(b, n, depth, out, page);
  if (st.ok() && page != 1 && out->info.format != ImageFormat::kTiff)
    st = Status(ErrorCode::kInvalidArgument,
                std::string("a ") + image_format_name(out->info.format) +
                    " file holds one page; there is no page " + std::to_string(page));
  // A resolution no scanner or camera gives (an EXIF or TIFF fraction can say billions of
  // pixels per inch) is reported as none, so what reads it never has to check.
  ImageInfo& info = out->info;
  if (!(info.dpi_x > 0 && info.dpi_x <= kMaxDpi && info.dpi_y > 0 && info.dpi_y <= kMaxDpi))
    info.dpi_x = info.dpi_y = 0;
  return st;
}

namespace {
Status scan_format(const uint8_t* b, size_t n, ScanDepth depth, ScanResult* out, int page) {
  *out = ScanResult();
  if (n == 0 || b == nullptr) return Status(ErrorCode::kEmptyInput, "the file is empty (0 bytes)");

  if (n >= 8 && std::memcmp(b, kPngSignature, 8) == 0) return scan_png(b, n, depth, out);
  if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return scan_jpeg(b, n, depth, out);
  if (starts_with(b, n, "GIF87a", 6) || starts_with(b, n, "GIF89a", 6))
    return scan_gif(b, n, depth, out);
  if (n >= 18 && b[0] == 'B' && b[1] == 'M' && bmp_header_size_known(le32(b + 14)))
    return scan_bmp(b, n, depth, out);
  if (n >= 4 && (std::memcmp(b, "II*\0", 4) == 0 || std::memcmp(b, "MM\0*", 4) == 0))
    return scan_tiff(b, n, depth, out, page);
  TgaHeader tga;
  if (read_tga_header(b, n, &tga)) return scan_tga(b, n, tga, depth, out);

  // A file cut off inside a signature.
  if ((n >= 4 && n < 8 && std::memcmp(b, kPngSignature, n) == 0))
    return truncated("PNG", "inside the signature");
  if (n == 2 && b[0] == 0xFF && b[1] == 0xD8) return truncated("JPEG", "inside the header");
  if (n >= 4 && n < 6 && std::memcmp(b, "GIF8", 4) == 0)
    return truncated("GIF", "inside the signature");

  // Formats people often have, named so the message helps.
  if (n >= 12 && std::memcmp(b, "RIFF", 4) == 0 && std::memcmp(b + 8, "WEBP", 4) == 0)
    return unsupported("WebP images are not supported; convert it to PNG or JPEG first");
  if (n >= 12 && std::memcmp(b + 4, "ftyp", 4) == 0 &&
      (std::memcmp(b + 8, "heic", 4) == 0 || std::memcmp(b + 8, "heix", 4) == 0 ||
       std::memcmp(b + 8, "mif1", 4) == 0 || std::memcmp(b + 8, "avif", 4) == 0))
    return unsupported("HEIC/AVIF images are not supported; convert it to PNG or JPEG first");
  if (n >= 4 && (std::memcmp(b, "II+\0", 4) == 0 || std::memcmp(b, "MM\0+", 4) == 0))
    return unsupported("BigTIFF images are not supported; save it as a classic TIFF or PNG first");
  if (n >= 12 && std::memcmp(b, "\0\0\0\x0CjP  \r\n\x87\n", 12) == 0)
    return unsupported("JPEG 2000 images are not supported; convert it to PNG or JPEG first");
  if ((n >= 2 && b[0] == 0xFF && b[1] == 0x0A) ||
      (n >= 12 && std::memcmp(b, "\0\0\0\x0CJXL \r\n\x87\n", 12) == 0))
    return unsupported("JPEG XL images are not supported; convert it to PNG or JPEG first");
  if (n >= 4 && std::memcmp(b, "8BPS", 4) == 0)
    return unsupported("Photoshop (PSD) files are not supported; export a PNG or JPEG first");
  if (n >= 3 && b[0] == 'P' && b[1] >= '1' && b[1] <= '7' &&
      (b[2] == '\n' || b[2] == '\r' || b[2] == ' ' || b[2] == '\t'))
    return unsupported("Netpbm (PBM/PGM/PPM/PAM) images are not supported; convert it to PNG first");
  if (starts_with(b, n, "#?RADIANCE", 10) || starts_with(b, n, "#?RGBE", 6) ||
      (n >= 4 && b[0] == 0x76 && b[1] == 0x2F && b[2] == 0x31 && b[3] == 0x01))
    return unsupported("HDR / OpenEXR images are not supported; tone-map it to an 8- or 16-bit "
                       "PNG first");
  if (starts_with(b, n, "%PDF", 4))
    return unsupported("PDF files are not supported; export the page as PNG or JPEG first");
  {
    // Text: an SVG (vector drawing) or other XML, possibly after a UTF-8 byte-order mark.
    size_t i = n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF ? 3 : 0;
    while (i < n && i < 64 && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n')) ++i;
    if (starts_with(b + i, n - i, "<svg", 4) || starts_with(b + i, n - i, "<?xml", 5))
      return unsupported("SVG / XML is a drawing or text, not a photo; export a PNG or JPEG first");
  }
  return Status(ErrorCode::kNotAnImage, "not a PNG, JPEG, TIFF, GIF, BMP or TGA image (" + num(n) +
                                            " bytes of unknown data)");
}
}  // namespace

}  // namespace detail
}  // namespace colorize
