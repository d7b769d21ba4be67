// colorize — colour that holds still through the frames of a film.
//
// A method run on each frame alone gives colour that flickers: an area green in one frame may
// be grey in the next, though the picture barely moved. FilmMemory carries each frame's colour
// into the next one. The previous result's chroma is moved along the motion between the two
// frames (found by block matching on L*), and where the moved lightness matches this frame's,
// it is blended with this frame's own chroma:
//
//   out = w * previous_out(x + v(x)) + (1 - w) * ab(x)
//   w   = carry * exp(-0.5 * (dL(x) / match)^2)
//
// with v the motion (this frame's pixel x shows what the previous frame showed at x + v) and
// dL the difference of the two frames' L* there (a 3 x 3 mean, after taking away a change of
// exposure: a gain and a lift of L* fitted over the frame, so the flicker of an old film's
// exposure does not count). Where a scene stands still or the camera pans, the colour becomes
// a running mean over the last 1 / (1 - carry) frames or so; what came into view, moved
// otherwise or changed keeps its own.
// A frame whose pixels match the previous frame's in less than kFilmCutBelow of its area, or
// whose lightness hardly correlates with it, starts a new shot: nothing is carried into it. Paint
// the user put on a frame can be held for the frames after it (FilmMemory::hold): it moves with the
// scene and is let go where the picture under it changes.
//
// All planes are on one grid per film (film_grid_for); a frame of another size also starts a
// new shot. Colorizer::colorize_frame (colorize/colorizer.h) does this for whole pictures.
#pragma once

#include <vector>

#include "colorize/image.h"
#include "colorize/pipeline.h"
#include "colorize/plane.h"
#include "colorize/status.h"

namespace colorize {

struct FilmOptions {
  // The previous frames' weight where a pixel matches, 0 .. 0.95; 0: each frame on its own.
  float carry = 0.8f;
  // L* units, > 0: the difference of lightness (after the motion) at which a pixel's weight
  // falls to exp(-0.5) = 0.61 of carry.
  float match = 4.0f;
  // The largest motion looked for between two frames, in grid pixels (1 .. 64).
  int search = 24;
};

// A frame whose matched area (FilmStep::matched) is below kFilmCutBelow, or whose lightness
// correlates with the last frame's (moved along the motion) below kFilmCutCorrelation, starts
// a new shot.
inline constexpr float kFilmCutBelow = 0.3f;
inline constexpr float kFilmCutCorrelation = 0.5f;

// What FilmMemory::next found for one frame.
struct FilmStep {
  bool new_shot = true;  // nothing carried: the first frame, a cut, or a frame of another size
  size_t held = 0;       // points of paint held from frames before, on this frame
  float matched = 0.0f;  // fraction of the frame's pixels whose dL is below FilmOptions::match
  float correlation = 0.0f;  // of the two frames' L* where they overlap, after the motion
                             // (1 where either is flat)
  float shift_x = 0.0f;  // the frame's overall motion v from the previous one, grid pixels
  float shift_y = 0.0f;
};

// The grid (size) of a w x h frame's planes: working_size_for(w, h, kFilmGridSize) (pictures
// are never enlarged beyond the next multiple of 32). The same grid as the user's corrections
// (kMarksGridSize, colorize/propagate.h), so a corrected frame's colour is carried as it is.
inline constexpr int kFilmGridSize = 384;
Size film_grid_for(int width, int height);

// The motion from frame `from` to frame `to` (L* planes of one size, at least 16 x 16): for
// every pixel of `to`, where that content was in `from`, as offsets in pixels (`to`'s pixel x
// showed `from`'s pixel x + (dx, dy)). Found as one overall shift (coarse to fine, within
// `search` pixels) refined for blocks of 16 x 16 pixels (within 6 pixels of it, to a fraction
// of a pixel), the blocks' offsets median-filtered and interpolated between block centres.
struct MotionField {
  Plane dx;
  Plane dy;
  float shift_x = 0.0f;  // the overall shift
  float shift_y = 0.0f;
};
// Errors: kInvalidArgument (sizes differ, smaller than 16 x 16, search outside 1 .. 64).
Result<MotionField> estimate_motion(const Plane& from, const Plane& to, int search);

// The running state of one film: the last frame's L* and its resulting chroma, and the paint
// held from frames before. Owns copies; not for use from several threads at once. Frames must
// come in order.
class FilmMemory {
 public:
  explicit FilmMemory(FilmOptions options = {}) : options_(options) {}

  // This frame's chroma: `ab` (the method's, on the grid of `L`, this frame's L*) with the
  // previous frames' colour carried in, as above; it is remembered for the next frame.
  // advance(L) and then blend(ab).
  // Errors: kInvalidArgument (options out of range, planes empty or of different sizes).
  Result<AbPlanes> next(const Plane& L, const AbPlanes& ab, FilmStep* step = nullptr);

