// colorize-tensor: runs an ONNX model on .npy inputs and writes .npy outputs, for
// cross-checking the engine against other runtimes.
//
//   colorize-tensor --model m.onnx --input L=in.npy [--input ...] --output ab=out.npy
//                   [--backend auto|cpu|cpu-ref|cuda] [--threads N] [--tf32] [--repeat N]
//                   [--profile]
//                   [--expect NAME=golden.npy [--rtol R]]
//   colorize-tensor --list-backends
//   colorize-tensor --model m.onnx --info
//
// --expect compares an output with a reference array: |out - ref| <= R * max|ref| (R default
// 1e-4) element-wise; it prints the largest error.
// Exit codes: 0 ok, 2 usage, 3 model/input errors, 4 no backend, 5 an --expect mismatch.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "colorize/nn/backend.h"
#include "colorize/nn/kernels.h"
#include "colorize/nn/npy.h"
#ifdef COLORIZE_HAVE_CUDA
#include "cuda_backend.h"
#endif

using namespace colorize;
using namespace colorize::nn;

namespace {

int usage() {
  std::fprintf(
      stderr,
      "usage: colorize-tensor --model M.onnx --input NAME=in.npy ... [--output NAME=out.npy ...]\n"
      "                       [--backend auto|cpu|cpu-ref|cuda] [--threads N] [--tf32] [--repeat "
      "N] [--profile]\n"
      "       colorize-tensor --list-backends\n"
      "       colorize-tensor --model M.onnx --info\n");
  return 2;
}

int fail(const Status& s) {
  std::fprintf(stderr, "colorize-tensor: %s\n", s.to_string().c_str());
  return s.code() == ErrorCode::kNoBackend ? 4 : 3;
}

bool split_pair(const std::string& arg, std::string& name, std::string& path) {
  const size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size()) return false;
  name = arg.substr(0, eq);
  path = arg.substr(eq + 1);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
#ifdef COLORIZE_HAVE_CUDA
  register_cuda_backend();
#endif
  std::string model, backend = "auto";
  std::map<std::string, std::string> inputs, outputs, expects;
  double rtol = 1e-4;
  SessionOptions opts;
  bool info = false, list = false;
  int repeat = 1;
  for (int k = 1; k < argc; ++k) {
    const std::string a = argv[k];
    auto next = [&](std::string& v) {
      if (k + 1 >= argc) return false;
      v = argv[++k];
      return true;
    };
    std::string v, name, path;
    if (a == "--model" && next(model)) continue;
    if (a == "--backend" && next(backend)) continue;
    if (a == "--input" && next(v) && split_pair(v, name, path)) {
      inputs[name] = path;
      continue;
    }
    if (a == "--output" && next(v) && split_pair(v, name, path)) {
      outputs[name] = path;
      continue;
    }
    if (a == "--expect" && next(v) && split_pair(v, name, path)) {
      expects[name] = path;
      continue;
    }
    if (a == "--rtol" && next(v)) {
      rtol = std::atof(v.c_str());
      continue;
    }
    if (a == "--threads" && next(v)) {
      opts.threads = std::atoi(v.c_str());
      continue;
    }
    if (a == "--repeat" && next(v)) {
      repeat = std::max(1, std::atoi(v.c_str()));
      continue;
    }
    if (a == "--tf32") {
      opts.allow_tf32 = true;
      continue;
    }
    if (a == "--profile") {
      opts.profile = true;
      continue;
    }
    if (a == "--info") {
      info = true;
      continue;
    }
    if (a == "--list-backends") {
      list = true;
      continue;
    }
    return usage();
  }
  if (list) {
    for (const auto& b : list_backends()) {
      std::printf("%-8s %s%s\n", b->name().c_str(), b->available() ? "" : "[unavailable] ",
                  b->description().c_str());
    }
    return 0;
  }
  if (model.empty()) return usage();
  Result<Model> m = load_onnx_file(model);
  if (!m.ok()) return fail(m.status());
  Result<std::shared_ptr<const Graph>> g = build_graph(std::move(m.value()));
  if (!g.ok()) return fail(g.status());
  if (info) {
    const Graph& gr = **g;
    std::printf("opset %lld, %zu nodes after constant folding\n", static_cast<long long>(gr.opset),
                gr.nodes.size());
    for (const auto& vi : gr.input_info)
      std::printf("input  %s %s %s\n", vi.name.c_str(), dtype_name(vi.dtype),
                  shape_string(vi.shape).c_str());
    for (const auto& vi : gr.output_info)
      std::printf("output %s %s %s\n", vi.name.c_str(), dtype_name(vi.dtype),
                  shape_string(vi.shape).c_str());
    std::map<std::string, int> ops;
    for (const auto& n : gr.nodes) ++ops[n.op_type];
    for (const auto& kv : ops) std::printf("  %-20s %d\n", kv.first.c_str(), kv.second);
    return 0;
  }
  Result<std::shared_ptr<Backend>> b = select_backend(backend);
  if (!b.ok()) return fail(b.status());
  Result<std::unique_ptr<Session>> session = (*b)->create_session(*g, opts);
  if (!session.ok()) return fail(session.status());
  std::map<std::string, Tensor> in;
  for (const auto& kv : inputs) {
    Result<Tensor> t = read_npy(kv.second);
    if (!t.ok()) return fail(t.status());
    in[kv.first] = std::move(t.value());
  }
  Result<std::map<std::string, Tensor>> out = Status(ErrorCode::kInternal, "not run");
  double best = 1e30;
  for (int r = 0; r < repeat; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    out = run_named(**session, in);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (!out.ok()) return fail(out.status());
    best = std::min(best, ms);
  }
  std::fprintf(stderr, "backend %s: best of %d runs %.3f ms\n", (*session)->backend_name().c_str(),
               repeat, best);
  const std::string stats = (*session)->stats();
  if (!stats.empty()) std::fprintf(stderr, "%s\n", stats.c_str());
  for (const auto& kv : outputs) {
    auto it = out->find(kv.first);
    if (it == out->end())
      return fail(
          Status(ErrorCode::kInvalidArgument, "the model has no output '" + kv.first + "'"));
    Status s = write_npy(kv.second, it->second);
    if (!s.ok()) return fail(s);
  }
  int rc = 0;
  for (const auto& kv : expects) {
    auto it = out->find(kv.first);
    if (it == out->end())
      return fail(
          Status(ErrorCode::kInvalidArgument, "the model has no output '" + kv.first + "'"));
    Result<Tensor> want = read_npy(kv.second);
    if (!want.ok()) return fail(want.status());
    const Tensor& got = it->second;
    if (got.shape != want->shape || got.stored() != want->stored()) {
      std::fprintf(stderr, "%s: shape %s, expected %s\n", kv.first.c_str(),
                   shape_string(got.shape).c_str(), shape_string(want->shape).c_str());
      rc = 5;
      continue;
    }
    double mx = 0, err = 0;
    for (size_t k = 0; k < want->stored(); ++k) mx = std::max(mx, std::fabs(want->value(k)));
    for (size_t k = 0; k < want->stored(); ++k) {
      const double d = std::fabs(got.value(k) - want->value(k));
      err = std::isnan(d) ? INFINITY : std::max(err, d);
    }
    const bool ok = err <= rtol * mx + 1e-6;
    std::fprintf(stderr, "%s: max |error| %.3g (%.3g of max |expected| %.4g) %s\n",
                 kv.first.c_str(), err, mx > 0 ? err / mx : err, mx, ok ? "ok" : "MISMATCH");
    if (!ok) rc = 5;
  }
  if (rc != 0) return rc;
  if (outputs.empty() && expects.empty()) {
    for (const auto& kv : *out)
      std::printf("%s %s %s\n", kv.first.c_str(), dtype_name(kv.second.dtype),
                  shape_string(kv.second.shape).c_str());
  }
  return 0;
}
