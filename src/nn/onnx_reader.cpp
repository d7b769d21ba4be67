// Protobuf wire-format reader for the subset of onnx.proto the engine needs. Field numbers
// are those of onnx/onnx.proto (IR version 3..9). Every read is bounds-checked; see onnx.h.
#include <cmath>
#include <cstring>
#include <fstream>
#include <new>

#include "colorize/nn/onnx.h"

namespace colorize::nn {
namespace {

// ONNX TensorProto.DataType numbers as they appear in files.
enum OnnxType {
  kOnnxFloat = 1,
  kOnnxUInt8 = 2,
  kOnnxInt8 = 3,
  kOnnxUInt16 = 4,
  kOnnxInt16 = 5,
  kOnnxInt32 = 6,
  kOnnxInt64 = 7,
  kOnnxString = 8,
  kOnnxBool = 9,
  kOnnxFloat16 = 10,
  kOnnxDouble = 11,
};

enum Wire { kVarint = 0, kFixed64 = 1, kLen = 2, kFixed32 = 5 };

Status corrupt(const std::string& what) {
  return Status(ErrorCode::kCorruptModel, "malformed ONNX file: " + what);
}

// A cursor over [p, end). All reads fail (return false) instead of running past `end`.
class Reader {
 public:
  Reader(const uint8_t* p, size_t n) : p_(p), end_(p + n) {}
  bool done() const { return p_ >= end_; }

