// Colour carried from frame to frame (see colorize/film.h): block-matching motion on L*, the
// previous result moved along it, blended where the lightness matches.
#include "colorize/film.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "colorize/color.h"
#include "colorize/resample.h"

namespace colorize {
namespace {

constexpr int kBlock = 16;              // block side for the local motion, grid pixels
constexpr int kLocalRange = 6;          // a block's offset from the overall shift, at most
constexpr float kLocalPenalty = 0.05f;  // (L*)^2 per pixel of departure from the overall shift
constexpr float kMinOverlap = 0.4f;     // a candidate offset must keep this much of the area
// A pixel's squared difference counts up to (15 L*)^2: what changed between the frames (an
// object, a flash) weighs no more than an ordinary mismatch, and cannot pull the motion.
constexpr float kCostCap = 15.0f * 15.0f;
constexpr float kInf = std::numeric_limits<float>::infinity();

double mean_of(const Plane& p) {
  double s = 0;
  for (float v : p.data) s += v;
  return p.data.empty() ? 0.0 : s / double(p.data.size());
}

Plane minus_mean(const Plane& p) {
  Plane out = p;
  const float m = static_cast<float>(mean_of(p));
  for (float& v : out.data) v -= m;
  return out;
}

Plane half(const Plane& p) {
  return resize_area(p, std::max(1, p.width / 2), std::max(1, p.height / 2));
}

// One level of the pyramid: the two frames at 1 / 2^k of the grid.
struct Level {
  Plane from, to;
};

// A rectangle of `to`, matched against `from` at integer offsets: the mean squared
// difference (each at most kCostCap) of to(x, y) and from(x + dx, y + dy) over its pixels whose
// partner lies inside `from` (infinite when fewer than kMinOverlap of them have one), plus
// `penalty` per pixel of departure from (gx, gy); offsets beyond `limit` are infinite.
struct Matcher {
  const Level& level;
  int x0, y0, x1, y1;
  float gx = 0, gy = 0, penalty = 0;
  int limit = 64;

  float operator()(int dx, int dy) const {
    if (std::abs(dx) > limit || std::abs(dy) > limit) return kInf;
    const Plane& from = level.from;
    const Plane& to = level.to;
    const int ax0 = std::max(x0, -dx), ax1 = std::min(x1, from.width - dx);
    const int ay0 = std::max(y0, -dy), ay1 = std::min(y1, from.height - dy);
    if (ax1 <= ax0 || ay1 <= ay0) return kInf;
    const double n = double(ax1 - ax0) * double(ay1 - ay0);
    if (n < kMinOverlap * double(x1 - x0) * double(y1 - y0)) return kInf;
    double s = 0;
    for (int y = ay0; y < ay1; ++y) {
      const float* t = to.row(y);
      const float* f = from.row(y + dy) + dx;
      for (int x = ax0; x < ax1; ++x) s += std::min((t[x] - f[x]) * (t[x] - f[x]), kCostCap);
    }
    return static_cast<float>(s / n) + penalty * (std::fabs(dx - gx) + std::fabs(dy - gy));
  }

  // The least-cost integer offset within r of (cx, cy); (cx, cy) itself when none is finite.
  std::pair<int, int> best(int cx, int cy, int r) const {
    float least = kInf;
    int bx = cx, by = cy;
    for (int dy = cy - r; dy <= cy + r; ++dy)
      for (int dx = cx - r; dx <= cx + r; ++dx) {
        const float c = (*this)(dx, dy);
        if (c < least) least = c, bx = dx, by = dy;
      }
    return {bx, by};
  }

