// Helpers shared by the kernel implementation files (not part of the public API).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "colorize/nn/kernels.h"

namespace colorize::nn::detail {

inline Status node_error(const GraphNode& n, const std::string& msg,
                         ErrorCode code = ErrorCode::kInvalidArgument) {
  return Status(code, n.label() + ": " + msg);
}
inline Status unsupported(const GraphNode& n, const std::string& msg) {
  return Status(ErrorCode::kUnsupported, n.label() + ": " + msg);
}

// Checks that input k is present and float32.
Status need_float(const GraphNode& n, const std::vector<const Tensor*>& in, size_t k);
// Checks that input k is present and integer-typed.
Status need_int(const GraphNode& n, const std::vector<const Tensor*>& in, size_t k);
// Allocates out with a node-labelled error.
Status alloc(const GraphNode& n, Tensor& out, const Shape& shape, DType dtype = DType::kFloat32);

// Normalises an axis in [-rank, rank) to [0, rank); -1 when out of range.
inline int64_t norm_axis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) return -1;
  return axis < 0 ? axis + rank : axis;
}

// double -> int64 without undefined behaviour: NaN -> 0, out of range -> the nearest limit.
inline int64_t saturate_int64(double v) {
  if (!(v == v)) return 0;
  if (v >= 9.2e18) return INT64_MAX;
  if (v <= -9.2e18) return INT64_MIN;
  return static_cast<int64_t>(v);
}

// Largest kernel extent, stride, dilation or pad the convolution kernels accept; keeps every
// size computation far from int64 overflow for hostile attribute values.
constexpr int64_t kMaxConvParam = int64_t{1} << 24;

// Row-major strides of shape.
std::vector<int64_t> strides_of(const Shape& s);
// Strides of `in` seen through a broadcast to `out` (0 on broadcast axes); rank of out.
std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out);

// Reads a 1-D (or scalar) integer tensor as int64 values.
std::vector<int64_t> int_values(const Tensor& t);

// C[M,N] (+)= A[M,K] * B[K,N] with arbitrary row/column strides; plain loops.
void gemm_ref(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, bool transA,
              const float* B, int64_t ldb, bool transB, float* C, int64_t ldc, float alpha,
              bool accumulate);

}  // namespace colorize::nn::detail