  bool varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ >= end_) return false;
      uint8_t b = *p_++;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;  // more than 10 bytes
  }
  bool tag(uint32_t& field, int& wire) {
    uint64_t v;
    if (!varint(v)) return false;
    field = static_cast<uint32_t>(v >> 3);
    wire = static_cast<int>(v & 7);
    return field != 0 && (v >> 3) <= 0x1fffffff;
  }
  bool fixed32(uint32_t& v) {
    if (end_ - p_ < 4) return false;
    v = uint32_t(p_[0]) | uint32_t(p_[1]) << 8 | uint32_t(p_[2]) << 16 | uint32_t(p_[3]) << 24;
    p_ += 4;
    return true;
  }
  bool fixed64(uint64_t& v) {
    uint32_t lo, hi;
    if (!fixed32(lo) || !fixed32(hi)) return false;
    v = uint64_t(lo) | uint64_t(hi) << 32;
    return true;
  }
  // A length-delimited payload: [*data, *data + n) lies inside the buffer.
  bool bytes(const uint8_t*& data, size_t& n) {
    uint64_t len;
    if (!varint(len)) return false;
    if (len > static_cast<uint64_t>(end_ - p_)) return false;
    data = p_;
    n = static_cast<size_t>(len);
    p_ += n;
    return true;
  }
  bool skip(int wire) {
    uint64_t v;
    uint32_t v32;
    const uint8_t* d;
    size_t n;
    switch (wire) {
      case kVarint:
        return varint(v);
      case kFixed64:
        return fixed64(v);
      case kFixed32:
        return fixed32(v32);
      case kLen:
        return bytes(d, n);
      default:
        return false;  // groups (3, 4) are not used by onnx.proto
    }
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

bool read_string(Reader& r, std::string& s) {
  const uint8_t* d;
  size_t n;
  if (!r.bytes(d, n)) return false;
  s.assign(reinterpret_cast<const char*>(d), n);
  return true;
}

// Repeated scalar fields arrive packed (wire type 2) or one per tag; accept both.
bool read_ints(Reader& r, int wire, std::vector<int64_t>& out) {
  uint64_t v;
  if (wire == kVarint) {
    if (!r.varint(v)) return false;
    out.push_back(static_cast<int64_t>(v));
    return true;
  }
  if (wire != kLen) return false;
  const uint8_t* d;
  size_t n;
  if (!r.bytes(d, n)) return false;
  Reader sub(d, n);
  while (!sub.done()) {
    if (!sub.varint(v)) return false;
    out.push_back(static_cast<int64_t>(v));
  }
  return true;
}

bool read_floats(Reader& r, int wire, std::vector<float>& out) {
  uint32_t v;
  auto push = [&](uint32_t bits) {
    float f;
    std::memcpy(&f, &bits, 4);
    out.push_back(f);
  };
  if (wire == kFixed32) {
    if (!r.fixed32(v)) return false;
    push(v);
    return true;
  }
  if (wire != kLen) return false;
  const uint8_t* d;
  size_t n;
  if (!r.bytes(d, n) || n % 4 != 0) return false;
  Reader sub(d, n);
  out.reserve(out.size() + n / 4);
  while (!sub.done()) {
    if (!sub.fixed32(v)) return false;
    push(v);
  }
  return true;
}

bool read_doubles(Reader& r, int wire, std::vector<double>& out) {
  uint64_t v;
  auto push = [&](uint64_t bits) {
    double x;
    std::memcpy(&x, &bits, 8);
    out.push_back(x);
  };
  if (wire == kFixed64) {
    if (!r.fixed64(v)) return false;
    push(v);
    return true;
  }
  if (wire != kLen) return false;
  const uint8_t* d;
  size_t n;
  if (!r.bytes(d, n) || n % 8 != 0) return false;
  Reader sub(d, n);
  while (!sub.done()) {
    if (!sub.fixed64(v)) return false;
    push(v);
  }
  return true;
}

float half_to_float(uint16_t h) {
  const int sign = (h >> 15) & 1;
  const int exp = (h >> 10) & 0x1f;
  const int mant = h & 0x3ff;
  float v;
  if (exp == 0) {
    v = std::ldexp(static_cast<float>(mant), -24);  // zero or subnormal
  } else if (exp == 31) {
    v = mant ? NAN : INFINITY;
  } else {
    v = std::ldexp(static_cast<float>(mant | 0x400), exp - 25);
  }
  return sign ? -v : v;
}

// Maps an ONNX element type to the engine's storage type; kUndefined when not kept.
DType storage_type(int64_t onnx_type) {
  switch (onnx_type) {
    case kOnnxFloat:
    case kOnnxFloat16:
    case kOnnxDouble:
      return DType::kFloat32;
    case kOnnxUInt8:
      return DType::kUInt8;
    case kOnnxInt8:
      return DType::kInt8;
    case kOnnxInt32:
      return DType::kInt32;
    case kOnnxInt64:
      return DType::kInt64;
    case kOnnxBool:
      return DType::kBool;
    default:
      return DType::kUndefined;
  }
}

const char* onnx_type_name(int64_t t) {
  static const char* names[] = {"undefined",  "float32", "uint8",  "int8",   "uint16",
                                "int16",      "int32",   "int64",  "string", "bool",
                                "float16",    "float64", "uint32", "uint64", "complex64",
                                "complex128", "bfloat16"};
  if (t >= 0 && t < 17) return names[t];
  return "unknown";
}

uint64_t le_bytes(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int k = 0; k < n; ++k) v |= uint64_t(p[k]) << (8 * k);
  return v;
}

Status parse_tensor(const uint8_t* data, size_t size, Tensor& out, std::string* name_out) {
  Reader r(data, size);
  std::vector<int64_t> dims;
  int64_t type = 0;
  std::string name;
  const uint8_t* raw = nullptr;
  size_t raw_n = 0;
  bool has_raw = false;
  std::vector<float> float_data;
  std::vector<int64_t> int32_data, int64_data;
  std::vector<double> double_data;
  int64_t location = 0;
  while (!r.done()) {
    uint32_t field;
    int wire;
    if (!r.tag(field, wire)) return corrupt("bad tag in a tensor");
    bool ok = true;
    uint64_t v = 0;
    switch (field) {
      case 1:
        ok = read_ints(r, wire, dims);
        break;
      case 2:
        ok = wire == kVarint && r.varint(v);
        type = static_cast<int64_t>(v);
        break;
      case 4:
        ok = read_floats(r, wire, float_data);
        break;
      case 5:
        ok = read_ints(r, wire, int32_data);
        break;
      case 7:
        ok = read_ints(r, wire, int64_data);
        break;
      case 8:
        ok = wire == kLen && read_string(r, name);
        break;
      case 9:
        ok = wire == kLen && r.bytes(raw, raw_n);
        has_raw = ok;
        break;
      case 10:
        ok = read_doubles(r, wire, double_data);
        break;
      case 14:
        ok = wire == kVarint && r.varint(v);
        location = static_cast<int64_t>(v);
        break;
      case 3:
      case 6:
      case 11:
      case 13:
        // segment, string_data, uint64_data, external_data: not supported; note external.
        if (field == 13) location = 1;
        ok = r.skip(wire);
        if (field == 6) type = kOnnxString;
        break;
      default:
        ok = r.skip(wire);
        break;
    }
    if (!ok)
      return corrupt("truncated or invalid field " + std::to_string(field) + " in tensor '" + name +
                     "'");
  }
  if (name_out) *name_out = name;
  const std::string who = "tensor '" + name + "'";
  if (location == 1) {
    return Status(ErrorCode::kUnsupported,
                  who + " keeps its data in an external file; save the model as one file");
  }
  const DType dt = storage_type(type);
  if (dt == DType::kUndefined) {
    return Status(ErrorCode::kUnsupported, who + " has element type " + onnx_type_name(type) +
                                               ", which the engine does not read");
  }
  for (int64_t d : dims) {
    if (d < 0) return corrupt(who + " has a negative dimension");
  }
  const int64_t n = shape_numel(dims);
  if (n < 0) return Status(ErrorCode::kTooLarge, who + " is too large: " + shape_string(dims));
  out = Tensor();
  out.dtype = dt;
  out.shape = dims;
  const size_t count = static_cast<size_t>(n);
  int elem = 0;
  switch (type) {
    case kOnnxFloat:
    case kOnnxInt32:
      elem = 4;
      break;
    case kOnnxFloat16:
      elem = 2;
      break;
    case kOnnxDouble:
    case kOnnxInt64:
      elem = 8;
      break;
    default:
      elem = 1;
      break;
  }
  auto mismatch = [&](size_t have) {
    return corrupt(who + " of shape " + shape_string(dims) + " holds " + std::to_string(have) +
                   " values, expected " + std::to_string(count));
  };
  try {
    if (has_raw) {
      if (raw_n != count * static_cast<size_t>(elem)) return mismatch(raw_n / elem);
      if (dt == DType::kFloat32) {
        out.f.resize(count);
        for (size_t k = 0; k < count; ++k) {
          const uint8_t* q = raw + k * elem;
          if (type == kOnnxFloat) {
            uint32_t bits = static_cast<uint32_t>(le_bytes(q, 4));
            std::memcpy(&out.f[k], &bits, 4);
          } else if (type == kOnnxFloat16) {
            out.f[k] = half_to_float(static_cast<uint16_t>(le_bytes(q, 2)));
          } else {
            uint64_t bits = le_bytes(q, 8);
            double x;
            std::memcpy(&x, &bits, 8);
            out.f[k] = static_cast<float>(x);
          }
        }
      } else {
        out.i.resize(count);
        for (size_t k = 0; k < count; ++k) {
          const uint8_t* q = raw + k * elem;
          switch (type) {
            case kOnnxInt8:
              out.i[k] = static_cast<int8_t>(q[0]);
              break;
            case kOnnxUInt8:
              out.i[k] = q[0];
              break;
            case kOnnxBool:
              out.i[k] = q[0] != 0;
              break;
            case kOnnxInt32:
              out.i[k] = static_cast<int32_t>(le_bytes(q, 4));
              break;
            default:
              out.i[k] = static_cast<int64_t>(le_bytes(q, 8));
              break;
          }
        }
      }
      return Status::Ok();
    }
    switch (type) {
      case kOnnxFloat:
        if (float_data.size() != count) return mismatch(float_data.size());
        out.f = std::move(float_data);
        break;
      case kOnnxDouble:
        if (double_data.size() != count) return mismatch(double_data.size());
        out.f.assign(double_data.begin(), double_data.end());
        break;
      case kOnnxFloat16:
        if (int32_data.size() != count) return mismatch(int32_data.size());
        out.f.resize(count);
        for (size_t k = 0; k < count; ++k)
          out.f[k] = half_to_float(static_cast<uint16_t>(int32_data[k]));
        break;
      case kOnnxInt64:
        if (int64_data.size() != count) return mismatch(int64_data.size());
        out.i = std::move(int64_data);
        break;
      default:  // int32, int8, uint8, bool all travel in int32_data
        if (int32_data.size() != count) return mismatch(int32_data.size());
        out.i.resize(count);
        for (size_t k = 0; k < count; ++k) {
          const int32_t x = static_cast<int32_t>(int32_data[k]);
          out.i[k] = type == kOnnxInt8    ? static_cast<int8_t>(x)
                     : type == kOnnxUInt8 ? static_cast<uint8_t>(x)
                     : type == kOnnxBool  ? (x != 0)
                                          : x;
        }
        break;
    }
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::kOutOfMemory, "out of memory reading " + who);
  }
  return Status::Ok();
}

