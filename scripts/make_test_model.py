#!/usr/bin/python3
"""Exports the tiny test colorizer used by the engine's golden tests (tests/nn).

It has the kinds of ops the real colorizer has (scripts/colorizer/model.py): in-graph input
normalisation, SAME-style ZeroPad2d + stride-2 conv, MobileNetV2 inverted residuals
(1x1 expand, depthwise 3x3, 1x1 project, ReLU6 = Clip, residual Add), a global-context
branch (global average pool -> 1x1 convs -> broadcast Add, and a sigmoid gate broadcast Mul),
nearest and bilinear x2 upsampling, Concat skips, a ConvTranspose, a standalone
BatchNormalization, LeakyRelu, and the head: 1x1 conv to Q bin logits, Softmax(logits / T)
over the bins, then a 1x1 conv whose weights are the bin centres (the annealed mean).

Writes into tests/data/models/:
  tiny_colorizer.onnx          opset 17, constant folding (BN folded into convs), dynamic H, W
  tiny_colorizer_q.onnx        opset 13, no folding (BatchNormalization nodes and PyTorch's
                               shape arithmetic kept), conv weights stored as int8 with
                               per-channel DequantizeLinear, other parameters as float16
                               initializers behind Cast nodes
  tiny_colorizer_<case>_{L,hint_ab,hint_mask,ab}.npy   golden inputs/outputs from PyTorch
The weights are rounded before export so that int8 per-channel and float16 storage are
exact: every variant must reproduce the same golden outputs. Run deliberately:
  /usr/bin/python3 scripts/make_test_model.py
"""
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import helper, numpy_helper, TensorProto

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "models")


def cbr(cin, cout, k=1, stride=1, groups=1, dilation=1, act=True):
    pad = dilation * (k - 1) // 2
    layers = [nn.Conv2d(cin, cout, k, stride, pad, dilation=dilation, groups=groups, bias=False),
              nn.BatchNorm2d(cout)]
    if act:
        layers.append(nn.ReLU6())
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, t, dilation=1):
        super().__init__()
        hid = cin * t
        self.res = stride == 1 and cin == cout
        self.body = nn.Sequential(cbr(cin, hid), cbr(hid, hid, 3, stride, hid, dilation),
                                  cbr(hid, cout, act=False))

    def forward(self, x):
        y = self.body(x)
        return x + y if self.res else y


class TinyColorizer(nn.Module):
    def __init__(self, q=12):
        super().__init__()
        self.pad = nn.ZeroPad2d((0, 1, 0, 1))           # TF-style SAME for the stride-2 stem
        self.stem = nn.Sequential(nn.Conv2d(4, 8, 3, 2, 0), nn.BatchNorm2d(8), nn.ReLU6())
        self.b1 = InvertedResidual(8, 12, 2, 2)          # H/4
        self.b2 = InvertedResidual(12, 12, 1, 2, dilation=2)
        self.b3 = InvertedResidual(12, 16, 2, 3)         # H/8
        self.glob = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(16, 8, 1), nn.ReLU(),
                                  nn.Conv2d(8, 16, 1))
        self.gate = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(16, 16, 1), nn.Sigmoid())
        self.up8 = nn.ConvTranspose2d(16, 12, 2, 2)       # H/8 -> H/4
        self.mix4 = cbr(12 + 12, 12, 3)
        self.bn_free = nn.BatchNorm2d(20)                 # standalone BN (not after a conv)
        self.dec2 = nn.Sequential(nn.Conv2d(20, 10, 3, 1, 1), nn.LeakyReLU(0.1))
        self.head = nn.Conv2d(10, q, 1)
        a = np.linspace(-60, 60, 4)
        b = np.linspace(-70, 50, 3)
        bins = np.array([[x, y] for x in a for y in b], np.float32)[:q]
        self.register_buffer("bins", torch.from_numpy(bins))
        self.T = 0.5

    def forward(self, L, hint_ab, hint_mask):
        hints = torch.cat([hint_ab * (1.0 / 110.0), hint_mask], 1)
        x = torch.cat([L * (1.0 / 50.0) - 1.0, hints], 1)
        s2 = self.stem(self.pad(x))                       # H/2, 8
        s4 = self.b2(self.b1(s2))                         # H/4, 12
        s8 = self.b3(s4)                                  # H/8, 16
        y = F.relu(s8 + self.glob(s8)) * self.gate(s8)
        y4 = self.up8(y)                                  # H/4, 12
        y4 = self.mix4(torch.cat([y4, s4], 1))
        y2 = F.interpolate(y4, scale_factor=2.0, mode="nearest")
        y2b = F.interpolate(s4, size=s2.shape[-2:], mode="bilinear", align_corners=False)
        z = self.bn_free(torch.cat([y2 + y2b[:, :12], s2], 1))
        z = self.dec2(z)
        p = torch.softmax(self.head(z) / self.T, dim=1)
        w = self.bins.t().reshape(2, -1, 1, 1)
        return torch.tanh(F.conv2d(p, w) / 128.0) * 128.0


