// Pipeline stages: working size, prepare, render_hints, finish. Colour expectations are
// checked through color.h's scalar CIELAB formulas, which finish does not use per pixel.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>

#include "colorize/color.h"
#include "colorize/pipeline.h"
#include "colorize/resample.h"

using namespace colorize;

namespace {

// An image whose pixel (x, y) has the sRGB grey of L* = f(x, y).
Image grey_image(int w, int h, int channels, int depth, const std::function<float(int, int)>& f) {
  Image im = Image::make(w, h, channels, depth);
  const float max_code = depth == 16 ? 65535.0f : 255.0f;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const float v = lab_to_srgb(Lab{f(x, y), 0, 0}).r;
      const float code = std::round(std::min(1.0f, std::max(0.0f, v)) * max_code);
      const size_t i = (static_cast<size_t>(y) * w + x) * channels;
      for (int c = 0; c < channels; ++c) {
        const bool is_alpha = (channels == 2 || channels == 4) && c == channels - 1;
        const float s =
            is_alpha ? static_cast<float>((x * 7 + y * 3) % 256) * max_code / 255.0f : code;
        if (depth == 16) {
          im.data16[i + c] = static_cast<uint16_t>(s);
        } else {
          im.data8[i + c] = static_cast<uint8_t>(s);
        }
      }
    }
  return im;
}

float ramp(int x, int y) { return static_cast<float>((x * 13 + y * 29) % 101); }

Lab pixel_lab(const Image& im, int x, int y) {
  return srgb_to_lab(Rgb{im.sample01(x, y, 0), im.sample01(x, y, 1), im.sample01(x, y, 2)});
}

AbPlanes constant_ab(int w, int h, float a, float b) { return {Plane(w, h, a), Plane(w, h, b)}; }

Prepared prepared_or_die(const Image& im, int working_size = 256) {
  PrepareOptions o;
  o.working_size = working_size;
  auto p = prepare(im, o);
  EXPECT_TRUE(p.ok()) << p.status().to_string();
  return std::move(p.value());
}

}  // namespace

// ---- working_size_for ----

TEST(WorkingSize, LandscapeAndPortraitKeepAspectInMultiplesOf32) {
  const Size l = working_size_for(4000, 3000, 256);
  EXPECT_EQ(l.width, 256);
  EXPECT_EQ(l.height, 192);
  const Size p = working_size_for(3000, 4000, 256);
  EXPECT_EQ(p.width, 192);
  EXPECT_EQ(p.height, 256);
  for (int w : {33, 100, 640, 1023, 1920, 5000}) {
    for (int h : {17, 480, 1080, 2999}) {
      for (int ws : {64, 256, 512}) {
        const Size s = working_size_for(w, h, ws);
        EXPECT_EQ(s.width % 32, 0);
        EXPECT_EQ(s.height % 32, 0);
        EXPECT_GE(std::min(s.width, s.height), 32);
        EXPECT_LE(std::max(s.width, s.height), ws);
        // Aspect: the shorter side is within half a step (16 px) of the exact proportion,
        // unless it had to be raised to the 32 minimum.
        const double longer = std::max(s.width, s.height);
        const double exact = std::min(w, h) * longer / std::max(w, h);
        const int shorter = std::min(s.width, s.height);
        if (shorter > 32) {
          EXPECT_LE(std::fabs(shorter - exact), 16.0) << w << "x" << h;
        }
      }
    }
  }
}

TEST(WorkingSize, SmallImagesAreNotUpscaledBeyondNextMultipleOf32) {
  const Size tiny = working_size_for(10, 10, 256);
  EXPECT_EQ(tiny.width, 32);
  EXPECT_EQ(tiny.height, 32);
  const Size s = working_size_for(40, 20, 256);
  EXPECT_EQ(s.width, 64);
  EXPECT_EQ(s.height, 32);
  const Size wide = working_size_for(1000, 10, 256);
  EXPECT_EQ(wide.width, 256);
  EXPECT_EQ(wide.height, 32);
}

