// Colour from marks (Levin et al. 2004) and corrections by marks: colour fills the region a
// mark lies in and stops at edges of lightness; marks are kept; the screened correction
// fades with distance and leaves unmarked regions alone; marks read from a painted copy;
// the solver at its default tolerance agrees with a tightly converged one; errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "colorize/color.h"
#include "colorize/propagate.h"

using namespace colorize;

namespace {

HintPlanes no_marks(int w, int h) { return HintPlanes{{Plane(w, h), Plane(w, h)}, Plane(w, h)}; }

void mark(HintPlanes* m, int x0, int y0, int x1, int y1, float a, float b) {
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) {
      m->mask.at(x, y) = 1.0f;
      m->ab.a.at(x, y) = a;
      m->ab.b.at(x, y) = b;
    }
}

uint32_t lcg(uint32_t* s) {
  *s = *s * 1664525u + 1013904223u;
  return *s >> 8;
}

// Two flat halves (left L* 30, right L* 70) with a little noise (+-0.5).
Plane two_halves(int w, int h) {
  Plane L(w, h);
  uint32_t s = 7;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      L.at(x, y) = (x < w / 2 ? 30.0f : 70.0f) + (lcg(&s) % 1000) / 1000.0f - 0.5f;
  return L;
}

constexpr float kBlueA = 10, kBlueB = -40, kRedA = 50, kRedB = 30;

}  // namespace

TEST(PropagateMarks, OneMarkColoursEverythingReachable) {
  Plane L(40, 30);
  for (int y = 0; y < 30; ++y)
    for (int x = 0; x < 40; ++x) L.at(x, y) = 20.0f + x + 0.5f * y;  // a smooth ramp
  HintPlanes m = no_marks(40, 30);
  mark(&m, 5, 5, 6, 6, kRedA, kRedB);
  auto ab = propagate_marks(L, m);
  ASSERT_TRUE(ab.ok()) << ab.status().to_string();
  for (size_t i = 0; i < L.size(); ++i) {
    EXPECT_NEAR(ab->a.data[i], kRedA, 0.05f);
    EXPECT_NEAR(ab->b.data[i], kRedB, 0.05f);
  }
}

TEST(PropagateMarks, AnEdgeOfLightnessStopsTheColour) {
  const int w = 64, h = 48;
  HintPlanes m = no_marks(w, h);
  mark(&m, 4, 20, 7, 23, kBlueA, kBlueB);  // on the dark half
  mark(&m, 57, 20, 60, 23, kRedA, kRedB);  // on the light half
  auto ab = propagate_marks(two_halves(w, h), m);
  ASSERT_TRUE(ab.ok()) << ab.status().to_string();
  // Each half takes its own mark's colour right up to the edge (columns 31 and 32).
  for (int y = 0; y < h; ++y) {
    for (int x : {0, 20, 31}) {
      EXPECT_NEAR(ab->a.at(x, y), kBlueA, 2.0f) << x << "," << y;
      EXPECT_NEAR(ab->b.at(x, y), kBlueB, 2.0f) << x << "," << y;
    }
    for (int x : {32, 45, 63}) {
      EXPECT_NEAR(ab->a.at(x, y), kRedA, 2.0f) << x << "," << y;
      EXPECT_NEAR(ab->b.at(x, y), kRedB, 2.0f) << x << "," << y;
    }
  }
  // Without the edge the same marks blend across the middle.
  auto flat = propagate_marks(Plane(w, h, 50.0f), m);
  ASSERT_TRUE(flat.ok());
  EXPECT_GT(flat->a.at(31, 24), kBlueA + 10.0f);
  EXPECT_LT(flat->a.at(32, 24), kRedA - 10.0f);
}

