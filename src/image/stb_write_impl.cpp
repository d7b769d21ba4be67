// The translation unit holding stb_image_write (Debian libstb-dev; the core uses its JPEG
// writer), configured by stb_config.h. Apart from stb_impl.cpp so that a build can compile
// the writer for speed and the decoders for size (web/CMakeLists.txt).
#include "stb_config.h"
#include "stb_quiet_begin.h"

// clang-format off
// stb_config.h (above) already set the configuration and pulled in the declarations; the
// implementation follows from including the header again with this defined.
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image_write.h>
// clang-format on

#include "stb_quiet_end.h"
