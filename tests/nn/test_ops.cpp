// Every op: the reference kernel against values computed by hand or by independent formulas,
// and every other backend against the reference (fixed seeds).
#include "nn_test_util.h"

using namespace nntest;
using colorize::ErrorCode;

namespace {

OneOp unary_op(const std::string& op, const Shape& s, uint32_t seed) {
  OneOp o;
  o.op = op;
  o.runtime = {{"x", random_tensor(s, seed, -3.0f, 3.0f)}};
  o.input_order = {"x"};
  return o;
}

Tensor run_ref(const OneOp& op) {
  auto r = run_on(op, "cpu-ref");
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? (*r)[0] : Tensor();
}

}  // namespace

// ---------------------------------------------------------------- known values (reference)

TEST(RefOps, ConvByHand) {
  // 1x1x3x3 input 1..9, 2x2 kernel of ones, pad 0, stride 1 -> sums of 2x2 windows.
  OneOp o;
  o.op = "Conv";
  o.runtime = {{"x", floats({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9})}};
  o.params = {{"w", floats({1, 1, 2, 2}, {1, 1, 1, 1})}, {"b", floats({1}, {0.5f})}};
  o.input_order = {"x", "w", "b"};
  Tensor y = run_ref(o);
  EXPECT_TRUE(close(y, floats({1, 1, 2, 2}, {12.5f, 16.5f, 24.5f, 28.5f})));
  // Same with pads 1 and stride 2: windows at (-1,-1), (-1,1), (1,-1), (1,1).
  o.attrs = {{"pads", attr_is({1, 1, 1, 1})}, {"strides", attr_is({2, 2})}};
  y = run_ref(o);
  EXPECT_TRUE(close(y, floats({1, 1, 2, 2}, {1.5f, 5.5f, 11.5f, 28.5f})));
  // SAME_UPPER with stride 2 on 3x3: out 2x2, total pad 1 -> 0 before, 1 after.
  o.attrs = {{"auto_pad", attr_s("SAME_UPPER")}, {"strides", attr_is({2, 2})}};
  y = run_ref(o);
  EXPECT_TRUE(close(y, floats({1, 1, 2, 2}, {12.5f, 9.5f, 15.5f, 9.5f})));
  // SAME_LOWER: 1 before, 0 after.
  o.attrs = {{"auto_pad", attr_s("SAME_LOWER")}, {"strides", attr_is({2, 2})}};
  y = run_ref(o);
  EXPECT_TRUE(close(y, floats({1, 1, 2, 2}, {1.5f, 5.5f, 11.5f, 28.5f})));
}

TEST(RefOps, ConvDilationAndGroups) {
  // Depthwise 2 channels, 3x3 kernel picking the corners (dilation 2 on a 5x5 input).
  std::vector<float> x(50);
  for (int k = 0; k < 50; ++k) x[k] = static_cast<float>(k);
  OneOp o;
  o.op = "Conv";
  o.runtime = {{"x", floats({1, 2, 5, 5}, x)}};
  o.params = {{"w", floats({2, 1, 2, 2}, {1, 0, 0, 1, 0, 1, 1, 0})}};
  o.input_order = {"x", "w"};
  o.attrs = {{"group", attr_i(2)}, {"dilations", attr_is({2, 2})}};
  Tensor y = run_ref(o);
  // out (3x3): ch0 = x[y][x] + x[y+2][x+2]; ch1 = x[y][x+2] + x[y+2][x]
  std::vector<float> want;
  for (int c = 0; c < 2; ++c)
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        const float* p = x.data() + c * 25;
        want.push_back(c == 0 ? p[i * 5 + j] + p[(i + 2) * 5 + j + 2]
                              : p[i * 5 + j + 2] + p[(i + 2) * 5 + j]);
      }
  EXPECT_TRUE(close(y, floats({1, 2, 3, 3}, want)));
}

