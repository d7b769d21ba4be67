// colorize::nn — Tensor: the value type of the inference engine (host memory).
//
// A dense, row-major (C-order) n-dimensional array. Element types follow ONNX's
// TensorProto.DataType numbering. The engine computes in float32 only; integer tensors carry
// shapes, indices and quantized weights. Storage is split by kind so that every kernel
// works on plain vectors:
//   float kinds (float32; float16/float64 are converted to float32 when loaded) -> `f`
//   integer kinds (int64, int32, int8, uint8, bool; values widened to int64)     -> `i`
// Exactly one of `f` / `i` holds numel() elements; the other is empty.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "colorize/status.h"

namespace colorize::nn {

// ONNX TensorProto.DataType values for the kinds the engine keeps.
enum class DType : int {
  kUndefined = 0,
  kFloat32 = 1,
  kUInt8 = 2,
  kInt8 = 3,
  kInt32 = 6,
  kInt64 = 7,
  kBool = 9,
};

// "float32", "int64", ... ; "undefined" for anything else.
const char* dtype_name(DType t);
// True for kFloat32 (the only float kind a Tensor carries after loading).
inline bool is_float(DType t) { return t == DType::kFloat32; }

using Shape = std::vector<int64_t>;

// Largest element count of any tensor the engine creates (2^31 - 1). Shapes beyond it are
// refused with kTooLarge before allocating: a hostile model cannot make us allocate wildly.
constexpr int64_t kMaxElements = (int64_t{1} << 31) - 1;

// Element count of `shape`, or -1 when a dimension is negative or the product exceeds
// kMaxElements. A rank-0 shape (scalar) has 1 element.
int64_t shape_numel(const Shape& shape);
// "[1, 3, 224, 224]".
std::string shape_string(const Shape& shape);

struct Tensor {
  DType dtype = DType::kFloat32;
  Shape shape;
  std::vector<float> f;    // float32 data (is_float(dtype))
  std::vector<int64_t> i;  // integer data (otherwise)

  Tensor() = default;
  // A float32 tensor of `shape` filled with `fill`. The caller guarantees a valid shape.
  static Tensor zeros(const Shape& shape, float fill = 0.0f);
  // A float32 tensor from existing data; data.size() must equal shape_numel(shape).
  static Tensor from_floats(const Shape& shape, std::vector<float> data);
  // An integer tensor (default int64) from values.
  static Tensor from_ints(const Shape& shape, std::vector<int64_t> data,
                          DType dtype = DType::kInt64);

  int64_t numel() const { return shape_numel(shape); }
  int rank() const { return static_cast<int>(shape.size()); }
  // Number of stored elements (f.size() or i.size()).
  size_t stored() const { return is_float(dtype) ? f.size() : i.size(); }
  // Value k as double, whichever storage holds it.
  double value(size_t k) const { return is_float(dtype) ? f[k] : static_cast<double>(i[k]); }
};

// Allocates `t` as `shape` / `dtype`, zero-filled. Errors: kTooLarge when the shape exceeds
// kMaxElements or this thread's tensor_element_limit(), kInvalidArgument for negative
// dimensions, kOutOfMemory when allocation fails.
Status allocate(Tensor& t, const Shape& shape, DType dtype = DType::kFloat32);

// The largest tensor (in elements) allocate() creates on the calling thread: kMaxElements
// unless a TensorLimitScope on this thread lowers it. Sessions open one for the duration of
// run() from SessionOptions::max_tensor_elements, so a hostile model that asks for a huge
// intermediate gets kTooLarge at once instead of a long run or an out-of-memory kill.
int64_t tensor_element_limit();

class TensorLimitScope {
 public:
  // max_elements <= 0 or above kMaxElements means kMaxElements. Scopes nest; the previous
  // limit comes back on destruction.
  explicit TensorLimitScope(int64_t max_elements);
  ~TensorLimitScope();
  TensorLimitScope(const TensorLimitScope&) = delete;
  TensorLimitScope& operator=(const TensorLimitScope&) = delete;

 private:
  int64_t saved_;
};

}  // namespace colorize::nn