  // (bx, by) refined to a fraction of a pixel: the least of the quadratic surface fitted to the
  // 3 x 3 costs around it (least squares), within one pixel; where the surface has no least
  // (or a cost is unknown), along each axis alone by the parabola through three costs.
  std::pair<float, float> refine(int bx, int by) const {
    float c[3][3];
    bool all = true;
    for (int v = 0; v < 3; ++v)
      for (int u = 0; u < 3; ++u) {
        c[v][u] = (*this)(bx + u - 1, by + v - 1);
        all = all && std::isfinite(c[v][u]);
      }
    if (!std::isfinite(c[1][1])) return {float(bx), float(by)};
    if (all) {
      // c(x, y) ~ k + p x + q y + d x^2 + e x y + f y^2, on the orthogonal basis of the grid.
      double p = 0, q = 0, d = 0, e = 0, f = 0;
      for (int v = 0; v < 3; ++v)
        for (int u = 0; u < 3; ++u) {
          const int x = u - 1, y = v - 1;
          p += x * c[v][u] / 6.0;
          q += y * c[v][u] / 6.0;
          e += x * y * c[v][u] / 4.0;
          d += (x * x - 2.0 / 3.0) * c[v][u] / 2.0;
          f += (y * y - 2.0 / 3.0) * c[v][u] / 2.0;
        }
      const double det = 4.0 * d * f - e * e;
      if (d > 0 && det > 1e-9 * (d * d + f * f + 1e-12)) {
        const double ox = (-2.0 * f * p + e * q) / det, oy = (e * p - 2.0 * d * q) / det;
        if (std::fabs(ox) <= 1.0 && std::fabs(oy) <= 1.0) return {float(bx + ox), float(by + oy)};
      }
    }
    auto parabola = [](float cm, float c0, float cp) {
      if (!std::isfinite(cm) || !std::isfinite(cp)) return 0.0f;
      const float den = cm - 2.0f * c0 + cp;
      if (!(den > 1e-9f)) return 0.0f;
      return std::clamp(0.5f * (cm - cp) / den, -0.5f, 0.5f);
    };
    return {bx + parabola(c[1][0], c[1][1], c[1][2]), by + parabola(c[0][1], c[1][1], c[2][1])};
  }
};

// The overall shift: exhaustive at the coarsest level, then within two pixels of twice the
// coarser level's at each finer one, and to a fraction of a pixel. A tie goes to the least
// motion (a picture without texture stays put).
std::pair<float, float> overall_shift(const std::vector<Level>& levels, int search) {
  const int top = static_cast<int>(levels.size()) - 1;
  int bx = 0, by = 0;
  for (int k = top; k >= 0; --k) {
    const Plane& t = levels[k].to;
    Matcher m{levels[k], 0, 0, t.width, t.height};
    m.penalty = 1e-4f;
    m.limit = (search + (1 << k) - 1) >> k;
    std::tie(bx, by) = k == top ? m.best(0, 0, std::max(1, m.limit)) : m.best(2 * bx, 2 * by, 2);
    if (k == 0) {
      m.penalty = 0.0f;
      return m.refine(bx, by);
    }
  }
  return {0.0f, 0.0f};
}

float median9(float* v, int n) {
  std::nth_element(v, v + n / 2, v + n);
  return v[n / 2];
}

// Bilinear sample of p at (x, y), coordinates clamped to the plane.
float sample(const Plane& p, float x, float y) {
  x = std::clamp(x, 0.0f, float(p.width - 1));
  y = std::clamp(y, 0.0f, float(p.height - 1));
  const int x0 = std::min(int(x), p.width - 1), y0 = std::min(int(y), p.height - 1);
  const int x1 = std::min(x0 + 1, p.width - 1), y1 = std::min(y0 + 1, p.height - 1);
  const float fx = x - float(x0), fy = y - float(y0);
  const float top = p.at(x0, y0) + fx * (p.at(x1, y0) - p.at(x0, y0));
  const float bottom = p.at(x0, y1) + fx * (p.at(x1, y1) - p.at(x0, y1));
  return top + fy * (bottom - top);
}

// The pixel of a w x h grid nearest to point (x, y), clamped to the grid.
std::pair<int, int> pixel_of(float x, float y, int w, int h) {
  return {std::clamp(static_cast<int>(std::lround(x)), 0, w - 1),
          std::clamp(static_cast<int>(std::lround(y)), 0, h - 1)};
}

Status check_options(const FilmOptions& o) {
  if (!(o.carry >= 0.0f && o.carry <= 0.95f))
    return Status(ErrorCode::kInvalidArgument,
                  "the colour carried between frames must be in 0 .. 0.95");
  if (!(o.match > 0.0f && std::isfinite(o.match)))
    return Status(ErrorCode::kInvalidArgument, "the lightness match of frames must be > 0");
  if (o.search < 1 || o.search > 64)
    return Status(ErrorCode::kInvalidArgument,
                  "the motion searched between frames must be 1 .. 64 pixels");
  return Status::Ok();
}

}  // namespace

Size film_grid_for(int width, int height) { return working_size_for(width, height, kFilmGridSize); }

Result<MotionField> estimate_motion(const Plane& from, const Plane& to, int search) {
  if (from.width != to.width || from.height != to.height)
    return Status(ErrorCode::kInvalidArgument, "frames of different sizes");
  if (to.width < 16 || to.height < 16)
    return Status(ErrorCode::kInvalidArgument, "frames smaller than 16 x 16 pixels");
  if (search < 1 || search > 64)
    return Status(ErrorCode::kInvalidArgument, "the motion search must be 1 .. 64 pixels");
  // The pyramid: halvings while the coarser level keeps 32 pixels on its shorter side.
  std::vector<Level> levels;
  levels.push_back({minus_mean(from), minus_mean(to)});
  while (levels.size() < 5 && std::min(levels.back().to.width, levels.back().to.height) / 2 >= 32)
    levels.push_back({half(levels.back().from), half(levels.back().to)});
  MotionField m;
  std::tie(m.shift_x, m.shift_y) = overall_shift(levels, search);

  // Each block's offset: within kLocalRange of the overall shift, the least cost with a small
  // charge for departing from it (so blocks without texture follow it); found at half the
  // grid, then within two pixels on the grid, then to a fraction of a pixel.
  const Plane& t = levels[0].to;
  const int nbx = (t.width + kBlock - 1) / kBlock, nby = (t.height + kBlock - 1) / kBlock;
  std::vector<float> bdx(size_t(nbx) * nby), bdy(size_t(nbx) * nby);
  const int gx = static_cast<int>(std::lround(m.shift_x)),
            gy = static_cast<int>(std::lround(m.shift_y));
  for (int j = 0; j < nby; ++j)
    for (int i = 0; i < nbx; ++i) {
      const int x0 = i * kBlock, y0 = j * kBlock;
      const int x1 = std::min(x0 + kBlock, t.width), y1 = std::min(y0 + kBlock, t.height);
      Matcher fine{levels[0], x0, y0, x1, y1, m.shift_x, m.shift_y, kLocalPenalty, search};
      int bx = gx, by = gy;
      if (levels.size() > 1) {
        Matcher coarse{levels[1],       x0 / 2,        y0 / 2,        (x1 + 1) / 2,
                       (y1 + 1) / 2,    m.shift_x / 2, m.shift_y / 2, 2 * kLocalPenalty,
                       (search + 1) / 2};
        const auto c = coarse.best(static_cast<int>(std::lround(m.shift_x / 2)),
                                   static_cast<int>(std::lround(m.shift_y / 2)), kLocalRange / 2);
        std::tie(bx, by) = fine.best(2 * c.first, 2 * c.second, 2);
      } else {
        std::tie(bx, by) = fine.best(gx, gy, kLocalRange);
      }
      const auto [fx, fy] = fine.refine(bx, by);
      bdx[size_t(j) * nbx + i] = fx;
      bdy[size_t(j) * nbx + i] = fy;
    }
  // A 3 x 3 median of the blocks' offsets (a block that matched by chance follows its
  // neighbours).
  std::vector<float> mdx(bdx.size()), mdy(bdy.size());
  for (int j = 0; j < nby; ++j)
    for (int i = 0; i < nbx; ++i) {
      float vx[9], vy[9];
      int n = 0;
      for (int v = std::max(0, j - 1); v <= std::min(nby - 1, j + 1); ++v)
        for (int u = std::max(0, i - 1); u <= std::min(nbx - 1, i + 1); ++u) {
          vx[n] = bdx[size_t(v) * nbx + u];
          vy[n] = bdy[size_t(v) * nbx + u];
          ++n;
        }
      mdx[size_t(j) * nbx + i] = median9(vx, n);
      mdy[size_t(j) * nbx + i] = median9(vy, n);
    }
  // Per pixel: bilinear between the block centres.
  Plane bx_plane(nbx, nby), by_plane(nbx, nby);
  bx_plane.data = std::move(mdx);
  by_plane.data = std::move(mdy);
  m.dx = Plane(t.width, t.height);
  m.dy = Plane(t.width, t.height);
  for (int y = 0; y < t.height; ++y) {
    const float by = (y + 0.5f) / kBlock - 0.5f;
    for (int x = 0; x < t.width; ++x) {
      const float bx = (x + 0.5f) / kBlock - 0.5f;
      m.dx.at(x, y) = sample(bx_plane, bx, by);
      m.dy.at(x, y) = sample(by_plane, bx, by);
    }
  }
  return m;
}

Result<AbPlanes> FilmMemory::next(const Plane& L, const AbPlanes& ab, FilmStep* step) {
  auto found = advance(L);
  if (!found.ok()) return found.status();
  if (step) *step = *found;
  return blend(ab);
}

Result<FilmStep> FilmMemory::advance(const Plane& L) {
  Status st = check_options(options_);
  if (!st.ok()) return st;
  if (L.empty() || L.size() != size_t(L.width) * size_t(L.height))
    return Status(ErrorCode::kInvalidArgument, "a frame's L* plane is empty");
  FilmStep step;
  advanced_ = true;
  L_now_ = L;
  moved_ = AbPlanes();
  weight_ = Plane();
  auto new_shot = [&]() {
    held_.clear();
    step.new_shot = true;
    return step;
  };
  const bool comparable = !L_.empty() && L_.width == L.width && L_.height == L.height &&
                          L.width >= 16 && L.height >= 16 && options_.carry > 0.0f;
  if (!comparable) return new_shot();
  auto motion = estimate_motion(L_, L, options_.search);
  if (!motion.ok()) return motion.status();
  step.shift_x = motion->shift_x;
  step.shift_y = motion->shift_y;
  const int w = L.width, h = L.height;

  // The last frame's L* and chroma moved along the motion, where the moved pixel lies inside
  // the last frame (`inside` 1).
  Plane moved_L(w, h, 0.0f), inside(w, h, 0.0f);
  AbPlanes moved{Plane(w, h), Plane(w, h)};
  double n = 0, sm = 0, sl = 0, smm = 0, sml = 0, sll = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const float sx = x + motion->dx.at(x, y), sy = y + motion->dy.at(x, y);
      if (sx < -0.5f || sy < -0.5f || sx > w - 0.5f || sy > h - 0.5f) continue;
      const double m = sample(L_, sx, sy), l = L.at(x, y);
      moved_L.at(x, y) = static_cast<float>(m);
      inside.at(x, y) = 1.0f;
      moved.a.at(x, y) = sample(ab_.a, sx, sy);
      moved.b.at(x, y) = sample(ab_.b, sx, sy);
      n += 1, sm += m, sl += l, smm += m * m, sml += m * l, sll += l * l;
    }
  // How the two frames' lightness correlates where they overlap (1 where either is flat).
  if (n > 0) {
    const double vm = smm / n - (sm / n) * (sm / n), vl = sll / n - (sl / n) * (sl / n);
    const double cov = sml / n - (sm / n) * (sl / n);
    step.correlation = vm > 1.0 && vl > 1.0 ? static_cast<float>(cov / std::sqrt(vm * vl)) : 1.0f;
  }
  // The change of exposure between the frames (old film's flicker): L ~ gain moved_L + lift,
  // by least squares over the pixels inside (gain within 0.5 .. 2), fitted again over those
  // within 3 match of the first fit (what changed does not pull it), is not a change.
  double gain = 1.0, lift = 0.0;
  auto fit = [&]() {
    if (n <= 0) return;
    const double var = smm / n - (sm / n) * (sm / n), cov = sml / n - (sm / n) * (sl / n);
    gain = var > 1e-6 ? std::clamp(cov / var, 0.5, 2.0) : 1.0;
    lift = sl / n - gain * sm / n;
  };
  fit();
  n = sm = sl = smm = sml = 0;
  for (size_t i = 0; i < L.size(); ++i) {
    const double m = moved_L.data[i], l = L.data[i];
    if (inside.data[i] == 0.0f || std::fabs(l - (gain * m + lift)) > 3.0 * options_.match) continue;
    n += 1, sm += m, sl += l, smm += m * m, sml += m * l;
  }
  fit();
  // dL, signed.
  Plane d(w, h, 0.0f);
  for (size_t i = 0; i < d.size(); ++i)
    if (inside.data[i] != 0.0f)
      d.data[i] = static_cast<float>(L.data[i] - (gain * moved_L.data[i] + lift));
  // |the 3 x 3 mean of dL| over the pixels that have one (film grain, and the error of
  // interpolating a fine texture at a fraction of a pixel, are not a change); the weight; the
  // matched area.
  Plane weight(w, h, 0.0f);
  size_t matched = 0;
  const float inv_match = 1.0f / options_.match;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      if (inside.at(x, y) == 0.0f) continue;
      float s = 0.0f;
      int n = 0;
      for (int v = std::max(0, y - 1); v <= std::min(h - 1, y + 1); ++v)
        for (int u = std::max(0, x - 1); u <= std::min(w - 1, x + 1); ++u)
          if (inside.at(u, v) != 0.0f) s += d.at(u, v), ++n;
      const float dl = std::fabs(s / float(n));
      if (dl < options_.match) ++matched;
      const float r = dl * inv_match;
      weight.at(x, y) = options_.carry * std::exp(-0.5f * r * r);
    }
  step.matched = float(double(matched) / double(L.size()));
  // A cut: too little matches, or the lightness hardly correlates (a fitted exposure change
  // can make some of an unrelated frame match).
  if (step.matched < kFilmCutBelow || step.correlation < kFilmCutCorrelation) return new_shot();

  // The held paint: each point to where the motion takes it (this frame's pixel p showed the
  // last frame's p + v(p), so a point at q is now near q - v(q)), kept where it still matches.
  std::vector<HeldPoint> kept;
  kept.reserve(held_.size());
  for (const HeldPoint& m : held_) {
    const float x = m.x - sample(motion->dx, m.x, m.y), y = m.y - sample(motion->dy, m.x, m.y);
    if (x < -0.5f || y < -0.5f || x > w - 0.5f || y > h - 0.5f) continue;
    const auto [px, py] = pixel_of(x, y, w, h);
    if (weight.at(px, py) < 0.5f * options_.carry) continue;
    kept.push_back({x, y, m.a, m.b});
  }
  held_ = std::move(kept);
  step.new_shot = false;
  step.held = held_.size();
  moved_ = std::move(moved);
  weight_ = std::move(weight);
  return step;
}

