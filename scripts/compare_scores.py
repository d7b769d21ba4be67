#!/usr/bin/python3
"""Compare two (or more) models photo by photo from the CLI's per-photo scores.

`colorize --eval DIR --scores A.csv` writes one row per photo (full resolution, the product's
own path: prepare, network, edge-aware finish). Given the CSVs of two models on the same
folder, this prints each one's means with 95 % bootstrap intervals over the photos and each
one's paired difference to the first (the same resampled photo sets for both;
colorizer/stats.py), as scripts/compare.py does for checkpoints on 256 x 256 crops.

  build/bin/colorize --eval photos/ -q --scores a.csv                  # default model
  build/bin/colorize --eval photos/ -q --model other.onnx --scores b.csv
  /usr/bin/python3 scripts/compare_scores.py a.csv b.csv --names release other

Photos are matched by file name; a photo missing from one file is an error (the means
would be over different photos).
"""
import argparse
import csv
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from colorizer import stats  # noqa: E402

# (CSV column, label, which way is better)
COLUMNS = (("psnr", "PSNR dB", "higher"), ("ssim", "SSIM", "higher"),
           ("ciede2000", "CIEDE2000", "lower"), ("wrong_colour_pct", "wrong %", "lower"),
           ("colourfulness", "colourfulness", None))


def read_scores(path):
    """{file name: {column: float}} from a `colorize --eval --scores` CSV."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError("%s: no photos" % path)
    missing = [c for c, _, _ in COLUMNS if c not in rows[0]]
    if missing:
        raise ValueError("%s: not a colorize --scores file (no %s)" % (path, ", ".join(missing)))
    out = {}
    for r in rows:
        if r["file"] in out:
            raise ValueError("%s: photo %s twice" % (path, r["file"]))
        out[r["file"]] = {k: float(v) for k, v in r.items() if k != "file"}
    return out


def aligned(tables):
    """(sorted common names, [{column: array over names}] per table); refuses tables that
    hold different photos."""
    names = sorted(tables[0])
    for t in tables[1:]:
        if set(t) != set(names):
            diff = sorted(set(t).symmetric_difference(names))
            raise ValueError("the files hold different photos, e.g. %s" % diff[:5])
    return names, [{c: np.array([t[n][c] for n in names]) for c, _, _ in COLUMNS}
                   for t in tables]


def compare(tables, labels, draws=2000, seed=0):
    """Printable lines: means with intervals, and each table's paired difference to the first."""
    names, cols = aligned(tables)
    idx = stats.bootstrap_indices(len(names), draws, seed)
    lines = ["%d photos; 95 %% intervals over the photos (%d draws)" % (len(names), draws)]
    for label, col in zip(labels, cols):
        cells = []
        for c, head, _ in COLUMNS:
            m, lo, hi = stats.mean_ci(col[c], idx=idx)
            cells.append("%s %.3f [%.3f, %.3f]" % (head, m, lo, hi))
        lines.append("%-20s %s" % (label[-20:], "  ".join(cells)))
    for label, col in zip(labels[1:], cols[1:]):
        cells = []
        for c, head, better in COLUMNS:
            d = stats.paired_difference(cols[0][c], col[c], idx=idx)
            share = d["share_above"] if better != "lower" else 1.0 - d["share_above"]
            cells.append("%s %+.3f [%+.3f, %+.3f]%s" % (
                head, d["diff"], d["low"], d["high"],
                "" if better is None else " (better on %.0f %%)" % (100.0 * share)))
        lines.append("%s minus %s: %s" % (label, labels[0], "  ".join(cells)))
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("csv", nargs="+", help="colorize --eval --scores files; the first is the base")
    ap.add_argument("--names", nargs="*", help="a label per file (default: the file names)")
    ap.add_argument("--draws", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    if len(a.csv) < 2:
        ap.error("give two or more files")
    if a.names and len(a.names) != len(a.csv):
        ap.error("--names needs one label per file (%d)" % len(a.csv))
    try:
        lines = compare([read_scores(p) for p in a.csv], a.names or a.csv, a.draws, a.seed)
    except ValueError as e:
        sys.exit("compare_scores: %s" % e)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
