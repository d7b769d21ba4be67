// Device kernels of the CUDA backend: elementwise, per-channel affine + activation,
// resize, softmax, plane means, pad. Grid-stride loops; float32 throughout.
#include "kernels.h"

namespace colorize::nn::cuda {
namespace {

constexpr int kThreads = 256;

inline unsigned blocks_for(int64_t n) {
  const int64_t b = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(b < 65535 * 8 ? (b < 1 ? 1 : b) : 65535 * 8);
}

__device__ __forceinline__ float apply_unary(int op, float v, float p0, float p1) {
  switch (op) {
    case kRelu:
      return v > 0.0f ? v : 0.0f;
    case kClip:
      return fminf(fmaxf(v, p0), p1);
    case kSigmoid:
      return 1.0f / (1.0f + expf(-v));
    case kTanh:
      return tanhf(v);
    case kLeakyRelu:
      return v >= 0.0f ? v : p0 * v;
    case kExp:
      return expf(v);
    case kNeg:
      return -v;
    case kAbs:
      return fabsf(v);
    case kSqrt:
      return sqrtf(v);
    case kHardSigmoid:
      return fminf(1.0f, fmaxf(0.0f, p0 * v + p1));
    case kHardSwish:
      return v * fminf(1.0f, fmaxf(0.0f, v / 6.0f + 0.5f));
    default:
      return v;
  }
}

__global__ void binary_kernel(int op, const float* __restrict__ a, const float* __restrict__ b,
                              float* __restrict__ y, int64_t n, Broadcast bc) {
  for (int64_t k = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; k < n;
       k += (int64_t)gridDim.x * blockDim.x) {
    int64_t rem = k, ia = 0, ib = 0;
    for (int d = 0; d < bc.rank; ++d) {
      const int64_t q = rem / bc.out_strides[d];
      rem -= q * bc.out_strides[d];
      ia += q * bc.a_strides[d];
      ib += q * bc.b_strides[d];
    }
    const float x = a[ia], z = b[ib];
    float v;
    switch (op) {
      case kAdd:
        v = x + z;
        break;
      case kSub:
        v = x - z;
        break;
      case kMul:
        v = x * z;
        break;
      case kDiv:
        v = x / z;
        break;
      case kMax:
        v = fmaxf(x, z);
        break;
      case kMin:
        v = fminf(x, z);
        break;
      default:
        v = powf(x, z);
        break;
    }
    y[k] = v;
  }
}

__global__ void unary_kernel(int op, const float* __restrict__ x, float* __restrict__ y, int64_t n,
                             float p0, float p1) {
  for (int64_t k = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; k < n;
       k += (int64_t)gridDim.x * blockDim.x)
    y[k] = apply_unary(op, x[k], p0, p1);
}

__global__ void affine_kernel(const float* x, float* y, const float* __restrict__ scale,
                              const float* __restrict__ shift, int64_t C, int64_t inner, int64_t n,
                              int act, float p0, float p1) {
  for (int64_t k = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; k < n;
       k += (int64_t)gridDim.x * blockDim.x) {
    const int64_t c = (k / inner) % C;
    float v = x[k];
    if (scale) v *= scale[c];
    if (shift) v += shift[c];
    y[k] = apply_unary(act, v, p0, p1);
  }
}

__global__ void resize_kernel(const float* __restrict__ x, float* __restrict__ y, int64_t planes,
                              int64_t ih, int64_t iw, int64_t oh, int64_t ow,
                              const int64_t* __restrict__ y0, const int64_t* __restrict__ y1,
                              const float* __restrict__ wy, const int64_t* __restrict__ x0,
                              const int64_t* __restrict__ x1, const float* __restrict__ wx) {
  const int64_t n = planes * oh * ow;
  for (int64_t k = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; k < n;
       k += (int64_t)gridDim.x * blockDim.x) {
    const int64_t ox = k % ow, oy = (k / ow) % oh, p = k / (ow * oh);
    const float* s0 = x + (p * ih + y0[oy]) * iw;
    const float* s1 = x + (p * ih + y1[oy]) * iw;
    const float r0 = s0[x0[ox]] + (s0[x1[ox]] - s0[x0[ox]]) * wx[ox];
    const float r1 = s1[x0[ox]] + (s1[x1[ox]] - s1[x0[ox]]) * wx[ox];
    y[k] = r0 + (r1 - r0) * wy[oy];
  }
}

// One thread per (outer, inner) position: three passes over `len` (coalesced along inner).
__global__ void softmax_kernel(const float* __restrict__ x, float* __restrict__ y, int64_t outer,
                               int64_t len, int64_t inner, bool log) {
  const int64_t n = outer * inner;
  for (int64_t k = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; k < n;
       k += (int64_t)gridDim.x * blockDim.x) {
    const int64_t o = k / inner, i = k % inner;
    const float* p = x + o * len * inner + i;
    float* q = y + o * len * inner + i;
    float mx = -INFINITY;
    for (int64_t j = 0; j < len; ++j) mx = fmaxf(mx, p[j * inner]);
    float sum = 0.0f;
    for (int64_t j = 0; j < len; ++j) sum += expf(p[j * inner] - mx);
    const float inv = 1.0f / sum, ls = logf(sum);
    for (int64_t j = 0; j < len; ++j) {
      const float e = p[j * inner] - mx;
      q[j * inner] = log ? e - ls : expf(e) * inv;
    }
  }
}

// One thread per pixel: the channel maximum, then exponentials accumulated into up to 8
// weighted sums at a time (all threads of a warp read the same weight: a broadcast).
__global__ void softmax_conv_kernel(const float* __restrict__ x, const float* __restrict__ w,
                                    const float* __restrict__ bias, float* __restrict__ y,
                                    int64_t N, int64_t C, int64_t HW, int64_t M, int act, float p0,
                                    float p1) {
  constexpr int kMB = 8;
  const int64_t n = N * HW;
  for (int64_t k = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; k < n;
       k += (int64_t)gridDim.x * blockDim.x) {
    const int64_t b = k / HW, p = k % HW;
    const float* xp = x + b * C * HW + p;
    float mx = -INFINITY;
    for (int64_t c = 0; c < C; ++c) mx = fmaxf(mx, xp[c * HW]);
    for (int64_t m0 = 0; m0 < M; m0 += kMB) {
      float acc[kMB];
      for (int j = 0; j < kMB; ++j) acc[j] = 0.0f;
      float sum = 0.0f;
      const int mb = (int)(M - m0 < kMB ? M - m0 : kMB);
      for (int64_t c = 0; c < C; ++c) {
        const float e = expf(xp[c * HW] - mx);
        sum += e;
        for (int j = 0; j < kMB; ++j)
          if (j < mb) acc[j] += w[(m0 + j) * C + c] * e;
      }
      const float inv = 1.0f / sum;
      for (int j = 0; j < mb; ++j) {
        const float v = acc[j] * inv + (bias ? bias[m0 + j] : 0.0f);
        y[(b * M + m0 + j) * HW + p] = apply_unary(act, v, p0, p1);
      }
    }
  }
}

__global__ void plane_mean_kernel(const float* __restrict__ x, float* __restrict__ y,
                                  int64_t inner) {
  __shared__ float part[kThreads];
  const float* p = x + blockIdx.x * inner;
  float s = 0.0f;
  for (int64_t k = threadIdx.x; k < inner; k += blockDim.x) s += p[k];
  part[threadIdx.x] = s;
  __syncthreads();
  for (int w = blockDim.x / 2; w > 0; w /= 2) {
    if (threadIdx.x < w) part[threadIdx.x] += part[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0) y[blockIdx.x] = part[0] / static_cast<float>(inner);
}

__global__ void pad_kernel(const float* __restrict__ x, float* __restrict__ y, int64_t n, PadDesc d,
                           int mode, float value) {
  for (int64_t k = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; k < n;
       k += (int64_t)gridDim.x * blockDim.x) {
    int64_t rem = k, src = 0;
    bool inside = true;
    for (int a = 0; a < d.rank; ++a) {
      int64_t i = rem / d.out_strides[a] - d.begin[a];
      rem %= d.out_strides[a];
      const int64_t len = d.in_shape[a];
      if (i < 0 || i >= len) {
        if (mode == 0) {
          inside = false;
          break;
        }
        if (mode == 2 || len == 1)
          i = i < 0 ? 0 : len - 1;
        else {
          const int64_t period = 2 * (len - 1);
          i %= period;
          if (i < 0) i += period;
          if (i >= len) i = period - i;
        }
      }
      src += i * d.in_strides[a];
    }
    y[k] = inside ? x[src] : value;
  }
}

}  // namespace

void binary(BinaryOp op, const float* a, const float* b, float* y, int64_t n, const Broadcast& bc,
            cudaStream_t s) {
  if (n > 0) binary_kernel<<<blocks_for(n), kThreads, 0, s>>>(op, a, b, y, n, bc);
}
void unary(UnaryOp op, const float* x, float* y, int64_t n, float p0, float p1, cudaStream_t s) {
  if (n > 0) unary_kernel<<<blocks_for(n), kThreads, 0, s>>>(op, x, y, n, p0, p1);
}
void channel_affine(const float* x, float* y, const float* scale, const float* shift, int64_t C,
                    int64_t inner, int64_t n, UnaryOp act, float p0, float p1, cudaStream_t s) {
  if (n > 0)
    affine_kernel<<<blocks_for(n), kThreads, 0, s>>>(x, y, scale, shift, C, inner, n, act, p0, p1);
}
void resize2d(const float* x, float* y, int64_t planes, int64_t ih, int64_t iw, int64_t oh,
              int64_t ow, const int64_t* y0, const int64_t* y1, const float* wy, const int64_t* x0,
              const int64_t* x1, const float* wx, cudaStream_t s) {
  const int64_t n = planes * oh * ow;
  if (n > 0)
    resize_kernel<<<blocks_for(n), kThreads, 0, s>>>(x, y, planes, ih, iw, oh, ow, y0, y1, wy, x0,
                                                     x1, wx);
}
void softmax(const float* x, float* y, int64_t outer, int64_t len, int64_t inner, bool log,
             cudaStream_t s) {
  const int64_t n = outer * inner;
  if (n > 0) softmax_kernel<<<blocks_for(n), kThreads, 0, s>>>(x, y, outer, len, inner, log);
}
void softmax_conv1x1(const float* x, const float* w, const float* bias, float* y, int64_t N,
                     int64_t C, int64_t HW, int64_t M, UnaryOp act, float p0, float p1,
                     cudaStream_t s) {
  const int64_t n = N * HW;
  if (n > 0)
    softmax_conv_kernel<<<blocks_for(n), kThreads, 0, s>>>(x, w, bias, y, N, C, HW, M, act, p0, p1);
}
void plane_mean(const float* x, float* y, int64_t planes, int64_t inner, cudaStream_t s) {
  if (planes > 0) plane_mean_kernel<<<static_cast<unsigned>(planes), kThreads, 0, s>>>(x, y, inner);
}
void pad(const float* x, float* y, int64_t n, const PadDesc& d, int mode, float value,
         cudaStream_t s) {
  if (n > 0) pad_kernel<<<blocks_for(n), kThreads, 0, s>>>(x, y, n, d, mode, value);
}

}  // namespace colorize::nn::cuda