Result<AbPlanes> FilmMemory::blend(const AbPlanes& ab) {
  if (!advanced_)
    return Status(ErrorCode::kInvalidArgument, "a film's frame is blended before its advance");
  const Plane& L = L_now_;
  if (ab.a.width != L.width || ab.a.height != L.height || ab.b.width != L.width ||
      ab.b.height != L.height || ab.a.size() != L.size() || ab.b.size() != L.size())
    return Status(ErrorCode::kInvalidArgument, "a frame's L* and a*b* planes must be of one size");
  AbPlanes out;
  if (weight_.empty()) {  // a new shot
    out = ab;
  } else {
    out = AbPlanes{Plane(L.width, L.height), Plane(L.width, L.height)};
    for (size_t i = 0; i < L.size(); ++i) {
      const float k = weight_.data[i];
      out.a.data[i] = k * moved_.a.data[i] + (1.0f - k) * ab.a.data[i];
      out.b.data[i] = k * moved_.b.data[i] + (1.0f - k) * ab.b.data[i];
    }
  }
  L_ = std::move(L_now_);
  ab_ = out;
  advanced_ = false;
  L_now_ = Plane();
  moved_ = AbPlanes();
  weight_ = Plane();
  return out;
}

Status FilmMemory::amend(const AbPlanes& ab) {
  if (L_.empty() || ab.a.width != L_.width || ab.a.height != L_.height || ab.b.width != L_.width ||
      ab.b.height != L_.height || ab.a.size() != L_.size() || ab.b.size() != L_.size())
    return Status(ErrorCode::kInvalidArgument,
                  "the colour amended is not of the last frame's grid");
  ab_ = ab;
  return Status::Ok();
}

