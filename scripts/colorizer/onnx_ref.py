"""A small reference interpreter for the ONNX op subset the exports use (torch kernels for
the arithmetic), so the exported graph itself, not only its weights, can be checked without
onnxruntime. Ops: Conv, Clip, Relu, Add, Sub, Mul, Div, Concat, Resize (nearest, asymmetric,
floor; scales), GlobalAveragePool, Softmax, Constant, Cast (to float), DequantizeLinear, Pad
(constant), Identity."""
import numpy as np
import torch
import torch.nn.functional as F
from onnx import numpy_helper


def _attrs(node):
    out = {}
    for a in node.attribute:
        if a.type == a.INT:
            out[a.name] = a.i
        elif a.type == a.INTS:
            out[a.name] = list(a.ints)
        elif a.type == a.FLOAT:
            out[a.name] = a.f
        elif a.type == a.STRING:
            out[a.name] = a.s.decode()
        elif a.type == a.TENSOR:
            out[a.name] = numpy_helper.to_array(a.t)
    return out


def run(model, feeds):
    """feeds: {input name: float32 numpy array}. Returns {output name: numpy array}."""
    env = {k: torch.from_numpy(np.asarray(v)) for k, v in feeds.items()}
    for init in model.graph.initializer:
        env[init.name] = torch.from_numpy(numpy_helper.to_array(init).copy())
    for n in model.graph.node:
        a = _attrs(n)
        x = [env[i] if i else None for i in n.input]
        op = n.op_type
        if op == "Constant":
            y = torch.from_numpy(np.array(a["value"]))
        elif op == "Conv":
            w = x[1]
            pads = a.get("pads", [0, 0, 0, 0])
            inp = x[0]
            if pads[0] != pads[2] or pads[1] != pads[3]:
                inp = F.pad(inp, (pads[1], pads[3], pads[0], pads[2]))
                pad = 0
            else:
                pad = (pads[0], pads[1])
            y = F.conv2d(inp, w, x[2] if len(x) > 2 else None, tuple(a.get("strides", [1, 1])),
                         pad, tuple(a.get("dilations", [1, 1])), a.get("group", 1))
        elif op == "Clip":
            lo = x[1] if len(x) > 1 and x[1] is not None else None
            hi = x[2] if len(x) > 2 and x[2] is not None else None
            y = x[0].clamp(min=None if lo is None else float(lo),
                           max=None if hi is None else float(hi))
        elif op == "Relu":
            y = torch.relu(x[0])
        elif op == "Add":
            y = x[0] + x[1]
        elif op == "Sub":
            y = x[0] - x[1]
        elif op == "Mul":
            y = x[0] * x[1]
        elif op == "Div":
            y = x[0] / x[1]
        elif op == "Concat":
            y = torch.cat(x, a["axis"])
        elif op == "Resize":
            assert a.get("mode", "nearest") == "nearest"
            assert a.get("coordinate_transformation_mode") == "asymmetric"
            s = x[2].tolist()
            H, W = x[0].shape[2], x[0].shape[3]
            oh, ow = int(np.floor(H * s[2])), int(np.floor(W * s[3]))
            iy = torch.clamp((torch.arange(oh) / s[2]).floor().long(), max=H - 1)
            ix = torch.clamp((torch.arange(ow) / s[3]).floor().long(), max=W - 1)
            y = x[0][:, :, iy][:, :, :, ix]
        elif op == "GlobalAveragePool":
            y = x[0].mean(dim=(2, 3), keepdim=True)
        elif op == "Softmax":
            y = torch.softmax(x[0], a.get("axis", -1))
        elif op == "Cast":
            assert a["to"] == 1
            y = x[0].float()
        elif op == "DequantizeLinear":
            q = x[0].float()
            s = x[1].float()
            z = x[2].float() if len(x) > 2 else torch.zeros_like(s)
            if s.numel() > 1:
                shape = [1] * q.dim()
                shape[a.get("axis", 1)] = -1
                s, z = s.reshape(shape), z.reshape(shape)
            y = (q - z) * s
        elif op == "Pad":
            p = x[1].tolist()
            r = len(p) // 2
            pads = []
            for d in reversed(range(r)):
                pads += [p[d], p[d + r]]
            y = F.pad(x[0], pads)
        elif op == "Identity":
            y = x[0]
        else:
            raise NotImplementedError(op)
        env[n.output[0]] = y
    return {o.name: env[o.name].numpy() for o in model.graph.output}
