"""Judging a network the way the bars judge the shipped model: at a colourfulness fixed in
advance. A larger prior correction beta mutes colour and raises PSNR, lowers CIEDE2000 and
shrinks the wrong-colour area, so two networks (or two checkpoints of one run) can only be
compared at the same colourfulness. matched_scores() finds the beta that brings the mean
colourfulness of the results to cf_target x the truth's (secant method on the decoded
images), then scores that decoding exactly as evaluate.py does (256 x 256 crops, ab up-sampled
onto the crop's own L*): PSNR, colourfulness ratio, mean CIEDE2000, wrong-colour area.

The training loop uses it (select_on="matched") to keep the checkpoint that is best on the
image metrics rather than on the cross-entropy, which has gone down while the colours got
worse in several runs (models/README.md)."""
import numpy as np

from . import evaluate as ev
from .losses import annealed_mean_rows
from .metrics import colourfulness, compose

SCORE_KEYS = ("psnr", "de2000", "wrong_pct")


def decode(z, bins, log_w, T, beta):
    """Raw logits z [N, Q, h, w] -> ab [N, 2, h, w] as the exported graph decodes them:
    annealed mean of softmax((z - beta log w) / T)."""
    return annealed_mean_rows(z - beta * log_w.view(1, -1, 1, 1), bins, T)


def cf_ratio(truth, ab):
    """Mean colourfulness of the composed results over the truth's (evaluate.summarize)."""
    cf = [colourfulness(compose(truth.lab[i, ..., 0], ab[i])) for i in range(len(ab))]
    return float(np.mean(cf) / np.mean(truth.cf))


def beta_for_cf(z, bins, log_w, T, truth, target, beta0=0.3, step=0.08, tol=0.003,
                max_evals=8, lo=-1.0, hi=2.0):
    """The beta in [lo, hi] whose decoding has colourfulness ratio `target` (within tol, or
    the closest found in max_evals decodings). Colourfulness falls as beta grows; the secant
    steps are bounded so a flat stretch cannot throw the search far away (a barely trained
    network may not reach the target at all). Returns (beta, ratio)."""
    seen = []

    def f(b):
        r = cf_ratio(truth, decode(z, bins, log_w, T, b))
        seen.append((abs(r - target), b, r))
        return r - target

    b0 = min(max(beta0, lo), hi - step)
    b1 = b0 + step
    f0, f1 = f(b0), f(b1)
    while len(seen) < max_evals and abs(f1) > tol:
        if f1 == f0:
            b2 = b1 + (step if f1 > 0 else -step)
        else:
            b2 = b1 - f1 * (b1 - b0) / (f1 - f0)
            b2 = min(max(b2, b1 - 0.5), b1 + 0.5)
        b2 = min(max(b2, lo), hi)
        if b2 == b1:
            break
        b0, f0, b1 = b1, f1, b2
        f1 = f(b1)
    _, beta, ratio = min(seen)
    return float(beta), float(ratio)


def matched_scores(z, bins, log_w, truth, cf_target, T=0.2, beta0=0.3):
    """Scores at colourfulness cf_target x truth: dict(beta, cf_ratio, psnr, de2000,
    wrong_pct) (wrong_pct in % of pixels)."""
    beta, _ = beta_for_cf(z, bins, log_w, T, truth, cf_target, beta0=beta0)
    s = ev.summarize(ev.score(truth, decode(z, bins, log_w, T, beta), with_ssim=False))
    return dict(beta=beta, cf_ratio=float(s["cf_ratio"]), psnr=float(s["psnr"]),
                de2000=float(s["de2000"]), wrong_pct=float(s["wrong_pct"]))


def selection_value(scores, metric):
    """Lower is better: de2000 and wrong_pct as they are, PSNR negated."""
    if metric not in SCORE_KEYS:
        raise ValueError("select_metric must be one of %s, not %r" % (", ".join(SCORE_KEYS),
                                                                      metric))
    return -scores["psnr"] if metric == "psnr" else scores[metric]
