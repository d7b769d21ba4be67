// The CUDA backend of the native inference engine (built with -DCOLORIZE_CUDA=ON).
//
// register_cuda_backend() adds backend "cuda" (priority 100) to the registry in
// colorize/nn/backend.h. It is always safe to call: without a usable GPU (no device, no
// driver) the backend reports available() == false and "auto" passes over it.
//
// What runs on the device: Conv and ConvTranspose (cuDNN; bias and the fused activation in
// one kernel of ours), MatMul/Gemm (cuBLAS), elementwise ops with broadcasting, Clip/Relu/
// Sigmoid/Tanh/LeakyRelu, BatchNormalization, Resize (nearest/linear on H, W), Softmax,
// GlobalAveragePool, Concat, Pad, and reshapes (aliases, no copy). Integer shape arithmetic
// and any other op run on the host with the reference kernels (their inputs are copied back
// when needed). fp32 by default; SessionOptions::allow_tf32 lets cuDNN/cuBLAS use TF32.
#pragma once

namespace colorize::nn {

void register_cuda_backend();

}  // namespace colorize::nn
