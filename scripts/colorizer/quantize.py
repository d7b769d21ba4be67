"""Web variants of an exported fp32 ONNX model (weight-only; inputs, outputs and activations
stay float32, the contract does not change):
  fp16: float initializers of >= min_elems elements stored as float16, each followed by a
        Cast to float32 (under the original name, so the graph is otherwise unchanged).
  int8: Conv weights (4-D) stored as int8, symmetric per output channel
        (scale_c = max|w_c| / 127, zero point 0), followed by DequantizeLinear(axis=0);
        biases and small tensors stay float32, and so do the annealed-mean weights (the bin
        centres, exact multiples of 10).
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

KEEP_FP32 = ("annealed_mean",)


def _keep(name):
    return any(k in name for k in KEEP_FP32)


def _consumers_ops(graph):
    ops = {}
    for n in graph.node:
        for i in n.input:
            ops.setdefault(i, set()).add(n.op_type)
    return ops


def to_fp16(model, min_elems=16):
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    ops = _consumers_ops(g)
    casts, new_inits, drop = [], [], []
    for init in g.initializer:
        a = numpy_helper.to_array(init)
        if a.dtype != np.float32 or a.size < min_elems or ops.get(init.name, set()) - {"Conv"}:
            continue
        h = numpy_helper.from_array(a.astype(np.float16), init.name + "_fp16")
        new_inits.append(h)
        drop.append(init)
        casts.append(helper.make_node("Cast", [h.name], [init.name], to=TensorProto.FLOAT,
                                      name=init.name + "_cast"))
    for d in drop:
        g.initializer.remove(d)
    g.initializer.extend(new_inits)
    nodes = casts + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    onnx.checker.check_model(m)
    return m


def to_int8(model):
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    ops = _consumers_ops(g)
    deq, new_inits, drop = [], [], []
    for init in g.initializer:
        a = numpy_helper.to_array(init)
        if a.dtype != np.float32 or a.ndim != 4 or _keep(init.name) \
                or ops.get(init.name, set()) != {"Conv"}:
            continue
        amax = np.abs(a.reshape(a.shape[0], -1)).max(1)
        scale = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
        q = np.clip(np.round(a / scale[:, None, None, None]), -127, 127).astype(np.int8)
        qi = numpy_helper.from_array(q, init.name + "_q")
        si = numpy_helper.from_array(scale, init.name + "_scale")
        zi = numpy_helper.from_array(np.zeros(a.shape[0], np.int8), init.name + "_zp")
        new_inits += [qi, si, zi]
        drop.append(init)
        deq.append(helper.make_node("DequantizeLinear", [qi.name, si.name, zi.name],
                                    [init.name], axis=0, name=init.name + "_dequant"))
    for d in drop:
        g.initializer.remove(d)
    g.initializer.extend(new_inits)
    nodes = deq + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    onnx.checker.check_model(m)
    return m
