// colorize — colour from the user's marks, spread along the picture's lightness (after Levin,
// Lischinski & Weiss 2004, "Colorization using optimization").
//
// Marks are pixels whose a*b* the user fixes (colour scribbles painted on a copy of the
// photo, or hint points). With B a starting chroma (none: 0) and D = U - B the change made
// to it, every unmarked pixel r takes D(r) such that
//
//   sum over the 8 neighbours s of r of  w_rs (D(r) - D(s))  +  lambda_r D(r)  =  0
//
// while a marked pixel takes D = mark - B. This minimises sum w_rs (D(r) - D(s))^2 + sum
// lambda_r D(r)^2 with the marks held: neighbours of similar lightness get similar colour (or
// change), and colour does not cross edges of lightness.
// Affinities (Levin et al.'s, in L* units): w_rs = exp(-(L_r - L_s)^2 / sigma_r^2) as seen
// from r, with sigma_r^2 = 0.6 x the variance of L* in r's 3x3 window, raised so that r's most
// similar neighbour keeps a weight of at least 0.01, and to at least 1 (Levin et al.'s floor
// is 50 times smaller: here differences under a just-noticeable L* unit count as none); we use
// the geometric mean of the two directions, exp(-(L_r - L_s)^2 (1/sigma_r^2 + 1/sigma_s^2) / 2),
// so that the system is symmetric and solved by conjugate gradients (Levin et al. solve the
// one-sided form directly; the two agree where sigma_r = sigma_s).
//
//   propagate_marks:    B = 0, lambda = 0: colour from the marks alone (Levin et al.).
//   correct_with_marks: B = a colorizer's chroma; lambda_r = (3/8) degree_r / reach^2
//                       (reach in pixels), so that on even lightness a change falls by a
//                       factor e every `reach` pixels (sooner at edges): a mark repaints the
//                       region it lies in, and the rest of the picture keeps B.
//
// Solved by conjugate gradients preconditioned with a multigrid V-cycle (2 x 2 aggregates,
// Galerkin coarse systems, over-corrected; damped Jacobi smoothing), so the number of iterations
// hardly grows with the grid; work and memory grow with its pixel count: run it at a working size
// (a few hundred pixels), then finish() brings the chroma to full resolution. Deterministic; runs
// on the calling thread.
#pragma once

#include "colorize/film.h"
#include "colorize/image.h"
#include "colorize/pipeline.h"
#include "colorize/plane.h"

