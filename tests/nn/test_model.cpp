// Model-level goldens: the committed tiny colorizer (scripts/make_test_model.py) and, when
// present, the project's real models (models/*.onnx with models/golden/), on every backend,
// against outputs computed by PyTorch. Tolerance: 1e-4 of the output's largest magnitude.
#include <dirent.h>

#include <fstream>

#include "colorize/nn/npy.h"
#include "nn_test_util.h"

using namespace nntest;
namespace nn = colorize::nn;

namespace {

const std::string kDir = std::string(COLORIZE_TEST_DATA_DIR) + "/data/models/";

std::vector<std::string> all_backends() {
  std::vector<std::string> v = {"cpu-ref"};
  for (const auto& b : fast_backends()) v.push_back(b);
  return v;
}

void check_golden(const std::string& model, const std::string& prefix,
                  const std::vector<std::string>& inputs, const std::string& output,
                  const std::string& backend, double rtol = 1e-4) {
  SCOPED_TRACE(model + " / " + prefix + " on " + backend);
  auto s = nn::open_model(model, backend);
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  std::map<std::string, Tensor> in;
  for (const auto& name : inputs) {
    auto t = nn::read_npy(prefix + name + ".npy");
    ASSERT_TRUE(t.ok()) << t.status().to_string();
    in[name] = *t;
  }
  auto want = nn::read_npy(prefix + output + ".npy");
  ASSERT_TRUE(want.ok()) << want.status().to_string();
  auto out = nn::run_named(**s, in);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  ASSERT_TRUE(out->count(output));
  EXPECT_TRUE(close(out->at(output), *want, rtol));
}

}  // namespace

TEST(TinyColorizer, GoldenOnEveryBackend) {
  for (const auto& b : all_backends()) {
    for (const char* model : {"tiny_colorizer.onnx", "tiny_colorizer_q.onnx"}) {
      for (const char* cs : {"auto", "hints"}) {
        check_golden(kDir + model, kDir + "tiny_colorizer_" + cs + "_",
                     {"L", "hint_ab", "hint_mask"}, "ab", b);
      }
    }
  }
}

TEST(TinyColorizer, HintsChangeTheOutput) {
  // Guards the golden pair itself: the two cases must differ, or the hint path is untested.
  auto a = nn::read_npy(kDir + "tiny_colorizer_auto_ab.npy");
  auto h = nn::read_npy(kDir + "tiny_colorizer_hints_ab.npy");
  ASSERT_TRUE(a.ok() && h.ok());
  EXPECT_FALSE(close(*a, *h, 1e-3));
}

TEST(TinyColorizer, OtherSizesRunAndAgree) {
  // Dynamic H, W: 96 x 32 through the same graph, fast vs reference. The batch is fixed at 1
  // by the export, so a batch of 2 is refused.
  auto ref = nn::open_model(kDir + "tiny_colorizer.onnx", "cpu-ref");
  ASSERT_TRUE(ref.ok()) << ref.status().to_string();
  std::map<std::string, Tensor> in = {{"L", random_tensor({2, 1, 96, 32}, 1, 0, 100)},
                                      {"hint_ab", random_tensor({2, 2, 96, 32}, 2, -50, 50)},
                                      {"hint_mask", Tensor::zeros({2, 1, 96, 32})}};
  EXPECT_FALSE(nn::run_named(**ref, in).ok());
  in = {{"L", random_tensor({1, 1, 96, 32}, 1, 0, 100)},
        {"hint_ab", random_tensor({1, 2, 96, 32}, 2, -50, 50)},
        {"hint_mask", Tensor::zeros({1, 1, 96, 32})}};
  auto r = nn::run_named(**ref, in);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->at("ab").shape, (nn::Shape{1, 2, 48, 16}));
  for (const auto& b : fast_backends()) {
    auto s = nn::open_model(kDir + "tiny_colorizer.onnx", b);
    ASSERT_TRUE(s.ok());
    auto o = nn::run_named(**s, in);
    ASSERT_TRUE(o.ok()) << o.status().to_string();
    EXPECT_TRUE(close(o->at("ab"), r->at("ab"))) << b;
  }
}

