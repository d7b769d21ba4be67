// colorize::nn — backends: one interface for every way of running a graph, and a registry.
//
//   Graph (build_graph) --Backend::create_session--> Session --run(inputs)--> outputs
//
// Built-in backends (always registered):
//   "cpu-ref"  plain loops, single thread: the oracle every other backend is tested against.
//   "cpu"      multi-threaded, blocked GEMM convolutions, fused activations.
// Others register at start-up (e.g. "cuda" from native/cuda, see register_backend). "auto"
// picks the available backend with the highest priority.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "colorize/nn/graph.h"
#include "colorize/nn/tensor.h"
#include "colorize/status.h"

namespace colorize::nn {

struct SessionOptions {
  int threads = 0;          // CPU worker threads; 0 = all hardware threads
  bool allow_tf32 = false;  // CUDA: let convolutions and GEMMs use TF32 tensor cores
  int device = 0;           // CUDA: device ordinal
  bool profile = false;     // time every node; Session::stats() then lists time per op type
  // The largest tensor (elements) a run may create, on the host or (CUDA) the device;
  // 0 = kMaxElements. A bound on memory and time for untrusted models (see TensorLimitScope
  // in tensor.h).
  int64_t max_tensor_elements = 0;
};

// A graph prepared for one backend. Not thread-safe: one run() at a time per session.
class Session {
 public:
  virtual ~Session() = default;
  // Runs the graph. `inputs` are in the order of graph().inputs (see input_index()); each
  // must match the declared element type and every declared (non-symbolic) dimension.
  // Returns the outputs in the order of graph().outputs, on the host.
  // Errors: kInvalidArgument (wrong count/type/shape of inputs, shapes a node rejects),
  // kUnsupported (an attribute value the kernels do not run), kOutOfMemory, kTooLarge,
  // kInternal (a device failure, with the driver's message).
  virtual Result<std::vector<Tensor>> run(const std::vector<Tensor>& inputs) = 0;
  virtual const Graph& graph() const = 0;
  // The backend's name ("cpu", "cuda", ...).
  virtual std::string backend_name() const = 0;
  // Backend-specific figures after the last run, one line (e.g. the CUDA backend's peak
  // device memory); empty when there is nothing to say.
  virtual std::string stats() const { return {}; }
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  // One line for listings, e.g. "CPU, 8 threads, AVX2" or "NVIDIA H100 80GB HBM3 (cuDNN 9.1)".
  virtual std::string description() const = 0;
  // False when the backend is compiled in but cannot run here (no GPU, no driver).
  virtual bool available() const = 0;
  // Higher wins for "auto" among available backends (cpu-ref 0, cpu 10, cuda 100).
  virtual int priority() const = 0;
  virtual Result<std::unique_ptr<Session>> create_session(std::shared_ptr<const Graph> graph,
                                                          const SessionOptions& options) const = 0;
};

// Adds a backend (replacing one of the same name). Thread-safe; call at start-up.
void register_backend(std::shared_ptr<Backend> backend);
// Every registered backend, available or not, highest priority first.
std::vector<std::shared_ptr<Backend>> list_backends();
// "auto" -> the available backend of highest priority; otherwise the named one.
// Errors: kNoBackend naming the backends this build has, when the name is unknown or the
// backend is not available on this machine.
Result<std::shared_ptr<Backend>> select_backend(const std::string& name);

// Input validation shared by backends: count, dtype and declared dimensions.
Status check_inputs(const Graph& graph, const std::vector<Tensor>& inputs);

// Convenience: parse + build + select + create in one call.
// Errors: those of load_onnx_file, build_graph, select_backend and create_session.
Result<std::unique_ptr<Session>> open_model(const std::string& path, const std::string& backend,
                                            const SessionOptions& options = {});

// Runs with inputs given by name (all graph inputs must be present); outputs by name.
Result<std::map<std::string, Tensor>> run_named(Session& session,
                                                const std::map<std::string, Tensor>& inputs);

}  // namespace colorize::nn