namespace colorize {

// Marks use HintPlanes (pipeline.h): ab = the marked a*, b* (CIELAB units), mask = 1 where a
// pixel is marked (> 0.5 counts), 0 elsewhere; the same size as the lightness plane.

struct PropagateOptions {
  // correct_with_marks only: how far a correction reaches through regions of even lightness,
  // as a fraction of the grid's longer side (0.01 .. 10).
  float reach = 0.15f;
  int max_iterations = 3000;  // conjugate-gradient iterations (1 .. 100000)
  // Stop when the root mean square of the Jacobi-scaled residual (the change a Jacobi step
  // would make, in a*b* units) falls below this (> 0). At 1e-5 the result is within about
  // 0.05 a*b* units of an exact solve on the 384-pixel grid (bench_marks).
  float tolerance = 1e-5f;
};

// a*b* for lightness L (CIELAB L*, [0, 100]) from the marks alone. Marked pixels keep their
// mark exactly.
// Errors: kInvalidArgument (empty L, marks of another size, no marked pixel, options out of
// range).
Result<AbPlanes> propagate_marks(const Plane& L, const HintPlanes& marks,
                                 const PropagateOptions& options = {});

// `base` (a*b* of L's size, e.g. a model's prediction brought to that size) changed by the
// marks: marked pixels take the mark, the change spreads as above. No marked pixel: base.
// Errors: kInvalidArgument (empty L, base or marks of another size, options out of range).
Result<AbPlanes> correct_with_marks(const Plane& L, const AbPlanes& base, const HintPlanes& marks,
                                    const PropagateOptions& options = {});

// Marks read from a painted copy of the photo: the pixels of `marked` whose colour differs
// from `original`'s by more than `threshold` (CIE76 Delta E, in CIELAB units) are marks, with
// `marked`'s a*b* (so grey paint on a toned print marks "no colour here"). Brought to a
// grid of grid_width x grid_height by area: a grid pixel is marked when any of the pixels it
// covers is, with the mean a*b* of those. `marked` must have `original`'s size (after
// orientation); save it losslessly (PNG): a JPEG's noise around the paint gives stray marks.
// Errors: kInvalidArgument (sizes differ, empty images, grid size < 1, threshold <= 0).
Result<HintPlanes> marks_from_image(const Image& original, const Image& marked, int grid_width,
                                    int grid_height, float threshold = 6.0f);

// Marks read from a paint layer at the grid's own size (e.g. strokes drawn on a transparent
// canvas): the pixels with alpha >= 50 % are marks with their colour (sRGB). A layer without
// alpha marks every pixel.
// Errors: kInvalidArgument (an empty layer).
Result<HintPlanes> marks_from_layer(const Image& layer);

// Adds `more`'s marks to `marks` where `marks` has none (so `marks` wins where both mark).
// Errors: kInvalidArgument (sizes differ).
Status add_marks(HintPlanes* marks, const HintPlanes& more);

// How many pixels of `marks` are marked.
size_t count_marks(const HintPlanes& marks);

// Where the product (the CLI, the web app, colorize::Colorizer) makes corrections by marks: a
// grid of the picture at this longest side (working_size_for), finer than a model's working
// size; colour from marks alone is spread at this working size too.
constexpr int kMarksGridSize = 384;

// The radius (grid pixels, >= 1) of the square a hint marks on a grid of grid_width x
// grid_height when the method ran at work_width x work_height: the same part of the picture as
// the 3 x 3 working pixels a model sees (radius 1 when the two are the same).
int hint_radius_on_grid(int grid_width, int grid_height, int work_width, int work_height);

// ---- Films (colorize/film.h) ------------------------------------------------------------
// Paint on a film's frame holds for the frames after it: FilmMemory moves it along the motion
// (FilmMemory::hold) and lets it go where the picture under it changes or the shot ends.

// A frame's colour after film->advance(L_grid) (L_grid: the frame's L* on its film_grid_for
// grid, the grid of everything here): `on_grid` (the method's colour on that grid) with the
// frames before carried in (FilmMemory::blend), then corrected by `marks` (this frame's paint
// and hints; empty planes: none) and by the paint held from frames before (this frame's marks
// win where both mark) and remembered so (FilmMemory::amend); `hold` (this frame's paint), if
// given, is held for the frames after it. Without any marks: blend's result.
// Errors: FilmMemory's and correct_with_marks's (kInvalidArgument: a film null, planes of
// another size, options out of range).
Result<AbPlanes> carry_marked(FilmMemory* film, const Plane& L_grid, const AbPlanes& on_grid,
                              const HintPlanes& marks, const HintPlanes* hold,
                              const PropagateOptions& options = {});

// carry_frame (colorize/film.h) with the user's paint on this frame: `paint` (marks on the
// frame's film_grid_for grid, e.g. strokes and hints drawn there; empty planes: none)
// corrects this frame's colour with the paint held from frames before, and is held for the
// frames after it (carry_marked). A new shot with no paint and none held gives `ab` as it is,
// as carry_frame does. Frames must come in order.
// Errors: carry_frame's and carry_marked's.
Result<AbPlanes> carry_painted_frame(FilmMemory* film, const Prepared& prepared, const AbPlanes& ab,
                                     const HintPlanes& paint, const PropagateOptions& options = {},
                                     const FinishOptions& finish = {}, FilmStep* step = nullptr);

}  // namespace colorize