  // next() in two steps, for a caller that corrects the colour in between (by the held paint:
  // Colorizer::colorize_frame). advance: this frame's motion from the last one; the last
  // colour and the held paint moved into this frame, or a new shot found (nothing carried,
  // the held paint let go).
  Result<FilmStep> advance(const Plane& L);
  // `ab` (on the grid advance was given) with the colour advance moved carried in; remembered
  // as this frame's. Errors: kInvalidArgument (no advance before it, planes of another size).
  Result<AbPlanes> blend(const AbPlanes& ab);
  // Replaces this frame's remembered colour (e.g. once corrected): what the next frame gets.
  // Errors: kInvalidArgument (not of the last frame's grid).
  Status amend(const AbPlanes& ab);

  // Paint held for the frames after this one (a frame's painted copy, as marks on this
  // frame's grid: colorize/propagate.h): each marked pixel becomes a point of the scene that
  // every advance() moves along the motion, let go where the picture there no longer matches
  // (its weight below half of carry: an object that moved away, something in front), where it
  // leaves the view, and at a new shot. A new mark on the pixel of a held one replaces it.
  // Errors: kInvalidArgument (not of the last frame's grid).
  Status hold(const HintPlanes& marks);
  // The held paint on the grid of the frame advance() was last given (mask 0 where none).
  HintPlanes held_marks() const;
  size_t held_count() const { return held_.size(); }

  // A point of held paint: where it is on the grid (pixels; between them after a motion) and
  // its colour (a*, b*).
  struct HeldPoint {
    float x, y, a, b;
  };
  // The paint held, to keep beside a film stopped part-way (with its last result): taken up
  // again by remember(result) and then hold_points(these).
  const std::vector<HeldPoint>& held_points() const { return held_; }
  // Replaces the paint held by `points` (held_points() of this film at the frame remembered).
  // Errors: kInvalidArgument (no frame remembered or made; a point off the grid or not finite).
  Status hold_points(std::vector<HeldPoint> points);

  // Remembers `result` (a frame's colour result, e.g. read back from its file to go on with a
  // film whose first frames were colorized before) as if next() had made it: its L* and a*b*
  // on its film_grid_for grid (no paint is held). Errors: kInvalidArgument (an empty image).
  Status remember(const Image& result);
  // What the film remembers of its last frame (its L* and colour on the film's grid) as an
  // 8-bit sRGB picture of the grid's size: remember() of it goes on from here, as from the
  // frame's own result (to keep with a film stopped part-way; much smaller than the frame).
  // Empty before the first frame.
  Image memory_image() const;

  void forget();
  bool empty() const { return L_.empty(); }
  const FilmOptions& options() const { return options_; }

 private:
  FilmOptions options_;
  Plane L_;      // the last frame's L*
  AbPlanes ab_;  // and its colour
  // Between advance() and blend(): this frame's L*, the last colour moved into it and each
  // pixel's weight (empty at a new shot).
  bool advanced_ = false;
  Plane L_now_;
  AbPlanes moved_;
  Plane weight_;
  std::vector<HeldPoint> held_;
};

// One frame of a film for a caller that runs the method itself (the browser app runs the model
// in JavaScript): `ab` is the method's chroma for `prepared` (this frame, prepared as for
// finish(); any grid finish() takes, usually the working size). Returns the chroma to give
// finish(): at a new shot the method's own `ab` as it is (so the frame is finished exactly as a
// single picture would be), otherwise `ab` brought to the frame's film_grid_for grid
// (upsample_chroma with `finish`'s upsampling) with the frames before carried in (next()).
// Colorizer::colorize_frame does the same for a film without paint. Frames must come in order.
// Errors: as next(); kInvalidArgument (`film` null, empty planes).
Result<AbPlanes> carry_frame(FilmMemory* film, const Prepared& prepared, const AbPlanes& ab,
                             const FinishOptions& finish = {}, FilmStep* step = nullptr);

// carry_frame's first half, for a caller that corrects the colour as it is carried
// (carry_painted_frame, colorize/propagate.h): the film advanced to this frame (its L* on its
// film_grid_for grid) and the method's `ab` brought to that grid.
struct FrameOnGrid {
  FilmStep step;  // what advance() found
  Plane L;        // the frame's L* on its grid
  AbPlanes ab;    // `ab` on that grid (upsample_chroma with `finish`'s upsampling)
};
// Errors: as advance(); kInvalidArgument (`film` null, empty planes).
Result<FrameOnGrid> advance_frame(FilmMemory* film, const Prepared& prepared, const AbPlanes& ab,
                                  const FinishOptions& finish = {});

}  // namespace colorize
