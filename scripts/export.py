#!/usr/bin/python3
"""Export a trained checkpoint: ONNX fp32 + web variants (fp16 weights, int8 weight-only
per-channel), golden input/output pairs (synthetic 64x64 inputs) and models/manifest.json.

  /usr/bin/python3 scripts/export.py --ckpt runs/cpu-main/best.pt --out models

Each golden output is produced by the PyTorch network carrying that file's (dequantized)
weights and checked against the reference ONNX interpreter (colorizer/onnx_ref.py) running
the file's graph, so the files, goldens and manifest agree.
"""
import argparse
import hashlib
import json
import os
import sys

import numpy as np
import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from colorizer import onnx_ref  # noqa: E402
from colorizer.bins import bins  # noqa: E402
from colorizer.export import ExportModel, export_onnx, load_onnx_weights, op_list  # noqa: E402
from colorizer.model import ColorNet  # noqa: E402
from colorizer.train import load_checkpoint, net_from_checkpoint  # noqa: E402
from colorizer.quantize import to_fp16, to_int8  # noqa: E402

GOLDEN_SIZE = (64, 64)


def golden_inputs():
    """Two synthetic cases (no data pack content): 'auto' (no hints) and 'hints'."""
    H, W = GOLDEN_SIZE
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    L = 50 + 35 * np.sin(x / 9.0) * np.cos(y / 13.0)        # smooth texture
    L[16:40, 20:44] = 85.0                                   # a bright square
    L[44:60, 6:26] = 20.0 + 0.5 * x[44:60, 6:26]             # a dark ramp
    L = np.clip(L, 0, 100)[None, None].astype(np.float32)
    zero_ab = np.zeros((1, 2, H, W), np.float32)
    zero_m = np.zeros((1, 1, H, W), np.float32)
    hab, hm = zero_ab.copy(), zero_m.copy()
    for (cy, cx, a, b) in ((24, 30, 45.0, 30.0), (50, 12, -20.0, -35.0), (8, 56, 10.0, 60.0)):
        hab[0, 0, cy - 1:cy + 2, cx - 1:cx + 2] = a          # radius-1 squares, as render_hints
        hab[0, 1, cy - 1:cy + 2, cx - 1:cx + 2] = b
        hm[0, 0, cy - 1:cy + 2, cx - 1:cx + 2] = 1.0
    return {"auto": (L, zero_ab, zero_m), "hints": (L, hab, hm)}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_entry(out, rel):
    p = os.path.join(out, rel)
    return {"file": rel, "sha256": sha256(p), "bytes": os.path.getsize(p)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--out", default="models")
    ap.add_argument("--prefix", default="colorizer")
    ap.add_argument("--temperature", type=float, help="annealed-mean T (default: the run's)")
    ap.add_argument("--working-size", type=int, help="default: the run's working_size")
    ap.add_argument("--prior-correction", type=float, default=0.0,
                    help="beta: subtract beta * log(rebalancing weight) from the logits")
    ap.add_argument("--variant-prior-correction", nargs="*", default=[], metavar="PREC=BETA",
                    help="a web variant's own beta, e.g. int8=0.29: weight quantization mutes\n"
                         "colour a little, so a variant may be decoded with a smaller beta to\n"
                         "match the fp32 file's colourfulness (default: --prior-correction)")
    ap.add_argument("--opset", type=int, default=17)
    ap.add_argument("--extra", help="JSON file merged into the manifest (metrics, training)")
    a = ap.parse_args()
    torch.set_num_threads(2)

    ck = load_checkpoint(a.ckpt)
    cfg = ck["cfg"]
    net = net_from_checkpoint(ck).eval()
    T = a.temperature or cfg["temperature"]
    ws = a.working_size or cfg["working_size"]
    beta = dict.fromkeys(("fp32", "fp16", "int8"), a.prior_correction)
    for spec in a.variant_prior_correction:
        prec, _, val = spec.partition("=")
        if prec not in ("fp16", "int8") or not val:
            ap.error("--variant-prior-correction takes fp16=BETA or int8=BETA, not %r" % spec)
        beta[prec] = float(val)

    # Said out loud: a run's own T (its validation decoding, often 0.38) is not the decoding
    # a release ships with (models/manifest.json: training.decode), and it moves every metric.
    print("decoding: T %.2f (%s), prior correction %s" % (
        T, "given" if a.temperature else "the run's; give --temperature for another",
        ", ".join("%s %s" % (k, v) for k, v in beta.items())))
    os.makedirs(os.path.join(a.out, "golden"), exist_ok=True)
    fp32_rel = "%s-fp32.onnx" % a.prefix
    fp32 = export_onnx(ExportModel(net, temperature=T, prior_correction=beta["fp32"]).eval(),
                       os.path.join(a.out, fp32_rel), opset=a.opset)
    variants = [("fp32", fp32_rel, fp32)]
    for prec, fn in (("fp16", to_fp16), ("int8", to_int8)):
        rel = "%s-web-%s.onnx" % (a.prefix, prec)
        src = fp32
        if beta[prec] != beta["fp32"]:
            # ExportModel works on a copy of net, so each beta starts from the trained weights.
            tmp = os.path.join(a.out, rel + ".fp32.tmp")
            src = export_onnx(ExportModel(net, temperature=T, prior_correction=beta[prec]).eval(),
                              tmp, opset=a.opset)
            os.remove(tmp)
        m = fn(src)
        onnx.save(m, os.path.join(a.out, rel))
        variants.append((prec, rel, m))

    cases = golden_inputs()
    golden_files = {}
    for case, (L, hab, hm) in cases.items():
        for nm, arr in (("L", L), ("hint_ab", hab), ("hint_mask", hm)):
            rel = "golden/%s_%s.npy" % (case, nm)
            np.save(os.path.join(a.out, rel), arr)
            golden_files[(case, nm)] = rel

    entries = []
    spec_in = [
        {"name": "L", "dtype": "float32", "shape": [1, 1, "H", "W"], "range": [0, 100],
         "meaning": "CIELAB L*"},
        {"name": "hint_ab", "dtype": "float32", "shape": [1, 2, "H", "W"],
         "meaning": "a*, b* of user hints in CIELAB units, 0 elsewhere"},
        {"name": "hint_mask", "dtype": "float32", "shape": [1, 1, "H", "W"],
         "meaning": "1 where a hint is given, else 0 (all 0 = automatic)"}]
    spec_out = [{"name": "ab", "dtype": "float32", "shape": [1, 2, "H/2", "W/2"],
                 "meaning": "predicted a*, b* in CIELAB units"}]
    for prec, rel, m in variants:
        ref = ExportModel(ColorNet(bins(), width=cfg["width"])).eval()
        load_onnx_weights(ref, m)
        goldens = []
        for case, (L, hab, hm) in cases.items():
            with torch.no_grad():
                ab = ref(*map(torch.from_numpy, (L, hab, hm))).numpy()
            via_graph = onnx_ref.run(m, {"L": L, "hint_ab": hab, "hint_mask": hm})["ab"]
            err = float(np.abs(via_graph - ab).max())
            assert err < 1e-2, (rel, case, err)
            out_rel = "golden/%s_ab_%s.npy" % (case, prec)
            np.save(os.path.join(a.out, out_rel), ab.astype(np.float32))
            goldens.append({"case": case,
                            "inputs": {nm: golden_files[(case, nm)]
                                       for nm in ("L", "hint_ab", "hint_mask")},
                            "output": {"ab": out_rel},
                            "tolerance_abs": 0.05})
            print("%s %s: golden ab range %.2f..%.2f, graph vs torch max diff %.2g"
                  % (rel, case, ab.min(), ab.max(), err))
        e = file_entry(a.out, rel)
        e.update({"id": "%s-%s" % (a.prefix, prec),
                  "precision": prec if prec == "fp32" else prec + " weights (weight-only), fp32 compute",
                  "role": "native" if prec == "fp32" else "web",
                  "opset": a.opset, "ops": op_list(m), "inputs": spec_in, "outputs": spec_out,
                  "size_multiple": 32, "output_scale": 0.5, "hints": True,
                  "working_size": ws, "temperature": T, "prior_correction": beta[prec],
                  "ab_bins": int(net.bins.shape[0]),
                  "golden": goldens})
        entries.append(e)
        print("%s: %d bytes, ops %s" % (rel, e["bytes"], e["ops"]))
    gl = sorted(set(golden_files.values()) | set(g["output"]["ab"] for e in entries
                                                 for g in e["golden"]))
    manifest = {
        "schema": 1,
        "contract": "src/include/colorize/pipeline.h (MODEL I/O CONTRACT)",
        "default": entries[0]["id"],
        "working_size": ws,
        "models": entries,
        "golden_files": [file_entry(a.out, g) for g in gl],
    }
    if a.extra:
        with open(a.extra) as f:
            manifest.update(json.load(f))
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    print("wrote", os.path.join(a.out, "manifest.json"))


if __name__ == "__main__":
    main()
