// colorize::nn — operator kernels: the interface every backend implements per op, and the
// table of ops the engine knows (with the reference implementation of each).
//
// A kernel computes one node on host tensors: it reads `in` (nullptr for an omitted optional
// input), checks ranks, shapes and attributes, and fills `out` (one Tensor per node output,
// allocated by the kernel). It returns an error Status naming the node for anything out of
// contract (shape mismatch, unsupported attribute value); it never throws or aborts.
#pragma once

#include <string>
#include <vector>

#include "colorize/nn/graph.h"
#include "colorize/nn/tensor.h"
#include "colorize/status.h"

namespace colorize::nn {

class ThreadPool;

struct KernelContext {
  int64_t opset = 0;           // the model's default-domain opset (semantics differ by version)
  ThreadPool* pool = nullptr;  // worker threads for fast kernels; nullptr = run inline
};

using Kernel = Status (*)(const GraphNode& node, const std::vector<const Tensor*>& in,
                          std::vector<Tensor>& out, const KernelContext& ctx);

// What build_graph checks for every node: the op's input and output counts.
struct OpInfo {
  const char* op_type;
  int min_inputs, max_inputs;
  int min_outputs, max_outputs;
  Kernel reference;  // plain-loop implementation: the oracle for every other backend
};

// The op's entry, or nullptr when the engine does not know `op_type` (standard domain).
const OpInfo* find_op(const std::string& op_type);
// All op types the engine runs, sorted.
std::vector<std::string> supported_ops();

// Fast CPU kernels (multi-threaded, blocked GEMM) for the ops where speed matters; nullptr
// when the op has none (callers then use OpInfo::reference).
Kernel find_fast_kernel(const std::string& op_type);

// Numpy-style multidirectional broadcast of two shapes. Errors: kInvalidArgument.
Result<Shape> broadcast_shapes(const Shape& a, const Shape& b);

// Output spatial size and begin/end padding of a convolution / pooling along one axis, per
// ONNX's auto_pad rules. Exposed for backends that call library convolutions.
struct ConvGeometry {
  int64_t groups = 1;
  std::vector<int64_t> kernel, strides, dilations, pads_begin, pads_end, out;  // per axis
};
// For Conv: x [N, C, spatial...], w [M, C/group, k...]. Errors name the node.
Result<ConvGeometry> conv_geometry(const GraphNode& node, const Shape& x, const Shape& w);
// For ConvTranspose: x [N, C, spatial...], w [C, M/group, k...].
Result<ConvGeometry> conv_transpose_geometry(const GraphNode& node, const Shape& x, const Shape& w);

// Resize / Upsample parameters resolved against an input shape.
struct ResizePlan {
  enum class Mode { kNearest, kLinear } mode = Mode::kNearest;
  enum class Coord {
    kHalfPixel,
    kPytorchHalfPixel,
    kAlignCorners,
    kAsymmetric
  } coord = Coord::kHalfPixel;
  enum class Nearest {
    kRoundPreferFloor,
    kRoundPreferCeil,
    kFloor,
    kCeil
  } nearest = Nearest::kRoundPreferFloor;
  Shape out_shape;
  std::vector<float> scales;  // per axis (out/in when sizes were given)
};
Result<ResizePlan> resize_plan(const GraphNode& node, const std::vector<const Tensor*>& in,
                               int64_t opset);
// Source coordinate of output index `o` along an axis of `in_size` -> `out_size` with `scale`.
float resize_source_coord(const ResizePlan& plan, int64_t o, int64_t in_size, int64_t out_size,
                          float scale);
// Nearest source index for coordinate x (clamped to [0, in_size-1]).
int64_t resize_nearest_index(const ResizePlan& plan, float x, int64_t in_size);

}  // namespace colorize::nn