TEST(PropagateMarks, AClosedOutlineKeepsItsInsideApart) {
  // A light disc inside a dark ring on a light ground: the ring separates the two light
  // regions although they have the same lightness.
  const int w = 60, h = 60;
  Plane L(w, h, 80.0f);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const float r = std::hypot(x - 30.0f, y - 30.0f);
      if (r >= 14.0f && r < 17.0f) L.at(x, y) = 15.0f;
    }
  HintPlanes m = no_marks(w, h);
  mark(&m, 29, 29, 31, 31, kRedA, kRedB);  // the disc
  mark(&m, 2, 2, 4, 4, kBlueA, kBlueB);    // the ground
  auto ab = propagate_marks(L, m);
  ASSERT_TRUE(ab.ok());
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const float r = std::hypot(x - 30.0f, y - 30.0f);
      if (r < 12.0f) {
        EXPECT_NEAR(ab->a.at(x, y), kRedA, 2.0f) << x << "," << y;
      } else if (r > 19.0f) {
        EXPECT_NEAR(ab->a.at(x, y), kBlueA, 2.0f) << x << "," << y;
      }
    }
}

TEST(PropagateMarks, KeepsMarksAndStaysBetweenThem) {
  const int w = 50, h = 40;
  Plane L(w, h);
  uint32_t s = 3;
  for (float& v : L.data) v = static_cast<float>(lcg(&s) % 10000) / 100.0f;  // noise 0..100
  HintPlanes m = no_marks(w, h);
  mark(&m, 3, 3, 5, 5, kBlueA, kBlueB);
  mark(&m, 40, 30, 43, 32, kRedA, kRedB);
  mark(&m, 20, 10, 21, 11, -30.0f, 20.0f);
  auto ab = propagate_marks(L, m);
  ASSERT_TRUE(ab.ok());
  for (size_t i = 0; i < L.size(); ++i) {
    if (m.mask.data[i] > 0.5f) {
      EXPECT_EQ(ab->a.data[i], m.ab.a.data[i]);
      EXPECT_EQ(ab->b.data[i], m.ab.b.data[i]);
    }
    // A weighted mean of neighbours everywhere else: never outside the marks' range.
    EXPECT_GE(ab->a.data[i], -30.0f - 0.01f);
    EXPECT_LE(ab->a.data[i], kRedA + 0.01f);
    EXPECT_GE(ab->b.data[i], kBlueB - 0.01f);
    EXPECT_LE(ab->b.data[i], kRedB + 0.01f);
  }
}

TEST(PropagateMarks, DefaultToleranceAgreesWithATightSolve) {
  // A picture-like plane (smooth shapes, edges, noise) at a working size; few marks.
  const int w = 192, h = 128;
  Plane L(w, h);
  uint32_t s = 11;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      float v = 40.0f + 25.0f * std::sin(x * 0.05f) * std::cos(y * 0.07f);
      if ((x - 120) * (x - 120) + (y - 60) * (y - 60) < 900) v += 30.0f;
      L.at(x, y) = v + (lcg(&s) % 100) / 100.0f;
    }
  HintPlanes m = no_marks(w, h);
  mark(&m, 10, 10, 14, 14, kBlueA, kBlueB);
  mark(&m, 118, 58, 122, 62, kRedA, kRedB);
  mark(&m, 180, 110, 184, 114, -20.0f, 40.0f);
  auto quick = propagate_marks(L, m);
  PropagateOptions tight;
  tight.tolerance = 1e-6f;
  tight.max_iterations = 100000;
  auto exact = propagate_marks(L, m, tight);
  ASSERT_TRUE(quick.ok() && exact.ok());
  float worst = 0.0f;
  for (size_t i = 0; i < L.size(); ++i) {
    worst = std::max(worst, std::fabs(quick->a.data[i] - exact->a.data[i]));
    worst = std::max(worst, std::fabs(quick->b.data[i] - exact->b.data[i]));
  }
  EXPECT_LT(worst, 0.3f);  // a*b* units: well below what the eye tells apart
}

