// The ONNX reader and graph builder on hand-made, truncated and mutated files: every
// outcome is a value (ok or a Status), never a crash, hang or unbounded allocation.
#include <fstream>
#include <iterator>

#include "colorize/nn/npy.h"
#include "nn_test_util.h"

using namespace nntest;
namespace nn = colorize::nn;
using colorize::ErrorCode;

namespace {

// A minimal protobuf writer for hand-made models.
struct Pb {
  std::string b;
  Pb& varint(uint64_t v) {
    while (v >= 0x80) {
      b += static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    b += static_cast<char>(v);
    return *this;
  }
  Pb& tag(int field, int wire) { return varint(static_cast<uint64_t>(field) << 3 | wire); }
  Pb& i(int field, uint64_t v) { return tag(field, 0).varint(v); }
  Pb& s(int field, const std::string& v) {
    tag(field, 2).varint(v.size());
    b += v;
    return *this;
  }
  Pb& m(int field, const Pb& v) { return s(field, v.b); }
};

Pb value_info(const std::string& name) {
  Pb tensor_type;
  tensor_type.i(1, 1);  // float
  Pb type;
  type.m(1, tensor_type);
  return Pb().s(1, name).m(2, type);
}

Pb node(const std::string& op, std::vector<std::string> in, std::vector<std::string> out,
        const std::string& name = "n") {
  Pb n;
  for (auto& x : in) n.s(1, x);
  for (auto& x : out) n.s(2, x);
  return n.s(3, name).s(4, op);
}

std::string model(const std::vector<Pb>& nodes, const std::vector<Pb>& inits = {},
                  int64_t opset = 17, const std::string& in = "x", const std::string& out = "y") {
  Pb g;
  for (auto& n : nodes) g.m(1, n);
  for (auto& t : inits) g.m(5, t);
  g.m(11, value_info(in)).m(12, value_info(out));
  Pb op;
  op.s(1, "").i(2, static_cast<uint64_t>(opset));
  return Pb().i(1, 8).m(8, op).m(7, g).b;
}

colorize::Status build(const std::string& bytes) {
  auto m = nn::parse_onnx(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  if (!m.ok()) return m.status();
  auto g = nn::build_graph(std::move(m.value()));
  return g.ok() ? colorize::Status() : g.status();
}

std::string file_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

}  // namespace

TEST(OnnxReader, HandMadeModels) {
  EXPECT_TRUE(build(model({node("Relu", {"x"}, {"y"})})).ok());
  // Unsupported op: named with the node.
  auto s = build(model({node("NonMaxSuppression", {"x"}, {"y"}, "nms1")}));
  EXPECT_EQ(s.code(), ErrorCode::kUnsupported);
  EXPECT_NE(s.message().find("NonMaxSuppression"), std::string::npos);
  EXPECT_NE(s.message().find("nms1"), std::string::npos);
  // Other domains.
  Pb custom = node("Relu", {"x"}, {"y"});
  custom.s(7, "com.microsoft");
  EXPECT_EQ(build(model({custom})).code(), ErrorCode::kUnsupported);
  // Dangling input, cycle, duplicate output, missing graph output.
  EXPECT_EQ(build(model({node("Add", {"x", "nowhere"}, {"y"})})).code(), ErrorCode::kCorruptModel);
  EXPECT_EQ(build(model({node("Relu", {"z"}, {"y"}, "a"), node("Relu", {"y"}, {"z"}, "b")})).code(),
            ErrorCode::kCorruptModel);
  EXPECT_EQ(build(model({node("Relu", {"x"}, {"y"}, "a"), node("Relu", {"x"}, {"y"}, "b")})).code(),
            ErrorCode::kCorruptModel);
  EXPECT_EQ(build(model({node("Relu", {"x"}, {"q"})})).code(), ErrorCode::kCorruptModel);
  // Wrong input count for the op.
  EXPECT_EQ(build(model({node("Conv", {"x"}, {"y"})})).code(), ErrorCode::kCorruptModel);
  // Opset out of range.
  EXPECT_EQ(build(model({node("Relu", {"x"}, {"y"})}, {}, 3)).code(), ErrorCode::kUnsupported);
  // Initializer with dims that do not match its data, huge dims, external data, strings.
  Pb bad_init;
  bad_init.i(1, 4).i(2, 1).s(8, "w").s(9, std::string(8, '\0'));  // 4 floats declared, 2 given
  EXPECT_EQ(build(model({node("Add", {"x", "w"}, {"y"})}, {bad_init})).code(),
            ErrorCode::kCorruptModel);
  Pb huge;
  huge.i(1, 1ull << 40).i(1, 1ull << 40).i(2, 1).s(8, "w");
  EXPECT_EQ(build(model({node("Add", {"x", "w"}, {"y"})}, {huge})).code(), ErrorCode::kTooLarge);
  Pb ext;
  ext.i(1, 2).i(2, 1).s(8, "w").i(14, 1);
  EXPECT_EQ(build(model({node("Add", {"x", "w"}, {"y"})}, {ext})).code(), ErrorCode::kUnsupported);
  Pb str;
  str.i(1, 1).i(2, 8).s(8, "w").s(6, "hello");
  EXPECT_EQ(build(model({node("Add", {"x", "w"}, {"y"})}, {str})).code(), ErrorCode::kUnsupported);
  // Float16 initializer (raw) is converted: 1.0 = 0x3c00, -2.0 = 0xc000.
  Pb half;
  half.i(1, 2).i(2, 10).s(8, "w").s(9, std::string("\x00\x3c\x00\xc0", 4));
  auto m = nn::parse_onnx(
      reinterpret_cast<const uint8_t*>(model({node("Add", {"x", "w"}, {"y"})}, {half}).data()),
      model({node("Add", {"x", "w"}, {"y"})}, {half}).size());
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ(m->initializers.at("w").f, (std::vector<float>{1.0f, -2.0f}));
  // Not a model at all.
  EXPECT_EQ(build("").code(), ErrorCode::kEmptyInput);
  EXPECT_EQ(build("this is not protobuf").code(), ErrorCode::kCorruptModel);
  EXPECT_EQ(build(std::string(100, '\xff')).code(), ErrorCode::kCorruptModel);
}

TEST(OnnxReader, EveryTruncationIsAnError) {
  const std::string bytes =
      file_bytes(std::string(COLORIZE_TEST_DATA_DIR) + "/data/models/tiny_colorizer.onnx");
  ASSERT_GT(bytes.size(), 1000u);
  ASSERT_TRUE(build(bytes).ok());
  // Cutting a valid protobuf anywhere before its end breaks a length or leaves the graph
  // incomplete; a few cut points at field boundaries may still parse, but none may crash.
  int errors = 0, total = 0;
  for (size_t n = 0; n < bytes.size(); n += (n < 512 ? 1 : 61)) {
    ++total;
    if (!build(bytes.substr(0, n)).ok()) ++errors;
  }
  EXPECT_GT(errors, total * 9 / 10);
}

TEST(OnnxReader, MutatedModelsNeverCrash) {
  const std::string bytes =
      file_bytes(std::string(COLORIZE_TEST_DATA_DIR) + "/data/models/tiny_colorizer.onnx");
  std::mt19937 rng(2024);
  int ran = 0;
  for (int it = 0; it < 400; ++it) {
    std::string b = bytes;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) {
      const size_t pos = rng() % b.size();
      switch (rng() % 3) {
        case 0:
          b[pos] = static_cast<char>(rng());
          break;
        case 1:
          b[pos] ^= static_cast<char>(1u << (rng() % 8));
          break;
        default:
          b.insert(pos, 1, static_cast<char>(rng()));
          break;
      }
    }
    auto m = nn::parse_onnx(reinterpret_cast<const uint8_t*>(b.data()), b.size());
    if (!m.ok()) continue;
    auto g = nn::build_graph(std::move(m.value()));
    if (!g.ok()) continue;
    // A mutated graph that still validates must run to a value or an error.
    auto be = nn::select_backend("cpu");
    ASSERT_TRUE(be.ok());
    auto s = (*be)->create_session(*g, {1, false, 0});
    if (!s.ok()) continue;
    std::vector<Tensor> in;
    for (const auto& vi : (*g)->input_info) {
      Shape sh = vi.shape;
      for (auto& d : sh)
        if (d < 0 || d > 64) d = 32;
      if (vi.dtype == DType::kFloat32)
        in.push_back(random_tensor(sh, 1, 0, 100));
      else {
        Tensor t;
        colorize::nn::allocate(t, sh, vi.dtype);
        in.push_back(t);
      }
    }
    (void)(*s)->run(in);
    ++ran;
  }
  EXPECT_GT(ran, 0);  // some mutations (e.g. in weights) leave a runnable model
}

TEST(Npy, RoundTripAndHostileHeaders) {
  Tensor t = random_tensor({2, 3, 4}, 5);
  auto bytes = nn::encode_npy(t);
  auto back = nn::parse_npy(bytes.data(), bytes.size());
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->shape, t.shape);
  EXPECT_EQ(back->f, t.f);
  Tensor i = Tensor::from_ints({3}, {-1, 0, 1LL << 40});
  bytes = nn::encode_npy(i);
  back = nn::parse_npy(bytes.data(), bytes.size());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->i, i.i);
  bytes = nn::encode_npy(t);
  for (size_t n = 0; n < bytes.size(); n += 7)
    EXPECT_FALSE(nn::parse_npy(bytes.data(), n).ok()) << n;
  std::string h = "\x93NUMPY\x01\x00";
  std::string dict =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }";
  h += static_cast<char>(dict.size());
  h += '\0';
  h += dict;
  EXPECT_FALSE(nn::parse_npy(reinterpret_cast<const uint8_t*>(h.data()), h.size()).ok());
}