TEST(RefOps, ConvTransposeByHand) {
  // 1x1x2x2 input, 2x2 kernel, stride 2: each input value stamps the kernel.
  OneOp o;
  o.op = "ConvTranspose";
  o.runtime = {{"x", floats({1, 1, 2, 2}, {1, 2, 3, 4})}};
  o.params = {{"w", floats({1, 1, 2, 2}, {1, 10, 100, 1000})}};
  o.input_order = {"x", "w"};
  o.attrs = {{"strides", attr_is({2, 2})}};
  Tensor y = run_ref(o);
  EXPECT_TRUE(close(y, floats({1, 1, 4, 4}, {1, 10, 2, 20, 100, 1000, 200, 2000, 3, 30, 4, 40, 300,
                                             3000, 400, 4000})));
  // Stride 1, kernel 2x2 of ones on [1,2;3,4] -> full correlation 3x3.
  o.params = {{"w", floats({1, 1, 2, 2}, {1, 1, 1, 1})}};
  o.attrs = {};
  y = run_ref(o);
  EXPECT_TRUE(close(y, floats({1, 1, 3, 3}, {1, 3, 2, 4, 10, 6, 3, 7, 4})));
  // pads 1 crop the border back to 1x1 (the centre).
  o.attrs = {{"pads", attr_is({1, 1, 1, 1})}};
  y = run_ref(o);
  EXPECT_TRUE(close(y, floats({1, 1, 1, 1}, {10})));
}

TEST(RefOps, ResizeCoordinateModes) {
  // [1, 2; 3, 4] -> 4x4 bilinear. Values from the ONNX coordinate formulas worked by hand.
  auto make = [](const std::string& ct, const std::string& mode) {
    OneOp o;
    o.op = "Resize";
    o.runtime = {{"x", floats({1, 1, 2, 2}, {1, 2, 3, 4})}};
    o.params = {{"scales", floats({4}, {1, 1, 2, 2})}};
    o.input_order = {"x", "", "scales"};
    o.attrs = {{"mode", attr_s(mode)}, {"coordinate_transformation_mode", attr_s(ct)}};
    return o;
  };
  // half_pixel: src = (o + 0.5) / 2 - 0.5 -> -0.25, 0.25, 0.75, 1.25 -> clamp -> 0, .25, .75, 1
  EXPECT_TRUE(close(run_ref(make("half_pixel", "linear")),
                    floats({1, 1, 4, 4}, {1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f,
                                          3.25f, 3.5f, 3, 3.25f, 3.75f, 4})));
  // align_corners: src = o * 1/3
  const float t = 1.0f / 3, u = 2.0f / 3;
  EXPECT_TRUE(close(
      run_ref(make("align_corners", "linear")),
      floats({1, 1, 4, 4}, {1, 1 + t, 1 + u, 2, 1 + 2 * t, 1 + 3 * t, 1 + 4 * t, 2 + 2 * t,
                            1 + 4 * t, 1 + 5 * t, 1 + 6 * t, 2 + 4 * t, 3, 3 + t, 3 + u, 4})));
  // asymmetric: src = o / 2 -> 0, .5, 1, 1.5 (clamped to 1)
  EXPECT_TRUE(
      close(run_ref(make("asymmetric", "linear")),
            floats({1, 1, 4, 4}, {1, 1.5f, 2, 2, 2, 2.5f, 3, 3, 3, 3.5f, 4, 4, 3, 3.5f, 4, 4})));
  // nearest, asymmetric + floor (PyTorch's 'nearest'): src = floor(o / 2)
  OneOp n = make("asymmetric", "nearest");
  n.attrs["nearest_mode"] = attr_s("floor");
  EXPECT_TRUE(
      close(run_ref(n), floats({1, 1, 4, 4}, {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4})));
  // pytorch_half_pixel with an output of length 1 samples index 0.
  OneOp p = make("pytorch_half_pixel", "linear");
  p.params = {};
  p.input_order = {"x", "", "", "sizes"};
  p.params = {{"sizes", ints({1, 1, 1, 3})}};
  // rows: out 1 -> src 0; cols: scale 1.5, src = (o + .5)/1.5 - .5 -> -1/6, 0.5, 7/6 -> 0, .5, 1
  EXPECT_TRUE(close(run_ref(p), floats({1, 1, 1, 3}, {1, 1.5f, 2})));
}

TEST(RefOps, SoftmaxOpsetSemantics) {
  OneOp o;
  o.op = "Softmax";
  o.runtime = {{"x", floats({2, 2}, {0, std::log(3.0f), 1, 1})}};
  o.input_order = {"x"};
  EXPECT_TRUE(close(run_ref(o), floats({2, 2}, {0.25f, 0.75f, 0.5f, 0.5f})));
  // Opset 11, axis 0 on 2-D: the whole tensor is one row.
  o.opset = 11;
  o.attrs = {{"axis", attr_i(0)}};
  const float s = 1 + 3 + 2 * std::exp(1.0f);
  EXPECT_TRUE(
      close(run_ref(o), floats({2, 2}, {1 / s, 3 / s, std::exp(1.0f) / s, std::exp(1.0f) / s})));
}