TEST(WorkingSize, RoundsWorkingSizeAndRejectsNonPositive) {
  EXPECT_EQ(working_size_for(4000, 4000, 100).width, 96);
  EXPECT_EQ(working_size_for(4000, 4000, 20).width, 32);
  EXPECT_EQ(working_size_for(0, 10, 256).width, 0);
  EXPECT_EQ(working_size_for(10, -1, 256).height, 0);
}

// ---- prepare ----

TEST(Prepare, SizesAndLightnessRanges) {
  const Image im = grey_image(300, 200, 1, 8, ramp);
  const Prepared p = prepared_or_die(im);
  EXPECT_EQ(p.L_full.width, 300);
  EXPECT_EQ(p.L_full.height, 200);
  EXPECT_EQ(p.L_work.width, 256);
  EXPECT_EQ(p.L_work.height, 160);
  for (float v : p.L_full.data) {
    ASSERT_GE(v, 0.0f);
    ASSERT_LE(v, 100.0f);
  }
  double mf = 0, mw = 0;
  for (float v : p.L_full.data) mf += v;
  for (float v : p.L_work.data) mw += v;
  mf /= p.L_full.size();
  mw /= p.L_work.size();
  EXPECT_NEAR(mw, mf, 0.5);  // area resampling keeps the mean (up to edge weighting)
  // Each pixel's L* matches the L* it was made from (8-bit quantisation: < 0.5).
  for (int y = 0; y < 200; y += 7)
    for (int x = 0; x < 300; x += 5) EXPECT_NEAR(p.L_full.at(x, y), ramp(x, y), 0.5);
}

TEST(Prepare, BlackAndWhiteAndColour) {
  const Prepared black = prepared_or_die(grey_image(40, 30, 1, 8, [](int, int) { return 0.f; }));
  const Prepared white = prepared_or_die(grey_image(40, 30, 3, 16, [](int, int) { return 100.f; }));
  for (float v : black.L_work.data) EXPECT_NEAR(v, 0.0f, 1e-3);
  for (float v : white.L_work.data) EXPECT_NEAR(v, 100.0f, 1e-2);
  Image red = Image::make(8, 8, 3, 8);
  for (size_t i = 0; i < red.data8.size(); i += 3) red.data8[i] = 255;
  const Prepared pr = prepared_or_die(red);
  // Published CIELAB of sRGB red (D65): L* = 53.24.
  EXPECT_NEAR(pr.L_full.at(3, 3), 53.24f, 0.05f);
}

TEST(Prepare, Errors) {
  EXPECT_EQ(prepare(Image()).status().code(), ErrorCode::kInvalidArgument);
  const Image im = grey_image(8, 8, 1, 8, ramp);
  PrepareOptions o;
  o.working_size = 16;
  EXPECT_EQ(prepare(im, o).status().code(), ErrorCode::kInvalidArgument);
  o.working_size = 5000;
  EXPECT_EQ(prepare(im, o).status().code(), ErrorCode::kInvalidArgument);
}

// ---- render_hints ----

TEST(RenderHints, MarksSquaresAtScaledPositions) {
  // 1000x500 original, 100x50 working: (505, 251) -> working pixel (50, 25).
  const HintPlanes hp = render_hints({Hint{505, 251, 30, -20}}, 1000, 500, 100, 50, 1);
  ASSERT_EQ(hp.mask.width, 100);
  ASSERT_EQ(hp.ab.a.height, 50);
  int count = 0;
  for (int y = 0; y < 50; ++y)
    for (int x = 0; x < 100; ++x) {
      const bool inside = std::abs(x - 50) <= 1 && std::abs(y - 25) <= 1;
      EXPECT_EQ(hp.mask.at(x, y), inside ? 1.0f : 0.0f);
      EXPECT_EQ(hp.ab.a.at(x, y), inside ? 30.0f : 0.0f);
      EXPECT_EQ(hp.ab.b.at(x, y), inside ? -20.0f : 0.0f);
      count += inside;
    }
  EXPECT_EQ(count, 9);
}

