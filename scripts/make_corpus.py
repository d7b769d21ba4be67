#!/usr/bin/env python3
"""Generates tests/corpus/: small, odd image files for the decoder tests, and
tests/corpus/expected.tsv with one row per file.

Every image is synthesised here (gradients, blocks, noise from a fixed seed); nothing is
taken from elsewhere. PNGs are written by the small writer below (so 16-bit, palette,
tRNS and interlaced variants are exact); JPEG, BMP, GIF and TGA come from PIL. TIFFs come
from PIL (libtiff), libtiff's tiffcp (Debian libtiff-tools) and a small writer below. The
expectations in expected.tsv are facts of how each file was built, not decoder output.

Columns of expected.tsv:
  file         name inside tests/corpus/
  outcome      "ok" or the error name printed by colorize::error_code_name()
  width height size after EXIF orientation is applied (ok rows only, else "-")
  channels     1 grey, 2 grey+alpha, 3 RGB, 4 RGBA, as the decoder delivers them: palette
               PNGs expand to RGB(A); a tRNS chunk adds alpha; a GIF whose first frame has
               no transparency and covers the screen is RGB
  bit_depth    8 or 16
  orientation  EXIF orientation the header carries: the stored value when it is 1..8, and 1
               when there is none or it is unusable (out of range, cut off, bad offsets)
  red_corner   for the EXIF files: the corner (tl, tr, bl, br) where the red block that was
               drawn at the stored top-left must appear once the image is upright; "-" else

The pixel formulas used here are repeated in tests/core/test_image_pixels.cpp.

Run with a Python that has PIL (with libtiff) and numpy, and tiffcp and tiffset (Debian
libtiff-tools) on the PATH:
  python3 scripts/make_corpus.py
"""
import io
import os
import struct
import sys
import zlib

import numpy as np
from PIL import Image

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "corpus")
rows = []


def put(name, data, outcome="ok", w="-", h="-", c="-", depth="-", orientation=1, red="-"):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    rows.append((name, outcome, w, h, c, depth, orientation, red))


# ------------------------------------------------------------------ a minimal PNG writer

def chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data +
            struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def ihdr(w, h, depth, color, interlace=0):
    return chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, interlace))


