// Reference kernels: data movement and the shape arithmetic PyTorch exports.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ops_common.h"

namespace colorize::nn {

using namespace detail;

namespace {

// Copies element src of `x` to element dst of `o` (same storage kind).
inline void copy_el(const Tensor& x, int64_t src, Tensor& o, int64_t dst) {
  if (is_float(x.dtype))
    o.f[dst] = x.f[src];
  else
    o.i[dst] = x.i[src];
}

Status reshape_to(const GraphNode& n, const Tensor& x, const Shape& s, Tensor& out) {
  if (shape_numel(s) != x.numel()) {
    return node_error(n, "cannot reshape " + shape_string(x.shape) + " to " + shape_string(s));
  }
  out = x;
  out.shape = s;
  return Status::Ok();
}

Status reshape(const GraphNode& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out,
               const KernelContext&) {
  Status s = need_int(n, in, 1);
  if (!s.ok() || !in[0]) return s.ok() ? node_error(n, "missing input") : s;
  const Tensor& x = *in[0];
  Shape t = in[1]->i;
  const bool allowzero = n.attr_int("allowzero", 0) != 0;
  int infer = -1;
  int64_t known = 1;
  for (size_t d = 0; d < t.size(); ++d) {
    if (t[d] == 0 && !allowzero) {
      if (d >= x.shape.size()) return node_error(n, "0 refers to a missing input dimension");
      t[d] = x.shape[d];
    }
    if (t[d] == -1) {
      if (infer >= 0) return node_error(n, "more than one -1 in the shape");
      infer = static_cast<int>(d);
    } else if (t[d] < 0) {
      return node_error(n, "negative dimension in the target shape");
    } else {
      if (t[d] != 0 && known > kMaxElements / t[d])
        return Status(ErrorCode::kTooLarge, n.label() + ": shape too large");
      known *= t[d];
    }
  }
  if (infer >= 0) {
    if (known == 0 || x.numel() % known != 0) {
      return node_error(
          n, "cannot reshape " + shape_string(x.shape) + " to " + shape_string(in[1]->i));
    }
    t[infer] = x.numel() / known;
  }
  return reshape_to(n, x, t, out[0]);
}

Status flatten(const GraphNode& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out,
               const KernelContext&) {
  const Tensor& x = *in[0];
  const int64_t r = x.rank();
  int64_t axis = n.attr_int("axis", 1);
  if (axis < 0) axis += r;
  if (axis < 0 || axis > r) return node_error(n, "axis out of range");
  int64_t a = 1, b = 1;
  for (int64_t d = 0; d < r; ++d) (d < axis ? a : b) *= x.shape[d];
  return reshape_to(n, x, {a, b}, out[0]);
}

Status squeeze_unsqueeze(const GraphNode& n, const std::vector<const Tensor*>& in,
                         std::vector<Tensor>& out, const KernelContext&) {
  const Tensor& x = *in[0];
  std::vector<int64_t> axes = n.attr_ints("axes");
  if (in.size() > 1 && in[1]) {
    Status s = need_int(n, in, 1);
    if (!s.ok()) return s;
    axes = in[1]->i;
  }
  const int64_t r = x.rank();
  if (n.op_type == "Unsqueeze") {
    const int64_t orank = r + static_cast<int64_t>(axes.size());
    std::vector<char> mark(orank, 0);
    for (int64_t a : axes) {
      const int64_t ax = norm_axis(a, orank);
      if (ax < 0 || mark[ax]) return node_error(n, "invalid or repeated axis " + std::to_string(a));
      mark[ax] = 1;
    }
    Shape s;
    size_t k = 0;
    for (int64_t d = 0; d < orank; ++d) s.push_back(mark[d] ? 1 : x.shape[k++]);
    return reshape_to(n, x, s, out[0]);
  }
  std::vector<char> mark(r, 0);
  for (int64_t a : axes) {
    const int64_t ax = norm_axis(a, r);
    if (ax < 0) return node_error(n, "axis " + std::to_string(a) + " out of range");
    if (x.shape[ax] != 1)
      return node_error(
          n, "cannot squeeze axis " + std::to_string(a) + " of " + shape_string(x.shape));
    mark[ax] = 1;
  }
  Shape s;
  for (int64_t d = 0; d < r; ++d) {
    if (axes.empty() ? x.shape[d] == 1 : mark[d]) continue;
    s.push_back(x.shape[d]);
  }
  return reshape_to(n, x, s, out[0]);
}

Status transpose(const GraphNode& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out,
                 const KernelContext&) {
  const Tensor& x = *in[0];
  const int64_t r = x.rank();
  std::vector<int64_t> perm = n.attr_ints("perm");
  if (perm.empty())
    for (int64_t d = r - 1; d >= 0; --d) perm.push_back(d);
  if (static_cast<int64_t>(perm.size()) != r) return node_error(n, "perm has the wrong length");
  std::vector<char> seen(r, 0);
  Shape os(r);
  for (int64_t d = 0; d < r; ++d) {
    if (perm[d] < 0 || perm[d] >= r || seen[perm[d]])
      return node_error(n, "perm is not a permutation");
    seen[perm[d]] = 1;
    os[d] = x.shape[perm[d]];
  }
  Status s = alloc(n, out[0], os, x.dtype);
  if (!s.ok()) return s;
  const auto sx = strides_of(x.shape), so = strides_of(os);
  const int64_t total = shape_numel(os);
  for (int64_t k = 0; k < total; ++k) {
    int64_t rem = k, src = 0;
    for (int64_t d = 0; d < r; ++d) {
      src += (rem / so[d]) * sx[perm[d]];
      rem %= so[d];
    }
    copy_el(x, src, out[0], k);
  }
  return Status::Ok();
}

// Expand and Tile: out[idx] = x[map(idx)].
Status expand(const GraphNode& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out,
              const KernelContext&) {
  Status s = need_int(n, in, 1);
  if (!s.ok()) return s;
  const Tensor& x = *in[0];
  for (int64_t d : in[1]->i)
    if (d < 0) return node_error(n, "negative dimension in shape");
  Result<Shape> os = broadcast_shapes(x.shape, in[1]->i);
  if (!os.ok()) return node_error(n, os.status().message());
  s = alloc(n, out[0], *os, x.dtype);
  if (!s.ok()) return s;
  const auto sx = broadcast_strides(x.shape, *os), so = strides_of(*os);
  const int64_t total = shape_numel(*os);
  for (int64_t k = 0; k < total; ++k) {
    int64_t rem = k, src = 0;
    for (size_t d = 0; d < os->size(); ++d) {
      src += (rem / so[d]) * sx[d];
      rem %= so[d];
    }
    copy_el(x, src, out[0], k);
  }
  return Status::Ok();
}

Status tile(const GraphNode& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out,
            const KernelContext&) {
  Status s = need_int(n, in, 1);
  if (!s.ok()) return s;
  const Tensor& x = *in[0];
  const std::vector<int64_t>& rep = in[1]->i;
  if (static_cast<int64_t>(rep.size()) != x.rank())
    return node_error(n, "repeats must have one value per axis");
  Shape os(x.rank());
  for (int64_t d = 0; d < x.rank(); ++d) {
    if (rep[d] < 0) return node_error(n, "negative repeats");
    if (rep[d] > 0 && x.shape[d] > kMaxElements / rep[d])
      return Status(ErrorCode::kTooLarge, n.label() + ": output too large");
    os[d] = x.shape[d] * rep[d];
  }
  s = alloc(n, out[0], os, x.dtype);
  if (!s.ok()) return s;
  const auto sx = strides_of(x.shape), so = strides_of(os);
  const int64_t total = shape_numel(os);
  for (int64_t k = 0; k < total; ++k) {
    int64_t rem = k, src = 0;
    for (int64_t d = 0; d < x.rank(); ++d) {
      src += ((rem / so[d]) % x.shape[d]) * sx[d];
      rem %= so[d];
    }
    copy_el(x, src, out[0], k);
  }
  return Status::Ok();
}

Status concat(const GraphNode& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out,
              const KernelContext&) {
  for (const Tensor* t : in)
    if (!t) return node_error(n, "missing input");
  const Tensor& x0 = *in[0];
  const int64_t r = x0.rank();
  const int64_t axis = norm_axis(n.attr_int("axis", 0), r);
  if (axis < 0) return node_error(n, "axis out of range");
  Shape os = x0.shape;
  os[axis] = 0;
  for (const Tensor* t : in) {
    if (t->rank() != r || t->dtype != x0.dtype)
      return node_error(n, "inputs differ in rank or type");
    for (int64_t d = 0; d < r; ++d) {
      if (d != axis && t->shape[d] != x0.shape[d]) {
        return node_error(n, "cannot concatenate " + shape_string(x0.shape) + " and " +
                                 shape_string(t->shape) + " along axis " + std::to_string(axis));
      }
    }
    os[axis] += t->shape[axis];
  }
  Status s = alloc(n, out[0], os, x0.dtype);
  if (!s.ok()) return s;
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= os[d];
  for (int64_t d = axis + 1; d < r; ++d) inner *= os[d];
  int64_t off = 0;
  for (const Tensor* t : in) {
    const int64_t len = t->shape[axis] * inner;
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t k = 0; k < len; ++k)
        copy_el(*t, o * len + k, out[0], o * os[axis] * inner + off + k);
    }
    off += len;
  }
  return Status::Ok();
}

