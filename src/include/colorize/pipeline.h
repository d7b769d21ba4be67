// colorize — the pipeline stages shared by every front end.
//
//   bytes --decode--> Image --prepare--> L* at working size, tones widened for the model
//                                        (+ hint planes)
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

// What the model is shown of the picture's tones. Only the model's input changes: finish
// always puts the colour onto the picture's own L*.
enum class Tone {
  kStretch,  // a faded or flat print's tonal range is widened toward that of the training
             // photographs first (tone_map_for); pictures with a full range are left alone
  kAsIs,     // the model sees the picture's own L*
};

struct PrepareOptions {
  int working_size = 256;     // longest side of the model input, in pixels (32..4096)
  Tone tone = Tone::kStretch;
};

// The result of prepare: everything finish and the model need. Owns its planes.
struct Prepared {
  Plane L_full;   // L* of the original image at full resolution, [0, 100]
  Plane L_work;   // L* resampled (area) to the working size; guides finish's upsampling
  Plane L_model;  // what the model sees ("L" of the contract): L_work through the tone map
                  // of PrepareOptions::tone; same size as L_work, [0, 100]
};

// Errors: kInvalidArgument (empty image, working_size out of range).
Result<Prepared> prepare(const Image& image, const PrepareOptions& options = {});

// A linear map of L*: L' = clamp((L - in_mid) * gain + out_mid, 0, 100) (the identity map
// gives clamp(L, 0, 100) exactly).
struct ToneMap {
  float gain = 1.0f;
  float in_mid = 50.0f;
  float out_mid = 50.0f;
  float apply(float L) const;
  bool identity() const { return gain == 1.0f && in_mid == out_mid; }
};

// The tone map prepare applies for Tone::kStretch.
// A faded print (lifted blacks, dull whites) shows the model a narrower range of L* than any
// photograph it learnt from, and costs colour accuracy (on the model card's held-out crops a
// fade of L' = 15 + 0.6 L cost 0.7 dB; see models/EXPERIMENTS.md, "Faded prints").
// The picture's range is that of its central region (tone_range_of); with p1, p99 its 1st
// and 99th percentiles and span = p99 - p1:
//   target range  [min(p1, kToneLow), max(p99, kToneHigh)]  (only ever widened)
//   full gain     min(kToneMaxGain, target span / span)
//   weight w      1 for span <= kToneFullBelow, 0 for span >= kToneNoneAbove, linear between
//   gain = 1 + w (full gain - 1); in_mid = (p1 + p99) / 2;
//   out_mid = (1 - w) in_mid + w (target's middle)
// so pictures with the usual range (span >= kToneNoneAbove) get the identity map.
inline constexpr float kToneLow = 3.5f;    // median 1st percentile of L*, training photographs
inline constexpr float kToneHigh = 93.5f;  // median 99th percentile of L*, training photographs
inline constexpr float kToneMaxGain = 3.0f;
inline constexpr float kToneFullBelow = 60.0f;
inline constexpr float kToneNoneAbove = 85.0f;

// A picture's range of L*: its 1st and 99th percentiles.
struct ToneRange {
  float p1 = 0.0f;
  float p99 = 100.0f;
};

// The range of samples (L* values clamped to [0, 100], non-finite ones skipped; none: the
// default range), percentiles by linear interpolation between order statistics.
ToneRange tone_range_of_samples(std::vector<float> samples);

// The range of a plane's central region: rows height/10 .. height - height/10 - 1 and the
// same for columns (integer division), so that a scan's paper border, a frame or dark
// corners do not count as the picture's blacks and whites.
ToneRange tone_range_of(const Plane& L);

// The map for a picture of range r (the rule above); and for a plane, of tone_range_of(L).
ToneMap tone_map_for(const ToneRange& r);
ToneMap tone_map_for(const Plane& L);

// L through the map (a new plane of the same size).
Plane apply_tone_map(const Plane& L, const ToneMap& map);

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
  // Where the full-resolution pass runs its bands of rows (ParallelFor, image.h; empty = on
  // the calling thread). The result is the same either way.
  ParallelFor parallel_for;
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

// The chroma finish() would put on the picture, at L_target's size instead of full
// resolution: the same upsampling (edge-aware by default, guided by prepared's L*), with
// L_target (the picture's L* at that size, e.g. resize_area of prepared.L_full) in place of
// the full-resolution L*, clamped to ab's range; not scaled by the saturation. For work that
// needs the chroma at a size of its own before finish (correct_with_marks, propagate.h).
// Errors: kInvalidArgument (empty or mismatched planes, guided options out of range).
Result<AbPlanes> upsample_chroma(const Prepared& prepared, const AbPlanes& ab,
                                 const Plane& L_target, const FinishOptions& options = {});

}  // namespace colorize
