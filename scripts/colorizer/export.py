"""Export of a trained ColorNet to ONNX (fp32), following the MODEL I/O CONTRACT of
src/include/colorize/pipeline.h:
  inputs  L [1,1,H,W], hint_ab [1,2,H,W], hint_mask [1,1,H,W] (float32, H and W multiples of 32)
  output  ab [1,2,H/2,W/2] float32 CIELAB units.

Before export, in PyTorch: batch norms are folded into the preceding convs, the 1/T of the
annealed mean is folded into the head conv, and the annealed mean itself becomes
softmax(axis=1) followed by a 1x1 conv whose weights are the bin centres. After export the
graph is cleaned: a Pad that only zero-pads H and W in front of a Conv is merged into the
Conv's pads (TF SAME padding of the stride-2 convs). The resulting ops: Conv, Clip, Relu, Add,
Mul, Sub, Concat, Resize (nearest), GlobalAveragePool, Softmax.
"""
import copy
import json

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import helper, numpy_helper

from .model import fold_bn


PRIOR_KEY = "colorize.prior_w"


class _PadHW(torch.autograd.Function):
    """Zero padding of H and W that exports as one ONNX Pad with constant pads (torch's own
    ZeroPad2d export computes the pads at run time with ~8 shape ops)."""

    @staticmethod
    def forward(ctx, x, pads):
        return torch.nn.functional.pad(x, pads)

    @staticmethod
    def symbolic(g, x, pads):
        left, right, top, bottom = pads
        p = torch.tensor([0, 0, top, left, 0, 0, bottom, right], dtype=torch.int64)
        return g.op("Pad", x, g.op("Constant", value_t=p), mode_s="constant")


class StaticPad(nn.Module):
    def __init__(self, pads):
        super().__init__()
        self.pads = tuple(int(p) for p in pads)

    def forward(self, x):
        return _PadHW.apply(x, self.pads)


def static_pads(module):
    """In place: every nn.ZeroPad2d becomes a StaticPad (same function, clean export)."""
    for name, child in module.named_children():
        if isinstance(child, nn.ZeroPad2d):
            setattr(module, name, StaticPad(child.padding))
        else:
            static_pads(child)
    return module


class ExportModel(nn.Module):
    """ColorNet for inference: (L, hint_ab, hint_mask) -> ab at H/2 x W/2."""

    def __init__(self, net, temperature=None, prior_correction=0.0):
        super().__init__()
        net = static_pads(fold_bn(copy.deepcopy(net).cpu().eval().fold_global_norm()))
        T = net.temperature if temperature is None else temperature
        with torch.no_grad():
            # Prior correction (beta): class-rebalanced CE makes the network predict
            # q(c) ~ w_c p(c | x); subtracting beta * log w_c from the logits undoes that
            # (beta = 1: the unbiased posterior; 0: as trained). Folded into the head bias.
            if prior_correction:
                net.head.bias.sub_(prior_correction * torch.log(net.prior_w))
            net.head.weight.mul_(1.0 / T)
            net.head.bias.mul_(1.0 / T)
        self.net = net
        Q = net.bins.shape[0]
        self.annealed_mean = nn.Conv2d(Q, 2, 1, bias=False)
        with torch.no_grad():
            self.annealed_mean.weight.copy_(net.bins.t().reshape(2, Q, 1, 1))
        self.temperature = T
        self.prior_correction = prior_correction

    def forward(self, L, hint_ab, hint_mask):
        p = torch.softmax(self.net.logits(L, hint_ab, hint_mask), dim=1)
        return self.annealed_mean(p)


def folded_net(net):
    """The ColorNet as the exported graph runs it (batch norms folded into the convs, static
    pads), head undecoded: .logits(L, hint_ab, hint_mask) gives the raw bin logits, which
    decoding experiments anneal and prior-correct themselves."""
    return ExportModel(net, temperature=1.0, prior_correction=0.0).eval().net


