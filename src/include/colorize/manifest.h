// The shipped models' manifest (models/manifest.json, written by scripts/export.py; see
// models/README.md): which model is the default, and the working size each was trained at.
// Only what a program needs to pick and run a model; the file's full schema is in the card.
#pragma once

#include <string>

#include "colorize/status.h"

namespace colorize {

// The path of the default model named by `models_dir`/manifest.json. kIo (with a message
// naming the folder or file) when there is no readable manifest, it names no default, or the
// file it names is missing.
Result<std::string> default_model_in(const std::string& models_dir);

// The working size (longest side, pixels) for the model at model_path: from a manifest.json in
// the same folder that lists the file (its own "working_size", else the manifest's). 0 when
// there is no such manifest or it says nothing. (Colorizer::with_model uses it when
// ColorizerOptions::working_size is 0.)
int manifest_working_size(const std::string& model_path);

// The models of an installed copy (`cmake --install`: PREFIX/share/colorize/models) for a
// program or library installed at binary_path (PREFIX/bin/colorize, PREFIX/lib/libcolorize.so,
// PREFIX/lib/<multiarch>/...): that folder when it holds a manifest.json, else "".
std::string installed_models_dir(const std::string& binary_path);

// Where a program or library at binary_path finds the shipped models: $COLORIZE_MODELS when
// set, else installed_models_dir(binary_path) when there is one, else `fallback` (e.g. the
// source tree's models/ folder it was built from).
std::string find_models_dir(const std::string& binary_path, const std::string& fallback);

}  // namespace colorize