Status FilmMemory::hold(const HintPlanes& marks) {
  const int w = L_.width, h = L_.height;
  if (L_.empty() || marks.mask.width != w || marks.mask.height != h || marks.ab.a.width != w ||
      marks.ab.a.height != h || marks.ab.b.width != w || marks.ab.b.height != h)
    return Status(ErrorCode::kInvalidArgument, "the paint held is not of the last frame's grid");
  std::vector<HeldPoint> all;
  for (const HeldPoint& m : held_) {
    const auto [px, py] = pixel_of(m.x, m.y, w, h);
    if (!(marks.mask.at(px, py) > 0.5f)) all.push_back(m);
  }
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      if (marks.mask.at(x, y) > 0.5f)
        all.push_back({float(x), float(y), marks.ab.a.at(x, y), marks.ab.b.at(x, y)});
  held_ = std::move(all);
  return Status::Ok();
}

Status FilmMemory::hold_points(std::vector<HeldPoint> points) {
  const Plane& L = advanced_ ? L_now_ : L_;
  if (L.empty())
    return Status(ErrorCode::kInvalidArgument, "paint is held on a frame: remember one first");
  const float w = float(L.width), h = float(L.height);
  for (const HeldPoint& m : points) {
    if (!(std::isfinite(m.a) && std::isfinite(m.b) && m.x >= -0.5f && m.y >= -0.5f &&
          m.x <= w - 0.5f && m.y <= h - 0.5f))
      return Status(ErrorCode::kInvalidArgument, "a point of held paint is off the frame's grid");
  }
  held_ = std::move(points);
  return Status::Ok();
}

