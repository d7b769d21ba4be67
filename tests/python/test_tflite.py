"""The TFLite reader on a tiny flatbuffer built here by an independent writer, and the
TFLite -> PyTorch weight layout."""
import struct

import numpy as np
import torch

from colorizer.mobilenet import ConvAct, MobileNetV2, conv_layers
from colorizer.tflite import TFLiteModel


class FlatWriter:
    """Writes objects front to back: a table is preceded by its vtable, its sub-objects
    follow it (uoffsets point forward). Values: ('b'|'i'|'I'|'f', x) scalars,
    ('vec', fmt, list), ('str', s), ('tables', [dict]), dict = sub-table."""

    def __init__(self):
        self.buf = bytearray()

    def _align(self, n=4):
        while len(self.buf) % n:
            self.buf += b"\0"

    def build(self, root):
        self.buf += b"\0\0\0\0"
        pos = self.table(root)
        struct.pack_into("<I", self.buf, 0, pos)
        return bytes(self.buf)

    def table(self, fields):
        n = max(fields) + 1 if fields else 0
        self._align(4)
        vt = len(self.buf)
        off = 4
        offsets = [0] * n
        for k in sorted(fields):
            offsets[k] = off
            off += 4
        self.buf += struct.pack("<HH", 4 + 2 * n, off) + struct.pack("<%dH" % n, *offsets)
        self._align(4)
        tpos = len(self.buf)
        self.buf += struct.pack("<i", tpos - vt)
        later = []
        for k in sorted(fields):
            v = fields[k]
            if isinstance(v, tuple) and v[0] in ("b", "i", "I", "f"):
                self.buf += struct.pack("<" + v[0], v[1]).ljust(4, b"\0")
            else:
                later.append((len(self.buf), v))
                self.buf += b"\0\0\0\0"
        for slot, v in later:
            p = self.obj(v)
            struct.pack_into("<I", self.buf, slot, p - slot)
        return tpos

    def obj(self, v):
        if isinstance(v, dict):
            return self.table(v)
        kind = v[0]
        self._align(8)
        if kind == "str":
            b = v[1].encode()
            p = len(self.buf)
            self.buf += struct.pack("<I", len(b)) + b + b"\0"
            return p
        if kind == "vec":
            p = len(self.buf)
            data = struct.pack("<%d%s" % (len(v[2]), v[1]), *v[2])
            self.buf += struct.pack("<I", len(v[2])) + data
            return p
        if kind == "tables":
            p = len(self.buf)
            self.buf += struct.pack("<I", len(v[1]))
            slots = []
            for _ in v[1]:
                slots.append(len(self.buf))
                self.buf += b"\0\0\0\0"
            for slot, t in zip(slots, v[1]):
                q = self.table(t)
                struct.pack_into("<I", self.buf, slot, q - slot)
            return p
        raise ValueError(kind)


def _model_bytes(q, scale, zp, qdim=0):
    # schema.fbs field ids: Model{version 0, operator_codes 1, subgraphs 2, buffers 4},
    # Tensor{shape 0, type 1, buffer 2, name 3, quantization 4},
    # QuantizationParameters{scale 2, zero_point 3, quantized_dimension 6}, Buffer{data 0},
    # Operator{opcode_index 0, inputs 1, outputs 2}, OperatorCode{deprecated 0, builtin 3}
    bias = np.array([100, -50], np.int32)
    tensors = [
        {0: ("vec", "i", [1, 4, 4, 3]), 1: ("b", 3), 2: ("I", 0), 3: ("str", "input")},
        {0: ("vec", "i", list(q.shape)), 1: ("b", 3), 2: ("I", 1), 3: ("str", "w"),
         4: {2: ("vec", "f", list(scale)), 3: ("vec", "q", list(zp)), 6: ("i", qdim)}},
        {0: ("vec", "i", [2]), 1: ("b", 2), 2: ("I", 2), 3: ("str", "b"),
         4: {2: ("vec", "f", [0.5]), 3: ("vec", "q", [0])}},
        {0: ("vec", "i", [1, 4, 4, 2]), 1: ("b", 3), 2: ("I", 0), 3: ("str", "out")},
    ]
    return FlatWriter().build({
        0: ("I", 3),
        1: ("tables", [{0: ("b", 3), 3: ("i", 3)}]),
        2: ("tables", [{0: ("tables", tensors), 1: ("vec", "i", [0]), 2: ("vec", "i", [3]),
                        3: ("tables", [{0: ("I", 0), 1: ("vec", "i", [0, 1, 2]),
                                        2: ("vec", "i", [3])}])}]),
        4: ("tables", [{}, {0: ("vec", "B", list(q.tobytes()))},
                       {0: ("vec", "B", list(bias.tobytes()))}]),
    })


def test_reads_tensors_and_operators():
    q = np.arange(6, dtype=np.uint8).reshape(2, 1, 1, 3) * 40
    m = TFLiteModel(_model_bytes(q, [0.25], [128]))
    assert m.version == 3
    assert m.inputs == [0] and m.outputs == [3]
    assert [t.name for t in m.tensors] == ["input", "w", "b", "out"]
    assert m.operators == [("CONV_2D", [0, 1, 2], [3])]
    w = m.tensors[1]
    assert w.shape == (2, 1, 1, 3) and w.data.dtype == np.uint8
    np.testing.assert_array_equal(w.data, q)
    # w = scale * (q - zero_point), per tensor
    expect = 0.25 * (q.astype(np.float64) - 128)
    np.testing.assert_allclose(w.dequantize(), expect)
    np.testing.assert_allclose(m.tensors[2].dequantize(), [50.0, -25.0])
    assert m.tensors[0].data is None


def test_per_axis_dequantization():
    q = np.array([10, 20, 30, 40, 50, 60], np.uint8).reshape(2, 1, 1, 3)
    m = TFLiteModel(_model_bytes(q, [0.5, 2.0], [10, 20], qdim=0))
    w = m.tensors[1].dequantize()
    np.testing.assert_allclose(w[0].ravel(), 0.5 * (np.array([10, 20, 30]) - 10))
    np.testing.assert_allclose(w[1].ravel(), 2.0 * (np.array([40, 50, 60]) - 20))


def test_mobilenet_shape_and_conv_order():
    net = MobileNetV2()
    convs = conv_layers(net)
    assert len(convs) == 53                       # 52 in the features + the classifier
    assert convs[0].weight.shape == (32, 3, 3, 3)
    assert convs[1].groups == 32                  # first depthwise conv
    assert convs[-1].weight.shape == (1001, 1280, 1, 1)
    out = net(torch.zeros(1, 3, 224, 224))
    assert out.shape == (1, 1001)


def test_same_padding_matches_tensorflow():
    # TF SAME, stride 2, even input: no padding before, one after.
    layer = ConvAct(1, 1, 3, 2, act=False)
    conv = layer.conv
    with torch.no_grad():
        conv.weight.zero_()
        conv.weight[0, 0, 0, 0] = 1.0          # picks the top-left tap
        conv.bias.zero_()
    x = torch.arange(16.0).reshape(1, 1, 4, 4)
    with torch.no_grad():
        y = layer(x)
    assert y.shape == (1, 1, 2, 2)
    # output (i, j) sees input rows 2i..2i+2 with no offset: top-left tap = x[2i, 2j]
    np.testing.assert_array_equal(y[0, 0].numpy(), x[0, 0, ::2, ::2].numpy())