TEST(RenderHints, CornersClipAndFarEdgeBelongsToLastPixel) {
  const HintPlanes hp =
      render_hints({Hint{0, 0, 1, 1}, Hint{1000, 500, 2, 2}}, 1000, 500, 100, 50, 2);
  float sum = 0;
  for (float v : hp.mask.data) sum += v;
  EXPECT_EQ(sum, 18.0f);  // two 3x3 quarter squares
  EXPECT_EQ(hp.ab.a.at(0, 0), 1.0f);
  EXPECT_EQ(hp.ab.a.at(99, 49), 2.0f);
  EXPECT_EQ(hp.ab.a.at(97, 47), 2.0f);
  EXPECT_EQ(hp.mask.at(96, 49), 0.0f);
}

TEST(RenderHints, NoHintsGiveZeroPlanes) {
  const HintPlanes hp = render_hints({}, 640, 480, 64, 32);
  ASSERT_EQ(hp.mask.size(), 64u * 32u);
  for (float v : hp.mask.data) EXPECT_EQ(v, 0.0f);
}

// ---- finish ----

TEST(Finish, KeepsSizeAlphaAndBitDepth) {
  struct Case {
    int channels, depth, out_channels;
  };
  for (const Case c : {Case{1, 8, 3}, Case{2, 16, 4}, Case{3, 16, 3}, Case{4, 8, 4}}) {
    const Image im = grey_image(70, 45, c.channels, c.depth, ramp);
    const Prepared p = prepared_or_die(im, 32);
    const auto out = finish(im, p, constant_ab(p.L_work.width, p.L_work.height, 10, 20));
    ASSERT_TRUE(out.ok()) << out.status().to_string();
    EXPECT_EQ(out->width, 70);
    EXPECT_EQ(out->height, 45);
    EXPECT_EQ(out->channels, c.out_channels);
    EXPECT_EQ(out->bit_depth, c.depth);
    if (c.out_channels == 4) {
      for (int y = 0; y < 45; ++y)
        for (int x = 0; x < 70; ++x)
          ASSERT_EQ(out->sample01(x, y, 3), im.sample01(x, y, c.channels - 1));
    }
  }
}

TEST(Finish, BandsThroughTheParallelHookGiveTheSameResult) {
  // Taller than one band (64 rows), chroma that varies, both depths, with alpha: the bands
  // run last to first through the hook (threads finish in any order) and the result is the
  // serial one, sample for sample.
  for (const int channels : {1, 2}) {
    for (const int depth : {8, 16}) {
      const Image im = grey_image(90, 300, channels, depth, ramp);
      const Prepared p = prepared_or_die(im, 64);
      AbPlanes ab{Plane(p.L_work.width, p.L_work.height), Plane(p.L_work.width, p.L_work.height)};
      for (size_t i = 0; i < ab.a.size(); ++i) {
        ab.a.data[i] = static_cast<float>(i % 37) * 2.0f - 30.0f;
        ab.b.data[i] = 40.0f - static_cast<float>(i % 23) * 3.0f;
      }
      FinishOptions hooked;
      size_t tasks = 0;
      hooked.parallel_for = [&](size_t n, const std::function<void(size_t)>& body) {
        tasks = n;
        for (size_t i = n; i-- > 0;) body(i);
      };
      const auto a = finish(im, p, ab), b = finish(im, p, ab, hooked);
      ASSERT_TRUE(a.ok() && b.ok());
      EXPECT_EQ(tasks, 5u);  // 300 rows in bands of 64
      EXPECT_EQ(a->data8, b->data8);
      EXPECT_EQ(a->data16, b->data16);
      EXPECT_EQ(b->channels, channels == 2 ? 4 : 3);
    }
  }
}

