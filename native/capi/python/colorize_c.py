"""colorize from Python: the C interface (libcolorize.so, native/capi/colorize_c.h) by ctypes.

Nothing to compile: this one file and the library. Pictures are numpy arrays of uint8 or
uint16, (H, W) grey or (H, W, C) with C = 1 (grey), 2 (grey + alpha), 3 (RGB), 4 (RGBA),
sRGB; a result is (H, W, 3) RGB, or (H, W, 4) when the picture has alpha, of the picture's
dtype, and keeps its lightness.

    import numpy as np, colorize_c
    from PIL import Image
    grey = np.asarray(Image.open("old-photo.jpg").convert("L"))
    c = colorize_c.Colorizer()                          # the shipped default model
    rgb = c.colorize(grey)
    rgb = c.colorize(grey, hints=[(120, 80, "#3a6ea5")])  # "pixel (120, 80) is this colour"
    rgb = c.colorize(grey, painted=painted_copy)        # a copy with the right colour painted on
    c.colorize_file("scan.tif", "scan-colour.tif")      # file to file, as the CLI: 16 bits, profile,
                                                        # orientation, resolution, EXIF and XMP
    c = colorize_c.Colorizer(reference=colour_photo)    # the exemplar method (Welsh et al.)
    c = colorize_c.Colorizer(marks_only=True)           # colour from hints and paint alone
    film = colorize_c.Film()                            # a film's frames, in order: colour that
    for frame in frames:                                # holds still from frame to frame
        rgb = c.colorize(frame, film=film)
    kept = film.held_points()                           # stopped: keep the last rgb and these;
    film = colorize_c.Film()                            # later, go on as if it had not stopped
    film.remember(rgb); film.hold_points(kept)

Where the library is: $COLORIZE_LIBRARY when set; else that of an installed copy
(PREFIX/lib.../libcolorize.so.1 beside PREFIX/share/colorize/python/, where `cmake --install`
puts this file); else a build of the source tree (build/lib/); else the system's.
Errors raise colorize_c.Error, with the library's message and its status (.status).
"""

import ctypes
import ctypes.util
import glob
import os

import numpy as np

__all__ = ["Colorizer", "Film", "Error", "version", "models_dir"]

OK = 0
STATUS_NAMES = {1: "invalid argument", 2: "i/o", 3: "corrupt model", 4: "unsupported",
                5: "no backend", 6: "too large", 7: "out of memory", 8: "internal"}


class Error(Exception):
    """A call into colorize failed; .status is its colorize_status."""

    def __init__(self, status, message):
        super().__init__("%s (%s)" % (message, STATUS_NAMES.get(status, status)))
        self.status = status


class _Picture(ctypes.Structure):
    _fields_ = [("width", ctypes.c_int), ("height", ctypes.c_int), ("channels", ctypes.c_int),
                ("bits", ctypes.c_int), ("stride", ctypes.c_size_t), ("pixels", ctypes.c_void_p)]


class _Hint(ctypes.Structure):
    _fields_ = [("x", ctypes.c_float), ("y", ctypes.c_float),
                ("r", ctypes.c_uint8), ("g", ctypes.c_uint8), ("b", ctypes.c_uint8)]


class _FileOptions(ctypes.Structure):
    _fields_ = [("format", ctypes.c_char_p), ("jpeg_quality", ctypes.c_int),
                ("keep_metadata", ctypes.c_int), ("page", ctypes.c_int)]


class _Options(ctypes.Structure):
    _fields_ = [("working_size", ctypes.c_int), ("widen_tones", ctypes.c_int),
                ("saturation", ctypes.c_float), ("reach", ctypes.c_float),
                ("backend", ctypes.c_char_p)]


def _candidates():
    env = os.environ.get("COLORIZE_LIBRARY")
    if env:
        yield env
        return
    here = os.path.dirname(os.path.abspath(__file__))
    prefix = os.path.normpath(os.path.join(here, "..", "..", ".."))  # PREFIX/share/colorize/python
    for pattern in ("lib/libcolorize.so.1", "lib*/libcolorize.so.1", "lib/*/libcolorize.so.1"):
        yield from sorted(glob.glob(os.path.join(prefix, pattern)))
    yield os.path.join(here, "..", "..", "..", "build", "lib", "libcolorize.so.1")  # the source tree
    found = ctypes.util.find_library("colorize")
    if found:
        yield found