TEST(RefOps, BroadcastArithmetic) {
  OneOp o;
  o.op = "Sub";
  o.runtime = {{"a", floats({2, 3}, {1, 2, 3, 4, 5, 6})}};
  o.params = {{"b", floats({3}, {1, 1, 2})}};
  o.input_order = {"a", "b"};
  EXPECT_TRUE(close(run_ref(o), floats({2, 3}, {0, 1, 1, 3, 4, 4})));
  o.op = "Div";
  o.params = {{"b", floats({2, 1}, {2, 4})}};
  EXPECT_TRUE(close(run_ref(o), floats({2, 3}, {0.5f, 1, 1.5f, 1, 1.25f, 1.5f})));
  o.params = {{"b", floats({4}, {1, 2, 3, 4})}};
  auto r = run_on(o, "cpu-ref");
  EXPECT_FALSE(r.ok());
}

TEST(RefOps, ShapeOps) {
  Tensor x = random_tensor({2, 3, 4}, 1);
  OneOp o;
  o.op = "Reshape";
  o.runtime = {{"x", x}};
  o.params = {{"s", ints({0, -1})}};
  o.input_order = {"x", "s"};
  Tensor y = run_ref(o);
  EXPECT_EQ(y.shape, (Shape{2, 12}));
  EXPECT_EQ(y.f, x.f);

  o = OneOp();
  o.op = "Transpose";
  o.runtime = {{"x", floats({2, 3}, {1, 2, 3, 4, 5, 6})}};
  o.input_order = {"x"};
  EXPECT_TRUE(close(run_ref(o), floats({3, 2}, {1, 4, 2, 5, 3, 6})));

  o = OneOp();
  o.op = "Slice";
  o.runtime = {{"x", floats({6}, {0, 1, 2, 3, 4, 5})}};
  o.params = {{"st", ints({-1})}, {"en", ints({INT64_MIN})}, {"ax", ints({0})}, {"sp", ints({-2})}};
  o.input_order = {"x", "st", "en", "ax", "sp"};
  EXPECT_TRUE(close(run_ref(o), floats({3}, {5, 3, 1})));
  o.params = {{"st", ints({1})}, {"en", ints({INT64_MAX})}, {"ax", ints({0})}, {"sp", ints({2})}};
  EXPECT_TRUE(close(run_ref(o), floats({3}, {1, 3, 5})));

  o = OneOp();
  o.op = "Gather";
  o.runtime = {{"x", floats({3, 2}, {1, 2, 3, 4, 5, 6})}};
  o.params = {{"i", ints({-1, 0})}};
  o.input_order = {"x", "i"};
  EXPECT_TRUE(close(run_ref(o), floats({2, 2}, {5, 6, 1, 2})));
  o.attrs = {{"axis", attr_i(1)}};
  EXPECT_TRUE(close(run_ref(o), floats({3, 2}, {2, 1, 4, 3, 6, 5})));
  o.params = {{"i", ints({2})}};
  EXPECT_FALSE(run_on(o, "cpu-ref").ok());  // out of range: an error, not a read past the end

  o = OneOp();
  o.op = "Shape";
  o.runtime = {{"x", Tensor::zeros({2, 3, 5})}};
  o.input_order = {"x"};
  o.attrs = {{"start", attr_i(-2)}};
  EXPECT_TRUE(close(run_ref(o), ints({3, 5})));

  o = OneOp();
  o.op = "Unsqueeze";
  o.runtime = {{"x", Tensor::zeros({2, 3})}};
  o.params = {{"a", ints({0, -1})}};
  o.input_order = {"x", "a"};
  EXPECT_EQ(run_ref(o).shape, (Shape{1, 2, 3, 1}));
  o.op = "Squeeze";
  o.runtime = {{"x", Tensor::zeros({1, 2, 1})}};
  o.params = {{"a", ints({2})}};
  EXPECT_EQ(run_ref(o).shape, (Shape{1, 2}));
  o.input_order = {"x"};
  o.params = {};
  EXPECT_EQ(run_ref(o).shape, (Shape{2}));

  o = OneOp();
  o.op = "ConstantOfShape";
  o.runtime = {{"s", ints({2, 3})}};
  o.input_order = {"s"};
  o.attrs = {{"value", attr_t(ints({7}))}};
  Tensor c = run_ref(o);
  EXPECT_EQ(c.shape, (Shape{2, 3}));
  EXPECT_EQ(c.i, std::vector<int64_t>(6, 7));

  o = OneOp();
  o.op = "Expand";
  o.runtime = {{"x", floats({3, 1}, {1, 2, 3})}};
  o.params = {{"s", ints({2, 1, 2})}};
  o.input_order = {"x", "s"};
  EXPECT_TRUE(close(run_ref(o), floats({2, 3, 2}, {1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3})));

  o.op = "Tile";
  o.runtime = {{"x", floats({1, 2}, {1, 2})}};
  o.params = {{"r", ints({2, 2})}};
  o.input_order = {"x", "r"};
  EXPECT_TRUE(close(run_ref(o), floats({2, 4}, {1, 2, 1, 2, 1, 2, 1, 2})));

  o = OneOp();
  o.op = "Cast";
  o.runtime = {{"x", floats({4}, {-1.7f, 2.5f, 300.0f, 0.0f})}};
  o.input_order = {"x"};
  o.attrs = {{"to", attr_i(7)}};
  EXPECT_TRUE(close(run_ref(o), ints({-1, 2, 300, 0})));
  o.attrs = {{"to", attr_i(3)}};  // int8 wraps like a C cast of the truncated value
  EXPECT_TRUE(close(run_ref(o), ints({-1, 2, 44, 0}, DType::kInt8)));
}

