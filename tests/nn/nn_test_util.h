// Helpers for the engine tests: seeded random tensors, one-node models, backend loops.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "colorize/nn/backend.h"
#include "colorize/nn/graph.h"
#include "colorize/nn/kernels.h"
#include "colorize/nn/onnx.h"
#ifdef COLORIZE_HAVE_CUDA
#include "cuda_backend.h"
#endif

namespace nntest {

using colorize::nn::Attribute;
using colorize::nn::DType;
using colorize::nn::Shape;
using colorize::nn::Tensor;

inline Tensor random_tensor(const Shape& shape, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  Tensor t = Tensor::zeros(shape);
  for (auto& v : t.f) v = u(rng);
  return t;
}

inline Tensor ints(const std::vector<int64_t>& v, DType dt = DType::kInt64) {
  return Tensor::from_ints({static_cast<int64_t>(v.size())}, v, dt);
}
inline Tensor floats(const Shape& s, const std::vector<float>& v) {
  return Tensor::from_floats(s, v);
}

inline Attribute attr_i(int64_t v) {
  Attribute a;
  a.kind = Attribute::Kind::kInt;
  a.i = v;
  return a;
}
inline Attribute attr_f(float v) {
  Attribute a;
  a.kind = Attribute::Kind::kFloat;
  a.f = v;
  return a;
}
inline Attribute attr_s(const std::string& v) {
  Attribute a;
  a.kind = Attribute::Kind::kString;
  a.s = v;
  return a;
}
inline Attribute attr_is(const std::vector<int64_t>& v) {
  Attribute a;
  a.kind = Attribute::Kind::kInts;
  a.ints = v;
  return a;
}
inline Attribute attr_fs(const std::vector<float>& v) {
  Attribute a;
  a.kind = Attribute::Kind::kFloats;
  a.floats = v;
  return a;
}
inline Attribute attr_t(const Tensor& t) {
  Attribute a;
  a.kind = Attribute::Kind::kTensor;
  a.t = t;
  return a;
}

// One op: `runtime` inputs are graph inputs (computed at run time), `params` initializers.
// An input named "" is omitted.
struct OneOp {
  std::string op;
  std::vector<std::pair<std::string, Tensor>> runtime;
  std::vector<std::pair<std::string, Tensor>> params;
  std::vector<std::string> input_order;  // names in node input order
  std::map<std::string, Attribute> attrs;
  int outputs = 1;
  int64_t opset = 17;

  colorize::nn::Model model() const {
    colorize::nn::Model m;
    m.ir_version = 8;
    m.opset = opset;
    colorize::nn::NodeDef n;
    n.name = "op";
    n.op_type = op;
    n.inputs = input_order;
    n.attrs = attrs;
    for (int k = 0; k < outputs; ++k) {
      n.outputs.push_back("y" + std::to_string(k));
      colorize::nn::ValueInfo vi;
      vi.name = "y" + std::to_string(k);
      m.outputs.push_back(vi);
    }
    m.nodes.push_back(n);
    for (const auto& kv : runtime) {
      colorize::nn::ValueInfo vi;
      vi.name = kv.first;
      vi.dtype = kv.second.dtype;
      m.inputs.push_back(vi);
    }
    for (const auto& kv : params) m.initializers[kv.first] = kv.second;
    return m;
  }
  std::vector<Tensor> inputs() const {
    std::vector<Tensor> v;
    for (const auto& kv : runtime) v.push_back(kv.second);
    return v;
  }
};

inline void register_all() {
#ifdef COLORIZE_HAVE_CUDA
  static bool done = false;
  if (!done) colorize::nn::register_cuda_backend();
  done = true;
#endif
}

// Runs `op` on backend `name`; fails the test on error.
inline colorize::Result<std::vector<Tensor>> run_on(const OneOp& op, const std::string& name) {
  register_all();
  auto g = colorize::nn::build_graph(op.model(), {false});
  if (!g.ok()) return g.status();
  auto b = colorize::nn::select_backend(name);
  if (!b.ok()) return b.status();
  auto s = (*b)->create_session(*g, {});
  if (!s.ok()) return s.status();
  return (*s)->run(op.inputs());
}

// Every available backend other than the reference.
inline std::vector<std::string> fast_backends() {
  register_all();
  std::vector<std::string> v;
  for (const auto& b : colorize::nn::list_backends()) {
    if (b->available() && b->name() != "cpu-ref") v.push_back(b->name());
  }
  return v;
}

// |a - b| <= rtol * max|b| + atol, element-wise, same shape and type.
inline ::testing::AssertionResult close(const Tensor& a, const Tensor& b, double rtol = 1e-4,
                                        double atol = 1e-6) {
  if (a.shape != b.shape) {
    return ::testing::AssertionFailure() << "shape " << colorize::nn::shape_string(a.shape)
                                         << " vs " << colorize::nn::shape_string(b.shape);
  }
  if (a.dtype != b.dtype) return ::testing::AssertionFailure() << "dtype differs";
  if (!colorize::nn::is_float(a.dtype)) {
    for (size_t k = 0; k < a.i.size(); ++k)
      if (a.i[k] != b.i[k])
        return ::testing::AssertionFailure()
               << "element " << k << ": " << a.i[k] << " vs " << b.i[k];
    return ::testing::AssertionSuccess();
  }
  double mx = 0;
  for (float v : b.f) mx = std::max(mx, std::fabs(static_cast<double>(v)));
  const double tol = rtol * mx + atol;
  for (size_t k = 0; k < a.f.size(); ++k) {
    const double d = std::fabs(static_cast<double>(a.f[k]) - b.f[k]);
    if (!(d <= tol)) {
      return ::testing::AssertionFailure() << "element " << k << ": " << a.f[k] << " vs " << b.f[k]
                                           << " (tolerance " << tol << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

// Runs op on cpu-ref and on every other backend; expects the same outputs.
inline void expect_backends_agree(const OneOp& op, double rtol = 1e-4) {
  auto ref = run_on(op, "cpu-ref");
  ASSERT_TRUE(ref.ok()) << op.op << ": " << ref.status().to_string();
  for (const auto& name : fast_backends()) {
    auto got = run_on(op, name);
    ASSERT_TRUE(got.ok()) << op.op << " on " << name << ": " << got.status().to_string();
    ASSERT_EQ(got->size(), ref->size());
    for (size_t k = 0; k < ref->size(); ++k) {
      EXPECT_TRUE(close((*got)[k], (*ref)[k], rtol)) << op.op << " on " << name << ", output " << k;
    }
  }
}

}  // namespace nntest
