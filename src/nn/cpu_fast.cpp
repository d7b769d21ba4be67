// Fast CPU kernels: convolution as an implicit GEMM (im2col packed straight into GEMM
// panels) or a direct depthwise loop, with bias and the activation the backend fused into
// the node; GEMM-based MatMul/Gemm; threaded elementwise, resize, softmax and concat.
// Every kernel validates exactly like the reference one and falls back to it for the
// cases it does not specialise.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "gemm.h"
#include "ops_common.h"
#include "thread_pool.h"

// GCC keeps float min/max/compare loops scalar under its default -ftrapping-math ("control
// flow in loop"); these kernels never rely on FP traps, so let it vectorise them.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif

namespace {
// Float min/max compiled under the options above (std::max from the headers is not inlined
// into functions with different optimisation options).
inline float vmax(float a, float b) { return a > b ? a : b; }
inline float vmin(float a, float b) { return a < b ? a : b; }
}  // namespace

namespace colorize::nn {
namespace ref {
extern Kernel k_conv, k_binary, k_matmul, k_gemm, k_resize, k_softmax, k_concat, k_unary;
}

using namespace detail;

namespace {

// exp(x) for float, branch-free so loops over it vectorise: 2^n * e^r with n = round(x / ln 2),
// |r| <= ln(2) / 2, e^r by a degree-6 Taylor polynomial (relative error below 2e-7 on
// [-87, 88]; inputs are clamped there, so exp(-inf) gives about 1.6e-38 rather than 0).
inline float fast_exp(float x) {
  x = vmin(88.0f, vmax(-87.0f, x));
  // Round to nearest by the 1.5 * 2^23 trick (no libm call, so the loop vectorises).
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  const float r = (x - n * 0.693145751953125f) - n * 1.428606765330187e-06f;
  float p = 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

gemm::Activation fused_activation(const GraphNode& n) {
  gemm::Activation a;
  const std::string kind = n.attr_string("__fused_act", "");
  if (kind == "Relu")
    a.kind = gemm::Activation::kRelu;
  else if (kind == "Clip") {
    a.kind = gemm::Activation::kClip;
    a.lo = n.attr_float("__fused_lo", 0.0f);
    a.hi = n.attr_float("__fused_hi", 0.0f);
  } else if (kind == "LeakyRelu") {
    a.kind = gemm::Activation::kLeaky;
    a.alpha = n.attr_float("__fused_alpha", 0.01f);
  }
  return a;
}

struct Im2col {
  const float* x;  // first channel of the group, one image
  int64_t ih, iw, kh, kw, sh, sw, dh, dw, ph, pw, ow;
};

void pack_im2col(const void* ctx, int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* dst) {
  const Im2col& g = *static_cast<const Im2col*>(ctx);
  const int64_t khw = g.kh * g.kw;
  for (int64_t p = 0; p < nc; p += gemm::kNR) {
    const int cols = static_cast<int>(std::min<int64_t>(gemm::kNR, nc - p));
    const int64_t nstart = n0 + p;
    const int64_t oy0 = nstart / g.ow, ox0 = nstart % g.ow;
    for (int64_t k = 0; k < kc; ++k) {
      const int64_t kk = k0 + k;
      const int64_t c = kk / khw, ky = (kk / g.kw) % g.kh, kx = kk % g.kw;
      const float* plane = g.x + c * g.ih * g.iw;
      float* d = dst + k * gemm::kNR;
      if (g.sw == 1 && ox0 + cols <= g.ow) {
        // The panel lies in one output row: one bounds check for the row, a contiguous run.
        const int64_t iy = oy0 * g.sh - g.ph + ky * g.dh;
        const int64_t ix0 = ox0 - g.pw + kx * g.dw;
        if (iy < 0 || iy >= g.ih) {
          for (int j = 0; j < gemm::kNR; ++j) d[j] = 0.0f;
          continue;
        }
        const float* row = plane + iy * g.iw;
        const int64_t lo = std::max<int64_t>(0, -ix0), hi = std::min<int64_t>(cols, g.iw - ix0);
        for (int j = 0; j < gemm::kNR; ++j) d[j] = 0.0f;
        for (int64_t j = lo; j < hi; ++j) d[j] = row[ix0 + j];
        continue;
      }
      int64_t oy = oy0, ox = ox0;
      for (int j = 0; j < cols; ++j) {
        const int64_t iy = oy * g.sh - g.ph + ky * g.dh, ix = ox * g.sw - g.pw + kx * g.dw;
        d[j] = (iy >= 0 && iy < g.ih && ix >= 0 && ix < g.iw) ? plane[iy * g.iw + ix] : 0.0f;
        if (++ox == g.ow) {
          ox = 0;
          ++oy;
        }
      }
      for (int j = cols; j < gemm::kNR; ++j) d[j] = 0.0f;
    }
    dst += kc * gemm::kNR;
  }
}

// One output plane of a depthwise convolution (2-D view; 1-D has kh = ih = oh = 1).
void depthwise_plane(const float* x, const float* w, float bias, float* o, int64_t ih, int64_t iw,
                     int64_t oh, int64_t ow, int64_t kh, int64_t kw, int64_t sh, int64_t sw,
                     int64_t dh, int64_t dw, int64_t ph, int64_t pw, const gemm::Activation& act) {
  for (int64_t oy = 0; oy < oh; ++oy) {
    float* orow = o + oy * ow;
    for (int64_t ox = 0; ox < ow; ++ox) orow[ox] = bias;
    for (int64_t ky = 0; ky < kh; ++ky) {
      const int64_t iy = oy * sh - ph + ky * dh;
      if (iy < 0 || iy >= ih) continue;
      const float* xrow = x + iy * iw;
      for (int64_t kx = 0; kx < kw; ++kx) {
        const float wv = w[ky * kw + kx];
        const int64_t off = kx * dw - pw;  // ix = ox * sw + off
        // valid ox: 0 <= ox*sw + off <= iw - 1
        int64_t lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
        int64_t hi = (iw - 1 - off) >= 0 ? (iw - 1 - off) / sw : -1;
        hi = std::min(hi, ow - 1);
        if (sw == 1) {
          const float* xs = xrow + off;
          for (int64_t ox = lo; ox <= hi; ++ox) orow[ox] += wv * xs[ox];
        } else {
          for (int64_t ox = lo; ox <= hi; ++ox) orow[ox] += wv * xrow[ox * sw + off];
        }
      }
    }
    if (act.kind != gemm::Activation::kNone) {
      for (int64_t ox = 0; ox < ow; ++ox) orow[ox] = act.apply(orow[ox]);
    }
  }
}

// Softmax over the channels of x [N, C, H, W] followed by the 1x1 convolution w [M, C, 1, 1]
// (see fuse_softmax_conv): per block of pixels, exponentials into a C x P scratch, then the
// M weighted sums, divided by the exponential sum at the end.
Status softmax_conv1x1(const GraphNode& n, const Tensor& x, const Tensor& w, const Tensor* bias,
                       const gemm::Activation& act, Tensor& out, const KernelContext& ctx) {
  if (x.rank() != 4 || w.rank() != 4 || w.shape[1] != x.shape[1])
    return node_error(n, "fused softmax needs 4-D input and 1x1 weights");
  const int64_t N = x.shape[0], C = x.shape[1], HW = x.shape[2] * x.shape[3], M = w.shape[0];
  constexpr int64_t kP = 256;
  const int64_t chunks = (HW + kP - 1) / kP;
  auto task = [&](int64_t t) {
    const int64_t b = t / chunks, p0 = (t % chunks) * kP, P = std::min(kP, HW - p0);
    thread_local std::vector<float> buf;
    if (buf.size() < static_cast<size_t>(C * kP)) buf.resize(static_cast<size_t>(C * kP));
    float mx[kP], sum[kP], acc[kP];
    const float* xb = x.f.data() + b * C * HW + p0;
    for (int64_t p = 0; p < P; ++p) {
      mx[p] = -INFINITY;
      sum[p] = 0.0f;
    }
    for (int64_t c = 0; c < C; ++c)
      for (int64_t p = 0; p < P; ++p) mx[p] = vmax(mx[p], xb[c * HW + p]);
    for (int64_t c = 0; c < C; ++c) {
      float* e = buf.data() + c * kP;
      for (int64_t p = 0; p < P; ++p) {
        e[p] = fast_exp(xb[c * HW + p] - mx[p]);
        sum[p] += e[p];
      }
    }
    for (int64_t p = 0; p < P; ++p) sum[p] = 1.0f / sum[p];
    for (int64_t m = 0; m < M; ++m) {
      const float* wm = w.f.data() + m * C;
      for (int64_t p = 0; p < P; ++p) acc[p] = 0.0f;
      for (int64_t c = 0; c < C; ++c) {
        const float wv = wm[c];
        const float* e = buf.data() + c * kP;
        for (int64_t p = 0; p < P; ++p) acc[p] += wv * e[p];
      }
      const float bv = bias ? bias->f[m] : 0.0f;
      float* o = out.f.data() + (b * M + m) * HW + p0;
      for (int64_t p = 0; p < P; ++p) o[p] = act.apply(acc[p] * sum[p] + bv);
    }
  };
  if (ctx.pool)
    ctx.pool->run(N * chunks, task);
  else
    for (int64_t t = 0; t < N * chunks; ++t) task(t);
  return Status::Ok();
}

Status conv_fast(const GraphNode& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out,
                 const KernelContext& ctx) {
  Status s = need_float(n, in, 0);
  if (s.ok()) s = need_float(n, in, 1);
  if (!s.ok()) return s;
  const Tensor &x = *in[0], &w = *in[1];
  Result<ConvGeometry> geo = conv_geometry(n, x.shape, w.shape);
  if (!geo.ok()) return geo.status();
  const int64_t M = w.shape[0];
  const Tensor* bias = in.size() > 2 ? in[2] : nullptr;
  if (bias && (!is_float(bias->dtype) || static_cast<int64_t>(bias->f.size()) != M))
    return node_error(n, "bias must have M values");
  Shape os = {x.shape[0], M};
  os.insert(os.end(), geo->out.begin(), geo->out.end());
  s = alloc(n, out[0], os);
  if (!s.ok()) return s;
  const gemm::Activation act = fused_activation(n);
  if (n.has_attr("__fused_softmax")) return softmax_conv1x1(n, x, w, bias, act, out[0], ctx);
  const bool one = geo->kernel.size() == 1;
  const int64_t kh = one ? 1 : geo->kernel[0], kw = geo->kernel.back();
  const int64_t sh = one ? 1 : geo->strides[0], sw = geo->strides.back();
  const int64_t dh = one ? 1 : geo->dilations[0], dw = geo->dilations.back();
  const int64_t ph = one ? 0 : geo->pads_begin[0], pw = geo->pads_begin.back();
  const int64_t oh = one ? 1 : geo->out[0], ow = geo->out.back();
  const int64_t ih = one ? 1 : x.shape[2], iw = x.shape.back();
  const int64_t N = x.shape[0], C = x.shape[1], G = geo->groups, Cg = C / G, Mg = M / G;
  const int64_t ohw = oh * ow, ihw = ih * iw;
  const float* bp = bias ? bias->f.data() : nullptr;
  if (Cg == 1 && Mg == 1) {
    auto task = [&](int64_t t) {
      const int64_t c = t % C;
      depthwise_plane(x.f.data() + t * ihw, w.f.data() + c * kh * kw, bp ? bp[c] : 0.0f,
                      out[0].f.data() + t * ohw, ih, iw, oh, ow, kh, kw, sh, sw, dh, dw, ph, pw,
                      act);
    };
    if (ctx.pool)
      ctx.pool->run(N * C, task);
    else
      for (int64_t t = 0; t < N * C; ++t) task(t);
    return Status::Ok();
  }
  const int64_t K = Cg * kh * kw;
  const bool pointwise =
      kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0 && oh == ih && ow == iw;
  for (int64_t b = 0; b < N; ++b) {
    for (int64_t g = 0; g < G; ++g) {
      const float* xg = x.f.data() + (b * C + g * Cg) * ihw;
      float* og = out[0].f.data() + (b * M + g * Mg) * ohw;
      const float* wg = w.f.data() + g * Mg * K;
      if (pointwise) {
        gemm::DenseB d{xg, ihw, false};
        gemm::sgemm(ctx.pool, Mg, ohw, K, wg, K, gemm::pack_dense, &d, og, ohw,
                    bp ? bp + g * Mg : nullptr, act);
      } else {
        Im2col ic{xg, ih, iw, kh, kw, sh, sw, dh, dw, ph, pw, ow};
        gemm::sgemm(ctx.pool, Mg, ohw, K, wg, K, pack_im2col, &ic, og, ohw,
                    bp ? bp + g * Mg : nullptr, act);
      }
    }
  }
  return Status::Ok();
}

Status matmul_fast(const GraphNode& n, const std::vector<const Tensor*>& in,
                   std::vector<Tensor>& out, const KernelContext& ctx) {
  // The common case: A [..., M, K] x B [K, N] (weights), batch folded into M.
  if (!in[0] || !in[1] || !is_float(in[0]->dtype) || !is_float(in[1]->dtype) || in[0]->rank() < 2 ||
      in[1]->rank() != 2 || in[0]->shape.back() != in[1]->shape[0]) {
    return ref::k_matmul(n, in, out, ctx);
  }
  const Tensor &A = *in[0], &B = *in[1];
  const int64_t K = A.shape.back(), Nn = B.shape[1], M = A.numel() / std::max<int64_t>(K, 1);
  Shape os = A.shape;
  os.back() = Nn;
  Status s = alloc(n, out[0], os);
  if (!s.ok()) return s;
  gemm::DenseB d{B.f.data(), Nn, false};
  gemm::sgemm(ctx.pool, M, Nn, K, A.f.data(), K, gemm::pack_dense, &d, out[0].f.data(), Nn, nullptr,
              {});
  return Status::Ok();
}

Status gemm_fast(const GraphNode& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out,
                 const KernelContext& ctx) {
  const bool ta = n.attr_int("transA", 0) != 0, tb = n.attr_int("transB", 0) != 0;
  const float alpha = n.attr_float("alpha", 1.0f), beta = n.attr_float("beta", 1.0f);
  if (ta || alpha != 1.0f || !in[0] || !in[1] || !is_float(in[0]->dtype) ||
      !is_float(in[1]->dtype) || in[0]->rank() != 2 || in[1]->rank() != 2) {
    return ref::k_gemm(n, in, out, ctx);
  }
  const Tensor &A = *in[0], &B = *in[1];
  const int64_t M = A.shape[0], K = A.shape[1], Nn = tb ? B.shape[0] : B.shape[1];
  if ((tb ? B.shape[1] : B.shape[0]) != K) return ref::k_gemm(n, in, out, ctx);
  const Tensor* C = in.size() > 2 ? in[2] : nullptr;
  // Bias broadcast along rows ([N] or [1, N]) is added after; anything else: reference.
  if (C && (!is_float(C->dtype) || C->numel() != Nn || (C->rank() == 2 && C->shape[0] != 1) ||
            C->rank() > 2)) {
    if (!(C->numel() == 1)) return ref::k_gemm(n, in, out, ctx);
  }
  Status s = alloc(n, out[0], {M, Nn});
  if (!s.ok()) return s;
  gemm::DenseB d{B.f.data(), B.shape[1], tb};
  gemm::sgemm(ctx.pool, M, Nn, K, A.f.data(), K, gemm::pack_dense, &d, out[0].f.data(), Nn, nullptr,
              {});
  if (C) {
    for (int64_t m = 0; m < M; ++m)
      for (int64_t j = 0; j < Nn; ++j) out[0].f[m * Nn + j] += beta * C->f[C->numel() == 1 ? 0 : j];
  }
  return Status::Ok();
}

// Splits [0, total) into about 4 tasks per thread of at least `grain` elements.
template <typename F>
void parallel_range(ThreadPool* pool, int64_t total, int64_t grain, F f) {
  const int threads = pool ? pool->size() : 1;
  int64_t tasks =
      std::max<int64_t>(1, std::min<int64_t>(threads * 4, total / std::max<int64_t>(grain, 1)));
  const int64_t step = (total + tasks - 1) / tasks;
  tasks = (total + step - 1) / std::max<int64_t>(step, 1);
  auto task = [&](int64_t t) { f(t * step, std::min(total, (t + 1) * step)); };
  if (pool && tasks > 1)
    pool->run(tasks, task);
  else
    for (int64_t t = 0; t < tasks; ++t) task(t);
}

// Float binary ops where one operand is the full output and the other is constant over a
// contiguous suffix ([N, C, 1, 1] against [N, C, H, W]) or a prefix (row vector); the rest
// goes to the reference kernel.
Status binary_fast(const GraphNode& n, const std::vector<const Tensor*>& in,
                   std::vector<Tensor>& out, const KernelContext& ctx) {
  if (!in[0] || !in[1] || !is_float(in[0]->dtype) || !is_float(in[1]->dtype))
    return ref::k_binary(n, in, out, ctx);
  const std::string& op = n.op_type;
  int code = op == "Add" ? 0 : op == "Sub" ? 1 : op == "Mul" ? 2 : op == "Div" ? 3 : -1;
  if (code < 0) return ref::k_binary(n, in, out, ctx);
  Result<Shape> os = broadcast_shapes(in[0]->shape, in[1]->shape);
  if (!os.ok()) return ref::k_binary(n, in, out, ctx);
  // Which operand is full size?
  const bool a_full = in[0]->shape == *os, b_full = in[1]->shape == *os;
  if (!a_full && !b_full) return ref::k_binary(n, in, out, ctx);
  const Tensor& big = a_full ? *in[0] : *in[1];
  const Tensor& small = a_full ? *in[1] : *in[0];
  const bool small_first = !a_full;
  // Align small to the output rank and classify.
  const size_t r = os->size();
  Shape al(r, 1);
  for (size_t d = 0; d < small.shape.size(); ++d) al[r - small.shape.size() + d] = small.shape[d];
  size_t split = r;  // al equals os on [0, split), 1 on [split, r)
  while (split > 0 && al[split - 1] == 1) --split;
  bool prefix_ok = true;
  for (size_t d = 0; d < split; ++d)
    if (al[d] != (*os)[d]) prefix_ok = false;
  int64_t inner = 1;
  for (size_t d = split; d < r; ++d) inner *= (*os)[d];
  bool row_vector = false;  // al is 1 on a prefix and equals os after it
  if (al == *os) {
    row_vector = true;
    inner = shape_numel(*os);
  } else if (!prefix_ok) {
    size_t lead = 0;
    while (lead < r && al[lead] == 1) ++lead;
    row_vector = true;
    for (size_t d = lead; d < r; ++d)
      if (al[d] != (*os)[d]) row_vector = false;
    if (!row_vector) return ref::k_binary(n, in, out, ctx);
    inner = 1;
    for (size_t d = lead; d < r; ++d) inner *= (*os)[d];
  }
  Status s = alloc(n, out[0], *os);
  if (!s.ok()) return s;
  const float* pb = big.f.data();
  const float* ps = small.f.data();
  float* po = out[0].f.data();
  const int64_t total = shape_numel(*os);
  if (inner == 0 || total == 0) return Status::Ok();
  parallel_range(ctx.pool, total, 16384, [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e;) {
      const int64_t seg_end = std::min(e, (k / inner + 1) * inner);
      for (; k < seg_end;) {
        const int64_t si0 = row_vector ? k % inner : k / inner;
        const int64_t cnt = seg_end - k;
        if (row_vector) {
          const float* sv = ps + si0;
          const float* bv = pb + k;
          float* ov = po + k;
          switch (code) {
            case 0:
              for (int64_t j = 0; j < cnt; ++j) ov[j] = bv[j] + sv[j];
              break;
            case 1:
              for (int64_t j = 0; j < cnt; ++j) ov[j] = small_first ? sv[j] - bv[j] : bv[j] - sv[j];
              break;
            case 2:
              for (int64_t j = 0; j < cnt; ++j) ov[j] = bv[j] * sv[j];
              break;
            default:
              for (int64_t j = 0; j < cnt; ++j) ov[j] = small_first ? sv[j] / bv[j] : bv[j] / sv[j];
              break;
          }
        } else {
          const float sv = ps[si0];
          const float* bv = pb + k;
          float* ov = po + k;
          switch (code) {
            case 0:
              for (int64_t j = 0; j < cnt; ++j) ov[j] = bv[j] + sv;
              break;
            case 1:
              for (int64_t j = 0; j < cnt; ++j) ov[j] = small_first ? sv - bv[j] : bv[j] - sv;
              break;
            case 2:
              for (int64_t j = 0; j < cnt; ++j) ov[j] = bv[j] * sv;
              break;
            default:
              for (int64_t j = 0; j < cnt; ++j) ov[j] = small_first ? sv / bv[j] : bv[j] / sv;
              break;
          }
        }
        k += cnt;
      }
    }
  });
  return Status::Ok();
}

// Resize of the last two axes of a 4-D tensor (N, C unchanged): index/weight tables once,
// then planes in parallel.
Status resize_fast(const GraphNode& n, const std::vector<const Tensor*>& in,
                   std::vector<Tensor>& out, const KernelContext& ctx) {
  Result<ResizePlan> plan = resize_plan(n, in, ctx.opset);
  if (!plan.ok()) return plan.status();
  const Tensor& x = *in[0];
  if (x.rank() != 4 || plan->out_shape[0] != x.shape[0] || plan->out_shape[1] != x.shape[1] ||
      plan->scales[0] != 1.0f || plan->scales[1] != 1.0f || x.shape[2] == 0 || x.shape[3] == 0) {
    return ref::k_resize(n, in, out, ctx);
  }
  Status s = alloc(n, out[0], plan->out_shape);
  if (!s.ok()) return s;
  const int64_t ih = x.shape[2], iw = x.shape[3], oh = plan->out_shape[2], ow = plan->out_shape[3];
  struct Tap {
    int64_t i0, i1;
    float w1;
  };
  auto table = [&](int64_t isz, int64_t osz, float scale) {
    std::vector<Tap> t(static_cast<size_t>(osz));
    for (int64_t o = 0; o < osz; ++o) {
      const float xs = resize_source_coord(*plan, o, isz, osz, scale);
      if (plan->mode == ResizePlan::Mode::kNearest) {
        const int64_t i = resize_nearest_index(*plan, xs, isz);
        t[o] = {i, i, 0.0f};
      } else {
        const float xc = std::min(std::max(xs, 0.0f), static_cast<float>(isz - 1));
        const int64_t i0 = static_cast<int64_t>(std::floor(xc));
        t[o] = {i0, std::min(i0 + 1, isz - 1), xc - static_cast<float>(i0)};
      }
    }
    return t;
  };
  const std::vector<Tap> ty = table(ih, oh, plan->scales[2]), tx = table(iw, ow, plan->scales[3]);
  const int64_t planes = x.shape[0] * x.shape[1];
  auto task = [&](int64_t p) {
    const float* src = x.f.data() + p * ih * iw;
    float* dst = out[0].f.data() + p * oh * ow;
    std::vector<float> r0(static_cast<size_t>(ow)), r1(static_cast<size_t>(ow));
    for (int64_t oy = 0; oy < oh; ++oy) {
      const Tap& a = ty[oy];
      const float* s0 = src + a.i0 * iw;
      const float* s1 = src + a.i1 * iw;
      // Horizontal first (matching the reference's axis order: rows, then columns is
      // equivalent up to rounding; both interpolate the same four taps).
      for (int64_t ox = 0; ox < ow; ++ox) {
        const Tap& b = tx[ox];
        r0[ox] = s0[b.i0] + (s0[b.i1] - s0[b.i0]) * b.w1;
        r1[ox] = s1[b.i0] + (s1[b.i1] - s1[b.i0]) * b.w1;
      }
      float* d = dst + oy * ow;
      for (int64_t ox = 0; ox < ow; ++ox) d[ox] = r0[ox] + (r1[ox] - r0[ox]) * a.w1;
    }
  };
  if (ctx.pool)
    ctx.pool->run(planes, task);
  else
    for (int64_t p = 0; p < planes; ++p) task(p);
  return Status::Ok();
}

Status softmax_fast(const GraphNode& n, const std::vector<const Tensor*>& in,
                    std::vector<Tensor>& out, const KernelContext& ctx) {
  if (ctx.opset < 13 || n.op_type != "Softmax" || !in[0] || !is_float(in[0]->dtype))
    return ref::k_softmax(n, in, out, ctx);
  const Tensor& x = *in[0];
  const int64_t r = x.rank();
  const int64_t axis = norm_axis(n.attr_int("axis", -1), std::max<int64_t>(r, 1));
  if (axis < 0 || r == 0) return ref::k_softmax(n, in, out, ctx);
  Status s = alloc(n, out[0], x.shape);
  if (!s.ok()) return s;
  int64_t outer = 1, len = x.shape[axis], inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x.shape[d];
  for (int64_t d = axis + 1; d < r; ++d) inner *= x.shape[d];
  constexpr int64_t kBlock = 1024;  // contiguous runs of 4 KiB per row: streams, no set conflicts
  const int64_t blocks = (inner + kBlock - 1) / kBlock;
  auto task = [&](int64_t t) {
    const int64_t o = t / blocks, i0 = (t % blocks) * kBlock, bl = std::min(kBlock, inner - i0);
    const float* p = x.f.data() + o * len * inner + i0;
    float* q = out[0].f.data() + o * len * inner + i0;
    float mx[kBlock], sum[kBlock];
    for (int64_t i = 0; i < bl; ++i) {
      mx[i] = -INFINITY;
      sum[i] = 0.0f;
    }
    for (int64_t k = 0; k < len; ++k)
      for (int64_t i = 0; i < bl; ++i) mx[i] = vmax(mx[i], p[k * inner + i]);
    for (int64_t k = 0; k < len; ++k)
      for (int64_t i = 0; i < bl; ++i) {
        const float e = fast_exp(p[k * inner + i] - mx[i]);
        q[k * inner + i] = e;
        sum[i] += e;
      }
    for (int64_t i = 0; i < bl; ++i) sum[i] = 1.0f / sum[i];
    for (int64_t k = 0; k < len; ++k)
      for (int64_t i = 0; i < bl; ++i) q[k * inner + i] *= sum[i];
  };
  if (ctx.pool)
    ctx.pool->run(outer * blocks, task);
  else
    for (int64_t t = 0; t < outer * blocks; ++t) task(t);
  return Status::Ok();
}

Status concat_fast(const GraphNode& n, const std::vector<const Tensor*>& in,
                   std::vector<Tensor>& out, const KernelContext& ctx) {
  for (const Tensor* t : in)
    if (!t || !is_float(t->dtype)) return ref::k_concat(n, in, out, ctx);
  const Tensor& x0 = *in[0];
  const int64_t r = x0.rank();
  const int64_t axis = norm_axis(n.attr_int("axis", 0), r);
  if (axis < 0) return ref::k_concat(n, in, out, ctx);
  Shape os = x0.shape;
  os[axis] = 0;
  for (const Tensor* t : in) {
    if (t->rank() != r) return ref::k_concat(n, in, out, ctx);
    for (int64_t d = 0; d < r; ++d)
      if (d != axis && t->shape[d] != x0.shape[d]) return ref::k_concat(n, in, out, ctx);
    os[axis] += t->shape[axis];
  }
  Status s = alloc(n, out[0], os);
  if (!s.ok()) return s;
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= os[d];
  for (int64_t d = axis + 1; d < r; ++d) inner *= os[d];
  int64_t off = 0;
  for (const Tensor* t : in) {
    const int64_t len = t->shape[axis] * inner;
    for (int64_t o = 0; o < outer; ++o) {
      if (len > 0)
        std::memcpy(out[0].f.data() + o * os[axis] * inner + off, t->f.data() + o * len,
                    sizeof(float) * len);
    }
    off += len;
  }
  return Status::Ok();
}

// Threaded float Relu / Clip / Sigmoid / Tanh / LeakyRelu (what is left unfused).
Status unary_fast(const GraphNode& n, const std::vector<const Tensor*>& in,
                  std::vector<Tensor>& out, const KernelContext& ctx) {
  if (!in[0] || !is_float(in[0]->dtype) || in[0]->numel() < 65536 ||
      (n.op_type == "Clip" && ctx.opset < 11)) {
    return ref::k_unary(n, in, out, ctx);
  }
  float lo = -INFINITY, hi = INFINITY;
  if (n.op_type == "Clip") {
    for (size_t k = 1; k < 3 && k < in.size(); ++k) {
      if (!in[k]) continue;
      if (!is_float(in[k]->dtype) || in[k]->f.size() != 1) return ref::k_unary(n, in, out, ctx);
      (k == 1 ? lo : hi) = in[k]->f[0];
    }
  }
  const int code = n.op_type == "Relu"        ? 0
                   : n.op_type == "Clip"      ? 1
                   : n.op_type == "Sigmoid"   ? 2
                   : n.op_type == "Tanh"      ? 3
                   : n.op_type == "LeakyRelu" ? 4
                                              : -1;
  if (code < 0) return ref::k_unary(n, in, out, ctx);
  const float alpha = n.attr_float("alpha", 0.01f);
  Status s = alloc(n, out[0], in[0]->shape);
  if (!s.ok()) return s;
  const float* p = in[0]->f.data();
  float* o = out[0].f.data();
  parallel_range(ctx.pool, in[0]->numel(), 16384, [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k) {
      const float v = p[k];
      switch (code) {
        case 0:
          o[k] = v > 0.0f ? v : 0.0f;
          break;
        case 1:
          o[k] = vmin(vmax(v, lo), hi);
          break;
        case 2:
          o[k] = 1.0f / (1.0f + std::exp(-v));
          break;
        case 3:
          o[k] = std::tanh(v);
          break;
        default:
          o[k] = v >= 0.0f ? v : alpha * v;
          break;
      }
    }
  });
  return Status::Ok();
}

}  // namespace

Kernel find_fast_kernel(const std::string& op) {
  if (op == "Conv") return conv_fast;
  if (op == "MatMul") return matmul_fast;
  if (op == "Gemm") return gemm_fast;
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") return binary_fast;
  if (op == "Resize" || op == "Upsample") return resize_fast;
  if (op == "Softmax") return softmax_fast;
  if (op == "Concat") return concat_fast;
  if (op == "Relu" || op == "Clip" || op == "Sigmoid" || op == "Tanh" || op == "LeakyRelu")
    return unary_fast;
  return nullptr;
}

}  // namespace colorize::nn
