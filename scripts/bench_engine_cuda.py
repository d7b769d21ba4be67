#!/usr/bin/env python3
"""CUDA backend vs PyTorch eager (cuDNN), fp32, on the project's colorizer architecture.

Builds the export-time network of scripts/colorizer (ColorNet -> ExportModel: BN folded,
softmax + annealed-mean conv) with fixed-seed random weights (speed does not depend on the
values) or the weights of --weights M.onnx, exports it with a dynamic batch axis, then for
each batch size times
  * PyTorch eager on the GPU (cudnn.benchmark on, TF32 off unless --tf32), best of --repeat,
    with inputs already on the device, and including host<->device copies;
  * the engine: colorize-tensor --backend cuda --repeat N (its time includes the copies);
checks the two outputs agree (1e-4 of the largest value, fp32), and prints latency, images/s
and peak device memory (torch.cuda.max_memory_allocated; the engine's stream-ordered pool
high-water mark). --precision fp32 tf32 runs both in one process (one export); --json F
appends one JSON object per configuration to F; --export M.onnx only writes the exported model
(dynamic batch and size) and exits.

On the H100 machine (CUDA build of the engine in build-cuda):
  cmake -S . -B build-cuda -G Ninja -DCOLORIZE_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
        -DCOLORIZE_BUILD_TESTS=OFF && cmake --build build-cuda --target colorize_tensor
  python3 scripts/bench_engine_cuda.py --tool build-cuda/bin/colorize-tensor --size 512 --batch 1 16
Dry run of the script logic without a GPU (PyTorch CPU vs the engine's cpu backend):
  /usr/bin/python3 scripts/bench_engine_cuda.py --device cpu --size 64 --batch 1 2 --repeat 2
"""
import argparse
import datetime
import inspect
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__))))
from colorizer.model import ColorNet  # noqa: E402
from colorizer.export import ExportModel  # noqa: E402


def build_model(weights):
    """Fixed-seed random weights over 313 random bins (the figures in BENCHMARKS.md), or the
    weights of an exported model, which uses the project's bin set (colorizer/bins.py)."""
    torch.manual_seed(0)
    if weights:
        from colorizer.bins import bins as project_bins
        bins = project_bins()
    else:
        bins = np.random.RandomState(0).uniform(-100, 100, (313, 2)).astype(np.float32)
    net = ColorNet(bins).eval()
    em = ExportModel(net).eval()
    if weights:
        import onnx
        from colorizer.export import load_onnx_weights
        load_onnx_weights(em, onnx.load(weights))
    return em


def export_dynamic(model, path):
    L = torch.rand(1, 1, 64, 64) * 100
    z2, z1 = torch.zeros(1, 2, 64, 64), torch.zeros(1, 1, 64, 64)
    dyn = {n: {0: "N", 2: "H", 3: "W"} for n in ("L", "hint_ab", "hint_mask")}
    dyn["ab"] = {0: "N", 2: "h", 3: "w"}
    kw = dict(opset_version=17, do_constant_folding=True, input_names=["L", "hint_ab", "hint_mask"],
              output_names=["ab"], dynamic_axes=dyn)
    # The TorchScript exporter, as scripts/export.py gets on the training machine; torch >= 2.9
    # defaults to the dynamo exporter (which needs onnxscript): ask for the former where the
    # choice exists, else take what there is.
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        try:
            torch.onnx.export(model, (L, z2, z1), path, dynamo=False, **kw)
            return
        except Exception as e:  # noqa: BLE001 - a torch without the TorchScript exporter
            print("TorchScript export failed (%s); trying the default exporter" % e, file=sys.stderr)
    torch.onnx.export(model, (L, z2, z1), path, **kw)