TEST(RefOps, PadModes) {
  OneOp o;
  o.op = "Pad";
  o.runtime = {{"x", floats({1, 3}, {1, 2, 3})}};
  o.params = {{"p", ints({0, 2, 0, 1})}, {"v", floats({}, {9})}};
  o.input_order = {"x", "p", "v"};
  EXPECT_TRUE(close(run_ref(o), floats({1, 6}, {9, 9, 1, 2, 3, 9})));
  o.attrs = {{"mode", attr_s("reflect")}};
  EXPECT_TRUE(close(run_ref(o), floats({1, 6}, {3, 2, 1, 2, 3, 2})));
  o.attrs = {{"mode", attr_s("edge")}};
  EXPECT_TRUE(close(run_ref(o), floats({1, 6}, {1, 1, 1, 2, 3, 3})));
  o.params = {{"p", ints({0, -1, 0, 0})}, {"v", floats({}, {0})}};  // negative = crop
  o.attrs = {};
  EXPECT_TRUE(close(run_ref(o), floats({1, 2}, {2, 3})));
}

TEST(RefOps, DequantizeLinear) {
  OneOp o;
  o.op = "DequantizeLinear";
  o.runtime = {{"x", Tensor::from_ints({2, 2}, {-128, 0, 10, 127}, DType::kInt8)}};
  o.params = {{"s", floats({2}, {0.5f, 2.0f})},
              {"z", Tensor::from_ints({2}, {0, 10}, DType::kInt8)}};
  o.input_order = {"x", "s", "z"};
  o.attrs = {{"axis", attr_i(0)}};
  EXPECT_TRUE(close(run_ref(o), floats({2, 2}, {-64, 0, 0, 234})));
  o.runtime = {{"x", Tensor::from_ints({3}, {0, 128, 255}, DType::kUInt8)}};
  o.params = {{"s", floats({}, {0.1f})}, {"z", Tensor::from_ints({}, {128}, DType::kUInt8)}};
  o.attrs = {};
  EXPECT_TRUE(close(run_ref(o), floats({3}, {-12.8f, 0, 12.7f})));
}

