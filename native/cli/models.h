// Where the CLI finds its models (the manifest itself is read by colorize/manifest.h).
#pragma once

#include <string>

#include "colorize/status.h"

namespace colorize::cli {

// The folder searched for the default model: $COLORIZE_MODELS when set, otherwise that of an
// installed copy (share/colorize/models beside the bin/ folder this program runs from) when it
// holds a manifest, otherwise the repository's models/ folder this binary was built from.
std::string models_dir();

// The path of the manifest's default model in models_dir(). kIo (with a message naming
// the folder) when there is no readable manifest or it names no existing default file.
Result<std::string> default_model();

}  // namespace colorize::cli
