#!/usr/bin/python3
"""How much do user hints help? The protocol of Zhang et al. 2017 (user-guided colorization):
reveal the true colour at k random points of each image and score the result against k = 0.

Each hint is what the CLI and the web app send for one click (src/pipeline/prepare.cpp,
render_hints): a 3 x 3 square of the working grid (radius 1) holding one ab value, here the
truth's mean ab over that square (the colour a user who knows the scene would pick). Points
are drawn uniformly over the picture with a fixed seed, the same points for every file, and
each k's points include those of the smaller k (one more click adds to the earlier ones).
Scored like scripts/eval.py (256 x 256 centre crops of the validation shards, PSNR,
CIEDE2000, wrong-colour area, colourfulness over the truth's), each k with its paired 95 %
interval against no hints (colorizer/stats.py). The file's own decoding (T, beta) is used.

--method says what takes the hints: "model" (the network's hint inputs, Zhang et al. 2017),
"marks" (no network: the hints spread along the lightness, Levin et al. 2004, the core's
propagate_marks) or "model+marks" (the network without hints, its output corrected by the
hints as marks: the core's correct_with_marks, what painting does in the app) or "both" (the
network with the hints, its output then corrected by them as marks). "model-guided" is
"model" with the network's output brought to the working grid as the product's finish()
brings it (guided upsampling, the core's upsample_chroma) instead of bilinearly (as
colorizer/metrics.compose does): the baseline "model+marks" and "both" are to be read against. The marks
methods run the core through build/bin/colorize-marks (--marks-tool).

  /usr/bin/python3 scripts/eval_hints.py --onnx models/colorizer-fp32.onnx --points 0 1 2 5 10 20
  /usr/bin/python3 scripts/eval_hints.py --method marks --points 0 1 2 5 10 20 50
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from colorizer import evaluate as ev  # noqa: E402
from colorizer import stats  # noqa: E402
from colorizer.export import export_model_from_onnx  # noqa: E402

RADIUS = 1  # render_hints' default: a 3 x 3 square of the working grid


def hint_points(n_images, h, w, k_max, seed):
    """[n_images, k_max, 2] (y, x) points on an h x w grid; point j of an image is the same
    whatever k, so hints nest as k grows."""
    rng = np.random.RandomState(seed)
    return np.stack([rng.randint(0, h, size=(n_images, k_max)),
                     rng.randint(0, w, size=(n_images, k_max))], axis=-1)


def render(ab_work, points, k, radius=RADIUS):
    """(hint_ab [N, 2, h, w], hint_mask [N, 1, h, w]) from the first k points of each image:
    each a (2r+1)^2 square filled with the mean of ab_work over that square (clipped at the
    border); later points overwrite earlier ones where squares overlap."""
    n, _, h, w = ab_work.shape
    hint_ab = torch.zeros(n, 2, h, w)
    mask = torch.zeros(n, 1, h, w)
    for i in range(n):
        for y, x in points[i, :k]:
            y0, y1 = max(0, y - radius), min(h, y + radius + 1)
            x0, x1 = max(0, x - radius), min(w, x + radius + 1)
            hint_ab[i, :, y0:y1, x0:x1] = ab_work[i, :, y0:y1, x0:x1].mean(dim=(1, 2))[:, None, None]
            mask[i, :, y0:y1, x0:x1] = 1.0
    return hint_ab, mask


def working_hints(L, ab_truth, ws, points, k):
    """(L at the working size [N, 1, h, w], hint_ab, hint_mask) for the first k points."""
    Lw = ev.working_L(L, ws)
    h, w = Lw.shape[2:]
    ab_t = torch.from_numpy(ab_truth.astype(np.float32)).permute(0, 3, 1, 2)
    ab_w = F.interpolate(ab_t, size=(h, w), mode="area")
    hint_ab, mask = render(ab_w, points, k)
    return Lw, hint_ab, mask


@torch.no_grad()
def predict_with_hints(model, L, ab_truth, ws, points, k, batch=16):
    """ab [N, 2, h/2, w/2] of `model` (ExportModel) given the first k points of each image."""
    out = []
    for s in range(0, len(L), batch):
        Lw, hint_ab, mask = working_hints(L[s:s + batch], ab_truth[s:s + batch], ws,
                                          points[s:s + batch], k)
        out.append(model(Lw, hint_ab, mask).float())
    return torch.cat(out)


def marks_with_hints(tool, L, ab_truth, ws, points, k, base=None, reach=None):
    """ab [N, 2, h, w] from the core's marks methods (colorize-marks): the first k points as
    marks; with `base` (model outputs [N, 2, h/2, w/2]) corrected, else colour from them alone."""
    Lw, hint_ab, mask = working_hints(L, ab_truth, ws, points, k)
    with tempfile.TemporaryDirectory() as d:
        names = {"--L": Lw, "--hint-ab": hint_ab, "--hint-mask": mask}
        if base is not None:
            names["--base"] = base
        cmd = [tool, "--out", os.path.join(d, "ab.npy")]
        for flag, t in names.items():
            f = os.path.join(d, flag.strip("-") + ".npy")
            np.save(f, t.numpy().astype(np.float32))
            cmd += [flag, f]
        if reach is not None:
            cmd += ["--reach", str(reach)]
        subprocess.run(cmd, check=True)
        return torch.from_numpy(np.load(os.path.join(d, "ab.npy")))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--onnx", default="models/colorizer-fp32.onnx")
    ev.add_eval_set_args(ap)
    ap.add_argument("--points", type=int, nargs="+", default=[0, 1, 2, 5, 10, 20])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--method", default="model",
                    choices=["model", "model-guided", "marks", "model+marks", "both"])
    ap.add_argument("--marks-tool", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "build", "bin", "colorize-marks"))
    ap.add_argument("--reach", type=float, default=None, help="model+marks: the correction's "
                    "reach, a fraction of the longer side (default: the core's, 0.15)")
    a = ap.parse_args()
    if min(a.points) < 0:
        ap.error("--points: counts of 0 or more")
    torch.set_num_threads(2)

    rgb, _ = ev.load_eval_set(a.data, a.places, a.bsds, skip_places=a.skip_places,
                              skip_bsds=a.skip_bsds)
    truth = ev.Truth(rgb)
    model = export_model_from_onnx(onnx.load(a.onnx)) if a.method != "marks" else None
    L = truth.lab[..., 0]
    ab_truth = truth.lab[..., 1:]
    h, w = ev.working_L(L[:1], a.working_size).shape[2:]  # the grid the hints are drawn on
    points = hint_points(len(rgb), h, w, max(a.points), a.seed)
    counts = sorted(set([0] + a.points))
    if a.method == "model":
        def predict(k):
            return predict_with_hints(model, L, ab_truth, a.working_size, points, k)
    elif a.method == "marks":
        def predict(k):
            return marks_with_hints(a.marks_tool, L, ab_truth, a.working_size, points, k)
    elif a.method == "model+marks":
        base = predict_with_hints(model, L, ab_truth, a.working_size, points, 0)

        def predict(k):
            return marks_with_hints(a.marks_tool, L, ab_truth, a.working_size, points, k,
                                    base=base, reach=a.reach)
    else:  # both; model-guided: the same without the correction (the marks' count is 0)
        def predict(k):
            base = predict_with_hints(model, L, ab_truth, a.working_size, points, k)
            return marks_with_hints(a.marks_tool, L, ab_truth, a.working_size, points,
                                    k if a.method == "both" else 0, base=base, reach=a.reach)
    rows = {k: ev.score(truth, predict(k), with_ssim=False) for k in counts}
    idx = stats.bootstrap_indices(len(rgb), 2000, 0)
    print("%s, %s, %d images, working size %d; hints of 3 x 3 working pixels at random points"
          % (a.method, os.path.basename(a.onnx) if model is not None else "no network", len(rgb),
             a.working_size))
    print("%6s  %-8s %-8s %-8s %-6s  %-26s %-26s %-26s" % (
        "points", "PSNR", "dE2000", "wrong %", "CF", "PSNR vs none", "dE2000 vs none",
        "wrong vs none"))
    for k in counts:
        r = rows[k]
        s = ev.summarize(r)
        cells = []
        for col in (0, 4, 5):
            if k == 0:
                cells.append("")
                continue
            d = stats.paired_difference(rows[0][:, col], r[:, col], idx=idx)
            cells.append("%+.3f [%+.3f, %+.3f]" % (d["diff"], d["low"], d["high"]))
        print("%6d  %-8.3f %-8.3f %-8.2f %-6.2f  %-26s %-26s %-26s" % (
            k, r[:, 0].mean(), r[:, 4].mean(), r[:, 5].mean(), s["cf_ratio"], *cells))


if __name__ == "__main__":
    main()
