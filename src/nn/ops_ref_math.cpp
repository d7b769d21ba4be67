// Reference kernels: elementwise, broadcasting binary ops, reductions, softmax, matmul,
// normalisation. Plain loops; the oracle for the fast backends.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ops_common.h"

namespace colorize::nn {
namespace detail {

Status need_float(const GraphNode& n, const std::vector<const Tensor*>& in, size_t k) {
  if (k >= in.size() || !in[k]) return node_error(n, "input " + std::to_string(k) + " is missing");
  if (!is_float(in[k]->dtype)) {
    return node_error(
        n, "input " + std::to_string(k) + " is " + dtype_name(in[k]->dtype) + ", expected float32");
  }
  return Status::Ok();
}

Status need_int(const GraphNode& n, const std::vector<const Tensor*>& in, size_t k) {
  if (k >= in.size() || !in[k]) return node_error(n, "input " + std::to_string(k) + " is missing");
  if (is_float(in[k]->dtype))
    return node_error(n, "input " + std::to_string(k) + " must be an integer tensor");
  return Status::Ok();
}

Status alloc(const GraphNode& n, Tensor& out, const Shape& shape, DType dtype) {
  Status s = allocate(out, shape, dtype);
  if (!s.ok()) return Status(s.code(), n.label() + ": " + s.message());
  return s;
}

std::vector<int64_t> strides_of(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (int64_t d = static_cast<int64_t>(s.size()) - 2; d >= 0; --d) st[d] = st[d + 1] * s[d + 1];
  return st;
}

std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
  std::vector<int64_t> st(out.size(), 0);
  const std::vector<int64_t> own = strides_of(in);
  const size_t off = out.size() - in.size();
  for (size_t d = 0; d < in.size(); ++d) st[off + d] = in[d] == 1 ? 0 : own[d];
  return st;
}

std::vector<int64_t> int_values(const Tensor& t) {
  if (is_float(t.dtype)) {
    std::vector<int64_t> v(t.f.size());
    for (size_t k = 0; k < v.size(); ++k) v[k] = static_cast<int64_t>(t.f[k]);
    return v;
  }
  return t.i;
}

void gemm_ref(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, bool transA,
              const float* B, int64_t ldb, bool transB, float* C, int64_t ldc, float alpha,
              bool accumulate) {
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t n = 0; n < N; ++n) {
      double acc = 0.0;
      for (int64_t k = 0; k < K; ++k) {
        const float a = transA ? A[k * lda + m] : A[m * lda + k];
        const float b = transB ? B[n * ldb + k] : B[k * ldb + n];
        acc += static_cast<double>(a) * b;
      }
      const float v = static_cast<float>(acc) * alpha;
      C[m * ldc + n] = accumulate ? C[m * ldc + n] + v : v;
    }
  }
}

}  // namespace detail

using namespace detail;

Result<Shape> broadcast_shapes(const Shape& a, const Shape& b) {
  const size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t d = 0; d < r; ++d) {
    const int64_t da = d + a.size() >= r ? a[d + a.size() - r] : 1;
    const int64_t db = d + b.size() >= r ? b[d + b.size() - r] : 1;
    if (da == db || db == 1)
      out[d] = da;
    else if (da == 1)
      out[d] = db;
    else {
      return Result<Shape>(ErrorCode::kInvalidArgument, "shapes " + shape_string(a) + " and " +
                                                            shape_string(b) + " do not broadcast");
    }
  }
  return out;
}

