#!/usr/bin/python3
"""Write validation photos to a folder, original bytes, so the CLI can be scored on exactly
the images the Python tools use (`colorize --eval DIR --scores F.csv`, then
scripts/compare_scores.py): the product's own path, at full resolution.

  /usr/bin/python3 scripts/extract_photos.py --shard bsds-val --skip 20 --count 80 --out bsds80
  build/bin/colorize --eval bsds80 -q --scores release.csv

Images are counted as scripts/eval.py counts them (a member that does not decode, or is under
32 px, is not counted; near-grey ones are), so `--skip 20 --count 80` of bsds-val is the
held-out "bsds-val 20-99" of the model card. File names keep the member name, its folders
joined by '_' (places-val: `abbey_00000123.jpg`). The folder must be new or empty.
"""
import argparse
import io
import os
import sys

from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from colorizer.data import shard_members, val_shard  # noqa: E402


def counted(data):
    """True where scripts/eval.py's reader keeps the image (decodes, both sides >= 32 px)."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            return min(im.size) >= 32
    except Exception:
        return False


def extract(shard_path, skip, count, out):
    """Writes images skip .. skip + count - 1 of the shard into out; returns their paths."""
    if os.path.isdir(out) and os.listdir(out):
        raise ValueError("%s is not empty" % out)
    os.makedirs(out, exist_ok=True)
    written, k = [], 0
    for name, data in shard_members(shard_path):
        if not counted(data):
            continue
        if k >= skip + count:
            break
        if k >= skip:
            path = os.path.join(out, name.replace("/", "_"))
            if os.path.exists(path):
                raise ValueError("two members would both be written as %s" % path)
            with open(path, "wb") as f:
                f.write(data)
            written.append(path)
        k += 1
    return written


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--shard", default="bsds-val", help="a validation shard: bsds-val, places-val")
    ap.add_argument("--skip", type=int, default=20)
    ap.add_argument("--count", type=int, default=80)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    try:
        paths = extract(val_shard(a.data, a.shard), a.skip, a.count, a.out)
    except (ValueError, FileNotFoundError) as e:
        sys.exit("extract_photos: %s" % e)
    print("wrote %d photos to %s" % (len(paths), a.out))
    if len(paths) < a.count:
        print("(the shard has only %d images after the first %d)" % (len(paths), a.skip))


if __name__ == "__main__":
    main()
