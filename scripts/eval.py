#!/usr/bin/python3
"""Evaluate greyscale, a checkpoint and/or exported ONNX files on the validation shards at
256 x 256 centre crops (PSNR, SSIM, colourfulness, dCF, mean CIEDE2000, wrong-colour area).

  /usr/bin/python3 scripts/eval.py --onnx models/colorizer-fp32.onnx models/colorizer-web-fp16.onnx \
      models/colorizer-web-int8.onnx --working-size 128 --contact-sheet models/contact_sheet.jpg
  /usr/bin/python3 scripts/eval.py --ckpt runs/cpu-main/best.pt --temperatures 0.3 0.38 0.5
  /usr/bin/python3 scripts/eval.py --onnx models/colorizer-fp32.onnx --skip-grey \
      --shards ../shared/data/train/places-0[0-3].tar --shard-images 400   # training images

ONNX files are evaluated by loading their weights (fp16 / int8 dequantized) back into the
PyTorch network: what those variants compute (no onnxruntime for Python here).
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from colorizer import evaluate as ev  # noqa: E402
from colorizer.export import ExportModel, export_model_from_onnx  # noqa: E402
from colorizer.train import load_checkpoint, net_from_checkpoint  # noqa: E402


def load_ckpt(path):
    ck = load_checkpoint(path)
    return net_from_checkpoint(ck).eval(), ck


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--onnx", nargs="*", default=[])
    ap.add_argument("--ckpt")
    ap.add_argument("--temperatures", nargs="*", type=float, default=[])
    ap.add_argument("--betas", nargs="*", type=float, default=[0.0],
                    help="prior-correction strengths to try with the checkpoint")
    ap.add_argument("--working-size", type=int, nargs="*", default=[128],
                    help="working size(s), longest side; every model is run at each (scale check)")
    ap.add_argument("--places", type=int, default=2000, help="places-val images (of 2000)")
    ap.add_argument("--bsds", type=int, default=100, help="bsds-val images (of 100)")
    ap.add_argument("--skip-places", type=int, default=0)
    ap.add_argument("--skip-bsds", type=int, default=0)
    ap.add_argument("--skip-grey", action="store_true",
                    help="leave out near-grey images (the training data's filter) before counting")
    ap.add_argument("--shards", nargs="*", default=[],
                    help="evaluate these shards instead of the validation ones (e.g. training "
                         "shards, to compare with validation images of the same kind)")
    ap.add_argument("--shard-images", type=int, default=400, help="images of each of --shards")
    ap.add_argument("--tone", choices=("stretch", "as-is"), default="stretch",
                    help="what the network is shown: stretch (the product's default: a faded "
                         "or flat picture's range of L* widened, colorizer/tone.py) or as-is")
    ap.add_argument("--contact-sheet")
    ap.add_argument("--json", help="write the results table here")
    ap.add_argument("--no-greyscale", action="store_true",
                    help="skip the greyscale baseline row (it depends only on the image set)")
    a = ap.parse_args()
    torch.set_num_threads(2)

    t0 = time.time()
    if a.shards:
        rgb, src = ev.load_shard_set([(p, a.shard_images, 0, os.path.basename(p).split("-")[0])
                                      for p in a.shards], skip_grey=a.skip_grey)
    else:
        rgb, src = ev.load_eval_set(a.data, a.places, a.bsds, skip_places=a.skip_places,
                                    skip_bsds=a.skip_bsds, skip_grey=a.skip_grey)
    truth = ev.Truth(rgb)
    print("eval set: %d images (%s) at 256x256, %.0f s; tone %s" % (
        len(rgb), ", ".join("%d %s" % (src.count(k), k) for k in dict.fromkeys(src)),
        time.time() - t0, a.tone), flush=True)
    L = truth.lab[..., 0]
    results = {}
    bsds_idx = [i for i, s in enumerate(src) if s == "bsds"]
    places_idx = [i for i, s in enumerate(src) if s == "places"]

    def report(name, ab):
        t = time.time()
        rows = ev.score(truth, ab)
        res = {"all": ev.summarize(rows)}
        if places_idx and bsds_idx:
            res["places"] = ev.summarize(rows[places_idx])
            res["bsds"] = ev.summarize(rows[bsds_idx])
        results[name] = res
        s = res["all"]
        print("%-28s PSNR %.3f  SSIM %.4f  CF %.2f (truth %.2f, ratio %.2f)  |dCF| %.2f  "
              "dE2000 %.3f  wrong %.2f%%  [%.0f s]" % (
                  name, s["psnr"], s["ssim"], s["cf"], s["cf_truth"], s["cf_ratio"],
                  s["dcf_abs"], s["de2000"], s["wrong_pct"], time.time() - t), flush=True)
        return res

    if not a.no_greyscale:
        report("greyscale", None)
    sheet_ab = None
    if a.ckpt:
        net, ck = load_ckpt(a.ckpt)
        for beta in a.betas:
            for T in a.temperatures or [net.temperature]:
                em = ExportModel(net, temperature=T, prior_correction=beta).eval()
                for ws in a.working_size:
                    ab = ev.predict(em, L, ws, tone=a.tone)
                    report("ckpt T=%.2f beta=%.2f ws=%d" % (T, beta, ws), ab)
    for path in a.onnx:
        em = export_model_from_onnx(onnx.load(path))
        name = os.path.basename(path)
        for ws in a.working_size:
            ab = ev.predict(em, L, ws, tone=a.tone)
            report(name if len(a.working_size) == 1 else "%s ws=%d" % (name, ws), ab)
            if sheet_ab is None:
                sheet_ab = ab
    if a.contact_sheet and sheet_ab is not None:
        # 8 places + 4 BSDS images, spread evenly; 12 of whatever else was evaluated
        parts = [(places_idx, 8), (bsds_idx, 4)] if places_idx and bsds_idx else \
            [(list(range(len(rgb))), 12)]
        idx = []
        for part, n in parts:
            idx += sorted(set(part[k] for k in np.linspace(0, len(part) - 1, n).astype(int)))
        ev.contact_sheet(a.contact_sheet, truth, sheet_ab, idx)
        print("contact sheet:", a.contact_sheet, os.path.getsize(a.contact_sheet), "bytes")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1, default=float)


if __name__ == "__main__":
    main()