namespace {

// Visits every element of `out` with the flat offsets of two broadcast inputs.
template <typename F>
void for_each_broadcast(const Shape& out, const std::vector<int64_t>& sa,
                        const std::vector<int64_t>& sb, F f) {
  const int64_t total = shape_numel(out);
  if (total <= 0) return;
  const size_t r = out.size();
  std::vector<int64_t> idx(r, 0);
  int64_t oa = 0, ob = 0;
  for (int64_t k = 0; k < total; ++k) {
    f(k, oa, ob);
    for (size_t d = r; d-- > 0;) {
      if (++idx[d] < out[d]) {
        oa += sa[d];
        ob += sb[d];
        break;
      }
      oa -= sa[d] * (out[d] - 1);
      ob -= sb[d] * (out[d] - 1);
      idx[d] = 0;
    }
  }
}

Status binary(const GraphNode& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out,
              const KernelContext&) {
  if (!in[0] || !in[1]) return node_error(n, "missing input");
  const Tensor& a = *in[0];
  const Tensor& b = *in[1];
  const std::string& op = n.op_type;
  const bool cmp = op == "Equal" || op == "Less" || op == "Greater" || op == "LessOrEqual" ||
                   op == "GreaterOrEqual";
  if (is_float(a.dtype) != is_float(b.dtype)) {
    return node_error(n,
                      std::string("mixes ") + dtype_name(a.dtype) + " and " + dtype_name(b.dtype));
  }
  Result<Shape> shape = broadcast_shapes(a.shape, b.shape);
  if (!shape.ok()) return node_error(n, shape.status().message());
  const DType odt = cmp ? DType::kBool : a.dtype;
  Status s = alloc(n, out[0], *shape, odt);
  if (!s.ok()) return s;
  const auto sa = broadcast_strides(a.shape, *shape), sb = broadcast_strides(b.shape, *shape);
  Tensor& o = out[0];
  if (is_float(a.dtype)) {
    if (cmp) {
      for_each_broadcast(*shape, sa, sb, [&](int64_t k, int64_t ia, int64_t ib) {
        const float x = a.f[ia], y = b.f[ib];
        o.i[k] = op == "Equal"         ? x == y
                 : op == "Less"        ? x < y
                 : op == "Greater"     ? x > y
                 : op == "LessOrEqual" ? x <= y
                                       : x >= y;
      });
    } else {
      // Resolve the op once; the lambda per element stays branch-free.
      float (*fn)(float, float) = nullptr;
      if (op == "Add")
        fn = [](float x, float y) { return x + y; };
      else if (op == "Sub")
        fn = [](float x, float y) { return x - y; };
      else if (op == "Mul")
        fn = [](float x, float y) { return x * y; };
      else if (op == "Div")
        fn = [](float x, float y) { return x / y; };
      else if (op == "Pow")
        fn = [](float x, float y) { return std::pow(x, y); };
      else if (op == "Max")
        fn = [](float x, float y) { return std::max(x, y); };
      else if (op == "Min")
        fn = [](float x, float y) { return std::min(x, y); };
      else
        return unsupported(n, "op not handled");
      for_each_broadcast(*shape, sa, sb,
                         [&](int64_t k, int64_t ia, int64_t ib) { o.f[k] = fn(a.f[ia], b.f[ib]); });
    }
    return Status::Ok();
  }
  bool div_zero = false;
  for_each_broadcast(*shape, sa, sb, [&](int64_t k, int64_t ia, int64_t ib) {
    const int64_t x = a.i[ia], y = b.i[ib];
    int64_t v = 0;
    if (op == "Add")
      v = static_cast<int64_t>(static_cast<uint64_t>(x) + static_cast<uint64_t>(y));
    else if (op == "Sub")
      v = static_cast<int64_t>(static_cast<uint64_t>(x) - static_cast<uint64_t>(y));
    else if (op == "Mul")
      v = static_cast<int64_t>(static_cast<uint64_t>(x) * static_cast<uint64_t>(y));
    else if (op == "Div") {
      if (y == 0 || (x == std::numeric_limits<int64_t>::min() && y == -1))
        div_zero = true;
      else
        v = x / y;
    } else if (op == "Max")
      v = std::max(x, y);
    else if (op == "Min")
      v = std::min(x, y);
    else if (op == "Pow")
      v = saturate_int64(std::pow(static_cast<double>(x), static_cast<double>(y)));
    else if (op == "Equal")
      v = x == y;
    else if (op == "Less")
      v = x < y;
    else if (op == "Greater")
      v = x > y;
    else if (op == "LessOrEqual")
      v = x <= y;
    else
      v = x >= y;
    o.i[k] = v;
  });
  if (div_zero) return node_error(n, "integer division by zero");
  return Status::Ok();
}

Status where(const GraphNode& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out,
             const KernelContext&) {
  Status s = need_int(n, in, 0);
  if (!s.ok()) return s;
  const Tensor &c = *in[0], &x = *in[1], &y = *in[2];
  if (x.dtype != y.dtype) return node_error(n, "branches have different types");
  Result<Shape> s1 = broadcast_shapes(c.shape, x.shape);
  if (!s1.ok()) return node_error(n, s1.status().message());
  Result<Shape> shape = broadcast_shapes(*s1, y.shape);
  if (!shape.ok()) return node_error(n, shape.status().message());
  s = alloc(n, out[0], *shape, x.dtype);
  if (!s.ok()) return s;
  const auto sc = broadcast_strides(c.shape, *shape), sx = broadcast_strides(x.shape, *shape),
             sy = broadcast_strides(y.shape, *shape);
  const auto st = strides_of(*shape);
  const int64_t total = shape_numel(*shape);
  for (int64_t k = 0; k < total; ++k) {
    int64_t rem = k, ic = 0, ix = 0, iy = 0;
    for (size_t d = 0; d < shape->size(); ++d) {
      const int64_t q = rem / st[d];
      rem %= st[d];
      ic += q * sc[d];
      ix += q * sx[d];
      iy += q * sy[d];
    }
    if (is_float(x.dtype))
      out[0].f[k] = c.i[ic] ? x.f[ix] : y.f[iy];
    else
      out[0].i[k] = c.i[ic] ? x.i[ix] : y.i[iy];
  }
  return Status::Ok();
}

Status unary(const GraphNode& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out,
             const KernelContext& ctx) {
  if (!in[0]) return node_error(n, "missing input");
  const Tensor& x = *in[0];
  const std::string& op = n.op_type;
  if (!is_float(x.dtype)) {
    // Integer versions of the few ops shape arithmetic uses.
    if (op != "Neg" && op != "Abs" && op != "Relu" && op != "Clip" && op != "Not") {
      return node_error(n, std::string("input is ") + dtype_name(x.dtype) + ", expected float32");
    }
    Status s = alloc(n, out[0], x.shape, x.dtype);
    if (!s.ok()) return s;
    int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
    if (op == "Clip") {
      if (in.size() > 1 && in[1] && in[1]->stored() == 1) lo = in[1]->i[0];
      if (in.size() > 2 && in[2] && in[2]->stored() == 1) hi = in[2]->i[0];
    }
    for (size_t k = 0; k < x.i.size(); ++k) {
      const int64_t v = x.i[k];
      const int64_t neg =
          static_cast<int64_t>(0 - static_cast<uint64_t>(v));  // wraps like two's complement
      out[0].i[k] = op == "Neg"    ? neg
                    : op == "Abs"  ? (v < 0 ? neg : v)
                    : op == "Relu" ? std::max<int64_t>(v, 0)
                    : op == "Not"  ? !v
                                   : std::min(std::max(v, lo), hi);
    }
    return Status::Ok();
  }
  Status s = alloc(n, out[0], x.shape);
  if (!s.ok()) return s;
  float* o = out[0].f.data();
  const float* p = x.f.data();
  const size_t cnt = x.f.size();
  if (op == "Relu") {
    for (size_t k = 0; k < cnt; ++k) o[k] = p[k] > 0.0f ? p[k] : 0.0f;
  } else if (op == "Clip") {
    float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
    if (ctx.opset < 11) {
      lo = n.attr_float("min", lo);
      hi = n.attr_float("max", hi);
    } else {
      for (size_t k = 1; k < 3 && k < in.size(); ++k) {
        if (!in[k]) continue;
        if (!is_float(in[k]->dtype) || in[k]->f.size() != 1)
          return node_error(n, "min/max must be float scalars");
        (k == 1 ? lo : hi) = in[k]->f[0];
      }
    }
    for (size_t k = 0; k < cnt; ++k) o[k] = std::min(std::max(p[k], lo), hi);
  } else if (op == "LeakyRelu") {
    const float alpha = n.attr_float("alpha", 0.01f);
    for (size_t k = 0; k < cnt; ++k) o[k] = p[k] >= 0.0f ? p[k] : alpha * p[k];
  } else if (op == "Sigmoid") {
    for (size_t k = 0; k < cnt; ++k) o[k] = 1.0f / (1.0f + std::exp(-p[k]));
  } else if (op == "HardSigmoid") {
    const float alpha = n.attr_float("alpha", 0.2f), beta = n.attr_float("beta", 0.5f);
    for (size_t k = 0; k < cnt; ++k) o[k] = std::min(1.0f, std::max(0.0f, alpha * p[k] + beta));
  } else if (op == "HardSwish") {
    for (size_t k = 0; k < cnt; ++k)
      o[k] = p[k] * std::min(1.0f, std::max(0.0f, p[k] / 6.0f + 0.5f));
  } else if (op == "Elu") {
    const float alpha = n.attr_float("alpha", 1.0f);
    for (size_t k = 0; k < cnt; ++k) o[k] = p[k] >= 0.0f ? p[k] : alpha * (std::exp(p[k]) - 1.0f);
  } else {
    float (*fn)(float) = nullptr;
    if (op == "Tanh")
      fn = [](float v) { return std::tanh(v); };
    else if (op == "Exp")
      fn = [](float v) { return std::exp(v); };
    else if (op == "Log")
      fn = [](float v) { return std::log(v); };
    else if (op == "Sqrt")
      fn = [](float v) { return std::sqrt(v); };
    else if (op == "Neg")
      fn = [](float v) { return -v; };
    else if (op == "Abs")
      fn = [](float v) { return std::fabs(v); };
    else if (op == "Floor")
      fn = [](float v) { return std::floor(v); };
    else if (op == "Ceil")
      fn = [](float v) { return std::ceil(v); };
    else if (op == "Round")
      fn = [](float v) { return std::nearbyint(v); };
    else if (op == "Reciprocal")
      fn = [](float v) { return 1.0f / v; };
    else if (op == "Erf")
      fn = [](float v) { return std::erf(v); };
    else if (op == "Softplus")
      fn = [](float v) { return std::log1p(std::exp(v)); };
    else if (op == "Identity" || op == "Dropout")
      fn = [](float v) { return v; };
    else
      return unsupported(n, "op not handled");
    for (size_t k = 0; k < cnt; ++k) o[k] = fn(p[k]);
  }
  return Status::Ok();
}

Status identity(const GraphNode& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out,
                const KernelContext&) {
  if (!in[0]) return node_error(n, "missing input");
  out[0] = *in[0];
  return Status::Ok();
}

// Softmax / LogSoftmax. Opset >= 13: along `axis` (default -1). Older: the input is seen
// as 2-D [prod(dims < axis), prod(dims >= axis)] (default axis 1) and normalised per row.
Status softmax(const GraphNode& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out,
               const KernelContext& ctx) {
  Status s = need_float(n, in, 0);
  if (!s.ok()) return s;
  const Tensor& x = *in[0];
  const int64_t r = x.rank();
  const int64_t axis =
      norm_axis(n.attr_int("axis", ctx.opset >= 13 ? -1 : 1), std::max<int64_t>(r, 1));
  if (axis < 0) return node_error(n, "axis out of range");
  s = alloc(n, out[0], x.shape);
  if (!s.ok()) return s;
  int64_t outer = 1, len = 1, inner = 1;
  for (int64_t d = 0; d < r; ++d) {
    if (d < axis)
      outer *= x.shape[d];
    else if (d == axis || ctx.opset < 13)
      len *= x.shape[d];
    else
      inner *= x.shape[d];
  }
  const bool log = n.op_type == "LogSoftmax";
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const float* p = x.f.data() + o * len * inner + i;
      float* q = out[0].f.data() + o * len * inner + i;
      float mx = -std::numeric_limits<float>::infinity();
      for (int64_t k = 0; k < len; ++k) mx = std::max(mx, p[k * inner]);
      double sum = 0.0;
      for (int64_t k = 0; k < len; ++k) sum += std::exp(static_cast<double>(p[k * inner]) - mx);
      for (int64_t k = 0; k < len; ++k) {
        const double e = static_cast<double>(p[k * inner]) - mx;
        q[k * inner] = static_cast<float>(log ? e - std::log(sum) : std::exp(e) / sum);
      }
    }
  }
  return Status::Ok();
}