// A hint on the marks grid covers what the model's 3 x 3 working pixels cover.
TEST(PropagateMarks, HintRadiusOnTheGrid) {
  EXPECT_EQ(hint_radius_on_grid(384, 256, 384, 256), 1);  // the same grid: 3 x 3
  EXPECT_EQ(hint_radius_on_grid(384, 256, 128, 96), 4);   // 3x finer: 9 x 9
  EXPECT_EQ(hint_radius_on_grid(384, 256, 256, 160), 2);  // 1.5x finer: 4.5 -> 5 x 5
  EXPECT_EQ(hint_radius_on_grid(64, 48, 128, 96), 1);     // coarser: never below 1
}

TEST(PropagateMarks, Deterministic) {
  HintPlanes m = no_marks(64, 48);
  mark(&m, 4, 20, 7, 23, kBlueA, kBlueB);
  mark(&m, 57, 20, 60, 23, kRedA, kRedB);
  const Plane L = two_halves(64, 48);
  auto one = propagate_marks(L, m);
  auto two = propagate_marks(L, m);
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_EQ(one->a.data, two->a.data);
  EXPECT_EQ(one->b.data, two->b.data);
}

TEST(CorrectWithMarks, NoMarkLeavesTheBaseAlone) {
  const Plane L = two_halves(32, 24);
  AbPlanes base{Plane(32, 24, 7.0f), Plane(32, 24, -3.0f)};
  base.a.at(5, 5) = 40.0f;
  auto out = correct_with_marks(L, base, no_marks(32, 24));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->a.data, base.a.data);
  EXPECT_EQ(out->b.data, base.b.data);
}

TEST(CorrectWithMarks, RepaintsTheMarkedRegionOnly) {
  // A base that painted the whole dark half orange (a blotch) and the light half blue: grey
  // paint over most of the dark half removes the orange there and leaves the light half's blue.
  const int w = 64, h = 48;
  const Plane L = two_halves(w, h);
  AbPlanes base{Plane(w, h), Plane(w, h)};
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      base.a.at(x, y) = x < w / 2 ? 25.0f : kBlueA;
      base.b.at(x, y) = x < w / 2 ? 45.0f : kBlueB;
    }
  HintPlanes m = no_marks(w, h);
  mark(&m, 6, 6, 26, 42, 0.0f, 0.0f);  // paint over most of the blotch
  PropagateOptions o;
  o.reach = 0.5f;  // 32 pixels: the width of the half
  auto out = correct_with_marks(L, base, m, o);
  ASSERT_TRUE(out.ok());
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w / 2; ++x) {
      EXPECT_LT(std::hypot(out->a.at(x, y), out->b.at(x, y)), 8.0f) << x << "," << y;
    }
    for (int x = w / 2; x < w; ++x) {
      // Some of the change (45 units of b*) leaks through the edge: under 6 %.
      EXPECT_NEAR(out->a.at(x, y), kBlueA, 2.5f) << x << "," << y;
      EXPECT_NEAR(out->b.at(x, y), kBlueB, 2.5f) << x << "," << y;
    }
  }
}

TEST(CorrectWithMarks, TheChangeFadesWithDistance) {
  const int w = 200, h = 40;
  const Plane L(w, h, 50.0f);
  AbPlanes base{Plane(w, h, 20.0f), Plane(w, h, 20.0f)};
  HintPlanes m = no_marks(w, h);
  mark(&m, 0, 0, 2, h, -20.0f, 20.0f);  // a* 20 -> -20 along the left edge
  PropagateOptions o;
  o.reach = 0.1f;  // 20 pixels
  auto out = correct_with_marks(L, base, m, o);
  ASSERT_TRUE(out.ok());
  float prev = -1e9f;
  for (int x = 2; x < w; ++x) {
    const float a = out->a.at(x, h / 2);
    EXPECT_GE(a, prev - 1e-3f) << x;  // the change only shrinks away from the mark
    prev = a;
  }
  EXPECT_LT(out->a.at(4, h / 2), 0.0f);                // near: most of the change
  EXPECT_NEAR(out->a.at(w - 1, h / 2), 20.0f, 0.1f);   // ten reaches away: the base
  EXPECT_NEAR(out->b.at(w / 2, h / 2), 20.0f, 1e-3f);  // b* was not changed by the mark
}