TEST(TinyColorizer, OneSessionAlternatingShapesAgreesWithTheReference) {
  // A folder of photos alternates a few working shapes (landscape, portrait, square) through
  // one session; per-shape state (the CUDA backend's convolution plans, kept per shape) must
  // serve each shape its own results, also when a shape comes back.
  auto ref = nn::open_model(kDir + "tiny_colorizer.onnx", "cpu-ref");
  ASSERT_TRUE(ref.ok()) << ref.status().to_string();
  const std::vector<std::pair<int64_t, int64_t>> shapes = {
      {64, 96}, {96, 64}, {64, 96}, {32, 32}, {96, 64}, {64, 96}};
  for (const auto& b : fast_backends()) {
    SCOPED_TRACE(b);
    auto s = nn::open_model(kDir + "tiny_colorizer.onnx", b);
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    uint32_t seed = 10;
    for (const auto& [h, w] : shapes) {
      std::map<std::string, Tensor> in = {{"L", random_tensor({1, 1, h, w}, ++seed, 0, 100)},
                                          {"hint_ab", random_tensor({1, 2, h, w}, ++seed, -50, 50)},
                                          {"hint_mask", Tensor::zeros({1, 1, h, w})}};
      auto want = nn::run_named(**ref, in);
      ASSERT_TRUE(want.ok()) << want.status().to_string();
      auto got = nn::run_named(**s, in);
      ASSERT_TRUE(got.ok()) << got.status().to_string();
      EXPECT_EQ(got->at("ab").shape, (nn::Shape{1, 2, h / 2, w / 2}));
      EXPECT_TRUE(close(got->at("ab"), want->at("ab"))) << h << "x" << w;
    }
  }
}

TEST(TinyColorizer, WrongInputsAreRefused) {
  auto s = nn::open_model(kDir + "tiny_colorizer.onnx", "cpu");
  ASSERT_TRUE(s.ok());
  std::map<std::string, Tensor> in = {{"L", Tensor::zeros({1, 1, 64, 64})},
                                      {"hint_ab", Tensor::zeros({1, 2, 64, 64})}};
  auto r = nn::run_named(**s, in);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("hint_mask"), std::string::npos);
  in["hint_mask"] = Tensor::zeros({1, 3, 64, 64});  // declared [1, 1, H, W]
  r = nn::run_named(**s, in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), colorize::ErrorCode::kInvalidArgument);
  in["hint_mask"] = Tensor::zeros({1, 1, 32, 32});  // disagrees with L inside the graph
  r = nn::run_named(**s, in);
  EXPECT_FALSE(r.ok());
}

// The real models, as scripts/export.py writes them into models/: <prefix>-fp32.onnx,
// <prefix>-web-fp16.onnx, <prefix>-web-int8.onnx, inputs golden/<case>_{L,hint_ab,hint_mask}.npy
// and PyTorch outputs golden/<case>_ab_<precision>.npy for cases "auto" and "hints" (the
// manifest lists the same files). fp32 within 1e-4 of the largest |ab| on every backend; the
// weight-compressed variants (PyTorch run with the same dequantized weights) within 1e-3.
// The reference backend checks the fp32 model only (it is slow). Skipped until models exist.
TEST(ProjectModels, GoldenWhenPresent) {
  const std::string dir = COLORIZE_MODELS_DIR;
  DIR* d = opendir(dir.c_str());
  int checked = 0;
  if (d) {
    std::vector<std::string> names;
    while (dirent* e = readdir(d)) names.push_back(e->d_name);
    closedir(d);
    for (const auto& name : names) {
      if (name.size() < 6 || name.substr(name.size() - 5) != ".onnx") continue;
      const std::string stem = name.substr(0, name.size() - 5);
      const std::string prec = stem.substr(stem.rfind('-') + 1);  // fp32, fp16, int8
      for (const char* cs : {"auto", "hints"}) {
        const std::string in = dir + "/golden/" + cs + "_";
        const std::string out = dir + "/golden/" + cs + "_ab_" + prec + ".npy";
        if (!std::ifstream(out) || !std::ifstream(in + "L.npy")) continue;
        for (const auto& b : all_backends()) {
          if (b == "cpu-ref" && prec != "fp32") continue;
          SCOPED_TRACE(name + " / " + cs + " on " + b);
          auto s = nn::open_model(dir + "/" + name, b);
          ASSERT_TRUE(s.ok()) << s.status().to_string();
          std::map<std::string, Tensor> feeds;
          for (const char* k : {"L", "hint_ab", "hint_mask"}) {
            auto t = nn::read_npy(in + k + ".npy");
            ASSERT_TRUE(t.ok()) << t.status().to_string();
            feeds[k] = *t;
          }
          auto want = nn::read_npy(out);
          ASSERT_TRUE(want.ok());
          auto got = nn::run_named(**s, feeds);
          ASSERT_TRUE(got.ok()) << got.status().to_string();
          EXPECT_TRUE(close(got->at("ab"), *want, prec == "fp32" ? 1e-4 : 1e-3));
          ++checked;
        }
      }
    }
  }
  if (checked == 0) GTEST_SKIP() << "no models with goldens in " << dir;
}