Status matmul(const GraphNode& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out,
              const KernelContext&) {
  Status s = need_float(n, in, 0);
  if (s.ok()) s = need_float(n, in, 1);
  if (!s.ok()) return s;
  Shape as = in[0]->shape, bs = in[1]->shape;
  if (as.empty() || bs.empty()) return node_error(n, "MatMul inputs must have rank >= 1");
  const bool a1 = as.size() == 1, b1 = bs.size() == 1;
  if (a1) as.insert(as.begin(), 1);
  if (b1) bs.push_back(1);
  const int64_t M = as[as.size() - 2], K = as.back(), N = bs.back();
  if (bs[bs.size() - 2] != K) {
    return node_error(n, "inner dimensions differ: " + shape_string(in[0]->shape) + " x " +
                             shape_string(in[1]->shape));
  }
  Shape ab(as.begin(), as.end() - 2), bb(bs.begin(), bs.end() - 2);
  Result<Shape> batch = broadcast_shapes(ab, bb);
  if (!batch.ok()) return node_error(n, batch.status().message());
  Shape os = *batch;
  if (!a1) os.push_back(M);
  if (!b1) os.push_back(N);
  s = alloc(n, out[0], os);
  if (!s.ok()) return s;
  const int64_t nb = shape_numel(*batch);
  const auto sa = broadcast_strides(ab, *batch), sb = broadcast_strides(bb, *batch);
  const auto st = strides_of(*batch);
  for (int64_t bi = 0; bi < nb; ++bi) {
    int64_t rem = bi, oa = 0, ob = 0;
    for (size_t d = 0; d < batch->size(); ++d) {
      const int64_t q = rem / st[d];
      rem %= st[d];
      oa += q * sa[d];
      ob += q * sb[d];
    }
    gemm_ref(M, N, K, in[0]->f.data() + oa * M * K, K, false, in[1]->f.data() + ob * K * N, N,
             false, out[0].f.data() + bi * M * N, N, 1.0f, false);
  }
  return Status::Ok();
}