TEST(Finish, ZeroChromaGivesGreyWithTheOriginalLightness) {
  for (int depth : {8, 16}) {
    const Image im = grey_image(120, 80, 1, depth, ramp);
    const Prepared p = prepared_or_die(im, 64);
    for (Upsampling up : {Upsampling::kGuided, Upsampling::kBilinear}) {
      FinishOptions o;
      o.upsampling = up;
      const auto out = finish(im, p, constant_ab(p.L_work.width, p.L_work.height, 0, 0), o);
      ASSERT_TRUE(out.ok());
      // 16-bit quantisation is far below 0.01 L*; 8-bit rounding moves L* by < 0.5.
      const float tol = depth == 16 ? 0.01f : 0.5f;
      for (int y = 0; y < 80; ++y)
        for (int x = 0; x < 120; ++x) {
          ASSERT_EQ(out->sample01(x, y, 0), out->sample01(x, y, 1));
          ASSERT_EQ(out->sample01(x, y, 1), out->sample01(x, y, 2));
          ASSERT_NEAR(pixel_lab(*out, x, y).L, p.L_full.at(x, y), tol) << x << "," << y;
        }
    }
  }
}

TEST(Finish, SaturationZeroGivesGrey) {
  const Image im = grey_image(64, 64, 1, 8, ramp);
  const Prepared p = prepared_or_die(im, 32);
  AbPlanes ab{Plane(32, 32), Plane(32, 32)};
  for (int i = 0; i < 32 * 32; ++i) {
    ab.a.data[i] = static_cast<float>(i % 60 - 30);
    ab.b.data[i] = static_cast<float>(i % 17 * 3);
  }
  FinishOptions o;
  o.saturation = 0.0f;
  const auto out = finish(im, p, ab, o);
  ASSERT_TRUE(out.ok());
  for (size_t i = 0; i < out->data8.size(); i += 3) {
    ASSERT_EQ(out->data8[i], out->data8[i + 1]);
    ASSERT_EQ(out->data8[i], out->data8[i + 2]);
  }
}

TEST(Finish, InGamutColourIsReproduced) {
  // Uniform L* = 55 and uniform chroma well inside the gamut: every output pixel is that
  // Lab colour, to 8-bit precision.
  const Image im = grey_image(50, 40, 1, 8, [](int, int) { return 55.0f; });
  const Prepared p = prepared_or_die(im, 32);
  for (float sat : {1.0f, 2.0f}) {
    FinishOptions o;
    o.saturation = sat;
    const auto out = finish(im, p, constant_ab(32, 32, 12, -9), o);
    ASSERT_TRUE(out.ok());
    for (int y = 0; y < 40; y += 3)
      for (int x = 0; x < 50; x += 3) {
        const Lab lab = pixel_lab(*out, x, y);
        EXPECT_NEAR(lab.L, p.L_full.at(x, y), 0.5);
        EXPECT_NEAR(lab.a, 12 * sat, 0.8);
        EXPECT_NEAR(lab.b, -9 * sat, 0.8);
      }
  }
}

TEST(Finish, GamutClampKeepsLightnessAndHueAndIsTight) {
  // Chroma far outside the sRGB gamut at every L*: the output must keep L* and the hue
  // angle, and the chroma must be (nearly) the largest that fits.
  const Image im = grey_image(101, 4, 1, 16, [](int x, int) { return static_cast<float>(x); });
  const Prepared p = prepared_or_die(im, 32);
  const float a_in = -130, b_in = 130;
  const auto out = finish(im, p, constant_ab(32, 32, a_in, b_in));
  ASSERT_TRUE(out.ok());
  const double hue_in = std::atan2(b_in, a_in);
  for (int x = 0; x <= 100; ++x) {
    const Lab lab = pixel_lab(*out, x, 1);
    const float L = p.L_full.at(x, 1);
    EXPECT_NEAR(lab.L, L, 0.02) << "L* moved at x = " << x;
    const double chroma = std::hypot(lab.a, lab.b);
    EXPECT_LT(chroma, std::hypot(a_in, b_in));
    if (chroma > 2.0) {
      EXPECT_NEAR(std::atan2(lab.b, lab.a), hue_in, 0.03) << "hue moved at x = " << x;
    }
    if (x > 2 && x < 98) {
      EXPECT_GT(chroma, 2.0);
      // 3% more chroma at the same L* and hue leaves the gamut.
      EXPECT_FALSE(lab_in_srgb_gamut(Lab{L, lab.a * 1.03f, lab.b * 1.03f}))
          << "chroma reduced more than needed at x = " << x;
    }
  }
}