def pack_rows(a, depth):
    """a: (h, w, c) array of sample values. Returns a list of packed row bytes."""
    h, w, c = a.shape
    out = []
    for y in range(h):
        if depth == 16:
            out.append(a[y].astype(">u2").tobytes())
        elif depth == 8:
            out.append(a[y].astype(np.uint8).tobytes())
        else:  # 1, 2, 4 bits, one channel, most significant bits first
            vals = a[y, :, 0].astype(np.uint8)
            per = 8 // depth
            padded = np.zeros(((w + per - 1) // per) * per, np.uint8)
            padded[:w] = vals
            packed = np.zeros(len(padded) // per, np.uint8)
            for k in range(per):
                packed |= padded[k::per] << (8 - depth * (k + 1))
            out.append(packed.tobytes())
    return out


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
         (0, 1, 1, 2)]


def png(a, depth, color, plte=None, trns=None, interlace=False):
    """Filter type 0 on every row; Adam7 when interlace is set."""
    h, w = a.shape[:2]
    raw = b""
    if interlace:
        for x0, y0, dx, dy in ADAM7:
            sub = a[y0::dy, x0::dx]
            if sub.shape[0] == 0 or sub.shape[1] == 0:
                continue
            raw += b"".join(b"\x00" + r for r in pack_rows(sub, depth))
    else:
        raw = b"".join(b"\x00" + r for r in pack_rows(a, depth))
    data = b"\x89PNG\r\n\x1a\n" + ihdr(w, h, depth, color, 1 if interlace else 0)
    if plte is not None:
        data += chunk(b"PLTE", bytes(v for rgb in plte for v in rgb))
    if trns is not None:
        data += chunk(b"tRNS", trns)
    return data + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def grid(w, h):
    y, x = np.mgrid[0:h, 0:w]
    return x.astype(np.int64), y.astype(np.int64)


def stack(*planes):
    return np.stack(planes, axis=-1)


def pil_bytes(im, fmt, **kw):
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def rgb_image(r, g, b):
    return Image.fromarray(stack(r, g, b).astype(np.uint8), "RGB")


# ------------------------------------------------------------------------------- files

def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    rng = np.random.default_rng(20261126)

    # --- not images
    put("empty.bin", b"", "empty input")
    put("text.txt", b"This is a plain text file, not an image.\nIt has two lines.\n", "not an image")
    noise = bytearray(rng.integers(0, 256, 512, dtype=np.uint8).tobytes())
    noise[0] = 0x5A  # no signature starts with 'Z'
    noise[1] = 0xA5  # TGA has no signature; byte 1 (colour-map type) must be 0 or 1 for it
    put("random.bin", bytes(noise), "not an image")
    put("png_signature_garbage.png",
        b"\x89PNG\r\n\x1a\n" + b"this is not a chunk, just words after the signature. " * 3,
        "not an image")

    # --- PNG, exact pixels (formulas repeated in test_image_pixels.cpp)
    x, y = grid(40, 30)
    put("grey16.png", png(stack((x * 1000 + y * 2000 + 123) % 65536), 16, 0), "ok", 40, 30, 1, 16)
    x, y = grid(24, 16)
    put("rgb16.png", png(stack((x * 2731 + 17) % 65536, (y * 4099 + 5) % 65536,
                               ((x + y) * 1111 + 999) % 65536), 16, 2), "ok", 24, 16, 3, 16)
    x, y = grid(8, 8)
    put("rgba16.png", png(stack(x * 8000, y * 8000, 65535 - x * 4000, (x * y * 1000 + 1) % 65536),
                          16, 6), "ok", 8, 8, 4, 16)
    x, y = grid(32, 20)
    put("grey_alpha.png", png(stack(x * 8, 255 - y * 12), 8, 4), "ok", 32, 20, 2, 8)
    x, y = grid(32, 24)
    put("rgba.png", png(stack(x * 8, y * 10, (x + y) * 4, (x * 7 + y * 3) % 256), 8, 6),
        "ok", 32, 24, 4, 8)
    palette = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]
    x, y = grid(32, 32)
    idx = stack((x // 8 + y // 8) % 4)
    put("palette.png", png(idx, 8, 3, plte=palette), "ok", 32, 32, 3, 8)
    put("palette_trns.png", png(idx, 8, 3, plte=palette, trns=bytes([255, 128, 0, 64])),
        "ok", 32, 32, 4, 8)
    x, y = grid(16, 16)
    put("grey_trns.png", png(stack(x * 16), 8, 0, trns=struct.pack(">H", 0)), "ok", 16, 16, 2, 8)
    x, y = grid(19, 7)
    put("grey_1bit.png", png(stack((x + y) % 2), 1, 0), "ok", 19, 7, 1, 8)
    x, y = grid(13, 11)
    put("interlaced.png", png(stack(x * 19, y * 23, (x * y) % 256), 8, 2, interlace=True),
        "ok", 13, 11, 3, 8)
    put("one_pixel.png", png(np.array([[[10, 200, 30]]]), 8, 2), "ok", 1, 1, 3, 8)
    x, y = grid(1, 4000)
    put("tall_1x4000.png", png(stack(y % 256), 8, 0), "ok", 1, 4000, 1, 8)

    # --- PNG, hostile or broken
    tiny_idat = chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b"")
    put("huge_header.png", b"\x89PNG\r\n\x1a\n" + ihdr(60000, 60000, 8, 2) + tiny_idat, "too large")
    put("zero_width.png", b"\x89PNG\r\n\x1a\n" + ihdr(0, 10, 8, 0) + tiny_idat, "zero size")
    x, y = grid(64, 64)
    noisy = png(rng.integers(0, 256, (64, 64, 3)), 8, 2)
    put("truncated.png", noisy[: len(noisy) * 6 // 10], "truncated")
    put("truncated_in_header.png", noisy[:20], "truncated")
    put("no_iend.png", noisy[:-12], "truncated")  # IEND is the last 12 bytes
    # 8x8 grey whose IDAT inflates to 8 MB: far beyond the 8 x (1 + 8) bytes the header implies.
    put("zlib_bomb.png", b"\x89PNG\r\n\x1a\n" + ihdr(8, 8, 8, 0) +
        chunk(b"IDAT", zlib.compress(b"\x00" * (8 << 20), 9)) + chunk(b"IEND", b""), "not an image")
    put("unknown_critical_chunk.png", b"\x89PNG\r\n\x1a\n" + ihdr(4, 4, 8, 0) +
        chunk(b"ZZZZ", b"1234") + tiny_idat, "unsupported")

    # --- JPEG
    x, y = grid(64, 48)
    smooth = rgb_image(x * 4, y * 5, 255 - x * 2)
    base = pil_bytes(smooth, "JPEG", quality=90)
    put("baseline.jpg", base, "ok", 64, 48, 3, 8)
    put("progressive.jpg", pil_bytes(smooth, "JPEG", quality=90, progressive=True), "ok", 64, 48, 3, 8)
    x, y = grid(40, 30)
    put("grey.jpg", pil_bytes(Image.fromarray((x * 6).astype(np.uint8), "L"), "JPEG", quality=90),
        "ok", 40, 30, 1, 8)
    put("cmyk.jpg", pil_bytes(Image.new("CMYK", (32, 32), (0, 255, 255, 0)), "JPEG"), "unsupported")
    put("trailing_garbage.jpg", base + b"\x00" * 7 + b"extra bytes after the end-of-image marker",
        "ok", 64, 48, 3, 8)
    assert base[-2:] == b"\xff\xd9"
    put("no_eoi.jpg", base[:-2], "truncated")
    noisy_jpeg = pil_bytes(Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8), "RGB"),
                           "JPEG", quality=95)
    put("truncated.jpg", noisy_jpeg[: len(noisy_jpeg) * 6 // 10], "truncated")
    sof = base.index(b"\xff\xc0")  # baseline frame header: FFC0 len(2) P(1) H(2) W(2)
    big = bytearray(base)
    big[sof + 5: sof + 9] = struct.pack(">HH", 60000, 60000)
    put("huge_header.jpg", bytes(big), "too large")

    # Broken tables (stb_image 2.27 would read out of bounds on these; we refuse them):
    # a Huffman table whose 16 code counts add up to 272 (more than 256 symbols), a scan
    # that names AC table 3 (never defined), a frame component using quantisation table 3
    # (never defined).
    dht = base.index(b"\xff\xc4")
    bad = bytearray(base)
    bad[dht + 5: dht + 21] = bytes([17] * 16)
    put("jpeg_dht_overflow.jpg", bytes(bad), "not an image")
    sos = base.index(b"\xff\xda")
    bad = bytearray(base)
    assert bad[sos + 4] == 3  # three components: (id, tables) pairs follow
    bad[sos + 6] = (bad[sos + 6] & 0xF0) | 3
    put("jpeg_undefined_huffman.jpg", bytes(bad), "not an image")
    bad = bytearray(base)
    assert bad[sos + 4] == 3 and bad[sof + 9] == 3
    bad[sof + 12] = 3  # quantisation table id of the first component
    put("jpeg_undefined_quant.jpg", bytes(bad), "not an image")

    # EXIF orientation. Stored image: 48 x 32, a 16 x 16 red block at the stored top-left,
    # the rest blue-grey. Where the block lands once upright follows from EXIF's definition
    # of each orientation (e.g. 6: stored row 0 is the visual right side, column 0 the top).
    x, y = grid(48, 32)
    red = (x < 16) & (y < 16)
    marked = pil_bytes(rgb_image(np.where(red, 230, 60), np.where(red, 20, 90),
                                 np.where(red, 20, 160)), "JPEG", quality=92)

    def with_app1(jpeg, tiff):
        app1 = b"Exif\x00\x00" + tiff
        return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + jpeg[2:]

    def tiff(orientation, order):
        e = order  # "<" little-endian (II) or ">" big-endian (MM)
        head = (b"II" if e == "<" else b"MM") + struct.pack(e + "HI", 42, 8)
        entry = struct.pack(e + "HHIHH", 0x0112, 3, 1, orientation, 0)
        return head + struct.pack(e + "H", 1) + entry + struct.pack(e + "I", 0)

    corner = {1: "tl", 2: "tr", 3: "br", 4: "bl", 5: "tl", 6: "tr", 7: "br", 8: "bl"}
    for o, order in [(2, "<"), (3, ">"), (4, "<"), (5, ">"), (6, "<"), (7, "<"), (8, "<")]:
        w, h = (32, 48) if o >= 5 else (48, 32)
        put("exif%d_%s.jpg" % (o, "ii" if order == "<" else "mm"), with_app1(marked, tiff(o, order)),
            "ok", w, h, 3, 8, o, corner[o])
    put("exif6_mm.jpg", with_app1(marked, tiff(6, ">")), "ok", 32, 48, 3, 8, 6, "tr")
    # Hostile EXIF: the IFD offset points far outside the block; the count claims 65535
    # entries in a 2-entry block; the value is 9 (undefined). All mean "no orientation".
    bad_offset = b"II" + struct.pack("<HI", 42, 0xFFFFFF00) + b"\x00" * 16
    put("exif_bad_offset.jpg", with_app1(marked, bad_offset), "ok", 48, 32, 3, 8, 1, "tl")
    bad_count = b"MM" + struct.pack(">HIH", 42, 8, 0xFFFF) + struct.pack(">HHIHH", 0x0100, 3, 1, 48, 0)
    put("exif_bad_count.jpg", with_app1(marked, bad_count), "ok", 48, 32, 3, 8, 1, "tl")
    put("exif_value9.jpg", with_app1(marked, tiff(9, "<")), "ok", 48, 32, 3, 8, 1, "tl")

    # --- BMP (PIL writes BITMAPINFOHEADER, bottom-up rows)
    x, y = grid(21, 10)
    bmp24 = pil_bytes(rgb_image(x * 12, y * 25, np.full_like(x, 200)), "BMP")
    put("rgb24.bmp", bmp24, "ok", 21, 10, 3, 8)
    x, y = grid(10, 6)
    pal_im = Image.fromarray(((x + y) % 4).astype(np.uint8), "P")
    pal_im.putpalette([v for rgb in palette for v in rgb] + [0] * (3 * 252))
    put("palette8.bmp", pil_bytes(pal_im, "BMP"), "ok", 10, 6, 3, 8)
    put("truncated.bmp", bmp24[: len(bmp24) * 7 // 10], "truncated")
    zero = bytearray(bmp24)
    zero[18:22] = struct.pack("<i", 0)
    put("zero_width.bmp", bytes(zero), "zero size")

    # --- GIF: two frames; the first is red on the left half, blue on the right; the second
    # is all green. Only the first frame is decoded.
    x, y = grid(30, 20)
    left = x < 15
    f1 = rgb_image(np.where(left, 255, 0), np.zeros_like(x), np.where(left, 0, 255))
    f2 = rgb_image(np.zeros_like(x), np.full_like(x, 255), np.zeros_like(x))
    gif = pil_bytes(f1, "GIF", save_all=True, append_images=[f2], duration=100, loop=0)
    first_desc, first_end, first_gce_transparent = gif_first_frame(gif)
    assert not first_gce_transparent
    assert struct.unpack("<HHHH", gif[first_desc + 1:first_desc + 9]) == (0, 0, 30, 20)
    assert gif.count(b"\x2c") >= 2
    put("anim.gif", gif, "ok", 30, 20, 3, 8)
    put("truncated.gif", gif[: (first_desc + first_end) // 2], "truncated")
    zero = bytearray(gif)
    zero[8:10] = b"\x00\x00"
    put("zero_height.gif", bytes(zero), "zero size")
    huge = bytearray(gif)
    huge[6:10] = struct.pack("<HH", 65535, 65535)
    put("huge_header.gif", bytes(huge), "too large")

    # --- TGA
    x, y = grid(16, 12)
    tga_rgba = pil_bytes(Image.fromarray(stack(x * 16, y * 20, np.full_like(x, 100),
                                               255 - x * 10).astype(np.uint8), "RGBA"), "TGA")
    put("rgba.tga", tga_rgba, "ok", 16, 12, 4, 8)
    x, y = grid(20, 15)
    put("rgb_rle.tga", pil_bytes(rgb_image((x // 5) * 60, y * 17, np.full_like(x, 30)), "TGA",
                                 compression="tga_rle"), "ok", 20, 15, 3, 8)
    x, y = grid(10, 10)
    put("grey.tga", pil_bytes(Image.fromarray((x * 25).astype(np.uint8), "L"), "TGA"),
        "ok", 10, 10, 1, 8)
    put("truncated.tga", tga_rgba[: len(tga_rgba) * 7 // 10], "truncated")

    tiff_files()
    resolution_files()
    metadata_files()
    profile_files()

    with open(os.path.join(OUT, "expected.tsv"), "w") as f:
        f.write("# Generated by scripts/make_corpus.py; see its docstring for the columns.\n")
        f.write("# file\toutcome\twidth\theight\tchannels\tbit_depth\torientation\tred_corner\n")
        for r in rows:
            f.write("\t".join(str(v) for v in r) + "\n")
    total = sum(os.path.getsize(os.path.join(OUT, r[0])) for r in rows)
    print("wrote %d files, %d bytes" % (len(rows), total))


# ------------------------------------------------------------------------------- TIFF
# Files from two independent writers where they can make them (PIL, which writes through
# libtiff, and libtiff's own tiffcp for tiles, planes, the predictor, big-endian and bit
# order), and from the small writer below for what neither makes (4-bit grey and palette,
# premultiplied alpha, 16-bit RGB, the Orientation tag) and for broken files.

def tiff_bytes(w, h, fields, strips, order="<", ifd_first=True):
    """A classic TIFF with one directory. fields: {tag: (type, [values])} (type 3 SHORT,
    4 LONG, 5 RATIONAL as [numerator, denominator, ...]); strips: list of byte strings, whose offsets and byte counts are filled in
    (tags 273 / 279) unless fields already has them. The directory comes right after the
    header (ifd_first) or after the data."""
    e = order
    fields = dict(fields)
    fields.setdefault(256, (4, [w]))
    fields.setdefault(257, (4, [h]))
    fields.setdefault(279, (4, [len(s) for s in strips]))
    tags = sorted(set(fields) | {273})
    n = len(tags)
    ifd_size = 2 + 12 * n + 4
    # Out-of-line values go after the directory; strip data after those (or before all).
    size = {3: 2, 4: 4, 5: 4}  # bytes per number (a RATIONAL is two LONG numbers)

    def out_of_line(t, vals):
        return len(vals) * size[fields[t][0]] > 4
    data = b"".join(strips)
    fields.setdefault(273, (4, [0] * len(strips)))
    extra_len = sum(len(fields[t][1]) * size[fields[t][0]]
                    for t in tags if out_of_line(t, fields[t][1]))
    if ifd_first:
        ifd_at = 8
        data_at = 8 + ifd_size + extra_len
    else:
        data_at = 8
        ifd_at = 8 + len(data)
    if fields[273][1] == [0] * len(strips):
        offs, pos = [], data_at
        for s_ in strips:
            offs.append(pos)
            pos += len(s_)
        fields[273] = (4, offs)
    extra_at = ifd_at + ifd_size
    ifd, extra = struct.pack(e + "H", n), b""
    for t in tags:
        typ, vals = fields[t]
        fmt = e + ("H" if typ == 3 else "I") * len(vals)
        packed = struct.pack(fmt, *vals)
        count = len(vals) // 2 if typ == 5 else len(vals)
        if len(packed) <= 4:
            ifd += struct.pack(e + "HHI", t, typ, count) + packed.ljust(4, b"\0")
        else:
            ifd += struct.pack(e + "HHII", t, typ, count, extra_at + len(extra))
            extra += packed
    ifd += struct.pack(e + "I", 0)
    head = (b"II" if e == "<" else b"MM") + struct.pack(e + "HI", 42, ifd_at)
    return head + (ifd + extra + data if ifd_first else data + ifd + extra)


def pack_bits(values, bits):
    """Rows of samples packed most significant bit first, each row to whole bytes."""
    out = b""
    for row in values:
        acc, n = 0, 0
        buf = bytearray()
        for v in row:
            acc = (acc << bits) | int(v)
            n += bits
            if n == 8:
                buf.append(acc)
                acc, n = 0, 0
        if n:
            buf.append(acc << (8 - n))
        out += bytes(buf)
    return out


def tiffcp(src_bytes, *args):
    """libtiff's tiffcp over a file made by PIL (tiles, planes, predictor, byte order)."""
    import subprocess
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        a, b = os.path.join(d, "in.tif"), os.path.join(d, "out.tif")
        with open(a, "wb") as f:
            f.write(src_bytes)
        subprocess.run(["tiffcp", *args, a, b], check=True)
        with open(b, "rb") as f:
            return f.read()


def tiffset(src_bytes, directory, tag, value):
    """libtiff's tiffset: sets one tag of one directory of a file."""
    import subprocess
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        a = os.path.join(d, "f.tif")
        with open(a, "wb") as f:
            f.write(src_bytes)
        subprocess.run(["tiffset", "-d", str(directory), "-s", str(tag), str(value), a], check=True)
        with open(a, "rb") as f:
            return f.read()


def tiff_files():
    rng = np.random.default_rng(20261206)  # its own stream: the files above stay as they were

    # PIL (libtiff) with its compressions.
    x, y = grid(40, 30)
    put("grey8_lzw.tif", pil_bytes(Image.fromarray(((x * 6 + y * 3) % 256).astype(np.uint8), "L"),
                                   "TIFF", compression="tiff_lzw"), "ok", 40, 30, 1, 8)
    x, y = grid(24, 16)
    rgb24 = rgb_image(x * 10, y * 15, (x + y) * 5)
    put("rgb8_deflate.tif", pil_bytes(rgb24, "TIFF", compression="tiff_adobe_deflate"),
        "ok", 24, 16, 3, 8)
    x, y = grid(16, 12)
    put("rgba8_packbits.tif", pil_bytes(Image.fromarray(stack(x * 16, y * 20, np.full_like(x, 100),
                                                              255 - x * 10).astype(np.uint8), "RGBA"),
                                        "TIFF", compression="packbits"), "ok", 16, 12, 4, 8)
    x, y = grid(19, 7)
    bilevel = pil_bytes(Image.fromarray((((x + y) % 2) * 255).astype(np.uint8), "L").convert("1"),
                        "TIFF")
    put("bilevel.tif", bilevel, "ok", 19, 7, 1, 8)

    # tiffcp: 16-bit grey in 16 x 16 tiles, LZW with the predictor, big-endian; RGB in
    # separate planes, Deflate with the predictor, 5 rows per strip; the bilevel file with
    # its bits in the reverse order (FillOrder 2).
    x, y = grid(35, 21)
    g16 = Image.fromarray(((x * 1000 + y * 2000 + 123) % 65536).astype(np.uint16), "I;16")
    put("grey16_tiles_pred_mm.tif",
        tiffcp(pil_bytes(g16, "TIFF"), "-B", "-t", "-w", "16", "-l", "16", "-c", "lzw:2"),
        "ok", 35, 21, 1, 16)
    put("rgb8_planar_zip.tif",
        tiffcp(pil_bytes(rgb24, "TIFF"), "-p", "separate", "-r", "5", "-c", "zip:2"),
        "ok", 24, 16, 3, 8)
    put("bilevel_lsb.tif", tiffcp(bilevel, "-f", "lsb2msb", "-c", "none"), "ok", 19, 7, 1, 8)

    # PIL: two pages; the first is red on the left half, blue on the right; only it counts.
    x, y = grid(30, 20)
    left = x < 15
    p1 = rgb_image(np.where(left, 255, 0), np.zeros_like(x), np.where(left, 0, 255))
    p2 = rgb_image(np.zeros_like(x), np.full_like(x, 255), np.zeros_like(x))
    put("two_pages.tif", pil_bytes(p1, "TIFF", save_all=True, append_images=[p2]), "ok", 30, 20, 3, 8)
    # Two pages with a reduced-resolution copy of the first between them (NewSubfileType 1,
    # set by libtiff's tiffset), as scanners store previews: still two pages.
    thumb = p1.resize((15, 10))
    put("thumb_between_pages.tif",
        tiffset(pil_bytes(p1, "TIFF", save_all=True, append_images=[thumb, p2]), 1, 254, 1),
        "ok", 30, 20, 3, 8)

    # Two pages scanned at different resolutions (300 and 600 dpi; the second set by
    # tiffset), each to be taken at its own.
    put("pages_dpi.tif", tiffset(tiffset(pil_bytes(p1, "TIFF", save_all=True, append_images=[p2],
                                                   dpi=(300, 300)), 1, 282, 600), 1, 283, 600),
        "ok", 30, 20, 3, 8)

    # The small writer. 4-bit grey, WhiteIsZero: stored v = (x + y) % 16, seen as 15 - v.
    x, y = grid(13, 5)
    put("grey4_miniswhite.tif",
        tiff_bytes(13, 5, {258: (3, [4]), 262: (3, [0])}, [pack_bits((x + y) % 16, 4)]),
        "ok", 13, 5, 1, 8)
    # 4-bit palette: 16 colours (i * 17, 255 - i * 17, (i * 50) % 256) widened as v * 257.
    x, y = grid(11, 6)
    cmap = ([i * 17 * 257 for i in range(16)] + [(255 - i * 17) * 257 for i in range(16)] +
            [((i * 50) % 256) * 257 for i in range(16)])
    put("palette4.tif", tiff_bytes(11, 6, {258: (3, [4]), 262: (3, [3]), 320: (3, cmap)},
                                   [pack_bits((x * 3 + y) % 16, 4)], order=">"),
        "ok", 11, 6, 3, 8)
    # Grey with premultiplied alpha (ExtraSamples 1): v = x * 30, a = 255 - y * 60, stored
    # v * a // 255; read back as straight alpha, within 1 of v.
    x, y = grid(8, 4)
    a = 255 - y * 60
    put("grey_premultiplied.tif",
        tiff_bytes(8, 4, {258: (3, [8, 8]), 262: (3, [1]), 277: (3, [2]), 338: (3, [1])},
                   [stack(x * 30 * a // 255, a).astype(np.uint8).tobytes()]),
        "ok", 8, 4, 2, 8)
    # 16-bit RGB, little-endian, the formula of rgb16.png, data before the directory.
    x, y = grid(24, 16)
    rgb16 = stack((x * 2731 + 17) % 65536, (y * 4099 + 5) % 65536, ((x + y) * 1111 + 999) % 65536)
    put("rgb16.tif", tiff_bytes(24, 16, {258: (3, [16, 16, 16]), 262: (3, [2]), 277: (3, [3])},
                                [rgb16.astype("<u2").tobytes()], ifd_first=False),
        "ok", 24, 16, 3, 16)
    # The Orientation tag: stored 48 x 32 with a red block at the stored top-left, as the
    # EXIF JPEGs; 6 = turn 90 degrees clockwise, so it lands top right of a 32 x 48 image.
    x, y = grid(48, 32)
    red = (x < 16) & (y < 16)
    marked = stack(np.where(red, 230, 60), np.where(red, 20, 90), np.where(red, 20, 160))
    rgb_fields = {258: (3, [8, 8, 8]), 262: (3, [2]), 277: (3, [3])}
    put("orient6_mm.tif", tiff_bytes(48, 32, {**rgb_fields, 274: (3, [6])},
                                     [marked.astype(np.uint8).tobytes()], order=">"),
        "ok", 32, 48, 3, 8, 6, "tr")
    put("orient3.tif", tiff_bytes(48, 32, {**rgb_fields, 274: (3, [3])},
                                  [marked.astype(np.uint8).tobytes()]),
        "ok", 48, 32, 3, 8, 3, "br")

    # Unsupported, each named.
    put("bigtiff.tif", b"II+\0\x08\0\0\0" + b"\0" * 24, "unsupported")
    put("cmyk.tif", pil_bytes(Image.new("CMYK", (8, 8), (0, 255, 255, 0)), "TIFF"), "unsupported")
    put("jpeg_compressed.tif", pil_bytes(rgb24, "TIFF", compression="jpeg"), "unsupported")
    put("lzw_old_style.tif", tiff_bytes(4, 4, {258: (3, [8]), 259: (3, [5]), 262: (3, [1])},
                                        [b"\x00\x01\x02\x03" * 4]), "unsupported")
    put("float.tif", pil_bytes(Image.fromarray((x * 0.5).astype(np.float32), "F"), "TIFF"),
        "unsupported")

    # Broken or hostile.
    noisy = pil_bytes(Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8), "RGB"),
                      "TIFF", compression="tiff_lzw")
    put("truncated.tif", noisy[: len(noisy) * 6 // 10], "truncated")
    x, y = grid(32, 32)
    data = stack(x * 8).astype(np.uint8).tobytes()
    whole = tiff_bytes(32, 32, {258: (3, [8]), 262: (3, [1]), 278: (3, [8])},
                       [data[i:i + 256] for i in range(0, 1024, 256)])
    put("truncated_strips.tif", whole[:-300], "truncated")
    put("zero_width.tif", tiff_bytes(0, 10, {258: (3, [8]), 262: (3, [1])}, [b"\0" * 10]),
        "zero size")
    put("huge_header.tif", tiff_bytes(60000, 60000, {258: (3, [8]), 262: (3, [1])}, [b"\0" * 64]),
        "too large")
    garbage = bytes([0x80]) + rng.integers(0, 256, 200, dtype=np.uint8).tobytes()
    put("lzw_garbage.tif", tiff_bytes(16, 16, {258: (3, [8]), 259: (3, [5]), 262: (3, [1])},
                                      [garbage]), "not an image")
    # 8 x 8 grey whose Deflate strip inflates to 8 MB, far beyond the 64 bytes it should hold.
    put("zlib_bomb.tif", tiff_bytes(8, 8, {258: (3, [8]), 259: (3, [8]), 262: (3, [1])},
                                    [zlib.compress(b"\0" * (8 << 20), 9)]), "not an image")
    put("huge_tiles.tif", tiff_bytes(8, 8, {258: (3, [8]), 262: (3, [1]), 322: (4, [1 << 16]),
                                            323: (4, [1 << 16]), 324: (4, [8]), 325: (4, [64])},
                                     [b"\0" * 64]), "not an image")
    put("few_offsets.tif", tiff_bytes(4, 10, {258: (3, [8]), 262: (3, [1]), 278: (3, [1])},
                                      [b"\0" * 4, b"\0" * 4]), "not an image")


# ------------------------------------------------------------------------ resolution
# Files that state how many pixels make an inch (the CLI carries it to its results): PIL's
# JPEG (JFIF density in dots per inch; or only EXIF X/YResolution, per centimetre), PNG (pHYs, pixels per metre: 254 dpi is exactly
# 10,000 per metre) and TIFF (X/YResolution per inch); the small writer's TIFF per
# centimetre (100 per cm = 254 dpi) and with different x and y.

def resolution_files():
    x, y = grid(20, 10)
    im = rgb_image(x * 12, y * 25, np.full_like(x, 90))
    put("dpi300.jpg", pil_bytes(im, "JPEG", quality=90, dpi=(300, 300)), "ok", 20, 10, 3, 8)
    put("dpi254.png", pil_bytes(im, "PNG", dpi=(254, 254)), "ok", 20, 10, 3, 8)
    put("dpi400.tif", pil_bytes(im, "TIFF", dpi=(400, 400)), "ok", 20, 10, 3, 8)
    # Only in EXIF (PIL's JFIF header then states an aspect ratio only): 100 pixels per cm.
    exif = Image.Exif()
    exif[282], exif[283], exif[296] = 100.0, 100.0, 3
    put("dpi_exif_cm.jpg", pil_bytes(im, "JPEG", quality=90, exif=exif.tobytes()),
        "ok", 20, 10, 3, 8)
    rational = {282: (5, [100, 1]), 283: (5, [50, 1]), 296: (3, [3])}  # 254 x 127 dpi
    put("dpi_cm.tif", tiff_bytes(20, 10, {258: (3, [8]), 262: (3, [1]), **rational},
                                 [(x * 12).astype(np.uint8).tobytes()]), "ok", 20, 10, 1, 8)


# -------------------------------------------------------------------------- metadata
# What a camera or an archive records (the CLI carries it to its results): EXIF and XMP as
# PIL writes them into JPEG (APP1; the XMP segment spliced in after it here, as PIL 9 has no
# XMP option for JPEG), PNG (eXIf; a compressed iTXt "XML:com.adobe.xmp") and TIFF (the text
# tags and tag 700; no camera or GPS directory). The values are repeated in
# tests/core/test_image_metadata.cpp.
META_TEXT = {270: "Grandma at the lake, 1952", 271: "Epson", 272: "Perfection V600",
             306: "2024:03:01 10:00:00", 315: "Ada Example", 33432: "(c) the Example family"}
META_TAKEN = "1952:07:04 10:00:00"
META_XMP = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
            '02/22-rdf-syntax-ns#"><rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" tiff:Orientation="6"><dc:title>At the '
            'lake</dc:title></rdf:Description></rdf:RDF></x:xmpmeta>')


def metadata_files():
    x, y = grid(20, 10)
    im = Image.fromarray((x * 12).astype(np.uint8), "L")
    exif = Image.Exif()
    for tag, text in META_TEXT.items():
        exif[tag] = text
    exif[0x0112] = 6
    # The camera and GPS directories: date taken, exposure 1/125 s, ISO 200, a maker note;
    # latitude 52 deg 30 min N.
    from PIL.TiffImagePlugin import IFDRational
    exif[0x8769] = {36867: META_TAKEN, 33434: IFDRational(1, 125), 34855: 200,
                    37500: b"MakerNoteBytes"}
    exif[0x8825] = {1: "N", 2: (IFDRational(52, 1), IFDRational(30, 1), IFDRational(0, 1))}
    jpg = pil_bytes(im, "JPEG", quality=90, exif=exif.tobytes())
    app1 = jpg.index(b"\xff\xe1")
    end = app1 + 2 + struct.unpack(">H", jpg[app1 + 2:app1 + 4])[0]
    xmp = b"http://ns.adobe.com/xap/1.0/\0" + META_XMP.encode()
    jpg = jpg[:end] + b"\xff\xe1" + struct.pack(">H", len(xmp) + 2) + xmp + jpg[end:]
    put("meta.jpg", jpg, "ok", 10, 20, 1, 8, 6)
    from PIL import PngImagePlugin, TiffImagePlugin
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", META_XMP, zip=True)
    put("meta.png", pil_bytes(im, "PNG", pnginfo=info, exif=exif.tobytes()), "ok", 20, 10, 1, 8)
    tags = TiffImagePlugin.ImageFileDirectory_v2()
    for tag, text in META_TEXT.items():
        tags[tag] = text
    tags[700] = META_XMP.encode()
    put("meta.tif", pil_bytes(im, "TIFF", tiffinfo=tags), "ok", 20, 10, 1, 8)


# ------------------------------------------------------------------------ colour profiles
# Files that embed a colour profile (the decoder converts them to sRGB), the profiles written
# by the small ICC writer below, and what littleCMS (PIL's ImageCms; an independent colour
# engine) makes of each: tests/data/icc/NAME.png, the same pixels converted to sRGB, and
# tests/data/icc/profiles.tsv (file, use, the profile's name, the reference or "-" when the
# decoded pixels must stay as stored, the tolerance in levels of the file's bit depth).
ICC_DIR = os.path.join(OUT, "..", "data", "icc")
D50 = (0.9642, 1.0, 0.8249)
# Display P3's and ProPhoto's colorants adapted to D50, as their published profiles state.
P3 = ((0.515102, 0.241182, -0.00104941), (0.291965, 0.692236, 0.0418818),
      (0.157153, 0.0665819, 0.784378))
PROPHOTO = ((0.7977, 0.2880, 0.0), (0.1352, 0.7119, 0.0), (0.0313, 0.0001, 0.8249))
SRGB_PARAMS = (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045)


def s15(v):
    return struct.pack(">i", int(round(v * 65536)))


def icc_xyz(x, y, z):
    return b"XYZ \0\0\0\0" + s15(x) + s15(y) + s15(z)


def icc_curv(values=None, gamma=None):
    if gamma is not None:
        return b"curv\0\0\0\0" + struct.pack(">IH", 1, int(round(gamma * 256)))
    values = [int(round(min(max(v, 0.0), 1.0) * 65535)) for v in values]
    return b"curv\0\0\0\0" + struct.pack(">I", len(values)) + struct.pack(">%dH" % len(values), *values)


def icc_para(function, params):
    return b"para\0\0\0\0" + struct.pack(">HH", function, 0) + b"".join(s15(p) for p in params)


def icc_desc(name, version):
    if version >= 4:  # multiLocalizedUnicode, one English record
        text = name.encode("utf-16-be")
        return b"mluc\0\0\0\0" + struct.pack(">II2s2sII", 1, 12, b"en", b"US", len(text), 28) + text
    text = name.encode() + b"\0"  # textDescriptionType: ASCII, empty Unicode and ScriptCode
    return (b"desc\0\0\0\0" + struct.pack(">I", len(text)) + text + struct.pack(">II", 0, 0) +
            struct.pack(">HB", 0, 0) + b"\0" * 67)


def icc_profile(space, tags, version=4, pcs=b"XYZ ", device_class=b"mntr"):
    """An ICC profile: the header, the tag table, the tags' data (each 4-byte aligned)."""
    tags = [(b"wtpt", icc_xyz(*D50))] + tags
    data, table = b"", []
    start = 128 + 4 + 12 * len(tags)
    for sig, blob in tags:
        table.append(struct.pack(">4sII", sig, start + len(data), len(blob)))
        data += blob + b"\0" * (-len(blob) % 4)
    size = start + len(data)
    header = (struct.pack(">I4s", size, b"\0\0\0\0") +
              (bytes([4, 0x30, 0, 0]) if version >= 4 else bytes([2, 0x10, 0, 0])) +
              device_class + space + pcs + b"\0" * 12 + b"acsp" + b"\0" * 4 + b"\0" * 4 +
              b"\0" * 8 + b"\0" * 8 + struct.pack(">I", 0) + s15(D50[0]) + s15(D50[1]) + s15(D50[2]) +
              b"\0" * 4 + b"\0" * 16 + b"\0" * 28)
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + b"".join(table) + data


def rgb_profile(name, curves, colorants, version=4):
    tags = [(b"desc", icc_desc(name, version))]
    for sig, curve in zip((b"rTRC", b"gTRC", b"bTRC"), curves):
        tags.append((sig, curve))
    for sig, xyz in zip((b"rXYZ", b"gXYZ", b"bXYZ"), colorants):
        tags.append((sig, icc_xyz(*xyz)))
    return icc_profile(b"RGB ", tags, version)


def grey_profile(name, curve, version=4, pcs=b"XYZ "):
    return icc_profile(b"GRAY", [(b"desc", icc_desc(name, version)), (b"kTRC", curve)], version, pcs)


def srgb_encode(y):
    y = np.clip(y, 0.0, 1.0)
    return np.where(y <= 0.0031308, 12.92 * y, 1.055 * np.power(y, 1 / 2.4) - 0.055)


def cms_reference(im, profile):
    """littleCMS's conversion of `im` (its numbers read by `profile`) to sRGB."""
    from PIL import ImageCms
    src = ImageCms.ImageCmsProfile(io.BytesIO(profile))
    dst = ImageCms.createProfile("sRGB")
    # NOTPRECALC: each pixel through the profile's own curves, not littleCMS's precalculated
    # tables (which are several levels off in the deepest shadows of 8-bit images).
    out = ImageCms.profileToProfile(im, src, dst, renderingIntent=1, outputMode="RGB",
                                    flags=ImageCms.FLAGS["NOTPRECALC"])
    return out.convert("L") if im.mode == "L" else out


def profile_files():
    from PIL import ImageCms
    os.makedirs(ICC_DIR, exist_ok=True)
    table = []

    def entry(name, data, use, profile_name, im, profile=None, reference=None, tolerance=0,
              w=None, h=None, c=None, depth=8):
        put(name, data, "ok", w or im.size[0], h or im.size[1], c or len(im.getbands()), depth)
        ref = "-"
        if reference is None and profile is not None:
            reference = cms_reference(im, profile)
        if reference is not None:
            ref = name.rsplit(".", 1)[0] + ".png"
            # Pixels only: littleCMS's output carries its sRGB profile, dated when made.
            Image.fromarray(np.asarray(reference)).save(os.path.join(ICC_DIR, ref))
        table.append((name, use, profile_name or "-", ref, tolerance))

    x, y = grid(32, 16)
    grey = Image.fromarray((x * 8 + y // 2).astype(np.uint8), "L")
    colour = rgb_image(x * 8, y * 16, 255 - x * 8)

    # A grey profile with a linear tone curve (as scientific cameras state), PNG iCCP.
    p = grey_profile("Grey linear (test)", icc_curv(gamma=1.0))
    entry("icc_grey_linear.png", pil_bytes(grey, "PNG", icc_profile=p), "converted",
          "Grey linear (test)", grey, p)
    # A print curve darker in the midtones, as a 4,096-entry table, and a private tag of
    # 70,000 bytes (as profiles carry vendor data): the JPEG must split the profile over two
    # APP2 segments. littleCMS converts what PIL decoded, which may differ from stb's
    # decoding by a level (on this file they agree), hence the tolerance.
    curve = [(i / 4095) ** 2.9 for i in range(4096)]
    p = icc_profile(b"GRAY", [(b"desc", icc_desc("Print grey (test)", 2)), (b"kTRC", icc_curv(curve)),
                              (b"zpad", b"data\0\0\0\0" + bytes(70000))], version=2)
    jpg = pil_bytes(grey, "JPEG", quality=95, icc_profile=p)
    assert jpg.count(b"ICC_PROFILE\0") == 2
    entry("icc_grey_print.jpg", jpg, "converted", "Print grey (test)", Image.open(io.BytesIO(jpg)),
          p, tolerance=1)
    # The same profile with one of its two parts cut out: not applied.
    first = jpg.index(b"\xff\xe2")
    second = jpg.index(b"\xff\xe2", first + 4)
    cut = jpg[:second] + jpg[second + 2 + struct.unpack(">H", jpg[second + 2:second + 4])[0]:]
    entry("icc_part_missing.jpg", cut, "not applied", "-", grey)
    # Display P3 (sRGB's curve, wider primaries), TIFF tag 34675.
    p3 = rgb_profile("Display P3 (test)", [icc_para(3, SRGB_PARAMS)] * 3, P3)
    entry("icc_p3.tif", pil_bytes(colour, "TIFF", icc_profile=p3), "converted",
          "Display P3 (test)", colour, p3, tolerance=1)
    # ProPhoto primaries with a gamma 1.8 curve ('curv' with one entry), v2: colours beyond
    # sRGB are clipped.
    pro = rgb_profile("ProPhoto-like (test)", [icc_curv(gamma=1.8)] * 3, PROPHOTO, version=2)
    entry("icc_prophoto.png", pil_bytes(colour, "PNG", icc_profile=pro), "converted",
          "ProPhoto-like (test)", colour, pro, tolerance=1)
    # 16-bit grey, a grey profile whose connection space is CIELAB (the curve gives L*),
    # parametric type 1.
    p = grey_profile("Grey Lab (test)", icc_para(1, (1.5, 1.0, 0.0)), pcs=b"Lab ")
    wide = Image.fromarray((x * 2000 + y * 100).astype(np.uint16), "I;16")
    raw = png((x * 2000 + y * 100)[:, :, None], 16, 0)
    iccp = chunk(b"iCCP", b"Grey Lab\0\0" + zlib.compress(p))
    entry("icc_grey16_lab.png", raw[:33] + iccp + raw[33:], "converted", "Grey Lab (test)", wide,
          reference=Image.fromarray(np.round(srgb_encode(lab_to_y(np.power(
              (x * 2000 + y * 100) / 65535.0, 1.5) * 100)) * 65535).astype(np.uint16), "I;16"),
          tolerance=1, depth=16)
    # PNG gAMA 1.0 without a profile: linear samples.
    a = (x * 8 + y // 2).astype(np.uint8)
    raw = png(a[:, :, None], 8, 0)
    entry("png_gamma_linear.png", raw[:33] + chunk(b"gAMA", struct.pack(">I", 100000)) + raw[33:],
          "converted", "PNG gamma 1.00000", grey,
          reference=Image.fromarray(np.round(srgb_encode(a / 255.0) * 255).astype(np.uint8), "L"))
    # sRGB itself (littleCMS's own profile, its colorants and curve stored to 1/65536):
    # nothing to change.
    srgb = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    srgb[24:36] = bytes(12)  # its creation date, so the file is the same on every run
    srgb = bytes(srgb)
    entry("icc_srgb.png", pil_bytes(colour, "PNG", icc_profile=srgb), "sRGB", "sRGB built-in",
          colour)
    # Table-based profiles (device-to-PCS tables, as calibrated scanners and cameras write):
    # lut16 into CIELAB (a scanner's warm cast), lut8, lutAtoB into CIEXYZ with every step
    # (A curves, grid, M curves, matrix, B curves), and a grey lutAtoB into CIELAB.
    lut16 = icc_profile(b"RGB ", [(b"desc", icc_desc("Scanner lut16 (test)", 2)),
                                  (b"A2B0", icc_lut(2, 9, lab_model))], version=2,
                        pcs=b"Lab ", device_class=b"scnr")
    entry("icc_lut16.tif", pil_bytes(colour, "TIFF", icc_profile=lut16), "converted",
          "Scanner lut16 (test)", colour, lut16, tolerance=1)
    lut8 = icc_profile(b"RGB ", [(b"desc", icc_desc("Scanner lut8 (test)", 2)),
                                 (b"A2B0", icc_lut(1, 5, lab_model))], version=2, pcs=b"Lab ",
                       device_class=b"scnr")
    entry("icc_lut8.png", pil_bytes(colour, "PNG", icc_profile=lut8), "converted",
          "Scanner lut8 (test)", colour, lut8, tolerance=1)
    mab = icc_profile(b"RGB ", [(b"desc", icc_desc("Camera lutAtoB (test)", 4)),
                                (b"A2B0", icc_lut_atob(3, 17, xyz_model))], device_class=b"scnr")
    entry("icc_lutatob.png", pil_bytes(colour, "PNG", icc_profile=mab), "converted",
          "Camera lutAtoB (test)", colour, mab, tolerance=1)
    grey_mab = icc_profile(b"GRAY", [(b"desc", icc_desc("Grey lutAtoB (test)", 4)),
                                     (b"A2B0", icc_lut_atob(1, 33, grey_lab_model))],
                           pcs=b"Lab ", device_class=b"scnr")
    entry("icc_grey_lutatob.png", pil_bytes(grey, "PNG", icc_profile=grey_mab), "converted",
          "Grey lutAtoB (test)", grey, grey_mab, tolerance=1)
    # A table that is cut short: reported, not applied.
    lut = icc_profile(b"RGB ", [(b"desc", icc_desc("Scanner table (test)", 4)),
                                (b"A2B0", b"mft2\0\0\0\0" + bytes([3, 3, 9, 0]) + bytes(36) +
                                 struct.pack(">HH", 256, 2))],
                      device_class=b"scnr")
    entry("icc_table_only.jpg", pil_bytes(colour, "JPEG", quality=95, icc_profile=lut),
          "not applied", "Scanner table (test)", colour)

    with open(os.path.join(ICC_DIR, "profiles.tsv"), "w") as f:
        f.write("# Generated by scripts/make_corpus.py (profile_files).\n")
        f.write("# file\tuse\tname\treference\ttolerance\n")
        for row in table:
            f.write("\t".join(str(v) for v in row) + "\n")


def srgb_decode(v):
    v = np.asarray(v, dtype=np.float64)
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


SRGB_D50 = np.array([[0.4360747, 0.3850649, 0.1430804], [0.2225045, 0.7168786, 0.0606169],
                     [0.0139322, 0.0971045, 0.7141733]])


def lab_model(rgb):
    """A scanner's table: device RGB read as sRGB, to CIELAB (D50) with a warm cast."""
    xyz = SRGB_D50 @ srgb_decode(rgb) / np.array(D50)
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return 116 * f[1] - 16, 500 * (f[0] - f[1]) + 3, 200 * (f[1] - f[2]) + 8


def xyz_model(rgb):
    """A camera's table: grid inputs as linear Display P3, to CIEXYZ (D50), as PCS numbers."""
    return (np.array(P3).T @ np.asarray(rgb, dtype=np.float64)) * 32768 / 65535


def grey_lab_model(v):
    return v[0] ** 1.4 * 100, 0.0, 0.0


def icc_lut(bytes_per, grid, model):
    """lut8 ('mft1') or lut16 ('mft2') from RGB to CIELAB: input curves x^1.1, a grid of
    `grid` points per channel of model(), identity output curves."""
    n_in = 256
    curve = [(i / (n_in - 1)) ** 1.1 for i in range(n_in)]
    clut = []
    for r in range(grid):
        for g in range(grid):
            for b in range(grid):
                L, a, bb = model(np.array([r, g, b]) / (grid - 1))
                if bytes_per == 2:  # the legacy 16-bit CIELAB encoding: L* 100 = 0xFF00
                    clut += [L / 100 * 65280, (a + 128) * 256, (bb + 128) * 256]
                else:
                    clut += [L / 100 * 255, a + 128, bb + 128]
    top = 65535 if bytes_per == 2 else 255
    fmt = ">%dH" if bytes_per == 2 else "%dB"
    pack = lambda vals: struct.pack(fmt % len(vals), *[int(round(min(max(v, 0), top))) for v in vals])
    head = (b"mft2" if bytes_per == 2 else b"mft1") + b"\0\0\0\0" + bytes([3, 3, grid, 0])
    head += b"".join(s15(v) for v in (1, 0, 0, 0, 1, 0, 0, 0, 1))
    if bytes_per == 2:
        head += struct.pack(">HH", n_in, 2)
        out_curves = pack([0, 65535] * 3)
    else:
        out_curves = pack(list(range(256)) * 3)
    return head + pack([v * top for v in curve] * 3) + pack(clut) + out_curves


def icc_lut_atob(inputs, grid, model):
    """lutAtoB ('mAB '): A curves x^1.2, a 16-bit grid of model(), M curves x^0.8, the matrix
    0.9 x + 0.02, B curves x^1.25 (so each step and its order matter)."""
    outputs = []
    for idx in np.ndindex(*([grid] * inputs)):
        outputs += list(model(np.array(idx) / (grid - 1)))
    if model is grey_lab_model:  # CIELAB as lutAtoB encodes it: L* 100 = 1.0, a* 0 = 128/255
        outputs = [v / 100 if i % 3 == 0 else (v + 128) / 255 for i, v in enumerate(outputs)]
    # What the grid must hold so that B(0.9 M(grid) + 0.02) = the model's value.
    wanted = np.clip(np.array(outputs), 0, 1)
    held = np.clip(((np.power(wanted, 1 / 1.25) - 0.02) / 0.9), 0, 1) ** (1 / 0.8)
    clut = struct.pack(">%dH" % len(held), *[int(round(v * 65535)) for v in held])
    a_curves = b"".join(icc_para(0, [1.2]) for _ in range(inputs))
    m_curves = b"".join(icc_para(0, [0.8]) for _ in range(3))
    b_curves = b"".join(icc_para(0, [1.25]) for _ in range(3))
    matrix = b"".join(s15(v) for v in (0.9, 0, 0, 0, 0.9, 0, 0, 0, 0.9, 0.02, 0.02, 0.02))
    grid_head = bytes([grid] * inputs + [0] * (16 - inputs)) + bytes([2, 0, 0, 0])
    body = {}
    at = 32
    for name, blob in (("b", b_curves), ("matrix", matrix), ("m", m_curves),
                       ("clut", grid_head + clut), ("a", a_curves)):
        body[name] = (at, blob + b"\0" * (-len(blob) % 4))
        at += len(body[name][1])
    head = b"mAB \0\0\0\0" + bytes([inputs, 3, 0, 0]) + struct.pack(
        ">5I", body["b"][0], body["matrix"][0], body["m"][0], body["clut"][0], body["a"][0])
    return head + b"".join(body[k][1] for k in ("b", "matrix", "m", "clut", "a"))


def lab_to_y(lightness):
    fy = (lightness + 16) / 116
    return np.where(fy > 6 / 29, fy ** 3, 3 * (6 / 29) ** 2 * (fy - 4 / 29))


def gif_first_frame(g):
    """Returns (offset of the first image descriptor, offset just past its image data,
    whether a graphic control extension before it sets a transparent colour)."""
    pos = 13
    if g[10] & 0x80:
        pos += 3 * (2 << (g[10] & 7))
    transparent = False
    while g[pos] == 0x21:
        if g[pos + 1] == 0xF9 and g[pos + 2] == 4:
            transparent = bool(g[pos + 3] & 1)
        pos += 2
        while g[pos]:
            pos += 1 + g[pos]
        pos += 1
    assert g[pos] == 0x2C
    desc = pos
    pos += 10
    if g[desc + 9] & 0x80:
        pos += 3 * (2 << (g[desc + 9] & 7))
    pos += 1
    while g[pos]:
        pos += 1 + g[pos]
    return desc, pos + 1, transparent


if __name__ == "__main__":
    sys.exit(main())
