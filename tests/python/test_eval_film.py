"""scripts/eval_film.py: the films it makes (size, length, where a cut falls, the object's
square) and its flicker measure (a pixel compared with the same point of the scene in the
frame before: exact for a linear scene, whatever the pan or zoom)."""
import os
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
import eval_film  # noqa: E402


def linear_scene(box, size):
    """A frame of a scene whose value at scene point (x, y) is 2x + 3y, seen through box."""
    W, H = size
    u = (np.arange(W) + 0.5) * (box[2] - box[0]) / W + box[0]
    v = (np.arange(H) + 0.5) * (box[3] - box[1]) / H + box[1]
    X, Y = np.meshgrid(u, v)
    f = 2 * X + 3 * Y
    return np.dstack([f, f, -f])


def test_the_same_scene_point_is_found_in_the_frame_before():
    size = (40, 30)
    for prev_box, cur_box in [((0, 0, 40, 30), (3, 1, 43, 31)),           # a pan
                              ((0, 0, 40, 30), (5.5, 4.25, 35.5, 26.75)),  # closing in
                              ((2, 3, 42, 33), (0, 0, 40, 30))]:           # the other way
        prev = linear_scene(prev_box, size)
        got, ok = eval_film.mapped(prev, prev_box, cur_box, size)
        want = linear_scene(cur_box, size)
        assert ok.sum() > 0.5 * ok.size
        assert np.abs(got - want)[ok].max() < 1e-9, (prev_box, cur_box)
    # A pan of 3 pixels: the 3 right-most columns were out of view before.
    _, ok = eval_film.mapped(linear_scene((0, 0, 40, 30), size), (0, 0, 40, 30), (3, 0, 43, 30), size)
    assert ok[:, :37].all() and not ok[:, 37:].any()


def test_films_have_their_frames_cut_and_object():
    rng = np.random.default_rng(0)
    a = Image.fromarray(rng.integers(0, 256, (60, 90, 3), dtype=np.uint8))
    b = Image.fromarray(rng.integers(0, 256, (60, 90, 3), dtype=np.uint8))
    for kind in eval_film.KINDS:
        frames, boxes, src, objects, size = eval_film.make_film(kind, a, b, 10, rng)
        assert len(frames) == len(boxes) == len(src) == len(objects) == 10
        assert all(f.shape == (size[1], size[0], 3) for f in frames)
        assert size == (62, 42)
        assert src == ([0] * 5 + [1] * 5 if kind == "cut" else [0] * 10)
        if kind == "object":
            px, py, side = objects[9]
            assert px + side == size[0] and objects[0][0] == 0  # it crosses the frame
        else:
            assert objects == [None] * 10


def test_a_result_equal_to_the_truth_flickers_as_the_truth_does():
    rng = np.random.default_rng(1)
    photo = Image.fromarray((np.add.outer(np.arange(60), np.arange(90)) * 2 % 256).astype(np.uint8)).convert("RGB")
    film = eval_film.make_film("pan", photo, photo, 6, rng)
    s = eval_film.score_film(film[0], film)
    assert s["flicker"] == s["flicker_truth"] and len(s["flicker"]) == 5
    assert s["psnr"] == [99.0] * 6
