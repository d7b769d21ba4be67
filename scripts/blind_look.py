#!/usr/bin/python3
"""A blind side-by-side look at two networks: which one paints less wrong colour?

The metrics count wrong-colour pixels; a person sees blotches and casts. A contact sheet of a
dozen pictures, looked at knowing which column is which, decides little. This tool draws many
random pictures, puts the two networks' results side by side in a random order per picture
(grey | left | right | truth), and keeps the order in a key the looker does not open until
every answer is written. Then it counts, per network, the pictures on which it was preferred,
with an exact two-sided sign test (ties left out).

  # 1. sheets + key + an answers form (both networks at CF 0.76 x truth on the images shown)
  /usr/bin/python3 scripts/blind_look.py make --ckpt runs/rel5/last.pt runs/X/last.pt \\
      --names release X --places 600 --skip-places 600 --bsds 80 --skip-bsds 20 \\
      --sample 48 --seed 7 --out look/
  # 2. look at look/sheet-*.png; in look/answers.txt write L, R or = after each number
  # 3. only then:
  /usr/bin/python3 scripts/blind_look.py score look/

`make-files` does the same for results already written, e.g. the CLI's full-resolution
results of two models on held-out photos (`colorize --eval photos/ -o resultsA/`): the
pictures are those whose name stem is in the truth folder and in both result folders.

  /usr/bin/python3 scripts/blind_look.py make-files --truth photos/ \\
      --results resultsA/ resultsB/ --names release X --sample 40 --seed 7 --out look/

Each network's beta is found once on all the images loaded (--cf, colorizer/selection.py) or
given (--betas), as scripts/compare.py does, so the two are equally colourful on average and
the look judges where the colour goes, not how much of it there is. The logits of every
image loaded are held in memory (about 4.3 MB per image and network at working size 128), so
the pool is a few hundred images, not thousands.
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from colorizer import evaluate as ev  # noqa: E402
from colorizer import selection  # noqa: E402

QUESTION = ("Which of the two middle pictures shows less wrong colour (blotches, casts, "
            "colour the truth does not have)? Write L, R or = (can't tell) after each number.")


def make_key(n_images, sample, seed):
    """(indices of `sample` distinct images out of n_images, sorted; a swap flag per image:
    True puts the second network on the left)."""
    if not 1 <= sample <= n_images:
        raise ValueError("can sample 1..%d images, not %d" % (n_images, sample))
    rng = np.random.RandomState(seed)
    idx = np.sort(rng.choice(n_images, size=sample, replace=False))
    return [int(i) for i in idx], [bool(s) for s in rng.randint(0, 2, size=sample)]


def sides(pred_a, pred_b, idx, swaps):
    """(left, right) prediction arrays over all images: B left where the image is swapped."""
    left, right = pred_a.clone(), pred_b.clone()
    for i, s in zip(idx, swaps):
        if s:
            left[i], right[i] = pred_b[i], pred_a[i]
    return left, right


def write_sheets(out, truth, pred_a, pred_b, idx, swaps, per_sheet=4, tile=200):
    """PNG sheets of numbered rows grey | left | right | truth; returns their paths."""
    from PIL import Image
    left, right = sides(pred_a, pred_b, idx, swaps)
    paths = []
    for s in range(0, len(idx), per_sheet):
        part = idx[s:s + per_sheet]
        path = os.path.join(out, "sheet-%02d.png" % (s // per_sheet + 1))
        ev.contact_sheet(path, truth, [left, right], part, tile=tile, cols=1)
        im = Image.open(path).convert("RGB")
        _label_rows(im, s, len(part), tile)
        im.save(path)
        paths.append(path)
    return paths


IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tga")


def file_rows(truth_dir, result_dirs):
    """[(stem, truth path, [result path per folder])] for the name stems present in the truth
    folder and in every result folder, sorted by stem. Raises when none are."""
    def images(d):
        found = {}
        for f in sorted(os.listdir(d)):
            stem, ext = os.path.splitext(f)
            if ext.lower() in IMAGE_EXTENSIONS and stem not in found:
                found[stem] = os.path.join(d, f)
        return found
    truth = images(truth_dir)
    results = [images(d) for d in result_dirs]
    stems = sorted(set(truth).intersection(*[set(r) for r in results]))
    if not stems:
        raise ValueError("no picture is in %s and in every result folder" % truth_dir)
    return [(st, truth[st], [r[st] for r in results]) for st in stems]


def _fit(im, tile):
    """im (PIL) scaled to fit a tile x tile box, centred on white."""
    from PIL import Image
    im = im.convert("RGB")
    im.thumbnail((tile, tile), Image.BICUBIC)
    box = Image.new("RGB", (tile, tile), (255, 255, 255))
    box.paste(im, ((tile - im.width) // 2, (tile - im.height) // 2))
    return box


def _label_rows(im, first, count, tile):
    from PIL import ImageDraw
    draw = ImageDraw.Draw(im)
    for r in range(count):
        label = "%d" % (first + r + 1)
        draw.rectangle([0, r * tile, 8 * len(label) + 6, r * tile + 14], fill=(255, 255, 255))
        draw.text((3, r * tile + 2), label, fill=(0, 0, 0))


def write_file_sheets(out, rows, idx, swaps, per_sheet=4, tile=240):
    """Like write_sheets for pictures on disk: rows from file_rows (two result folders); grey
    is the truth's L* alone. Returns the sheets' paths."""
    from PIL import Image
    from colorizer.color import srgb_to_lab
    from colorizer.metrics import compose
    paths = []
    for s in range(0, len(idx), per_sheet):
        part = idx[s:s + per_sheet]
        sheet = Image.new("RGB", (4 * tile, len(part) * tile), (255, 255, 255))
        for r, (i, swap) in enumerate(zip(part, swaps[s:s + per_sheet])):
            _, truth_path, (a_path, b_path) = rows[i]
            truth = Image.open(truth_path).convert("RGB")
            L = srgb_to_lab(np.asarray(truth, dtype=np.float64) / 255.0)[..., 0]
            left, right = (b_path, a_path) if swap else (a_path, b_path)
            tiles = [Image.fromarray(compose(L, torch.zeros(2, *L.shape))), Image.open(left),
                     Image.open(right), truth]
            for j, im in enumerate(tiles):
                sheet.paste(_fit(im, tile), (j * tile, r * tile))
        _label_rows(sheet, s, len(part), tile)
        path = os.path.join(out, "sheet-%02d.png" % (s // per_sheet + 1))
        sheet.save(path)
        paths.append(path)
    return paths


def write_key_and_form(out, key, paths):
    with open(os.path.join(out, "key.json"), "w") as f:
        json.dump(key, f, indent=1)
    with open(os.path.join(out, "answers.txt"), "w") as f:
        f.write("# %s\n# sheets: %s\n" % (QUESTION, ", ".join(os.path.basename(p) for p in paths)))
        f.write("".join("%d \n" % (k + 1) for k in range(len(key["swaps"]))))
    print("wrote %d sheets, %s/answers.txt (fill it in) and key.json (do not open it before)"
          % (len(paths), out))


def new_look_folder(out):
    os.makedirs(out, exist_ok=True)
    if os.path.exists(os.path.join(out, "key.json")):
        sys.exit("blind_look: %s exists; a new look needs a new folder"
                 % os.path.join(out, "key.json"))


def read_answers(path, n):
    """The answers form -> list of n letters in L/R/=. Lines: '<number> <letter>'; '#' starts
    a comment. Refuses a missing, repeated or unknown answer."""
    got = {}
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            if len(parts) == 1 and parts[0].isdigit():
                continue  # the form's blank line: counted as missing below
            if len(parts) != 2 or not parts[0].isdigit() or parts[1].upper() not in ("L", "R", "="):
                raise ValueError("answers: cannot read %r (want '<number> L|R|=')" % line)
            k = int(parts[0])
            if not 1 <= k <= n or k in got:
                raise ValueError("answers: number %d out of 1..%d or repeated" % (k, n))
            got[k] = parts[1].upper()
    missing = [k for k in range(1, n + 1) if k not in got]
    if missing:
        raise ValueError("answers: no answer for %s" % missing[:10])
    return [got[k] for k in range(1, n + 1)]


def sign_test(wins, losses):
    """Exact two-sided sign test p-value for wins vs losses (ties already left out)."""
    n = wins + losses
    if n == 0:
        return 1.0
    k = min(wins, losses)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2.0 ** n
    return min(1.0, 2.0 * tail)


def score(answers, swaps):
    """Answers (L/R/= per picture) and the key's swaps -> dict(a, b, ties, p, per_picture):
    a = pictures on which the first network was preferred."""
    per, a, b, ties = [], 0, 0, 0
    for ans, s in zip(answers, swaps):
        if ans == "=":
            ties += 1
            per.append("=")
            continue
        first = (ans == "L") != s  # left is the first network unless swapped
        a += first
        b += not first
        per.append("a" if first else "b")
    return dict(a=a, b=b, ties=ties, p=sign_test(a, b), per_picture=per)


def cmd_make(a):
    from compare import network_logits
    torch.set_num_threads(2)
    new_look_folder(a.out)
    rgb, src, members = ev.load_eval_set(a.data, a.places, a.bsds, skip_places=a.skip_places,
                                         skip_bsds=a.skip_bsds, with_names=True)
    truth = ev.Truth(rgb)
    names = a.names or a.ckpt
    preds, betas = [], []
    for k, path in enumerate(a.ckpt):
        z, bins, log_w = network_logits(path, truth.lab[..., 0], a.working_size)
        if a.betas:
            beta, ratio = a.betas[k], None
        else:  # the search has measured the colourfulness of the beta it returns
            beta, ratio = selection.beta_for_cf(z, bins, log_w, a.T, truth, a.cf)
        preds.append(selection.decode(z, bins, log_w, a.T, beta))
        if ratio is None:
            ratio = selection.cf_ratio(truth, preds[-1])
        betas.append(float(beta))
        print("%s: beta %.3f, CF %.3f x truth on %d images" % (names[k], beta, ratio, len(rgb)))
    idx, swaps = make_key(len(rgb), a.sample, a.seed)
    paths = write_sheets(a.out, truth, preds[0], preds[1], idx, swaps, a.per_sheet, a.tile)
    write_key_and_form(a.out, dict(names=list(names), ckpt=a.ckpt, betas=betas, T=a.T,
                                   cf=None if a.betas else a.cf,
                                   images=[members[i] for i in idx],
                                   sources=[src[i] for i in idx], swaps=swaps, seed=a.seed),
                       paths)


def cmd_make_files(a):
    new_look_folder(a.out)
    try:
        rows = file_rows(a.truth, a.results)
        idx, swaps = make_key(len(rows), min(a.sample, len(rows)), a.seed)
    except ValueError as e:
        sys.exit("blind_look: %s" % e)
    paths = write_file_sheets(a.out, rows, idx, swaps, a.per_sheet, a.tile)
    write_key_and_form(a.out, dict(names=list(a.names or a.results), results=a.results,
                                   truth=a.truth, images=[rows[i][0] for i in idx],
                                   sources=["files"] * len(idx), swaps=swaps, seed=a.seed),
                       paths)


def cmd_score(a):
    with open(os.path.join(a.out, "key.json")) as f:
        key = json.load(f)
    answers = read_answers(os.path.join(a.out, "answers.txt"), len(key["swaps"]))
    r = score(answers, key["swaps"])
    na, nb = key["names"]
    print("%d pictures: %s preferred on %d, %s on %d, can't tell %d; exact sign test p = %.3g"
          % (len(answers), na, r["a"], nb, r["b"], r["ties"], r["p"]))
    for source in sorted(set(key["sources"])):
        sub = [k for k, s in enumerate(key["sources"]) if s == source]
        rs = score([answers[k] for k in sub], [key["swaps"][k] for k in sub])
        print("  %s (%d): %s %d, %s %d, can't tell %d, p = %.3g" % (
            source, len(sub), na, rs["a"], nb, rs["b"], rs["ties"], rs["p"]))
    for k, (img, who) in enumerate(zip(key["images"], r["per_picture"])):
        print("%3d %-48s %s" % (k + 1, img[-48:], {"a": na, "b": nb, "=": "-"}[who]))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(dict(key, answers=answers, **r), f, indent=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make", help="draw the pictures, write sheets, key and answers form")
    m.add_argument("--ckpt", nargs=2, required=True, help="the two checkpoints")
    m.add_argument("--names", nargs=2, help="a label for each")
    ev.add_eval_set_args(m, places=600, skip_places=600)
    m.add_argument("--T", type=float, default=0.2)
    how = m.add_mutually_exclusive_group()
    how.add_argument("--cf", type=float, default=0.76, help="colourfulness ratio to match")
    how.add_argument("--betas", type=float, nargs=2, help="a fixed beta for each instead")
    m.add_argument("--sample", type=int, default=48, help="pictures to look at")
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--per-sheet", type=int, default=4)
    m.add_argument("--tile", type=int, default=200)
    m.add_argument("--out", required=True, help="a new folder for sheets, key and answers")
    f = sub.add_parser("make-files", help="the same for two folders of results on disk")
    f.add_argument("--truth", required=True, help="folder of the colour originals")
    f.add_argument("--results", nargs=2, required=True, help="the two folders of results")
    f.add_argument("--names", nargs=2, help="a label for each")
    f.add_argument("--sample", type=int, default=40,
                   help="pictures to look at (all of them if fewer)")
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--per-sheet", type=int, default=4)
    f.add_argument("--tile", type=int, default=240)
    f.add_argument("--out", required=True, help="a new folder for sheets, key and answers")
    s = sub.add_parser("score", help="unblind: count the answers against the key")
    s.add_argument("out", help="the folder make wrote")
    s.add_argument("--json", help="write the result here")
    a = ap.parse_args()
    if a.cmd == "make":
        cmd_make(a)
    elif a.cmd == "make-files":
        cmd_make_files(a)
    else:
        cmd_score(a)


if __name__ == "__main__":
    main()
