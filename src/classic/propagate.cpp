// Colour propagation from marks (Levin, Lischinski & Weiss 2004) and corrections of a
// colorizer's chroma by marks: an 8-neighbour affinity system on L*, solved by conjugate
// gradients preconditioned with an aggregation multigrid V-cycle. The contract is in
// colorize/propagate.h.
#include "colorize/propagate.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "colorize/color.h"
#include "colorize/resample.h"

namespace colorize {
namespace {

// The four "forward" neighbours of a pixel (each undirected pair is stored once, at the
// pixel that comes first in row-major order): right, down-left, down, down-right.
constexpr int kDx[4] = {1, -1, 0, 1};
constexpr int kDy[4] = {0, 1, 1, 1};

// The smallest sigma^2 (L* units squared): differences under about one L* unit, about a
// just-noticeable one, and the noise of 8-bit samples count as the same tone.
constexpr double kMinSigma2 = 1.0;

// lambda_r = kScreening x degree_r / reach^2: on an even plane (8 weights of 1, whose sum of
// differences is about 3 x the Laplacian) a change then falls by e over `reach` pixels.
constexpr float kScreening = 3.0f / 8.0f;

// The system to solve: its lightness, which pixels are fixed and their values (one plane per
// chroma channel), and the screening weight (0 = none).
struct Problem {
  Plane L;
  std::vector<uint8_t> fixed;
  Plane value[2];
  float lambda = 0.0f;
};

// Affinities of one level: forward weights w[d][i] (0 where the neighbour is outside) and
// each pixel's degree (the sum of its 8 weights).
struct Affinity {
  std::vector<float> w[4];
  std::vector<float> degree;
};

Affinity affinities(const Plane& L) {
  const int W = L.width, H = L.height;
  const size_t n = L.size();
  std::vector<float> inv_sigma2(n);
  for (int y = 0; y < H; ++y) {
    for (int x = 0; x < W; ++x) {
      const float c = L.at(x, y);
      double s = 0, s2 = 0;
      int count = 0;
      float min_d2 = 1e30f;
      for (int dy = -1; dy <= 1; ++dy) {
        for (int dx = -1; dx <= 1; ++dx) {
          const int xx = x + dx, yy = y + dy;
          if (xx < 0 || yy < 0 || xx >= W || yy >= H) continue;
          const float v = L.at(xx, yy);
          s += v;
          s2 += static_cast<double>(v) * v;
          ++count;
          if (dx != 0 || dy != 0) min_d2 = std::min(min_d2, (v - c) * (v - c));
        }
      }
      const double mean = s / count;
      const double var = std::max(0.0, s2 / count - mean * mean);
      double sigma2 = 0.6 * var;
      if (min_d2 < 1e30f) sigma2 = std::max(sigma2, min_d2 / std::log(100.0));
      sigma2 = std::max(sigma2, kMinSigma2);
      inv_sigma2[static_cast<size_t>(y) * W + x] = static_cast<float>(1.0 / sigma2);
    }
  }
  Affinity a;
  a.degree.assign(n, 0.0f);
  for (int d = 0; d < 4; ++d) {
    a.w[d].assign(n, 0.0f);
    for (int y = 0; y < H; ++y) {
      const int yy = y + kDy[d];
      if (yy >= H) continue;
      for (int x = 0; x < W; ++x) {
        const int xx = x + kDx[d];
        if (xx < 0 || xx >= W) continue;
        const size_t i = static_cast<size_t>(y) * W + x, j = static_cast<size_t>(yy) * W + xx;
        const float diff = L.data[i] - L.data[j];
        // A floor keeps every pixel connected to its neighbours (the system stays regular).
        const float wij =
            std::max(1e-5f, std::exp(-0.5f * diff * diff * (inv_sigma2[i] + inv_sigma2[j])));
        a.w[d][i] = wij;
        a.degree[i] += wij;
        a.degree[j] += wij;
      }
    }
  }
  return a;
}

// The weighted sum over pixel i's 8 neighbours of v, checking every neighbour's position
// (for the pixels of the border).
float neighbour_sum_at(const Affinity& a, int W, int H, int x, int y, const float* v) {
  const size_t i = static_cast<size_t>(y) * W + x;
  float sum = 0.0f;
  for (int d = 0; d < 4; ++d) {
    const int fx = x + kDx[d], fy = y + kDy[d];  // forward: weight stored here
    if (fx >= 0 && fx < W && fy < H) sum += a.w[d][i] * v[static_cast<size_t>(fy) * W + fx];
    const int bx = x - kDx[d], by = y - kDy[d];  // backward: weight stored there
    if (bx >= 0 && bx < W && by >= 0) {
      const size_t j = static_cast<size_t>(by) * W + bx;
      sum += a.w[d][j] * v[j];
    }
  }
  return sum;
}

// One row of neighbour_sum2 away from the border: pixels 1 .. x_end - 1 of the row that w*,
// v and out point at (the rows above and below are `stride` floats away).
void inner_row_sum(int x_end, const float* __restrict w0, const float* __restrict w1,
                   const float* __restrict w2, const float* __restrict w3, int stride,
                   const float* __restrict v, float* __restrict out) {
  const float* __restrict w1u = w1 - stride;
  const float* __restrict w2u = w2 - stride;
  const float* __restrict w3u = w3 - stride;
  const float* __restrict vu = v - stride;
  const float* __restrict vd = v + stride;
  for (int x = 1; x < x_end; ++x) {
    // Forward neighbours (weights here), then backward ones (weights at the neighbour).
    out[x] = w0[x] * v[x + 1] + w1[x] * vd[x - 1] + w2[x] * vd[x] + w3[x] * vd[x + 1] +
             w0[x - 1] * v[x - 1] + w1u[x + 1] * vu[x + 1] + w2u[x] * vu[x] +
             w3u[x - 1] * vu[x - 1];
  }
}

// out[r] = sum over r's neighbours s of w_rs * v[s], for two vectors at once (the two chroma
// channels share the weights). Written as a gather (each output written once) so the inner
// loop vectorises; the border pixels take the checked path.
void neighbour_sum2(const Affinity& a, int W, int H, const float* v0, const float* v1, float* out0,
                    float* out1) {
  const float* w0 = a.w[0].data();  // right
  const float* w1 = a.w[1].data();  // down-left
  const float* w2 = a.w[2].data();  // down
  const float* w3 = a.w[3].data();  // down-right
  for (int y = 0; y < H; ++y) {
    const bool inner_row = y > 0 && y + 1 < H;
    const int x_end = inner_row ? W - 1 : 0;
    for (int x : {0, W - 1}) {
      const size_t i = static_cast<size_t>(y) * W + x;
      out0[i] = neighbour_sum_at(a, W, H, x, y, v0);
      out1[i] = neighbour_sum_at(a, W, H, x, y, v1);
    }
    if (!inner_row) {
      for (int x = 1; x < W - 1; ++x) {
        const size_t i = static_cast<size_t>(y) * W + x;
        out0[i] = neighbour_sum_at(a, W, H, x, y, v0);
        out1[i] = neighbour_sum_at(a, W, H, x, y, v1);
      }
      continue;
    }
    const size_t row = static_cast<size_t>(y) * W;
    inner_row_sum(x_end, w0 + row, w1 + row, w2 + row, w3 + row, W, v0 + row, out0 + row);
    inner_row_sum(x_end, w0 + row, w1 + row, w2 + row, w3 + row, W, v1 + row, out1 + row);
  }
}

// The multigrid preconditioner: a hierarchy of 2 x 2 aggregates with Galerkin coarse
// operators (aggregation: each coarse pixel stands for the free pixels of its block; the
// coarse weights are the sums of the fine weights between blocks), so every level is again
// an 8-neighbour system A = diag - W on its free pixels; smoothing by damped Jacobi.
struct MgLevel {
  int W = 0, H = 0;
  Affinity a;  // w[d]: weights between two free pixels (0 elsewhere); degree unused
  std::vector<float> diag, inv_diag, free;
  std::vector<float> t[2], rc[2], ec[2];  // scratch: A e, the coarse residual and correction
};

constexpr float kJacobiDamping = 0.6f;
constexpr int kSmoothingSweeps = 2;
// Piecewise-constant aggregates make a coarse correction too small in energy: it is scaled up
// (over-correction; 1.5 measured best of 1.0, 1.3, 1.5 and 1.7 in bench_marks, and better
// than a W-cycle). A constant factor keeps the preconditioner symmetric.
constexpr float kCoarseScale = 1.5f;
constexpr int kCoarsestSweeps = 40;
constexpr int kCoarsestSide = 6;

MgLevel finest_mg(const Problem& lv, const Affinity& a) {
  MgLevel m;
  m.W = lv.L.width;
  m.H = lv.L.height;
  const size_t n = lv.L.size();
  m.diag.resize(n);
  m.inv_diag.resize(n);
  m.free.resize(n);
  for (size_t i = 0; i < n; ++i) {
    m.diag[i] = (1.0f + lv.lambda) * a.degree[i];
    m.free[i] = lv.fixed[i] ? 0.0f : 1.0f;
    m.inv_diag[i] = m.free[i] / m.diag[i];
  }
  for (int d = 0; d < 4; ++d) {
    m.a.w[d] = a.w[d];
    for (int y = 0; y < m.H; ++y)
      for (int x = 0; x < m.W; ++x) {
        const int xx = x + kDx[d], yy = y + kDy[d];
        const size_t i = static_cast<size_t>(y) * m.W + x;
        if (xx < 0 || xx >= m.W || yy >= m.H || lv.fixed[i] ||
            lv.fixed[static_cast<size_t>(yy) * m.W + xx])
          m.a.w[d][i] = 0.0f;
      }
  }
  return m;
}

MgLevel coarser_mg(const MgLevel& f) {
  MgLevel c;
  c.W = (f.W + 1) / 2;
  c.H = (f.H + 1) / 2;
  const size_t n = static_cast<size_t>(c.W) * c.H;
  c.diag.assign(n, 0.0f);
  c.free.assign(n, 0.0f);
  for (int d = 0; d < 4; ++d) c.a.w[d].assign(n, 0.0f);
  auto agg = [&](int x, int y) { return static_cast<size_t>(y / 2) * c.W + x / 2; };
  for (int y = 0; y < f.H; ++y)
    for (int x = 0; x < f.W; ++x) {
      const size_t i = static_cast<size_t>(y) * f.W + x;
      if (f.free[i] == 0.0f) continue;
      c.diag[agg(x, y)] += f.diag[i];
      c.free[agg(x, y)] = 1.0f;
    }
  for (int d = 0; d < 4; ++d)
    for (int y = 0; y < f.H; ++y)
      for (int x = 0; x < f.W; ++x) {
        const float wij = f.a.w[d][static_cast<size_t>(y) * f.W + x];
        if (wij == 0.0f) continue;
        const int xx = x + kDx[d], yy = y + kDy[d];
        const size_t I = agg(x, y), J = agg(xx, yy);
        if (I == J) {
          c.diag[I] -= 2.0f * wij;
          continue;
        }
        const int dx = xx / 2 - x / 2, dy = yy / 2 - y / 2;
        for (int k = 0; k < 4; ++k) {
          if (kDx[k] == dx && kDy[k] == dy) c.a.w[k][I] += wij;
          if (kDx[k] == -dx && kDy[k] == -dy) c.a.w[k][J] += wij;
        }
      }
  c.inv_diag.resize(n);
  for (size_t i = 0; i < n; ++i) c.inv_diag[i] = c.diag[i] > 0.0f ? c.free[i] / c.diag[i] : 0.0f;
  return c;
}

// t = A v on a level, for both channels.
void apply2(MgLevel& m, const float* v0, const float* v1, float* t0, float* t1) {
  neighbour_sum2(m.a, m.W, m.H, v0, v1, t0, t1);
  const size_t n = m.diag.size();
  for (size_t i = 0; i < n; ++i) {
    t0[i] = m.free[i] * (m.diag[i] * v0[i] - t0[i]);
    t1[i] = m.free[i] * (m.diag[i] * v1[i] - t1[i]);
  }
}

// e += damping * diag^-1 (r - A e), `sweeps` times (from e = 0 when `from_zero`).
void smooth2(MgLevel& m, const float* const r[2], float* const e[2], int sweeps, bool from_zero) {
  const size_t n = m.diag.size();
  for (int s = 0; s < sweeps; ++s) {
    if (s == 0 && from_zero) {
      for (int c = 0; c < 2; ++c)
        for (size_t i = 0; i < n; ++i) e[c][i] = kJacobiDamping * m.inv_diag[i] * r[c][i];
      continue;
    }
    apply2(m, e[0], e[1], m.t[0].data(), m.t[1].data());
    for (int c = 0; c < 2; ++c)
      for (size_t i = 0; i < n; ++i)
        e[c][i] += kJacobiDamping * m.inv_diag[i] * (r[c][i] - m.t[c][i]);
  }
}

// e = M r: one V-cycle from level k (the same smoothing before and after, so M is symmetric).
void vcycle2(std::vector<MgLevel>& levels, size_t k, const float* const r[2], float* const e[2]) {
  MgLevel& m = levels[k];
  if (k + 1 == levels.size()) {
    smooth2(m, r, e, kCoarsestSweeps, true);
    return;
  }
  smooth2(m, r, e, kSmoothingSweeps, true);
  apply2(m, e[0], e[1], m.t[0].data(), m.t[1].data());
  MgLevel& c = levels[k + 1];
  for (int ch = 0; ch < 2; ++ch) {
    std::fill(m.rc[ch].begin(), m.rc[ch].end(), 0.0f);
    for (int y = 0; y < m.H; ++y)
      for (int x = 0; x < m.W; ++x) {
        const size_t i = static_cast<size_t>(y) * m.W + x;
        m.rc[ch][static_cast<size_t>(y / 2) * c.W + x / 2] += m.free[i] * (r[ch][i] - m.t[ch][i]);
      }
  }
  const float* rc[2] = {m.rc[0].data(), m.rc[1].data()};
  float* ec[2] = {m.ec[0].data(), m.ec[1].data()};
  vcycle2(levels, k + 1, rc, ec);
  for (int ch = 0; ch < 2; ++ch)
    for (int y = 0; y < m.H; ++y)
      for (int x = 0; x < m.W; ++x) {
        const size_t i = static_cast<size_t>(y) * m.W + x;
        e[ch][i] += kCoarseScale * m.free[i] * m.ec[ch][static_cast<size_t>(y / 2) * c.W + x / 2];
      }
  smooth2(m, r, e, kSmoothingSweeps, false);
}

// Solves both channels in place: x[c] (the start on entry) keeps its fixed
// values; elsewhere (1 + lambda) degree_r x_r - sum_s w_rs x_s = 0. Conjugate gradients
// preconditioned by a multigrid V-cycle, both channels in each pass; a channel that has
// converged stops changing. The stopping rule reads the Jacobi-scaled residual (the change a
// Jacobi step would make), whatever the preconditioner.
void solve(const Problem& lv, const Affinity& a, const PropagateOptions& o, Plane* x) {
  const int W = lv.L.width, H = lv.L.height;
  const size_t n = lv.L.size();
  size_t free_count = 0;
  for (size_t i = 0; i < n; ++i) free_count += lv.fixed[i] ? 0 : 1;
  if (free_count == 0) return;
  std::vector<MgLevel> levels;
  levels.push_back(finest_mg(lv, a));
  while (std::max(levels.back().W, levels.back().H) > kCoarsestSide)
    levels.push_back(coarser_mg(levels.back()));
  for (size_t k = 0; k < levels.size(); ++k) {
    MgLevel& m = levels[k];
    const size_t nk = m.diag.size();
    const size_t nc = k + 1 < levels.size() ? levels[k + 1].diag.size() : 0;
    for (int c = 0; c < 2; ++c) {
      m.t[c].assign(nk, 0.0f);
      m.rc[c].assign(nc, 0.0f);
      m.ec[c].assign(nc, 0.0f);
    }
  }
  const MgLevel& f = levels[0];
  std::vector<float> r[2], z[2], p[2], q[2];
  for (int c = 0; c < 2; ++c) {
    r[c].assign(n, 0.0f);
    z[c].assign(n, 0.0f);
    p[c].assign(n, 0.0f);
    q[c].assign(n, 0.0f);
  }
  float* xs[2] = {x[0].data.data(), x[1].data.data()};
  // r = b - A x, where b holds the fixed pixels' pull on their free neighbours.
  neighbour_sum2(a, W, H, xs[0], xs[1], r[0].data(), r[1].data());
  for (int c = 0; c < 2; ++c)
    for (size_t i = 0; i < n; ++i) r[c][i] = f.free[i] * (r[c][i] - f.diag[i] * xs[c][i]);
  const double tol2 = static_cast<double>(o.tolerance) * o.tolerance * free_count;
  auto scaled_norm2 = [&](const std::vector<float>& rr) {
    double s = 0;
    for (size_t i = 0; i < n; ++i) {
      const double v = static_cast<double>(rr[i]) * f.inv_diag[i];
      s += v * v;
    }
    return s;
  };
  {
    const float* rr[2] = {r[0].data(), r[1].data()};
    float* zz[2] = {z[0].data(), z[1].data()};
    vcycle2(levels, 0, rr, zz);
  }
  double rz[2];
  bool active[2];
  for (int c = 0; c < 2; ++c) {
    p[c] = z[c];
    rz[c] = 0;
    for (size_t i = 0; i < n; ++i) rz[c] += static_cast<double>(r[c][i]) * z[c][i];
    active[c] = scaled_norm2(r[c]) > tol2;
  }
  for (int it = 0; it < o.max_iterations && (active[0] || active[1]); ++it) {
    apply2(levels[0], p[0].data(), p[1].data(), q[0].data(), q[1].data());
    for (int c = 0; c < 2; ++c) {
      if (!active[c]) continue;
      double pq = 0;
      for (size_t i = 0; i < n; ++i) pq += static_cast<double>(p[c][i]) * q[c][i];
      if (!(pq > 0)) {
        active[c] = false;
        continue;
      }
      const float alpha = static_cast<float>(rz[c] / pq);
      for (size_t i = 0; i < n; ++i) {
        xs[c][i] += alpha * p[c][i];
        r[c][i] -= alpha * q[c][i];
      }
      active[c] = scaled_norm2(r[c]) > tol2;
    }
    if (!active[0] && !active[1]) break;
    const float* rr[2] = {r[0].data(), r[1].data()};
    float* zz[2] = {z[0].data(), z[1].data()};
    vcycle2(levels, 0, rr, zz);
    for (int c = 0; c < 2; ++c) {
      if (!active[c]) continue;
      double rz_new = 0;
      for (size_t i = 0; i < n; ++i) rz_new += static_cast<double>(r[c][i]) * z[c][i];
      const float beta = static_cast<float>(rz_new / rz[c]);
      rz[c] = rz_new;
      for (size_t i = 0; i < n; ++i) p[c][i] = z[c][i] + beta * p[c][i];
    }
  }
}

// Solves the problem from its marks: the start is the marks' mean colour (0 with screening: a
// correction's change), the marked pixels hold their values.
AbPlanes solve_problem(const Problem& lv, const PropagateOptions& o) {
  const Affinity a = affinities(lv.L);
  Plane x[2];
  for (int c = 0; c < 2; ++c) {
    double s = 0;
    size_t nf = 0;
    for (size_t i = 0; i < lv.fixed.size(); ++i) {
      if (lv.fixed[i]) {
        s += lv.value[c].data[i];
        ++nf;
      }
    }
    const float start = (lv.lambda > 0.0f || nf == 0) ? 0.0f : static_cast<float>(s / nf);
    x[c] = Plane(lv.L.width, lv.L.height, start);
    for (size_t i = 0; i < lv.fixed.size(); ++i)
      if (lv.fixed[i]) x[c].data[i] = lv.value[c].data[i];
  }
  solve(lv, a, o, x);
  return AbPlanes{std::move(x[0]), std::move(x[1])};
}

Status bad(const std::string& m) { return Status(ErrorCode::kInvalidArgument, m); }

bool same_size(const Plane& p, const Plane& L) {
  return p.width == L.width && p.height == L.height && p.data.size() == L.data.size();
}

Status check(const Plane& L, const AbPlanes* base, const HintPlanes& marks,
             const PropagateOptions& o) {
  if (L.empty() || L.data.size() != static_cast<size_t>(L.width) * L.height) {
    return bad("the lightness plane is empty");
  }
  if (!same_size(marks.mask, L) || !same_size(marks.ab.a, L) || !same_size(marks.ab.b, L)) {
    return bad("the marks are not the size of the lightness plane");
  }
  if (base && (!same_size(base->a, L) || !same_size(base->b, L))) {
    return bad("the chroma to correct is not the size of the lightness plane");
  }
  if (!(o.reach >= 0.01f && o.reach <= 10.0f)) return bad("reach must lie in 0.01..10");
  if (o.max_iterations < 1 || o.max_iterations > 100000) {
    return bad("max_iterations must lie in 1..100000");
  }
  if (!(o.tolerance > 0.0f) || !std::isfinite(o.tolerance)) {
    return bad("tolerance must be a positive number");
  }
  return Status::Ok();
}

// The finest level: L clamped to [0, 100] (non-finite = 0); marks with non-finite values are
// ignored; values are mark - base.
Problem make_problem(const Plane& L, const AbPlanes* base, const HintPlanes& marks) {
  Problem lv;
  lv.L = L;
  for (float& v : lv.L.data) v = std::isfinite(v) ? std::min(100.0f, std::max(0.0f, v)) : 0.0f;
  const size_t n = L.size();
  lv.fixed.assign(n, 0);
  lv.value[0] = Plane(L.width, L.height);
  lv.value[1] = Plane(L.width, L.height);
  for (size_t i = 0; i < n; ++i) {
    const float ma = marks.ab.a.data[i], mb = marks.ab.b.data[i];
    if (!(marks.mask.data[i] > 0.5f) || !std::isfinite(ma) || !std::isfinite(mb)) continue;
    float ba = 0.0f, bb = 0.0f;
    if (base) {
      ba = std::isfinite(base->a.data[i]) ? base->a.data[i] : 0.0f;
      bb = std::isfinite(base->b.data[i]) ? base->b.data[i] : 0.0f;
    }
    lv.fixed[i] = 1;
    lv.value[0].data[i] = ma - ba;
    lv.value[1].data[i] = mb - bb;
  }
  return lv;
}

}  // namespace

int hint_radius_on_grid(int grid_width, int grid_height, int work_width, int work_height) {
  const double finer = static_cast<double>(std::max(grid_width, grid_height)) /
                       std::max(1, std::max(work_width, work_height));
  return std::max(1, static_cast<int>(std::lround((3.0 * finer - 1.0) / 2.0)));
}

size_t count_marks(const HintPlanes& marks) {
  size_t n = 0;
  for (float m : marks.mask.data) n += m > 0.5f ? 1 : 0;
  return n;
}

Result<AbPlanes> propagate_marks(const Plane& L, const HintPlanes& marks,
                                 const PropagateOptions& options) {
  Status st = check(L, nullptr, marks, options);
  if (!st.ok()) return st;
  Problem lv = make_problem(L, nullptr, marks);
  if (std::find(lv.fixed.begin(), lv.fixed.end(), 1) == lv.fixed.end()) {
    return bad("no pixel is marked: colour from marks needs at least one mark");
  }
  return solve_problem(lv, options);
}

Result<AbPlanes> correct_with_marks(const Plane& L, const AbPlanes& base, const HintPlanes& marks,
                                    const PropagateOptions& options) {
  Status st = check(L, &base, marks, options);
  if (!st.ok()) return st;
  Problem lv = make_problem(L, &base, marks);
  const float side = options.reach * static_cast<float>(std::max(L.width, L.height));
  lv.lambda = kScreening / (side * side);
  AbPlanes out = base;
  if (std::find(lv.fixed.begin(), lv.fixed.end(), 1) == lv.fixed.end()) return out;
  const AbPlanes delta = solve_problem(lv, options);
  for (size_t i = 0; i < out.a.size(); ++i) {
    out.a.data[i] += delta.a.data[i];
    out.b.data[i] += delta.b.data[i];
  }
  return out;
}

Result<HintPlanes> marks_from_image(const Image& original, const Image& marked, int grid_width,
                                    int grid_height, float threshold) {
  if (original.empty() || marked.empty()) return bad("the photo or its marked copy is empty");
  if (original.width != marked.width || original.height != marked.height) {
    return bad("the marked copy is " + std::to_string(marked.width) + " x " +
               std::to_string(marked.height) + " pixels, the photo " +
               std::to_string(original.width) + " x " + std::to_string(original.height) +
               ": paint the marks on a copy of the same size");
  }
  if (grid_width < 1 || grid_height < 1) return bad("the marks' grid is empty");
  if (!(threshold > 0.0f) || !std::isfinite(threshold)) {
    return bad("the marks' threshold must be a positive number");
  }
  const int W = original.width, H = original.height;
  const float t2 = threshold * threshold;
  const auto rgb = [](const Image& im, size_t i) {  // pixel i as sRGB in [0, 1]
    const size_t at = i * static_cast<size_t>(im.channels);
    const size_t g = im.channels >= 3 ? 1 : 0;
    if (im.bit_depth == 16) {
      const uint16_t* p = &im.data16[at];
      constexpr float k = 1.0f / 65535.0f;
      return Rgb{p[0] * k, p[g] * k, p[2 * g] * k};
    }
    const uint8_t* p = &im.data8[at];
    constexpr float k = 1.0f / 255.0f;
    return Rgb{p[0] * k, p[g] * k, p[2 * g] * k};
  };
  // Whether pixel i is a mark, and its a*b*. Pixels whose samples are the photo's (most of
  // them) are not converted to CIELAB at all.
  const auto mark_at = [&](size_t i, Lab* mark) {
    const Rgb p = rgb(original, i), q = rgb(marked, i);
    if (p.r == q.r && p.g == q.g && p.b == q.b) return false;
    const Lab l0 = srgb_to_lab(p);
    *mark = srgb_to_lab(q);
    const float dL = mark->L - l0.L, da = mark->a - l0.a, db = mark->b - l0.b;
    return dL * dL + da * da + db * db > t2;
  };
  HintPlanes out{{Plane(grid_width, grid_height), Plane(grid_width, grid_height)},
                 Plane(grid_width, grid_height)};
  for (int gy = 0; gy < grid_height; ++gy) {
    const int y0 = static_cast<int>(static_cast<int64_t>(gy) * H / grid_height);
    const int y1 =
        std::max(y0 + 1, static_cast<int>(static_cast<int64_t>(gy + 1) * H / grid_height));
    for (int gx = 0; gx < grid_width; ++gx) {
      const int x0 = static_cast<int>(static_cast<int64_t>(gx) * W / grid_width);
      const int x1 =
          std::max(x0 + 1, static_cast<int>(static_cast<int64_t>(gx + 1) * W / grid_width));
      double sa = 0, sb = 0;
      int n = 0;
      for (int y = y0; y < std::min(y1, H); ++y) {
        for (int x = x0; x < std::min(x1, W); ++x) {
          Lab m;
          if (!mark_at(static_cast<size_t>(y) * W + x, &m)) continue;
          sa += m.a;
          sb += m.b;
          ++n;
        }
      }
      if (n == 0) continue;
      out.mask.at(gx, gy) = 1.0f;
      out.ab.a.at(gx, gy) = static_cast<float>(sa / n);
      out.ab.b.at(gx, gy) = static_cast<float>(sb / n);
    }
  }
  return out;
}

Result<HintPlanes> marks_from_layer(const Image& layer) {
  if (layer.empty() || layer.sample_count() == 0) return bad("the paint layer is empty");
  Plane L, a, b;
  image_to_lab(layer, &L, &a, &b);
  const int w = layer.width, h = layer.height;
  HintPlanes out{{Plane(w, h), Plane(w, h)}, Plane(w, h)};
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      if (layer.has_alpha() && layer.sample01(x, y, layer.channels - 1) < 0.5f) continue;
      out.mask.at(x, y) = 1.0f;
      out.ab.a.at(x, y) = a.at(x, y);
      out.ab.b.at(x, y) = b.at(x, y);
    }
  }
  return out;
}

Status add_marks(HintPlanes* marks, const HintPlanes& more) {
  const Plane& m = marks->mask;
  if (!same_size(more.mask, m) || !same_size(more.ab.a, m) || !same_size(more.ab.b, m) ||
      !same_size(marks->ab.a, m) || !same_size(marks->ab.b, m)) {
    return bad("the marks to add are not the size of the marks");
  }
  for (size_t i = 0; i < m.size(); ++i) {
    if (marks->mask.data[i] > 0.5f || !(more.mask.data[i] > 0.5f)) continue;
    marks->mask.data[i] = 1.0f;
    marks->ab.a.data[i] = more.ab.a.data[i];
    marks->ab.b.data[i] = more.ab.b.data[i];
  }
  return Status::Ok();
}

}  // namespace colorize
