// colorize::Colorizer (colorize/colorizer.h): the one call an embedding program makes, on the
// committed tiny model and photos.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "../colour_stats.h"
#include "colorize/color.h"
#include "colorize/colorizer.h"
#include "colorize/exemplar.h"
#include "colorize/film.h"
#include "colorize/image.h"
#include "colorize/manifest.h"
#include "colorize/metrics.h"
#include "colorize/propagate.h"

namespace colorize {
namespace {

using colour_stats::mean_ab;
using colour_stats::mean_chroma;

const std::string kData = std::string(COLORIZE_TEST_DATA_DIR) + "/data";
const std::string kTinyModel = kData + "/models/tiny_colorizer.onnx";

Image load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
  auto img = decode_image(bytes.data(), bytes.size());
  EXPECT_TRUE(img.ok()) << path << ": " << img.status().to_string();
  return img.ok() ? *img : Image{};
}

ColorizerOptions small() {
  ColorizerOptions o;
  o.working_size = 64;
  return o;
}

// A model: a colour picture of the input's size and lightness; the stages are timed.
TEST(Colorizer, ModelGivesColourOnThePicturesLightness) {
  const Image grey = load(kData + "/landscape-grey.jpg");
  const Colorizer c = Colorizer::with_model(kTinyModel, small());
  EXPECT_STREQ(c.method_name(), "model");
  EXPECT_TRUE(c.takes_hints());
  ColorizeTimes t;
  auto out = c.colorize(grey, {}, &t);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ(out->width, grey.width);
  EXPECT_EQ(out->height, grey.height);
  EXPECT_EQ(out->channels, 3);
  auto p = psnr(to_greyscale(*out), grey);
  ASSERT_TRUE(p.ok());
  EXPECT_GT(*p, 35.0);
  EXPECT_GT(mean_chroma(*out), 2.0);
  EXPECT_GT(t.method, 0.0);
  EXPECT_GT(t.finish, 0.0);
}

// One Colorizer from several threads (model runs take turns): every result is the one a
// single call gives; a copy shares the model and gives it too.
TEST(Colorizer, SeveralThreadsAndCopiesGiveTheSameResult) {
  const Image grey = load(kData + "/landscape-grey.jpg");
  const Colorizer c = Colorizer::with_model(kTinyModel, small());
  auto want = c.colorize(grey);
  ASSERT_TRUE(want.ok()) << want.status().to_string();
  std::vector<Result<Image>> got(4, Result<Image>(ErrorCode::kInternal, "not run"));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < got.size(); ++i)
    threads.emplace_back([&, i] { got[i] = c.colorize(grey); });
  for (auto& th : threads) th.join();
  const Colorizer copy = c;
  got.push_back(copy.colorize(grey));
  for (const auto& g : got) {
    ASSERT_TRUE(g.ok()) << g.status().to_string();
    EXPECT_EQ(g->data8, want->data8);
  }
}

// A frame prepared as small() prepares it (what a caller that runs the method gives
// carry_frame).
Prepared prepare_small(const Image& f) {
  PrepareOptions p;
  p.working_size = small().working_size;
  p.tone = small().tone;
  auto prepared = prepare(f, p);
  EXPECT_TRUE(prepared.ok());
  return prepared.ok() ? *prepared : Prepared{};
}

// A 600 x 400 view of `grey` (8-bit, 1 channel) from column x0: the frames of a pan; `flip`:
// upside down (another shot).
Image film_view(const Image& grey, int x0, bool flip) {
  Image f = Image::make(600, 400, 1, 8);
  for (int y = 0; y < 400; ++y)
    for (int x = 0; x < 600; ++x)
      f.data8[size_t(y) * 600 + x] = grey.data8[size_t(flip ? 420 - y : y) * grey.width + x0 + x];
  return f;
}

