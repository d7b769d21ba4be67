"""The CLI's result files, read by another program (PIL, with libtiff and its own PNG and
JPEG readers): TIFF results hold the same pixels as PNG results, and every format carries
the scan's resolution and the note that the colour is a guess.

Needs the native build (COLORIZE_BIN, set by scripts/test.sh); skipped without it."""
import io
import os
import struct
import subprocess
import zlib

import numpy as np
import pytest
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("COLORIZE_BIN", os.path.join(ROOT, "build", "bin", "colorize"))
DATA = os.path.join(ROOT, "tests", "data")
CORPUS = os.path.join(ROOT, "tests", "corpus")

pytestmark = pytest.mark.skipif(not os.access(BIN, os.X_OK), reason="no colorize binary built")


def colorize(src, out, *extra):
    r = subprocess.run([BIN, src, "--reference", os.path.join(DATA, "landscape-reference.jpg"),
                        "-q", "-o", str(out), *extra], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("src", ["landscape-grey.jpg", "grey16_tiles_pred_mm.tif",
                                 "grey_premultiplied.tif", "dpi400.tif"])
def test_tiff_result_reads_as_the_png_result(tmp_path, src):
    path = os.path.join(DATA if src.endswith(".jpg") else CORPUS, src)
    colorize(path, tmp_path / "r.tif")
    colorize(path, tmp_path / "r.png")
    tif, png = Image.open(tmp_path / "r.tif"), Image.open(tmp_path / "r.png")
    assert tif.format == "TIFF" and png.format == "PNG"
    assert tif.size == png.size and tif.mode == png.mode
    # 16-bit results: PIL reads both files' high bytes, so this compares those.
    assert np.array_equal(np.asarray(tif), np.asarray(png))
    assert tif.info.get("compression") == "tiff_adobe_deflate"
    assert "not a record of the original" in tif.tag_v2.get(270, "")
    assert "not a record of the original" in png.info.get("Comment", "")


def png_chunks(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at, chunks = 8, []
    while at < len(data):
        n = struct.unpack(">I", data[at:at + 4])[0]
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + n]
        assert zlib.crc32(kind + body) == struct.unpack(">I", data[at + 8 + n:at + 12 + n])[0]
        chunks.append((kind, body))
        at += 12 + n
    return chunks


@pytest.mark.parametrize("depth", [8, 16])
def test_large_png_results_are_one_valid_zlib_stream(tmp_path, depth):
    # Big enough for the writer's bands (pieces compressed apart, one IDAT each): zlib itself
    # (which checks every block and the Adler-32) inflates the IDATs joined into the filtered
    # rows, and libtiff and PIL's PNG reader see the same pixels in the TIFF and PNG results.
    rng = np.random.default_rng(depth)
    y, x = np.mgrid[0:900, 0:1200]
    grey = (x * 40 + y * 25) % 60000 + rng.integers(0, 3000, (900, 1200))
    if depth == 8:
        Image.fromarray((grey >> 8).astype(np.uint8)).save(tmp_path / "in.png")
    else:
        Image.fromarray(grey.astype(np.uint16)).save(tmp_path / "in.png")
    colorize(str(tmp_path / "in.png"), tmp_path / "r.png")
    colorize(str(tmp_path / "in.png"), tmp_path / "r.tif")
    chunks = png_chunks(tmp_path / "r.png")
    width, height, bits, colour = struct.unpack(">IIBB", chunks[0][1][:10])
    assert (width, height, bits, colour) == (1200, 900, depth, 2)
    idats = [body for kind, body in chunks if kind == b"IDAT"]
    assert len(idats) > 1
    rows = zlib.decompress(b"".join(idats))
    row_bytes = 1 + width * 3 * depth // 8
    assert len(rows) == height * row_bytes
    assert set(rows[::row_bytes]) <= {0, 1, 2, 3, 4}  # every row's filter type
    tif, png = Image.open(tmp_path / "r.tif"), Image.open(tmp_path / "r.png")
    assert np.array_equal(np.asarray(tif), np.asarray(png))
    assert np.asarray(png).std() > 10  # a picture, not a blank


def test_every_format_keeps_the_resolution(tmp_path):
    src = os.path.join(CORPUS, "dpi400.tif")
    for ext in ("tif", "png", "jpg"):
        colorize(src, tmp_path / f"r.{ext}")
        dpi = Image.open(tmp_path / f"r.{ext}").info.get("dpi")
        assert dpi is not None, ext
        assert dpi[0] == pytest.approx(400, abs=0.01) and dpi[1] == pytest.approx(400, abs=0.01)


# What make_corpus.py's metadata_files wrote into tests/corpus/meta.{jpg,png,tif}.
META_TEXT = {271: "Epson", 272: "Perfection V600", 306: "2024:03:01 10:00:00",
             315: "Ada Example", 33432: "(c) the Example family"}


def xmp_of(im):
    if im.format == "TIFF":
        return im.tag_v2.get(700, b"").decode()
    if im.format == "PNG":
        return im.info.get("XML:com.adobe.xmp", "")
    xmp = [d for m, d in im.applist if m == "APP1" and d.startswith(b"http://ns.adobe.com/xap/")]
    return xmp[0].decode(errors="replace") if xmp else ""


@pytest.mark.parametrize("src", ["meta.jpg", "meta.png", "meta.tif"])
@pytest.mark.parametrize("ext", ["jpg", "png", "tif"])
def test_metadata_goes_on_to_the_result(tmp_path, src, ext):
    colorize(os.path.join(CORPUS, src), tmp_path / f"r.{ext}")
    im = Image.open(tmp_path / f"r.{ext}")
    # meta.jpg is stored on its side (EXIF orientation 6): the result is upright and says so.
    assert im.size == ((10, 20) if src == "meta.jpg" else (20, 10))
    exif = im.getexif()
    for tag, text in META_TEXT.items():
        assert exif.get(tag) == text, (tag, exif.get(tag))
    assert exif.get(0x0112, 1) == 1
    assert exif.get(270, "").startswith("Grandma at the lake, 1952")
    xmp = xmp_of(im)
    assert "<dc:title>At the lake</dc:title>" in xmp and 'tiff:Orientation="1"' in xmp
    if src != "meta.tif":  # the camera's date taken and the GPS position go on too
        assert exif.get_ifd(0x8769).get(36867) == "1952:07:04 10:00:00"
        assert exif.get_ifd(0x8769).get(34855) == 200
        assert exif.get_ifd(0x8825).get(1) == "N"


def test_no_metadata_leaves_it_out(tmp_path):
    colorize(os.path.join(CORPUS, "meta.jpg"), tmp_path / "r.jpg", "--no-metadata")
    im = Image.open(tmp_path / "r.jpg")
    assert 315 not in im.getexif() and xmp_of(im) == ""
    assert im.size == (10, 20)


def test_what_a_jpeg_cannot_hold_is_named(tmp_path):
    from PIL import PngImagePlugin
    big = '<x:xmpmeta xmlns:x="adobe:ns:meta/">' + "<!-- padding -->" * 5000 + "</x:xmpmeta>"
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", big)
    Image.new("L", (32, 24), 100).save(tmp_path / "big.png", pnginfo=info)
    ref = os.path.join(DATA, "landscape-reference.jpg")
    r = subprocess.run([BIN, str(tmp_path / "big.png"), "--reference", ref, "-q",
                        "-o", str(tmp_path / "r.jpg")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "XMP (79 KiB) does not fit in a JPEG" in r.stderr, r.stderr
    assert xmp_of(Image.open(tmp_path / "r.jpg")) == ""
    colorize(str(tmp_path / "big.png"), tmp_path / "r.png")
    assert xmp_of(Image.open(tmp_path / "r.png")) == big


def lightness(path):
    """CIELAB L* of each pixel of an sRGB file (grey or colour), from its luminance."""
    a = np.asarray(Image.open(path).convert("RGB"), dtype=np.float64) / 255
    lin = np.where(a <= 0.04045, a / 12.92, ((a + 0.055) / 1.055) ** 2.4)
    y = lin @ np.array([0.2126, 0.7152, 0.0722])
    return np.where(y > (6 / 29) ** 3, 116 * np.cbrt(y) - 16, y * (29 / 3) ** 3)


def test_a_grey_profile_sets_the_lightness_of_the_result(tmp_path):
    # make_corpus.py: a grey JPEG whose profile darkens the midtones (Y = v^2.9), and what
    # littleCMS makes of it in sRGB. The result keeps the lightness the original shows.
    src = os.path.join(CORPUS, "icc_grey_print.jpg")
    truth = lightness(os.path.join(DATA, "icc", "icc_grey_print.png"))
    colorize(src, tmp_path / "r.png")
    colorize(src, tmp_path / "raw.png", "--profile", "as-is")
    converted = np.abs(lightness(tmp_path / "r.png") - truth).mean()
    as_is = np.abs(lightness(tmp_path / "raw.png") - truth).mean()
    assert converted < 0.5, converted
    assert as_is > 5, as_is  # the stored numbers read as sRGB are much lighter


def test_a_profile_that_cannot_be_applied_is_named(tmp_path):
    r = subprocess.run([BIN, os.path.join(CORPUS, "icc_table_only.jpg"), "--reference",
                        os.path.join(DATA, "landscape-reference.jpg"), "-o", str(tmp_path / "r.png")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "colour profile 'Scanner table (test)' is not applied" in r.stderr
    assert "table-based" in r.stderr


def test_results_state_srgb_in_a_profile_littlecms_reads(tmp_path):
    from PIL import ImageCms
    src = os.path.join(DATA, "landscape-grey.jpg")
    colorize(src, tmp_path / "r.png")
    assert Image.open(tmp_path / "r.png").info.get("srgb") == 0  # the sRGB chunk, perceptual
    srgb = ImageCms.createProfile("sRGB")
    for ext in ("jpg", "tif"):
        colorize(src, tmp_path / f"r.{ext}")
        im = Image.open(tmp_path / f"r.{ext}")
        icc = im.info.get("icc_profile")
        assert icc, ext
        ours = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        assert ImageCms.getProfileDescription(ours).strip() == "sRGB (colorize)"
        # Read through our profile, the pixels are what littleCMS's own sRGB says they are.
        via_ours = ImageCms.profileToProfile(im.convert("RGB"), ours, srgb, renderingIntent=1,
                                             flags=ImageCms.FLAGS["NOTPRECALC"])
        diff = np.abs(np.asarray(via_ours, dtype=int) - np.asarray(im.convert("RGB"), dtype=int))
        assert diff.max() <= 1, (ext, diff.max())


def test_info_says_what_each_file_holds():
    files = [os.path.join(CORPUS, n) for n in ("meta.jpg", "icc_grey_print.jpg", "dpi400.tif",
                                               "icc_table_only.jpg", "text.txt")]
    r = subprocess.run([BIN, "info", *files], capture_output=True, text=True)
    assert r.returncode == 1  # text.txt is not an image
    assert "text.txt: not an image" in r.stderr
    out = r.stdout.split("\n")
    block = {}
    for line in out:
        if line and not line.startswith(" "):
            name = os.path.basename(line)
            block[name] = {}
        elif line.strip():
            key, value = line.strip().split(None, 1)
            block[name][key] = value
    assert set(block) == {"meta.jpg", "icc_grey_print.jpg", "dpi400.tif", "icc_table_only.jpg"}
    # As make_corpus.py wrote them.
    assert block["meta.jpg"]["size"].startswith("20 x 10 pixels") and "orientation 6" in block["meta.jpg"]["size"]
    assert block["meta.jpg"]["metadata"].startswith("EXIF ") and "XMP " in block["meta.jpg"]["metadata"]
    assert block["icc_grey_print.jpg"]["samples"] == "grey, 8-bit"
    assert block["icc_grey_print.jpg"]["profile"] == '"Print grey (test)": converted to sRGB on reading'
    assert block["dpi400.tif"]["resolution"].startswith("400 x 400 dpi")
    assert block["icc_table_only.jpg"]["profile"].startswith('"Scanner table (test)": not applied')
