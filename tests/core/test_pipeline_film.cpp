// Colour carried through a film's frames (colorize/film.h): the motion between frames, and
// FilmMemory's blend on synthetic scenes whose true motion and colour are known.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "colorize/color.h"
#include "colorize/film.h"

namespace colorize {
namespace {

// A scene: smooth texture of lightness at scene point (x, y) (any real numbers).
float scene_L(float x, float y) {
  return 50.0f + 18.0f * std::sin(0.21f * x + 0.4f) * std::cos(0.17f * y) +
         12.0f * std::sin(0.07f * x - 0.11f * y) + 6.0f * std::cos(0.43f * y + 0.05f * x);
}

// The scene's true colour: red on the left of x = 60, blue on the right (a soft edge).
float scene_a(float x) { return 30.0f / (1.0f + std::exp((x - 60.0f) / 2.0f)); }
float scene_b(float x) { return -30.0f / (1.0f + std::exp(-(x - 60.0f) / 2.0f)); }

// The frame of a w x h view whose pixel (0, 0) shows scene point (ox, oy).
Plane view_L(int w, int h, float ox, float oy) {
  Plane p(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) p.at(x, y) = scene_L(x + ox, y + oy);
  return p;
}

AbPlanes view_ab(int w, int h, float ox, float da, float db) {
  AbPlanes ab{Plane(w, h), Plane(w, h)};
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      ab.a.at(x, y) = scene_a(x + ox) + da;
      ab.b.at(x, y) = scene_b(x + ox) + db;
    }
  return ab;
}

// Mean |ab - truth| over pixels at least `margin` from the frame's edges.
float mean_error(const AbPlanes& ab, const AbPlanes& truth, int margin) {
  double s = 0;
  int n = 0;
  for (int y = margin; y < ab.a.height - margin; ++y)
    for (int x = margin; x < ab.a.width - margin; ++x) {
      s += std::hypot(ab.a.at(x, y) - truth.a.at(x, y), ab.b.at(x, y) - truth.b.at(x, y));
      ++n;
    }
  return static_cast<float>(s / n);
}

TEST(EstimateMotion, FindsAPanToAFractionOfAPixel) {
  // `to` shows what `from` showed 3.4 pixels to the right and 2 above: to(x) = from(x + v).
  const Plane from = view_L(128, 96, 10.0f, 20.0f);
  const Plane to = view_L(128, 96, 13.4f, 18.0f);
  auto m = estimate_motion(from, to, 24);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_NEAR(m->shift_x, 3.4f, 0.25f);
  EXPECT_NEAR(m->shift_y, -2.0f, 0.25f);
  for (int y = 16; y < 80; y += 7)
    for (int x = 16; x < 112; x += 7) {
      EXPECT_NEAR(m->dx.at(x, y), 3.4f, 0.4f) << x << "," << y;
      EXPECT_NEAR(m->dy.at(x, y), -2.0f, 0.4f) << x << "," << y;
    }
}

TEST(EstimateMotion, FindsAMotionBeyondTheCoarsestLevelsStep) {
  const Plane from = view_L(160, 120, 0.0f, 0.0f);
  const Plane to = view_L(160, 120, -17.0f, 9.0f);
  auto m = estimate_motion(from, to, 24);
  ASSERT_TRUE(m.ok());
  EXPECT_NEAR(m->shift_x, -17.0f, 0.3f);
  EXPECT_NEAR(m->shift_y, 9.0f, 0.3f);
}

TEST(EstimateMotion, RefusesWhatItCannotCompare) {
  const Plane a = view_L(64, 48, 0, 0);
  EXPECT_EQ(estimate_motion(a, view_L(64, 40, 0, 0), 8).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(estimate_motion(view_L(15, 40, 0, 0), view_L(15, 40, 0, 0), 8).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(estimate_motion(a, a, 0).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(estimate_motion(a, a, 65).status().code(), ErrorCode::kInvalidArgument);
}

// A still picture whose method's colour swings between two hues from frame to frame: the
// carried colour changes far less from one frame to the next.
TEST(FilmMemory, StillFramesFlickerLess) {
  const Plane L = view_L(96, 64, 0, 0);
  FilmMemory film;
  AbPlanes last;
  float in_change = 0, out_change = 0;
  for (int t = 0; t < 12; ++t) {
    const AbPlanes ab = view_ab(96, 64, 0, t % 2 ? 10.0f : -10.0f, t % 2 ? -6.0f : 6.0f);
    FilmStep step;
    auto out = film.next(L, ab, &step);
    ASSERT_TRUE(out.ok()) << out.status().to_string();
    EXPECT_EQ(step.new_shot, t == 0) << t;
    if (t > 0) {
      EXPECT_GT(step.matched, 0.99f);
      EXPECT_NEAR(step.shift_x, 0.0f, 0.1f);
    }
    if (t >= 6) {  // once the memory has filled
      in_change +=
          mean_error(ab, view_ab(96, 64, 0, t % 2 ? -10.0f : 10.0f, t % 2 ? 6.0f : -6.0f), 0);
      out_change += mean_error(*out, last, 0);
    }
    last = *out;
  }
  EXPECT_LT(out_change, 0.3f * in_change);
}

// A pan over a scene whose colour is red on one side and blue on the other; the method's
// colour is off by 9 units in another direction each frame (turning by 2.4 radians). The
// carried colour follows the scene (the edge between red and blue stays where the scene has
// it) and is nearer the truth.
TEST(FilmMemory, ColourFollowsThePan) {
  FilmMemory film;
  float in_error = 0, out_error = 0, edge_error = 0, edge_in_error = 0;
  for (int t = 0; t < 16; ++t) {
    const float ox = 2.5f * t;  // the camera moves right: the scene moves left in the frame
    const Plane L = view_L(128, 64, ox, 5.0f);
    const AbPlanes truth = view_ab(128, 64, ox, 0, 0);
    const AbPlanes ab = view_ab(128, 64, ox, 9.0f * std::cos(2.4f * t), 9.0f * std::sin(2.4f * t));
    FilmStep step;
    auto out = film.next(L, ab, &step);
    ASSERT_TRUE(out.ok());
    if (t > 0) {
      EXPECT_NEAR(step.shift_x, 2.5f, 0.3f) << t;
    }
    if (t >= 5) {
      in_error += mean_error(ab, truth, 4);
      out_error += mean_error(*out, truth, 4);
      // The red-blue edge (scene x = 60) in this frame, and 6 pixels either side of it.
      const int edge = static_cast<int>(60.0f - ox);
      if (edge >= 8 && edge < 120) {
        AbPlanes band_out{Plane(13, 56), Plane(13, 56)}, band_in = band_out, band_truth = band_out;
        for (int y = 0; y < 56; ++y)
          for (int x = 0; x < 13; ++x) {
            const int sx = edge - 6 + x, sy = y + 4;
            band_out.a.at(x, y) = out->a.at(sx, sy), band_out.b.at(x, y) = out->b.at(sx, sy);
            band_in.a.at(x, y) = ab.a.at(sx, sy), band_in.b.at(x, y) = ab.b.at(sx, sy);
            band_truth.a.at(x, y) = truth.a.at(sx, sy), band_truth.b.at(x, y) = truth.b.at(sx, sy);
          }
        edge_error += mean_error(band_out, band_truth, 0);
        edge_in_error += mean_error(band_in, band_truth, 0);
      }
    }
  }
  EXPECT_LT(out_error, 0.35f * in_error);
  ASSERT_GT(edge_in_error, 0.0f);
  EXPECT_LT(edge_error, 0.35f * edge_in_error);
}

TEST(FilmMemory, ACutStartsANewShot) {
  FilmMemory film;
  ASSERT_TRUE(film.next(view_L(96, 64, 0, 0), view_ab(96, 64, 0, 5, 5)).ok());
  ASSERT_TRUE(film.next(view_L(96, 64, 1, 0), view_ab(96, 64, 1, 5, 5)).ok());
  // Another scene: lightness unlike the last frame's anywhere.
  Plane other(96, 64);
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 96; ++x) other.at(x, y) = ((x / 5 + y / 7) % 2) ? 95.0f : 5.0f;
  const AbPlanes ab = view_ab(96, 64, 30, -20, 20);
  FilmStep step;
  auto out = film.next(other, ab, &step);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(step.new_shot);
  EXPECT_LT(step.matched, kFilmCutBelow);
  EXPECT_EQ(out->a.data, ab.a.data);
  EXPECT_EQ(out->b.data, ab.b.data);
  // And the shot goes on from there.
  ASSERT_TRUE(film.next(other, view_ab(96, 64, 30, 0, 0), &step).ok());
  EXPECT_FALSE(step.new_shot);
}

// A frame that matches in part but whose lightness does not correlate with the last one's is
// a cut all the same: here the left half is the last frame's and the right half its negative.
TEST(FilmMemory, AFrameThatDoesNotCorrelateIsACut) {
  FilmMemory film;
  const Plane L = view_L(96, 64, 0, 0);
  ASSERT_TRUE(film.next(L, view_ab(96, 64, 0, 5, 5)).ok());
  Plane half_negative = L;
  for (int y = 0; y < 64; ++y)
    for (int x = 48; x < 96; ++x) half_negative.at(x, y) = 100.0f - L.at(x, y);
  FilmStep step;
  const AbPlanes ab = view_ab(96, 64, 0, -5, -5);
  auto out = film.next(half_negative, ab, &step);
  ASSERT_TRUE(out.ok());
  EXPECT_GE(step.matched, kFilmCutBelow);  // the area alone would not call it a cut
  EXPECT_LT(step.correlation, kFilmCutCorrelation);
  EXPECT_TRUE(step.new_shot);
  EXPECT_EQ(out->a.data, ab.a.data);
}

TEST(FilmMemory, ExposureFlickerIsNotAChange) {
  FilmMemory film;
  ASSERT_TRUE(film.next(view_L(96, 64, 0, 0), view_ab(96, 64, 0, 5, 5)).ok());
  Plane brighter = view_L(96, 64, 0, 0);
  for (float& v : brighter.data) v += 8.0f;  // the whole frame lighter: twice `match`
  FilmStep step;
  ASSERT_TRUE(film.next(brighter, view_ab(96, 64, 0, -5, -5), &step).ok());
  EXPECT_FALSE(step.new_shot);
  EXPECT_GT(step.matched, 0.99f);
  // More contrast too (an exposure's gain): L -> 1.2 L - 14, a part of the frame covered.
  Plane contrast = view_L(96, 64, 0, 0);
  for (float& v : contrast.data) v = 1.2f * v - 14.0f;
  for (int y = 0; y < 20; ++y)
    for (int x = 0; x < 20; ++x) contrast.at(x, y) = 99.0f;
  ASSERT_TRUE(film.next(contrast, view_ab(96, 64, 0, 0, 0), &step).ok());
  EXPECT_FALSE(step.new_shot);
  EXPECT_GT(step.matched, 0.85f);
  EXPECT_LT(step.matched, 0.95f);  // the covered part: 400 of 6144 pixels
}

TEST(FilmMemory, NothingCarriedAtCarryZeroOrAcrossASizeChange) {
  FilmOptions o;
  o.carry = 0.0f;
  FilmMemory alone(o);
  FilmMemory film;
  for (int t = 0; t < 3; ++t) {
    const AbPlanes ab = view_ab(96, 64, 0, float(3 * t), 0);
    FilmStep step;
    auto out = alone.next(view_L(96, 64, 0, 0), ab, &step);
    ASSERT_TRUE(out.ok());
    EXPECT_TRUE(step.new_shot);
    EXPECT_EQ(out->a.data, ab.a.data);
    ASSERT_TRUE(film.next(view_L(96, 64, 0, 0), ab).ok());
  }
  const AbPlanes ab = view_ab(80, 64, 0, 7, 7);
  FilmStep step;
  auto out = film.next(view_L(80, 64, 0, 0), ab, &step);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(step.new_shot);
  EXPECT_EQ(out->b.data, ab.b.data);
}

TEST(FilmMemory, RefusesBadOptionsAndPlanes) {
  const Plane L = view_L(64, 48, 0, 0);
  const AbPlanes ab = view_ab(64, 48, 0, 0, 0);
  for (FilmOptions o :
       {FilmOptions{0.96f, 4.0f, 24}, FilmOptions{-0.1f, 4.0f, 24}, FilmOptions{0.8f, 0.0f, 24},
        FilmOptions{0.8f, NAN, 24}, FilmOptions{0.8f, 4.0f, 0}, FilmOptions{0.8f, 4.0f, 65}}) {
    FilmMemory film(o);
    EXPECT_EQ(film.next(L, ab).status().code(), ErrorCode::kInvalidArgument) << o.carry;
  }
  FilmMemory film;
  EXPECT_EQ(film.next(L, view_ab(64, 40, 0, 0, 0)).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(film.next(Plane(), AbPlanes{}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(film.empty());
  EXPECT_EQ(film.remember(Image{}).code(), ErrorCode::kInvalidArgument);
}

// marks += more where marks has none (as add_marks of colorize/propagate.h, not linked here).
void add_marks_for_test(HintPlanes* marks, const HintPlanes& more) {
  for (size_t i = 0; i < marks->mask.size(); ++i)
    if (!(marks->mask.data[i] > 0.5f) && more.mask.data[i] > 0.5f) {
      marks->mask.data[i] = 1.0f;
      marks->ab.a.data[i] = more.ab.a.data[i];
      marks->ab.b.data[i] = more.ab.b.data[i];
    }
}

HintPlanes square_marks(int w, int h, int x0, int y0, int side, float a, float b) {
  HintPlanes m{{Plane(w, h), Plane(w, h)}, Plane(w, h)};
  for (int y = y0; y < y0 + side; ++y)
    for (int x = x0; x < x0 + side; ++x)
      m.mask.at(x, y) = 1, m.ab.a.at(x, y) = a, m.ab.b.at(x, y) = b;
  return m;
}

// Paint held on one frame moves with the scene into the frames after it, keeps its colour,
// and is let go at a cut.
TEST(FilmMemory, HeldPaintFollowsThePanAndGoesAtACut) {
  FilmMemory film;
  ASSERT_TRUE(film.next(view_L(128, 64, 0, 5), view_ab(128, 64, 0, 0, 0)).ok());
  ASSERT_TRUE(film.hold(square_marks(128, 64, 60, 30, 4, 40, -20)).ok());
  EXPECT_EQ(film.held_count(), 16u);
  for (int t = 1; t <= 4; ++t) {
    auto step = film.advance(view_L(128, 64, 2.5f * t, 5));
    ASSERT_TRUE(step.ok());
    EXPECT_FALSE(step->new_shot);
    EXPECT_EQ(step->held, 16u) << t;
    const HintPlanes held = film.held_marks();
    double sx = 0;
    int n = 0;
    for (int y = 0; y < 64; ++y)
      for (int x = 0; x < 128; ++x)
        if (held.mask.at(x, y) > 0.5f) {
          sx += x, ++n;
          EXPECT_EQ(held.ab.a.at(x, y), 40.0f);
          EXPECT_EQ(held.ab.b.at(x, y), -20.0f);
        }
    ASSERT_GT(n, 8) << t;                           // points may share a pixel, none is lost
    EXPECT_NEAR(sx / n, 61.5 - 2.5 * t, 0.8) << t;  // the square's centre, moved with the scene
    ASSERT_TRUE(film.blend(view_ab(128, 64, 2.5f * t, 0, 0)).ok());
  }
  Plane other(128, 64);
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 128; ++x) other.at(x, y) = ((x / 5 + y / 7) % 2) ? 95.0f : 5.0f;
  auto step = film.advance(other);
  ASSERT_TRUE(step.ok());
  EXPECT_TRUE(step->new_shot);
  EXPECT_EQ(film.held_count(), 0u);
}

// Where the picture under held paint changed (something came in front), the paint is let go;
// elsewhere it stays.
TEST(FilmMemory, PaintWhereThePictureChangedIsLetGo) {
  FilmMemory film;
  const Plane L = view_L(128, 64, 0, 0);
  ASSERT_TRUE(film.next(L, view_ab(128, 64, 0, 0, 0)).ok());
  HintPlanes marks = square_marks(128, 64, 20, 20, 4, 30, 30);
  add_marks_for_test(&marks, square_marks(128, 64, 90, 20, 4, -30, 30));
  ASSERT_TRUE(film.hold(marks).ok());
  Plane covered = L;
  for (int y = 14; y < 30; ++y)
    for (int x = 84; x < 100; ++x) covered.at(x, y) = 99.0f;  // a white card over the second
  auto step = film.advance(covered);
  ASSERT_TRUE(step.ok());
  EXPECT_EQ(step->held, 16u);  // the first square's
  const HintPlanes held = film.held_marks();
  EXPECT_GT(held.mask.at(21, 21), 0.5f);
  EXPECT_EQ(held.mask.at(91, 21), 0.0f);
}

// The paint held, kept beside a film stopped part-way and put back on a film taken up again
// from its last frame, goes on as it would have.
TEST(FilmMemory, HeldPaintIsKeptAndTakenUpAgain) {
  FilmMemory film;
  ASSERT_TRUE(film.next(view_L(128, 64, 0, 5), view_ab(128, 64, 0, 0, 0)).ok());
  ASSERT_TRUE(film.hold(square_marks(128, 64, 60, 30, 4, 40, -20)).ok());
  ASSERT_TRUE(film.advance(view_L(128, 64, 2.5f, 5)).ok());
  ASSERT_TRUE(film.blend(view_ab(128, 64, 2.5f, 0, 0)).ok());
  const std::vector<FilmMemory::HeldPoint> kept = film.held_points();
  ASSERT_EQ(kept.size(), 16u);

  FilmMemory again;
  EXPECT_EQ(again.hold_points(kept).code(), ErrorCode::kInvalidArgument);  // no frame yet
  ASSERT_TRUE(again.next(view_L(128, 64, 2.5f, 5), view_ab(128, 64, 2.5f, 0, 0)).ok());
  std::vector<FilmMemory::HeldPoint> off = kept;
  off[3].x = 130.0f;
  EXPECT_EQ(again.hold_points(off).code(), ErrorCode::kInvalidArgument);
  off[3] = kept[3];
  off[5].a = std::nanf("");
  EXPECT_EQ(again.hold_points(off).code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(again.hold_points(kept).ok());
  auto a = film.advance(view_L(128, 64, 5.0f, 5)), b = again.advance(view_L(128, 64, 5.0f, 5));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(b->held, a->held);
  EXPECT_EQ(b->held, 16u);
  const HintPlanes ha = film.held_marks(), hb = again.held_marks();
  EXPECT_EQ(ha.mask.data, hb.mask.data);
  EXPECT_EQ(ha.ab.a.data, hb.ab.a.data);
}

// The film's memory as a picture of its grid: remembered, the next frame goes on as from the
// film itself (to 8-bit rounding).
TEST(FilmMemory, ItsMemoryAsAPictureGoesOnAsTheFilm) {
  FilmMemory film;
  EXPECT_TRUE(film.memory_image().empty());
  ASSERT_TRUE(film.next(view_L(128, 64, 0, 5), view_ab(128, 64, 0, 20, -15)).ok());
  const Image memory = film.memory_image();
  ASSERT_EQ(memory.width, 128);
  ASSERT_EQ(memory.height, 64);
  FilmMemory again;
  ASSERT_TRUE(again.remember(memory).ok());
  FilmStep a, b;
  auto x = film.next(view_L(128, 64, 2.5f, 5), view_ab(128, 64, 2.5f, 0, 0), &a);
  auto y = again.next(view_L(128, 64, 2.5f, 5), view_ab(128, 64, 2.5f, 0, 0), &b);
  ASSERT_TRUE(x.ok() && y.ok());
  EXPECT_FALSE(b.new_shot);
  EXPECT_NEAR(b.matched, a.matched, 0.02);
  double err = 0;
  for (size_t i = 0; i < x->a.size(); ++i)
    err += std::abs(x->a.data[i] - y->a.data[i]) + std::abs(x->b.data[i] - y->b.data[i]);
  EXPECT_LT(err / double(2 * x->a.size()), 0.5);
}

TEST(FilmMemory, StepsOutOfOrderAreRefused) {
  FilmMemory film;
  EXPECT_EQ(film.blend(view_ab(64, 48, 0, 0, 0)).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(film.hold(square_marks(64, 48, 0, 0, 2, 1, 1)).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(film.amend(view_ab(64, 48, 0, 0, 0)).code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(film.next(view_L(64, 48, 0, 0), view_ab(64, 48, 0, 0, 0)).ok());
  EXPECT_TRUE(film.amend(view_ab(64, 48, 0, 3, 3)).ok());
  EXPECT_EQ(film.amend(view_ab(64, 40, 0, 3, 3)).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(film.hold(square_marks(60, 48, 0, 0, 2, 1, 1)).code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(film.advance(view_L(64, 48, 1, 0)).ok());
  EXPECT_EQ(film.blend(view_ab(64, 40, 0, 0, 0)).status().code(), ErrorCode::kInvalidArgument);
}

// A result read back (an 8-bit RGB picture) is remembered on its grid as if next() had made
// it: the next frame of the same picture carries its colour.
TEST(FilmMemory, RemembersAResultReadBack) {
  const int w = 96, h = 64;
  Image result = Image::make(w, h, 3, 8);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      // A reddish texture.
      const uint8_t v = static_cast<uint8_t>(std::clamp(scene_L(x, y) * 2.0f, 0.0f, 200.0f));
      uint8_t* p = &result.data8[(size_t(y) * w + x) * 3];
      p[0] = static_cast<uint8_t>(std::min(255, v + 50)), p[1] = v, p[2] = v;
    }
  FilmMemory film;
  ASSERT_TRUE(film.remember(result).ok());
  EXPECT_FALSE(film.empty());
  const Size g = film_grid_for(w, h);
  ASSERT_EQ(g.width, w);  // small pictures are not enlarged
  Plane L, a, b;
  image_to_lab(result, &L, &a, &b);
  const AbPlanes grey{Plane(w, h), Plane(w, h)};
  FilmStep step;
  auto out = film.next(L, grey, &step);
  ASSERT_TRUE(out.ok());
  EXPECT_FALSE(step.new_shot);
  // carry 0.8 of the remembered a* (about 20 and more) where the picture matches itself.
  double mean_a = 0;
  for (size_t i = 0; i < out->a.size(); ++i) mean_a += out->a.data[i] - 0.8 * a.data[i];
  EXPECT_NEAR(mean_a / double(out->a.size()), 0.0, 0.5);
  film.forget();
  EXPECT_TRUE(film.empty());
}

}  // namespace
}  // namespace colorize