TEST(RefOps, GemmMatMulReduce) {
  OneOp o;
  o.op = "Gemm";
  o.runtime = {{"a", floats({2, 2}, {1, 2, 3, 4})}};
  o.params = {{"b", floats({2, 2}, {5, 6, 7, 8})}, {"c", floats({2}, {1, -1})}};
  o.input_order = {"a", "b", "c"};
  o.attrs = {{"transB", attr_i(1)}, {"beta", attr_f(2.0f)}};
  // A * B^T = [[17, 23], [39, 53]] + 2 * [1, -1]
  EXPECT_TRUE(close(run_ref(o), floats({2, 2}, {19, 21, 41, 51})));
  o = OneOp();
  o.op = "MatMul";
  o.runtime = {{"a", floats({3}, {1, 2, 3})}};
  o.params = {{"b", floats({3, 2}, {1, 0, 0, 1, 1, 1})}};
  o.input_order = {"a", "b"};
  EXPECT_TRUE(close(run_ref(o), floats({2}, {4, 5})));
  o = OneOp();
  o.op = "ReduceMean";
  o.runtime = {{"x", floats({2, 2}, {1, 2, 3, 5})}};
  o.input_order = {"x"};
  o.attrs = {{"axes", attr_is({1})}, {"keepdims", attr_i(0)}};
  EXPECT_TRUE(close(run_ref(o), floats({2}, {1.5f, 4})));
  o.op = "GlobalAveragePool";
  o.attrs = {};
  o.runtime = {{"x", floats({1, 2, 1, 2}, {1, 2, 3, 5})}};
  EXPECT_TRUE(close(run_ref(o), floats({1, 2, 1, 1}, {1.5f, 4})));
}

TEST(RefOps, Activations) {
  OneOp o;
  o.op = "Clip";
  o.runtime = {{"x", floats({4}, {-1, 0.5f, 6, 7})}};
  o.params = {{"lo", floats({}, {0})}, {"hi", floats({}, {6})}};
  o.input_order = {"x", "lo", "hi"};
  EXPECT_TRUE(close(run_ref(o), floats({4}, {0, 0.5f, 6, 6})));
  o.opset = 9;
  o.params = {};
  o.input_order = {"x"};
  o.attrs = {{"min", attr_f(0)}, {"max", attr_f(1)}};
  EXPECT_TRUE(close(run_ref(o), floats({4}, {0, 0.5f, 1, 1})));
  o = OneOp();
  o.op = "LeakyRelu";
  o.runtime = {{"x", floats({2}, {-2, 3})}};
  o.input_order = {"x"};
  EXPECT_TRUE(close(run_ref(o), floats({2}, {-0.02f, 3})));
  o.op = "Sigmoid";
  EXPECT_TRUE(
      close(run_ref(o), floats({2}, {1 / (1 + std::exp(2.0f)), 1 / (1 + std::exp(-3.0f))})));
  o.op = "Tanh";
  EXPECT_TRUE(close(run_ref(o), floats({2}, {std::tanh(-2.0f), std::tanh(3.0f)})));
}

TEST(RefOps, BatchNormalization) {
  OneOp o;
  o.op = "BatchNormalization";
  o.runtime = {{"x", floats({1, 2, 1, 2}, {1, 2, 3, 4})}};
  o.params = {{"s", floats({2}, {2, 1})},
              {"b", floats({2}, {0, 1})},
              {"m", floats({2}, {1, 3})},
              {"v", floats({2}, {4, 1})}};
  o.input_order = {"x", "s", "b", "m", "v"};
  o.attrs = {{"epsilon", attr_f(0.0f)}};
  EXPECT_TRUE(close(run_ref(o), floats({1, 2, 1, 2}, {0, 1, 1, 2})));
}

// ---------------------------------------------------------------- fast backends vs reference