// Frames of a film: the first frame and a cut are exactly colorize()'s result; frames of a
// pan carry colour from the one before (their own lightness kept); at carry 0 nothing is.
TEST(Colorizer, FilmFramesCarryColourAndCutsStartAfresh) {
  const Image grey = load(kData + "/landscape-grey.jpg");
  auto crop = [&](int x0, bool flip) { return film_view(grey, x0, flip); };
  const Colorizer c = Colorizer::with_model(kTinyModel, small());
  FilmMemory film;
  FilmStep step;
  const Image f0 = crop(0, false), f1 = crop(3, false), cut = crop(6, true);
  auto r0 = c.colorize_frame(f0, &film, {}, nullptr, &step);
  ASSERT_TRUE(r0.ok()) << r0.status().to_string();
  EXPECT_TRUE(step.new_shot);
  EXPECT_EQ(r0->data8, c.colorize(f0)->data8);

  auto r1 = c.colorize_frame(f1, &film, {}, nullptr, &step);
  ASSERT_TRUE(r1.ok());
  EXPECT_FALSE(step.new_shot);
  EXPECT_NEAR(step.shift_x, 3.0f * 384 / 600, 0.4f);  // on the film's grid
  EXPECT_NEAR(step.shift_y, 0.0f, 0.4f);
  EXPECT_NE(r1->data8, c.colorize(f1)->data8);
  EXPECT_GT(*psnr(to_greyscale(*r1), f1), 35.0);

  auto r2 = c.colorize_frame(cut, &film, {}, nullptr, &step);
  ASSERT_TRUE(r2.ok());
  EXPECT_TRUE(step.new_shot);
  EXPECT_EQ(r2->data8, c.colorize(cut)->data8);

  FilmOptions none;
  none.carry = 0.0f;
  FilmMemory alone(none);
  for (const Image* f : {&f0, &f1}) {
    auto r = c.colorize_frame(*f, &alone, {}, nullptr, &step);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(step.new_shot);
    EXPECT_EQ(r->data8, c.colorize(*f)->data8);
  }
}

// carry_frame (for a caller that runs the method itself, as the browser app runs the model)
// gives what colorize_frame gives: the same pictures frame by frame, over a pan and a cut.
TEST(Colorizer, CarryFrameIsColorizeFramesFilmStep) {
  const Image grey = load(kData + "/landscape-grey.jpg");
  const Image reference = load(kData + "/landscape-reference.jpg");
  auto crop = [&](int x0, bool flip) { return film_view(grey, x0, flip); };
  auto c = Colorizer::with_reference(reference, small());
  ASSERT_TRUE(c.ok());
  FilmMemory film, mine;
  int carried = 0;
  for (const Image& f : {crop(0, false), crop(4, false), crop(7, false), crop(9, true)}) {
    FilmStep want_step, got_step;
    auto want = c->colorize_frame(f, &film, {}, nullptr, &want_step);
    ASSERT_TRUE(want.ok()) << want.status().to_string();
    const Prepared prepared = prepare_small(f);
    auto ab = exemplar_colorize(prepared.L_work, reference);
    ASSERT_TRUE(ab.ok());
    auto chroma = carry_frame(&mine, prepared, *ab, small().finish, &got_step);
    ASSERT_TRUE(chroma.ok()) << chroma.status().to_string();
    auto got = finish(f, prepared, *chroma, small().finish);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got_step.new_shot, want_step.new_shot);
    EXPECT_EQ(got->data8, want->data8);
    carried += got_step.new_shot ? 0 : 1;
  }
  EXPECT_EQ(carried, 2);  // the two frames of the pan; the first and the cut start afresh
  EXPECT_FALSE(carry_frame(nullptr, Prepared{}, AbPlanes{}).ok());
}

// A grey picture's painted copy (RGB): `colour`'s a*b* on the picture's own lightness over the
// side x side square at (x0, y0).
Image paint_square(const Image& grey, Lab colour, int x0, int y0, int side) {
  Image painted = Image::make(grey.width, grey.height, 3, 8);
  for (size_t i = 0; i < grey.data8.size(); ++i)
    for (int c = 0; c < 3; ++c) painted.data8[i * 3 + c] = grey.data8[i];
  for (int y = y0; y < y0 + side; ++y)
    for (int x = x0; x < x0 + side; ++x) {
      const size_t i = size_t(y) * grey.width + x;
      const Rgb rgb = lab_to_srgb({grey.data8[i] / 2.55f, colour.a, colour.b});
      uint8_t* p = &painted.data8[i * 3];
      p[0] = uint8_t(std::clamp(rgb.r, 0.0f, 1.0f) * 255 + 0.5f);
      p[1] = uint8_t(std::clamp(rgb.g, 0.0f, 1.0f) * 255 + 0.5f);
      p[2] = uint8_t(std::clamp(rgb.b, 0.0f, 1.0f) * 255 + 0.5f);
    }
  return painted;
}