TEST(Finish, ConstantChromaStaysConstantOnTexture) {
  // The guide's texture must not leak into a chroma that carries no structure.
  uint32_t seed = 99;
  const Image im = grey_image(160, 120, 1, 16, [&](int, int) {
    seed = seed * 1664525u + 1013904223u;
    return 30.0f + 40.0f * static_cast<float>(seed >> 8) / static_cast<float>(1u << 24);
  });
  const Prepared p = prepared_or_die(im, 64);
  const auto out = finish(im, p, constant_ab(p.L_work.width, p.L_work.height, -15, 25));
  ASSERT_TRUE(out.ok());
  for (int y = 0; y < 120; ++y)
    for (int x = 0; x < 160; ++x) {
      const Lab lab = pixel_lab(*out, x, y);
      ASSERT_NEAR(lab.a, -15, 0.1);
      ASSERT_NEAR(lab.b, 25, 0.1);
      ASSERT_NEAR(lab.L, p.L_full.at(x, y), 0.02);
    }
}

TEST(Finish, ChromaAtAnotherSizeIsAccepted) {
  const Image im = grey_image(200, 100, 3, 8, ramp);
  const Prepared p = prepared_or_die(im);
  const auto out = finish(im, p, constant_ab(13, 9, 5, 5));
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ(out->width, 200);
  const Lab lab = pixel_lab(*out, 100, 50);
  EXPECT_NEAR(lab.a, 5, 0.8);
  EXPECT_NEAR(lab.b, 5, 0.8);
  // A single chroma value colours the whole image.
  for (Upsampling up : {Upsampling::kGuided, Upsampling::kBilinear}) {
    FinishOptions o;
    o.upsampling = up;
    const auto one = finish(im, p, constant_ab(1, 1, -8, 12), o);
    ASSERT_TRUE(one.ok());
    for (int y = 0; y < 100; y += 9)
      for (int x = 0; x < 200; x += 9) {
        const float L = p.L_full.at(x, y);
        if (L < 15 || L > 85) continue;  // near black / white this chroma leaves the gamut
        ASSERT_TRUE(lab_in_srgb_gamut(Lab{L, -8, 12}));
        const Lab c = pixel_lab(*one, x, y);
        EXPECT_NEAR(c.a, -8, 0.8);
        EXPECT_NEAR(c.b, 12, 0.8);
      }
  }
}

TEST(Finish, Errors) {
  const Image im = grey_image(64, 48, 1, 8, ramp);
  const Prepared p = prepared_or_die(im, 32);
  const AbPlanes ab = constant_ab(32, 32, 0, 0);
  const auto code = [](const Result<Image>& r) { return r.status().code(); };
  EXPECT_EQ(code(finish(Image(), p, ab)), ErrorCode::kInvalidArgument);
  const Image other = grey_image(63, 48, 1, 8, ramp);
  EXPECT_EQ(code(finish(other, p, ab)), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code(finish(im, p, AbPlanes{})), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code(finish(im, p, AbPlanes{Plane(32, 32), Plane(31, 32)})),
            ErrorCode::kInvalidArgument);
  for (float s : {-0.1f, 4.5f, std::nanf("")}) {
    FinishOptions o;
    o.saturation = s;
    EXPECT_EQ(code(finish(im, p, ab, o)), ErrorCode::kInvalidArgument) << s;
  }
  // The message names the value as given, to two decimals.
  const auto message = [&](float s) {
    FinishOptions o;
    o.saturation = s;
    return finish(im, p, ab, o).status().message();
  };
  EXPECT_EQ(message(4.5f), "saturation 4.50 is outside [0, 4]");
  EXPECT_EQ(message(-0.125f), "saturation -0.13 is outside [0, 4]");
  EXPECT_EQ(message(-0.001f), "saturation 0.00 is outside [0, 4]");
  EXPECT_EQ(message(1234.5f), "saturation 1234.50 is outside [0, 4]");
  EXPECT_EQ(message(std::nanf("")), "saturation NaN is outside [0, 4]");
  EXPECT_EQ(message(-INFINITY), "saturation -infinity is outside [0, 4]");
  FinishOptions o;
  o.guided_eps = 0;
  EXPECT_EQ(code(finish(im, p, ab, o)), ErrorCode::kInvalidArgument);
}