Status gemm(const GraphNode& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out,
            const KernelContext&) {
  Status s = need_float(n, in, 0);
  if (s.ok()) s = need_float(n, in, 1);
  if (!s.ok()) return s;
  const Tensor &A = *in[0], &B = *in[1];
  if (A.rank() != 2 || B.rank() != 2) return node_error(n, "A and B must be 2-D");
  const bool ta = n.attr_int("transA", 0) != 0, tb = n.attr_int("transB", 0) != 0;
  const float alpha = n.attr_float("alpha", 1.0f), beta = n.attr_float("beta", 1.0f);
  const int64_t M = ta ? A.shape[1] : A.shape[0], K = ta ? A.shape[0] : A.shape[1];
  const int64_t N = tb ? B.shape[0] : B.shape[1], K2 = tb ? B.shape[1] : B.shape[0];
  if (K != K2)
    return node_error(
        n, "inner dimensions differ: " + shape_string(A.shape) + " x " + shape_string(B.shape));
  s = alloc(n, out[0], {M, N});
  if (!s.ok()) return s;
  bool acc = false;
  if (in.size() > 2 && in[2]) {
    s = need_float(n, in, 2);
    if (!s.ok()) return s;
    Result<Shape> bs = broadcast_shapes(in[2]->shape, {M, N});
    if (!bs.ok() || *bs != Shape{M, N})
      return node_error(
          n, "C of shape " + shape_string(in[2]->shape) + " does not broadcast to [M, N]");
    const auto sc = broadcast_strides(in[2]->shape, {M, N});
    for (int64_t m = 0; m < M; ++m)
      for (int64_t j = 0; j < N; ++j) out[0].f[m * N + j] = beta * in[2]->f[m * sc[0] + j * sc[1]];
    acc = true;
  }
  gemm_ref(M, N, K, A.f.data(), A.shape[1], ta, B.f.data(), B.shape[1], tb, out[0].f.data(), N,
           alpha, acc);
  return Status::Ok();
}