TEST(BackendsAgree, ConvShapes) {
  struct Case {
    Shape x, w;
    int64_t group;
    std::vector<int64_t> pads, strides, dil;
    std::string ap;
    bool bias;
  };
  const std::vector<Case> cases = {
      {{1, 3, 17, 13}, {8, 3, 3, 3}, 1, {1, 1, 1, 1}, {1, 1}, {1, 1}, "", true},
      {{2, 16, 9, 11}, {24, 16, 1, 1}, 1, {0, 0, 0, 0}, {1, 1}, {1, 1}, "", true},   // pointwise
      {{1, 12, 15, 15}, {12, 1, 3, 3}, 12, {1, 1, 1, 1}, {2, 2}, {1, 1}, "", true},  // depthwise s2
      {{1, 8, 12, 12}, {8, 1, 3, 3}, 8, {2, 2, 2, 2}, {1, 1}, {2, 2}, "", false},  // depthwise dil
      {{1, 8, 10, 10}, {6, 4, 3, 3}, 2, {0, 1, 2, 1}, {1, 2}, {1, 1}, "", true},   // grouped, asym
      {{1, 5, 9, 7}, {7, 5, 5, 3}, 1, {}, {2, 1}, {1, 2}, "SAME_UPPER", true},
      {{1, 4, 8, 8}, {3, 4, 2, 2}, 1, {}, {2, 2}, {1, 1}, "VALID", false},
      {{1, 300, 6, 5}, {70, 300, 3, 3}, 1, {1, 1, 1, 1}, {1, 1}, {1, 1}, "", true},  // K > one
                                                                                     // block
      {{1, 3, 40}, {4, 3, 5}, 1, {2, 2}, {1}, {1}, "", true},                        // 1-D
  };
  uint32_t seed = 10;
  for (const auto& c : cases) {
    OneOp o;
    o.op = "Conv";
    o.runtime = {{"x", random_tensor(c.x, seed++)}};
    o.params = {{"w", random_tensor(c.w, seed++)}};
    o.input_order = {"x", "w"};
    if (c.bias) {
      o.params.push_back({"b", random_tensor({c.w[0]}, seed++)});
      o.input_order.push_back("b");
    }
    o.attrs["group"] = attr_i(c.group);
    if (!c.pads.empty()) o.attrs["pads"] = attr_is(c.pads);
    o.attrs["strides"] = attr_is(c.strides);
    o.attrs["dilations"] = attr_is(c.dil);
    if (!c.ap.empty()) o.attrs["auto_pad"] = attr_s(c.ap);
    SCOPED_TRACE(colorize::nn::shape_string(c.x) + " * " + colorize::nn::shape_string(c.w));
    expect_backends_agree(o);
  }
}

TEST(BackendsAgree, ConvTranspose) {
  OneOp o;
  o.op = "ConvTranspose";
  o.runtime = {{"x", random_tensor({1, 6, 5, 7}, 3)}};
  o.params = {{"w", random_tensor({6, 2, 3, 3}, 4)}, {"b", random_tensor({4}, 5)}};
  o.input_order = {"x", "w", "b"};
  o.attrs = {{"group", attr_i(2)},
             {"strides", attr_is({2, 2})},
             {"pads", attr_is({1, 1, 0, 0})},
             {"output_padding", attr_is({1, 0})}};
  expect_backends_agree(o);
}

TEST(BackendsAgree, Elementwise) {
  for (const char* op : {"Relu", "Sigmoid", "Tanh", "LeakyRelu", "Exp", "Abs", "Neg", "Sqrt",
                         "Floor", "HardSigmoid", "HardSwish", "Erf"}) {
    SCOPED_TRACE(op);
    OneOp o = unary_op(op, {2, 3, 130, 140}, 20);
    if (std::string(op) == "Sqrt")
      for (auto& v : o.runtime[0].second.f) v = std::fabs(v);
    expect_backends_agree(o);
  }
  OneOp clip = unary_op("Clip", {1, 8, 128, 128}, 21);
  clip.params = {{"lo", floats({}, {0})}, {"hi", floats({}, {6})}};
  clip.input_order = {"x", "lo", "hi"};
  expect_backends_agree(clip);
  const std::vector<std::pair<Shape, Shape>> shapes = {{{2, 8, 33, 35}, {2, 8, 33, 35}},
                                                       {{2, 8, 33, 35}, {2, 8, 1, 1}},
                                                       {{1, 8, 1, 1}, {1, 8, 20, 20}},
                                                       {{4, 5}, {5}},
                                                       {{3, 1, 7}, {1, 4, 1}},
                                                       {{1}, {2, 3}},
                                                       {{2, 3, 4}, {}}};
  uint32_t seed = 30;
  for (const char* op : {"Add", "Sub", "Mul", "Div", "Max", "Pow"}) {
    for (const auto& s : shapes) {
      SCOPED_TRACE(std::string(op) + " " + colorize::nn::shape_string(s.first) + " " +
                   colorize::nn::shape_string(s.second));
      OneOp o;
      o.op = op;
      o.runtime = {{"a", random_tensor(s.first, seed++, 0.5f, 2.0f)},
                   {"b", random_tensor(s.second, seed++, 0.5f, 2.0f)}};
      o.input_order = {"a", "b"};
      expect_backends_agree(o);
    }
  }
}

