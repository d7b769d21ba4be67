// The backend registry, the interpreter and the two CPU backends.
#include "colorize/nn/backend.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <new>

#include "colorize/nn/interpreter.h"
#include "gemm.h"
#include "thread_pool.h"

namespace colorize::nn {

// ---------------------------------------------------------------- interpreter

Interpreter::Interpreter(std::shared_ptr<const Graph> graph, std::vector<Kernel> kernels,
                         KernelContext ctx)
    : graph_(std::move(graph)), kernels_(std::move(kernels)), ctx_(ctx) {
  // Last reader of every non-constant value; graph outputs are never released.
  const size_t nv = graph_->value_names.size();
  std::vector<int> last(nv, -1);
  for (size_t k = 0; k < graph_->nodes.size(); ++k) {
    for (int v : graph_->nodes[k].inputs)
      if (v >= 0) last[v] = static_cast<int>(k);
  }
  for (int v : graph_->outputs) last[v] = -2;
  release_after_.resize(graph_->nodes.size());
  for (size_t v = 0; v < nv; ++v) {
    if (last[v] >= 0 && !graph_->is_constant[v])
      release_after_[last[v]].push_back(static_cast<int>(v));
  }
}

Result<std::vector<Tensor>> Interpreter::run(const std::vector<Tensor>& inputs,
                                             std::map<std::string, double>* profile) const {
  const Graph& g = *graph_;
  try {
    // Graph inputs are read in place from `inputs`; computed values live in `values`.
    std::vector<Tensor> values(g.value_names.size());
    std::vector<char> ready(g.value_names.size(), 0);
    std::vector<const Tensor*> input_of(g.value_names.size(), nullptr);
    for (size_t k = 0; k < g.inputs.size(); ++k) input_of[g.inputs[k]] = &inputs[k];
    std::vector<const Tensor*> in;
    std::vector<Tensor> out;
    for (size_t k = 0; k < g.nodes.size(); ++k) {
      const GraphNode& node = g.nodes[k];
      in.clear();
      for (int v : node.inputs) {
        if (v < 0)
          in.push_back(nullptr);
        else if (g.is_constant[v])
          in.push_back(&g.constants[v]);
        else if (input_of[v])
          in.push_back(input_of[v]);
        else if (ready[v])
          in.push_back(&values[v]);
        else
          return Status(ErrorCode::kInternal, node.label() + ": input computed out of order");
      }
      out.assign(node.outputs.size(), Tensor());
      const auto t0 = std::chrono::steady_clock::now();
      Status s = kernels_[k](node, in, out, ctx_);
      if (!s.ok()) return s;
      if (profile) {
        // Convolutions are told apart by kernel and grouping: "Conv 3x3", "Conv 1x1", "Conv dw3x3".
        std::string key = node.op_type;
        if ((key == "Conv" || key == "ConvTranspose") && node.inputs.size() > 1 &&
            node.inputs[1] >= 0 && g.is_constant[node.inputs[1]] &&
            g.constants[node.inputs[1]].rank() == 4) {
          const Shape& w = g.constants[node.inputs[1]].shape;
          key += (node.attr_int("group", 1) > 1 && w[1] == 1 ? " dw" : " ") + std::to_string(w[2]) +
                 "x" + std::to_string(w[3]);
          if (node.has_attr("__fused_softmax")) key += "+softmax";
        }
        (*profile)[key] +=
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count();
        (*profile)[key + "#"] += 1;
      }
      for (size_t o = 0; o < node.outputs.size(); ++o) {
        const int v = node.outputs[o];
        if (v < 0) continue;
        values[v] = std::move(out[o]);
        ready[v] = 1;
      }
      for (int v : release_after_[k]) {
        values[v] = Tensor();
        ready[v] = 0;
      }
    }
    std::vector<Tensor> result;
    std::vector<int> remaining(g.value_names.size(), 0);  // a value listed twice is copied once
    for (int v : g.outputs) ++remaining[v];
    for (int v : g.outputs) {
      if (g.is_constant[v])
        result.push_back(g.constants[v]);
      else if (input_of[v])
        result.push_back(*input_of[v]);
      else if (ready[v])
        result.push_back(--remaining[v] > 0 ? values[v] : std::move(values[v]));
      else
        return Status(ErrorCode::kInternal, "output '" + g.value_names[v] + "' was not computed");
    }
    return result;
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::kOutOfMemory, "out of memory while running the model");
  } catch (const std::exception& e) {
    return Status(ErrorCode::kInternal,
                  std::string("unexpected failure while running the model: ") + e.what());
  }
}

