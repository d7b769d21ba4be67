#include "models.h"

#include <filesystem>

#include "colorize/manifest.h"

namespace fs = std::filesystem;

namespace colorize::cli {

std::string models_dir() {
  // An installed copy (cmake --install): PREFIX/bin/colorize finds PREFIX/share/colorize/models.
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
#ifdef COLORIZE_MODELS_DIR
  return find_models_dir(ec ? "" : exe.string(), COLORIZE_MODELS_DIR);
#else
  return find_models_dir(ec ? "" : exe.string(), "models");
#endif
}

Result<std::string> default_model() { return default_model_in(models_dir()); }

}  // namespace colorize::cli