def _load():
    tried = []
    for path in _candidates():
        if path in tried:
            continue
        tried.append(path)
        if os.path.sep in path and not os.path.exists(path):
            continue
        lib = ctypes.CDLL(path)
        P, PP = ctypes.POINTER(_Picture), ctypes.POINTER(ctypes.c_void_p)
        sig = {
            "colorize_version": (ctypes.c_char_p, []),
            "colorize_last_error": (ctypes.c_char_p, []),
            "colorize_options_default": (None, [ctypes.POINTER(_Options)]),
            "colorize_models_dir": (ctypes.c_size_t, [ctypes.c_char_p, ctypes.c_size_t]),
            "colorize_new_model": (ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(_Options), PP]),
            "colorize_new_reference": (ctypes.c_int, [P, ctypes.POINTER(_Options), PP]),
            "colorize_new_marks_only": (ctypes.c_int, [ctypes.POINTER(_Options), PP]),
            "colorize_free": (None, [ctypes.c_void_p]),
            "colorize_method": (ctypes.c_char_p, [ctypes.c_void_p]),
            "colorize_run": (ctypes.c_int, [ctypes.c_void_p, P, ctypes.POINTER(_Hint),
                                            ctypes.c_size_t, P, P]),
            "colorize_film_new": (ctypes.c_int, [ctypes.c_float, PP]),
            "colorize_film_free": (None, [ctypes.c_void_p]),
            "colorize_run_frame": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p, P,
                                                  ctypes.POINTER(_Hint), ctypes.c_size_t, P, P,
                                                  ctypes.POINTER(ctypes.c_int)]),
            "colorize_file_options_default": (None, [ctypes.POINTER(_FileOptions)]),
            "colorize_run_file": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t,
                                                 ctypes.POINTER(_Hint), ctypes.c_size_t, P,
                                                 ctypes.POINTER(_FileOptions),
                                                 ctypes.POINTER(ctypes.POINTER(ctypes.c_ubyte)),
                                                 ctypes.POINTER(ctypes.c_size_t)]),
            "colorize_bytes_free": (None, [ctypes.POINTER(ctypes.c_ubyte)]),
            "colorize_film_remember": (ctypes.c_int, [ctypes.c_void_p, P]),
            "colorize_film_held": (ctypes.c_size_t, [ctypes.c_void_p, ctypes.c_void_p,
                                                     ctypes.c_size_t]),
            "colorize_film_hold": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p,
                                                  ctypes.c_size_t]),
        }
        for name, (res, args) in sig.items():
            f = getattr(lib, name)
            f.restype, f.argtypes = res, args
        return lib
    raise OSError("libcolorize.so.1 not found (tried %s); build it (cmake --build build) or set "
                  "COLORIZE_LIBRARY" % ", ".join(tried or ["nothing"]))


_lib = None


def _library():
    global _lib
    if _lib is None:
        _lib = _load()
    return _lib


def _check(status):
    if status != OK:
        raise Error(status, _library().colorize_last_error().decode("utf-8", "replace"))


def version():
    """The library's version, e.g. "0.1.0"."""
    return _library().colorize_version().decode()


def models_dir():
    """The folder of the shipped models the library uses when given no model."""
    lib = _library()
    n = lib.colorize_models_dir(None, 0)
    buf = ctypes.create_string_buffer(n + 1)
    lib.colorize_models_dir(buf, n + 1)
    return buf.value.decode()


def _picture(array, what):
    """A _Picture over a C-contiguous copy of array (kept alive by the caller)."""
    a = np.asarray(array)
    if a.dtype not in (np.uint8, np.uint16):
        raise TypeError("%s must be uint8 or uint16, not %s" % (what, a.dtype))
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3 or not 1 <= a.shape[2] <= 4:
        raise ValueError("%s must be (H, W) or (H, W, 1..4), not %s" % (what, a.shape))
    a = np.ascontiguousarray(a)
    return a, _Picture(a.shape[1], a.shape[0], a.shape[2], a.itemsize * 8, a.strides[0],
                       a.ctypes.data)