// Paint on one frame of a film holds in the frames after it (moved with the picture), without
// painting them; at carry 0 (each frame on its own) it does not.
TEST(Colorizer, FilmHoldsAFramesPaintForTheFramesAfterIt) {
  const Image grey = load(kData + "/landscape-grey.jpg");
  auto crop = [&](int x0) {
    Image f = Image::make(600, 400, 1, 8);
    for (int y = 0; y < 400; ++y)
      for (int x = 0; x < 600; ++x)
        f.data8[size_t(y) * 600 + x] = grey.data8[size_t(y) * grey.width + x0 + x];
    return f;
  };
  const Image f0 = crop(0), f1 = crop(6), f2 = crop(12);
  // Magenta painted on the ground at (100..130, 340..370) of the first frame.
  const Lab magenta = srgb_to_lab({0.75f, 0.15f, 0.65f});
  const Image painted = paint_square(f0, magenta, 100, 340, 30);
  const Colorizer c = Colorizer::with_model(kTinyModel, small());
  for (float carry : {0.8f, 0.0f}) {
    FilmOptions o;
    o.carry = carry;
    FilmMemory film(o);
    FilmStep step;
    UserColour user;
    user.painted = &painted;
    auto r0 = c.colorize_frame(f0, &film, user, nullptr, &step);
    ASSERT_TRUE(r0.ok()) << r0.status().to_string();
    EXPECT_EQ(r0->data8, c.colorize(f0, user)->data8);  // a new shot: colorize()'s result
    const auto at0 = mean_ab(*r0, 105, 345, 125, 365);
    EXPECT_NEAR(at0.first, magenta.a, 12.0);
    Result<Image> r = Status(ErrorCode::kInternal, "");
    for (const Image* f : {&f1, &f2}) {
      r = c.colorize_frame(*f, &film, {}, nullptr, &step);
      ASSERT_TRUE(r.ok()) << r.status().to_string();
    }
    // The square, 12 pixels to the left in the third frame.
    const auto at2 = mean_ab(*r, 93, 345, 113, 365),
               plain = mean_ab(*c.colorize(f2), 93, 345, 113, 365);
    if (carry > 0) {
      EXPECT_GT(step.held, 100u);
      EXPECT_NEAR(at2.first, magenta.a, 15.0);
      EXPECT_NEAR(at2.second, magenta.b, 15.0);
    } else {
      EXPECT_EQ(step.held, 0u);
      EXPECT_NEAR(at2.first, plain.first, 1.0);
      EXPECT_NEAR(at2.second, plain.second, 1.0);
    }
    EXPECT_GT(std::hypot(magenta.a - plain.first, magenta.b - plain.second), 40.0);
  }
}

