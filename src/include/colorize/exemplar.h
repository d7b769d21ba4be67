// colorize — classic exemplar-based colorization (Welsh, Ashikhmin & Mueller 2002,
// "Transferring color to greyscale images").
//
// Chroma is transferred from a colour reference photo to a greyscale target: the reference's
// luminance is remapped to the target's statistics (mean and standard deviation), a jittered
// grid of reference pixels is sampled, and every target pixel takes the a*b* of the sample
// whose luminance and neighbourhood standard deviation match it best (weights 0.5 / 0.5).
// Runs at the working size; finish() brings the chroma to full resolution.
#pragma once

#include <cstdint>

#include "colorize/image.h"
#include "colorize/pipeline.h"
#include "colorize/plane.h"

namespace colorize {

struct ExemplarOptions {
  int samples = 200;         // number of jittered reference samples (Welsh et al. use ~200)
  int window = 5;            // neighbourhood side for the statistics, odd, 3..15
  float weight_luminance = 0.5f;  // weight of the luminance term; the std term gets 1 - this
  uint32_t seed = 1;         // jitter seed: the same inputs and seed give the same output
};

// Predicts a*b* for the target lightness L_target (CIELAB L*, any size, usually the working
// size) from `reference` (any colour Image; resampled internally to about the target's size).
// Errors: kInvalidArgument (empty inputs, options out of range).
Result<AbPlanes> exemplar_colorize(const Plane& L_target, const Image& reference,
                                   const ExemplarOptions& options = {});

// The whole path for one photo: prepare -> exemplar -> finish.
Result<Image> colorize_with_reference(const Image& target, const Image& reference,
                                      const PrepareOptions& prepare_options = {},
                                      const ExemplarOptions& exemplar_options = {},
                                      const FinishOptions& finish_options = {});

}  // namespace colorize