def _const_value(graph, name):
    for init in graph.initializer:
        if init.name == name:
            return numpy_helper.to_array(init)
    for n in graph.node:
        if n.op_type == "Constant" and n.output[0] == name:
            return numpy_helper.to_array(n.attribute[0].t)
    return None


def merge_pad_into_conv(model):
    """Removes Pad nodes (constant mode, value 0, only H/W padded) whose single consumer is
    a Conv by adding the padding to the Conv's pads attribute."""
    g = model.graph
    consumers = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    remove = []
    for n in g.node:
        if n.op_type != "Pad":
            continue
        mode = [a.s for a in n.attribute if a.name == "mode"]
        if mode and mode[0] not in (b"constant",):
            continue
        pads = _const_value(g, n.input[1]) if len(n.input) > 1 else None
        if pads is None or len(pads) != 8 or any(pads[[0, 1, 4, 5]]):
            continue
        if len(n.input) > 2 and n.input[2]:
            v = _const_value(g, n.input[2])
            if v is None or np.any(v != 0):
                continue
        users = consumers.get(n.output[0], [])
        if len(users) != 1 or users[0].op_type != "Conv":
            continue
        conv = users[0]
        old = [0, 0, 0, 0]
        for a in list(conv.attribute):
            if a.name == "pads":
                old = list(a.ints)
                conv.attribute.remove(a)
            elif a.name == "auto_pad":
                conv.attribute.remove(a)
        top, left, bottom, right = int(pads[2]), int(pads[3]), int(pads[6]), int(pads[7])
        conv.attribute.append(helper.make_attribute(
            "pads", [old[0] + top, old[1] + left, old[2] + bottom, old[3] + right]))
        conv.input[0] = n.input[0]
        remove.append(n)
    for n in remove:
        g.node.remove(n)
    # drop constants nobody uses any more
    used = set(i for n in g.node for i in n.input) | set(o.name for o in g.output)
    for n in [n for n in g.node if n.op_type == "Constant" and n.output[0] not in used]:
        g.node.remove(n)
    for init in [i for i in g.initializer if i.name not in used]:
        g.initializer.remove(init)
    return model


def remove_identities(model):
    """torch.onnx shares equal initializers through Identity nodes; give each its own copy
    (Identity is not in the native engine's op set)."""
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    for n in [n for n in g.node if n.op_type == "Identity" and n.input[0] in inits]:
        a = numpy_helper.to_array(inits[n.input[0]])
        g.initializer.append(numpy_helper.from_array(a, n.output[0]))
        g.node.remove(n)
    return model


def export_onnx(export_model, path, opset=17, size=64):
    export_model = export_model.eval()
    L = torch.rand(1, 1, size, size) * 100
    ha = torch.zeros(1, 2, size, size)
    hm = torch.zeros(1, 1, size, size)
    dyn = {"L": {2: "H", 3: "W"}, "hint_ab": {2: "H", 3: "W"}, "hint_mask": {2: "H", 3: "W"},
           "ab": {2: "h", 3: "w"}}
    torch.onnx.export(export_model, (L, ha, hm), path, opset_version=opset,
                      input_names=["L", "hint_ab", "hint_mask"], output_names=["ab"],
                      dynamic_axes=dyn, do_constant_folding=True)
    m = onnx.load(path)
    m = remove_identities(merge_pad_into_conv(m))
    # The rebalancing weights the net was trained with, so a fine-tune can start from this
    # file exactly (state_from_onnx); runtimes ignore metadata.
    w = export_model.net.prior_w.detach().cpu().numpy().astype(np.float32)
    m.metadata_props.append(onnx.StringStringEntryProto(
        key=PRIOR_KEY, value=json.dumps([float("%.9g" % v) for v in w])))
    m.producer_name = "colorize scripts/export.py"
    m.doc_string = ("colorize model: L [1,1,H,W] L* 0..100, hint_ab [1,2,H,W], hint_mask "
                    "[1,1,H,W] -> ab [1,2,H/2,W/2] CIELAB; H, W multiples of 32")
    onnx.checker.check_model(m)
    onnx.save(m, path)
    return m