// ---------------------------------------------------------------- shared helpers

Status check_inputs(const Graph& g, const std::vector<Tensor>& inputs) {
  if (inputs.size() != g.inputs.size()) {
    return Status(ErrorCode::kInvalidArgument, "the model takes " +
                                                   std::to_string(g.inputs.size()) +
                                                   " inputs, got " + std::to_string(inputs.size()));
  }
  for (size_t k = 0; k < inputs.size(); ++k) {
    const ValueInfo& vi = g.input_info[k];
    const Tensor& t = inputs[k];
    if (t.numel() < 0 || t.stored() != static_cast<size_t>(t.numel())) {
      return Status(ErrorCode::kInvalidArgument, "input '" + vi.name + "' holds " +
                                                     std::to_string(t.stored()) +
                                                     " values for shape " + shape_string(t.shape));
    }
    if (vi.dtype != DType::kUndefined && vi.dtype != t.dtype) {
      return Status(ErrorCode::kInvalidArgument, "input '" + vi.name + "' is " +
                                                     dtype_name(t.dtype) + ", the model expects " +
                                                     dtype_name(vi.dtype));
    }
    if (!vi.has_shape) continue;
    bool ok = vi.shape.size() == t.shape.size();
    for (size_t d = 0; ok && d < vi.shape.size(); ++d)
      ok = vi.shape[d] < 0 || vi.shape[d] == t.shape[d];
    if (!ok) {
      return Status(ErrorCode::kInvalidArgument,
                    "input '" + vi.name + "' has shape " + shape_string(t.shape) +
                        ", the model expects " + shape_string(vi.shape));
    }
  }
  return Status::Ok();
}

namespace {

// ---------------------------------------------------------------- CPU backends

class CpuSession : public Session {
 public:
  CpuSession(std::shared_ptr<const Graph> original, std::shared_ptr<const Graph> run_graph,
             std::vector<Kernel> kernels, int threads, std::string name, bool profile = false,
             int64_t max_tensor_elements = 0)
      : profile_(profile),
        max_tensor_elements_(max_tensor_elements),
        original_(std::move(original)),
        pool_(threads > 1 ? std::make_unique<ThreadPool>(threads) : nullptr),
        interp_(std::move(run_graph), std::move(kernels),
                KernelContext{original_->opset, pool_.get()}),
        name_(std::move(name)) {}
  Result<std::vector<Tensor>> run(const std::vector<Tensor>& inputs) override {
    Status s = check_inputs(*original_, inputs);
    if (!s.ok()) return s;
    TensorLimitScope limit(max_tensor_elements_);
    if (!profile_) return interp_.run(inputs);
    times_.clear();
    return interp_.run(inputs, &times_);
  }
  const Graph& graph() const override { return *original_; }
  std::string backend_name() const override { return name_; }
  std::string stats() const override {
    if (times_.empty()) return {};
    std::vector<std::pair<double, std::string>> v;
    double total = 0;
    for (const auto& kv : times_) {
      if (kv.first.back() == '#') continue;
      v.push_back({kv.second, kv.first});
      total += kv.second;
    }
    std::sort(v.rbegin(), v.rend());
    char buf[128];
    std::snprintf(buf, sizeof buf, "profile (last run, %.2f ms in kernels):", total);
    std::string s = buf;
    for (const auto& e : v) {
      std::snprintf(buf, sizeof buf, " %s %.2f ms (%d)", e.second.c_str(), e.first,
                    static_cast<int>(times_.at(e.second + "#")));
      s += buf;
    }
    return s;
  }