Status batchnorm(const GraphNode& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out,
                 const KernelContext&) {
  for (size_t k = 0; k < 5; ++k) {
    Status s = need_float(n, in, k);
    if (!s.ok()) return s;
  }
  if (n.attr_int("training_mode", 0) != 0)
    return unsupported(n, "training_mode=1 is not supported");
  const Tensor& x = *in[0];
  if (x.rank() < 2) return node_error(n, "input must have rank >= 2");
  const int64_t C = x.shape[1];
  for (size_t k = 1; k < 5; ++k) {
    if (static_cast<int64_t>(in[k]->f.size()) != C)
      return node_error(n, "parameter " + std::to_string(k) + " must have C values");
  }
  const float eps = n.attr_float("epsilon", 1e-5f);
  Status s = alloc(n, out[0], x.shape);
  if (!s.ok()) return s;
  int64_t inner = 1;
  for (int64_t d = 2; d < x.rank(); ++d) inner *= x.shape[d];
  const int64_t N = x.shape[0];
  for (int64_t b = 0; b < N; ++b) {
    for (int64_t c = 0; c < C; ++c) {
      const float sc = in[1]->f[c] / std::sqrt(in[4]->f[c] + eps);
      const float sh = in[2]->f[c] - in[3]->f[c] * sc;
      const float* p = x.f.data() + (b * C + c) * inner;
      float* q = out[0].f.data() + (b * C + c) * inner;
      for (int64_t k = 0; k < inner; ++k) q[k] = p[k] * sc + sh;
    }
  }
  return Status::Ok();
}

