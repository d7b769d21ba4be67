// Inference seam (see infer.h) implemented with the native engine (src/nn). Sessions are
// cached per (model path, backend) so a batch loads and prepares each model once.
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "colorize/nn/backend.h"
#include "infer.h"
#ifdef COLORIZE_HAVE_CUDA
#include "cuda_backend.h"
#endif

namespace colorize::cli {
namespace {

void register_optional_backends() {
#ifdef COLORIZE_HAVE_CUDA
  static std::once_flag once;
  std::call_once(once, [] { nn::register_cuda_backend(); });
#endif
}

std::mutex cache_mu;
std::map<std::pair<std::string, std::string>, std::shared_ptr<nn::Session>>& cache() {
  static std::map<std::pair<std::string, std::string>, std::shared_ptr<nn::Session>> c;
  return c;
}

Result<std::shared_ptr<nn::Session>> session_for(const std::string& path,
                                                 const std::string& backend) {
  register_optional_backends();
  std::lock_guard<std::mutex> lock(cache_mu);
  auto key = std::make_pair(path, backend);
  auto it = cache().find(key);
  if (it != cache().end()) return it->second;
  Result<std::unique_ptr<nn::Session>> s = nn::open_model(path, backend);
  if (!s.ok()) return s.status();
  std::shared_ptr<nn::Session> shared(std::move(s.value()));
  cache()[key] = shared;
  return shared;
}

// [1, channels, h, w] from one plane (channels 1) or two (channels 2: p then second).
nn::Tensor plane_tensor(const Plane& p, int channels, const Plane* second) {
  nn::Tensor t = nn::Tensor::zeros({1, channels, p.height, p.width});
  std::copy(p.data.begin(), p.data.end(), t.f.begin());
  if (second) std::copy(second->data.begin(), second->data.end(), t.f.begin() + p.data.size());
  return t;
}

}  // namespace

Result<AbPlanes> run_model(const std::string& model_path, const std::string& backend,
                           const Plane& L_model, const HintPlanes* hints) {
  if (L_model.empty()) return Result<AbPlanes>(ErrorCode::kInvalidArgument, "empty input plane");
  Result<std::shared_ptr<nn::Session>> session = session_for(model_path, backend);
  if (!session.ok()) return session.status();
  nn::Session& s = **session;
  const nn::Graph& g = s.graph();
  std::map<std::string, nn::Tensor> in;
  if (g.input_index("L") < 0) {
    return Result<AbPlanes>(
        ErrorCode::kUnsupported,
        model_path + ": the model has no input 'L' (see the model I/O contract)");
  }
  in["L"] = plane_tensor(L_model, 1, nullptr);
  const bool takes_hints = g.input_index("hint_ab") >= 0 && g.input_index("hint_mask") >= 0;
  if (takes_hints) {
    if (hints) {
      if (hints->ab.a.width != L_model.width || hints->ab.a.height != L_model.height ||
          hints->mask.width != L_model.width || hints->mask.height != L_model.height) {
        return Result<AbPlanes>(ErrorCode::kInvalidArgument,
                                "hint planes differ in size from the L plane");
      }
      in["hint_ab"] = plane_tensor(hints->ab.a, 2, &hints->ab.b);
      in["hint_mask"] = plane_tensor(hints->mask, 1, nullptr);
    } else {
      in["hint_ab"] = nn::Tensor::zeros({1, 2, L_model.height, L_model.width});
      in["hint_mask"] = nn::Tensor::zeros({1, 1, L_model.height, L_model.width});
    }
  } else if (hints) {
    return Result<AbPlanes>(ErrorCode::kInvalidArgument, "this model takes no hints");
  }
  if (in.size() != g.inputs.size()) {
    return Result<AbPlanes>(ErrorCode::kUnsupported,
                            model_path + ": the model takes inputs beyond L, hint_ab, hint_mask");
  }
  Result<std::map<std::string, nn::Tensor>> out = nn::run_named(s, in);
  if (!out.ok()) return out.status();
  auto it = out->find("ab");
  if (it == out->end()) it = out->begin();
  const nn::Tensor& ab = it->second;
  if (ab.rank() != 4 || ab.shape[0] != 1 || ab.shape[1] != 2 || !nn::is_float(ab.dtype) ||
      ab.shape[2] < 1 || ab.shape[3] < 1) {
    return Result<AbPlanes>(ErrorCode::kUnsupported,
                            model_path + ": output '" + it->first + "' has shape " +
                                nn::shape_string(ab.shape) + ", expected [1, 2, h, w]");
  }
  const int h = static_cast<int>(ab.shape[2]), w = static_cast<int>(ab.shape[3]);
  AbPlanes result;
  result.a = Plane(w, h);
  result.b = Plane(w, h);
  std::copy(ab.f.begin(), ab.f.begin() + static_cast<size_t>(w) * h, result.a.data.begin());
  std::copy(ab.f.begin() + static_cast<size_t>(w) * h, ab.f.end(), result.b.data.begin());
  return result;
}

bool model_has_hints(const std::string& model_path) {
  Result<nn::Model> m = nn::load_onnx_file(model_path);
  if (!m.ok()) return false;
  bool ab = false, mask = false;
  for (const auto& vi : m->inputs) {
    ab = ab || vi.name == "hint_ab";
    mask = mask || vi.name == "hint_mask";
  }
  return ab && mask;
}

}  // namespace colorize::cli