TEST(MarksFromImage, PaintedPixelsBecomeMarksOnTheGrid) {
  // A sepia-toned "print" (every pixel has some chroma) with red paint in a square and a
  // neutral grey stroke one pixel wide; the grid is a quarter of the size.
  const int W = 80, H = 60;
  Image print = Image::make(W, H, 3, 8), painted;
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x) {
      uint8_t* p = &print.data8[(static_cast<size_t>(y) * W + x) * 3];
      const int v = 60 + x * 2;
      p[0] = static_cast<uint8_t>(std::min(255, v + 20));
      p[1] = static_cast<uint8_t>(v + 8);
      p[2] = static_cast<uint8_t>(v);
    }
  painted = print;
  auto put = [&](int x, int y, uint8_t r, uint8_t g, uint8_t b) {
    uint8_t* p = &painted.data8[(static_cast<size_t>(y) * W + x) * 3];
    p[0] = r;
    p[1] = g;
    p[2] = b;
  };
  for (int y = 8; y < 16; ++y)
    for (int x = 8; x < 16; ++x) put(x, y, 200, 30, 30);
  for (int y = 30; y < 50; ++y) put(61, y, 128, 128, 128);
  auto m = marks_from_image(print, painted, 20, 15);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  const Lab red = srgb_to_lab({200 / 255.0f, 30 / 255.0f, 30 / 255.0f});
  for (int gy = 0; gy < 15; ++gy)
    for (int gx = 0; gx < 20; ++gx) {
      const bool in_square = gx >= 2 && gx < 4 && gy >= 2 && gy < 4;
      const bool on_stroke = gx == 15 && gy >= 7 && gy < 13;  // x 61 -> 15, y 30..49 -> 7..12
      EXPECT_EQ(m->mask.at(gx, gy) > 0.5f, in_square || on_stroke) << gx << "," << gy;
      if (in_square) {
        EXPECT_NEAR(m->ab.a.at(gx, gy), red.a, 0.5f);
        EXPECT_NEAR(m->ab.b.at(gx, gy), red.b, 0.5f);
      }
      if (on_stroke) {
        EXPECT_NEAR(m->ab.a.at(gx, gy), 0.0f, 0.5f);  // grey paint: "no colour here"
        EXPECT_NEAR(m->ab.b.at(gx, gy), 0.0f, 0.5f);
      }
    }
  EXPECT_EQ(count_marks(*m), 4u + 6u);
  // An unpainted copy has no marks.
  auto none = marks_from_image(print, print, 20, 15);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(count_marks(*none), 0u);
}

TEST(MarksFromImage, TheThresholdIgnoresSmallDifferences) {
  Image grey = Image::make(10, 10, 1, 8), noisy = Image::make(10, 10, 1, 8);
  for (size_t i = 0; i < grey.data8.size(); ++i) {
    grey.data8[i] = 100;
    noisy.data8[i] = static_cast<uint8_t>(100 + (i % 5));  // up to ~1.7 L* (re-saving noise)
  }
  noisy.data8[55] = 180;  // a clear grey mark
  auto m = marks_from_image(grey, noisy, 10, 10);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(count_marks(*m), 1u);
  EXPECT_GT(m->mask.data[55], 0.5f);
}

