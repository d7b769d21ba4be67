// Blocked single-precision GEMM for the fast CPU backend (internal).
//
//   C[M, N] = act(A[M, K] * B[K, N] + bias[M])
//
// A is row-major with leading dimension lda. B is never read directly: `pack_b` writes a
// K-block x N-chunk of it into panels of kNR columns (the caller supplies B implicitly, e.g.
// an im2col view of a convolution input). The work is spread over the pool.
#pragma once

#include <cstdint>

#include "thread_pool.h"

namespace colorize::nn::gemm {

constexpr int kMR = 6;   // rows of a micro-tile
constexpr int kNR = 16;  // columns of a micro-tile

struct Activation {
  enum Kind { kNone, kRelu, kClip, kLeaky } kind = kNone;
  float lo = 0.0f, hi = 0.0f, alpha = 0.0f;
  float apply(float v) const {
    switch (kind) {
      case kRelu:
        return v > 0.0f ? v : 0.0f;
      case kClip:
        return v < lo ? lo : (v > hi ? hi : v);
      case kLeaky:
        return v >= 0.0f ? v : alpha * v;
      default:
        return v;
    }
  }
};

// Writes rows [k0, k0+kc) x columns [n0, n0+nc) of B into dst as ceil(nc/kNR) panels, each
// kc x kNR (row k of a panel is kNR consecutive floats; columns past nc are zero).
using PackB = void (*)(const void* ctx, int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* dst);

// Runs the product; C has leading dimension ldc. bias may be null.
void sgemm(ThreadPool* pool, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
           PackB pack_b, const void* b_ctx, float* C, int64_t ldc, const float* bias,
           const Activation& act);

// Packs a plain row-major B (ctx points at a DenseB).
struct DenseB {
  const float* data;
  int64_t ld;
  bool trans;  // B stored as [N, K]
};
void pack_dense(const void* ctx, int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* dst);

// Name of the micro-kernel in use, e.g. "avx2+fma" or "generic".
const char* kernel_name();

}  // namespace colorize::nn::gemm
