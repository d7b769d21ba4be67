// colorize::nn — a validated, executable graph built from a parsed ONNX Model.
//
// build_graph() checks that every node is an op the engine runs (standard domain, known
// op type, input/output counts in range), that every input name resolves to a graph input,
// an initializer or an earlier node's output (each name produced once), sorts the nodes
// topologically, and folds every node whose inputs are all constants (shape arithmetic on
// initializers, DequantizeLinear of quantized weights, Constant nodes) into a constant with
// the reference kernels. What remains are the nodes that depend on the graph inputs.
// Values are numbered; a node refers to its inputs/outputs by value id.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "colorize/nn/onnx.h"
#include "colorize/nn/tensor.h"
#include "colorize/status.h"

namespace colorize::nn {

struct GraphNode {
  std::string name;          // from the file, or "#<index>" when the file gives none
  std::string op_type;       // e.g. "Conv"
  std::vector<int> inputs;   // value ids; -1 marks an omitted optional input
  std::vector<int> outputs;  // value ids; -1 marks an omitted optional output
  std::map<std::string, Attribute> attrs;

  // Attribute accessors: the value when present with the right kind, else `fallback`.
  int64_t attr_int(const std::string& key, int64_t fallback) const;
  float attr_float(const std::string& key, float fallback) const;
  std::string attr_string(const std::string& key, const std::string& fallback) const;
  std::vector<int64_t> attr_ints(const std::string& key) const;  // empty when absent
  std::vector<float> attr_floats(const std::string& key) const;
  bool has_attr(const std::string& key) const { return attrs.count(key) != 0; }
  // "Conv node 'conv1'" — how error messages name a node.
  std::string label() const { return op_type + " node '" + name + "'"; }
};

struct Graph {
  int64_t opset = 0;                     // default-domain opset of the model
  std::vector<std::string> value_names;  // value id -> name
  std::vector<char> is_constant;         // value id -> 1 when constants[id] holds its value
  std::vector<Tensor> constants;         // value id -> constant value (initializers, folded)
  std::vector<GraphNode> nodes;          // topological order; only input-dependent nodes
  std::vector<int> inputs;               // value ids of the graph inputs, in file order
  std::vector<int> outputs;              // value ids of the graph outputs, in file order
  std::vector<ValueInfo> input_info;     // declared type/shape of each input
  std::vector<ValueInfo> output_info;

  // Value id of `name`, or -1.
  int find_value(const std::string& name) const;
  // Index into `inputs` / `outputs` of the named graph input/output, or -1.
  int input_index(const std::string& name) const;
  int output_index(const std::string& name) const;
};

struct GraphOptions {
  bool fold_constants = true;  // evaluate constant subgraphs at build time
  // Largest tensor (elements) constant folding may create; a bigger one (a hostile
  // ConstantOfShape, Expand, Tile...) fails the build with kTooLarge. Real models fold only
  // shapes and small tensors; 2^26 elements is 256 MB of fp32.
  int64_t max_folded_elements = int64_t{1} << 26;
};

// Validates and prepares `model` (consumed). Errors: kUnsupported naming the op and the node
// (or the opset), kCorruptModel for dangling names, cycles, duplicate outputs, and any error
// a constant node raises while folding (bad shapes in initializers).
Result<std::shared_ptr<const Graph>> build_graph(Model model, const GraphOptions& options = {});

// Opset range accepted by build_graph.
constexpr int64_t kMinOpset = 7;
constexpr int64_t kMaxOpset = 21;

}  // namespace colorize::nn
