// Finding models on disk: the default model and the working size a model was trained at, both
// read from a models/manifest.json (written by scripts/export.py; see models/README.md).
#pragma once

#include <string>

#include "colorize/status.h"

namespace colorize::cli {

// The folder searched for the default model: $COLORIZE_MODELS when set, otherwise that of an
// installed copy (share/colorize/models beside the bin/ folder this program runs from) when it
// holds a manifest, otherwise the repository's models/ folder this binary was built from.
std::string models_dir();

// The path of the manifest's default model in models_dir(). kNotFound (with a message naming
// the folder) when there is no readable manifest or it names no existing default file.
Result<std::string> default_model();

// The working size (longest side, pixels) for the model at model_path: from a manifest.json in
// the same folder that lists the file (its own "working_size", else the manifest's). 0 when
// there is no such manifest or it says nothing: the caller then uses its own default.
int manifest_working_size(const std::string& model_path);

}  // namespace colorize::cli
