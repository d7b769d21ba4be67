"""scripts/compare_scores.py: per-photo CLI scores of two models matched by file name (not by
row order), paired differences as the mean of per-photo differences, and files holding
different photos refused."""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
import compare_scores  # noqa: E402

HEADER = ("file,psnr,ssim,colourfulness,colourfulness_truth,ciede2000,wrong_colour_pct,"
          "grey_psnr,grey_ssim,grey_ciede2000\n")


def _write(path, rows):
    with open(path, "w") as f:
        f.write(HEADER)
        for name, psnr, de in rows:
            f.write("%s,%.6f,0.9,20,30,%.6f,5,22,0.9,12\n" % (name, psnr, de))
    return str(path)


def test_differences_pair_photos_by_name(tmp_path):
    a = _write(tmp_path / "a.csv", [("x.jpg", 20.0, 10.0), ("y.jpg", 24.0, 8.0),
                                    ('"q,1.jpg"', 22.0, 9.0)])
    # same photos, other order; b is 1 dB better on x, 0.5 worse on y, level on q
    b = _write(tmp_path / "b.csv", [("y.jpg", 23.5, 8.0), ('"q,1.jpg"', 22.0, 9.0),
                                    ("x.jpg", 21.0, 9.4)])
    ta, tb = compare_scores.read_scores(a), compare_scores.read_scores(b)
    assert set(ta) == {"x.jpg", "y.jpg", "q,1.jpg"}  # a quoted name with a comma
    names, cols = compare_scores.aligned([ta, tb])
    diff = cols[1]["psnr"] - cols[0]["psnr"]
    assert np.allclose(sorted(diff), [-0.5, 0.0, 1.0])
    lines = compare_scores.compare([ta, tb], ["a", "b"], draws=200)
    last = lines[-1]
    assert last.startswith("b minus a:")
    assert "PSNR dB %+.3f" % (0.5 / 3) in last
    assert "CIEDE2000 %+.3f" % (-0.6 / 3) in last


def test_files_with_other_photos_or_columns_are_refused(tmp_path):
    a = _write(tmp_path / "a.csv", [("x.jpg", 20.0, 10.0), ("y.jpg", 24.0, 8.0)])
    b = _write(tmp_path / "b.csv", [("x.jpg", 20.0, 10.0), ("z.jpg", 24.0, 8.0)])
    with pytest.raises(ValueError, match="different photos"):
        compare_scores.aligned([compare_scores.read_scores(a), compare_scores.read_scores(b)])
    other = tmp_path / "other.csv"
    other.write_text("file,psnr\nx.jpg,20\n")
    with pytest.raises(ValueError, match="not a colorize --scores file"):
        compare_scores.read_scores(str(other))
    twice = _write(tmp_path / "t.csv", [("x.jpg", 20.0, 10.0), ("x.jpg", 21.0, 10.0)])
    with pytest.raises(ValueError, match="twice"):
        compare_scores.read_scores(twice)