TEST(BackendsAgree, ResizeModes) {
  uint32_t seed = 50;
  for (const char* ct : {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"}) {
    for (const char* mode : {"linear", "nearest"}) {
      for (const char* nm : {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"}) {
        if (std::string(mode) == "linear" && std::string(nm) != "floor") continue;
        SCOPED_TRACE(std::string(ct) + " " + mode + " " + nm);
        OneOp o;
        o.op = "Resize";
        o.runtime = {{"x", random_tensor({1, 3, 7, 9}, seed++)}};
        o.params = {{"scales", floats({4}, {1, 1, 2, 2})}};
        o.input_order = {"x", "", "scales"};
        o.attrs = {{"mode", attr_s(mode)},
                   {"coordinate_transformation_mode", attr_s(ct)},
                   {"nearest_mode", attr_s(nm)}};
        expect_backends_agree(o);
        o.params = {{"sizes", ints({1, 3, 5, 20})}};  // down in H, up in W
        o.input_order = {"x", "", "", "sizes"};
        expect_backends_agree(o);
      }
    }
  }
  OneOp up;  // Upsample (opset 9)
  up.op = "Upsample";
  up.opset = 9;
  up.runtime = {{"x", random_tensor({1, 2, 4, 4}, 60)}};
  up.params = {{"scales", floats({4}, {1, 1, 2, 2})}};
  up.input_order = {"x", "scales"};
  up.attrs = {{"mode", attr_s("nearest")}};
  expect_backends_agree(up);
}

TEST(BackendsAgree, SoftmaxConcatMatMul) {
  OneOp o;
  o.op = "Softmax";
  o.runtime = {{"x", random_tensor({1, 313, 9, 10}, 70, -5, 5)}};
  o.input_order = {"x"};
  o.attrs = {{"axis", attr_i(1)}};
  expect_backends_agree(o);
  o.attrs = {};
  expect_backends_agree(o);
  o.op = "LogSoftmax";
  expect_backends_agree(o);

  OneOp c;
  c.op = "Concat";
  c.runtime = {{"a", random_tensor({1, 3, 5, 6}, 71)},
               {"b", random_tensor({1, 4, 5, 6}, 72)},
               {"c", random_tensor({1, 1, 5, 6}, 73)}};
  c.input_order = {"a", "b", "c"};
  c.attrs = {{"axis", attr_i(1)}};
  expect_backends_agree(c);
  c.runtime = {{"a", random_tensor({2, 3, 5, 6}, 74)}, {"b", random_tensor({2, 3, 5, 2}, 75)}};
  c.input_order = {"a", "b"};
  c.attrs = {{"axis", attr_i(-1)}};
  expect_backends_agree(c);

  OneOp m;
  m.op = "MatMul";
  m.runtime = {{"a", random_tensor({2, 37, 45}, 76)}};
  m.params = {{"b", random_tensor({45, 29}, 77)}};
  m.input_order = {"a", "b"};
  expect_backends_agree(m);
  m.runtime = {{"a", random_tensor({2, 1, 5, 6}, 78)}, {"b", random_tensor({3, 6, 4}, 79)}};
  m.params = {};
  expect_backends_agree(m);

  OneOp g;
  g.op = "Gemm";
  g.runtime = {{"a", random_tensor({7, 300}, 80)}};
  g.params = {{"b", random_tensor({20, 300}, 81)}, {"c", random_tensor({20}, 82)}};
  g.input_order = {"a", "b", "c"};
  g.attrs = {{"transB", attr_i(1)}};
  expect_backends_agree(g);
}

TEST(BackendsAgree, DataMovement) {
  OneOp t;
  t.op = "Transpose";
  t.runtime = {{"x", random_tensor({2, 3, 4, 5}, 90)}};
  t.input_order = {"x"};
  t.attrs = {{"perm", attr_is({0, 2, 3, 1})}};
  expect_backends_agree(t);
  OneOp p;
  p.op = "Pad";
  p.runtime = {{"x", random_tensor({1, 2, 5, 6}, 91)}};
  p.params = {{"p", ints({0, 0, 1, 2, 0, 0, 3, 1})}};
  p.input_order = {"x", "p"};
  for (const char* mode : {"constant", "reflect", "edge"}) {
    p.attrs = {{"mode", attr_s(mode)}};
    expect_backends_agree(p);
  }
  OneOp b;
  b.op = "BatchNormalization";
  b.runtime = {{"x", random_tensor({2, 4, 6, 6}, 92)}};
  b.params = {{"s", random_tensor({4}, 93)},
              {"b", random_tensor({4}, 94)},
              {"m", random_tensor({4}, 95)},
              {"v", random_tensor({4}, 96, 0.5f, 2.0f)}};
  b.input_order = {"x", "s", "b", "m", "v"};
  expect_backends_agree(b);
  OneOp gp;
  gp.op = "GlobalAveragePool";
  gp.runtime = {{"x", random_tensor({2, 5, 7, 9}, 97)}};
  gp.input_order = {"x"};
  expect_backends_agree(gp);
}

// ---------------------------------------------------------------- errors, not crashes

TEST(KernelErrors, BadShapesAreStatusErrors) {
  OneOp o;
  o.op = "Conv";
  o.runtime = {{"x", random_tensor({1, 3, 8, 8}, 1)}};
  o.params = {{"w", random_tensor({4, 2, 3, 3}, 2)}};  // 2 input channels expected
  o.input_order = {"x", "w"};
  for (const char* b : {"cpu-ref", "cpu"}) {
    auto r = run_on(o, b);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("Conv node 'op'"), std::string::npos)
        << r.status().message();
  }
  OneOp c;
  c.op = "ConstantOfShape";
  c.runtime = {{"s", ints({1 << 20, 1 << 20, 1 << 20})}};
  c.input_order = {"s"};
  auto r = run_on(c, "cpu");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kTooLarge);
  OneOp rs;
  rs.op = "Reshape";
  rs.runtime = {{"x", Tensor::zeros({2, 3})}};
  rs.params = {{"s", ints({-1, -1})}};
  rs.input_order = {"x", "s"};
  EXPECT_FALSE(run_on(rs, "cpu").ok());
}

