#!/usr/bin/python3
"""Films made from held-out photographs, colorized frame by frame and with --film: how much the
colour flickers, and how near it is to the truth.

No film is in the data pack, so the films are made: a virtual camera moves over a colour
photograph of the validation shard (bsds-val from --skip on: held out from training) and each
frame is that view, made grey. Kinds of film (each --frames long):

  pan     a view of 0.7 x the photo's width and height moves in a straight line across it
  zoom    the view closes in from 0.95 to 0.6 of the photo around a point near its middle
  object  the view stands still (0.9 of the photo); a square cut from the next photo slides
          across it (something moving in front of a still scene)
  cut     a pan over one photo, then (half way) a pan over the next: a cut between shots
  grain   a pan with film grain: Gaussian noise (sigma 4 of 255) on every grey frame
  shake   a pan with a hand-held camera's shake: each frame's view also jumps by up to 3
          pixels either way, at random
  exposure  a pan whose grey frames flicker in exposure as old film does: each frame's grey
          levels v -> v g + o, g in [0.85, 1.1], o in [-8, 8], at random

Each frame is colorized by the CLI as a folder of frames, once without --film and once with
--film for each --carry. Scores, per mode over all frames of a kind:

  flicker   mean |delta a*b*| between a frame and the one before, each pixel compared with
            the same point of the scene in the frame before (the camera's motion is known);
            pixels that were out of view before, and those the object covers in either frame,
            are left out, and so is the step across a cut. The truth's own figure (resampling
            alone) is given beside it
  PSNR, CIEDE2000 (mean), CF x truth: against the colour frames, as the model card's
  object    PSNR over the object's square and its trail (object films)
  after cut whether the first frame after a cut is exactly the frame-by-frame result (nothing
            carried over the cut): frames / cuts

  /usr/bin/python3 scripts/eval_film.py --cli build/bin/colorize --out /tmp/films
"""
import argparse
import io
import os
import subprocess
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from colorizer.color import ciede2000, grey_srgb_of_L, srgb_to_lab  # noqa: E402
from colorizer.data import shard_members, val_shard  # noqa: E402
from colorizer.metrics import colourfulness, psnr  # noqa: E402

KINDS = ("pan", "zoom", "object", "cut", "grain", "shake", "exposure")


def photos(data, shard, skip, count):
    out = []
    for _, raw in shard_members(val_shard(data, shard)):
        try:
            im = Image.open(io.BytesIO(raw))
            im.load()
        except Exception:
            continue
        if min(im.size) < 32:
            continue
        out.append(im.convert("RGB"))
        if len(out) >= skip + count + 1:
            break
    return out[skip:]


def view(im, box, size):
    return im.resize(size, Image.BICUBIC, box=tuple(float(v) for v in box))


