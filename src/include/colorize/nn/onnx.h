// colorize::nn — reading ONNX model files.
//
// A small, bounds-checked reader of the protobuf wire format for the parts of onnx.proto the
// engine needs (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
// ValueInfoProto, OperatorSetIdProto). No protobuf runtime: every length, count and offset
// in the file is checked against the bytes actually present before use, nesting is bounded,
// and element counts are capped (kMaxElements), so corrupt or hostile files return an error
// Status and never crash or allocate without bound. Unknown fields are skipped.
//
// What is refused (with the reason in the message): external tensor data, sparse
// initializers, string tensors, element types other than float32/float16/float64/int8/uint8/
// int32/int64/bool, models without a graph. Subgraph attributes (If/Loop bodies) are not
// parsed; the nodes that carry them are refused later as unsupported ops.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "colorize/nn/tensor.h"
#include "colorize/status.h"

namespace colorize::nn {

// One node attribute. Only the member matching `kind` is meaningful.
struct Attribute {
  enum class Kind { kUndefined, kFloat, kInt, kString, kTensor, kFloats, kInts, kStrings, kOther };
  Kind kind = Kind::kUndefined;
  float f = 0.0f;
  int64_t i = 0;
  std::string s;
  Tensor t;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
};

struct NodeDef {
  std::string name;     // may be empty in the file; the graph builder names it "#<index>"
  std::string op_type;  // e.g. "Conv"
  std::string domain;   // "" (or "ai.onnx") for standard ops
  std::vector<std::string> inputs;  // "" marks an omitted optional input
  std::vector<std::string> outputs;
  std::map<std::string, Attribute> attrs;
};

// A graph input or output as declared in the file. Dimensions: >= 0 known, -1 symbolic or
// absent. dtype kUndefined when the file does not say.
struct ValueInfo {
  std::string name;
  DType dtype = DType::kUndefined;
  Shape shape;
  bool has_shape = false;
};

struct Model {
  int64_t ir_version = 0;
  int64_t opset = 0;  // version of the default ("" / "ai.onnx") domain
  std::string producer;
  std::vector<NodeDef> nodes;                  // in file order (not necessarily topological)
  std::map<std::string, Tensor> initializers;  // float16/float64 already converted to float32
  std::vector<ValueInfo> inputs;               // graph inputs that are not initializers
  std::vector<ValueInfo> outputs;
};

// Parses an ONNX ModelProto from memory. Does not validate the graph (see graph.h).
// Errors: kEmptyInput (size 0), kCorruptModel (malformed wire data, inconsistent tensor
// sizes), kUnsupported (external data, unsupported element types), kTooLarge.
Result<Model> parse_onnx(const uint8_t* data, size_t size);

// Reads the whole file then parses it. Errors: kIo plus those of parse_onnx.
Result<Model> load_onnx_file(const std::string& path);

}  // namespace colorize::nn