HintPlanes FilmMemory::held_marks() const {
  const Plane& L = advanced_ ? L_now_ : L_;
  HintPlanes out{{Plane(L.width, L.height), Plane(L.width, L.height)}, Plane(L.width, L.height)};
  for (const HeldPoint& m : held_) {
    const auto [px, py] = pixel_of(m.x, m.y, L.width, L.height);
    out.mask.at(px, py) = 1.0f;
    out.ab.a.at(px, py) = m.a;
    out.ab.b.at(px, py) = m.b;
  }
  return out;
}

Status FilmMemory::remember(const Image& result) {
  if (result.empty()) return Status(ErrorCode::kInvalidArgument, "an empty frame");
  Plane L, a, b;
  image_to_lab(result, &L, &a, &b);
  const Size g = film_grid_for(result.width, result.height);
  forget();
  L_ = resize_area(L, g.width, g.height);
  ab_ = {resize_area(a, g.width, g.height), resize_area(b, g.width, g.height)};
  return Status::Ok();
}

Image FilmMemory::memory_image() const {
  return L_.empty() ? Image{} : lab_to_image(L_, ab_.a, ab_.b);
}

void FilmMemory::forget() {
  L_ = Plane();
  ab_ = AbPlanes();
  advanced_ = false;
  L_now_ = Plane();
  moved_ = AbPlanes();
  weight_ = Plane();
  held_.clear();
}

