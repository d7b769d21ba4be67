// Inference seam for builds without an inference engine: every model request is refused with
// a clear message. Replaced when the native engine (src/nn) lands.
#include "infer.h"

namespace colorize::cli {

Result<AbPlanes> run_model(const std::string& model_path, const std::string&, const Plane&,
                           const HintPlanes*) {
  return Result<AbPlanes>(ErrorCode::kNoBackend,
                          "no inference backend in this build (cannot run model '" + model_path +
                              "'); use --reference REF for the exemplar method");
}

bool model_has_hints(const std::string&) { return false; }

}  // namespace colorize::cli
