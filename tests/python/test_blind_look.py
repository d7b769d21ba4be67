"""The blind look (scripts/blind_look.py): the key hides which side is which, scoring maps
the answers back through it, the sign test has its textbook values, and bad answer forms are
refused rather than half-read."""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
import blind_look  # noqa: E402


def test_key_draws_distinct_images_and_both_orders():
    idx, swaps = blind_look.make_key(100, 40, seed=3)
    assert len(set(idx)) == 40 and idx == sorted(idx) and 0 <= idx[0] and idx[-1] < 100
    assert 5 < sum(swaps) < 35  # both orders occur
    assert blind_look.make_key(100, 40, seed=3) == (idx, swaps)
    assert blind_look.make_key(100, 40, seed=4) != (idx, swaps)
    with pytest.raises(ValueError):
        blind_look.make_key(10, 11, seed=0)


def test_sign_test_textbook_values():
    assert blind_look.sign_test(10, 0) == pytest.approx(2 * 0.5 ** 10)
    assert blind_look.sign_test(0, 10) == pytest.approx(2 * 0.5 ** 10)
    # 8 of 10: P(X <= 2) = (1 + 10 + 45) / 1024, two-sided
    assert blind_look.sign_test(8, 2) == pytest.approx(2 * 56 / 1024)
    assert blind_look.sign_test(5, 5) == 1.0 and blind_look.sign_test(0, 0) == 1.0


def test_scoring_follows_the_key_not_the_side():
    swaps = [False, True, False, True, True]
    # always preferring the left picture prefers the first network exactly where not swapped
    r = blind_look.score(["L"] * 5, swaps)
    assert (r["a"], r["b"], r["ties"]) == (2, 3, 0)
    # preferring the side the second network is on, every time
    r = blind_look.score(["R", "L", "R", "L", "L"], swaps)
    assert (r["a"], r["b"]) == (0, 5) and r["per_picture"] == ["b"] * 5
    r = blind_look.score(["=", "R", "=", "L", "R"], swaps)
    assert (r["a"], r["b"], r["ties"]) == (2, 1, 2)


def test_answers_form_is_read_whole_or_refused(tmp_path):
    f = tmp_path / "answers.txt"
    f.write_text("# question\n1 L\n2 r  # a comment\n3 =\n")
    assert blind_look.read_answers(str(f), 3) == ["L", "R", "="]
    for bad in ("1 L\n2 R\n", "1 L\n2 R\n2 L\n3 L\n", "1 L\n2 X\n3 L\n", "1 L\n2\n3 L\n"):
        f.write_text(bad)
        with pytest.raises(ValueError):
            blind_look.read_answers(str(f), 3)


def _row_patches(paths, tile):
    """Per row of the sheets, the 8 x 8 pixels at the centre of each of its four tiles
    (grey, left, right, truth) as int arrays; checks each sheet is four tiles wide."""
    from PIL import Image
    rows = []
    for p in paths:
        im = np.asarray(Image.open(p).convert("RGB")).astype(int)
        assert im.shape[1] == 4 * tile
        for r in range(im.shape[0] // tile):
            y, c = r * tile + tile // 2, tile // 2
            rows.append([im[y - 4:y + 4, j * tile + c - 4:j * tile + c + 4] for j in range(4)])
    return rows


def test_sheets_put_each_network_on_its_keyed_side(tmp_path):
    """Two flat predictions (a red and a blue ab plane): on every row of the sheets, the red
    one is on the left exactly where the key says the first network is on the left."""
    import torch
    from test_selection import _truth
    truth = _truth(n=6, size=64)
    n, h, w = len(truth.rgb), 64, 64
    red = torch.zeros(n, 2, h, w)
    red[:, 0] = 40.0
    blue = torch.zeros(n, 2, h, w)
    blue[:, 1] = -40.0
    idx, swaps = blind_look.make_key(n, 5, seed=1)
    paths = blind_look.write_sheets(str(tmp_path), truth, red, blue, idx, swaps, per_sheet=2,
                                    tile=32)
    assert [os.path.basename(p) for p in paths] == ["sheet-01.png", "sheet-02.png",
                                                   "sheet-03.png"]
    rows = []
    for grey, left, right, truth_tile in _row_patches(paths, 32):
        left = left.mean(axis=(0, 1))
        rows.append(left[0] - left[2] > 0)  # redder than blue on the left
    assert rows == [not s for s in swaps]


def test_file_sheets_match_by_stem_and_put_each_folder_on_its_keyed_side(tmp_path):
    """make-files: pictures are matched by name stem across folders (a .jpg truth, .png
    results), a picture missing from one folder is left out, and on every row the red
    folder's picture is on the left exactly where the key says the first folder is."""
    from PIL import Image
    truth, red, blue = (tmp_path / d for d in ("truth", "red", "blue"))
    for d in (truth, red, blue):
        d.mkdir()
    rng = np.random.RandomState(0)
    for k in range(7):
        Image.fromarray(rng.randint(0, 255, (30, 45, 3), dtype=np.uint8)).save(
            truth / ("p%d.jpg" % k))
        if k != 3:  # p3 has no result in the red folder
            Image.new("RGB", (45, 30), (220, 30, 30)).save(red / ("p%d.png" % k))
        Image.new("RGB", (45, 30), (30, 30, 220)).save(blue / ("p%d.png" % k))
    (truth / "notes.txt").write_text("not a picture")
    rows = blind_look.file_rows(str(truth), [str(red), str(blue)])
    assert [r[0] for r in rows] == ["p0", "p1", "p2", "p4", "p5", "p6"]
    assert rows[0][2] == [str(red / "p0.png"), str(blue / "p0.png")]
    idx, swaps = blind_look.make_key(len(rows), 5, seed=3)
    paths = blind_look.write_file_sheets(str(tmp_path), rows, idx, swaps, per_sheet=2, tile=48)
    assert len(paths) == 3
    left_is_red = []
    for grey, left, right, _ in _row_patches(paths, 48):
        left, right = left.mean(axis=(0, 1)), right.mean(axis=(0, 1))
        assert abs(left[0] - left[2]) > 100 and abs(right[0] - right[2]) > 100
        left_is_red.append(left[0] > left[2])
        assert np.abs(grey[..., 0] - grey[..., 2]).max() <= 1  # the grey column is grey
    assert left_is_red == [not s for s in swaps]


def test_file_rows_refuse_folders_without_common_pictures(tmp_path):
    from PIL import Image
    (tmp_path / "t").mkdir()
    (tmp_path / "r").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "t" / "a.png")
    Image.new("RGB", (8, 8)).save(tmp_path / "r" / "b.png")
    with pytest.raises(ValueError, match="no picture"):
        blind_look.file_rows(str(tmp_path / "t"), [str(tmp_path / "r"), str(tmp_path / "r")])
