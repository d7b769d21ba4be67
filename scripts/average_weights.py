#!/usr/bin/python3
"""Average the weights of checkpoints of one network (a "model soup", Wortsman et al. 2022):
fine-tunes that start from the same weights can usually be averaged parameter by parameter,
which costs nothing at inference (unlike an ensemble). The result is a checkpoint that
scripts/eval.py --ckpt and scripts/export.py --ckpt take.

  /usr/bin/python3 scripts/average_weights.py runs/a/last.pt runs/b/last.pt --weights 0.5 0.5 \
      --out runs/soup-ab/last.pt

All checkpoints must have the same shape (the same width and folded_bn) and the same
rebalancing prior; the first one's config goes into the result.
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from colorizer.train import load_checkpoint  # noqa: E402


def average(states, weights):
    """{key: sum_i weights[i] * states[i][key]} for float tensors; other entries (buffers such
    as BN step counters) from the first state. Raises on mismatched keys or shapes."""
    keys = set(states[0])
    for s in states[1:]:
        if set(s) != keys:
            raise ValueError("checkpoints hold different tensors: %s"
                             % sorted(keys.symmetric_difference(s))[:5])
    out = {}
    for k, v in states[0].items():
        if any(s[k].shape != v.shape for s in states[1:]):
            raise ValueError("tensor %s has different shapes" % k)
        if v.is_floating_point():
            out[k] = sum(w * s[k].double() for w, s in zip(weights, states)).to(v.dtype)
        else:
            out[k] = v.clone()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("ckpts", nargs="+")
    ap.add_argument("--weights", nargs="*", type=float, help="default: equal; must sum to 1")
    ap.add_argument("--extrapolate", action="store_true",
                    help="allow negative weights (still summing to 1): 1.3 x B - 0.3 x A goes "
                         "on past B along the step a fine-tune took from A to B")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    w = a.weights or [1.0 / len(a.ckpts)] * len(a.ckpts)
    if len(w) != len(a.ckpts) or abs(sum(w) - 1.0) > 1e-6 or (min(w) < 0 and not a.extrapolate):
        ap.error("--weights: one weight per checkpoint, summing to 1, none negative unless "
                 "--extrapolate")
    cks = [load_checkpoint(p) for p in a.ckpts]
    for p, ck in zip(a.ckpts[1:], cks[1:]):
        if bool(ck["cfg"].get("folded_bn")) != bool(cks[0]["cfg"].get("folded_bn")):
            ap.error("%s: batch norms folded in one checkpoint and not the other" % p)
        if not torch.equal(ck["model"]["prior_w"], cks[0]["model"]["prior_w"]):
            ap.error("%s: trained with another rebalancing prior" % p)
    try:
        model = average([ck["model"] for ck in cks], w)
    except ValueError as e:
        ap.error(str(e))
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    torch.save({"model": model, "cfg": cks[0]["cfg"], "step": 0,
                "soup": list(zip(a.ckpts, w))}, a.out)
    print("wrote %s: %s" % (a.out, ", ".join("%g x %s" % (x, p) for p, x in zip(a.ckpts, w))))


if __name__ == "__main__":
    main()