// The CUDA backend, when compiled in (-DCOLORIZE_CUDA=ON): the goldens above already run on it
// when a GPU is present; this test states the outcome explicitly and skips without a GPU.
TEST(CudaBackend, GoldenOrSkip) {
#ifdef COLORIZE_HAVE_CUDA
  register_all();
  auto b = nn::select_backend("cuda");
  if (!b.ok()) GTEST_SKIP() << b.status().to_string();
  for (const char* model : {"tiny_colorizer.onnx", "tiny_colorizer_q.onnx"})
    for (const char* cs : {"auto", "hints"})
      check_golden(kDir + model, kDir + "tiny_colorizer_" + cs + "_", {"L", "hint_ab", "hint_mask"},
                   "ab", "cuda");
#else
  GTEST_SKIP() << "built without COLORIZE_CUDA";
#endif
}

TEST(SessionLimits, TensorElementCapRefusesBigIntermediatesAndIsRestored) {
  // The cap bounds every tensor a run creates (hostile models: see fuzz_onnx.cpp). The tiny
  // colorizer at 64 x 64 has intermediates of more than 4096 elements, so a cap of 4096
  // refuses the run with kTooLarge, on every backend (CUDA too where a GPU is present); the
  // default runs it.
  std::map<std::string, Tensor> in = {{"L", random_tensor({1, 1, 64, 64}, 1, 0, 100)},
                                      {"hint_ab", Tensor::zeros({1, 2, 64, 64})},
                                      {"hint_mask", Tensor::zeros({1, 1, 64, 64})}};
  for (const auto& b : all_backends()) {
    SCOPED_TRACE(b);
    nn::SessionOptions o;
    o.max_tensor_elements = 4096;
    auto capped = nn::open_model(kDir + "tiny_colorizer.onnx", b, o);
    ASSERT_TRUE(capped.ok()) << capped.status().to_string();
    auto r = nn::run_named(**capped, in);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), colorize::ErrorCode::kTooLarge) << r.status().to_string();
    EXPECT_EQ(nn::tensor_element_limit(), nn::kMaxElements);  // the run's scope has ended
    auto plain = nn::open_model(kDir + "tiny_colorizer.onnx", b);
    ASSERT_TRUE(plain.ok());
    EXPECT_TRUE(nn::run_named(**plain, in).ok());
  }
  {
    nn::TensorLimitScope outer(100);
    {
      nn::TensorLimitScope inner(10);
      Tensor t;
      EXPECT_EQ(nn::allocate(t, {11}).code(), colorize::ErrorCode::kTooLarge);
      EXPECT_TRUE(nn::allocate(t, {10}).ok());
    }
    EXPECT_EQ(nn::tensor_element_limit(), 100);
  }
  EXPECT_EQ(nn::tensor_element_limit(), nn::kMaxElements);
}

TEST(SessionLimits, FuzzFoundHostileModelsFailFast) {
  // Two models libFuzzer derived from the tiny colorizer: one folds a ConstantOfShape of a
  // huge shape at build time (was: out of memory), one pads to a huge tensor at run time
  // (was: a 20 s timeout). Both must end in an error Status, quickly.
  // They live in tests/data/hostile_models, apart from the working test models (the web build
  // stages every model in tests/data/models as a selectable test model).
  const std::string dir = std::string(COLORIZE_TEST_DATA_DIR) + "/data/hostile_models/";
  auto fold = nn::load_onnx_file(dir + "hostile_huge_fold.onnx");
  ASSERT_TRUE(fold.ok()) << fold.status().to_string();
  auto g = nn::build_graph(std::move(*fold));
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), colorize::ErrorCode::kTooLarge) << g.status().to_string();

  auto pad = nn::load_onnx_file(dir + "hostile_huge_pad.onnx");
  ASSERT_TRUE(pad.ok()) << pad.status().to_string();
  auto pg = nn::build_graph(std::move(*pad));
  ASSERT_TRUE(pg.ok()) << pg.status().to_string();
  nn::SessionOptions o;
  o.threads = 1;
  o.max_tensor_elements = int64_t{1} << 22;
  auto b = nn::select_backend("cpu");
  ASSERT_TRUE(b.ok());
  auto s = (*b)->create_session(*pg, o);
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  std::vector<Tensor> in;
  for (const auto& vi : (*pg)->input_info) {
    nn::Shape sh = vi.shape;
    for (auto& d : sh)
      if (d < 0 || d > 64) d = 32;
    Tensor t;
    ASSERT_TRUE(nn::allocate(t, sh, vi.dtype == nn::DType::kUndefined ? nn::DType::kFloat32
                                                                       : vi.dtype).ok());
    in.push_back(std::move(t));
  }
  auto r = (*s)->run(in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), colorize::ErrorCode::kTooLarge) << r.status().to_string();
}
