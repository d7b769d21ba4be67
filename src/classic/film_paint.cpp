// Paint on a film's frames (colorize/propagate.h, "Films"): the film's carried colour corrected
// by the user's marks, and the paint held for the frames after.
#include <utility>

#include "colorize/film.h"
#include "colorize/propagate.h"

namespace colorize {

Result<AbPlanes> carry_marked(FilmMemory* film, const Plane& L_grid, const AbPlanes& on_grid,
                              const HintPlanes& marks, const HintPlanes* hold,
                              const PropagateOptions& options) {
  if (!film) return Status(ErrorCode::kInvalidArgument, "carry_marked needs a film");
  HintPlanes all = film->held_marks();
  if (!marks.mask.empty()) {
    all = marks;
    const Status st = add_marks(&all, film->held_marks());  // this frame's own win
    if (!st.ok()) return st;
  }
  auto out = film->blend(on_grid);
  if (!out.ok()) return out.status();
  if (count_marks(all) > 0) {
    out = correct_with_marks(L_grid, *out, all, options);
    if (!out.ok()) return out.status();
    const Status st = film->amend(*out);
    if (!st.ok()) return st;
  }
  if (hold) {
    const Status st = film->hold(*hold);
    if (!st.ok()) return st;
  }
  return out;
}

Result<AbPlanes> carry_painted_frame(FilmMemory* film, const Prepared& prepared, const AbPlanes& ab,
                                     const HintPlanes& paint, const PropagateOptions& options,
                                     const FinishOptions& finish, FilmStep* step) {
  auto f = advance_frame(film, prepared, ab, finish);
  if (!f.ok()) return f.status();
  if (step) *step = f->step;
  const bool painted = !paint.mask.empty() && count_marks(paint) > 0;
  auto out = carry_marked(film, f->L, f->ab, paint, painted ? &paint : nullptr, options);
  if (!out.ok()) return out.status();
  // A new shot holds no paint from before: unpainted, it is finished exactly as a single
  // picture would be (as carry_frame does).
  if (f->step.new_shot && !painted) return ab;
  return out;
}

}  // namespace colorize