Status instancenorm(const GraphNode& n, const std::vector<const Tensor*>& in,
                    std::vector<Tensor>& out, const KernelContext&) {
  for (size_t k = 0; k < 3; ++k) {
    Status s = need_float(n, in, k);
    if (!s.ok()) return s;
  }
  const Tensor& x = *in[0];
  if (x.rank() < 3) return node_error(n, "input must have rank >= 3");
  const int64_t N = x.shape[0], C = x.shape[1];
  if (static_cast<int64_t>(in[1]->f.size()) != C || static_cast<int64_t>(in[2]->f.size()) != C)
    return node_error(n, "scale and B must have C values");
  const float eps = n.attr_float("epsilon", 1e-5f);
  Status s = alloc(n, out[0], x.shape);
  if (!s.ok()) return s;
  int64_t inner = 1;
  for (int64_t d = 2; d < x.rank(); ++d) inner *= x.shape[d];
  for (int64_t b = 0; b < N; ++b) {
    for (int64_t c = 0; c < C; ++c) {
      const float* p = x.f.data() + (b * C + c) * inner;
      float* q = out[0].f.data() + (b * C + c) * inner;
      double mean = 0, var = 0;
      for (int64_t k = 0; k < inner; ++k) mean += p[k];
      mean /= static_cast<double>(inner);
      for (int64_t k = 0; k < inner; ++k) var += (p[k] - mean) * (p[k] - mean);
      var /= static_cast<double>(inner);
      const double sc = in[1]->f[c] / std::sqrt(var + eps);
      for (int64_t k = 0; k < inner; ++k)
        q[k] = static_cast<float>((p[k] - mean) * sc + in[2]->f[c]);
    }
  }
  return Status::Ok();
}