// carry_painted_frame (colorize/propagate.h: what the browser app calls with the model's
// colour) gives colorize_frame's frames, paint held and all, where the method runs outside.
TEST(Colorizer, CarryPaintedFrameIsColorizeFramesPaintedFilmStep) {
  const Image grey = load(kData + "/landscape-grey.jpg");
  const Image reference = load(kData + "/landscape-reference.jpg");
  auto c = Colorizer::with_reference(reference, small());
  ASSERT_TRUE(c.ok());
  const Image f0 = film_view(grey, 0, false);
  const Image painted = paint_square(f0, srgb_to_lab({0.75f, 0.15f, 0.65f}), 100, 340, 30);
  FilmMemory film, mine;
  size_t held = 0;
  int frame = 0;
  for (const Image& f :
       {f0, film_view(grey, 5, false), film_view(grey, 9, false), film_view(grey, 12, true)}) {
    UserColour user;
    if (frame == 0) user.painted = &painted;
    FilmStep want_step, got_step;
    auto want = c->colorize_frame(f, &film, user, nullptr, &want_step);
    ASSERT_TRUE(want.ok()) << want.status().to_string();
    const Prepared prepared = prepare_small(f);
    auto ab = exemplar_colorize(prepared.L_work, reference);
    ASSERT_TRUE(ab.ok());
    HintPlanes paint;  // none
    if (frame == 0) {
      const Size g = film_grid_for(f.width, f.height);
      auto m = marks_from_image(f, painted, g.width, g.height);
      ASSERT_TRUE(m.ok());
      paint = *m;
    }
    PropagateOptions reach;
    reach.reach = small().reach;
    auto chroma =
        carry_painted_frame(&mine, prepared, *ab, paint, reach, small().finish, &got_step);
    ASSERT_TRUE(chroma.ok()) << chroma.status().to_string();
    auto got = finish(f, prepared, *chroma, small().finish);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got_step.new_shot, want_step.new_shot) << "frame " << frame;
    EXPECT_EQ(got_step.held, want_step.held) << "frame " << frame;
    EXPECT_EQ(got->data8, want->data8) << "frame " << frame;
    held += frame == 2 ? got_step.held : 0;
    ++frame;
  }
  EXPECT_GT(held, 100u);  // the paint was held into the third frame (and let go at the cut)
  EXPECT_FALSE(carry_painted_frame(nullptr, Prepared{}, AbPlanes{}, HintPlanes{}).ok());
  EXPECT_FALSE(carry_marked(nullptr, Plane{}, AbPlanes{}, HintPlanes{}, nullptr).ok());
}

// A model file is read at the first picture: a missing one is reported then, not before.
TEST(Colorizer, AModelFileIsReadAtTheFirstPicture) {
  const Colorizer c = Colorizer::with_model(kData + "/models/no-such-model.onnx", small());
  EXPECT_FALSE(c.takes_hints());
  auto out = c.colorize(load(kData + "/landscape-grey.jpg"));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), ErrorCode::kIo) << out.status().to_string();
}

// A hint is held where it is given; far away the model's own colour stays.
TEST(Colorizer, HintsAreHeldWhereGiven) {
  const Image grey = load(kData + "/landscape-grey.jpg");
  const Colorizer c = Colorizer::with_model(kTinyModel, small());
  const Lab want = srgb_to_lab({0xc0 / 255.0f, 0x30 / 255.0f, 0x90 / 255.0f});
  UserColour user;
  user.hints.push_back(Hint{100, 350, want.a, want.b});
  auto plain = c.colorize(grey);
  auto hinted = c.colorize(grey, user);
  ASSERT_TRUE(plain.ok() && hinted.ok());
  const auto at = mean_ab(*hinted, 96, 346, 104, 354);
  EXPECT_NEAR(at.first, want.a, 6.0);
  EXPECT_NEAR(at.second, want.b, 6.0);
  const auto far0 = mean_ab(*plain, 500, 0, 640, 120), far1 = mean_ab(*hinted, 500, 0, 640, 120);
  EXPECT_NEAR(far0.first, far1.first, 1.0);
  EXPECT_NEAR(far0.second, far1.second, 1.0);
}

