// Internal: how this room configures stb_image / stb_image_write, and their declarations.
// Include this instead of the stb headers, so every file sees the same configuration
// (stb_impl.cpp holds the one implementation).
#pragma once

#include <cstddef>

namespace colorize {
namespace detail {
// stb's allocations go through these, so a decode can cap any single allocation (a
// zlib or LZW stream that expands far beyond the declared image size is refused).
void* stb_malloc(size_t size);
void* stb_realloc(void* p, size_t size);
void stb_free(void* p);
}  // namespace detail
}  // namespace colorize

// Only the formats we claim are compiled in: a smaller attack surface for hostile files.
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_ONLY_GIF
#define STBI_ONLY_TGA
#define STBI_NO_HDR
#define STBI_NO_LINEAR
// Bytes in memory only: the core does no file I/O.
#define STBI_NO_STDIO
#define STBI_WRITE_NO_STDIO
// Upper bound on either side, in pixels (stb's own default, stated here on purpose).
#define STBI_MAX_DIMENSIONS (1 << 24)
#define STBI_MALLOC(sz) ::colorize::detail::stb_malloc(sz)
#define STBI_REALLOC(p, newsz) ::colorize::detail::stb_realloc(p, newsz)
#define STBI_FREE(p) ::colorize::detail::stb_free(p)
// STBI_NO_FAILURE_STRINGS stays off: stbi_failure_reason() classifies errors.

#include <stb_image.h>
#include <stb_image_write.h>
