// colorize — the pipeline stages shared by every front end.
//
//   bytes --decode--> Image --prepare--> L* at working size (+ hint planes)
//         --infer-->  a*b* at working size          (a model, or the exemplar method)
//         --finish--> a*b* upsampled edge-aware onto the ORIGINAL full-resolution L*,
//                     saturation, gamut clamp --> Image --encode--> PNG / JPEG
//
// The core owns everything but `infer`: natively the CLI calls all stages; in the browser
// the WASM core runs prepare and finish and JavaScript runs the model in between.
//
// MODEL I/O CONTRACT (what every colorization model of this project takes and returns; the
// ONNX exports, the native engine and the web app all follow it):
//   input  "L"         float32 [1, 1, H, W]  CIELAB L* in [0, 100]
//   input  "hint_ab"   float32 [1, 2, H, W]  a*, b* of user hints in CIELAB units, 0 elsewhere
//   input  "hint_mask" float32 [1, 1, H, W]  1 where a hint is given, else 0 (all 0 = automatic)
//   output "ab"        float32 [1, 2, h, w]  predicted a*, b* in CIELAB units; h, w may be a
//                                            fraction of H, W (finish upsamples any size)
//   H and W are multiples of 32. Normalisation happens inside the model graph.
#pragma once

#include <vector>

#include "colorize/image.h"
#include "colorize/plane.h"

namespace colorize {

// Working dimensions for a w x h image: the longer side becomes `working_size` rounded to a
// multiple of 32 (at least 32), the shorter side keeps the aspect ratio, rounded to a
// multiple of 32 (at least 32). Images are never upscaled beyond the next multiple of 32.
struct Size { int width = 0; int height = 0; };
Size working_size_for(int width, int height, int working_size);

struct PrepareOptions {
  int working_size = 256;  // longest side of the model input, in pixels (32..4096)
};

// The result of prepare: everything finish and the model need. Owns its planes.
struct Prepared {
  Plane L_full;  // L* of the original image at full resolution, [0, 100]
  Plane L_work;  // L* resampled (area) to the working size; what the model sees
};

// Errors: kInvalidArgument (empty image, working_size out of range).
Result<Prepared> prepare(const Image& image, const PrepareOptions& options = {});

// A user colour hint: a position in the ORIGINAL image's pixel coordinates and a colour.
struct Hint {
  float x = 0;      // 0 .. width of the original image
  float y = 0;      // 0 .. height
  float a = 0;      // CIELAB a*
  float b = 0;      // CIELAB b*
};

// The hint planes for a model input of work_width x work_height (see the contract above):
// each hint marks a small square (radius `radius` working pixels) in hint_ab and hint_mask.
struct HintPlanes {
  AbPlanes ab;
  Plane mask;
};
HintPlanes render_hints(const std::vector<Hint>& hints, int full_width, int full_height,
                        int work_width, int work_height, int radius = 1);

enum class Upsampling {
  kGuided,    // edge-aware: guided-filter joint upsampling guided by the full-resolution L*
  kBilinear,  // plain bilinear (for comparison)
};

struct FinishOptions {
  float saturation = 1.0f;   // multiplies a* and b* (0 = grey, 1 = as predicted, up to 4)
  Upsampling upsampling = Upsampling::kGuided;
  int guided_radius = 2;     // window radius of the guided filter, in working-size pixels
  float guided_eps = 25.0f;  // regularisation, in (L* units)^2
};

// Puts predicted chroma (any size; usually the working size) back onto the original image:
// upsample a*, b* to full resolution (edge-aware by default), scale by saturation, combine
// with prepared.L_full (the ORIGINAL lightness, never a resampled one), clamp into the sRGB
// gamut by reducing chroma at constant L*, and convert back.
// The result has the original's width and height, 3 channels (4 if the original had alpha,
// carried through unchanged) and the original's bit depth.
// Errors: kInvalidArgument (sizes disagree, empty planes, saturation out of [0, 4]).
Result<Image> finish(const Image& original, const Prepared& prepared, const AbPlanes& ab,
                     const FinishOptions& options = {});

}  // namespace colorize
