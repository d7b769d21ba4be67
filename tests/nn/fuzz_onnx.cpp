// libFuzzer target for the engine's hostile-input surface: ONNX bytes -> parse -> validate
// -> (when valid) run once on the CPU backend with small inputs; and the same bytes as an
// .npy file. Any outcome but a Status is a bug. Built with -DCOLORIZE_FUZZ=ON (clang);
// seed it with tests/data/models and tests/data/hostile_models:
//   build/tests/nn/fuzz_onnx corpus-dir tests/data/models tests/data/hostile_models -max_len=131072
#include <cstddef>
#include <cstdint>

#include "colorize/nn/backend.h"
#include "colorize/nn/npy.h"

using namespace colorize::nn;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)parse_npy(data, size);
  auto m = parse_onnx(data, size);
  if (!m.ok()) return 0;
  GraphOptions go;
  go.max_folded_elements = int64_t{1} << 22;  // as the run's cap below
  auto g = build_graph(std::move(m.value()), go);
  if (!g.ok()) return 0;
  auto b = select_backend("cpu");
  if (!b.ok()) return 0;
  SessionOptions o;
  o.threads = 1;
  // Inputs are at most 64 per dimension; a graph that blows them up past 4M elements (a
  // huge Pad, Expand, Tile, Resize) is refused instead of running for minutes.
  o.max_tensor_elements = int64_t{1} << 22;
  auto s = (*b)->create_session(*g, o);
  if (!s.ok()) return 0;
  std::vector<Tensor> in;
  for (const auto& vi : (*g)->input_info) {
    Shape sh = vi.shape;
    for (auto& d : sh)
      if (d < 0 || d > 64) d = 32;
    Tensor t;
    if (!allocate(t, sh, vi.dtype == DType::kUndefined ? DType::kFloat32 : vi.dtype).ok()) return 0;
    in.push_back(std::move(t));
  }
  (void)(*s)->run(in);
  return 0;
}