// A file in, a file out: the result is the picture's colorize() result, upright, in the
// original's format unless told, with the original's record carried and a note saying how it
// was made; hints off the (upright) picture and formats not written are refused.
TEST(Colorizer, ColorizeFileIsTheUprightResultWithItsRecord) {
  std::ifstream in(std::string(COLORIZE_TEST_DATA_DIR) + "/corpus/meta.jpg", std::ios::binary);
  const std::vector<uint8_t> original((std::istreambuf_iterator<char>(in)),
                                      std::istreambuf_iterator<char>());
  ASSERT_FALSE(original.empty());
  const Colorizer c = Colorizer::with_model(kTinyModel, small());
  FileOptions png;
  png.format = ImageFormat::kPng;
  auto file = c.colorize_file(original.data(), original.size(), {}, png);
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  auto info = probe_image(file->data(), file->size());
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->format, ImageFormat::kPng);
  EXPECT_EQ(info->width, 10);  // meta.jpg is 20 x 10, turned by its EXIF orientation 6
  EXPECT_EQ(info->height, 20);
  auto back = decode_image(file->data(), file->size());
  auto picture = decode_image(original.data(), original.size());
  ASSERT_TRUE(back.ok() && picture.ok());
  auto direct = c.colorize(*picture);
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(back->data8, to_8bit(*direct).data8);  // PNG is lossless
  const Metadata m = read_metadata(file->data(), file->size());
  EXPECT_FALSE(m.exif.empty());
  EXPECT_FALSE(m.xmp.empty());
  const std::string text(file->begin(), file->end());
  EXPECT_NE(text.find(provenance_note("model tiny_colorizer.onnx")), std::string::npos);
  EXPECT_EQ(provenance_note("model m.onnx", true),
            std::string("Colorized by colorize ") + version() +
                " (model m.onnx, corrected by the user's marks): the colours are a plausible "
                "guess, not a record of the original.");
  // Without a format: the original's (JPEG); without its record: no EXIF or XMP.
  FileOptions plain;
  plain.keep_metadata = false;
  auto jpeg = c.colorize_file(original.data(), original.size(), {}, plain);
  ASSERT_TRUE(jpeg.ok());
  EXPECT_EQ(probe_image(jpeg->data(), jpeg->size())->format, ImageFormat::kJpeg);
  EXPECT_TRUE(read_metadata(jpeg->data(), jpeg->size()).exif.empty());
  UserColour off;
  off.hints.push_back(Hint{15, 5, 10, 10});  // inside 20 x 10, outside the upright 10 x 20
  auto refused = c.colorize_file(original.data(), original.size(), off);
  EXPECT_EQ(refused.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("outside the picture (10 x 20)"), std::string::npos);
  FileOptions gif;
  gif.format = ImageFormat::kGif;
  EXPECT_EQ(c.colorize_file(original.data(), original.size(), {}, gif).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_FALSE(c.colorize_file(nullptr, 0).ok());
}

// A painted copy and a hint correct the exemplar method where given; a copy of another size,
// or with nothing painted, is refused and named as the caller named it.
TEST(Colorizer, PaintAndHintsCorrectTheExemplarMethod) {
  const Image grey = load(kData + "/landscape-grey.jpg");
  auto c = Colorizer::with_reference(load(kData + "/landscape-reference.jpg"));
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_STREQ(c->method_name(), "exemplar");
  EXPECT_TRUE(c->takes_hints());
  Image painted = Image::make(grey.width, grey.height, 3, 8);
  for (size_t i = 0; i < grey.pixel_count(); ++i)
    for (int k = 0; k < 3; ++k) painted.data8[i * 3 + k] = grey.data8[i * grey.channels];
  UserColour user;
  user.painted = &painted;
  user.painted_name = "'paint.png'";
  auto none = c->colorize(grey, user);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("no pixel of 'paint.png' differs"), std::string::npos)
      << none.status().message();
  for (int y = 300; y < 420; ++y)
    for (int x = 20; x < 200; ++x) {
      uint8_t* px = &painted.data8[(static_cast<size_t>(y) * grey.width + x) * 3];
      px[0] = 200;
      px[1] = 40;
      px[2] = 160;
    }
  auto plain = c->colorize(grey);
  auto fixed = c->colorize(grey, user);
  ASSERT_TRUE(plain.ok() && fixed.ok()) << fixed.status().to_string();
  const Lab paint = srgb_to_lab({200 / 255.0f, 40 / 255.0f, 160 / 255.0f});
  const auto inside = mean_ab(*fixed, 40, 320, 180, 400);
  EXPECT_NEAR(inside.first, paint.a, 12.0);
  EXPECT_NEAR(inside.second, paint.b, 12.0);
  EXPECT_GT(std::fabs(inside.first - mean_ab(*plain, 40, 320, 180, 400).first), 20.0);

  const Image smaller = Image::make(grey.width / 2, grey.height / 2, 3, 8);
  user.painted = &smaller;
  auto wrong = c->colorize(grey, user);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(wrong.status().message().rfind("'paint.png': ", 0), 0u) << wrong.status().message();
  // A hint: its colour is held where it is given (the exemplar method does not see it).
  UserColour hint;
  hint.hints.push_back(Hint{100, 350, paint.a, paint.b});
  auto hinted = c->colorize(grey, hint);
  ASSERT_TRUE(hinted.ok()) << hinted.status().to_string();
  const auto at = mean_ab(*hinted, 96, 346, 104, 354);
  EXPECT_NEAR(at.first, paint.a, 6.0);
  EXPECT_NEAR(at.second, paint.b, 6.0);
  EXPECT_FALSE(Colorizer::with_reference(Image{}).ok());
}