TEST(GraphBuilder, ConstantParametersAreCheckedAtLoad) {
  // Conv bias of the wrong length: refused by build_graph, naming the node, before any run.
  OneOp o;
  o.op = "Conv";
  o.runtime = {{"x", random_tensor({1, 2, 4, 4}, 1)}};
  o.params = {{"w", random_tensor({3, 2, 1, 1}, 2)}, {"b", random_tensor({4}, 3)}};
  o.input_order = {"x", "w", "b"};
  auto g = nn::build_graph(o.model());
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), ErrorCode::kCorruptModel);
  EXPECT_NE(g.status().message().find("Conv node 'op'"), std::string::npos) << g.status().message();
  // 3-D convolution: unsupported, said at load.
  o.params = {{"w", random_tensor({3, 2, 1, 1, 1}, 2)}};
  o.input_order = {"x", "w"};
  g = nn::build_graph(o.model());
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), ErrorCode::kUnsupported);
  // A declared channel count that the weight contradicts.
  o.params = {{"w", random_tensor({3, 5, 1, 1}, 2)}};
  nn::Model m = o.model();
  m.inputs[0].has_shape = true;
  m.inputs[0].shape = {1, 2, -1, -1};
  g = nn::build_graph(m);
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("channels"), std::string::npos) << g.status().message();
}
