// colorize::nn — the graph interpreter shared by the CPU backends: runs the nodes in
// topological order on host tensors, each with the kernel a backend picks for it, and frees
// every intermediate after its last use.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "colorize/nn/graph.h"
#include "colorize/nn/kernels.h"

namespace colorize::nn {

class Interpreter {
 public:
  // `kernels[k]` runs graph->nodes[k] (same length as graph->nodes).
  Interpreter(std::shared_ptr<const Graph> graph, std::vector<Kernel> kernels, KernelContext ctx);
  // Inputs already validated by check_inputs(). Never throws (bad_alloc -> kOutOfMemory).
  // With `profile` non-null, adds each node's wall time (ms) to (*profile)[op_type] and
  // counts calls in (*profile)[op_type + "#"].
  Result<std::vector<Tensor>> run(const std::vector<Tensor>& inputs,
                                  std::map<std::string, double>* profile = nullptr) const;
  const Graph& graph() const { return *graph_; }

 private:
  std::shared_ptr<const Graph> graph_;
  std::vector<Kernel> kernels_;
  KernelContext ctx_;
  std::vector<std::vector<int>> release_after_;  // node index -> value ids dead after it
};

// Backend graph rewrite: every Conv whose output feeds only a Relu, a Clip with constant
// bounds or a LeakyRelu (and is not a graph output) absorbs the activation. The Conv node
// then carries internal attributes "__fused_act" (string: "Relu" | "Clip" | "LeakyRelu"),
// "__fused_lo"/"__fused_hi" (Clip bounds) or "__fused_alpha" (LeakyRelu), and writes the
// activation's output value. Only kernels that honour these attributes may run the result.
std::shared_ptr<Graph> fuse_conv_activations(const Graph& graph);

// Backend graph rewrite, in place: a Softmax over axis 1 (opset >= 13) whose only reader is a
// 1x1, stride-1, unpadded, ungrouped Conv with constant weights (the annealed mean of the
// colorizers) is removed; the Conv reads the logits instead and carries the internal int
// attribute "__fused_softmax" = 1 (softmax over channels first). The probabilities are never
// stored. Only kernels that honour the attribute may run the result.
void fuse_softmax_conv(Graph& graph);

}  // namespace colorize::nn
