// The table of ops the engine runs: input/output counts and the reference kernel of each.
#include <algorithm>
#include <cstring>

#include "colorize/nn/kernels.h"

namespace colorize::nn {
namespace ref {
extern Kernel k_binary, k_unary, k_where, k_identity, k_softmax, k_matmul, k_gemm, k_batchnorm,
    k_instancenorm, k_global_pool, k_reduce;
extern Kernel k_conv, k_conv_transpose, k_resize, k_pad, k_dequantize;
extern Kernel k_reshape, k_flatten, k_squeeze, k_transpose, k_expand, k_tile, k_concat, k_split,
    k_cast, k_constant, k_constant_of_shape, k_shape, k_size, k_gather, k_slice, k_range;
}  // namespace ref

namespace {

constexpr int kMany = 1 << 20;

const std::vector<OpInfo>& table() {
  using namespace ref;
  // Kernels are read at first use (after static initialisation of the ref:: pointers).
  static const std::vector<OpInfo> ops = {
      {"Abs", 1, 1, 1, 1, k_unary},
      {"Add", 2, 2, 1, 1, k_binary},
      {"BatchNormalization", 5, 5, 1, 1, k_batchnorm},
      {"Cast", 1, 1, 1, 1, k_cast},
      {"Ceil", 1, 1, 1, 1, k_unary},
      {"Clip", 1, 3, 1, 1, k_unary},
      {"Concat", 1, kMany, 1, 1, k_concat},
      {"Constant", 0, 0, 1, 1, k_constant},
      {"ConstantOfShape", 1, 1, 1, 1, k_constant_of_shape},
      {"Conv", 2, 3, 1, 1, k_conv},
      {"ConvTranspose", 2, 3, 1, 1, k_conv_transpose},
      {"DequantizeLinear", 2, 3, 1, 1, k_dequantize},
      {"Div", 2, 2, 1, 1, k_binary},
      {"Dropout", 1, 3, 1, 1, k_identity},
      {"Elu", 1, 1, 1, 1, k_unary},
      {"Equal", 2, 2, 1, 1, k_binary},
      {"Erf", 1, 1, 1, 1, k_unary},
      {"Exp", 1, 1, 1, 1, k_unary},
      {"Expand", 2, 2, 1, 1, k_expand},
      {"Flatten", 1, 1, 1, 1, k_flatten},
      {"Floor", 1, 1, 1, 1, k_unary},
      {"Gather", 2, 2, 1, 1, k_gather},
      {"Gemm", 2, 3, 1, 1, k_gemm},
      {"GlobalAveragePool", 1, 1, 1, 1, k_global_pool},
      {"GlobalMaxPool", 1, 1, 1, 1, k_global_pool},
      {"Greater", 2, 2, 1, 1, k_binary},
      {"GreaterOrEqual", 2, 2, 1, 1, k_binary},
      {"HardSigmoid", 1, 1, 1, 1, k_unary},
      {"HardSwish", 1, 1, 1, 1, k_unary},
      {"Identity", 1, 1, 1, 1, k_identity},
      {"InstanceNormalization", 3, 3, 1, 1, k_instancenorm},
      {"LeakyRelu", 1, 1, 1, 1, k_unary},
      {"Less", 2, 2, 1, 1, k_binary},
      {"LessOrEqual", 2, 2, 1, 1, k_binary},
      {"Log", 1, 1, 1, 1, k_unary},
      {"LogSoftmax", 1, 1, 1, 1, k_softmax},
      {"MatMul", 2, 2, 1, 1, k_matmul},
      {"Max", 2, 2, 1, 1, k_binary},
      {"Min", 2, 2, 1, 1, k_binary},
      {"Mul", 2, 2, 1, 1, k_binary},
      {"Neg", 1, 1, 1, 1, k_unary},
      {"Not", 1, 1, 1, 1, k_unary},
      {"Pad", 1, 4, 1, 1, k_pad},
      {"Pow", 2, 2, 1, 1, k_binary},
      {"Range", 3, 3, 1, 1, k_range},
      {"Reciprocal", 1, 1, 1, 1, k_unary},
      {"ReduceMax", 1, 2, 1, 1, k_reduce},
      {"ReduceMean", 1, 2, 1, 1, k_reduce},
      {"ReduceMin", 1, 2, 1, 1, k_reduce},
      {"ReduceSum", 1, 2, 1, 1, k_reduce},
      {"Relu", 1, 1, 1, 1, k_unary},
      {"Reshape", 2, 2, 1, 1, k_reshape},
      {"Resize", 1, 4, 1, 1, k_resize},
      {"Round", 1, 1, 1, 1, k_unary},
      {"Shape", 1, 1, 1, 1, k_shape},
      {"Sigmoid", 1, 1, 1, 1, k_unary},
      {"Size", 1, 1, 1, 1, k_size},
      {"Slice", 1, 5, 1, 1, k_slice},
      {"Softmax", 1, 1, 1, 1, k_softmax},
      {"Softplus", 1, 1, 1, 1, k_unary},
      {"Split", 1, 2, 1, 64, k_split},
      {"Sqrt", 1, 1, 1, 1, k_unary},
      {"Squeeze", 1, 2, 1, 1, k_squeeze},
      {"Sub", 2, 2, 1, 1, k_binary},
      {"Tanh", 1, 1, 1, 1, k_unary},
      {"Tile", 2, 2, 1, 1, k_tile},
      {"Transpose", 1, 1, 1, 1, k_transpose},
      {"Unsqueeze", 1, 2, 1, 1, k_squeeze},
      {"Upsample", 1, 2, 1, 1, k_resize},
      {"Where", 3, 3, 1, 1, k_where},
  };
  return ops;
}

}  // namespace

const OpInfo* find_op(const std::string& op_type) {
  const auto& ops = table();
  auto it = std::lower_bound(ops.begin(), ops.end(), op_type,
                             [](const OpInfo& a, const std::string& b) { return a.op_type < b; });
  if (it == ops.end() || op_type != it->op_type) return nullptr;
  return &*it;
}

std::vector<std::string> supported_ops() {
  std::vector<std::string> names;
  for (const auto& op : table()) names.push_back(op.op_type);
  return names;
}

}  // namespace colorize::nn