Status parse_attribute(const uint8_t* data, size_t size, std::string& name, Attribute& a) {
  Reader r(data, size);
  int64_t type = 0;
  bool has_t = false;
  const uint8_t* tdata = nullptr;
  size_t tn = 0;
  while (!r.done()) {
    uint32_t field;
    int wire;
    if (!r.tag(field, wire)) return corrupt("bad tag in an attribute");
    bool ok = true;
    uint64_t v = 0;
    uint32_t v32 = 0;
    switch (field) {
      case 1:
        ok = wire == kLen && read_string(r, name);
        break;
      case 2:
        ok = wire == kFixed32 && r.fixed32(v32);
        std::memcpy(&a.f, &v32, 4);
        break;
      case 3:
        ok = wire == kVarint && r.varint(v);
        a.i = static_cast<int64_t>(v);
        break;
      case 4:
        ok = wire == kLen && read_string(r, a.s);
        break;
      case 5:
        ok = wire == kLen && r.bytes(tdata, tn);
        has_t = ok;
        break;
      case 7:
        ok = read_floats(r, wire, a.floats);
        break;
      case 8:
        ok = read_ints(r, wire, a.ints);
        break;
      case 9: {
        std::string s;
        ok = wire == kLen && read_string(r, s);
        a.strings.push_back(std::move(s));
        break;
      }
      case 20:
        ok = wire == kVarint && r.varint(v);
        type = static_cast<int64_t>(v);
        break;
      default:
        ok = r.skip(wire);
        break;  // graphs, tensors lists, type protos: not parsed
    }
    if (!ok)
      return corrupt("truncated or invalid field " + std::to_string(field) + " in attribute '" +
                     name + "'");
  }
  switch (type) {
    case 1:
      a.kind = Attribute::Kind::kFloat;
      break;
    case 2:
      a.kind = Attribute::Kind::kInt;
      break;
    case 3:
      a.kind = Attribute::Kind::kString;
      break;
    case 4:
      a.kind = Attribute::Kind::kTensor;
      break;
    case 6:
      a.kind = Attribute::Kind::kFloats;
      break;
    case 7:
      a.kind = Attribute::Kind::kInts;
      break;
    case 8:
      a.kind = Attribute::Kind::kStrings;
      break;
    case 0:
      return corrupt("attribute '" + name + "' has no type");
    default:
      a.kind = Attribute::Kind::kOther;
      break;
  }
  if (a.kind == Attribute::Kind::kTensor) {
    if (!has_t) return corrupt("tensor attribute '" + name + "' has no tensor");
    Status s = parse_tensor(tdata, tn, a.t, nullptr);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status parse_node(const uint8_t* data, size_t size, NodeDef& node) {
  Reader r(data, size);
  while (!r.done()) {
    uint32_t field;
    int wire;
    if (!r.tag(field, wire)) return corrupt("bad tag in a node");
    bool ok = true;
    std::string s;
    switch (field) {
      case 1:
        ok = wire == kLen && read_string(r, s);
        node.inputs.push_back(s);
        break;
      case 2:
        ok = wire == kLen && read_string(r, s);
        node.outputs.push_back(s);
        break;
      case 3:
        ok = wire == kLen && read_string(r, node.name);
        break;
      case 4:
        ok = wire == kLen && read_string(r, node.op_type);
        break;
      case 7:
        ok = wire == kLen && read_string(r, node.domain);
        break;
      case 5: {
        const uint8_t* d;
        size_t n;
        ok = wire == kLen && r.bytes(d, n);
        if (ok) {
          std::string name;
          Attribute a;
          Status st = parse_attribute(d, n, name, a);
          if (!st.ok()) return st;
          node.attrs[name] = std::move(a);
        }
        break;
      }
      default:
        ok = r.skip(wire);
        break;
    }
    if (!ok)
      return corrupt("truncated or invalid field " + std::to_string(field) + " in node '" +
                     node.name + "'");
  }
  return Status::Ok();
}

// TypeProto -> tensor_type -> (elem_type, shape -> dim*)
bool parse_type(const uint8_t* data, size_t size, ValueInfo& vi) {
  Reader r(data, size);
  while (!r.done()) {
    uint32_t field;
    int wire;
    if (!r.tag(field, wire)) return false;
    if (field != 1 || wire != kLen) {
      if (!r.skip(wire)) return false;
      continue;
    }
    const uint8_t* td;
    size_t tn;
    if (!r.bytes(td, tn)) return false;
    Reader t(td, tn);
    while (!t.done()) {
      uint32_t f2;
      int w2;
      if (!t.tag(f2, w2)) return false;
      uint64_t v;
      if (f2 == 1 && w2 == kVarint) {
        if (!t.varint(v)) return false;
        vi.dtype = storage_type(static_cast<int64_t>(v));
        if (v == kOnnxFloat16 || v == kOnnxDouble) vi.dtype = DType::kUndefined;
      } else if (f2 == 2 && w2 == kLen) {
        const uint8_t* sd;
        size_t sn;
        if (!t.bytes(sd, sn)) return false;
        vi.has_shape = true;
        Reader s(sd, sn);
        while (!s.done()) {
          uint32_t f3;
          int w3;
          if (!s.tag(f3, w3)) return false;
          if (f3 != 1 || w3 != kLen) {
            if (!s.skip(w3)) return false;
            continue;
          }
          const uint8_t* dd;
          size_t dn;
          if (!s.bytes(dd, dn)) return false;
          Reader dim(dd, dn);
          int64_t value = -1;
          while (!dim.done()) {
            uint32_t f4;
            int w4;
            if (!dim.tag(f4, w4)) return false;
            if (f4 == 1 && w4 == kVarint) {
              if (!dim.varint(v)) return false;
              value = static_cast<int64_t>(v);
              if (value < 0) value = -1;
            } else if (!dim.skip(w4)) {
              return false;
            }
          }
          if (vi.shape.size() > 64) return false;
          vi.shape.push_back(value);
        }
      } else if (!t.skip(w2)) {
        return false;
      }
    }
  }
  return true;
}

Status parse_value_info(const uint8_t* data, size_t size, ValueInfo& vi) {
  Reader r(data, size);
  while (!r.done()) {
    uint32_t field;
    int wire;
    if (!r.tag(field, wire)) return corrupt("bad tag in a value info");
    bool ok = true;
    if (field == 1 && wire == kLen) {
      ok = read_string(r, vi.name);
    } else if (field == 2 && wire == kLen) {
      const uint8_t* d;
      size_t n;
      ok = r.bytes(d, n) && parse_type(d, n, vi);
    } else {
      ok = r.skip(wire);
    }
    if (!ok) return corrupt("invalid type of graph input/output '" + vi.name + "'");
  }
  return Status::Ok();
}

Status parse_graph(const uint8_t* data, size_t size, Model& m) {
  Reader r(data, size);
  std::vector<ValueInfo> inputs;
  while (!r.done()) {
    uint32_t field;
    int wire;
    if (!r.tag(field, wire)) return corrupt("bad tag in the graph");
    if (wire != kLen || (field != 1 && field != 5 && field != 11 && field != 12 && field != 15)) {
      if (!r.skip(wire)) return corrupt("truncated graph");
      continue;
    }
    const uint8_t* d;
    size_t n;
    if (!r.bytes(d, n)) return corrupt("truncated graph field " + std::to_string(field));
    Status st;
    if (field == 1) {
      NodeDef node;
      st = parse_node(d, n, node);
      if (st.ok()) m.nodes.push_back(std::move(node));
    } else if (field == 5) {
      Tensor t;
      std::string name;
      st = parse_tensor(d, n, t, &name);
      if (st.ok()) {
        if (name.empty()) return corrupt("an initializer has no name");
        m.initializers[name] = std::move(t);
      }
    } else if (field == 15) {
      return Status(ErrorCode::kUnsupported, "sparse initializers are not supported");
    } else {
      ValueInfo vi;
      st = parse_value_info(d, n, vi);
      if (st.ok()) (field == 11 ? inputs : m.outputs).push_back(std::move(vi));
    }
    if (!st.ok()) return st;
  }
  // Older exporters list initializers among the inputs; keep only true inputs.
  for (auto& vi : inputs) {
    if (!m.initializers.count(vi.name)) m.inputs.push_back(std::move(vi));
  }
  return Status::Ok();
}

}  // namespace

Result<Model> parse_onnx(const uint8_t* data, size_t size) {
  if (size == 0 || data == nullptr)
    return Result<Model>(ErrorCode::kEmptyInput, "the model file is empty");
  Model m;
  Reader r(data, size);
  bool has_graph = false;
  bool has_default_opset = false;
  try {
    while (!r.done()) {
      uint32_t field;
      int wire;
      if (!r.tag(field, wire)) return corrupt("not an ONNX model (bad protobuf tag)");
      uint64_t v;
      const uint8_t* d;
      size_t n;
      bool ok = true;
      if (field == 1 && wire == kVarint) {
        ok = r.varint(v);
        m.ir_version = static_cast<int64_t>(v);
      } else if (field == 2 && wire == kLen) {
        ok = read_string(r, m.producer);
      } else if (field == 8 && wire == kLen) {
        ok = r.bytes(d, n);
        if (ok) {
          Reader o(d, n);
          std::string domain;
          int64_t version = 0;
          while (ok && !o.done()) {
            uint32_t f2;
            int w2;
            ok = o.tag(f2, w2);
            if (!ok) break;
            if (f2 == 1 && w2 == kLen)
              ok = read_string(o, domain);
            else if (f2 == 2 && w2 == kVarint) {
              ok = o.varint(v);
              version = static_cast<int64_t>(v);
            } else
              ok = o.skip(w2);
          }
          if (ok && (domain.empty() || domain == "ai.onnx")) {
            m.opset = version;
            has_default_opset = true;
          }
        }
      } else if (field == 7 && wire == kLen) {
        ok = r.bytes(d, n);
        if (ok) {
          if (has_graph) return corrupt("more than one graph");
          has_graph = true;
          Status st = parse_graph(d, n, m);
          if (!st.ok()) return st;
        }
      } else {
        ok = r.skip(wire);
      }
      if (!ok) return corrupt("truncated or invalid model field " + std::to_string(field));
    }
  } catch (const std::bad_alloc&) {
    return Result<Model>(ErrorCode::kOutOfMemory, "out of memory while reading the model");
  }
  if (!has_graph) return corrupt("no graph (is this an ONNX model?)");
  if (m.ir_version <= 0) return corrupt("no IR version (is this an ONNX model?)");
  if (!has_default_opset) m.opset = 1;
  return m;
}

Result<Model> load_onnx_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Result<Model>(ErrorCode::kIo, "cannot open model file '" + path + "'");
  std::vector<uint8_t> bytes;
  try {
    in.seekg(0, std::ios::end);
    const std::streamoff n = in.tellg();
    if (n < 0) return Result<Model>(ErrorCode::kIo, "cannot read model file '" + path + "'");
    in.seekg(0, std::ios::beg);
    bytes.resize(static_cast<size_t>(n));
    if (n > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), n)) {
      return Result<Model>(ErrorCode::kIo, "cannot read model file '" + path + "'");
    }
  } catch (const std::exception&) {
    return Result<Model>(ErrorCode::kOutOfMemory, "model file '" + path + "' is too large");
  }
  Result<Model> m = parse_onnx(bytes.data(), bytes.size());
  if (!m.ok()) {
    return Result<Model>(m.status().code(), path + ": " + m.status().message());
  }
  return m;
}

}  // namespace colorize::nn
