"""How sure a difference is: bootstrap confidence intervals over images.

The metrics table averages per-image scores over a few hundred images, and runs of one recipe
differ by tenths of a dB. Before a difference between two networks decides anything it should
be told apart from the luck of which images were drawn: resample the images with replacement
(the same draw for both networks, so a pair of scores stays a pair) and read the spread of the
mean. Percentile intervals (Efron & Tibshirani, ch. 13); fixed seed, so figures reproduce."""
import numpy as np


def bootstrap_indices(n, draws=2000, seed=0):
    """[draws, n] image indices drawn with replacement (one row per resampled image set)."""
    if n < 2:
        raise ValueError("a bootstrap needs at least 2 images, got %d" % n)
    return np.random.RandomState(seed).randint(0, n, size=(draws, n))


def _resampled_means(values, level, draws, seed, idx):
    """(the resampled means, the interval's low and high percentiles) of values [n]."""
    idx = bootstrap_indices(len(values), draws, seed) if idx is None else idx
    means = values[idx].mean(axis=1)
    tail = 100.0 * (1.0 - level) / 2.0
    lo, hi = np.percentile(means, [tail, 100.0 - tail])
    return means, float(lo), float(hi)


def mean_ci(values, level=0.95, draws=2000, seed=0, idx=None):
    """(mean, low, high): the mean of the per-image values and the percentile interval of the
    bootstrapped mean at `level`."""
    v = np.asarray(values, dtype=np.float64)
    _, lo, hi = _resampled_means(v, level, draws, seed, idx)
    return float(v.mean()), lo, hi


def paired_difference(a, b, level=0.95, draws=2000, seed=0, idx=None):
    """Per-image scores a and b of two methods on the same images -> dict(diff = mean(b - a),
    low, high (interval of the difference), share_above = the fraction of resampled image sets
    on which b's mean is above a's). An interval that holds 0 means the images do not tell the
    two apart."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError("paired scores need the same images: %s vs %s" % (a.shape, b.shape))
    d = b - a
    means, lo, hi = _resampled_means(d, level, draws, seed, idx)
    return dict(diff=float(d.mean()), low=lo, high=hi, share_above=float((means > 0).mean()))
