// colorize-marks: the marks methods of the core (colorize/propagate.h) on .npy tensors, so
// that scripts score them exactly as they score the models (scripts/eval_hints.py).
//
//   colorize-marks --L L.npy --hint-ab hint_ab.npy --hint-mask hint_mask.npy
//                  [--base ab.npy] [--reach F] --out ab.npy
//
// L [N,1,H,W] (L* 0..100), hint_ab [N,2,H,W] and hint_mask [N,1,H,W] (the model contract's
// hint inputs, taken as marks). Without --base: colour from the marks alone
// (propagate_marks; an image without marks stays grey). With --base [N,2,h,w] (a model's
// output): brought to H x W as finish() would bring it (upsample_chroma, guided by L) and
// corrected by the marks (correct_with_marks, --reach as a fraction of the longer side,
// default 0.15). Writes ab [N,2,H,W].
// Exit codes: 0 ok, 2 usage, 3 unreadable or mismatched inputs.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "colorize/nn/npy.h"
#include "colorize/pipeline.h"
#include "colorize/propagate.h"

using namespace colorize;
using colorize::nn::Tensor;

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: colorize-marks --L L.npy --hint-ab hint_ab.npy --hint-mask hint_mask.npy\n"
               "                      [--base ab.npy] [--reach F] --out ab.npy\n");
  return 2;
}

// Plane c of image n of a [N, C, H, W] tensor.
Plane plane_of(const Tensor& t, int64_t n, int64_t c) {
  const int h = static_cast<int>(t.shape[2]), w = static_cast<int>(t.shape[3]);
  Plane p(w, h);
  const size_t off = static_cast<size_t>((n * t.shape[1] + c) * h * w);
  std::copy(t.f.begin() + off, t.f.begin() + off + p.size(), p.data.begin());
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> arg;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (k.rfind("--", 0) != 0 || i + 1 >= argc) return usage();
    arg[k] = argv[++i];
  }
  for (const char* k : {"--L", "--hint-ab", "--hint-mask", "--out"})
    if (!arg.count(k)) return usage();
  PropagateOptions opt;
  if (arg.count("--reach")) opt.reach = std::strtof(arg["--reach"].c_str(), nullptr);

  std::map<std::string, Tensor> t;
  for (const char* k : {"--L", "--hint-ab", "--hint-mask", "--base"}) {
    if (!arg.count(k)) continue;
    auto r = nn::read_npy(arg[k]);
    if (!r.ok() || r->rank() != 4 || !nn::is_float(r->dtype)) {
      std::fprintf(stderr, "colorize-marks: %s: %s\n", arg[k].c_str(),
                   r.ok() ? "not a float [N, C, H, W] array" : r.status().to_string().c_str());
      return 3;
    }
    t[k] = std::move(r).value();
  }
  const Tensor& L = t["--L"];
  const int64_t N = L.shape[0], H = L.shape[2], W = L.shape[3];
  const auto fits = [&](const Tensor& x, int64_t c, bool same_hw) {
    return x.shape[0] == N && x.shape[1] == c && (!same_hw || (x.shape[2] == H && x.shape[3] == W));
  };
  const bool with_base = t.count("--base") > 0;
  if (L.shape[1] != 1 || !fits(t["--hint-ab"], 2, true) || !fits(t["--hint-mask"], 1, true) ||
      (with_base && !fits(t["--base"], 2, false))) {
    std::fprintf(stderr, "colorize-marks: the arrays' shapes do not agree\n");
    return 3;
  }
  Tensor out = Tensor::zeros({N, 2, H, W});
  for (int64_t n = 0; n < N; ++n) {
    const Plane Ln = plane_of(L, n, 0);
    const HintPlanes marks{{plane_of(t["--hint-ab"], n, 0), plane_of(t["--hint-ab"], n, 1)},
                           plane_of(t["--hint-mask"], n, 0)};
    Result<AbPlanes> ab = AbPlanes{Plane(Ln.width, Ln.height), Plane(Ln.width, Ln.height)};
    if (with_base) {
      Prepared p;
      p.L_full = Ln;
      const AbPlanes base{plane_of(t["--base"], n, 0), plane_of(t["--base"], n, 1)};
      auto up = upsample_chroma(p, base, Ln);
      ab = up.ok() ? correct_with_marks(Ln, *up, marks, opt) : up;
    } else if (count_marks(marks) > 0) {
      ab = propagate_marks(Ln, marks, opt);
    }
    if (!ab.ok()) {
      std::fprintf(stderr, "colorize-marks: image %lld: %s\n", static_cast<long long>(n),
                   ab.status().to_string().c_str());
      return 3;
    }
    const size_t off = static_cast<size_t>(n * 2 * H * W);
    std::copy(ab->a.data.begin(), ab->a.data.end(), out.f.begin() + off);
    std::copy(ab->b.data.begin(), ab->b.data.end(), out.f.begin() + off + H * W);
  }
  Status st = nn::write_npy(arg["--out"], out);
  if (!st.ok()) {
    std::fprintf(stderr, "colorize-marks: %s\n", st.to_string().c_str());
    return 3;
  }
  return 0;
}