// Marks alone: nothing to spread is refused; one hint colours the whole picture at working
// size 384 (its default).
TEST(Colorizer, MarksAloneSpreadTheUsersColour) {
  const Image grey = load(kData + "/landscape-grey.jpg");
  const Colorizer c = Colorizer::marks_only();
  EXPECT_STREQ(c.method_name(), "marks");
  EXPECT_TRUE(c.takes_hints());
  auto nothing = c.colorize(grey);
  ASSERT_FALSE(nothing.ok());
  EXPECT_EQ(nothing.status().code(), ErrorCode::kInvalidArgument);
  UserColour user;
  const Lab red = srgb_to_lab({0xb0 / 255.0f, 0x40 / 255.0f, 0x30 / 255.0f});
  user.hints.push_back(Hint{320, 200, red.a, red.b});
  auto out = c.colorize(grey, user);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  const auto all = mean_ab(*out, 0, 0, grey.width, grey.height);
  EXPECT_GT(all.first, 15.0);
  EXPECT_GT(all.second, 10.0);
}

TEST(Colorizer, OptionsOutOfRangeAreRefused) {
  ColorizerOptions o = small();
  o.reach = 0;
  auto out = Colorizer::with_model(kTinyModel, o).colorize(load(kData + "/landscape-grey.jpg"));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), ErrorCode::kInvalidArgument);
  auto empty = Colorizer::with_model(kTinyModel, small()).colorize(Image{});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), ErrorCode::kInvalidArgument);
}

// A model's working size comes from the manifest beside it when the options leave it 0; the
// manifest's default model is found by its id.
TEST(Colorizer, TheManifestGivesAModelsWorkingSize) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "colorize_test_manifest";
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(kTinyModel, dir / "tiny.onnx");
  std::ofstream(dir / "manifest.json")
      << R"({"default": "t", "working_size": 96, "models": [)"
      << R"({"id": "t", "file": "tiny.onnx", "working_size": 64}, {"id": "u", "file": "u.onnx"}]})";
  const std::string model = (dir / "tiny.onnx").string();
  EXPECT_EQ(manifest_working_size(model), 64);
  EXPECT_EQ(manifest_working_size((dir / "u.onnx").string()), 96);  // the manifest's own
  EXPECT_EQ(manifest_working_size(kTinyModel), 0);                  // no manifest beside it
  auto def = default_model_in(dir.string());
  ASSERT_TRUE(def.ok()) << def.status().to_string();
  EXPECT_EQ(fs::path(*def), dir / "tiny.onnx");
  auto none = default_model_in((dir / "nowhere").string());
  EXPECT_EQ(none.status().code(), ErrorCode::kIo);
  EXPECT_NE(none.status().message().find("nowhere"), std::string::npos);

  const Image grey = load(kData + "/landscape-grey.jpg");
  auto from_manifest = Colorizer::with_model(model).colorize(grey);
  auto at_64 = Colorizer::with_model(kTinyModel, small()).colorize(grey);
  auto at_default = Colorizer::with_model(kTinyModel).colorize(grey);
  ASSERT_TRUE(from_manifest.ok() && at_64.ok() && at_default.ok());
  EXPECT_EQ(from_manifest->data8, at_64->data8);
  EXPECT_NE(from_manifest->data8, at_default->data8);  // (256: not what the manifest says)
  fs::remove_all(dir);
}

}  // namespace
}  // namespace colorize
