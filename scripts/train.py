#!/usr/bin/python3
"""Train a colorization model. Examples (from the repository root):

  /usr/bin/python3 scripts/train.py --config cpu --name cpu-main --data ../shared/data
  /usr/bin/python3 scripts/train.py --config cpu --name quick --set max_minutes=3 val_every=50
  python scripts/train.py --config gpu --name h100 --data /path/to/data   (torch 2.x + CUDA)

Rerunning the same command resumes from runs/<name>/last.pt.

The kept checkpoint (best.pt) is the one with the lowest validation cross-entropy, or with
--set select_on=matched the one best on the image metrics at a fixed colourfulness
(select_metric de2000 / psnr / wrong_pct at select_cf x the truth's colourfulness, on
places-val from select_skip_places and bsds-val from select_skip_bsds); val_at_start=True
scores the starting weights first (what a fine-tune has to beat) and snapshots=True keeps
the weights of every validation in runs/<name>/snap/.
"""
import argparse
import ast
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from colorizer.train import CONFIGS, default_shards, train  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--config", choices=sorted(CONFIGS), default="cpu")
    ap.add_argument("--name", required=True, help="run directory name under --runs")
    ap.add_argument("--runs", default="runs")
    ap.add_argument("--data", default="../shared/data", help="data pack (train/, val/)")
    ap.add_argument("--shards", nargs="*", help="training shards (default: all of data/train)")
    ap.add_argument("--weights", default="../shared/weights/mobilenet_v2_1.0_224_quant.tflite")
    ap.add_argument("--cache", default="runs/cache", help="decoded-image cache ('' = none)")
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                    help="override config keys (Python literals)")
    a = ap.parse_args()
    cfg = dict(CONFIGS[a.config])
    for kv in a.set:
        k, v = kv.split("=", 1)
        if k not in cfg:
            ap.error("unknown config key %s" % k)
        try:
            cfg[k] = ast.literal_eval(v)
        except (ValueError, SyntaxError):
            cfg[k] = v
    shards = a.shards or default_shards(a.data)
    train(cfg, os.path.join(a.runs, a.name), shards, a.data, a.weights, a.cache or None)


if __name__ == "__main__":
    main()
