#include "models.h"

#include <cstdlib>
#include <filesystem>

#include "colorize/manifest.h"

namespace fs = std::filesystem;

namespace colorize::cli {

std::string models_dir() {
  const char* env = std::getenv("COLORIZE_MODELS");
  if (env && *env) return env;
  // An installed copy (cmake --install): PREFIX/bin/colorize finds PREFIX/share/colorize/models.
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const std::string installed = installed_models_dir(exe.string());
    if (!installed.empty()) return installed;
  }
#ifdef COLORIZE_MODELS_DIR
  return COLORIZE_MODELS_DIR;
#else
  return "models";
#endif
}

Result<std::string> default_model() { return default_model_in(models_dir()); }

}  // namespace colorize::cli
