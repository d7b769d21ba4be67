// colorize — image quality metrics, the one implementation used by the CLI, the tests and
// (through the bindings) the web app, so every number the project reports is comparable.
//
// All comparisons take a result and a ground truth of the same width and height; both are
// converted to 8-bit sRGB RGB first (grey expands to R=G=B; alpha is ignored).
#pragma once

#include <cstdint>
#include <vector>

#include "colorize/color.h"
#include "colorize/image.h"

namespace colorize {

// Peak signal-to-noise ratio over R, G and B on the 0..255 scale, in dB:
// 10 log10(255^2 / MSE). Identical images give +infinity.
Result<double> psnr(const Image& result, const Image& truth);

// Structural similarity (Wang et al. 2004): 11x11 Gaussian window, sigma 1.5, K1 = 0.01,
// K2 = 0.03, L = 255, computed per RGB channel and averaged. In [-1, 1], 1 = identical.
Result<double> ssim(const Image& result, const Image& truth);

// Colourfulness of Hasler & Suesstrunk (2003): rg = R - G, yb = (R + G)/2 - B on 0..255,
// M = sqrt(sd_rg^2 + sd_yb^2) + 0.3 sqrt(mean_rg^2 + mean_yb^2). 0 for a grey image.
double colourfulness(const Image& image);

// CIEDE2000 colour difference (Sharma, Wu & Dalal 2005 formulation, kL = kC = kH = 1).
double ciede2000(const Lab& x, const Lab& y);

// Mean CIEDE2000 over all pixels.
Result<double> mean_ciede2000(const Image& result, const Image& truth);

// Wrong-colour area, a measure of blotches: the fraction (0..1) of pixels where the result
// shows a clear colour (CIELAB chroma >= kWrongChroma) that the truth lacks there, because
// the truth is near neutral (chroma < kNeutralChroma) or its hue differs by at least
// kWrongHueDegrees. A grey result scores 0, so compare it at matched colourfulness.
// scripts/colorizer/metrics.py computes the same for training.
constexpr double kWrongChroma = 15.0;
constexpr double kNeutralChroma = 7.0;
constexpr double kWrongHueDegrees = 60.0;
Result<double> wrong_colour_area(const Image& result, const Image& truth);

struct Scores {
  double psnr = 0;            // dB
  double ssim = 0;
  double colourfulness = 0;   // of the result
  double colourfulness_truth = 0;
  double ciede2000 = 0;       // mean
  double wrong_colour = 0;    // wrong-colour area, fraction 0..1
};

// All of the above at once.
Result<Scores> score(const Image& result, const Image& truth);

// How sure a mean over images is. A table averages per-image scores over a set of photos;
// which photos were drawn moves that mean, often by more than two methods differ. The
// percentile bootstrap resamples the images with replacement `draws` times and reads the
// interval holding `level` of the resampled means. For two methods on the same photos, pass
// the per-image differences (method minus baseline): an interval holding 0 means the photos
// do not tell the two apart. Deterministic for a seed on every platform (its own generator
// and index mapping). Needs >= 2 finite values, 0 < level < 1, draws >= 100.
struct MeanInterval {
  double mean = 0;  // of the values themselves
  double low = 0;   // percentile (1 - level) / 2 of the resampled means
  double high = 0;  // percentile (1 + level) / 2
  double share_above_zero = 0;  // fraction of resampled means > 0
};
Result<MeanInterval> bootstrap_mean(const std::vector<double>& values, double level = 0.95,
                                    int draws = 2000, uint64_t seed = 1);

}  // namespace colorize