Status split(const GraphNode& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out,
             const KernelContext&) {
  const Tensor& x = *in[0];
  const int64_t axis = norm_axis(n.attr_int("axis", 0), x.rank());
  if (axis < 0) return node_error(n, "axis out of range");
  std::vector<int64_t> parts = n.attr_ints("split");
  if (in.size() > 1 && in[1]) parts = int_values(*in[1]);
  const int64_t len = x.shape[axis], no = static_cast<int64_t>(out.size());
  if (parts.empty()) {
    const int64_t each = (len + no - 1) / no;
    for (int64_t k = 0; k < no; ++k)
      parts.push_back(std::max<int64_t>(0, std::min(each, len - k * each)));
  }
  if (static_cast<int64_t>(parts.size()) != no)
    return node_error(n, "split sizes do not match the outputs");
  int64_t sum = 0;
  for (int64_t p : parts) {
    if (p < 0) return node_error(n, "negative split");
    sum += p;
  }
  if (sum != len) return node_error(n, "split sizes do not add up to the axis");
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x.shape[d];
  for (int64_t d = axis + 1; d < x.rank(); ++d) inner *= x.shape[d];
  int64_t off = 0;
  for (int64_t k = 0; k < no; ++k) {
    Shape os = x.shape;
    os[axis] = parts[k];
    Status s = alloc(n, out[k], os, x.dtype);
    if (!s.ok()) return s;
    const int64_t chunk = parts[k] * inner;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t e = 0; e < chunk; ++e)
        copy_el(x, o * len * inner + off + e, out[k], o * chunk + e);
    off += chunk;
  }
  return Status::Ok();
}

