// The seam between the CLI and the inference engine: the CLI knows nothing of model formats
// or backends beyond this call.
#pragma once

#include <string>

#include "colorize/pipeline.h"
#include "colorize/plane.h"
#include "colorize/status.h"

namespace colorize::cli {

// Runs a colorization model (see the MODEL I/O CONTRACT in colorize/pipeline.h) on L_model
// (Prepared::L_model: L* at working size, as the model is to see it) with optional hint
// planes (nullptr = automatic). `backend` is "auto", "cpu" or "cuda". Returns a*b* at the
// model's output size.
// Errors: kNoBackend when this build has no inference engine or the backend is unavailable,
// kIo / kCorruptModel for unreadable model files, kUnsupported for ops we do not run.
Result<AbPlanes> run_model(const std::string& model_path, const std::string& backend,
                           const Plane& L_model, const HintPlanes* hints);

// True when the model at model_path takes hint inputs (hint_ab, hint_mask). False when it
// cannot be read; run_model then reports why.
bool model_has_hints(const std::string& model_path);

}  // namespace colorize::cli
