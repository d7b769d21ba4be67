#!/usr/bin/python3
"""Decoding experiments on a checkpoint: the network runs once per image set and working
size, then each decoding is scored from the cached logits (PSNR, colourfulness ratio, mean
CIEDE2000, wrong-colour area; no SSIM, so a decoding takes seconds).

  /usr/bin/python3 scripts/decode_sweep.py --ckpt runs/X/last.pt \\
      --decodings '[{"T": 0.2, "beta": 0.32}, {"T": 0.1, "beta": 0.32}]'

A decoding is a JSON object: T and beta (softmax((z - beta log w) / T), annealed mean, as
exported), and optionally
  gate: [k0, k1]    scale the chroma by clip((kappa - k0) / (k1 - k0), 0, 1), kappa =
                    |E[ab]| / E[|ab|] under softmax(z - beta log w) (the mean resultant length
                    of the bin distribution: 1 when every bin shares one hue)
  neutral_boost: b  add b to the logits of the bins with chroma < 10
  also_size: s      average the logits with those at working size s (resized to match)
  flip: true        average the logits with those of the mirrored image, mirrored back
  agree: [s, d0, d1]  scale the chroma by how well the colour agrees with the same
                    decoding at working size s (the logits resized to match): 1 where the two
                    annealed means are within d0 ab units, 0 from d1 up, linear between (a
                    colour the network gives at one scale only is taken for a guess)
  open: k           morphological opening of the chroma map (k x k min filter, then max
                    filter, at the output grid); ab scaled by opened / own chroma: removes
                    colour specks smaller than k while large regions keep theirs
  offset: "F.json"  add the per-bin logit offsets fitted by scripts/calibrate_bias.py
                    (then beta, usually 0, is applied on top)
  cf: r             instead of beta: the beta that brings the mean colourfulness to r x the
                    truth's on these images (colorizer/selection.py), so that networks are
                    compared at matched colourfulness; printed beside the figures
--by-source adds a line per image source (places, bsds) under each decoding.
Settings are chosen on the selection images (the defaults); the model card says which.
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from colorizer import evaluate as ev  # noqa: E402
from colorizer.export import folded_net  # noqa: E402
from colorizer import selection  # noqa: E402
from colorizer.losses import annealed_mean_rows  # noqa: E402
from colorizer.train import load_checkpoint, net_from_checkpoint  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--ckpt", required=True)
    ev.add_eval_set_args(ap, places=60, skip_places=0, bsds=20, skip_bsds=0)
    ap.add_argument("--decodings", required=True, help="JSON list of decodings (see above)")
    ap.add_argument("--by-source", action="store_true", help="figures per image source too")
    a = ap.parse_args()
    decodings = json.loads(a.decodings)
    for d in decodings:
        if "cf" in d and set(d) - {"T", "cf"}:
            ap.error("a decoding with cf takes only T: %s" % json.dumps(d))

    rgb, src = ev.load_eval_set(a.data, a.places, a.bsds, skip_places=a.skip_places,
                                skip_bsds=a.skip_bsds)
    truth = ev.Truth(rgb)
    L = truth.lab[..., 0]
    net = net_from_checkpoint(load_checkpoint(a.ckpt)).eval()
    raw = folded_net(net)
    bins = net.bins.float()
    log_w = torch.log(net.prior_w).view(1, -1, 1, 1)
    chroma = bins.norm(dim=1)
    cache = {}

    def logits(ws, size=None, flip=False):
        if (ws, flip) not in cache:
            z = ev.predict(raw.logits, L[..., ::-1].copy() if flip else L, ws)
            cache[(ws, flip)] = z.flip(-1) if flip else z
        z = cache[(ws, flip)]
        if size is not None and tuple(z.shape[-2:]) != tuple(size):
            z = F.interpolate(z, size=size, mode="bilinear", align_corners=False)
        return z

    def decode(d):
        z = logits(a.working_size)
        if d.get("also_size"):
            z = 0.5 * (z + logits(d["also_size"], z.shape[-2:]))
        if d.get("flip"):
            z = 0.5 * (z + logits(a.working_size, flip=True))
        z = z - d.get("beta", 0.0) * log_w + d.get("neutral_boost", 0.0) * (chroma < 10).float().view(1, -1, 1, 1)
        if d.get("offset"):
            with open(d["offset"]) as f:
                z = z + torch.tensor(json.load(f)["offset"]).view(1, -1, 1, 1)
        ab = annealed_mean_rows(z, bins, d["T"])
        if d.get("agree"):
            s2, d0, d1 = d["agree"]
            z2 = logits(s2, z.shape[-2:]) - d.get("beta", 0.0) * log_w
            gap = (ab - annealed_mean_rows(z2, bins, d["T"])).norm(dim=1, keepdim=True)
            ab = ab * ((d1 - gap) / (d1 - d0)).clamp(0, 1)
        if d.get("gate"):
            k0, k1 = d["gate"]
            p1 = torch.softmax(z, 1)
            kappa = annealed_mean_rows(z, bins, 1.0).norm(dim=1, keepdim=True) / \
                torch.einsum("nqhw,q->nhw", p1, chroma)[:, None].clamp_min(1e-6)
            ab = ab * ((kappa - k0) / (k1 - k0)).clamp(0, 1)
        if d.get("open"):
            k = int(d["open"])
            c = ab.norm(dim=1, keepdim=True)
            o = -F.max_pool2d(-c, k, 1, k // 2)
            o = F.max_pool2d(o, k, 1, k // 2)
            ab = ab * (o / c.clamp_min(1e-6)).clamp(max=1.0)
        return ab

    line = "%-60s PSNR %.3f  CF ratio %.3f  dE2000 %.3f  wrong %.2f%%"
    for d in decodings:
        t = time.time()
        name = json.dumps(d)
        if "cf" in d:
            beta, _ = selection.beta_for_cf(logits(a.working_size), bins, log_w.view(-1), d["T"],
                                            truth, d["cf"])
            d = dict(T=d["T"], beta=beta)
            name += " (beta %.3f)" % beta
        rows = ev.score(truth, decode(d), with_ssim=False)
        s = ev.summarize(rows)
        print((line + "  [%.0f s]") % (name, s["psnr"], s["cf_ratio"], s["de2000"],
                                       s["wrong_pct"], time.time() - t), flush=True)
        for source in sorted(set(src)) if a.by_source else []:
            s = ev.summarize(rows[[x == source for x in src]])
            print(line % ("  " + source + " (%d)" % s["n"], s["psnr"], s["cf_ratio"],
                          s["de2000"], s["wrong_pct"]), flush=True)


if __name__ == "__main__":
    main()