TEST(OpTable, SortedAndComplete) {
  const auto ops = colorize::nn::supported_ops();
  EXPECT_TRUE(std::is_sorted(ops.begin(), ops.end()));
  for (const char* op : {"Conv",
                         "ConvTranspose",
                         "Resize",
                         "BatchNormalization",
                         "Relu",
                         "Clip",
                         "LeakyRelu",
                         "Sigmoid",
                         "Tanh",
                         "Add",
                         "Sub",
                         "Mul",
                         "Div",
                         "Concat",
                         "Softmax",
                         "MatMul",
                         "Gemm",
                         "GlobalAveragePool",
                         "Reshape",
                         "Flatten",
                         "Transpose",
                         "Expand",
                         "Tile",
                         "Pad",
                         "DequantizeLinear",
                         "Cast",
                         "Constant",
                         "Shape",
                         "Gather",
                         "Unsqueeze",
                         "Squeeze",
                         "Slice",
                         "ConstantOfShape",
                         "ReduceMean",
                         "ReduceSum",
                         "Identity"}) {
    EXPECT_NE(colorize::nn::find_op(op), nullptr) << op;
  }
}

TEST(KernelErrors, HostileAttributesAndExtremeValues) {
  // Slice with the largest steps: one element, no overflow in the length arithmetic.
  OneOp s;
  s.op = "Slice";
  s.runtime = {{"x", floats({4}, {0, 1, 2, 3})}};
  s.params = {
      {"st", ints({1})}, {"en", ints({INT64_MAX})}, {"ax", ints({0})}, {"sp", ints({INT64_MAX})}};
  s.input_order = {"x", "st", "en", "ax", "sp"};
  EXPECT_TRUE(close(run_ref(s), floats({1}, {1})));
  s.params[3].second = ints({INT64_MIN});
  EXPECT_FALSE(run_on(s, "cpu-ref").ok());
  // A convolution with an absurd stride or dilation is refused, not computed.
  OneOp c;
  c.op = "Conv";
  c.runtime = {{"x", random_tensor({1, 1, 4, 4}, 1)}};
  c.params = {{"w", random_tensor({1, 1, 1, 1}, 2)}};
  c.input_order = {"x", "w"};
  c.attrs = {{"strides", attr_is({INT64_MAX / 2, 1})}};
  EXPECT_FALSE(run_on(c, "cpu").ok());
  c.attrs = {{"dilations", attr_is({1, INT64_MAX})}};
  EXPECT_FALSE(run_on(c, "cpu-ref").ok());
  // Integer Neg / Abs of the most negative value wrap (two's complement) instead of trapping.
  OneOp neg;
  neg.op = "Neg";
  neg.runtime = {{"x", ints({INT64_MIN, 5})}};
  neg.input_order = {"x"};
  EXPECT_TRUE(close(run_ref(neg), ints({INT64_MIN, -5})));
}