def op_list(model):
    ops = {}
    for n in model.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    return dict(sorted(ops.items()))


def float_initializers(model):
    """{name: float32 array} for every weight of an exported variant, with the fp16 Cast and
    int8 DequantizeLinear indirections of quantize.py evaluated, so a variant can be loaded
    back into PyTorch (what it computes, weights-wise)."""
    g = model.graph
    inits = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    out = {k: v.astype(np.float32) for k, v in inits.items() if v.dtype == np.float32}
    for n in g.node:
        if n.op_type == "Cast" and n.input[0] in inits:
            out[n.output[0]] = inits[n.input[0]].astype(np.float32)
        elif n.op_type == "DequantizeLinear" and n.input[0] in inits:
            q = inits[n.input[0]].astype(np.float32)
            s = inits[n.input[1]].astype(np.float32)
            z = inits[n.input[2]].astype(np.float32) if len(n.input) > 2 else np.zeros_like(s)
            axis = 1
            for a in n.attribute:
                if a.name == "axis":
                    axis = a.i
            if s.ndim == 1 and s.size > 1:
                shape = [1] * q.ndim
                shape[axis] = -1
                s, z = s.reshape(shape), z.reshape(shape)
            out[n.output[0]] = (q - z) * s
    return out


def load_onnx_weights(export_model, model):
    """Copies an exported file's weights (any variant) into an ExportModel by initializer
    name = state_dict key. Returns the number of tensors copied; raises on missing keys."""
    weights = float_initializers(model)
    sd = export_model.state_dict()
    n = 0
    for k, v in sd.items():
        if v.dtype != torch.float32 or k.endswith("running_mean") or k.endswith("running_var"):
            continue
        if k in ("net.prior_w", "net.global_mu", "net.global_sd"):  # folded at export
            continue
        if k not in weights:
            if k == "net.bins":
                continue
            raise KeyError("weight %s not in the ONNX file" % k)
        sd[k] = torch.from_numpy(weights[k].reshape(v.shape))
        n += 1
    export_model.load_state_dict(sd)
    return n


def export_model_from_onnx(model, width=1.0):
    """An ExportModel (eval mode) carrying a loaded ONNX file's weights, any variant (fp16 /
    int8 dequantized): what that file computes, run by PyTorch (no onnxruntime here)."""
    from .bins import bins
    from .model import ColorNet
    em = ExportModel(ColorNet(bins(), width=width)).eval()  # folds a copy: the folded shape
    load_onnx_weights(em, model)
    return em


def prior_from_onnx(model):
    """The rebalancing weights export_onnx recorded in the file, or None (older files)."""
    for p in model.metadata_props:
        if p.key == PRIOR_KEY:
            return np.asarray(json.loads(p.value), np.float32)
    return None


def state_from_onnx(model, prior_w, temperature, prior_correction, width=1.0):
    """The inverse of ExportModel for fine-tuning from a shipped file (checkpoints are not
    shipped): the state dict of a ColorNet with its batch norms folded away (fold_bn: convs
    with bias, BN replaced by Identity) carrying the file's weights, with the head's 1/T
    scaling and the -beta * log w bias shift undone, so its logits are the logits as trained.
    prior_w is the rebalancing weight vector the net was trained with (prior_from_onnx for
    files that record it). Train the result with BN folded: the normalisation is frozen at
    the statistics it had."""
    em = export_model_from_onnx(model, width)
    sd = {k[len("net."):]: v for k, v in em.state_dict().items() if k.startswith("net.")}
    sd["prior_w"] = torch.as_tensor(prior_w, dtype=torch.float32)
    with torch.no_grad():
        sd["head.weight"] = sd["head.weight"] * temperature
        sd["head.bias"] = (sd["head.bias"] * temperature
                           + prior_correction * torch.log(sd["prior_w"]))
    return sd
