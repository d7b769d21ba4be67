// Internal: colour profiles (see ColourProfile in colorize/image.h). What a file embeds is
// found by embedded_profile (metadata.cpp, beside the other readers of JPEG segments and PNG
// chunks); icc.cpp reads ICC profiles (ICC.1 v2 and v4: the header, the tag table, 'desc'
// and 'mluc' names, 'curv' and 'para' tone curves, 'XYZ ' colorants, and the device-to-PCS
// tables A2B1 / A2B0 of types lut8, lut16 and lutAtoB) and converts samples to sRGB
// (relative colorimetric). Every read is bounds-checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "colorize/image.h"

namespace colorize {
namespace detail {

// The colour statements of a file, as found.
struct EmbeddedProfile {
  std::vector<uint8_t> icc;    // a whole ICC profile (JPEG APP2 chunks joined, PNG iCCP inflated)
  bool srgb = false;           // PNG sRGB chunk
  uint32_t png_gamma = 0;      // PNG gAMA: the encoding exponent x 100000; 0 when absent
  bool white_is_zero = false;  // TIFF grey stored inverted
  // Set when a profile is there but could not be read whole (a JPEG chunk missing, a PNG
  // iCCP that does not inflate or is too large).
  std::string problem;
};

// The profile of `page` (TIFF; the other formats have one) of a PNG, JPEG or TIFF file;
// nothing for the other formats. Never fails: what cannot be read is `problem`.
EmbeddedProfile embedded_profile(const uint8_t* bytes, size_t size, int page);

// The largest ICC profile read (table-based ones run to a few MiB; matrix/TRC ones are KiB).
constexpr size_t kMaxIccBytes = 8u << 20;

// A tone curve of a profile: device value in [0, 1] -> linear (PCS) value in [0, 1].
struct ToneCurve {
  enum Kind { kIdentity, kTable, kParametric } kind = kIdentity;
  std::vector<float> table;  // kTable: evenly spaced samples over [0, 1], >= 2
  int function = 0;          // kParametric: ICC function type 0..4 ('curv' gamma is type 0)
  double p[7] = {1, 1, 0, 0, 0, 0, 0};  // g, a, b, c, d, e, f
  double operator()(double x) const;
};

// A device-to-PCS table (lut8 'mft1', lut16 'mft2' or lutAtoB 'mAB '), as lutAtoB orders its
// steps: A curves (one per input), the colour lookup table (multilinear), M curves, the
// matrix (3 x 3 and an offset), B curves (one per output). lut8/lut16 are input curves, the
// table, output curves (as A, table, M). Values between steps are in [0, 1].
struct DeviceTable {
  int inputs = 0;  // 1 (grey) or 3 (RGB)
  ToneCurve a[3], m[3], b[3];
  bool has_clut = false;
  int grid[3] = {0, 0, 0};  // grid points per input
  std::vector<float> clut;  // grid[0] x grid[1] x ... x 3 outputs, the first input slowest
  bool has_matrix = false;
  double matrix[12] = {1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0};
  // How the outputs encode the PCS: CIELAB as lut16 writes it (L* 100 = 0xFF00), CIELAB as
  // lut8 and lutAtoB write it (L* 100 = 1.0), or CIEXYZ (1.0 = 0x8000 of 0xFFFF).
  enum Pcs { kLab16, kLab, kXyz } pcs = kLab;
  // PCS CIEXYZ (D50, relative) of device values in [0, 1].
  void to_xyz(const double* device, double xyz[3]) const;
};

// The conversion of one file's samples to sRGB.
struct SrgbPlan {
  ColourProfile use = ColourProfile::kNone;
  std::string name;  // the profile's description
  std::string note;  // kNotApplied: why
  // kConverted: grey (1 curve, output Y = curve) or RGB (3 curves, then `to_xyz`, the
  // profile's colorants as columns, D50 PCS).
  bool grey = true;
  bool lab_pcs = false;  // grey only: the curve gives L* / 100 instead of Y
  ToneCurve curve[3];
  double to_xyz[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  // Set when the profile's device-to-PCS table is used (instead of the curves above).
  bool use_table = false;
  DeviceTable table;
};

// What to do with `found` for an image of `channels` (1-2 grey, 3-4 RGB). A profile equal
// to sRGB (within one 8-bit level over a grid of colours) gives kSrgb: nothing is changed.
SrgbPlan plan_srgb(const EmbeddedProfile& found, int channels);

// A compact ICC v4 display profile of sRGB (its D50-adapted colorants, its tone curve as a
// parametric curve, the Bradford adaptation from D65), made here, for results to state that
// their samples are sRGB: about 500 bytes. `grey`: the grey profile of sRGB's tone curve.
const std::vector<uint8_t>& srgb_icc_profile(bool grey);

// Converts the colour samples of `image` in place per `plan` (kConverted; otherwise nothing
// is done). Alpha is left alone. Errors: kOutOfMemory (its tables).
Status convert_to_srgb(const SrgbPlan& plan, Image* image, const ParallelFor& parallel_for = {});

}  // namespace detail
}  // namespace colorize