Result<FrameOnGrid> advance_frame(FilmMemory* film, const Prepared& prepared, const AbPlanes& ab,
                                  const FinishOptions& finish) {
  if (!film) return Status(ErrorCode::kInvalidArgument, "a film's frame needs its film");
  if (prepared.L_full.empty() || ab.a.empty())
    return Status(ErrorCode::kInvalidArgument,
                  "a film's frame needs a prepared frame and its chroma");
  const Size grid = film_grid_for(prepared.L_full.width, prepared.L_full.height);
  FrameOnGrid f;
  f.L = resize_area(prepared.L_full, grid.width, grid.height);
  auto found = film->advance(f.L);
  if (!found.ok()) return found.status();
  f.step = *found;
  auto on_grid = upsample_chroma(prepared, ab, f.L, finish);
  if (!on_grid.ok()) return on_grid.status();
  f.ab = std::move(on_grid).value();
  return f;
}

Result<AbPlanes> carry_frame(FilmMemory* film, const Prepared& prepared, const AbPlanes& ab,
                             const FinishOptions& finish, FilmStep* step) {
  auto f = advance_frame(film, prepared, ab, finish);
  if (!f.ok()) return f.status();
  if (step) *step = f->step;
  auto carried = film->blend(f->ab);
  if (!carried.ok()) return carried.status();
  if (f->step.new_shot) return ab;
  return carried;
}

}  // namespace colorize
