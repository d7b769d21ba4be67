"""The C interface from Python (native/capi/python/colorize_c.py over libcolorize.so), on the
committed tiny model. Needs the native build (COLORIZE_BIN, set by scripts/test.sh: the library
is in lib/ beside its bin/); skipped without it."""
import os
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY = os.path.join(ROOT, "tests", "data", "models", "tiny_colorizer.onnx")


@pytest.fixture(scope="module")
def colorize_c():
    exe = os.environ.get("COLORIZE_BIN")
    if not exe:
        pytest.skip("COLORIZE_BIN (path to the colorize CLI) not set")
    lib = os.path.join(os.path.dirname(os.path.dirname(exe)), "lib", "libcolorize.so.1")
    assert os.path.exists(lib), "the native build has no %s" % lib
    os.environ["COLORIZE_LIBRARY"] = lib
    sys.path.insert(0, os.path.join(ROOT, "native", "capi", "python"))
    try:
        import colorize_c as module
    finally:
        sys.path.pop(0)
    return module


def scene(h=64, w=96):
    y, x = np.mgrid[0:h, 0:w]
    return np.where(y < h // 2, 200 + x * 40 // w, 60 + (x * 7 + y * 13) % 50).clip(0, 255).astype(np.uint8)


def test_model_hints_and_depths(colorize_c):
    grey = scene()
    with colorize_c.Colorizer(model=TINY, working_size=64) as c:
        assert c.method == "model"
        rgb = c.colorize(grey)
        assert rgb.shape == (64, 96, 3) and rgb.dtype == np.uint8
        assert np.abs(np.diff(rgb.astype(int), axis=2)).max() > 3  # some colour
        # A magenta hint on the ground: magenta there.
        hinted = c.colorize(grey, hints=[(48, 48, "#c828b4")]).astype(int)
        r, g, b = hinted[48, 48]
        assert r > g + 40 and b > g + 40, hinted[48, 48]
        # 16 bits in, 16 bits out, within a level of the 8-bit result; alpha kept.
        rgb16 = c.colorize(grey.astype(np.uint16) * 257)
        assert rgb16.dtype == np.uint16
        assert np.abs(np.round(rgb16 / 257.0) - rgb).max() <= 1
        ga = np.dstack([grey, np.full_like(grey, 77)])
        assert (c.colorize(ga)[..., 3] == 77).all()


def test_marks_paint_reference_and_errors(colorize_c):
    grey = scene()
    c = colorize_c.Colorizer(marks_only=True)
    with pytest.raises(colorize_c.Error) as e:
        c.colorize(grey)
    assert e.value.status == 1 and "hints or a painted copy" in str(e.value)
    painted = np.dstack([grey] * 3)
    painted[40:56, 40:56] = (40, 160, 40)
    out = c.colorize(grey, painted=painted).astype(int)
    assert (out[..., 1] - out[..., 0]).mean() > 10  # green spread over the picture
    ref = np.dstack([np.clip(grey.astype(int) + 40, 0, 255), grey * 3 // 4, grey * 3 // 4]).astype(np.uint8)
    ex = colorize_c.Colorizer(reference=ref, working_size=64)
    assert ex.method == "exemplar"
    out = ex.colorize(grey).astype(int)
    assert (out[..., 0] - out[..., 2]).mean() > 8
    with pytest.raises(colorize_c.Error) as e:
        colorize_c.Colorizer(model=os.path.join(ROOT, "no-such.onnx")).colorize(grey)
    assert e.value.status == 2 and "no-such.onnx" in str(e.value)
    with pytest.raises(colorize_c.Error) as e:
        colorize_c.Colorizer(model=TINY, saturation=9)
    assert "saturation" in str(e.value)
    with pytest.raises(TypeError):
        c.colorize(grey.astype(np.float32))
    assert colorize_c.version().count(".") == 2
    assert os.path.isdir(colorize_c.models_dir())


def test_film_carries_colour_between_frames(colorize_c):
    # A pan: the second frame is the first moved 3 pixels; its colour comes partly from the
    # first. The first frame, and a frame of another scene (a cut), are colorize()'s result.
    wide = np.tile(scene(64, 96), (1, 2))
    wide = (wide.astype(int) + (np.arange(192) * 3 % 29)[None, :]).clip(0, 255).astype(np.uint8)
    f0, f1 = wide[:, 0:96], wide[:, 3:99]
    with colorize_c.Colorizer(model=TINY, working_size=64) as c, colorize_c.Film() as film:
        assert np.array_equal(c.colorize(f0, film=film), c.colorize(f0)) and film.new_shot
        r1 = c.colorize(f1, film=film)
        assert not film.new_shot
        assert not np.array_equal(r1, c.colorize(f1))
        cut = np.random.default_rng(1).integers(0, 256, f1.shape).astype(np.uint8)
        assert np.array_equal(c.colorize(cut, film=film), c.colorize(cut)) and film.new_shot
    with pytest.raises(colorize_c.Error) as e:
        colorize_c.Film(carry=1.0)
    assert e.value.status == 1 and "0 .. 0.95" in str(e.value)


def test_a_stopped_film_goes_on_with_its_held_paint(colorize_c):
    # A pan whose first frame is painted magenta: the paint is held in the frames after. Stopped
    # after the second frame, the film goes on in a new Film from that frame's result and the
    # points it held, and its third frame comes out as the unbroken film's; without the points
    # the paint is lost.
    wide = np.tile(scene(64, 96), (1, 2))
    wide = (wide.astype(int) + (np.arange(192) * 3 % 29)[None, :]).clip(0, 255).astype(np.uint8)
    f0, f1, f2 = (wide[:, 3 * i:3 * i + 96] for i in range(3))
    painted = np.dstack([f0] * 3)
    painted[36:56, 20:44] = (200, 40, 180)

    def from_paint(rgb):  # the painted square, moved with the pan (6 pixels left by f2)
        return np.abs(rgb[38:54, 16:36].astype(int) - (200, 40, 180)).mean()

    with colorize_c.Colorizer(model=TINY, working_size=64) as c:
        with colorize_c.Film() as film:
            assert film.held_points().shape == (0, 4)
            c.colorize(f0, painted=painted, film=film)
            r1 = c.colorize(f1, film=film)
            points = film.held_points()
            assert points.dtype == np.float32 and len(points) > 100
            whole = c.colorize(f2, film=film)
        with colorize_c.Film() as again:
            again.remember(r1)
            again.hold_points(points)
            assert np.array_equal(again.held_points(), points)
            resumed = c.colorize(f2, film=again)
            assert not again.new_shot
        with colorize_c.Film() as without:
            without.remember(r1)
            lost = c.colorize(f2, film=without)
    assert np.abs(resumed.astype(int) - whole).mean() < 2, np.abs(resumed.astype(int) - whole).mean()
    assert abs(from_paint(resumed) - from_paint(whole)) < 1.5
    assert from_paint(lost) > from_paint(resumed) + 5, (from_paint(lost), from_paint(resumed))
    with colorize_c.Film() as fresh:
        with pytest.raises(colorize_c.Error) as e:
            fresh.hold_points(points)
        assert e.value.status == 1 and "remember one first" in str(e.value)
        fresh.remember(r1)
        with pytest.raises(colorize_c.Error) as e:
            fresh.hold_points([[500.0, 3.0, 10.0, 10.0]])
        assert "off the frame's grid" in str(e.value)


def test_colorize_file_gives_the_clis_result_byte_for_byte(colorize_c, tmp_path):
    # File in, file out through the library is the CLI's result, to the byte: the original's
    # format or another, its orientation, resolution, 16 bits, EXIF and XMP (or not), hints.
    import subprocess
    exe = os.environ["COLORIZE_BIN"]
    corpus = os.path.join(ROOT, "tests", "corpus")
    cases = [("meta.jpg", None, ".jpg", []), ("meta.jpg", "png", ".png", []),
             ("meta.jpg", "tiff", ".tif", ["--no-metadata"]), ("pages_dpi.tif", None, ".tif", []),
             ("grey16.png", "tiff", ".tif", []), ("exif5_mm.jpg", "png", ".png", ["--hint", "5,30,#c828b4"])]
    with colorize_c.Colorizer(model=TINY, working_size=64) as c:
        for i, (name, fmt, ext, extra) in enumerate(cases):
            src = os.path.join(corpus, name)
            cli_out = tmp_path / ("cli-%d%s" % (i, ext))
            subprocess.run([exe, "--model", TINY, "--size", "64", *extra, src, "-o", str(cli_out)],
                           check=True, capture_output=True)
            hints = [(5, 30, "#c828b4")] if "--hint" in extra else ()
            lib_out = tmp_path / ("lib-%d%s" % (i, ext))
            ours = c.colorize_file(src, lib_out, hints=hints, format=fmt,
                                   keep_metadata="--no-metadata" not in extra)
            assert ours == cli_out.read_bytes(), (name, fmt, extra)
            assert lib_out.read_bytes() == ours
            assert b"Colorized by colorize" in ours and b"tiny_colorizer.onnx" in ours
        # The same bytes given as bytes; what the EXIF says goes on (meta.jpg's XMP packet).
        with open(os.path.join(corpus, "meta.jpg"), "rb") as f:
            assert b"xmpmeta" in c.colorize_file(f.read(), format="png")
        assert b"xmpmeta" not in c.colorize_file(os.path.join(corpus, "meta.jpg"), format="png",
                                                 keep_metadata=False)
        # Refusals, with the library's reasons; nothing is written.
        with pytest.raises(colorize_c.Error) as e:
            c.colorize_file(os.path.join(corpus, "meta.jpg"), hints=[(11, 5, "#ff0000")])
        assert e.value.status == 1 and "outside the picture (10 x 20)" in str(e.value)
        with pytest.raises(colorize_c.Error) as e:
            c.colorize_file(b"not an image", tmp_path / "never.png")
        assert not (tmp_path / "never.png").exists()
        with pytest.raises(colorize_c.Error) as e:
            c.colorize_file(os.path.join(corpus, "meta.jpg"), format="webp")
        assert e.value.status == 1 and "png, jpeg, tiff or same" in str(e.value)
        with pytest.raises(colorize_c.Error) as e:
            c.colorize_file(os.path.join(corpus, "two_pages.tif"), page=3)
        assert e.value.status == 1