Status global_pool(const GraphNode& n, const std::vector<const Tensor*>& in,
                   std::vector<Tensor>& out, const KernelContext&) {
  Status s = need_float(n, in, 0);
  if (!s.ok()) return s;
  const Tensor& x = *in[0];
  if (x.rank() < 3) return node_error(n, "input must be [N, C, spatial...]");
  Shape os = x.shape;
  int64_t inner = 1;
  for (int64_t d = 2; d < x.rank(); ++d) {
    inner *= x.shape[d];
    os[d] = 1;
  }
  s = alloc(n, out[0], os);
  if (!s.ok()) return s;
  if (inner == 0) return node_error(n, "empty spatial extent");
  const bool mx = n.op_type == "GlobalMaxPool";
  const int64_t planes = x.shape[0] * x.shape[1];
  for (int64_t pl = 0; pl < planes; ++pl) {
    const float* p = x.f.data() + pl * inner;
    double acc = mx ? -std::numeric_limits<double>::infinity() : 0.0;
    for (int64_t k = 0; k < inner; ++k) acc = mx ? std::max<double>(acc, p[k]) : acc + p[k];
    out[0].f[pl] = static_cast<float>(mx ? acc : acc / static_cast<double>(inner));
  }
  return Status::Ok();
}

// ReduceMean / ReduceSum / ReduceMax / ReduceMin. Axes from the attribute or (ReduceSum
// opset >= 13, all of them opset >= 18) the second input.
Status reduce(const GraphNode& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out,
              const KernelContext&) {
  if (!in[0]) return node_error(n, "missing input");
  const Tensor& x = *in[0];
  std::vector<int64_t> axes = n.attr_ints("axes");
  if (in.size() > 1 && in[1]) {
    if (is_float(in[1]->dtype)) return node_error(n, "axes must be int64");
    axes = in[1]->i;
  }
  const bool keep = n.attr_int("keepdims", 1) != 0;
  const int64_t r = x.rank();
  std::vector<char> red(r, 0);
  if (axes.empty()) {
    if (n.attr_int("noop_with_empty_axes", 0) != 0) {
      out[0] = x;
      return Status::Ok();
    }
    std::fill(red.begin(), red.end(), 1);
  }
  for (int64_t a : axes) {
    const int64_t ax = norm_axis(a, r);
    if (ax < 0) return node_error(n, "axis " + std::to_string(a) + " out of range");
    red[ax] = 1;
  }
  Shape keep_shape = x.shape, os;
  for (int64_t d = 0; d < r; ++d) {
    if (red[d]) keep_shape[d] = 1;
    if (!red[d])
      os.push_back(x.shape[d]);
    else if (keep)
      os.push_back(1);
  }
  const bool fl = is_float(x.dtype);
  Status s = alloc(n, out[0], os, x.dtype);
  if (!s.ok()) return s;
  const std::string& op = n.op_type;
  const int64_t total = shape_numel(keep_shape);
  std::vector<double> acc(static_cast<size_t>(total),
                          op == "ReduceMax"   ? -std::numeric_limits<double>::infinity()
                          : op == "ReduceMin" ? std::numeric_limits<double>::infinity()
                                              : 0.0);
  const auto so = broadcast_strides(keep_shape, x.shape);
  const auto sx = strides_of(x.shape);
  const int64_t nx = x.numel();
  int64_t count = total > 0 ? nx / total : 0;
  for (int64_t k = 0; k < nx; ++k) {
    int64_t rem = k, o = 0;
    for (int64_t d = 0; d < r; ++d) {
      const int64_t q = rem / sx[d];
      rem %= sx[d];
      o += q * so[d];
    }
    const double v = fl ? x.f[k] : static_cast<double>(x.i[k]);
    if (op == "ReduceMax")
      acc[o] = std::max(acc[o], v);
    else if (op == "ReduceMin")
      acc[o] = std::min(acc[o], v);
    else
      acc[o] += v;
  }
  for (int64_t k = 0; k < total; ++k) {
    double v = acc[k];
    if (op == "ReduceMean") v = count > 0 ? v / static_cast<double>(count) : NAN;
    if (fl)
      out[0].f[k] = static_cast<float>(v);
    else
      out[0].i[k] = saturate_int64(v);
  }
  return Status::Ok();
}

}  // namespace

// Exposed to the op table (op_table.cpp).
namespace ref {
Kernel k_binary = binary, k_unary = unary, k_where = where, k_identity = identity,
       k_softmax = softmax, k_matmul = matmul, k_gemm = gemm, k_batchnorm = batchnorm,
       k_instancenorm = instancenorm, k_global_pool = global_pool, k_reduce = reduce;
}  // namespace ref

}  // namespace colorize::nn
