// The CUDA backend: a graph interpreter whose float tensors live on the device. Ops with a
// device implementation run there (cuDNN, cuBLAS, kernels.cu); the rest run on the host with
// the reference kernels, their inputs copied back on demand. See cuda_backend.h.
#include "cuda_backend.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "colorize/nn/backend.h"
#include "colorize/nn/interpreter.h"
#include "colorize/nn/kernels.h"
#include "kernels.h"

namespace colorize::nn {
namespace {

using cuda::UnaryOp;

Status cuda_error(cudaError_t e, const char* what) {
  return Status(ErrorCode::kInternal,
                std::string("CUDA error in ") + what + ": " + cudaGetErrorString(e));
}
Status cudnn_error(cudnnStatus_t e, const char* what) {
  return Status(ErrorCode::kInternal,
                std::string("cuDNN error in ") + what + ": " + cudnnGetErrorString(e));
}
Status cublas_error(cublasStatus_t e, const char* what) {
  return Status(ErrorCode::kInternal, std::string("cuBLAS error in ") + what + ": status " +
                                          std::to_string(static_cast<int>(e)));
}

#define CU(x)                                         \
  do {                                                \
    cudaError_t _e = (x);                             \
    if (_e != cudaSuccess) return cuda_error(_e, #x); \
  } while (0)
#define DNN(x)                                                  \
  do {                                                          \
    cudnnStatus_t _e = (x);                                     \
    if (_e != CUDNN_STATUS_SUCCESS) return cudnn_error(_e, #x); \
  } while (0)
#define BLAS(x)                                                   \
  do {                                                            \
    cublasStatus_t _e = (x);                                      \
    if (_e != CUBLAS_STATUS_SUCCESS) return cublas_error(_e, #x); \
  } while (0)

// Stream-ordered device memory (cudaMallocAsync): freed on the stream when the last owner goes.
struct DevBuf {
  void* p = nullptr;
  size_t bytes = 0;
  cudaStream_t stream = nullptr;
  ~DevBuf() {
    if (p) cudaFreeAsync(p, stream);
  }
};
using DevPtr = std::shared_ptr<DevBuf>;

// Refuses (kTooLarge) a buffer over this thread's tensor_element_limit() in 4-byte elements,
// the bound a session's run() sets from SessionOptions::max_tensor_elements.
Result<DevPtr> dev_alloc(size_t bytes, cudaStream_t stream) {
  const uint64_t limit = static_cast<uint64_t>(tensor_element_limit());
  if (bytes / sizeof(float) > limit)
    return Status(ErrorCode::kTooLarge, "a GPU buffer of " + std::to_string(bytes) +
                                            " bytes is over the limit of " +
                                            std::to_string(limit) + " elements");
  auto b = std::make_shared<DevBuf>();
  b->stream = stream;
  b->bytes = bytes;
  if (bytes > 0) {
    cudaError_t e = cudaMallocAsync(&b->p, bytes, stream);
    if (e != cudaSuccess) {
      b->p = nullptr;
      return Status(e == cudaErrorMemoryAllocation ? ErrorCode::kOutOfMemory : ErrorCode::kInternal,
                    std::string("cannot allocate ") + std::to_string(bytes) +
                        " bytes on the GPU: " + cudaGetErrorString(e));
    }
  }
  return b;
}

// A value during a run: float tensors may be on the device, the host, or both.
struct Val {
  Shape shape;
  DType dtype = DType::kFloat32;
  DevPtr dev;   // float32 device data (numel floats) when on_dev
  Tensor host;  // host copy when on_host
  bool on_dev = false, on_host = false;
  const float* dptr() const { return static_cast<const float*>(dev->p); }
};

struct ConvPlan {
  Shape x_shape;  // the input shape the plan was made for
  cudnnTensorDescriptor_t xd = nullptr, yd = nullptr;
  cudnnFilterDescriptor_t wd = nullptr;
  cudnnConvolutionDescriptor_t cd = nullptr;
  cudnnConvolutionFwdAlgo_t fwd = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
  cudnnConvolutionBwdDataAlgo_t bwd = CUDNN_CONVOLUTION_BWD_DATA_ALGO_0;
  size_t workspace = 0;
  ConvGeometry geo;
  Shape padded, full;  // explicit pre-pad input shape (Conv) / uncropped output (ConvTranspose)
  bool explicit_pad = false;
  ~ConvPlan() {
    if (xd) cudnnDestroyTensorDescriptor(xd);
    if (yd) cudnnDestroyTensorDescriptor(yd);
    if (wd) cudnnDestroyFilterDescriptor(wd);
    if (cd) cudnnDestroyConvolutionDescriptor(cd);
  }
};

class CudaSession : public Session {
 public:
  ~CudaSession() override {
    plans_.clear();
    tables_.clear();
    consts_.clear();
    workspace_.reset();
    if (stream_) cudaStreamSynchronize(stream_);
    if (blas_) cublasDestroy(blas_);
    if (dnn_) cudnnDestroy(dnn_);
    if (stream_) cudaStreamDestroy(stream_);
  }

  Status init(std::shared_ptr<const Graph> graph, const SessionOptions& opts) {
    original_ = graph;
    {
      std::shared_ptr<Graph> g = fuse_conv_activations(*graph);
      fuse_softmax_conv(*g);
      graph_ = g;
    }
    opts_ = opts;
    CU(cudaSetDevice(opts.device));
    CU(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    DNN(cudnnCreate(&dnn_));
    DNN(cudnnSetStream(dnn_, stream_));
    BLAS(cublasCreate(&blas_));
    BLAS(cublasSetStream(blas_, stream_));
    BLAS(cublasSetMathMode(blas_,
                           opts.allow_tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
    cudaMemPool_t pool;
    if (cudaDeviceGetDefaultMemPool(&pool, opts.device) == cudaSuccess) {
      uint64_t keep = UINT64_MAX;  // keep freed blocks for the next run instead of returning them
      cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep);
    }
    plans_.resize(graph_->nodes.size());
    tables_.resize(graph_->nodes.size());
    consts_.resize(graph_->value_names.size());
    // Last reader of each value, to free device memory early.
    last_use_.assign(graph_->value_names.size(), -1);
    for (size_t k = 0; k < graph_->nodes.size(); ++k)
      for (int v : graph_->nodes[k].inputs)
        if (v >= 0) last_use_[v] = static_cast<int>(k);
    for (int v : graph_->outputs) last_use_[v] = static_cast<int>(graph_->nodes.size());
    return Status::Ok();
  }

  Result<std::vector<Tensor>> run(const std::vector<Tensor>& inputs) override {
    Status s = check_inputs(*original_, inputs);
    if (!s.ok()) return s;
    TensorLimitScope limit(opts_.max_tensor_elements);  // host and device tensors alike
    try {
      s = run_graph(inputs);
    } catch (const std::bad_alloc&) {
      s = Status(ErrorCode::kOutOfMemory, "out of host memory while running the model");
    } catch (const std::exception& e) {
      s = Status(ErrorCode::kInternal, std::string("CUDA backend: ") + e.what());
    }
    if (!s.ok()) {
      cudaStreamSynchronize(stream_);
      vals_.clear();
      return s;
    }
    std::vector<Tensor> out;
    for (int v : graph_->outputs) {
      Result<const Tensor*> t = host_of(v);
      if (!t.ok()) return t.status();
      out.push_back(**t);
    }
    vals_.clear();
    cudaError_t e = cudaStreamSynchronize(stream_);
    if (e != cudaSuccess) return cuda_error(e, "cudaStreamSynchronize");
    return out;
  }

  const Graph& graph() const override { return *original_; }
  std::string backend_name() const override { return "cuda"; }
  std::string stats() const override {
    cudaMemPool_t pool;
    uint64_t high = 0;
    if (cudaDeviceGetDefaultMemPool(&pool, opts_.device) == cudaSuccess) {
      cudaMemPoolGetAttribute(pool, cudaMemPoolAttrUsedMemHigh, &high);
    }
    return "cuda: peak device memory in use " + std::to_string(high / (1024.0 * 1024.0)) +
           " MiB (stream-ordered pool)";
  }

 private:
  // ---------------------------------------------------------------- values

  bool is_const(int v) const { return graph_->is_constant[v] != 0; }
  const Shape& shape_of(int v) const {
    return is_const(v) ? graph_->constants[v].shape : vals_.at(v).shape;
  }
  DType dtype_of(int v) const {
    return is_const(v) ? graph_->constants[v].dtype : vals_.at(v).dtype;
  }

  // Host tensor of value v (downloads it when it lives only on the device).
  Result<const Tensor*> host_of(int v) {
    if (is_const(v)) return &graph_->constants[v];
    Val& x = vals_.at(v);
    if (!x.on_host) {
      Status s = allocate(x.host, x.shape, x.dtype);
      if (!s.ok()) return s;
      if (!x.host.f.empty()) {
        CU(cudaMemcpyAsync(x.host.f.data(), x.dev->p, x.host.f.size() * sizeof(float),
                           cudaMemcpyDeviceToHost, stream_));
        CU(cudaStreamSynchronize(stream_));
      }
      x.on_host = true;
    }
    return &x.host;
  }

  // Device pointer of float value v (uploads host-only values; constants once per session).
  Result<const float*> dev_of(int v) {
    if (is_const(v)) {
      if (!consts_[v]) {
        const Tensor& t = graph_->constants[v];
        if (!is_float(t.dtype))
          return Status(ErrorCode::kInternal, "integer constant requested on the device");
        Result<DevPtr> b = dev_alloc(t.f.size() * sizeof(float), stream_);
        if (!b.ok()) return b.status();
        if (!t.f.empty())
          CU(cudaMemcpyAsync((*b)->p, t.f.data(), t.f.size() * sizeof(float),
                             cudaMemcpyHostToDevice, stream_));
        CU(cudaStreamSynchronize(stream_));  // t.f is pageable: keep the copy simple and safe
        consts_[v] = *b;
      }
      return static_cast<const float*>(consts_[v]->p);
    }
    Val& x = vals_.at(v);
    if (!x.on_dev) {
      if (!is_float(x.dtype))
        return Status(ErrorCode::kInternal, "integer value requested on the device");
      Result<DevPtr> b = dev_alloc(x.host.f.size() * sizeof(float), stream_);
      if (!b.ok()) return b.status();
      if (!x.host.f.empty()) {
        CU(cudaMemcpyAsync((*b)->p, x.host.f.data(), x.host.f.size() * sizeof(float),
                           cudaMemcpyHostToDevice, stream_));
        CU(cudaStreamSynchronize(stream_));
      }
      x.dev = *b;
      x.on_dev = true;
    }
    return x.dptr();
  }

  // A fresh device output for value v.
  Result<float*> new_dev(int v, const Shape& shape) {
    const int64_t n = shape_numel(shape);
    if (n < 0)
      return Status(ErrorCode::kTooLarge,
                    "tensor of shape " + shape_string(shape) + " is too large");
    Result<DevPtr> b = dev_alloc(static_cast<size_t>(n) * sizeof(float), stream_);
    if (!b.ok()) return b.status();
    Val& x = vals_[v];
    x = Val();
    x.shape = shape;
    x.dev = *b;
    x.on_dev = true;
    return static_cast<float*>(x.dev->p);
  }

  // ---------------------------------------------------------------- the run

  Status run_graph(const std::vector<Tensor>& inputs) {
    const Graph& g = *graph_;
    vals_.clear();
    for (size_t k = 0; k < g.inputs.size(); ++k) {
      Val& x = vals_[g.inputs[k]];
      x.shape = inputs[k].shape;
      x.dtype = inputs[k].dtype;
      x.host = inputs[k];
      x.on_host = true;
    }
    KernelContext ctx{g.opset, nullptr};
    for (size_t k = 0; k < g.nodes.size(); ++k) {
      const GraphNode& n = g.nodes[k];
      bool handled = false;
      Status s = run_on_device(k, n, handled);
      if (!s.ok()) return s;
      if (!handled) {
        s = run_on_host(n, ctx);
        if (!s.ok()) return s;
      }
      for (int v : n.inputs) {
        if (v >= 0 && !is_const(v) && last_use_[v] == static_cast<int>(k)) vals_.erase(v);
      }
    }
    return Status::Ok();
  }

  Status run_on_host(const GraphNode& n, const KernelContext& ctx) {
    std::vector<const Tensor*> in;
    for (int v : n.inputs) {
      if (v < 0) {
        in.push_back(nullptr);
        continue;
      }
      Result<const Tensor*> t = host_of(v);
      if (!t.ok()) return t.status();
      in.push_back(*t);
    }
    std::vector<Tensor> out(n.outputs.size());
    const OpInfo* op = find_op(n.op_type);
    if (!op) return Status(ErrorCode::kInternal, n.label() + ": no kernel");
    Status s = op->reference(n, in, out, ctx);
    if (!s.ok()) return s;
    for (size_t o = 0; o < n.outputs.size(); ++o) {
      if (n.outputs[o] < 0) continue;
      Val& x = vals_[n.outputs[o]];
      x = Val();
      x.shape = out[o].shape;
      x.dtype = out[o].dtype;
      x.host = std::move(out[o]);
      x.on_host = true;
    }
    return Status::Ok();
  }

  // Sets `handled` when the node ran on the device.
  Status run_on_device(size_t k, const GraphNode& n, bool& handled) {
    handled = false;
    const std::string& op = n.op_type;
    // Metadata-only ops: no data moves.
    if (op == "Shape" || op == "Size") {
      Tensor meta;
      meta.shape = shape_of(n.inputs[0]);
      std::vector<Tensor> out(1);
      Status s = find_op(op)->reference(n, {&meta}, out, KernelContext{graph_->opset, nullptr});
      if (!s.ok()) return s;
      Val& x = vals_[n.outputs[0]];
      x = Val();
      x.shape = out[0].shape;
      x.dtype = out[0].dtype;
      x.host = std::move(out[0]);
      x.on_host = true;
      handled = true;
      return Status::Ok();
    }
    // The device paths take float data in input 0; each checks its other inputs itself.
    if (n.inputs.empty() || n.inputs[0] < 0 || !is_float(dtype_of(n.inputs[0])))
      return Status::Ok();
    const int x0 = n.inputs[0];
    const bool x_on_dev = !is_const(x0) && vals_.at(x0).on_dev;
    if (op == "Reshape" || op == "Flatten" || op == "Squeeze" || op == "Unsqueeze" ||
        op == "Identity" || op == "Dropout") {
      if (!x_on_dev) return Status::Ok();
      // Shape from the reference kernel on a data-less stand-in, then alias the buffer.
      Tensor meta;
      meta.shape = shape_of(x0);
      std::vector<const Tensor*> in = {&meta};
      for (size_t q = 1; q < n.inputs.size(); ++q) {
        if (n.inputs[q] < 0) {
          in.push_back(nullptr);
          continue;
        }
        Result<const Tensor*> t = host_of(n.inputs[q]);
        if (!t.ok()) return t.status();
        in.push_back(*t);
      }
      std::vector<Tensor> out(1);
      Status s = find_op(op)->reference(n, in, out, KernelContext{graph_->opset, nullptr});
      if (!s.ok()) return s;
      DevPtr buf = vals_.at(x0).dev;
      Val& y = vals_[n.outputs[0]];
      y = Val();
      y.shape = out[0].shape;
      y.dev = buf;
      y.on_dev = true;
      handled = true;
      return Status::Ok();
    }
    if (op == "Conv") return conv(k, n, handled);
    if (op == "ConvTranspose") return conv_transpose(k, n, handled);
    if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Max" || op == "Min" ||
        op == "Pow")
      return binary(n, handled);
    if (op == "Relu" || op == "Clip" || op == "Sigmoid" || op == "Tanh" || op == "LeakyRelu" ||
        op == "Exp" || op == "Neg" || op == "Abs" || op == "Sqrt" || op == "HardSigmoid" ||
        op == "HardSwish")
      return unary(n, handled);
    if (op == "BatchNormalization") return batchnorm(k, n, handled);
    if (op == "Resize" || op == "Upsample") return resize(k, n, handled);
    if (op == "Softmax" || op == "LogSoftmax") return softmax(n, handled);
    if (op == "GlobalAveragePool") return global_pool(n, handled);
    if (op == "Concat") return concat(n, handled);
    if (op == "Pad") return pad(n, handled);
    if (op == "MatMul" || op == "Gemm") return matmul(n, handled);
    return Status::Ok();
  }

  // ---------------------------------------------------------------- ops

  static UnaryOp act_of(const GraphNode& n, float& p0, float& p1) {
    const std::string a = n.attr_string("__fused_act", "");
    p0 = p1 = 0.0f;
    if (a == "Relu") return cuda::kRelu;
    if (a == "Clip") {
      p0 = n.attr_float("__fused_lo", 0.0f);
      p1 = n.attr_float("__fused_hi", 0.0f);
      return cuda::kClip;
    }
    if (a == "LeakyRelu") {
      p0 = n.attr_float("__fused_alpha", 0.01f);
      return cuda::kLeakyRelu;
    }
    return cuda::kIdentity;
  }

  Status ensure_workspace(size_t bytes) {
    if (workspace_ && workspace_->bytes >= bytes) return Status::Ok();
    workspace_.reset();
    Result<DevPtr> b = dev_alloc(std::max<size_t>(bytes, 1), stream_);
    if (!b.ok()) return b.status();
    workspace_ = *b;
    return Status::Ok();
  }

  Status make_descs(ConvPlan& p, const Shape& x4, const Shape& w4, const Shape& y4, int64_t groups,
                    int ph, int pw, int sh, int sw, int dh, int dw) {
    DNN(cudnnCreateTensorDescriptor(&p.xd));
    DNN(cudnnCreateTensorDescriptor(&p.yd));
    DNN(cudnnCreateFilterDescriptor(&p.wd));
    DNN(cudnnCreateConvolutionDescriptor(&p.cd));
    DNN(cudnnSetTensor4dDescriptor(p.xd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, (int)x4[0],
                                   (int)x4[1], (int)x4[2], (int)x4[3]));
    DNN(cudnnSetTensor4dDescriptor(p.yd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, (int)y4[0],
                                   (int)y4[1], (int)y4[2], (int)y4[3]));
    DNN(cudnnSetFilter4dDescriptor(p.wd, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, (int)w4[0],
                                   (int)w4[1], (int)w4[2], (int)w4[3]));
    DNN(cudnnSetConvolution2dDescriptor(p.cd, ph, pw, sh, sw, dh, dw, CUDNN_CROSS_CORRELATION,
                                        CUDNN_DATA_FLOAT));
    DNN(cudnnSetConvolutionGroupCount(p.cd, static_cast<int>(groups)));
    DNN(cudnnSetConvolutionMathType(p.cd,
                                    opts_.allow_tf32 ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH));
    return Status::Ok();
  }

  static Shape as4d(const Shape& s) { return s.size() == 3 ? Shape{s[0], s[1], 1, s[2]} : s; }

  // Float constant weights (and bias) are what the device convolutions take.
  bool const_float_params(const GraphNode& n) const {
    for (size_t q = 1; q < n.inputs.size(); ++q) {
      const int v = n.inputs[q];
      if (v >= 0 && (!is_const(v) || !is_float(graph_->constants[v].dtype))) return false;
    }
    return n.inputs.size() >= 2 && n.inputs[1] >= 0;
  }

  // Conv with "__fused_softmax" (see fuse_softmax_conv): softmax over the channels of the
  // logits, then the 1x1 convolution, in one kernel.
  Status softmax_conv(const GraphNode& n, bool& handled) {
    const Shape xs = shape_of(n.inputs[0]);
    const Shape& ws = shape_of(n.inputs[1]);
    if (xs.size() != 4 || ws.size() != 4 || ws[1] != xs[1] || ws[2] != 1 || ws[3] != 1) {
      return Status(ErrorCode::kInvalidArgument,
                    n.label() + ": fused softmax needs a 4-D input and 1x1 weights");
    }
    Result<const float*> x = dev_of(n.inputs[0]);
    if (!x.ok()) return x.status();
    Result<const float*> w = dev_of(n.inputs[1]);
    if (!w.ok()) return w.status();
    const float* bias = nullptr;
    if (n.inputs.size() > 2 && n.inputs[2] >= 0) {
      Result<const float*> b = dev_of(n.inputs[2]);
      if (!b.ok()) return b.status();
      bias = *b;
    }
    const Shape ys = {xs[0], ws[0], xs[2], xs[3]};
    Result<float*> y = new_dev(n.outputs[0], ys);
    if (!y.ok()) return y.status();
    float p0, p1;
    const UnaryOp act = act_of(n, p0, p1);
    cuda::softmax_conv1x1(*x, *w, bias, *y, xs[0], xs[1], xs[2] * xs[3], ws[0], act, p0, p1,
                          stream_);
    CU(cudaGetLastError());
    handled = true;
    return Status::Ok();
  }

  Status conv(size_t k, const GraphNode& n, bool& handled) {
    if (!const_float_params(n)) {
      // Runtime weights go to the host, which cannot run a fused softmax: refuse clearly.
      if (n.has_attr("__fused_softmax"))
        return Status(ErrorCode::kInternal, n.label() + ": fused softmax without constant weights");
      return Status::Ok();
    }
    if (n.has_attr("__fused_softmax")) return softmax_conv(n, handled);
    const Shape& xs = shape_of(n.inputs[0]);
    const Shape& ws = shape_of(n.inputs[1]);
    Result<ConvGeometry> geo = conv_geometry(n, xs, ws);
    if (!geo.ok()) return geo.status();
    const bool one = geo->kernel.size() == 1;
    auto at = [&](const std::vector<int64_t>& v, int d, int64_t one_value) {
      return one ? (d == 0 ? one_value : v[0]) : v[d];
    };
    const int64_t pb_h = at(geo->pads_begin, 0, 0), pb_w = at(geo->pads_begin, 1, 0);
    const int64_t pe_h = at(geo->pads_end, 0, 0), pe_w = at(geo->pads_end, 1, 0);
    const Shape x4 = as4d(xs), w4 = as4d(ws);
    Shape ys = {xs[0], ws[0]};
    ys.insert(ys.end(), geo->out.begin(), geo->out.end());
    const Shape y4 = as4d(ys);
    ConvPlan* plan = find_plan(k, xs);
    if (!plan) {
      auto made = std::make_unique<ConvPlan>();
      made->x_shape = xs;
      made->geo = *geo;
      made->explicit_pad = pb_h != pe_h || pb_w != pe_w;
      Shape in4 = x4;
      int ph = static_cast<int>(pb_h), pw = static_cast<int>(pb_w);
      if (made->explicit_pad) {  // cuDNN pads symmetrically: pad on our side first
        in4[2] += pb_h + pe_h;
        in4[3] += pb_w + pe_w;
        made->padded = in4;
        ph = pw = 0;
      }
      Status s = make_descs(*made, in4, w4, y4, geo->groups, ph, pw, (int)at(geo->strides, 0, 1),
                            (int)at(geo->strides, 1, 1), (int)at(geo->dilations, 0, 1),
                            (int)at(geo->dilations, 1, 1));
      if (!s.ok()) return s;
      // Time the algorithms once per input shape (as PyTorch's cudnn.benchmark does); fall
      // back to cuDNN's heuristics when measuring fails (e.g. no memory for a trial).
      cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
      int found = 0;
      if (cudnnFindConvolutionForwardAlgorithm(dnn_, made->xd, made->wd, made->cd, made->yd,
                                               CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &found,
                                               perf) != CUDNN_STATUS_SUCCESS) {
        DNN(cudnnGetConvolutionForwardAlgorithm_v7(dnn_, made->xd, made->wd, made->cd, made->yd,
                                                   CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &found, perf));
      }
      bool chosen = false;
      for (int q = 0; q < found && !chosen; ++q) {
        if (perf[q].status != CUDNN_STATUS_SUCCESS) continue;
        if (!opts_.allow_tf32 && perf[q].mathType == CUDNN_TENSOR_OP_MATH) continue;
        made->fwd = perf[q].algo;
        made->workspace = perf[q].memory;
        chosen = true;
      }
      if (!chosen)
        return Status(ErrorCode::kInternal,
                      n.label() + ": cuDNN has no algorithm for this convolution");
      plan = keep_plan(k, std::move(made));
    }
    Result<const float*> x = dev_of(n.inputs[0]);
    if (!x.ok()) return x.status();
    Result<const float*> w = dev_of(n.inputs[1]);
    if (!w.ok()) return w.status();
    const float* xin = *x;
    DevPtr padded;
    if (plan->explicit_pad) {
      cuda::PadDesc d;
      d.rank = 4;
      const Shape& ps = plan->padded;
      const int64_t begin[4] = {0, 0, pb_h, pb_w};
      int64_t ist = 1, ost = 1;
      for (int a = 3; a >= 0; --a) {
        d.in_shape[a] = x4[a];
        d.in_strides[a] = ist;
        d.out_strides[a] = ost;
        d.begin[a] = begin[a];
        ist *= x4[a];
        ost *= ps[a];
      }
      Result<DevPtr> b = dev_alloc(static_cast<size_t>(shape_numel(ps)) * sizeof(float), stream_);
      if (!b.ok()) return b.status();
      padded = *b;
      cuda::pad(xin, static_cast<float*>(padded->p), shape_numel(ps), d, 0, 0.0f, stream_);
      xin = static_cast<const float*>(padded->p);
    }
    Status s = ensure_workspace(plan->workspace);
    if (!s.ok()) return s;
    Result<float*> y = new_dev(n.outputs[0], ys);
    if (!y.ok()) return y.status();
    const float one_f = 1.0f, zero_f = 0.0f;
    DNN(cudnnConvolutionForward(dnn_, &one_f, plan->xd, xin, plan->wd, *w, plan->cd, plan->fwd,
                                workspace_->p, plan->workspace, &zero_f, plan->yd, *y));
    return epilogue(n, *y, ys, handled);
  }

  // Bias + fused activation in one pass over the output.
  Status epilogue(const GraphNode& n, float* y, const Shape& ys, bool& handled) {
    const float* bias = nullptr;
    if (n.inputs.size() > 2 && n.inputs[2] >= 0) {
      Result<const float*> b = dev_of(n.inputs[2]);
      if (!b.ok()) return b.status();
      bias = *b;
    }
    float p0, p1;
    const UnaryOp act = act_of(n, p0, p1);
    if (bias || act != cuda::kIdentity) {
      int64_t inner = 1;
      for (size_t d = 2; d < ys.size(); ++d) inner *= ys[d];
      cuda::channel_affine(y, y, nullptr, bias, ys[1], inner, shape_numel(ys), act, p0, p1,
                           stream_);
    }
    CU(cudaGetLastError());
    handled = true;
    return Status::Ok();
  }

  Status conv_transpose(size_t k, const GraphNode& n, bool& handled) {
    if (!const_float_params(n)) return Status::Ok();
    const Shape& xs = shape_of(n.inputs[0]);
    const Shape& ws = shape_of(n.inputs[1]);
    Result<ConvGeometry> geo = conv_transpose_geometry(n, xs, ws);
    if (!geo.ok()) return geo.status();
    const bool one = geo->kernel.size() == 1;
    auto at = [&](const std::vector<int64_t>& v, int d, int64_t one_value) {
      return one ? (d == 0 ? one_value : v[0]) : v[d];
    };
    const Shape x4 = as4d(xs), w4 = as4d(ws);
    const int64_t M = ws[1] * geo->groups;
    Shape ys = {xs[0], M};
    ys.insert(ys.end(), geo->out.begin(), geo->out.end());
    // Uncropped output: stride * (in - 1) + dilated kernel + output_padding.
    Shape full4 = {xs[0], M, 0, 0};
    for (int d = 0; d < 2; ++d) {
      const int64_t in = x4[2 + d], st = at(geo->strides, d, 1), dl = at(geo->dilations, d, 1),
                    kk = w4[2 + d];
      const int64_t crop = at(geo->pads_begin, d, 0) + at(geo->pads_end, d, 0);
      full4[2 + d] = (one && d == 0) ? 1 : as4d(ys)[2 + d] + crop;
      const int64_t reach = st * (in - 1) + (kk - 1) * dl + 1;
      // cuDNN needs in == (full - reach) / stride + 1: negative pads or an output_shape
      // beyond stride - 1 extra rows go to the host kernel.
      if (!(one && d == 0) && (full4[2 + d] < reach || full4[2 + d] > reach + st - 1))
        return Status::Ok();
    }
    ConvPlan* plan = find_plan(k, xs);
    if (!plan) {
      auto made = std::make_unique<ConvPlan>();
      made->x_shape = xs;
      made->full = full4;
      // cuDNN view: backward-data of a convolution from `full` (dx) to x (dy).
      Status s = make_descs(*made, full4, w4, x4, geo->groups, 0, 0, (int)at(geo->strides, 0, 1),
                            (int)at(geo->strides, 1, 1), (int)at(geo->dilations, 0, 1),
                            (int)at(geo->dilations, 1, 1));
      if (!s.ok()) return s;
      cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
      int found = 0;
      if (cudnnFindConvolutionBackwardDataAlgorithm(dnn_, made->wd, made->yd, made->cd, made->xd,
                                                    CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &found,
                                                    perf) != CUDNN_STATUS_SUCCESS) {
        DNN(cudnnGetConvolutionBackwardDataAlgorithm_v7(
            dnn_, made->wd, made->yd, made->cd, made->xd, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT,
            &found, perf));
      }
      bool chosen = false;
      for (int q = 0; q < found && !chosen; ++q) {
        if (perf[q].status != CUDNN_STATUS_SUCCESS) continue;
        if (!opts_.allow_tf32 && perf[q].mathType == CUDNN_TENSOR_OP_MATH) continue;
        made->bwd = perf[q].algo;
        made->workspace = perf[q].memory;
        chosen = true;
      }
      if (!chosen)
        return Status(ErrorCode::kInternal,
                      n.label() + ": cuDNN has no algorithm for this transposed convolution");
      plan = keep_plan(k, std::move(made));
    }
    Result<const float*> x = dev_of(n.inputs[0]);
    if (!x.ok()) return x.status();
    Result<const float*> w = dev_of(n.inputs[1]);
    if (!w.ok()) return w.status();
    Status s = ensure_workspace(plan->workspace);
    if (!s.ok()) return s;
    Result<DevPtr> full =
        dev_alloc(static_cast<size_t>(shape_numel(full4)) * sizeof(float), stream_);
    if (!full.ok()) return full.status();
    const float one_f = 1.0f, zero_f = 0.0f;
    DNN(cudnnConvolutionBackwardData(dnn_, &one_f, plan->wd, *w, plan->yd, *x, plan->cd, plan->bwd,
                                     workspace_->p, plan->workspace, &zero_f, plan->xd,
                                     (*full)->p));
    Result<float*> y = new_dev(n.outputs[0], ys);
    if (!y.ok()) return y.status();
    // Crop [pads_begin, pads_begin + out) with the pad kernel (negative begin = crop).
    const Shape y4 = as4d(ys);
    cuda::PadDesc d;
    d.rank = 4;
    const int64_t begin[4] = {0, 0, -at(geo->pads_begin, 0, 0), -at(geo->pads_begin, 1, 0)};
    int64_t ist = 1, ost = 1;
    for (int a = 3; a >= 0; --a) {
      d.in_shape[a] = full4[a];
      d.in_strides[a] = ist;
      d.out_strides[a] = ost;
      d.begin[a] = begin[a];
      ist *= full4[a];
      ost *= y4[a];
    }
    cuda::pad(static_cast<const float*>((*full)->p), *y, shape_numel(ys), d, 0, 0.0f, stream_);
    return epilogue(n, *y, ys, handled);
  }

  Status binary(const GraphNode& n, bool& handled) {
    if (!is_float(dtype_of(n.inputs[1]))) return Status::Ok();
    const Shape& as = shape_of(n.inputs[0]);
    const Shape& bs = shape_of(n.inputs[1]);
    Result<Shape> os = broadcast_shapes(as, bs);
    if (!os.ok()) return Status(os.status().code(), n.label() + ": " + os.status().message());
    if (os->size() > static_cast<size_t>(cuda::kMaxRank)) return Status::Ok();
    cuda::Broadcast bc;
    bc.rank = static_cast<int>(os->size());
    auto fill = [&](const Shape& in, int64_t* st) {
      int64_t s = 1;
      const size_t off = os->size() - in.size();
      for (size_t d = os->size(); d-- > 0;) {
        const int64_t dim = d >= off ? in[d - off] : 1;
        st[d] = dim == 1 ? 0 : s;
        s *= dim;
      }
    };
    int64_t s = 1;
    for (size_t d = os->size(); d-- > 0;) {
      bc.out_strides[d] = s;
      s *= (*os)[d];
    }
    fill(as, bc.a_strides);
    fill(bs, bc.b_strides);
    Result<const float*> a = dev_of(n.inputs[0]);
    if (!a.ok()) return a.status();
    Result<const float*> b = dev_of(n.inputs[1]);
    if (!b.ok()) return b.status();
    Result<float*> y = new_dev(n.outputs[0], *os);
    if (!y.ok()) return y.status();
    const std::string& op = n.op_type;
    const cuda::BinaryOp code = op == "Add"   ? cuda::kAdd
                                : op == "Sub" ? cuda::kSub
                                : op == "Mul" ? cuda::kMul
                                : op == "Div" ? cuda::kDiv
                                : op == "Max" ? cuda::kMax
                                : op == "Min" ? cuda::kMin
                                              : cuda::kPow;
    cuda::binary(code, *a, *b, *y, shape_numel(*os), bc, stream_);
    CU(cudaGetLastError());
    handled = true;
    return Status::Ok();
  }

  Status unary(const GraphNode& n, bool& handled) {
    const std::string& op = n.op_type;
    float p0 = 0.0f, p1 = 0.0f;
    UnaryOp code;
    if (op == "Relu")
      code = cuda::kRelu;
    else if (op == "Clip") {
      code = cuda::kClip;
      p0 = -INFINITY;
      p1 = INFINITY;
      if (graph_->opset < 11) {
        p0 = n.attr_float("min", p0);
        p1 = n.attr_float("max", p1);
      } else {
        for (size_t q = 1; q < n.inputs.size() && q < 3; ++q) {
          const int v = n.inputs[q];
          if (v < 0) continue;
          if (!is_const(v)) return Status::Ok();  // runtime bounds: host
          const Tensor& t = graph_->constants[v];
          if (!is_float(t.dtype) || t.f.size() != 1) return Status::Ok();
          (q == 1 ? p0 : p1) = t.f[0];
        }
      }
    } else if (op == "Sigmoid")
      code = cuda::kSigmoid;
    else if (op == "Tanh")
      code = cuda::kTanh;
    else if (op == "LeakyRelu") {
      code = cuda::kLeakyRelu;
      p0 = n.attr_float("alpha", 0.01f);
    } else if (op == "Exp")
      code = cuda::kExp;
    else if (op == "Neg")
      code = cuda::kNeg;
    else if (op == "Abs")
      code = cuda::kAbs;
    else if (op == "Sqrt")
      code = cuda::kSqrt;
    else if (op == "HardSigmoid") {
      code = cuda::kHardSigmoid;
      p0 = n.attr_float("alpha", 0.2f);
      p1 = n.attr_float("beta", 0.5f);
    } else
      code = cuda::kHardSwish;
    const Shape xs = shape_of(n.inputs[0]);
    Result<const float*> x = dev_of(n.inputs[0]);
    if (!x.ok()) return x.status();
    Result<float*> y = new_dev(n.outputs[0], xs);
    if (!y.ok()) return y.status();
    cuda::unary(code, *x, *y, shape_numel(xs), p0, p1, stream_);
    CU(cudaGetLastError());
    handled = true;
    return Status::Ok();
  }

  Status batchnorm(size_t k, const GraphNode& n, bool& handled) {
    if (n.inputs.size() < 5) return Status::Ok();
    for (size_t q = 1; q < 5; ++q)
      if (n.inputs[q] < 0 || !is_const(n.inputs[q]) ||
          !is_float(graph_->constants[n.inputs[q]].dtype))
        return Status::Ok();
    if (n.attr_int("training_mode", 0) != 0) return Status::Ok();
    const Shape xs = shape_of(n.inputs[0]);
    if (xs.size() < 2) return Status::Ok();
    const int64_t C = xs[1];
    const Tensor &sc = graph_->constants[n.inputs[1]], &b = graph_->constants[n.inputs[2]],
                 &m = graph_->constants[n.inputs[3]], &v = graph_->constants[n.inputs[4]];
    if ((int64_t)sc.f.size() != C || (int64_t)b.f.size() != C || (int64_t)m.f.size() != C ||
        (int64_t)v.f.size() != C)
      return Status::Ok();  // the host kernel reports the mismatch
    NodeTable& tab = tables_[k];
    if (!tab.a) {  // parameters are constants: once per session
      const float eps = n.attr_float("epsilon", 1e-5f);
      std::vector<float> ss(2 * C);
      for (int64_t c = 0; c < C; ++c) {
        ss[c] = sc.f[c] / std::sqrt(v.f[c] + eps);
        ss[C + c] = b.f[c] - m.f[c] * ss[c];
      }
      Result<DevPtr> params = dev_alloc(ss.size() * sizeof(float), stream_);
      if (!params.ok()) return params.status();
      CU(cudaMemcpyAsync((*params)->p, ss.data(), ss.size() * sizeof(float), cudaMemcpyHostToDevice,
                         stream_));
      CU(cudaStreamSynchronize(stream_));  // ss is pageable host memory going out of scope
      tab.a = *params;
    }
    Result<const float*> x = dev_of(n.inputs[0]);
    if (!x.ok()) return x.status();
    Result<float*> y = new_dev(n.outputs[0], xs);
    if (!y.ok()) return y.status();
    int64_t inner = 1;
    for (size_t d = 2; d < xs.size(); ++d) inner *= xs[d];
    const float* p = static_cast<const float*>(tab.a->p);
    cuda::channel_affine(*x, *y, p, p + C, C, inner, shape_numel(xs), cuda::kIdentity, 0, 0,
                         stream_);
    CU(cudaGetLastError());
    handled = true;
    return Status::Ok();
  }

  Status resize(size_t k, const GraphNode& n, bool& handled) {
    // Plan on the host from a data-less stand-in of X plus the (host) scales/sizes.
    Tensor meta;
    meta.shape = shape_of(n.inputs[0]);
    std::vector<const Tensor*> in = {&meta};
    for (size_t q = 1; q < n.inputs.size(); ++q) {
      if (n.inputs[q] < 0) {
        in.push_back(nullptr);
        continue;
      }
      Result<const Tensor*> t = host_of(n.inputs[q]);
      if (!t.ok()) return t.status();
      in.push_back(*t);
    }
    Result<ResizePlan> plan = resize_plan(n, in, graph_->opset);
    if (!plan.ok()) return plan.status();
    const Shape& xs = meta.shape;
    if (xs.size() != 4 || plan->out_shape[0] != xs[0] || plan->out_shape[1] != xs[1] ||
        xs[2] == 0 || xs[3] == 0)
      return Status::Ok();
    const int64_t ih = xs[2], iw = xs[3], oh = plan->out_shape[2], ow = plan->out_shape[3];
    // Tables: [y0 | y1 | x0 | x1] as int64, [wy | wx] as float.
    std::vector<int64_t> idx(2 * oh + 2 * ow);
    std::vector<float> wts(oh + ow);
    auto table = [&](int64_t isz, int64_t osz, float scale, int64_t* i0, int64_t* i1, float* w) {
      for (int64_t o = 0; o < osz; ++o) {
        const float xs_ = resize_source_coord(*plan, o, isz, osz, scale);
        if (plan->mode == ResizePlan::Mode::kNearest) {
          i0[o] = i1[o] = resize_nearest_index(*plan, xs_, isz);
          w[o] = 0.0f;
        } else {
          const float xc = std::min(std::max(xs_, 0.0f), static_cast<float>(isz - 1));
          i0[o] = static_cast<int64_t>(std::floor(xc));
          i1[o] = std::min(i0[o] + 1, isz - 1);
          w[o] = xc - static_cast<float>(i0[o]);
        }
      }
    };
    // Tables depend on the input and output sizes only: cached per node.
    NodeTable& tab = tables_[k];
    uint32_t sbits[2];
    std::memcpy(&sbits[0], &plan->scales[2], 4);
    std::memcpy(&sbits[1], &plan->scales[3], 4);
    const Shape key = {ih, iw,       oh,
                       ow, sbits[0], sbits[1]};  // the mapping depends on the scales too
    if (!tab.a || tab.key != key) {
      table(ih, oh, plan->scales[2], idx.data(), idx.data() + oh, wts.data());
      table(iw, ow, plan->scales[3], idx.data() + 2 * oh, idx.data() + 2 * oh + ow,
            wts.data() + oh);
      Result<DevPtr> ti = dev_alloc(idx.size() * sizeof(int64_t), stream_);
      if (!ti.ok()) return ti.status();
      Result<DevPtr> tw = dev_alloc(wts.size() * sizeof(float), stream_);
      if (!tw.ok()) return tw.status();
      CU(cudaMemcpyAsync((*ti)->p, idx.data(), idx.size() * sizeof(int64_t), cudaMemcpyHostToDevice,
                         stream_));
      CU(cudaMemcpyAsync((*tw)->p, wts.data(), wts.size() * sizeof(float), cudaMemcpyHostToDevice,
                         stream_));
      CU(cudaStreamSynchronize(stream_));  // idx / wts are pageable host memory going out of scope
      tab.key = key;
      tab.a = *ti;
      tab.b = *tw;
    }
    Result<const float*> x = dev_of(n.inputs[0]);
    if (!x.ok()) return x.status();
    Result<float*> y = new_dev(n.outputs[0], plan->out_shape);
    if (!y.ok()) return y.status();
    const int64_t* di = static_cast<const int64_t*>(tab.a->p);
    const float* dw = static_cast<const float*>(tab.b->p);
    cuda::resize2d(*x, *y, xs[0] * xs[1], ih, iw, oh, ow, di, di + oh, dw, di + 2 * oh,
                   di + 2 * oh + ow, dw + oh, stream_);
    CU(cudaGetLastError());
    handled = true;
    return Status::Ok();
  }

  Status softmax(const GraphNode& n, bool& handled) {
    const Shape xs = shape_of(n.inputs[0]);
    const int64_t r = static_cast<int64_t>(xs.size());
    if (r == 0) return Status::Ok();
    int64_t axis = n.attr_int("axis", graph_->opset >= 13 ? -1 : 1);
    if (axis < 0) axis += r;
    if (axis < 0 || axis >= r) return Status::Ok();
    int64_t outer = 1, len = 1, inner = 1;
    for (int64_t d = 0; d < r; ++d) {
      if (d < axis)
        outer *= xs[d];
      else if (d == axis || graph_->opset < 13)
        len *= xs[d];
      else
        inner *= xs[d];
    }
    Result<const float*> x = dev_of(n.inputs[0]);
    if (!x.ok()) return x.status();
    Result<float*> y = new_dev(n.outputs[0], xs);
    if (!y.ok()) return y.status();
    cuda::softmax(*x, *y, outer, len, inner, n.op_type == "LogSoftmax", stream_);
    CU(cudaGetLastError());
    handled = true;
    return Status::Ok();
  }

  Status global_pool(const GraphNode& n, bool& handled) {
    const Shape xs = shape_of(n.inputs[0]);
    if (xs.size() < 3) return Status::Ok();
    Shape os = xs;
    int64_t inner = 1;
    for (size_t d = 2; d < xs.size(); ++d) {
      inner *= xs[d];
      os[d] = 1;
    }
    if (inner == 0) return Status::Ok();
    Result<const float*> x = dev_of(n.inputs[0]);
    if (!x.ok()) return x.status();
    Result<float*> y = new_dev(n.outputs[0], os);
    if (!y.ok()) return y.status();
    cuda::plane_mean(*x, *y, xs[0] * xs[1], inner, stream_);
    CU(cudaGetLastError());
    handled = true;
    return Status::Ok();
  }

  Status concat(const GraphNode& n, bool& handled) {
    const Shape& s0 = shape_of(n.inputs[0]);
    const int64_t r = static_cast<int64_t>(s0.size());
    int64_t axis = n.attr_int("axis", 0);
    if (axis < 0) axis += r;
    if (axis < 0 || axis >= r) return Status::Ok();
    Shape os = s0;
    os[axis] = 0;
    for (int v : n.inputs) {
      if (v < 0 || !is_float(dtype_of(v))) return Status::Ok();
      const Shape& s = shape_of(v);
      if (static_cast<int64_t>(s.size()) != r) return Status::Ok();
      for (int64_t d = 0; d < r; ++d)
        if (d != axis && s[d] != s0[d]) return Status::Ok();
      os[axis] += s[axis];
    }
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= os[d];
    for (int64_t d = axis + 1; d < r; ++d) inner *= os[d];
    std::vector<const float*> srcs;
    for (int v : n.inputs) {
      Result<const float*> p = dev_of(v);
      if (!p.ok()) return p.status();
      srcs.push_back(*p);
    }
    Result<float*> y = new_dev(n.outputs[0], os);
    if (!y.ok()) return y.status();
    int64_t off = 0;
    for (size_t q = 0; q < n.inputs.size(); ++q) {
      const int64_t len = shape_of(n.inputs[q])[axis] * inner;
      if (len > 0 && outer > 0) {
        CU(cudaMemcpy2DAsync(*y + off, os[axis] * inner * sizeof(float), srcs[q],
                             len * sizeof(float), len * sizeof(float), outer,
                             cudaMemcpyDeviceToDevice, stream_));
      }
      off += len;
    }
    handled = true;
    return Status::Ok();
  }

  Status pad(const GraphNode& n, bool& handled) {
    if (graph_->opset < 11 || n.inputs.size() < 2 || n.inputs.size() > 3) return Status::Ok();
    const Shape xs = shape_of(n.inputs[0]);
    const int64_t r = static_cast<int64_t>(xs.size());
    if (r > cuda::kMaxRank) return Status::Ok();
    Result<const Tensor*> pads = host_of(n.inputs[1]);
    if (!pads.ok()) return pads.status();
    if (is_float((*pads)->dtype) || static_cast<int64_t>((*pads)->i.size()) != 2 * r)
      return Status::Ok();
    float value = 0.0f;
    if (n.inputs.size() > 2 && n.inputs[2] >= 0) {
      Result<const Tensor*> v = host_of(n.inputs[2]);
      if (!v.ok()) return v.status();
      if ((*v)->stored() > 0) value = static_cast<float>((*v)->value(0));
    }
    const std::string mode = n.attr_string("mode", "constant");
    const int m = mode == "constant" ? 0 : mode == "reflect" ? 1 : mode == "edge" ? 2 : -1;
    if (m < 0) return Status::Ok();
    Shape os(r);
    for (int64_t d = 0; d < r; ++d) {
      os[d] = xs[d] + (*pads)->i[d] + (*pads)->i[d + r];
      if (os[d] < 0 || (m != 0 && xs[d] == 0)) return Status::Ok();  // the host kernel explains
    }
    cuda::PadDesc d;
    d.rank = static_cast<int>(r);
    int64_t ist = 1, ost = 1;
    for (int64_t a = r - 1; a >= 0; --a) {
      d.in_shape[a] = xs[a];
      d.in_strides[a] = ist;
      d.out_strides[a] = ost;
      d.begin[a] = (*pads)->i[a];
      ist *= xs[a];
      ost *= os[a];
    }
    Result<const float*> x = dev_of(n.inputs[0]);
    if (!x.ok()) return x.status();
    Result<float*> y = new_dev(n.outputs[0], os);
    if (!y.ok()) return y.status();
    cuda::pad(*x, *y, shape_numel(os), d, m, value, stream_);
    CU(cudaGetLastError());
    handled = true;
    return Status::Ok();
  }

  // MatMul A[..., M, K] x B[K, N] and Gemm (no transA, alpha 1, bias along N) with cuBLAS.
  Status matmul(const GraphNode& n, bool& handled) {
    const Shape as = shape_of(n.inputs[0]);
    const Shape bs = shape_of(n.inputs[1]);
    if (!is_float(dtype_of(n.inputs[1])) ||
        (n.inputs.size() > 2 && n.inputs[2] >= 0 && !is_float(dtype_of(n.inputs[2]))))
      return Status::Ok();
    const bool gemm = n.op_type == "Gemm";
    const bool tb = gemm && n.attr_int("transB", 0) != 0;
    if (gemm &&
        (n.attr_int("transA", 0) != 0 || n.attr_float("alpha", 1.0f) != 1.0f || as.size() != 2))
      return Status::Ok();
    if (as.size() < 2 || bs.size() != 2) return Status::Ok();
    const int64_t K = as.back(), N = tb ? bs[0] : bs[1];
    if ((tb ? bs[1] : bs[0]) != K) return Status::Ok();
    const int64_t M = shape_numel(as) / std::max<int64_t>(K, 1);
    int bias = -1;
    float beta = 1.0f;
    if (gemm && n.inputs.size() > 2 && n.inputs[2] >= 0) {
      bias = n.inputs[2];
      beta = n.attr_float("beta", 1.0f);
      const Shape& cs = shape_of(bias);
      if (shape_numel(cs) != N || cs.size() > 2 || (cs.size() == 2 && cs[0] != 1) || beta != 1.0f)
        return Status::Ok();
    }
    if (M > INT32_MAX || N > INT32_MAX || K > INT32_MAX) return Status::Ok();
    Shape os = as;
    os.back() = N;
    Result<const float*> a = dev_of(n.inputs[0]);
    if (!a.ok()) return a.status();
    Result<const float*> b = dev_of(n.inputs[1]);
    if (!b.ok()) return b.status();
    Result<float*> y = new_dev(n.outputs[0], os);
    if (!y.ok()) return y.status();
    // Row-major C = A B is column-major C^T = B^T A^T.
    const float one_f = 1.0f, zero_f = 0.0f;
    BLAS(cublasSgemm(blas_, tb ? CUBLAS_OP_T : CUBLAS_OP_N, CUBLAS_OP_N, (int)N, (int)M, (int)K,
                     &one_f, *b, tb ? (int)K : (int)N, *a, (int)K, &zero_f, *y, (int)N));
    if (bias >= 0) {
      Result<const float*> c = dev_of(bias);
      if (!c.ok()) return c.status();
      cuda::Broadcast bc;
      bc.rank = 2;
      bc.out_strides[0] = N;
      bc.out_strides[1] = 1;
      bc.a_strides[0] = N;
      bc.a_strides[1] = 1;
      bc.b_strides[0] = 0;
      bc.b_strides[1] = 1;
      cuda::binary(cuda::kAdd, *y, *c, *y, M * N, bc, stream_);
    }
    CU(cudaGetLastError());
    handled = true;
    return Status::Ok();
  }

  std::shared_ptr<const Graph> original_, graph_;
  SessionOptions opts_;
  cudaStream_t stream_ = nullptr;
  cudnnHandle_t dnn_ = nullptr;
  cublasHandle_t blas_ = nullptr;
  // Convolution plans per node, one per input shape seen (newest last, at most
  // kPlansPerNode): making a plan times cuDNN's algorithms, seconds for a whole model on the
  // H100, so a folder of photos that alternates a few shapes must not make them again.
  static constexpr size_t kPlansPerNode = 8;
  std::vector<std::vector<std::unique_ptr<ConvPlan>>> plans_;

  ConvPlan* find_plan(size_t k, const Shape& xs) {
    for (auto& p : plans_[k])
      if (p->x_shape == xs) return p.get();
    return nullptr;
  }

  // Stores a complete plan (a failed one is never stored, so it is made again next time).
  ConvPlan* keep_plan(size_t k, std::unique_ptr<ConvPlan> plan) {
    auto& list = plans_[k];
    if (list.size() >= kPlansPerNode) list.erase(list.begin());
    list.push_back(std::move(plan));
    return list.back().get();
  }
  // Per-node device tables (Resize indices/weights, BatchNormalization scale/shift) and the
  // input shape they were made for; uploaded once, reused by later runs.
  struct NodeTable {
    Shape key;
    DevPtr a, b;
  };
  std::vector<NodeTable> tables_;
  std::vector<DevPtr> consts_;
  DevPtr workspace_;
  std::vector<int> last_use_;
  std::map<int, Val> vals_;
};

class CudaBackend : public Backend {
 public:
  std::string name() const override { return "cuda"; }
  std::string description() const override {
    int n = 0;
    const cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess || n == 0) {
      return std::string("NVIDIA GPU via CUDA: none usable here (") +
             (e != cudaSuccess ? cudaGetErrorString(e) : "no device") + ")";
    }
    cudaDeviceProp p;
    cudaGetDeviceProperties(&p, 0);
    return std::string(p.name) + " (" + std::to_string(n) + " device" + (n > 1 ? "s" : "") +
           ", cuDNN " + std::to_string(cudnnGetVersion()) + ")";
  }
  bool available() const override {
    int n = 0;
    return cudaGetDeviceCount(&n) == cudaSuccess && n > 0;
  }
  int priority() const override { return 100; }
  Result<std::unique_ptr<Session>> create_session(std::shared_ptr<const Graph> graph,
                                                  const SessionOptions& options) const override {
    if (!available()) return Status(ErrorCode::kNoBackend, "backend 'cuda': " + description());
    try {
      auto s = std::make_unique<CudaSession>();
      Status st = s->init(std::move(graph), options);
      if (!st.ok()) return st;
      return std::unique_ptr<Session>(std::move(s));
    } catch (const std::bad_alloc&) {
      return Status(ErrorCode::kOutOfMemory, "out of memory creating the CUDA session");
    }
  }
};

}  // namespace

void register_cuda_backend() { register_backend(std::make_shared<CudaBackend>()); }

}  // namespace colorize::nn
