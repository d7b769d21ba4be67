"""ONNX export round trip: a freshly built network exports within the engine's op set, with
the contract's names and dynamic H, W; the reference interpreter runs the graph and agrees
with PyTorch; the web variants stay close; and the shipped files in models/ match
models/manifest.json and reproduce their golden outputs."""
import hashlib
import json
import os

import numpy as np
import onnx
import pytest
import torch

from colorizer import onnx_ref
from colorizer.bins import bins
from colorizer.export import (ExportModel, export_onnx, float_initializers, load_onnx_weights,
                              op_list)
from colorizer.model import ColorNet
from colorizer.quantize import to_fp16, to_int8

from conftest import ROOT

# The native engine's op list (the ops other code may rely on).
ENGINE_OPS = {"Conv", "ConvTranspose", "Resize", "BatchNormalization", "Relu", "Clip",
              "LeakyRelu", "Sigmoid", "Tanh", "Add", "Sub", "Mul", "Div", "Concat", "Softmax",
              "MatMul", "Gemm", "GlobalAveragePool", "Reshape", "Flatten", "Transpose",
              "Expand", "Tile", "Pad", "DequantizeLinear", "Cast", "Constant", "Shape",
              "Gather", "Unsqueeze", "Squeeze", "Slice"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    torch.manual_seed(0)
    net = ColorNet(bins()).eval()
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    em = ExportModel(net).eval()
    path = str(tmp_path_factory.mktemp("onnx") / "m.onnx")
    export_onnx(em, path)
    return em, onnx.load(path), path


def _inputs(h, w, hints=True):
    rng = np.random.RandomState(0)
    L = (rng.rand(1, 1, h, w) * 100).astype(np.float32)
    ab = np.zeros((1, 2, h, w), np.float32)
    mask = np.zeros((1, 1, h, w), np.float32)
    if hints:
        ab[0, :, 5:8, 9:12] = np.array([30.0, -20.0])[:, None, None]
        mask[0, :, 5:8, 9:12] = 1
    return {"L": L, "hint_ab": ab, "hint_mask": mask}


def test_checker_names_and_dynamic_dims(exported):
    _, m, _ = exported
    onnx.checker.check_model(m)
    assert m.opset_import[0].version <= 17
    assert [i.name for i in m.graph.input] == ["L", "hint_ab", "hint_mask"]
    assert [o.name for o in m.graph.output] == ["ab"]
    for i, ch in zip(m.graph.input, (1, 2, 1)):
        d = i.type.tensor_type.shape.dim
        assert d[0].dim_value == 1 and d[1].dim_value == ch
        assert d[2].dim_param and d[3].dim_param      # H, W dynamic


def test_ops_within_engine_set(exported):
    _, m, _ = exported
    ops = op_list(m)
    assert set(ops) <= ENGINE_OPS, set(ops) - ENGINE_OPS
    assert "Softmax" in ops and "Identity" not in ops


@pytest.mark.parametrize("h,w", [(64, 64), (96, 64)])
def test_graph_reproduces_pytorch(exported, h, w):
    em, m, _ = exported
    feeds = _inputs(h, w)
    got = onnx_ref.run(m, feeds)["ab"]
    with torch.no_grad():
        ref = em(*[torch.from_numpy(feeds[k]) for k in ("L", "hint_ab", "hint_mask")]).numpy()
    assert got.shape == (1, 2, h // 2, w // 2)
    np.testing.assert_allclose(got, ref, atol=1e-3)


def test_web_variants(exported):
    em, m, path = exported
    feeds = _inputs(64, 64)
    ref = onnx_ref.run(m, feeds)["ab"]
    for conv, tol in ((to_fp16, 0.5), (to_int8, 3.0)):
        v = conv(m)
        onnx.checker.check_model(v)
        assert v.ByteSize() < m.ByteSize() * (0.6 if conv is to_fp16 else 0.35)
        out = onnx_ref.run(v, feeds)["ab"]
        assert np.abs(out - ref).max() < tol
        # loading the variant's weights back into PyTorch computes what the graph computes
        back = ExportModel(ColorNet(bins())).eval()
        load_onnx_weights(back, v)
        with torch.no_grad():
            t = back(*[torch.from_numpy(feeds[k]) for k in ("L", "hint_ab", "hint_mask")])
        np.testing.assert_allclose(t.numpy(), out, atol=1e-3)


MODELS = os.path.join(ROOT, "models")
MANIFEST = os.path.join(MODELS, "manifest.json")


@pytest.mark.skipif(not os.path.exists(MANIFEST), reason="no models/manifest.json")
def test_shipped_models_match_manifest_and_goldens():
    with open(MANIFEST) as f:
        man = json.load(f)
    for entry in man["models"] + man.get("golden_files", []):
        p = os.path.join(MODELS, entry["file"])
        with open(p, "rb") as f:
            blob = f.read()
        assert len(blob) == entry["bytes"], entry["file"]
        assert hashlib.sha256(blob).hexdigest() == entry["sha256"], entry["file"]
    for entry in man["models"]:
        m = onnx.load(os.path.join(MODELS, entry["file"]))
        onnx.checker.check_model(m)
        limit = 30e6 if entry["precision"] == "fp32" else 8e6
        assert entry["bytes"] <= limit
        assert set(op_list(m)) <= ENGINE_OPS
        for g in entry["golden"]:
            feeds = {k: np.load(os.path.join(MODELS, v)) for k, v in g["inputs"].items()}
            want = np.load(os.path.join(MODELS, g["output"]["ab"]))
            got = onnx_ref.run(m, feeds)["ab"]
            assert got.shape == want.shape
            np.testing.assert_allclose(got, want, atol=g["tolerance_abs"])


def test_export_script_gives_a_variant_its_own_beta(tmp_path):
    """scripts/export.py end to end on a small random checkpoint: --variant-prior-correction
    decodes the int8 file with its own beta (folded into its head bias, recorded in its
    manifest entry); the other files keep --prior-correction; every golden reproduces."""
    import subprocess
    import sys
    torch.manual_seed(1)
    net = ColorNet(bins(), width=0.25).eval()
    with torch.no_grad():
        net.prior_w.copy_(torch.rand_like(net.prior_w) * 4 + 0.25)
    ckpt = str(tmp_path / "c.pt")
    torch.save({"cfg": {"width": 0.25, "temperature": 0.38, "working_size": 64},
                "model": net.state_dict()}, ckpt)
    out = tmp_path / "out"
    T, beta, beta8 = 0.25, 0.3, 0.2
    r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "export.py"),
                        "--ckpt", ckpt, "--out", str(out), "--temperature", str(T),
                        "--prior-correction", str(beta),
                        "--variant-prior-correction", "int8=%g" % beta8],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    with open(out / "manifest.json") as f:
        man = json.load(f)
    got = {e["id"].rsplit("-", 1)[1]: e["prior_correction"] for e in man["models"]}
    assert got == {"fp32": beta, "fp16": beta, "int8": beta8}
    bias = {}
    for e in man["models"]:
        m = onnx.load(str(out / e["file"]))
        bias[e["id"]] = float_initializers(m)["net.head.bias"]
        for g in e["golden"]:
            feeds = {k: np.load(str(out / v)) for k, v in g["inputs"].items()}
            want = np.load(str(out / g["output"]["ab"]))
            np.testing.assert_allclose(onnx_ref.run(m, feeds)["ab"], want,
                                       atol=g["tolerance_abs"])
    # head bias = (b - beta * log w) / T, so the int8 file's differs by (beta - beta8) log w / T
    logw = torch.log(net.prior_w).numpy()
    np.testing.assert_allclose(bias["colorizer-int8"] - bias["colorizer-fp32"],
                               (beta - beta8) * logw / T, atol=1e-4)
    np.testing.assert_allclose(bias["colorizer-fp16"], bias["colorizer-fp32"], atol=1e-2)
    # a malformed spec is refused with a message, not a traceback
    r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "export.py"),
                        "--ckpt", ckpt, "--out", str(tmp_path / "bad"),
                        "--variant-prior-correction", "fp32=0.1"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "int8=BETA" in r.stderr