 private:
  bool profile_ = false;
  int64_t max_tensor_elements_ = 0;
  std::map<std::string, double> times_;
  std::shared_ptr<const Graph> original_;
  std::unique_ptr<ThreadPool> pool_;
  Interpreter interp_;
  std::string name_;
};

class CpuRefBackend : public Backend {
 public:
  std::string name() const override { return "cpu-ref"; }
  std::string description() const override {
    return "CPU reference (plain loops, 1 thread; the oracle)";
  }
  bool available() const override { return true; }
  int priority() const override { return 0; }
  Result<std::unique_ptr<Session>> create_session(std::shared_ptr<const Graph> graph,
                                                  const SessionOptions& options) const override {
    try {
      std::vector<Kernel> kernels;
      for (const auto& n : graph->nodes) kernels.push_back(find_op(n.op_type)->reference);
      return std::unique_ptr<Session>(
          new CpuSession(graph, graph, std::move(kernels), 1, name(), options.profile,
                         options.max_tensor_elements));
    } catch (const std::bad_alloc&) {
      return Status(ErrorCode::kOutOfMemory, "out of memory creating the session");
    }
  }
};

}  // namespace

std::shared_ptr<Graph> fuse_conv_activations(const Graph& src) {
  auto g = std::make_shared<Graph>(src);
  std::vector<int> readers(g->value_names.size(), 0);
  for (const auto& n : g->nodes)
    for (int v : n.inputs)
      if (v >= 0) ++readers[v];
  for (int v : g->outputs) readers[v] += 2;
  std::vector<int> producer(g->value_names.size(), -1);
  for (size_t k = 0; k < g->nodes.size(); ++k)
    for (int v : g->nodes[k].outputs)
      if (v >= 0) producer[v] = static_cast<int>(k);
  std::vector<char> dead(g->nodes.size(), 0);
  for (size_t k = 0; k < g->nodes.size(); ++k) {
    GraphNode& act = g->nodes[k];
    if (act.op_type != "Relu" && act.op_type != "Clip" && act.op_type != "LeakyRelu") continue;
    if (act.inputs.empty() || act.inputs[0] < 0) continue;
    const int v = act.inputs[0];
    const int p = producer[v];
    if (p < 0 || readers[v] != 1 || g->nodes[p].op_type != "Conv" ||
        g->nodes[p].has_attr("__fused_act"))
      continue;
    GraphNode& conv = g->nodes[p];
    Attribute kind;
    kind.kind = Attribute::Kind::kString;
    kind.s = act.op_type;
    auto set_float = [&](const char* key, float value) {
      Attribute a;
      a.kind = Attribute::Kind::kFloat;
      a.f = value;
      conv.attrs[key] = a;
    };
    if (act.op_type == "Clip") {
      float lo = -INFINITY, hi = INFINITY;
      bool ok = true;
      if (g->opset < 11) {
        lo = act.attr_float("min", lo);
        hi = act.attr_float("max", hi);
      } else {
        for (size_t q = 1; q < act.inputs.size(); ++q) {
          const int b = act.inputs[q];
          if (b < 0) continue;
          if (!g->is_constant[b] || !is_float(g->constants[b].dtype) ||
              g->constants[b].f.size() != 1)
            ok = false;
          else
            (q == 1 ? lo : hi) = g->constants[b].f[0];
        }
      }
      if (!ok) continue;
      set_float("__fused_lo", lo);
      set_float("__fused_hi", hi);
    } else if (act.op_type == "LeakyRelu") {
      set_float("__fused_alpha", act.attr_float("alpha", 0.01f));
    }
    conv.attrs["__fused_act"] = kind;
    conv.outputs[0] = act.outputs[0];
    dead[k] = 1;
  }
  std::vector<GraphNode> kept;
  for (size_t k = 0; k < g->nodes.size(); ++k)
    if (!dead[k]) kept.push_back(std::move(g->nodes[k]));
  g->nodes = std::move(kept);
  return g;
}

