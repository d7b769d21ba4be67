// Reference kernels: convolution, transposed convolution, resize, pad, dequantize.
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "ops_common.h"

namespace colorize::nn {

using namespace detail;

namespace {

// Reads the per-axis attribute `key` (length nsp) or fills `fallback`.
Status axis_attr(const GraphNode& n, const std::string& key, size_t len, int64_t fallback,
                 std::vector<int64_t>& v) {
  v = n.attr_ints(key);
  if (v.empty()) v.assign(len, fallback);
  if (v.size() != len) {
    return node_error(n, "attribute '" + key + "' has " + std::to_string(v.size()) +
                             " values, expected " + std::to_string(len));
  }
  return Status::Ok();
}

}  // namespace

Result<ConvGeometry> conv_geometry(const GraphNode& n, const Shape& x, const Shape& w) {
  if (x.size() < 3 || x.size() > 4)
    return unsupported(n,
                       "only 1-D and 2-D convolutions are supported, input is " + shape_string(x));
  if (w.size() != x.size())
    return node_error(n, "weight " + shape_string(w) + " does not match input " + shape_string(x));
  const size_t nsp = x.size() - 2;
  ConvGeometry g;
  g.groups = n.attr_int("group", 1);
  if (g.groups < 1 || x[1] % g.groups != 0 || w[0] % g.groups != 0 || x[1] / g.groups != w[1]) {
    return node_error(n, "input " + shape_string(x) + ", weight " + shape_string(w) +
                             " and group " + std::to_string(g.groups) + " do not fit");
  }
  Status s = axis_attr(n, "strides", nsp, 1, g.strides);
  if (s.ok()) s = axis_attr(n, "dilations", nsp, 1, g.dilations);
  if (!s.ok()) return s;
  g.kernel = n.attr_ints("kernel_shape");
  if (g.kernel.empty()) g.kernel.assign(w.begin() + 2, w.end());
  if (g.kernel != Shape(w.begin() + 2, w.end()))
    return node_error(n, "kernel_shape disagrees with the weight");
  std::vector<int64_t> pads;
  s = axis_attr(n, "pads", 2 * nsp, 0, pads);
  if (!s.ok()) return s;
  const std::string ap = n.attr_string("auto_pad", "NOTSET");
  g.pads_begin.resize(nsp);
  g.pads_end.resize(nsp);
  g.out.resize(nsp);
  for (size_t d = 0; d < nsp; ++d) {
    const int64_t in = x[2 + d], st = g.strides[d], dl = g.dilations[d];
    if (st < 1 || dl < 1 || g.kernel[d] < 1)
      return node_error(n, "strides, dilations and kernel must be >= 1");
    if (st > kMaxConvParam || dl > kMaxConvParam || g.kernel[d] > kMaxConvParam ||
        pads[d] > kMaxConvParam || pads[d + nsp] > kMaxConvParam) {
      return node_error(n, "kernel, stride, dilation or pads out of range");
    }
    const int64_t dk = (g.kernel[d] - 1) * dl + 1;
    if (ap == "SAME_UPPER" || ap == "SAME_LOWER") {
      g.out[d] = (in + st - 1) / st;
      const int64_t total = std::max<int64_t>(0, (g.out[d] - 1) * st + dk - in);
      g.pads_begin[d] = ap == "SAME_UPPER" ? total / 2 : total - total / 2;
      g.pads_end[d] = total - g.pads_begin[d];
    } else if (ap == "VALID") {
      g.pads_begin[d] = g.pads_end[d] = 0;
      g.out[d] = in >= dk ? (in - dk) / st + 1 : 0;
    } else if (ap == "NOTSET") {
      g.pads_begin[d] = pads[d];
      g.pads_end[d] = pads[d + nsp];
      if (pads[d] < 0 || pads[d + nsp] < 0) return node_error(n, "negative pads");
      const int64_t span = in + pads[d] + pads[d + nsp] - dk;
      g.out[d] = span >= 0 ? span / st + 1 : 0;
    } else {
      return unsupported(n, "auto_pad '" + ap + "'");
    }
    if (g.out[d] <= 0)
      return node_error(n, "input " + shape_string(x) + " is smaller than the kernel");
  }
  return g;
}

Result<ConvGeometry> conv_transpose_geometry(const GraphNode& n, const Shape& x, const Shape& w) {
  if (x.size() < 3 || x.size() > 4)
    return unsupported(n, "only 1-D and 2-D transposed convolutions are supported");
  if (w.size() != x.size() || w[0] != x[1])
    return node_error(n, "weight " + shape_string(w) + " does not match input " + shape_string(x));
  const size_t nsp = x.size() - 2;
  ConvGeometry g;
  g.groups = n.attr_int("group", 1);
  if (g.groups < 1 || x[1] % g.groups != 0)
    return node_error(n, "group does not divide the channels");
  Status s = axis_attr(n, "strides", nsp, 1, g.strides);
  if (s.ok()) s = axis_attr(n, "dilations", nsp, 1, g.dilations);
  if (!s.ok()) return s;
  g.kernel = n.attr_ints("kernel_shape");
  if (g.kernel.empty()) g.kernel.assign(w.begin() + 2, w.end());
  if (g.kernel != Shape(w.begin() + 2, w.end()))
    return node_error(n, "kernel_shape disagrees with the weight");
  std::vector<int64_t> pads, opad;
  s = axis_attr(n, "pads", 2 * nsp, 0, pads);
  if (s.ok()) s = axis_attr(n, "output_padding", nsp, 0, opad);
  if (!s.ok()) return s;
  std::vector<int64_t> oshape = n.attr_ints("output_shape");
  if (oshape.size() == nsp + 2) oshape.erase(oshape.begin(), oshape.begin() + 2);
  if (!oshape.empty() && oshape.size() != nsp)
    return node_error(n, "output_shape has the wrong length");
  const std::string ap = n.attr_string("auto_pad", "NOTSET");
  if (ap != "NOTSET" && ap != "VALID" && ap != "SAME_UPPER" && ap != "SAME_LOWER")
    return unsupported(n, "auto_pad '" + ap + "'");
  g.pads_begin.resize(nsp);
  g.pads_end.resize(nsp);
  g.out.resize(nsp);
  for (size_t d = 0; d < nsp; ++d) {
    const int64_t in = x[2 + d], st = g.strides[d], dl = g.dilations[d];
    if (st < 1 || dl < 1) return node_error(n, "strides and dilations must be >= 1");
    if (st > kMaxConvParam || dl > kMaxConvParam || g.kernel[d] > kMaxConvParam ||
        std::abs(pads[d]) > kMaxConvParam || std::abs(pads[d + nsp]) > kMaxConvParam ||
        std::abs(opad[d]) > kMaxConvParam || in > kMaxElements) {
      return node_error(n, "kernel, stride, dilation or pads out of range");
    }
    if (!oshape.empty() && (oshape[d] < 0 || oshape[d] > kMaxElements))
      return node_error(n, "output_shape out of range");
    const int64_t dk = (g.kernel[d] - 1) * dl + 1;
    const int64_t full = st * (in - 1) + opad[d] + dk;
    if (!oshape.empty() || ap == "SAME_UPPER" || ap == "SAME_LOWER") {
      const int64_t target = !oshape.empty() ? oshape[d] : in * st;
      const int64_t total = full - target;
      if (total < 0 && oshape.empty()) return node_error(n, "cannot reach the SAME output size");
      if (ap == "SAME_UPPER") {
        g.pads_begin[d] = total / 2;
        g.pads_end[d] = total - total / 2;
      } else {
        g.pads_begin[d] = total - total / 2;
        g.pads_end[d] = total / 2;
      }
      g.out[d] = target;
    } else {
      if (ap == "VALID") pads[d] = pads[d + nsp] = 0;
      g.pads_begin[d] = pads[d];
      g.pads_end[d] = pads[d + nsp];
      g.out[d] = full - pads[d] - pads[d + nsp];
    }
    if (g.out[d] <= 0) return node_error(n, "empty output");
  }
  return g;
}

namespace {

// Views a 1-D geometry as 2-D (H = 1) so one loop nest serves both.
struct Geo2 {
  int64_t kh, kw, sh, sw, dh, dw, ph, pw, oh, ow, ih, iw;
};
Geo2 as2d(const ConvGeometry& g, const Shape& x) {
  const bool one = g.kernel.size() == 1;
  Geo2 r;
  r.kh = one ? 1 : g.kernel[0];
  r.kw = g.kernel.back();
  r.sh = one ? 1 : g.strides[0];
  r.sw = g.strides.back();
  r.dh = one ? 1 : g.dilations[0];
  r.dw = g.dilations.back();
  r.ph = one ? 0 : g.pads_begin[0];
  r.pw = g.pads_begin.back();
  r.oh = one ? 1 : g.out[0];
  r.ow = g.out.back();
  r.ih = one ? 1 : x[2];
  r.iw = x.back();
  return r;
}

Status conv(const GraphNode& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out,
            const KernelContext&) {
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
  const Geo2 g = as2d(*geo, x.shape);
  const int64_t N = x.shape[0], C = x.shape[1], G = geo->groups, Cg = C / G, Mg = M / G;
  for (int64_t b = 0; b < N; ++b) {
    for (int64_t m = 0; m < M; ++m) {
      const int64_t grp = m / Mg;
      float* o = out[0].f.data() + (b * M + m) * g.oh * g.ow;
      for (int64_t oy = 0; oy < g.oh; ++oy) {
        for (int64_t ox = 0; ox < g.ow; ++ox) {
          double acc = bias ? bias->f[m] : 0.0;
          for (int64_t c = 0; c < Cg; ++c) {
            const float* xp = x.f.data() + (b * C + grp * Cg + c) * g.ih * g.iw;
            const float* wp = w.f.data() + (m * Cg + c) * g.kh * g.kw;
            for (int64_t ky = 0; ky < g.kh; ++ky) {
              const int64_t iy = oy * g.sh - g.ph + ky * g.dh;
              if (iy < 0 || iy >= g.ih) continue;
              for (int64_t kx = 0; kx < g.kw; ++kx) {
                const int64_t ix = ox * g.sw - g.pw + kx * g.dw;
                if (ix < 0 || ix >= g.iw) continue;
                acc += static_cast<double>(xp[iy * g.iw + ix]) * wp[ky * g.kw + kx];
              }
            }
          }
          o[oy * g.ow + ox] = static_cast<float>(acc);
        }
      }
    }
  }
  return Status::Ok();
}

Status conv_transpose(const GraphNode& n, const std::vector<const Tensor*>& in,
                      std::vector<Tensor>& out, const KernelContext&) {
  Status s = need_float(n, in, 0);
  if (s.ok()) s = need_float(n, in, 1);
  if (!s.ok()) return s;
  const Tensor &x = *in[0], &w = *in[1];
  Result<ConvGeometry> geo = conv_transpose_geometry(n, x.shape, w.shape);
  if (!geo.ok()) return geo.status();
  const int64_t G = geo->groups, C = x.shape[1], Cg = C / G, Mg = w.shape[1], M = Mg * G;
  const Tensor* bias = in.size() > 2 ? in[2] : nullptr;
  if (bias && (!is_float(bias->dtype) || static_cast<int64_t>(bias->f.size()) != M))
    return node_error(n, "bias must have M values");
  Shape os = {x.shape[0], M};
  os.insert(os.end(), geo->out.begin(), geo->out.end());
  s = alloc(n, out[0], os);
  if (!s.ok()) return s;
  const Geo2 g = as2d(*geo, x.shape);
  const int64_t N = x.shape[0];
  std::vector<double> acc(static_cast<size_t>(g.oh * g.ow));
  for (int64_t b = 0; b < N; ++b) {
    for (int64_t m = 0; m < M; ++m) {
      const int64_t grp = m / Mg, mm = m % Mg;
      std::fill(acc.begin(), acc.end(), bias ? bias->f[m] : 0.0);
      for (int64_t c = 0; c < Cg; ++c) {
        const int64_t ci = grp * Cg + c;
        const float* xp = x.f.data() + (b * C + ci) * g.ih * g.iw;
        const float* wp = w.f.data() + (ci * Mg + mm) * g.kh * g.kw;
        for (int64_t iy = 0; iy < g.ih; ++iy) {
          for (int64_t ix = 0; ix < g.iw; ++ix) {
            const double v = xp[iy * g.iw + ix];
            for (int64_t ky = 0; ky < g.kh; ++ky) {
              const int64_t oy = iy * g.sh - g.ph + ky * g.dh;
              if (oy < 0 || oy >= g.oh) continue;
              for (int64_t kx = 0; kx < g.kw; ++kx) {
                const int64_t ox = ix * g.sw - g.pw + kx * g.dw;
                if (ox < 0 || ox >= g.ow) continue;
                acc[oy * g.ow + ox] += v * wp[ky * g.kw + kx];
              }
            }
          }
        }
      }
      float* o = out[0].f.data() + (b * M + m) * g.oh * g.ow;
      for (size_t k = 0; k < acc.size(); ++k) o[k] = static_cast<float>(acc[k]);
    }
  }
  return Status::Ok();
}

}  // namespace

Result<ResizePlan> resize_plan(const GraphNode& n, const std::vector<const Tensor*>& in,
                               int64_t opset) {
  ResizePlan p;
  if (!in[0] || !is_float(in[0]->dtype)) return node_error(n, "input must be float32");
  const Shape& xs = in[0]->shape;
  const size_t r = xs.size();
  std::string mode = n.attr_string("mode", "nearest");
  if (mode == "nearest")
    p.mode = ResizePlan::Mode::kNearest;
  else if (mode == "linear" || mode == "bilinear")
    p.mode = ResizePlan::Mode::kLinear;
  else
    return unsupported(n, "mode '" + mode + "'");
  const Tensor* scales = nullptr;
  const Tensor* sizes = nullptr;
  if (n.op_type == "Upsample") {
    p.coord = ResizePlan::Coord::kAsymmetric;
    p.nearest = ResizePlan::Nearest::kFloor;
    if (in.size() > 1 && in[1])
      scales = in[1];
    else {
      p.scales = n.attr_floats("scales");
      if (p.scales.empty()) return node_error(n, "no scales");
    }
  } else if (opset < 11) {
    p.coord = ResizePlan::Coord::kAsymmetric;
    p.nearest = ResizePlan::Nearest::kFloor;
    scales = in.size() > 1 ? in[1] : nullptr;
    if (!scales) return node_error(n, "no scales");
  } else {
    const std::string ct = n.attr_string("coordinate_transformation_mode", "half_pixel");
    if (ct == "half_pixel")
      p.coord = ResizePlan::Coord::kHalfPixel;
    else if (ct == "pytorch_half_pixel")
      p.coord = ResizePlan::Coord::kPytorchHalfPixel;
    else if (ct == "align_corners")
      p.coord = ResizePlan::Coord::kAlignCorners;
    else if (ct == "asymmetric")
      p.coord = ResizePlan::Coord::kAsymmetric;
    else
      return unsupported(n, "coordinate_transformation_mode '" + ct + "'");
    const std::string nm = n.attr_string("nearest_mode", "round_prefer_floor");
    if (nm == "round_prefer_floor")
      p.nearest = ResizePlan::Nearest::kRoundPreferFloor;
    else if (nm == "round_prefer_ceil")
      p.nearest = ResizePlan::Nearest::kRoundPreferCeil;
    else if (nm == "floor")
      p.nearest = ResizePlan::Nearest::kFloor;
    else if (nm == "ceil")
      p.nearest = ResizePlan::Nearest::kCeil;
    else
      return unsupported(n, "nearest_mode '" + nm + "'");
    if (n.attr_int("antialias", 0) != 0) return unsupported(n, "antialias=1");
    if (n.has_attr("axes")) return unsupported(n, "the axes attribute");
    if (n.attr_string("keep_aspect_ratio_policy", "stretch") != "stretch")
      return unsupported(n, "keep_aspect_ratio_policy");
    if (in.size() > 2 && in[2] && in[2]->numel() > 0)
      scales = in[2];
    else if (in.size() > 3 && in[3] && in[3]->numel() > 0)
      sizes = in[3];
    else
      return node_error(n, "neither scales nor sizes given");
  }
  if (scales) {
    if (!is_float(scales->dtype)) return node_error(n, "scales must be float32");
    p.scales = scales->f;
  }
  p.out_shape.resize(r);
  if (sizes) {
    if (is_float(sizes->dtype)) return node_error(n, "sizes must be int64");
    if (sizes->i.size() != r) return node_error(n, "sizes must have one value per axis");
    p.scales.resize(r);
    for (size_t d = 0; d < r; ++d) {
      if (sizes->i[d] <= 0) return node_error(n, "sizes must be positive");
      p.out_shape[d] = sizes->i[d];
      p.scales[d] = xs[d] > 0 ? static_cast<float>(sizes->i[d]) / static_cast<float>(xs[d]) : 1.0f;
    }
  } else {
    if (p.scales.size() != r) return node_error(n, "scales must have one value per axis");
    for (size_t d = 0; d < r; ++d) {
      if (!(p.scales[d] > 0.0f) || !(p.scales[d] < 1e6f))
        return node_error(n, "scales must be positive");
      const double o = std::floor(static_cast<double>(xs[d]) * p.scales[d]);
      if (o > static_cast<double>(kMaxElements))
        return Status(ErrorCode::kTooLarge, n.label() + ": output too large");
      p.out_shape[d] = static_cast<int64_t>(o);
    }
  }
  if (shape_numel(p.out_shape) < 0)
    return Status(ErrorCode::kTooLarge, n.label() + ": output too large");
  return p;
}

float resize_source_coord(const ResizePlan& p, int64_t o, int64_t in_size, int64_t out_size,
                          float scale) {
  const float x = static_cast<float>(o);
  switch (p.coord) {
    case ResizePlan::Coord::kHalfPixel:
      return (x + 0.5f) / scale - 0.5f;
    case ResizePlan::Coord::kPytorchHalfPixel:
      return out_size > 1 ? (x + 0.5f) / scale - 0.5f : 0.0f;
    case ResizePlan::Coord::kAlignCorners:
      return out_size > 1 ? x * static_cast<float>(in_size - 1) / static_cast<float>(out_size - 1)
                          : 0.0f;
    case ResizePlan::Coord::kAsymmetric:
      return x / scale;
  }
  return 0.0f;
}

int64_t resize_nearest_index(const ResizePlan& p, float x, int64_t in_size) {
  float v;
  switch (p.nearest) {
    case ResizePlan::Nearest::kRoundPreferFloor:
      v = (x == std::floor(x) + 0.5f) ? std::floor(x) : std::round(x);
      break;
    case ResizePlan::Nearest::kRoundPreferCeil:
      v = (x == std::floor(x) + 0.5f) ? std::ceil(x) : std::round(x);
      break;
    case ResizePlan::Nearest::kFloor:
      v = std::floor(x);
      break;
    default:
      v = std::ceil(x);
      break;
  }
  int64_t i = static_cast<int64_t>(std::max(-1.0f, std::min(v, static_cast<float>(in_size))));
  return std::min(std::max<int64_t>(i, 0), in_size - 1);
}

namespace {

// Separable: resamples one axis at a time (linear interpolation and nearest are separable).
Status resize(const GraphNode& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out,
              const KernelContext& ctx) {
  Result<ResizePlan> plan = resize_plan(n, in, ctx.opset);
  if (!plan.ok()) return plan.status();
  Tensor cur = *in[0];
  const size_t r = cur.shape.size();
  for (size_t d = 0; d < r; ++d) {
    const int64_t isz = cur.shape[d], osz = plan->out_shape[d];
    if (isz == osz && plan->scales[d] == 1.0f) continue;
    if (isz == 0) return node_error(n, "cannot resize an empty axis");
    Shape ns = cur.shape;
    ns[d] = osz;
    Tensor next;
    Status s = alloc(n, next, ns);
    if (!s.ok()) return s;
    int64_t outer = 1, inner = 1;
    for (size_t e = 0; e < d; ++e) outer *= ns[e];
    for (size_t e = d + 1; e < r; ++e) inner *= ns[e];
    for (int64_t o = 0; o < osz; ++o) {
      const float xs = resize_source_coord(*plan, o, isz, osz, plan->scales[d]);
      int64_t i0, i1;
      float w1 = 0.0f;
      if (plan->mode == ResizePlan::Mode::kNearest) {
        i0 = i1 = resize_nearest_index(*plan, xs, isz);
      } else {
        const float xc = std::min(std::max(xs, 0.0f), static_cast<float>(isz - 1));
        i0 = static_cast<int64_t>(std::floor(xc));
        i1 = std::min(i0 + 1, isz - 1);
        w1 = xc - static_cast<float>(i0);
      }
      for (int64_t a = 0; a < outer; ++a) {
        const float* s0 = cur.f.data() + (a * isz + i0) * inner;
        const float* s1 = cur.f.data() + (a * isz + i1) * inner;
        float* q = next.f.data() + (a * osz + o) * inner;
        for (int64_t k = 0; k < inner; ++k) q[k] = s0[k] + (s1[k] - s0[k]) * w1;
      }
    }
    cur = std::move(next);
  }
  out[0] = std::move(cur);
  return Status::Ok();
}

Status pad(const GraphNode& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out,
           const KernelContext& ctx) {
  if (!in[0]) return node_error(n, "missing input");
  const Tensor& x = *in[0];
  const int64_t r = x.rank();
  std::vector<int64_t> pads;
  double value = 0.0;
  if (ctx.opset < 11) {
    pads = n.attr_ints("pads");
    value = n.attr_float("value", 0.0f);
  } else {
    Status s = need_int(n, in, 1);
    if (!s.ok()) return s;
    pads = in[1]->i;
    if (in.size() > 2 && in[2] && in[2]->stored() > 0) value = in[2]->value(0);
    if (in.size() > 3 && in[3]) {
      // opset 18 axes: expand pads to all axes.
      std::vector<int64_t> axes = int_values(*in[3]);
      if (pads.size() != 2 * axes.size()) return node_error(n, "pads and axes disagree");
      std::vector<int64_t> full(2 * r, 0);
      for (size_t k = 0; k < axes.size(); ++k) {
        const int64_t a = norm_axis(axes[k], r);
        if (a < 0) return node_error(n, "axis out of range");
        full[a] = pads[k];
        full[a + r] = pads[k + axes.size()];
      }
      pads = full;
    }
  }
  if (static_cast<int64_t>(pads.size()) != 2 * r)
    return node_error(n, "pads must have 2 * rank values");
  const std::string mode = n.attr_string("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge")
    return unsupported(n, "mode '" + mode + "'");
  Shape os(r);
  for (int64_t d = 0; d < r; ++d) {
    if (pads[d] > kMaxElements || pads[d + r] > kMaxElements || pads[d] < -kMaxElements ||
        pads[d + r] < -kMaxElements)
      return node_error(n, "pads out of range");
    os[d] = x.shape[d] + pads[d] + pads[d + r];
    if (os[d] < 0) return node_error(n, "pads remove more than the input has");
    if (mode != "constant" && x.shape[d] == 0 && os[d] > 0)
      return node_error(n, "cannot " + mode + "-pad an empty axis");
  }
  Status s = alloc(n, out[0], os, x.dtype);
  if (!s.ok()) return s;
  const auto so = strides_of(os), sx = strides_of(x.shape);
  const int64_t total = shape_numel(os);
  const bool fl = is_float(x.dtype);
  for (int64_t k = 0; k < total; ++k) {
    int64_t rem = k, src = 0;
    bool inside = true;
    for (int64_t d = 0; d < r; ++d) {
      int64_t i = rem / so[d] - pads[d];
      rem %= so[d];
      const int64_t len = x.shape[d];
      if (i < 0 || i >= len) {
        if (mode == "constant") {
          inside = false;
          break;
        }
        if (mode == "edge")
          i = i < 0 ? 0 : len - 1;
        else if (len == 1)
          i = 0;
        else {
          const int64_t period = 2 * (len - 1);
          i %= period;
          if (i < 0) i += period;
          if (i >= len) i = period - i;
        }
      }
      src += i * sx[d];
    }
    if (fl)
      out[0].f[k] = inside ? x.f[src] : static_cast<float>(value);
    else
      out[0].i[k] = inside ? x.i[src] : saturate_int64(value);
  }
  return Status::Ok();
}

Status dequantize(const GraphNode& n, const std::vector<const Tensor*>& in,
                  std::vector<Tensor>& out, const KernelContext&) {
  Status s = need_int(n, in, 0);
  if (s.ok()) s = need_float(n, in, 1);
  if (!s.ok()) return s;
  if (n.attr_int("block_size", 0) != 0) return unsupported(n, "blocked quantization");
  const Tensor &x = *in[0], &sc = *in[1];
  const Tensor* zp = in.size() > 2 ? in[2] : nullptr;
  if (zp && (is_float(zp->dtype) || zp->i.size() != sc.f.size()))
    return node_error(n, "zero point must match the scale");
  s = alloc(n, out[0], x.shape);
  if (!s.ok()) return s;
  if (sc.f.size() == 1) {
    const float z = zp ? static_cast<float>(zp->i[0]) : 0.0f;
    for (size_t k = 0; k < x.i.size(); ++k)
      out[0].f[k] = (static_cast<float>(x.i[k]) - z) * sc.f[0];
    return Status::Ok();
  }
  const int64_t axis = norm_axis(n.attr_int("axis", 1), x.rank());
  if (axis < 0 || sc.rank() != 1 || x.shape[axis] != sc.shape[0])
    return node_error(n, "per-axis scale does not match the axis");
  int64_t inner = 1;
  for (int64_t d = axis + 1; d < x.rank(); ++d) inner *= x.shape[d];
  const int64_t len = x.shape[axis];
  for (size_t k = 0; k < x.i.size(); ++k) {
    const int64_t c = (static_cast<int64_t>(k) / inner) % len;
    const float z = zp ? static_cast<float>(zp->i[c]) : 0.0f;
    out[0].f[k] = (static_cast<float>(x.i[k]) - z) * sc.f[c];
  }
  return Status::Ok();
}

}  // namespace

namespace ref {
Kernel k_conv = conv, k_conv_transpose = conv_transpose, k_resize = resize, k_pad = pad,
       k_dequantize = dequantize;
}  // namespace ref

}  // namespace colorize::nn
