#!/usr/bin/python3
"""Compare networks on the same images, with how sure each difference is.

Each checkpoint is decoded at the colourfulness asked (--cf: the beta that brings its mean
colourfulness to r x the truth's on these images, colorizer/selection.py) or at a beta given
per checkpoint (--betas), and scored per image as scripts/eval.py scores (256 x 256 centre
crops; PSNR, mean CIEDE2000, wrong-colour area; no SSIM). Printed: each network's means with
95 % bootstrap intervals over the images, and each network's difference to the first one with
its paired interval (the same resampled image sets for both; colorizer/stats.py). An interval
holding 0 means these images do not tell the two apart.

  /usr/bin/python3 scripts/compare.py --ckpt runs/rel5/last.pt runs/ft15-wide/last.pt \\
      --places 300 --skip-places 60 --bsds 80 --skip-bsds 20 --cf 0.76 --by-source

--sizes runs each checkpoint at its own working size (e.g. a network fine-tuned at 192
against one trained at 128); every prediction is scored at 256 x 256 all the same.
--by-source scores each source (places, bsds) alone as well, with its own matched beta.
--worst N lists the N images on which the first network paints the most wrong colour, with
every network's wrong area and CIEDE2000 change against greyscale on each (where the
failures are, by name); --sheet FILE.jpg shows those images as grey | each network | truth.
The beta is found once on the images and kept fixed while resampling, so the intervals leave
out the search's own wobble. A shipped .onnx file becomes a checkpoint with
`scripts/train.py --config cpu --name X --set init_from=FILE.onnx max_steps=0`.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from colorizer import evaluate as ev  # noqa: E402
from colorizer import selection, stats  # noqa: E402
from colorizer.export import folded_net  # noqa: E402
from colorizer.train import load_checkpoint, net_from_checkpoint  # noqa: E402

METRICS = (("psnr", 0, "PSNR", "higher"), ("de2000", 4, "dE2000", "lower"),
           ("wrong_pct", 5, "wrong %", "lower"))


def network_logits(path, L, ws, tone="as-is"):
    """(raw logits [N, Q, h, w], bins, log w) of a checkpoint on L [N, H, W]."""
    net = net_from_checkpoint(load_checkpoint(path)).eval()
    raw = folded_net(net)
    return ev.predict(raw.logits, L, ws, tone=tone), net.bins.float(), \
        torch.log(net.prior_w).view(-1)


def compare_group(title, truth, entries, T, cf, betas, draws, seed, greyscale):
    """Scores every entry (name, logits, bins, log_w) on `truth`; returns the group's dict."""
    n = len(truth.rgb)
    idx = stats.bootstrap_indices(n, draws, seed)
    results = []
    for k, (name, z, bins, log_w) in enumerate(entries):
        if cf is not None:
            beta, _ = selection.beta_for_cf(z, bins, log_w, T, truth, cf)
        else:
            beta = betas[k]
        rows = ev.score(truth, selection.decode(z, bins, log_w, T, beta), with_ssim=False)
        results.append(dict(name=name, beta=float(beta), rows=rows))
    if greyscale:
        results.append(dict(name="greyscale", beta=float("nan"),
                            rows=ev.score(truth, None, with_ssim=False)))
    out = dict(images=n, networks=[])
    print("\n%s (%d images)%s" % (title, n, "" if cf is None else
                                  ", each network at CF %.2f x truth" % cf))
    print("%-34s %6s %6s  %-30s %-30s %-30s" % ("", "beta", "CF", "PSNR [95% CI]",
                                               "dE2000 [95% CI]", "wrong % [95% CI]"))
    base = results[0]["rows"]
    for r in results:
        s = ev.summarize(r["rows"])
        entry = dict(name=r["name"], beta=r["beta"], cf_ratio=float(s["cf_ratio"]))
        cells = []
        for key, col, _, _ in METRICS:
            m, lo, hi = stats.mean_ci(r["rows"][:, col], idx=idx)
            entry[key] = dict(mean=m, low=lo, high=hi)
            cells.append("%.3f [%.3f, %.3f]" % (m, lo, hi))
        print("%-34s %6s %6.3f  %-30s %-30s %-30s" % (
            r["name"][-34:], "" if np.isnan(r["beta"]) else "%.3f" % r["beta"],
            s["cf_ratio"], *cells))
        if r is not results[0]:
            cells = []
            entry["vs_first"] = {}
            for key, col, _, better in METRICS:
                d = stats.paired_difference(base[:, col], r["rows"][:, col], idx=idx)
                entry["vs_first"][key] = d
                share_better = d["share_above"] if better == "higher" else 1.0 - d["share_above"]
                cells.append("%+.3f [%+.3f, %+.3f] %3.0f%%" % (d["diff"], d["low"], d["high"],
                                                               100.0 * share_better))
            print("%-48s  %-30s %-30s %-30s" % ("  minus " + results[0]["name"][-30:], *cells))
        out["networks"].append(entry)
    print("(difference rows: mean of (this - first) per image, its 95 %% paired interval, and "
          "the share of %d resampled image sets on which this one is better)" % draws)
    return out


