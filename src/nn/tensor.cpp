#include "colorize/nn/tensor.h"

#include <new>

namespace colorize::nn {

const char* dtype_name(DType t) {
  switch (t) {
    case DType::kFloat32:
      return "float32";
    case DType::kUInt8:
      return "uint8";
    case DType::kInt8:
      return "int8";
    case DType::kInt32:
      return "int32";
    case DType::kInt64:
      return "int64";
    case DType::kBool:
      return "bool";
    default:
      return "undefined";
  }
}

int64_t shape_numel(const Shape& shape) {
  for (int64_t d : shape) {
    if (d < 0) return -1;
    if (d == 0) return 0;
  }
  int64_t n = 1;
  for (int64_t d : shape) {
    if (n > kMaxElements / d) return -1;
    n *= d;
  }
  return n;
}

std::string shape_string(const Shape& shape) {
  std::string s = "[";
  for (size_t k = 0; k < shape.size(); ++k) {
    if (k) s += ", ";
    s += shape[k] < 0 ? std::string("?") : std::to_string(shape[k]);
  }
  return s + "]";
}

Tensor Tensor::zeros(const Shape& shape, float fill) {
  Tensor t;
  t.shape = shape;
  t.f.assign(static_cast<size_t>(shape_numel(shape)), fill);
  return t;
}

Tensor Tensor::from_floats(const Shape& shape, std::vector<float> data) {
  Tensor t;
  t.shape = shape;
  t.f = std::move(data);
  return t;
}

Tensor Tensor::from_ints(const Shape& shape, std::vector<int64_t> data, DType dtype) {
  Tensor t;
  t.dtype = dtype;
  t.shape = shape;
  t.i = std::move(data);
  return t;
}

namespace {
thread_local int64_t t_element_limit = kMaxElements;
}  // namespace

int64_t tensor_element_limit() { return t_element_limit; }

TensorLimitScope::TensorLimitScope(int64_t max_elements) : saved_(t_element_limit) {
  t_element_limit = max_elements <= 0 || max_elements > kMaxElements ? kMaxElements : max_elements;
}

TensorLimitScope::~TensorLimitScope() { t_element_limit = saved_; }

Status allocate(Tensor& t, const Shape& shape, DType dtype) {
  for (int64_t d : shape) {
    if (d < 0)
      return Status(ErrorCode::kInvalidArgument,
                    "negative dimension in shape " + shape_string(shape));
  }
  const int64_t n = shape_numel(shape);
  if (n < 0)
    return Status(ErrorCode::kTooLarge, "tensor of shape " + shape_string(shape) + " is too large");
  if (n > t_element_limit)
    return Status(ErrorCode::kTooLarge, "tensor of shape " + shape_string(shape) +
                                            " is over the limit of " +
                                            std::to_string(t_element_limit) + " elements");
  try {
    t.dtype = dtype;
    t.shape = shape;
    if (is_float(dtype)) {
      t.i.clear();
      t.f.assign(static_cast<size_t>(n), 0.0f);
    } else {
      t.f.clear();
      t.i.assign(static_cast<size_t>(n), 0);
    }
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::kOutOfMemory,
                  "cannot allocate a tensor of shape " + shape_string(shape));
  }
  return Status::Ok();
}

}  // namespace colorize::nn