def round_weights(model):
    """Conv weights onto an int8 per-output-channel grid, everything else onto float16."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                w = m.weight
                axis = 1 if isinstance(m, nn.ConvTranspose2d) else 0  # output channels
                axis_dims = tuple(d for d in range(w.dim()) if d != axis)
                scale = (w.abs().amax(dim=axis_dims, keepdim=True) / 127.0).clamp_min(1e-8)
                scale = scale.half().float()
                w.copy_(torch.round(w / scale).clamp(-127, 127) * scale)
                if m.bias is not None:
                    m.bias.copy_(m.bias.half().float())
            elif isinstance(m, nn.BatchNorm2d):
                for t in (m.weight, m.bias, m.running_mean, m.running_var):
                    t.copy_(t.half().float())


def randomise_bn(model, gen):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                n = m.num_features
                m.weight.copy_(0.5 + torch.rand(n, generator=gen))
                m.bias.copy_(0.2 * torch.randn(n, generator=gen))
                m.running_mean.copy_(0.1 * torch.randn(n, generator=gen))
                m.running_var.copy_(0.5 + torch.rand(n, generator=gen))


def export(model, path, opset, fold):
    L = torch.zeros(1, 1, 64, 96)
    ab = torch.zeros(1, 2, 64, 96)
    mask = torch.zeros(1, 1, 64, 96)
    dyn = {n: {2: "H", 3: "W"} for n in ("L", "hint_ab", "hint_mask")}
    dyn["ab"] = {2: "h", 3: "w"}
    torch.onnx.export(model, (L, ab, mask), path, opset_version=opset, do_constant_folding=fold,
                      input_names=["L", "hint_ab", "hint_mask"], output_names=["ab"],
                      dynamic_axes=dyn,
                      # PRESERVE (model in eval mode) keeps BatchNormalization nodes unfused
                      training=torch.onnx.TrainingMode.EVAL if fold else torch.onnx.TrainingMode.PRESERVE)


def quantize_variant(path):
    """Conv/ConvTranspose weights -> int8 + per-channel DequantizeLinear; other float
    initializers with more than one value -> float16 + Cast. Exact for round_weights()."""
    m = onnx.load(path)
    g = m.graph
    conv_w = {}
    for n in g.node:
        if n.op_type in ("Conv", "ConvTranspose") and len(n.input) > 1:
            conv_w[n.input[1]] = 0 if n.op_type == "Conv" else 1
    new_inits, new_nodes = [], []
    for init in g.initializer:
        a = numpy_helper.to_array(init)
        if init.name in conv_w and a.dtype == np.float32:
            axis = conv_w[init.name]
            red = tuple(d for d in range(a.ndim) if d != axis)
            scale = (np.abs(a).max(axis=red) / 127.0).astype(np.float32)
            scale = scale.astype(np.float16).astype(np.float32)
            scale[scale == 0] = 1.0
            shp = [1] * a.ndim
            shp[axis] = -1
            q = np.clip(np.round(a / scale.reshape(shp)), -127, 127).astype(np.int8)
            back = q.astype(np.float32) * scale.reshape(shp)
            assert np.array_equal(back, a), init.name
            new_inits += [numpy_helper.from_array(q, init.name + "_q"),
                          numpy_helper.from_array(scale, init.name + "_scale"),
                          numpy_helper.from_array(np.zeros_like(scale, np.int8), init.name + "_zp")]
            new_nodes.append(helper.make_node("DequantizeLinear",
                                              [init.name + "_q", init.name + "_scale", init.name + "_zp"],
                                              [init.name], axis=axis, name="dq_" + init.name))
        elif a.dtype == np.float32 and a.size > 1 and np.array_equal(a.astype(np.float16).astype(np.float32), a):
            new_inits.append(numpy_helper.from_array(a.astype(np.float16), init.name + "_fp16"))
            new_nodes.append(helper.make_node("Cast", [init.name + "_fp16"], [init.name],
                                              to=TensorProto.FLOAT, name="cast_" + init.name))
        else:
            new_inits.append(init)
    del g.initializer[:]
    g.initializer.extend(new_inits)
    nodes = list(g.node)
    del g.node[:]
    g.node.extend(new_nodes + nodes)
    onnx.checker.check_model(m)
    onnx.save(m, path)


def case_inputs(seed, hints):
    rng = np.random.default_rng(seed)
    H, W = 64, 96
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    L = 50 + 35 * np.sin(xx / 9.0) * np.cos(yy / 7.0) + rng.normal(0, 5, (H, W))
    L = np.clip(L, 0, 100).astype(np.float32)[None, None]
    ab = np.zeros((1, 2, H, W), np.float32)
    mask = np.zeros((1, 1, H, W), np.float32)
    if hints:
        for _ in range(6):
            y, x = rng.integers(1, H - 2), rng.integers(1, W - 2)
            col = rng.uniform(-80, 80, 2).astype(np.float32)
            ab[0, :, y - 1:y + 2, x - 1:x + 2] = col[:, None, None]
            mask[0, 0, y - 1:y + 2, x - 1:x + 2] = 1
    return L, ab, mask


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(1234)
    gen = torch.Generator().manual_seed(99)
    model = TinyColorizer()
    randomise_bn(model, gen)
    with torch.no_grad():  # larger head weights so the softmax is not flat
        model.head.weight.mul_(6.0)
    round_weights(model)
    model.eval()
    p32 = os.path.join(OUT, "tiny_colorizer.onnx")
    pq = os.path.join(OUT, "tiny_colorizer_q.onnx")
    export(model, p32, 17, True)
    export(model, pq, 13, False)
    quantize_variant(pq)
    for name, seed, hints in (("auto", 7, False), ("hints", 8, True)):
        L, ab, mask = case_inputs(seed, hints)
        with torch.no_grad():
            out = model(torch.from_numpy(L), torch.from_numpy(ab), torch.from_numpy(mask)).numpy()
        for key, arr in (("L", L), ("hint_ab", ab), ("hint_mask", mask), ("ab", out)):
            np.save(os.path.join(OUT, "tiny_colorizer_%s_%s.npy" % (name, key)), arr.astype(np.float32))
        print(name, "ab", out.shape, "range", float(out.min()), float(out.max()), "std", float(out.std()))
    for p in (p32, pq):
        m = onnx.load(p)
        ops = sorted(set(n.op_type for n in m.graph.node))
        print(os.path.basename(p), os.path.getsize(p), "bytes, opset", m.opset_import[0].version, "ops:", " ".join(ops))


if __name__ == "__main__":
    sys.exit(main())