def source_rows(src, source):
    """(indices, selector) of the images of one source: the selector is a slice when they are
    consecutive (as load_eval_set gives them), so that z[selector] is a view of the logits;
    indexing would copy every network's logits (GBs each at 380 images and working size 192;
    four networks at once ran out of 24 GB)."""
    idx = np.array([i for i, s in enumerate(src) if s == source])
    if len(idx) and np.array_equal(idx, np.arange(idx[0], idx[-1] + 1)):
        return idx, slice(int(idx[0]), int(idx[-1]) + 1)
    return idx, torch.from_numpy(idx)


def worst_images(truth, members, nets, group, T, n):
    """The n images with the largest wrong-colour area under the first network, each network
    decoded at the beta `group` (compare_group's result) found for it. Returns (indices,
    [per-image score rows of each network], greyscale rows, [ab of each network])."""
    grey = ev.score(truth, None, with_ssim=False)
    preds, rows = [], []
    for (_, z, bins, log_w), entry in zip(nets, group["networks"]):
        preds.append(selection.decode(z, bins, log_w, T, entry["beta"]))
        rows.append(ev.score(truth, preds[-1], with_ssim=False))
    order = np.argsort(-rows[0][:, 5], kind="stable")[:n]
    print("\nthe %d images with the most wrong colour under %s (wrong %% / CIEDE2000 minus "
          "greyscale; CF = the truth's colourfulness)" % (len(order), nets[0][0]))
    print("%-44s %5s  %s" % ("image", "CF", "  ".join("%-22s" % name[-22:] for name, *_ in nets)))
    for i in order:
        print("%-44s %5.1f  %s" % (members[i][-44:], truth.cf[i], "  ".join(
            "%6.1f %% / %+6.2f        " % (r[i, 5], r[i, 4] - grey[i, 4]) for r in rows)))
    return order, rows, grey, preds


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--ckpt", nargs="+", required=True, help="checkpoints; the first is the base")
    ap.add_argument("--names", nargs="*", help="a label per checkpoint (default: its path)")
    ap.add_argument("--sizes", type=int, nargs="*",
                    help="a working size per checkpoint (default: --working-size for each)")
    ev.add_eval_set_args(ap)
    ap.add_argument("--T", type=float, default=0.2, help="annealing temperature")
    ap.add_argument("--tone", choices=("as-is", "stretch"), default="as-is",
                    help="what the networks are shown (as-is: the network's own view; stretch: "
                         "the product's default, colorizer/tone.py)")
    how = ap.add_mutually_exclusive_group()
    how.add_argument("--cf", type=float, default=None,
                     help="decode each at this colourfulness ratio (default 0.76)")
    how.add_argument("--betas", type=float, nargs="+", help="one fixed beta per checkpoint")
    ap.add_argument("--by-source", action="store_true")
    ap.add_argument("--greyscale", action="store_true", help="add the greyscale row")
    ap.add_argument("--draws", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="write the figures here")
    ap.add_argument("--worst", type=int, default=0, metavar="N",
                    help="list the N images with the most wrong colour under the first network")
    ap.add_argument("--sheet", help="with --worst: a JPEG of those images (grey | networks | truth)")
    a = ap.parse_args()
    if a.betas is not None and len(a.betas) != len(a.ckpt):
        ap.error("--betas needs one value per checkpoint (%d)" % len(a.ckpt))
    if a.names and len(a.names) != len(a.ckpt):
        ap.error("--names needs one label per checkpoint (%d)" % len(a.ckpt))
    if a.sizes and len(a.sizes) != len(a.ckpt):
        ap.error("--sizes needs one working size per checkpoint (%d)" % len(a.ckpt))
    if any(s < 32 or s % 32 for s in a.sizes or []):
        ap.error("--sizes: working sizes are multiples of 32")
    if a.sheet and a.worst <= 0:
        ap.error("--sheet shows the --worst images: give --worst N")
    cf = None if a.betas is not None else (0.76 if a.cf is None else a.cf)
    torch.set_num_threads(2)

    rgb, src, members = ev.load_eval_set(a.data, a.places, a.bsds, skip_places=a.skip_places,
                                         skip_bsds=a.skip_bsds, with_names=True)
    truth = ev.Truth(rgb)
    names = a.names or a.ckpt
    sizes = a.sizes or [a.working_size] * len(a.ckpt)
    nets = [(name, *network_logits(p, truth.lab[..., 0], ws, a.tone))
            for name, p, ws in zip(names, a.ckpt, sizes)]
    report = dict(T=a.T, cf=cf, betas=a.betas, sizes=sizes, draws=a.draws, seed=a.seed, groups={})
    report["groups"]["all"] = compare_group("all", truth, nets, a.T, cf, a.betas, a.draws,
                                            a.seed, a.greyscale)
    sources = list(dict.fromkeys(src))
    if a.by_source and len(sources) > 1:
        for source in sources:
            idx, pick = source_rows(src, source)
            sub = [(name, z[pick], bins, log_w) for name, z, bins, log_w in nets]
            report["groups"][source] = compare_group(source, ev.Truth(rgb[idx]), sub, a.T, cf,
                                                     a.betas, a.draws, a.seed, a.greyscale)
    if a.worst > 0:
        order, _, _, preds = worst_images(truth, members, nets, report["groups"]["all"], a.T,
                                          a.worst)
        if a.sheet:
            ev.contact_sheet(a.sheet, truth, preds, list(order), cols=1 if len(nets) > 2 else 2)
            print("sheet:", a.sheet, os.path.getsize(a.sheet), "bytes")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
