// build_graph: validation, topological sort and constant folding (see graph.h).
#include "colorize/nn/graph.h"

#include <algorithm>
#include <new>
#include <unordered_map>

#include "colorize/nn/kernels.h"

namespace colorize::nn {

int64_t GraphNode::attr_int(const std::string& key, int64_t fallback) const {
  auto it = attrs.find(key);
  return it != attrs.end() && it->second.kind == Attribute::Kind::kInt ? it->second.i : fallback;
}
float GraphNode::attr_float(const std::string& key, float fallback) const {
  auto it = attrs.find(key);
  return it != attrs.end() && it->second.kind == Attribute::Kind::kFloat ? it->second.f : fallback;
}
std::string GraphNode::attr_string(const std::string& key, const std::string& fallback) const {
  auto it = attrs.find(key);
  return it != attrs.end() && it->second.kind == Attribute::Kind::kString ? it->second.s : fallback;
}
std::vector<int64_t> GraphNode::attr_ints(const std::string& key) const {
  auto it = attrs.find(key);
  return it != attrs.end() && it->second.kind == Attribute::Kind::kInts ? it->second.ints
                                                                        : std::vector<int64_t>{};
}
std::vector<float> GraphNode::attr_floats(const std::string& key) const {
  auto it = attrs.find(key);
  return it != attrs.end() && it->second.kind == Attribute::Kind::kFloats ? it->second.floats
                                                                          : std::vector<float>{};
}

int Graph::find_value(const std::string& name) const {
  for (size_t k = 0; k < value_names.size(); ++k) {
    if (value_names[k] == name) return static_cast<int>(k);
  }
  return -1;
}
int Graph::input_index(const std::string& name) const {
  for (size_t k = 0; k < input_info.size(); ++k)
    if (input_info[k].name == name) return static_cast<int>(k);
  return -1;
}
int Graph::output_index(const std::string& name) const {
  for (size_t k = 0; k < output_info.size(); ++k)
    if (output_info[k].name == name) return static_cast<int>(k);
  return -1;
}

namespace {

Status corrupt(const std::string& m) { return Status(ErrorCode::kCorruptModel, m); }

// Ops whose result may not be computed at load time (none yet: the engine has no random ops).
bool foldable(const std::string&) { return true; }

// Consistency of constant parameters, checked once at load so that a broken file is refused
// with the node's name before any input arrives: convolution weights and biases, batch-norm
// statistics, the graph inputs' declared dimensions that a Conv reads directly.
Status check_static_params(const Graph& g) {
  auto known = [&](int v) { return v >= 0 && g.is_constant[v]; };
  for (const GraphNode& n : g.nodes) {
    if ((n.op_type == "Conv" || n.op_type == "ConvTranspose") && n.inputs.size() > 1 &&
        known(n.inputs[1])) {
      const Tensor& w = g.constants[n.inputs[1]];
      const int64_t group = n.attr_int("group", 1);
      if (w.rank() < 3 || w.rank() > 4) {
        return Status(ErrorCode::kUnsupported,
                      n.label() + ": weight " + shape_string(w.shape) +
                          " (only 1-D and 2-D convolutions are supported)");
      }
      if (group < 1 || (n.op_type == "Conv" && w.shape[0] % group != 0)) {
        return Status(ErrorCode::kCorruptModel, n.label() + ": group " + std::to_string(group) +
                                                    " does not divide the weight " +
                                                    shape_string(w.shape));
      }
      const int64_t M = n.op_type == "Conv" ? w.shape[0] : w.shape[1] * group;
      if (n.inputs.size() > 2 && known(n.inputs[2]) &&
          (g.constants[n.inputs[2]].rank() != 1 || g.constants[n.inputs[2]].shape[0] != M)) {
        return Status(ErrorCode::kCorruptModel,
                      n.label() + ": bias " + shape_string(g.constants[n.inputs[2]].shape) +
                          " does not match " + std::to_string(M) + " output channels");
      }
      // A Conv reading a graph input whose channel count is declared.
      const int x = n.inputs[0];
      for (size_t k = 0; n.op_type == "Conv" && k < g.inputs.size(); ++k) {
        const ValueInfo& vi = g.input_info[k];
        if (g.inputs[k] != x || !vi.has_shape || vi.shape.size() != static_cast<size_t>(w.rank()) ||
            vi.shape[1] < 0)
          continue;
        if (vi.shape[1] != w.shape[1] * group) {
          return Status(ErrorCode::kCorruptModel,
                        n.label() + ": input '" + vi.name + "' has " + std::to_string(vi.shape[1]) +
                            " channels, the weight " + shape_string(w.shape) + " expects " +
                            std::to_string(w.shape[1] * group));
        }
      }
    }
    if (n.op_type == "BatchNormalization" && n.inputs.size() == 5) {
      int64_t len = -1;
      for (size_t q = 1; q < 5; ++q) {
        if (!known(n.inputs[q])) continue;
        const int64_t c = g.constants[n.inputs[q]].numel();
        if (len >= 0 && c != len)
          return Status(ErrorCode::kCorruptModel,
                        n.label() + ": scale, bias, mean and variance differ in length");
        len = c;
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::shared_ptr<const Graph>> build_graph(Model model, const GraphOptions& options) {
  auto g = std::make_shared<Graph>();
  try {
    g->opset = model.opset;
    if (model.opset < kMinOpset || model.opset > kMaxOpset) {
      return Status(ErrorCode::kUnsupported,
                    "the model uses ONNX opset " + std::to_string(model.opset) +
                        "; this engine runs opsets " + std::to_string(kMinOpset) + " to " +
                        std::to_string(kMaxOpset));
    }
    std::unordered_map<std::string, int> ids;
    auto new_value = [&](const std::string& name) {
      int id = static_cast<int>(g->value_names.size());
      g->value_names.push_back(name);
      g->is_constant.push_back(0);
      g->constants.emplace_back();
      ids[name] = id;
      return id;
    };
    for (auto& kv : model.initializers) {
      int id = new_value(kv.first);
      g->is_constant[id] = 1;
      g->constants[id] = std::move(kv.second);
    }
    model.initializers.clear();
    if (model.inputs.empty()) return corrupt("the model declares no inputs");
    for (auto& vi : model.inputs) {
      if (vi.name.empty()) return corrupt("a graph input has no name");
      if (ids.count(vi.name)) return corrupt("graph input '" + vi.name + "' is declared twice");
      if (vi.dtype == DType::kUndefined) {
        return Status(
            ErrorCode::kUnsupported,
            "graph input '" + vi.name +
                "' has an element type the engine does not take (float32 or int64 expected)");
      }
      g->inputs.push_back(new_value(vi.name));
      g->input_info.push_back(vi);
    }
    // Validate nodes and name their outputs.
    const size_t n = model.nodes.size();
    std::vector<GraphNode> nodes(n);
    std::unordered_map<std::string, size_t> producer;
    for (size_t k = 0; k < n; ++k) {
      NodeDef& d = model.nodes[k];
      GraphNode& node = nodes[k];
      node.name = d.name.empty() ? "#" + std::to_string(k) : d.name;
      node.op_type = d.op_type;
      node.attrs = std::move(d.attrs);
      if (!d.domain.empty() && d.domain != "ai.onnx") {
        return Status(ErrorCode::kUnsupported, "node '" + node.name + "': op '" + d.op_type +
                                                   "' of domain '" + d.domain +
                                                   "' is not supported by this engine");
      }
      const OpInfo* op = find_op(d.op_type);
      if (!op) {
        return Status(ErrorCode::kUnsupported, "node '" + node.name + "': op '" + d.op_type +
                                                   "' is not supported by this engine");
      }
      // Trailing omitted inputs/outputs do not count.
      while (!d.inputs.empty() && d.inputs.back().empty()) d.inputs.pop_back();
      while (!d.outputs.empty() && d.outputs.back().empty()) d.outputs.pop_back();
      const int ni = static_cast<int>(d.inputs.size()), no = static_cast<int>(d.outputs.size());
      if (ni < op->min_inputs || ni > op->max_inputs) {
        return corrupt(node.label() + " has " + std::to_string(ni) + " inputs; " + d.op_type +
                       " takes " + std::to_string(op->min_inputs) + " to " +
                       std::to_string(op->max_inputs));
      }
      if (no < op->min_outputs || no > op->max_outputs) {
        return Status(ErrorCode::kUnsupported, node.label() + " has " + std::to_string(no) +
                                                   " outputs; the engine supports " +
                                                   std::to_string(op->min_outputs) + " to " +
                                                   std::to_string(op->max_outputs));
      }
      for (const auto& out : d.outputs) {
        if (out.empty()) {
          node.outputs.push_back(-1);
          continue;
        }
        if (ids.count(out))
          return corrupt(node.label() + " produces '" + out + "', which is already defined");
        node.outputs.push_back(new_value(out));
        producer[out] = k;
      }
    }
    // Resolve inputs; Kahn's algorithm for a topological order.
    std::vector<int> pending(n, 0);
    std::vector<std::vector<size_t>> users(n);
    for (size_t k = 0; k < n; ++k) {
      for (const auto& in : model.nodes[k].inputs) {
        if (in.empty()) {
          nodes[k].inputs.push_back(-1);
          continue;
        }
        auto it = ids.find(in);
        if (it == ids.end())
          return corrupt(nodes[k].label() + " reads '" + in + "', which nothing defines");
        nodes[k].inputs.push_back(it->second);
        auto p = producer.find(in);
        if (p != producer.end()) {
          ++pending[k];
          users[p->second].push_back(k);
        }
      }
    }
    std::vector<size_t> order;
    order.reserve(n);
    for (size_t k = 0; k < n; ++k)
      if (pending[k] == 0) order.push_back(k);
    for (size_t head = 0; head < order.size(); ++head) {
      for (size_t u : users[order[head]]) {
        if (--pending[u] == 0) order.push_back(u);
      }
    }
    if (order.size() != n) return corrupt("the graph has a cycle");
    for (const auto& vi : model.outputs) {
      auto it = ids.find(vi.name);
      if (it == ids.end()) return corrupt("graph output '" + vi.name + "' is never computed");
      g->outputs.push_back(it->second);
      g->output_info.push_back(vi);
    }
    if (g->outputs.empty()) return corrupt("the model declares no outputs");
    // Constant folding with the reference kernels, in topological order.
    KernelContext ctx;
    ctx.opset = g->opset;
    TensorLimitScope fold_limit(options.max_folded_elements);
    for (size_t k : order) {
      GraphNode& node = nodes[k];
      bool all_const = options.fold_constants && foldable(node.op_type);
      for (int v : node.inputs) {
        if (v >= 0 && !g->is_constant[v]) all_const = false;
      }
      if (!all_const) {
        g->nodes.push_back(std::move(node));
        continue;
      }
      std::vector<const Tensor*> in;
      for (int v : node.inputs) in.push_back(v >= 0 ? &g->constants[v] : nullptr);
      std::vector<Tensor> out(node.outputs.size());
      Status s = find_op(node.op_type)->reference(node, in, out, ctx);
      if (!s.ok()) return Status(s.code(), "while folding constants: " + s.message());
      for (size_t o = 0; o < node.outputs.size(); ++o) {
        if (node.outputs[o] < 0) continue;
        g->is_constant[node.outputs[o]] = 1;
        g->constants[node.outputs[o]] = std::move(out[o]);
      }
    }
    Status st = check_static_params(*g);
    if (!st.ok()) return st;
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::kOutOfMemory, "out of memory while preparing the model");
  }
  return std::shared_ptr<const Graph>(std::move(g));
}

}  // namespace colorize::nn