DType cast_target(int64_t onnx_type, bool& ok) {
  ok = true;
  switch (onnx_type) {
    case 1:
    case 10:
    case 11:
      return DType::kFloat32;  // float16/double computed in float32
    case 2:
      return DType::kUInt8;
    case 3:
      return DType::kInt8;
    case 6:
      return DType::kInt32;
    case 7:
      return DType::kInt64;
    case 9:
      return DType::kBool;
    default:
      ok = false;
      return DType::kUndefined;
  }
}

int64_t wrap_int(int64_t v, DType t) {
  switch (t) {
    case DType::kUInt8:
      return static_cast<uint8_t>(v);
    case DType::kInt8:
      return static_cast<int8_t>(v);
    case DType::kInt32:
      return static_cast<int32_t>(v);
    case DType::kBool:
      return v != 0;
    default:
      return v;
  }
}

int64_t float_to_int(float f) {
  if (!(f == f)) return 0;
  if (f >= 9.2e18f) return std::numeric_limits<int64_t>::max();
  if (f <= -9.2e18f) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(f);
}

Status cast(const GraphNode& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out,
            const KernelContext&) {
  const Tensor& x = *in[0];
  bool ok;
  const DType t = cast_target(n.attr_int("to", 0), ok);
  if (!ok) return unsupported(n, "cast to element type " + std::to_string(n.attr_int("to", 0)));
  Status s = alloc(n, out[0], x.shape, t);
  if (!s.ok()) return s;
  const size_t cnt = x.stored();
  for (size_t k = 0; k < cnt; ++k) {
    if (is_float(t))
      out[0].f[k] = is_float(x.dtype) ? x.f[k] : static_cast<float>(x.i[k]);
    else if (t == DType::kBool)
      out[0].i[k] = is_float(x.dtype) ? x.f[k] != 0.0f : x.i[k] != 0;
    else
      out[0].i[k] = wrap_int(is_float(x.dtype) ? float_to_int(x.f[k]) : x.i[k], t);
  }
  return Status::Ok();
}