// Softmax over channels (axis 1, opset >= 13) feeding only a 1x1,
// stride-1, unpadded, ungrouped Conv with constant weights (the annealed mean of the
// colorizers) becomes that Conv reading the logits with attribute "__fused_softmax": the
// probabilities are never stored.
void fuse_softmax_conv(Graph& g) {
  if (g.opset < 13) return;
  std::vector<int> readers(g.value_names.size(), 0);
  for (const auto& n : g.nodes)
    for (int v : n.inputs)
      if (v >= 0) ++readers[v];
  for (int v : g.outputs) readers[v] += 2;
  std::vector<int> consumer(g.value_names.size(), -1);
  for (size_t k = 0; k < g.nodes.size(); ++k)
    for (int v : g.nodes[k].inputs)
      if (v >= 0) consumer[v] = static_cast<int>(k);
  std::vector<char> dead(g.nodes.size(), 0);
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const GraphNode& sm = g.nodes[k];
    if (sm.op_type != "Softmax" || sm.attr_int("axis", -1) != 1 || sm.outputs.size() != 1 ||
        sm.outputs[0] < 0)
      continue;
    const int v = sm.outputs[0];
    if (readers[v] != 1 || consumer[v] < 0) continue;
    GraphNode& conv = g.nodes[consumer[v]];
    if (conv.op_type != "Conv" || conv.inputs.size() < 2 || conv.inputs[0] != v ||
        conv.inputs[1] < 0 || !g.is_constant[conv.inputs[1]])
      continue;
    if (conv.inputs.size() > 2 && conv.inputs[2] >= 0 && !g.is_constant[conv.inputs[2]]) continue;
    const Tensor& w = g.constants[conv.inputs[1]];
    if (w.rank() != 4 || w.shape[2] != 1 || w.shape[3] != 1 || conv.attr_int("group", 1) != 1)
      continue;
    bool plain = conv.attr_string("auto_pad", "NOTSET") == "NOTSET" ||
                 conv.attr_string("auto_pad", "") == "VALID";
    for (int64_t p : conv.attr_ints("pads")) plain = plain && p == 0;
    for (int64_t p : conv.attr_ints("strides")) plain = plain && p == 1;
    if (!plain) continue;
    Attribute a;
    a.kind = Attribute::Kind::kInt;
    a.i = 1;
    conv.attrs["__fused_softmax"] = a;
    conv.inputs[0] = sm.inputs[0];
    dead[k] = 1;
  }
  std::vector<GraphNode> kept;
  for (size_t k = 0; k < g.nodes.size(); ++k)
    if (!dead[k]) kept.push_back(std::move(g.nodes[k]));
  g.nodes = std::move(kept);
}