TEST(Finish, NonFiniteChromaBecomesGreyNotGarbage) {
  const Image im = grey_image(32, 32, 1, 8, [](int, int) { return 50.0f; });
  const Prepared p = prepared_or_die(im, 32);
  AbPlanes ab = constant_ab(32, 32, 0, 0);
  ab.a.at(5, 5) = std::nanf("");
  ab.b.at(9, 9) = INFINITY;
  const auto out = finish(im, p, ab);
  ASSERT_TRUE(out.ok());
  for (size_t i = 0; i < out->data8.size(); i += 3) {
    ASSERT_EQ(out->data8[i], out->data8[i + 1]);
    ASSERT_EQ(out->data8[i], out->data8[i + 2]);
  }
}

// ---- upsample_chroma ----

TEST(UpsampleChroma, AtFullSizeIsTheChromaFinishRenders) {
  // A 16-bit textured picture and a chroma with structure: at the full-resolution L*,
  // upsample_chroma gives the a*b* finish puts on each pixel (in gamut, 16-bit rounding).
  const Image im = grey_image(150, 100, 1, 16, [](int x, int y) {
    return 35.0f + 30.0f * ((x / 10 + y / 15) % 2) + 0.1f * x;
  });
  const Prepared p = prepared_or_die(im, 64);
  AbPlanes ab{Plane(p.L_work.width, p.L_work.height), Plane(p.L_work.width, p.L_work.height)};
  for (int y = 0; y < ab.a.height; ++y)
    for (int x = 0; x < ab.a.width; ++x) {
      ab.a.at(x, y) = 0.3f * p.L_work.at(x, y) - 10.0f + 0.2f * y;
      ab.b.at(x, y) = 12.0f - 0.3f * x;
    }
  for (Upsampling up : {Upsampling::kGuided, Upsampling::kBilinear}) {
    FinishOptions o;
    o.upsampling = up;
    const auto full = upsample_chroma(p, ab, p.L_full, o);
    const auto out = finish(im, p, ab, o);
    ASSERT_TRUE(full.ok() && out.ok()) << full.status().to_string();
    ASSERT_EQ(full->a.width, 150);
    ASSERT_EQ(full->a.height, 100);
    int compared = 0;
    for (int y = 0; y < 100; ++y)
      for (int x = 0; x < 150; ++x) {
        const Lab want{p.L_full.at(x, y), full->a.at(x, y), full->b.at(x, y)};
        if (!lab_in_srgb_gamut(want, -0.01f)) continue;
        const Lab got = pixel_lab(*out, x, y);
        ASSERT_NEAR(got.a, want.a, 0.05) << x << "," << y;
        ASSERT_NEAR(got.b, want.b, 0.05) << x << "," << y;
        ++compared;
      }
    EXPECT_GT(compared, 10000);
  }
  // Any other size; errors.
  const Plane L_mid = resize_area(p.L_full, 75, 50);
  const auto mid = upsample_chroma(p, ab, L_mid);
  ASSERT_TRUE(mid.ok());
  EXPECT_EQ(mid->a.width, 75);
  EXPECT_FALSE(upsample_chroma(p, AbPlanes{}, L_mid).ok());
  EXPECT_FALSE(upsample_chroma(p, ab, Plane()).ok());
}
