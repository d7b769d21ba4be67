#!/usr/bin/python3
"""Revive the dead units of a trained network's global context branch
(scripts/colorizer/revive.py) into a checkpoint to fine-tune; the outputs do not change.

  /usr/bin/python3 scripts/train.py --config cpu --name rel --set \\
      init_from=models/colorizer-fp32.onnx max_steps=0          # the shipped file as a checkpoint
  /usr/bin/python3 scripts/revive_global.py runs/rel/last.pt --out runs/rev/init.pt
  /usr/bin/python3 scripts/train.py --config cpu --name rev --set init_from=runs/rev/init.pt ...

The units' firing is measured on training images (--places from train/places-00.tar and
--hires from train/hires-00.tar, centre crops at the working size), never on validation ones.
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from colorizer import evaluate as ev  # noqa: E402
from colorizer.revive import firing_share, pooled_global_inputs, revive_global_units  # noqa: E402
from colorizer.train import load_checkpoint, net_from_checkpoint  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("ckpt")
    ap.add_argument("--out", required=True)
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--places", type=int, default=1500)
    ap.add_argument("--hires", type=int, default=300)
    ap.add_argument("--working-size", type=int, default=128)
    ap.add_argument("--min-share", type=float, default=0.01,
                    help="a unit firing on fewer of the images than this counts as dead")
    ap.add_argument("--seed", type=int, default=2020)
    ap.add_argument("--standardise", action="store_true",
                    help="also standardise the branch's input (mean and spread of these images; "
                         "folded into the first conv at export), so revived units stay alive")
    a = ap.parse_args()
    ck = load_checkpoint(a.ckpt)
    net = net_from_checkpoint(ck)
    train_dir = os.path.join(a.data, "train")
    parts = [(os.path.join(train_dir, name), n, 0, name.split("-")[0])
             for name, n in (("places-00.tar", a.places), ("hires-00.tar", a.hires)) if n > 0]
    rgb, _ = ev.load_shard_set(parts, side=256)
    L = ev.Truth(rgb).lab[..., 0]
    batches = [ev.working_L(L[i:i + 32], a.working_size) for i in range(0, len(L), 32)]
    pooled = pooled_global_inputs(net, batches)
    before = firing_share(net, pooled)
    dead = revive_global_units(net, pooled, a.min_share, a.seed, standardise=a.standardise)
    after = firing_share(net, pooled)
    print("%d images; global units firing on >= %g of them: %d of %d before, %d after "
          "(revived %d; median share of the revived %.2f)" % (
              len(pooled), a.min_share, int((before >= a.min_share).sum()), len(before),
              int((after >= a.min_share).sum()), len(dead),
              float(after[dead].median()) if dead else float("nan")))
    if a.standardise:
        print("pooled features: |mean| / spread, median over the %d channels: %.2f; share of "
              "positive means %.2f" % (pooled.shape[1], float((pooled.mean(0).abs() /
                                       pooled.std(0).clamp_min(1e-12)).median()),
                                       float((pooled.mean(0) > 0).float().mean())))
    ck = dict(ck, model={k: v.clone() for k, v in net.state_dict().items()})
    for key in ("opt", "sampler_rng", "hint_rng", "torch_rng"):
        ck.pop(key, None)  # a fine-tune starts a fresh optimizer and schedule
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    torch.save(ck, a.out)
    print("wrote", a.out)


if __name__ == "__main__":
    main()
