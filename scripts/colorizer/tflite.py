"""A minimal reader for TFLite flatbuffers: just enough to pull tensors, quantization
parameters and the operator sequence out of a .tflite model, no tflite/flatbuffers package.

FlatBuffers layout (little endian): the file starts with a uoffset (u32) to the root table.
A table starts with an soffset (i32); vtable = table_pos - soffset. The vtable holds u16
vtable size, u16 table size, then one u16 per field: the field's offset inside the table
(0 = absent). Offsets to sub-objects (tables, vectors, strings) are u32 relative to where
they are stored. A vector is a u32 length followed by the elements.
Field indices below follow TFLite's schema.fbs (Model, SubGraph, Tensor, Buffer, ...).
"""
import struct

import numpy as np

# TensorType enum -> numpy dtype
TENSOR_TYPES = {0: np.float32, 1: np.float16, 2: np.int32, 3: np.uint8, 4: np.int64,
                7: np.int16, 9: np.int8}
# BuiltinOperator codes used by MobileNet-style models
BUILTIN_NAMES = {0: "ADD", 1: "AVERAGE_POOL_2D", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D",
                 6: "DEQUANTIZE", 9: "FULLY_CONNECTED", 14: "LOGISTIC", 17: "MAX_POOL_2D",
                 19: "RELU", 21: "RELU6", 22: "RESHAPE", 25: "SOFTMAX", 114: "QUANTIZE"}


class Table:
    """A view of one flatbuffer table inside `buf` at absolute position `pos`."""

    def __init__(self, buf, pos):
        self.buf = buf
        self.pos = pos
        vt = pos - struct.unpack_from("<i", buf, pos)[0]
        vt_size = struct.unpack_from("<H", buf, vt)[0]
        n = (vt_size - 4) // 2
        self.fields = struct.unpack_from("<%dH" % n, buf, vt + 4) if n > 0 else ()

    def _off(self, i):
        return self.fields[i] if i < len(self.fields) else 0

    def has(self, i):
        return self._off(i) != 0

    def scalar(self, i, fmt, default=0):
        o = self._off(i)
        return struct.unpack_from("<" + fmt, self.buf, self.pos + o)[0] if o else default

    def _deref(self, i):
        o = self._off(i)
        if not o:
            return None
        p = self.pos + o
        return p + struct.unpack_from("<I", self.buf, p)[0]

    def table(self, i):
        p = self._deref(i)
        return None if p is None else Table(self.buf, p)

    def vector_pos(self, i):
        """(position of the first element, length) or (None, 0)."""
        p = self._deref(i)
        if p is None:
            return None, 0
        return p + 4, struct.unpack_from("<I", self.buf, p)[0]

    def vector(self, i, fmt):
        p, n = self.vector_pos(i)
        if p is None:
            return np.zeros(0, dtype=np.dtype("<" + fmt))
        return np.frombuffer(self.buf, dtype=np.dtype("<" + fmt), count=n, offset=p).copy()

    def tables(self, i):
        p, n = self.vector_pos(i)
        out = []
        for k in range(n):
            q = p + 4 * k
            out.append(Table(self.buf, q + struct.unpack_from("<I", self.buf, q)[0]))
        return out

    def string(self, i):
        p, n = self.vector_pos(i)
        return "" if p is None else bytes(self.buf[p:p + n]).decode("utf-8", "replace")


class TFLiteTensor:
    def __init__(self, name, shape, dtype, data, scale, zero_point, quantized_dimension):
        self.name = name
        self.shape = tuple(int(s) for s in shape)
        self.dtype = dtype
        self.data = data                # raw numpy array in the stored dtype, or None
        self.scale = scale              # float32 array (len 1 = per tensor, else per axis)
        self.zero_point = zero_point    # int64 array
        self.quantized_dimension = quantized_dimension

    def dequantize(self):
        """float32 weights: w = scale * (q - zero_point), per tensor or along the stored axis."""
        if self.data is None:
            raise ValueError("tensor %s has no constant data" % self.name)
        q = self.data.astype(np.float64)
        if self.dtype in (np.float32, np.float16) or len(self.scale) == 0:
            return q.astype(np.float32)
        if len(self.scale) == 1:
            return (self.scale[0] * (q - self.zero_point[0])).astype(np.float32)
        shape = [1] * q.ndim
        shape[self.quantized_dimension] = -1
        s = self.scale.reshape(shape).astype(np.float64)
        z = self.zero_point.reshape(shape).astype(np.float64)
        return (s * (q - z)).astype(np.float32)


class TFLiteModel:
    """tensors: list of TFLiteTensor; operators: list of (op name, input ids, output ids)."""

    def __init__(self, path_or_bytes):
        buf = path_or_bytes
        if isinstance(buf, str):
            with open(buf, "rb") as f:
                buf = f.read()
        self.buf = memoryview(bytes(buf))
        root = Table(self.buf, struct.unpack_from("<I", self.buf, 0)[0])
        self.version = root.scalar(0, "I")
        opcodes = []
        for oc in root.tables(1):
            code = oc.scalar(3, "i", 0)
            code = max(code, oc.scalar(0, "b", 0))  # deprecated_builtin_code for old files
            opcodes.append(BUILTIN_NAMES.get(code, "OP_%d" % code))
        buffers = []
        for b in root.tables(4):
            p, n = b.vector_pos(0)
            buffers.append(None if p is None or n == 0 else (p, n))
        sub = root.tables(2)[0]
        self.tensors = []
        for t in sub.tables(0):
            dtype = TENSOR_TYPES.get(t.scalar(1, "b", 0), np.float32)
            shape = t.vector(0, "i4")
            bidx = t.scalar(2, "I", 0)
            data = None
            if bidx < len(buffers) and buffers[bidx] is not None:
                p, n = buffers[bidx]
                data = np.frombuffer(self.buf, dtype=np.dtype(dtype).newbyteorder("<"),
                                     count=n // np.dtype(dtype).itemsize, offset=p)
                data = data.reshape([int(s) for s in shape]) if len(shape) else data
            q = t.table(4)
            if q is not None:
                scale = q.vector(2, "f4")
                zp = q.vector(3, "i8")
                qdim = q.scalar(6, "i", 0)
            else:
                scale, zp, qdim = np.zeros(0, np.float32), np.zeros(0, np.int64), 0
            if len(zp) < len(scale):
                zp = np.zeros(len(scale), np.int64)
            self.tensors.append(TFLiteTensor(t.string(3), shape, dtype, data, scale, zp, qdim))
        self.inputs = list(sub.vector(1, "i4"))
        self.outputs = list(sub.vector(2, "i4"))
        self.operators = []
        for op in sub.tables(3):
            idx = op.scalar(0, "I", 0)
            self.operators.append((opcodes[idx], list(op.vector(1, "i4")),
                                   list(op.vector(2, "i4"))))