TEST(MarksFromLayer, OpaquePixelsOfAPaintLayerAreMarks) {
  Image layer = Image::make(6, 4, 4, 8);  // transparent everywhere
  auto put = [&](int x, int y, uint8_t r, uint8_t g, uint8_t b, uint8_t a) {
    uint8_t* p = &layer.data8[(static_cast<size_t>(y) * 6 + x) * 4];
    p[0] = r;
    p[1] = g;
    p[2] = b;
    p[3] = a;
  };
  put(1, 1, 30, 90, 200, 255);
  put(2, 1, 30, 90, 200, 128);    // half covered: counts
  put(3, 1, 200, 20, 20, 127);    // less than half: not a mark
  put(4, 2, 128, 128, 128, 255);  // grey paint: a mark of no colour
  auto m = marks_from_layer(layer);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(count_marks(*m), 3u);
  const Lab blue = srgb_to_lab({30 / 255.0f, 90 / 255.0f, 200 / 255.0f});
  EXPECT_NEAR(m->ab.a.at(1, 1), blue.a, 0.05f);
  EXPECT_NEAR(m->ab.b.at(2, 1), blue.b, 0.05f);
  EXPECT_EQ(m->mask.at(3, 1), 0.0f);
  EXPECT_NEAR(m->ab.a.at(4, 2), 0.0f, 0.05f);
  EXPECT_GT(m->mask.at(4, 2), 0.5f);
  // Without alpha every pixel is a mark.
  auto all = marks_from_layer(Image::make(3, 2, 3, 8));
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(count_marks(*all), 6u);
  EXPECT_FALSE(marks_from_layer(Image{}).ok());
}

TEST(AddMarks, TheFirstMarksWin) {
  HintPlanes m = no_marks(4, 4), more = no_marks(4, 4);
  mark(&m, 0, 0, 2, 2, 10, 20);
  mark(&more, 1, 1, 3, 3, -5, -6);
  ASSERT_TRUE(add_marks(&m, more).ok());
  EXPECT_EQ(count_marks(m), 7u);
  EXPECT_EQ(m.ab.a.at(1, 1), 10.0f);  // both: the first
  EXPECT_EQ(m.ab.b.at(2, 2), -6.0f);  // only the added
  EXPECT_EQ(m.mask.at(3, 3), 0.0f);
  EXPECT_FALSE(add_marks(&m, no_marks(3, 4)).ok());
}

TEST(Propagate, Errors) {
  const Plane L = two_halves(16, 16);
  HintPlanes m = no_marks(16, 16);
  auto none = propagate_marks(L, m);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(none.status().message().find("no pixel is marked"), std::string::npos);
  mark(&m, 1, 1, 2, 2, 10, 10);
  EXPECT_FALSE(propagate_marks(Plane(), m).ok());
  EXPECT_FALSE(propagate_marks(two_halves(16, 15), m).ok());
  PropagateOptions o;
  o.tolerance = 0.0f;
  EXPECT_FALSE(propagate_marks(L, m, o).ok());
  o = PropagateOptions{};
  o.max_iterations = 0;
  EXPECT_FALSE(propagate_marks(L, m, o).ok());
  o = PropagateOptions{};
  o.reach = 0.0f;
  EXPECT_FALSE(correct_with_marks(L, AbPlanes{Plane(16, 16), Plane(16, 16)}, m, o).ok());
  EXPECT_FALSE(correct_with_marks(L, AbPlanes{Plane(8, 8), Plane(8, 8)}, m).ok());
  // Non-finite lightness or marks do not poison the result.
  Plane Lnan = L;
  Lnan.at(3, 3) = std::nanf("");
  HintPlanes mnan = m;
  mark(&mnan, 9, 9, 10, 10, std::nanf(""), 5.0f);
  auto ab = propagate_marks(Lnan, mnan);
  ASSERT_TRUE(ab.ok());
  for (float v : ab->a.data) EXPECT_TRUE(std::isfinite(v));
  Image a = Image::make(4, 4, 1, 8), b = Image::make(5, 4, 1, 8);
  auto mi = marks_from_image(a, b, 4, 4);
  ASSERT_FALSE(mi.ok());
  EXPECT_NE(mi.status().message().find("same size"), std::string::npos);
  EXPECT_FALSE(marks_from_image(a, a, 0, 4).ok());
  EXPECT_FALSE(marks_from_image(a, a, 4, 4, 0.0f).ok());
}
