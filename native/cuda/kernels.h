// Device kernels of the CUDA backend (internal). Every launcher is asynchronous on `stream`
// and works on float32 device memory; shapes arrive as int64 counts.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace colorize::nn::cuda {

constexpr int kMaxRank = 6;

// Flat output index -> input offsets through broadcast strides (0 on broadcast axes).
struct Broadcast {
  int rank = 0;
  int64_t out_strides[kMaxRank] = {};
  int64_t a_strides[kMaxRank] = {};
  int64_t b_strides[kMaxRank] = {};
};

enum BinaryOp { kAdd, kSub, kMul, kDiv, kMax, kMin, kPow };
enum UnaryOp {
  kRelu,
  kClip,
  kSigmoid,
  kTanh,
  kLeakyRelu,
  kExp,
  kNeg,
  kAbs,
  kSqrt,
  kHardSigmoid,
  kHardSwish,
  kIdentity
};

void binary(BinaryOp op, const float* a, const float* b, float* y, int64_t n, const Broadcast& bc,
            cudaStream_t stream);
// p0/p1: Clip lo/hi, LeakyRelu alpha, HardSigmoid alpha/beta.
void unary(UnaryOp op, const float* x, float* y, int64_t n, float p0, float p1,
           cudaStream_t stream);
// y[(b * C + c) * inner + i] = act(y[...] * scale[c] + shift[c]) in place or x -> y.
// scale/shift may be null (1 / 0). act: UnaryOp (kIdentity for none).
void channel_affine(const float* x, float* y, const float* scale, const float* shift, int64_t C,
                    int64_t inner, int64_t n, UnaryOp act, float p0, float p1, cudaStream_t stream);
// Resize of the last two axes by tables: row r of the output reads rows y0[r], y1[r] with
// weight wy[r] for y1 (columns likewise).
void resize2d(const float* x, float* y, int64_t planes, int64_t ih, int64_t iw, int64_t oh,
              int64_t ow, const int64_t* y0, const int64_t* y1, const float* wy, const int64_t* x0,
              const int64_t* x1, const float* wx, cudaStream_t stream);
// Softmax over the middle axis of [outer, len, inner].
void softmax(const float* x, float* y, int64_t outer, int64_t len, int64_t inner, bool log,
             cudaStream_t stream);
// Softmax over the C channels of x [N, C, HW] followed by the 1x1 convolution w [M, C]
// (+ bias [M] or null) and the activation: y [N, M, HW]. The probabilities are never stored.
void softmax_conv1x1(const float* x, const float* w, const float* bias, float* y, int64_t N,
                     int64_t C, int64_t HW, int64_t M, UnaryOp act, float p0, float p1,
                     cudaStream_t stream);
// Mean of each of `planes` contiguous runs of `inner` values.
void plane_mean(const float* x, float* y, int64_t planes, int64_t inner, cudaStream_t stream);
// Pad (mode 0 constant, 1 reflect, 2 edge; negative pads crop) of a rank <= kMaxRank tensor.
struct PadDesc {
  int rank = 0;
  int64_t in_shape[kMaxRank] = {};
  int64_t in_strides[kMaxRank] = {};
  int64_t out_strides[kMaxRank] = {};
  int64_t begin[kMaxRank] = {};
};
void pad(const float* x, float* y, int64_t n, const PadDesc& d, int mode, float value,
         cudaStream_t stream);

}  // namespace colorize::nn::cuda