Status constant(const GraphNode& n, const std::vector<const Tensor*>&, std::vector<Tensor>& out,
                const KernelContext&) {
  auto it = n.attrs.find("value");
  if (it != n.attrs.end() && it->second.kind == Attribute::Kind::kTensor) {
    out[0] = it->second.t;
    return Status::Ok();
  }
  if (n.has_attr("value_float"))
    out[0] = Tensor::from_floats({}, {n.attr_float("value_float", 0)});
  else if (n.has_attr("value_floats")) {
    auto v = n.attr_floats("value_floats");
    out[0] = Tensor::from_floats({static_cast<int64_t>(v.size())}, v);
  } else if (n.has_attr("value_int"))
    out[0] = Tensor::from_ints({}, {n.attr_int("value_int", 0)});
  else if (n.has_attr("value_ints")) {
    auto v = n.attr_ints("value_ints");
    out[0] = Tensor::from_ints({static_cast<int64_t>(v.size())}, v);
  } else {
    return unsupported(n, "constant without a numeric value");
  }
  return Status::Ok();
}

Status constant_of_shape(const GraphNode& n, const std::vector<const Tensor*>& in,
                         std::vector<Tensor>& out, const KernelContext&) {
  Status s = need_int(n, in, 0);
  if (!s.ok()) return s;
  Tensor value = Tensor::from_floats({1}, {0.0f});
  auto it = n.attrs.find("value");
  if (it != n.attrs.end() && it->second.kind == Attribute::Kind::kTensor) value = it->second.t;
  if (value.stored() != 1) return node_error(n, "value must hold one element");
  s = alloc(n, out[0], in[0]->i, value.dtype);
  if (!s.ok()) return s;
  if (is_float(value.dtype))
    std::fill(out[0].f.begin(), out[0].f.end(), value.f[0]);
  else
    std::fill(out[0].i.begin(), out[0].i.end(), value.i[0]);
  return Status::Ok();
}

Status shape(const GraphNode& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out,
             const KernelContext&) {
  const Shape& s = in[0]->shape;
  const int64_t r = static_cast<int64_t>(s.size());
  int64_t start = n.attr_int("start", 0), end = n.attr_int("end", r);
  if (start < 0) start += r;
  if (end < 0) end += r;
  start = std::min(std::max<int64_t>(start, 0), r);
  end = std::min(std::max<int64_t>(end, 0), r);
  std::vector<int64_t> v;
  for (int64_t d = start; d < end; ++d) v.push_back(s[d]);
  out[0] = Tensor::from_ints({static_cast<int64_t>(v.size())}, v);
  return Status::Ok();
}

Status size(const GraphNode&, const std::vector<const Tensor*>& in, std::vector<Tensor>& out,
            const KernelContext&) {
  out[0] = Tensor::from_ints({}, {in[0]->numel()});
  return Status::Ok();
}

Status gather(const GraphNode& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out,
              const KernelContext&) {
  Status s = need_int(n, in, 1);
  if (!s.ok()) return s;
  const Tensor &x = *in[0], &idx = *in[1];
  const int64_t axis = norm_axis(n.attr_int("axis", 0), x.rank());
  if (axis < 0) return node_error(n, "axis out of range");
  Shape os(x.shape.begin(), x.shape.begin() + axis);
  os.insert(os.end(), idx.shape.begin(), idx.shape.end());
  os.insert(os.end(), x.shape.begin() + axis + 1, x.shape.end());
  s = alloc(n, out[0], os, x.dtype);
  if (!s.ok()) return s;
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x.shape[d];
  for (int64_t d = axis + 1; d < x.rank(); ++d) inner *= x.shape[d];
  const int64_t len = x.shape[axis], ni = static_cast<int64_t>(idx.i.size());
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t j = 0; j < ni; ++j) {
      int64_t q = idx.i[j];
      if (q < 0) q += len;
      if (q < 0 || q >= len)
        return node_error(n, "index " + std::to_string(idx.i[j]) + " out of range");
      for (int64_t e = 0; e < inner; ++e)
        copy_el(x, (o * len + q) * inner + e, out[0], (o * ni + j) * inner + e);
    }
  }
  return Status::Ok();
}