def _rgb(colour):
    if isinstance(colour, str):
        h = colour.lstrip("#")
        if len(h) != 6:
            raise ValueError("a hint's colour is #RRGGBB or (r, g, b), not %r" % colour)
        return tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))
    r, g, b = colour
    return int(r), int(g), int(b)


def _marks(hints, painted):
    """The hints as the library takes them, a pointer to the painted copy's picture (or None),
    and what must stay alive while the library reads them."""
    hs = (_Hint * max(1, len(hints)))()
    for i, (x, y, colour) in enumerate(hints):
        hs[i].x, hs[i].y = float(x), float(y)
        hs[i].r, hs[i].g, hs[i].b = _rgb(colour)
    if painted is None:
        return hs, None, None
    keep, pic = _picture(painted, "painted")
    return hs, ctypes.byref(pic), (keep, pic)


class _Owned:
    """What holds a handle of the library's: close() frees it now (otherwise it is freed when
    the object is collected, or at the end of a with block). _free: the library's function."""

    _free = None

    def close(self):
        """Frees the library's side now (otherwise when this object is collected)."""
        handle, self._handle = getattr(self, "_handle", None), None
        if handle and _lib is not None:
            getattr(_lib, self._free)(handle)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()


class Colorizer(_Owned):
    """One method with its settings. Colorizer() or Colorizer(model=PATH): a model (default:
    the manifest's default model); Colorizer(reference=ARRAY): the exemplar method;
    Colorizer(marks_only=True): colour from hints and paint alone. working_size (0: the
    model's own), widen_tones, saturation (0..4), reach (0.01..10), backend ("auto", "cpu")
    as in colorize_c.h. colorize() may be called from several threads."""

    _free = "colorize_free"

    def __init__(self, model=None, reference=None, marks_only=False, working_size=0,
                 widen_tones=True, saturation=1.0, reach=0.15, backend=None):
        lib = _library()
        if sum([model is not None, reference is not None, bool(marks_only)]) > 1:
            raise ValueError("give one of model, reference and marks_only")
        o = _Options()
        lib.colorize_options_default(ctypes.byref(o))
        o.working_size, o.widen_tones = int(working_size), int(bool(widen_tones))
        o.saturation, o.reach = float(saturation), float(reach)
        self._backend = backend.encode() if backend else None  # kept alive with o
        o.backend = self._backend
        handle = ctypes.c_void_p()
        if reference is not None:
            ref, pic = _picture(reference, "reference")
            _check(lib.colorize_new_reference(ctypes.byref(pic), ctypes.byref(o), ctypes.byref(handle)))
        elif marks_only:
            _check(lib.colorize_new_marks_only(ctypes.byref(o), ctypes.byref(handle)))
        else:
            path = os.fsencode(model) if model is not None else None
            _check(lib.colorize_new_model(path, ctypes.byref(o), ctypes.byref(handle)))
        self._handle = handle

    @property
    def method(self):
        """"model", "exemplar" or "marks"."""
        return _library().colorize_method(self._handle).decode()

    def colorize_file(self, src, dst=None, hints=(), painted=None, format=None, jpeg_quality=92,
                      keep_metadata=True, page=1):
        """An image file's colour result, as a file, made as the colorize CLI makes one: src
        (a path, or the file's bytes: PNG, JPEG, TIFF, BMP, GIF, TGA) decoded with its colour
        profile applied and turned upright; colorized (hints and painted as for colorize(), in
        the upright picture's pixels); written with its 16 bits where the format keeps them,
        the original's resolution, EXIF and XMP (keep_metadata) and a note that the colours are
        a plausible guess. format: "png", "jpeg", "tiff", or None: the original's where it is
        one of these, else PNG. page: of a multi-page TIFF, from 1. Returns the result's bytes;
        with dst (a path) also writes them there, whole or not at all."""
        lib = _library()
        if isinstance(src, (bytes, bytearray, memoryview)):
            data = bytes(src)
        else:
            with open(src, "rb") as f:
                data = f.read()
        o = _FileOptions()
        lib.colorize_file_options_default(ctypes.byref(o))
        fmt = format.encode() if format else None  # kept alive with o
        o.format, o.jpeg_quality = fmt, int(jpeg_quality)
        o.keep_metadata, o.page = int(bool(keep_metadata)), int(page)
        hs, pp, keep = _marks(hints, painted)
        out, n = ctypes.POINTER(ctypes.c_ubyte)(), ctypes.c_size_t(0)
        _check(lib.colorize_run_file(self._handle, data, len(data), hs, len(hints), pp,
                                     ctypes.byref(o), ctypes.byref(out), ctypes.byref(n)))
        try:
            result = ctypes.string_at(out, n.value)
        finally:
            lib.colorize_bytes_free(out)
        if dst is not None:
            dst = os.fspath(dst)
            part = "%s.part-%d" % (dst, os.getpid())
            try:
                with open(part, "wb") as f:
                    f.write(result)
                os.replace(part, dst)
            finally:
                if os.path.exists(part):
                    os.remove(part)
        return result

    def colorize(self, picture, hints=(), painted=None, film=None):
        """The colour result of picture. hints: (x, y, colour) with colour "#RRGGBB" or
        (r, g, b), x and y in the picture's pixels. painted: a copy of the picture with the
        right colour painted where the result should change. film: a Film whose next frame
        the picture is (the colour of the frames before is carried in)."""
        lib = _library()
        src, pic = _picture(picture, "picture")
        h, w, channels = src.shape
        out = np.empty((h, w, 4 if channels in (2, 4) else 3), dtype=src.dtype)
        opic = _Picture(w, h, out.shape[2], out.itemsize * 8, out.strides[0], out.ctypes.data)
        hs, pp, keep = _marks(hints, painted)
        if film is None:
            _check(lib.colorize_run(self._handle, ctypes.byref(pic), hs, len(hints), pp,
                                    ctypes.byref(opic)))
        else:
            shot = ctypes.c_int(0)
            _check(lib.colorize_run_frame(self._handle, film._handle, ctypes.byref(pic), hs,
                                          len(hints), pp, ctypes.byref(opic), ctypes.byref(shot)))
            film.new_shot = bool(shot.value)
        return out


