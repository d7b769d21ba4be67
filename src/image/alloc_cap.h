// Internal: a scoped cap on the size of any single allocation stb makes on this thread.
#pragma once

#include <cstddef>

namespace colorize {
namespace detail {

class AllocCap {
 public:
  explicit AllocCap(size_t max_single_allocation);
  ~AllocCap();
  AllocCap(const AllocCap&) = delete;
  AllocCap& operator=(const AllocCap&) = delete;
  // True when stb asked for more than the cap since this guard was made.
  bool hit() const;

 private:
  size_t saved_;
};

}  // namespace detail
}  // namespace colorize
