#!/usr/bin/python3
"""Fit a per-bin logit offset for a trained network, with the network frozen: a
generalisation of the prior correction beta (which shifts bin q by -beta log w_q, one number
for all bins) to one free offset per bin. It is folded into the head bias like beta, so it
costs nothing at inference.

The offsets are fitted on training images (not the selection or held-out ones) to minimise
a per-pixel colour loss of the annealed mean at temperature T while holding the mean chroma
of the prediction at a fixed ratio to the truth's (so the fit cannot win by muting colour):

  /usr/bin/python3 scripts/calibrate_bias.py --ckpt runs/X/last.pt --T 0.2 --init-beta 0.28 \\
      --loss confident --out runs/bias_X.json

The chroma ratio to hold defaults to the one the starting decoding (T, init-beta) has on
the fitting pixels. Output JSON: {"offset": [Q floats, to add to the raw logits], ...};
scripts/decode_sweep.py scores it with the decoding key "offset": "runs/bias_X.json".
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from colorizer import evaluate as ev  # noqa: E402
from colorizer.color import srgb_to_lab  # noqa: E402
from colorizer.export import folded_net  # noqa: E402
from colorizer.losses import confident_colour_penalty, downsample_ab  # noqa: E402
from colorizer.train import load_checkpoint, net_from_checkpoint  # noqa: E402


def pixel_loss(kind, pred, true):
    """pred, true: ab rows [M, 2] -> scalar; kind "a+b" sums two kinds."""
    if "+" in kind:
        return sum(pixel_loss(k, pred, true) for k in kind.split("+"))
    if kind == "l2":
        return ((pred - true) ** 2).sum(1).mean() / 100.0
    if kind == "euclid":
        return (pred - true).norm(dim=1).mean() / 10.0
    if kind == "confident":
        return confident_colour_penalty(pred.t()[None, :, :, None], true.t()[None, :, :, None])
    raise ValueError("unknown loss %r" % kind)


def decode_rows(Z, offset, T, bins):
    """Annealed mean of logit rows Z [M, Q] shifted by offset [Q] -> ab rows [M, 2]."""
    return torch.softmax((Z + offset) / T, dim=1) @ bins


def fit_offsets(Z, AB, bins, offset0, T, loss_kind, target, steps=800, batch=32768, lr=0.02,
                hold=100.0, rng=None, log=print):
    """Adam on per-bin offsets b (from offset0): minimise pixel_loss(softmax((Z + b) / T) @ bins,
    AB) + hold * (mean chroma ratio of the batch - target)^2 over random batches of rows.
    Z: raw logits [M, Q]; AB: true ab [M, 2]; bins: [Q, 2]. The mean offset stays that of
    offset0 (the softmax does not see it). Returns the offsets [Q]."""
    rng = rng or np.random.default_rng(0)
    M = len(Z)
    offset = offset0.clone().requires_grad_(True)
    opt = torch.optim.Adam([offset], lr=lr)
    for step in range(1, steps + 1):
        rows = torch.from_numpy(rng.choice(M, size=min(batch, M), replace=False))
        pred = decode_rows(Z[rows], offset, T, bins)
        fit = pixel_loss(loss_kind, pred, AB[rows])
        ratio = pred.norm(dim=1).mean() / AB[rows].norm(dim=1).mean().clamp_min(1e-6)
        loss = fit + hold * (ratio - target) ** 2
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            offset -= offset.mean() - offset0.mean()
        if step % 100 == 0 or step == steps:
            log("step %d: %s loss %.5f, chroma ratio %.4f" % (step, loss_kind, float(fit),
                                                              float(ratio)))
    return offset.detach()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--shards", nargs="*", default=None,
                    help="training shards to fit on (default: places-00..03 and hires-00..02)")
    ap.add_argument("--shard-images", type=int, default=400, help="images of each shard")
    ap.add_argument("--pixels", type=int, default=512, help="sampled output pixels per image")
    ap.add_argument("--working-size", type=int, default=128)
    ap.add_argument("--T", type=float, default=0.2)
    ap.add_argument("--init-beta", type=float, default=0.28)
    ap.add_argument("--chroma-ratio", type=float, default=None,
                    help="mean chroma of the prediction / the truth's to hold (default: the "
                         "starting decoding's on the fitting pixels)")
    ap.add_argument("--loss", default="confident",
                    help="confident, l2, euclid, or a sum of them: euclid+confident")
    ap.add_argument("--hold", type=float, default=100.0, help="weight of the chroma-ratio term")
    ap.add_argument("--steps", type=int, default=800)
    ap.add_argument("--batch", type=int, default=32768)
    ap.add_argument("--lr", type=float, default=0.02)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    t0 = time.time()

    td = os.path.join(a.data, "train")
    shards = a.shards or [os.path.join(td, "places-%02d.tar" % i) for i in range(4)] + \
        [os.path.join(td, "hires-%02d.tar" % i) for i in range(3)]
    net = net_from_checkpoint(load_checkpoint(a.ckpt)).eval()
    raw = folded_net(net)
    bins = net.bins.float()
    log_w = torch.log(net.prior_w.float())
    Z, AB = [], []
    for path in shards:
        rgb, _ = ev.load_shard_set([(path, a.shard_images, 0, "fit")], skip_grey=True)
        lab = srgb_to_lab(rgb)
        for i in range(0, len(rgb), 32):
            z = ev.predict(raw.logits, lab[i:i + 32, ..., 0], a.working_size)
            ab = torch.from_numpy(np.ascontiguousarray(
                lab[i:i + 32, ..., 1:].transpose(0, 3, 1, 2))).float()
            ab = downsample_ab(ab, z.shape[-2:])
            B, Q, h, w = z.shape
            for j in range(B):
                k = torch.from_numpy(rng.choice(h * w, size=min(a.pixels, h * w), replace=False))
                Z.append(z[j].reshape(Q, -1)[:, k].t().contiguous())
                AB.append(ab[j].reshape(2, -1)[:, k].t().contiguous())
        print("%s: %d images, %d pixels so far [%.0f s]" % (
            os.path.basename(path), len(rgb), sum(len(x) for x in Z), time.time() - t0), flush=True)
    Z, AB = torch.cat(Z), torch.cat(AB)
    M = len(Z)
    true_chroma = AB.norm(dim=1).mean()

    @torch.no_grad()
    def whole_set(offset):
        """(chroma ratio, loss) over all fitting pixels, in batches."""
        pred = torch.cat([decode_rows(Z[i:i + a.batch], offset, a.T, bins)
                          for i in range(0, M, a.batch)])
        return float(pred.norm(dim=1).mean() / true_chroma), float(pixel_loss(a.loss, pred, AB))

    offset0 = -a.init_beta * log_w
    ratio0, loss0 = whole_set(offset0)
    target = a.chroma_ratio if a.chroma_ratio is not None else ratio0
    print("start (beta %.2f): chroma ratio %.4f, %s loss %.5f; holding ratio %.4f" % (
        a.init_beta, ratio0, a.loss, loss0, target), flush=True)

    offset = fit_offsets(Z, AB, bins, offset0, a.T, a.loss, target, steps=a.steps,
                         batch=a.batch, lr=a.lr, hold=a.hold, rng=rng,
                         log=lambda m: print("%s [%.0f s]" % (m, time.time() - t0), flush=True))
    ratio1, loss1 = whole_set(offset)
    print("end: chroma ratio %.4f, %s loss %.5f (start %.5f)" % (ratio1, a.loss, loss1, loss0))
    d = offset - offset0
    print("offset change from beta: min %.3f max %.3f, mean |.| %.3f" % (
        float(d.min()), float(d.max()), float(d.abs().mean())))
    with open(a.out, "w") as f:
        json.dump(dict(offset=[float(x) for x in offset], T=a.T, init_beta=a.init_beta,
                       loss=a.loss, chroma_ratio=target, fit_loss=[loss0, loss1], pixels=M,
                       shards=[os.path.basename(s) for s in shards],
                       shard_images=a.shard_images, ckpt=os.path.basename(a.ckpt)), f)
    print("wrote %s [%.0f s]" % (a.out, time.time() - t0))


if __name__ == "__main__":
    main()