class Film(_Owned):
    """The memory of one film: pass it to Colorizer.colorize(frame, film=...) for each frame
    in order, and each frame's colour is carried into the next where the picture matches
    (following the motion), so it holds still instead of flickering; a cut starts afresh. A
    frame's painted copy holds for the frames after it, until what it covers changes.
    carry: how much of the frames before is kept, 0..0.95 (0: each frame on its own).
    new_shot: whether nothing was carried into the last frame (the first, or after a cut).
    A film stopped part-way goes on later (another run) from its last result and
    held_points(): remember(result), then hold_points(points), on a Film of the same carry."""

    _free = "colorize_film_free"

    def __init__(self, carry=0.8):
        handle = ctypes.c_void_p()
        _check(_library().colorize_film_new(float(carry), ctypes.byref(handle)))
        self._handle = handle
        self.new_shot = True

    def remember(self, result):
        """Takes result (a frame's colour result, e.g. read back from its file) as this film's
        last frame, forgetting what it held: the next frame's colour is carried from it."""
        keep, pic = _picture(result, "result")
        _check(_library().colorize_film_remember(self._handle, ctypes.byref(pic)))
        self.new_shot = False

    def held_points(self):
        """The paint this film holds: a float32 array (N, 4) of x, y (on the film's own grid,
        a reduced copy of the frame: keep them as they are), a*, b*."""
        lib = _library()
        n = lib.colorize_film_held(self._handle, None, 0)
        out = np.zeros((n, 4), dtype=np.float32)
        if n:
            n = min(n, lib.colorize_film_held(self._handle, out.ctypes.data, n))
        return out[:n]

    def hold_points(self, points):
        """Replaces the paint this film holds by points (held_points() of the frame given to
        remember())."""
        a = np.ascontiguousarray(points, dtype=np.float32).reshape(-1, 4)
        _check(_library().colorize_film_hold(self._handle, a.ctypes.data if len(a) else None,
                                             len(a)))