namespace {

class CpuFastBackend : public Backend {
 public:
  std::string name() const override { return "cpu"; }
  std::string description() const override {
    return "CPU (" + std::to_string(hardware_threads()) + " threads, GEMM kernel " +
           gemm::kernel_name() + ")";
  }
  bool available() const override { return true; }
  int priority() const override { return 10; }
  Result<std::unique_ptr<Session>> create_session(std::shared_ptr<const Graph> graph,
                                                  const SessionOptions& options) const override {
    try {
      std::shared_ptr<Graph> fused = fuse_conv_activations(*graph);
      fuse_softmax_conv(*fused);
      std::vector<Kernel> kernels;
      for (const auto& n : fused->nodes) {
        Kernel k = find_fast_kernel(n.op_type);
        kernels.push_back(k ? k : find_op(n.op_type)->reference);
      }
      const int threads = options.threads > 0 ? options.threads : hardware_threads();
      return std::unique_ptr<Session>(
          new CpuSession(graph, fused, std::move(kernels), threads, name(), options.profile,
                         options.max_tensor_elements));
    } catch (const std::bad_alloc&) {
      return Status(ErrorCode::kOutOfMemory, "out of memory creating the session");
    } catch (const std::exception& e) {
      return Status(ErrorCode::kInternal,
                    std::string("cannot create the CPU session: ") + e.what());
    }
  }
};

// ---------------------------------------------------------------- registry

struct Registry {
  std::mutex mu;
  std::vector<std::shared_ptr<Backend>> backends;
  Registry() {
    backends.push_back(std::make_shared<CpuRefBackend>());
    backends.push_back(std::make_shared<CpuFastBackend>());
  }
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

void register_backend(std::shared_ptr<Backend> backend) {
  if (!backend) return;
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  for (auto& b : r.backends) {
    if (b->name() == backend->name()) {
      b = std::move(backend);
      return;
    }
  }
  r.backends.push_back(std::move(backend));
}

std::vector<std::shared_ptr<Backend>> list_backends() {
  Registry& r = registry();
  std::vector<std::shared_ptr<Backend>> v;
  {
    std::lock_guard<std::mutex> lock(r.mu);
    v = r.backends;
  }
  std::stable_sort(v.begin(), v.end(),
                   [](const auto& a, const auto& b) { return a->priority() > b->priority(); });
  return v;
}

Result<std::shared_ptr<Backend>> select_backend(const std::string& name) {
  const auto all = list_backends();
  std::string names;
  for (const auto& b : all)
    names += (names.empty() ? "" : ", ") + b->name() + (b->available() ? "" : " (unavailable)");
  if (name == "auto" || name.empty()) {
    for (const auto& b : all)
      if (b->available()) return b;
    return Status(ErrorCode::kNoBackend, "no inference backend is available");
  }
  for (const auto& b : all) {
    if (b->name() != name) continue;
    if (!b->available()) {
      return Status(
          ErrorCode::kNoBackend,
          "backend '" + name + "' is built in but cannot run here (" + b->description() + ")");
    }
    return b;
  }
  if (name == "cuda") {
    return Status(
        ErrorCode::kNoBackend,
        "this build has no CUDA backend (configure with -DCOLORIZE_CUDA=ON); it has: auto, " +
            names);
  }
  return Status(ErrorCode::kNoBackend,
                "unknown backend '" + name + "'; this build has: auto, " + names);
}

Result<std::unique_ptr<Session>> open_model(const std::string& path, const std::string& backend,
                                            const SessionOptions& options) {
  Result<std::shared_ptr<Backend>> b = select_backend(backend);
  if (!b.ok()) return b.status();
  Result<Model> m = load_onnx_file(path);
  if (!m.ok()) return m.status();
  Result<std::shared_ptr<const Graph>> g = build_graph(std::move(m.value()));
  if (!g.ok()) return Status(g.status().code(), path + ": " + g.status().message());
  return (*b)->create_session(*g, options);
}

Result<std::map<std::string, Tensor>> run_named(Session& session,
                                                const std::map<std::string, Tensor>& inputs) {
  const Graph& g = session.graph();
  std::vector<Tensor> in;
  for (const auto& vi : g.input_info) {
    auto it = inputs.find(vi.name);
    if (it == inputs.end())
      return Status(ErrorCode::kInvalidArgument, "input '" + vi.name + "' is missing");
    in.push_back(it->second);
  }
  for (const auto& kv : inputs) {
    if (g.input_index(kv.first) < 0)
      return Status(ErrorCode::kInvalidArgument, "the model has no input '" + kv.first + "'");
  }
  Result<std::vector<Tensor>> out = session.run(in);
  if (!out.ok()) return out.status();
  std::map<std::string, Tensor> named;
  for (size_t k = 0; k < g.output_info.size(); ++k)
    named[g.output_info[k].name] = std::move((*out)[k]);
  return named;
}

}  // namespace colorize::nn