def time_torch(model, inputs, device, repeat):
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    dev_in = [x.to(device) for x in inputs]
    with torch.no_grad():
        for _ in range(3):
            model(*dev_in)
        sync()
        if device == "cuda":
            torch.cuda.reset_peak_memory_stats()
        best_dev = best_copy = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            out = model(*dev_in)
            sync()
            best_dev = min(best_dev, time.perf_counter() - t0)
        for _ in range(repeat):
            t0 = time.perf_counter()
            out = model(*[x.to(device) for x in inputs]).cpu()
            best_copy = min(best_copy, time.perf_counter() - t0)
    peak = torch.cuda.max_memory_allocated() / 2**20 if device == "cuda" else float("nan")
    return best_dev * 1e3, best_copy * 1e3, peak, out.cpu().numpy()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", default="build-cuda/bin/colorize-tensor")
    ap.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--batch", type=int, nargs="+", default=[1, 16])
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--tf32", action="store_true", help="same as --precision tf32")
    ap.add_argument("--precision", nargs="+", choices=["fp32", "tf32"],
                    help="fp32 (default) and/or tf32 (TF32 allowed in PyTorch and the engine)")
    ap.add_argument("--weights", help="an exported model whose weights to use")
    ap.add_argument("--json", help="append one JSON object per batch size to this file")
    ap.add_argument("--profile", action="store_true",
                    help="also print the engine's per-op-kind time of its last run")
    ap.add_argument("--export", metavar="M.onnx", help="only export the model to M.onnx and exit")
    a = ap.parse_args()
    if a.export:
        export_dynamic(build_model(a.weights), a.export)
        print("exported %s (seed-0 weights%s)" % (a.export, ", from " + a.weights if a.weights else ""))
        return
    precisions = a.precision or (["tf32"] if a.tf32 else ["fp32"])
    torch.backends.cudnn.benchmark = True
    model = build_model(a.weights).to(a.device)
    backend = "cuda" if a.device == "cuda" else "cpu"
    gpu = torch.cuda.get_device_name(0) if a.device == "cuda" else platform.processor() or "cpu"
    print("machine: %s; torch %s; date %s; %dx%d" % (gpu, torch.__version__, datetime.date.today(),
                                                     a.size, a.size))
    with tempfile.TemporaryDirectory() as tmp:
        onnx_path = os.path.join(tmp, "colornet_dyn.onnx")
        export_dynamic(model.cpu(), onnx_path)
        model = model.to(a.device)
        for prec in precisions:
            tf32 = prec == "tf32"
            torch.backends.cuda.matmul.allow_tf32 = tf32
            torch.backends.cudnn.allow_tf32 = tf32
            print("fp32%s:" % (" (TF32 allowed, engine --tf32)" if tf32 else ""))
            for n in a.batch:
                bench_batch(a, model, onnx_path, tmp, n, tf32, backend, gpu)


def bench_batch(a, model, onnx_path, tmp, n, tf32, backend, gpu):
    g = torch.Generator().manual_seed(n)
    L = torch.rand(n, 1, a.size, a.size, generator=g) * 100
    hab = torch.zeros(n, 2, a.size, a.size)
    hm = torch.zeros(n, 1, a.size, a.size)
    hm[:, :, 40:43, 60:63] = 1
    hab[:, 0, 40:43, 60:63] = 30
    t_dev, t_copy, peak, ref = time_torch(model, (L, hab, hm), a.device, a.repeat)
    files = {}
    for name, t in (("L", L), ("hint_ab", hab), ("hint_mask", hm)):
        files[name] = os.path.join(tmp, "%s_%d.npy" % (name, n))
        np.save(files[name], t.numpy())
    ref_path = os.path.join(tmp, "ref_%d.npy" % n)
    np.save(ref_path, ref)
    cmd = [a.tool, "--model", onnx_path, "--backend", backend, "--repeat", str(a.repeat + 1),
           "--expect", "ab=" + ref_path]
    if tf32:
        cmd += ["--tf32", "--rtol", "1e-2"]
    if a.profile:
        cmd += ["--profile"]
    for name, p in files.items():
        cmd += ["--input", "%s=%s" % (name, p)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    log = r.stdout + r.stderr
    best = re.search(r"best of \d+ runs ([\d.]+) ms", log)
    mem = re.search(r"peak device memory in use ([\d.]+) MiB", log)
    err = re.search(r"max \|error\| (\S+) \((\S+) of", log)
    eng = float(best.group(1)) if best else float("nan")
    print("batch %2d: PyTorch eager %.2f ms on device (%.1f img/s), %.2f ms with copies "
          "(%.1f img/s), peak %.0f MiB | engine %s %.2f ms with copies (%.1f img/s, %.2fx "
          "PyTorch with copies), peak %s MiB | output agreement: %s (exit %d)" % (
              n, t_dev, n * 1e3 / t_dev, t_copy, n * 1e3 / t_copy, peak, backend, eng,
              n * 1e3 / eng, eng / t_copy, mem.group(1) if mem else "n/a",
              ("max abs %s, rel %s" % err.groups()) if err else "n/a", r.returncode))
    prof = re.search(r"^profile .*$", log, re.M)
    if prof:
        print("  engine %s, batch %d: %s" % (backend, n, prof.group(0)))
    if r.returncode != 0:
        print(log, file=sys.stderr)
    if a.json:
        fin = lambda x: x if x == x else None  # noqa: E731 - NaN (no GPU) as null
        rec = {"device": gpu, "torch": torch.__version__, "precision": "tf32" if tf32 else "fp32",
               "size": a.size, "batch": n, "repeat": a.repeat,
               "torch_ms_device": t_dev, "torch_ms_copies": t_copy,
               "torch_img_s_device": n * 1e3 / t_dev, "torch_img_s_copies": n * 1e3 / t_copy,
               "torch_peak_mib": fin(peak), "engine_backend": backend, "engine_ms": fin(eng),
               "engine_img_s": fin(n * 1e3 / eng),
               "engine_peak_mib": float(mem.group(1)) if mem else None,
               "max_abs_err": float(err.group(1)) if err else None,
               "rel_err": float(err.group(2)) if err else None, "engine_exit": r.returncode}
        with open(a.json, "a") as f:
            f.write(json.dumps(rec) + "\n")

if __name__ == "__main__":
    main()
