#!/usr/bin/python3
"""Pack the training data compactly for a machine that receives at most ~64 MiB per transfer.

The data pack is ~225 MB of uncompressed tar shards of JPEGs. This writes, for each shard, a
ZIP (stored, not deflated: JPEG/WebP bytes do not compress further), which
scripts/colorizer/data.py reads like the tar shards:

- places and tinyimagenet members: the original JPEG bytes, losslessly re-optimised with
  `jpegtran -optimize -copy none` (Huffman tables only: the decoded pixels are identical;
  -7.5 % on places, -16 % on tinyimagenet), without tar's 512-byte headers and padding
  (-15 % on the 4.4 kB places files).
- hires members: resized so the shorter side is --hires-side (default 160 = working size 128
  x the largest training rescale 1.25, i.e. the most a 128-px run ever uses) and saved as
  WebP (--hires-quality), about a quarter of the original bytes.
- members are renamed 00000.jpg, 00001.jpg, ... (ZIP stores each name twice); index.tsv in
  each ZIP maps them to the original names.
- validation: --val-range of places-val (default 360:760, disjoint from the images the
  evaluation and the decoding sweep use: places-val 0-359), for early stopping only.

Then it splits the packed files into parts of at most --part-mib MiB (whole files; a file
larger than a part goes alone), as folders part1/, part2/, ... of --out, and prints sizes.

  /usr/bin/python3 scripts/pack_data.py --data ../shared/data --out .device/pack
"""
import argparse
import io
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile

from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from colorizer.data import pool_kind  # noqa: E402


def jpeg_lossless(data):
    try:
        r = subprocess.run(["jpegtran", "-optimize", "-copy", "none"], input=data,
                           capture_output=True, check=True)
        out = r.stdout
    except (OSError, subprocess.CalledProcessError):
        return data
    return out if out and len(out) < len(data) else data


def resize_webp(data, side, quality):
    im = Image.open(io.BytesIO(data)).convert("RGB")
    w, h = im.size
    s = side / min(w, h)
    if s < 1:
        im = im.resize((max(side, round(w * s)), max(side, round(h * s))), Image.LANCZOS)
    b = io.BytesIO()
    im.save(b, "WEBP", quality=quality, method=6)
    return b.getvalue()


def pack_shard(src, dst, kind, args, lo=0, hi=None):
    n = orig = new = 0
    index = []
    stamp = (2020, 1, 1, 0, 0, 0)
    with tarfile.open(src, "r") as tf, zipfile.ZipFile(dst + ".tmp", "w", zipfile.ZIP_STORED) as zf:
        i = -1
        for m in tf:
            if not m.isfile():
                continue
            i += 1
            if i < lo or (hi is not None and i >= hi):
                continue
            data = tf.extractfile(m).read()
            orig += len(data)
            if kind == "hires":
                data = resize_webp(data, args.hires_side, args.hires_quality)
                name = "%05d.webp" % n
            else:
                data = jpeg_lossless(data)
                name = "%05d.jpg" % n
            new += len(data)
            zf.writestr(zipfile.ZipInfo(name, date_time=stamp), data)
            index.append("%s\t%s\n" % (name, m.name))
            n += 1
        # short member names (ZIP stores each name twice); the original names in index.tsv
        info = zipfile.ZipInfo("index.tsv", date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, "".join(index))
    os.replace(dst + ".tmp", dst)
    print("%-24s %5d images  %6.2f MB -> %6.2f MB (file %6.2f MB)" % (
        os.path.basename(dst), n, orig / 1e6, new / 1e6, os.path.getsize(dst) / 1e6), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--out", required=True)
    ap.add_argument("--hires-side", type=int, default=160)
    ap.add_argument("--hires-quality", type=int, default=80)
    ap.add_argument("--val-range", default="360:760")
    ap.add_argument("--part-mib", type=float, default=48.0)
    ap.add_argument("--extra", nargs="*", default=[], help="more files to put in the parts")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()
    if shutil.which("jpegtran") is None:
        print("warning: jpegtran not found (Debian: libjpeg-turbo-progs); JPEGs kept as they are",
              file=sys.stderr)
    flat = os.path.join(a.out, "all")
    os.makedirs(flat, exist_ok=True)
    jobs = []
    tr = os.path.join(a.data, "train")
    for f in sorted(os.listdir(tr)):
        if f.endswith(".tar"):
            kind = pool_kind(f)
            jobs.append((os.path.join(tr, f), os.path.join(flat, f[:-4] + ".zip"), kind, 0, None))
    lo, hi = (int(x) for x in a.val_range.split(":"))
    jobs.append((os.path.join(a.data, "val", "places-val.tar"),
                 os.path.join(flat, "places-val.zip"), "places", lo, hi))
    from concurrent.futures import ProcessPoolExecutor
    with ProcessPoolExecutor(a.jobs) as ex:
        for f in [ex.submit(pack_shard, s, d, k, a, l, h) for s, d, k, l, h in jobs]:
            f.result()
    files = sorted((os.path.getsize(os.path.join(flat, f)), os.path.join(flat, f))
                   for f in os.listdir(flat))
    files += [(os.path.getsize(x), x) for x in a.extra]
    # first-fit decreasing into parts
    limit = a.part_mib * 2 ** 20
    parts = []
    for size, path in sorted(files, reverse=True):
        for p in parts:
            if p[0] + size <= limit:
                p[0] += size
                p[1].append(path)
                break
        else:
            parts.append([size, [path]])
    for i, (size, paths) in enumerate(parts, 1):
        d = os.path.join(a.out, "part%d" % i)
        os.makedirs(d, exist_ok=True)
        for p in paths:
            shutil.copy(p, os.path.join(d, os.path.basename(p)))
        print("part%d: %.2f MiB: %s" % (i, size / 2 ** 20, " ".join(os.path.basename(p) for p in paths)))
    print("total %.2f MiB" % (sum(s for s, _ in files) / 2 ** 20))


if __name__ == "__main__":
    main()
