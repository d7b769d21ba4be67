// The translation unit holding stb_image (Debian libstb-dev), configured by stb_config.h, plus
// the allocation cap stb allocates through. stb_image_write is in stb_write_impl.cpp (a build
// may compile the decoders for size and the JPEG writer for speed: web/CMakeLists.txt).
#include <cstdint>
#include <cstdlib>

#include "alloc_cap.h"
#include "stb_config.h"
#include "stb_quiet_begin.h"

// clang-format off
// stb_config.h (above) already set the configuration and pulled in the declarations; the
// implementation follows from including the header again with this defined.
#define STB_IMAGE_IMPLEMENTATION
#include <stb_image.h>
// clang-format on

#include "stb_quiet_end.h"

namespace colorize {
namespace detail {

namespace {
thread_local size_t t_cap = SIZE_MAX;
thread_local bool t_cap_hit = false;
}  // namespace

AllocCap::AllocCap(size_t max_single_allocation) : saved_(t_cap) {
  t_cap = max_single_allocation;
  t_cap_hit = false;
}
AllocCap::~AllocCap() { t_cap = saved_; }
bool AllocCap::hit() const { return t_cap_hit; }

void* stb_malloc(size_t size) {
  if (size > t_cap) {
    t_cap_hit = true;
    return nullptr;
  }
  return std::malloc(size);
}

void* stb_realloc(void* p, size_t size) {
  if (size > t_cap) {
    t_cap_hit = true;
    return nullptr;  // like realloc: the old block stays valid; stb frees it on its error path
  }
  return std::realloc(p, size);
}

void stb_free(void* p) { std::free(p); }

}  // namespace detail
}  // namespace colorize