Status slice(const GraphNode& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out,
             const KernelContext& ctx) {
  const Tensor& x = *in[0];
  const int64_t r = x.rank();
  std::vector<int64_t> starts, ends, axes, steps;
  if (ctx.opset < 10) {
    starts = n.attr_ints("starts");
    ends = n.attr_ints("ends");
    axes = n.attr_ints("axes");
  } else {
    Status s = need_int(n, in, 1);
    if (s.ok()) s = need_int(n, in, 2);
    if (!s.ok()) return s;
    starts = in[1]->i;
    ends = in[2]->i;
    if (in.size() > 3 && in[3]) axes = int_values(*in[3]);
    if (in.size() > 4 && in[4]) steps = int_values(*in[4]);
  }
  if (axes.empty())
    for (size_t k = 0; k < starts.size(); ++k) axes.push_back(static_cast<int64_t>(k));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    return node_error(n, "starts, ends, axes and steps differ in length");
  std::vector<int64_t> st(r, 0), step(r, 1);
  Shape os = x.shape;
  std::vector<char> seen(r, 0);
  for (size_t k = 0; k < starts.size(); ++k) {
    const int64_t a = norm_axis(axes[k], r);
    if (a < 0 || seen[a]) return node_error(n, "invalid or repeated axis");
    seen[a] = 1;
    const int64_t dim = x.shape[a], sp = steps[k];
    if (sp == 0 || sp == INT64_MIN) return node_error(n, "invalid step");
    int64_t b = starts[k], e = ends[k];
    if (b < 0) b += dim;
    if (e < 0) e += dim;
    if (sp > 0) {
      b = std::min(std::max<int64_t>(b, 0), dim);
      e = std::min(std::max<int64_t>(e, 0), dim);
      os[a] = e > b ? (e - b - 1) / sp + 1 : 0;
    } else {
      b = std::min(std::max<int64_t>(b, 0), dim - 1);
      e = std::min(std::max<int64_t>(e, -1), dim - 1);
      os[a] = b > e ? (b - e - 1) / (-sp) + 1 : 0;
    }
    st[a] = b;
    step[a] = sp;
  }
  Status s = alloc(n, out[0], os, x.dtype);
  if (!s.ok()) return s;
  const auto sx = strides_of(x.shape), so = strides_of(os);
  const int64_t total = shape_numel(os);
  for (int64_t k = 0; k < total; ++k) {
    int64_t rem = k, src = 0;
    for (int64_t d = 0; d < r; ++d) {
      src += (st[d] + (rem / so[d]) * step[d]) * sx[d];
      rem %= so[d];
    }
    copy_el(x, src, out[0], k);
  }
  return Status::Ok();
}

Status range(const GraphNode& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out,
             const KernelContext&) {
  for (int k = 0; k < 3; ++k)
    if (!in[k] || in[k]->stored() != 1) return node_error(n, "inputs must be scalars");
  const double start = in[0]->value(0), limit = in[1]->value(0), delta = in[2]->value(0);
  if (delta == 0) return node_error(n, "delta 0");
  const double cnt = std::max(0.0, std::ceil((limit - start) / delta));
  if (!(cnt <= static_cast<double>(kMaxElements)))
    return Status(ErrorCode::kTooLarge, n.label() + ": too many elements");
  const int64_t c = static_cast<int64_t>(cnt);
  Status s = alloc(n, out[0], {c}, in[0]->dtype);
  if (!s.ok()) return s;
  for (int64_t k = 0; k < c; ++k) {
    if (is_float(in[0]->dtype))
      out[0].f[k] = static_cast<float>(start + k * delta);
    else
      out[0].i[k] = static_cast<int64_t>(static_cast<uint64_t>(saturate_int64(start)) +
                                         static_cast<uint64_t>(k) *
                                             static_cast<uint64_t>(saturate_int64(delta)));
  }
  return Status::Ok();
}

}  // namespace

namespace ref {
Kernel k_reshape = reshape, k_flatten = flatten, k_squeeze = squeeze_unsqueeze,
       k_transpose = transpose, k_expand = expand, k_tile = tile, k_concat = concat,
       k_split = split, k_cast = cast, k_constant = constant,
       k_constant_of_shape = constant_of_shape, k_shape = shape, k_size = size, k_gather = gather,
       k_slice = slice, k_range = range;
}  // namespace ref

}  // namespace colorize::nn