def make_film(kind, im, other, n, rng):
    """Frames (truth RGB uint8 arrays), each frame's box in its photo's pixels, its photo's
    index (0: im, 1: other), and each frame's object square in frame pixels (or None)."""
    W, H = im.size
    size = (int(round(0.7 * W)) // 2 * 2, int(round(0.7 * H)) // 2 * 2)
    frames, boxes, src, objects = [], [], [], []

    def pan_boxes(w_img, h_img, count):
        bw, bh = 0.7 * w_img, 0.7 * h_img
        x0, y0 = rng.uniform(0, w_img - bw), rng.uniform(0, h_img - bh)
        x1, y1 = rng.uniform(0, w_img - bw), rng.uniform(0, h_img - bh)
        return [(x0 + (x1 - x0) * t / max(1, count - 1), y0 + (y1 - y0) * t / max(1, count - 1))
                for t in range(count)], bw, bh

    if kind in ("pan", "grain", "exposure"):
        pos, bw, bh = pan_boxes(W, H, n)
        for x, y in pos:
            boxes.append((x, y, x + bw, y + bh)), src.append(0), objects.append(None)
    elif kind == "shake":
        bw, bh = 0.7 * W, 0.7 * H  # a pan with room for the shake on every side
        x0, y0 = rng.uniform(3, W - bw - 3), rng.uniform(3, H - bh - 3)
        x1, y1 = rng.uniform(3, W - bw - 3), rng.uniform(3, H - bh - 3)
        for t in range(n):
            f = t / max(1, n - 1)
            x = x0 + (x1 - x0) * f + rng.uniform(-3, 3)
            y = y0 + (y1 - y0) * f + rng.uniform(-3, 3)
            boxes.append((x, y, x + bw, y + bh)), src.append(0), objects.append(None)
    elif kind == "zoom":
        cx, cy = W * rng.uniform(0.4, 0.6), H * rng.uniform(0.4, 0.6)
        for t in range(n):
            s = 0.95 + (0.6 - 0.95) * t / max(1, n - 1)
            bw, bh = s * W, s * H
            x = min(max(cx - bw / 2, 0), W - bw)
            y = min(max(cy - bh / 2, 0), H - bh)
            boxes.append((x, y, x + bw, y + bh)), src.append(0), objects.append(None)
    elif kind == "object":
        bw, bh = 0.9 * W, 0.9 * H
        x, y = 0.05 * W, 0.05 * H
        side = int(0.35 * size[1])
        patch = np.asarray(other.resize((side, side), Image.BICUBIC, box=(0, 0, min(other.size),
                                                                           min(other.size))))
        py = int(rng.uniform(0.2, 0.8) * (size[1] - side))
        for t in range(n):
            boxes.append((x, y, x + bw, y + bh)), src.append(0)
            px = int(round((size[0] - side) * t / max(1, n - 1)))
            objects.append((px, py, side, patch))
    elif kind == "cut":
        half = n // 2
        pos, bw, bh = pan_boxes(W, H, half)
        for x, y in pos:
            boxes.append((x, y, x + bw, y + bh)), src.append(0), objects.append(None)
        W2, H2 = other.size
        pos, bw2, bh2 = pan_boxes(W2, H2, n - half)
        for x, y in pos:
            boxes.append((x, y, x + bw2, y + bh2)), src.append(1), objects.append(None)
    for t in range(n):
        f = np.asarray(view(im if src[t] == 0 else other, boxes[t], size)).copy()
        if objects[t] is not None:
            px, py, side, patch = objects[t]
            f[py:py + side, px:px + side] = patch
        frames.append(f)
    return frames, boxes, src, [None if o is None else o[:3] for o in objects], size


def grey_of(rgb):
    """The sRGB grey of each pixel's L* (as the CLI's --eval and the model card make grey)."""
    L = srgb_to_lab(rgb.astype(np.float64) / 255.0)[..., 0]
    return np.clip(np.round(255.0 * grey_srgb_of_L(L)), 0, 255).astype(np.uint8)


def mapped(prev_lab, box_prev, box_cur, size):
    """prev_lab sampled at the scene points of the current frame's pixels (bilinear), and
    where those points were in view in the previous frame."""
    W, H = size
    u = (np.arange(W) + 0.5) * (box_cur[2] - box_cur[0]) / W + box_cur[0]
    v = (np.arange(H) + 0.5) * (box_cur[3] - box_cur[1]) / H + box_cur[1]
    up = (u - box_prev[0]) * W / (box_prev[2] - box_prev[0]) - 0.5
    vp = (v - box_prev[1]) * H / (box_prev[3] - box_prev[1]) - 0.5
    X, Y = np.meshgrid(up, vp)
    ok = (X >= 0) & (X <= W - 1) & (Y >= 0) & (Y <= H - 1)
    Xc, Yc = np.clip(X, 0, W - 1), np.clip(Y, 0, H - 1)
    x0, y0 = np.minimum(Xc.astype(int), W - 2), np.minimum(Yc.astype(int), H - 2)
    fx, fy = (Xc - x0)[..., None], (Yc - y0)[..., None]
    p = prev_lab
    top = p[y0, x0] * (1 - fx) + p[y0, x0 + 1] * fx
    bottom = p[y0 + 1, x0] * (1 - fx) + p[y0 + 1, x0 + 1] * fx
    return top * (1 - fy) + bottom * fy, ok


def object_mask(obj, size, margin=0):
    m = np.zeros((size[1], size[0]), bool)
    if obj is not None:
        px, py, side = obj
        m[max(0, py - margin):py + side + margin, max(0, px - margin):px + side + margin] = True
    return m


def score_film(frames_out, film):
    truth, boxes, src, objects, size = film
    fl, fl_truth, P, D, CFo, CFt, Pobj = [], [], [], [], [], [], []
    prev = prev_t = None
    for t, out in enumerate(frames_out):
        tr = truth[t]
        lab, lab_t = srgb_to_lab(out / 255.0), srgb_to_lab(tr / 255.0)
        P.append(psnr(out, tr))
        D.append(float(ciede2000(lab, lab_t).mean()))
        CFo.append(colourfulness(out)), CFt.append(colourfulness(tr))
        if objects[t] is not None:
            m = object_mask(objects[t], size, 16) | (object_mask(objects[t - 1], size, 16) if t else False)
            err = ((out.astype(np.float64) - tr.astype(np.float64)) ** 2)[m].mean()
            Pobj.append(10 * np.log10(255.0 ** 2 / max(err, 1e-12)))
        if t and src[t] == src[t - 1]:
            pm, ok = mapped(prev, boxes[t - 1], boxes[t], size)
            pt, _ = mapped(prev_t, boxes[t - 1], boxes[t], size)
            if objects[t] is not None:
                ok &= ~object_mask(objects[t], size, 2) & ~object_mask(objects[t - 1], size, 2)
            fl.append(float(np.hypot(*(lab[..., 1:] - pm[..., 1:]).transpose(2, 0, 1))[ok].mean()))
            fl_truth.append(float(np.hypot(*(lab_t[..., 1:] - pt[..., 1:]).transpose(2, 0, 1))[ok].mean()))
        prev, prev_t = lab, lab_t
    return dict(flicker=fl, flicker_truth=fl_truth, psnr=P, de=D, cf=CFo, cf_truth=CFt, obj=Pobj)


def run_cli(cli, model, grey_dir, out_dir, extra):
    cmd = [cli, "-q", grey_dir, "-o", out_dir] + (["--model", model] if model else []) + extra
    subprocess.run(cmd, check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--shard", default="bsds-val")
    ap.add_argument("--skip", type=int, default=20)
    ap.add_argument("--photos", type=int, default=10, help="films of each kind")
    ap.add_argument("--frames", type=int, default=24)
    ap.add_argument("--cli", default="build/bin/colorize")
    ap.add_argument("--model", default="", help="default: the CLI's default model")
    ap.add_argument("--carry", type=float, nargs="+", default=[0.8])
    ap.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    ap.add_argument("--out", required=True, help="a new folder for the frames and results")
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    if os.path.isdir(a.out) and os.listdir(a.out):
        sys.exit("eval_film: %s is not empty" % a.out)
    ims = photos(a.data, a.shard, a.skip, a.photos)
    rng = np.random.default_rng(a.seed)
    modes = [("frame by frame", [])] + [("--film --carry %g" % c, ["--film", "--carry", str(c)])
                                         for c in a.carry]
    rows = []
    for kind in a.kinds:
        totals = {m: {} for m, _ in modes}
        cuts_exact = {m: 0 for m, _ in modes}
        for i in range(a.photos):
            film = make_film(kind, ims[i], ims[i + 1], a.frames, rng)
            d = os.path.join(a.out, kind, "%02d" % i)
            os.makedirs(os.path.join(d, "grey"))
            for t, f in enumerate(film[0]):
                g = grey_of(f)
                if kind == "grain":
                    g = np.clip(g.astype(np.float64) + rng.normal(0, 4, g.shape), 0, 255).round().astype(np.uint8)
                if kind == "exposure":
                    g = np.clip(g.astype(np.float64) * rng.uniform(0.85, 1.1) + rng.uniform(-8, 8),
                                0, 255).round().astype(np.uint8)
                Image.fromarray(g).save(os.path.join(d, "grey", "%d.png" % t))
            outs = {}
            for m, extra in modes:
                od = os.path.join(d, m.replace(" ", "_").replace("-", ""))
                run_cli(a.cli, a.model, os.path.join(d, "grey"), od, extra)
                outs[m] = [np.asarray(Image.open(os.path.join(od, "%d.png" % t)).convert("RGB"))
                           for t in range(a.frames)]
                for k, v in score_film(outs[m], film).items():
                    totals[m].setdefault(k, []).extend(v)
            if kind == "cut":
                t = a.frames // 2
                for m, _ in modes:
                    cuts_exact[m] += int(np.array_equal(outs[m][t], outs[modes[0][0]][t]))
            print("%s %d/%d" % (kind, i + 1, a.photos), file=sys.stderr)
        for m, _ in modes:
            s = totals[m]
            rows.append((kind, m, np.mean(s["flicker"]), np.mean(s["flicker_truth"]),
                         np.mean(s["psnr"]), np.mean(s["de"]),
                         np.mean(s["cf"]) / np.mean(s["cf_truth"]),
                         np.mean(s["obj"]) if s["obj"] else None,
                         "%d/%d" % (cuts_exact[m], a.photos) if kind == "cut" else ""))
    print("| film | colorized | flicker (truth) | PSNR | CIEDE2000 | CF x truth | object PSNR | after cut |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for kind, m, fl, flt, p, de, cf, obj, cut in rows:
        print("| %s | %s | %.3f (%.3f) | %.3f | %.3f | %.3f | %s | %s |" % (
            kind, m, fl, flt, p, de, cf, "%.3f" % obj if obj is not None else "", cut))


if __name__ == "__main__":
    main()
