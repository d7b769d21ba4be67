#!/usr/bin/python3
"""Widen a trained network's decoder, function-preserving (scripts/colorizer/widen.py), into a
checkpoint to fine-tune with more capacity:

  /usr/bin/python3 scripts/train.py --config cpu --name rel --set \\
      init_from=models/colorizer-fp32.onnx max_steps=0          # the shipped file as a checkpoint
  /usr/bin/python3 scripts/widen.py runs/rel/last.pt --width 1.5 --out runs/wide/init.pt
  /usr/bin/python3 scripts/train.py --config cpu --name wide --set init_from=runs/wide/init.pt \\
      width=1.5 ...

Only batch-norm-folded checkpoints (fine-tunes of an exported file) are widened.
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from colorizer.train import load_checkpoint, net_from_checkpoint, new_net  # noqa: E402
from colorizer.widen import widen_state  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("ckpt")
    ap.add_argument("--width", type=float, required=True, help="the new width multiplier")
    ap.add_argument("--seed", type=int, default=0, help="which channels are copied, and jitter")
    ap.add_argument("--noise", type=float, default=0.1,
                    help="relative jitter of the copies' shares (symmetry breaking)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    ck = load_checkpoint(a.ckpt)
    if not ck["cfg"].get("folded_bn"):
        ap.error("%s: batch norms not folded (widen a fine-tune of an exported file)" % a.ckpt)
    cfg = dict(ck["cfg"], width=a.width)
    target = {k: tuple(v.shape) for k, v in new_net(cfg).state_dict().items()}
    try:
        # through the net, so states from before a buffer was added get its default
        state = widen_state(net_from_checkpoint(ck).state_dict(), target, seed=a.seed,
                            noise=a.noise)
    except ValueError as e:
        ap.error(str(e))
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    torch.save({"model": state, "cfg": cfg, "step": 0, "widened_from": a.ckpt}, a.out)
    n0 = sum(v.numel() for k, v in ck["model"].items() if k not in ("bins", "prior_w"))
    n1 = sum(v.numel() for k, v in state.items() if k not in ("bins", "prior_w"))
    print("wrote %s: width %g -> %g, %.2f M -> %.2f M parameters"
          % (a.out, ck["cfg"]["width"], a.width, n0 / 1e6, n1 / 1e6))


if __name__ == "__main__":
    main()
