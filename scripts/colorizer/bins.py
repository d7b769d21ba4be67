"""The quantized ab output space: bins on a grid of 10 CIELAB units, the empirical prior and
the class-rebalancing weights (Zhang et al. 2016), and soft-encoding of ground-truth ab.

Definition of the bin set: the centres (a, b) on the grid {..., -10, 0, 10, ...} that are the
nearest grid centre of at least one 8-bit sRGB colour (all 2^24 colours, any lightness).
Equivalently, the 10x10 cells around the centres that contain a displayable sRGB colour. So
every colour an sRGB photo can hold quantizes into the set (nothing gets clipped by
quantization), and no bin exists that no photo can reach. A stricter test on the cell
centre alone (is (L, a, b) in gamut for some L) gives fewer bins (the 229-261 of the issue)
and loses the edge of the gamut. The count this yields is BIN_COUNT (checked in the tests).
"""
import numpy as np

from .color import EPSILON, KAPPA, RGB_TO_XYZ, WHITE, srgb_to_linear

GRID = 10.0
BIN_COUNT = 261  # what ab_bins() yields; asserted there and in tests/python/test_bins.py


def ab_bins():
    """[Q, 2] float32 bin centres (a, b), sorted by a then b."""
    # linear value of each 8-bit level (exact transfer function), then the CIE formulas.
    lin = srgb_to_linear(np.arange(256) / 255.0)
    m = RGB_TO_XYZ / np.array(WHITE)[:, None]         # rows give X/Xn, Y/Yn, Z/Zn
    g, b = np.meshgrid(lin, lin, indexing="ij")
    keys = set()
    for r in lin:                                     # slabs of 64k colours: bounded memory
        t = [m[i, 0] * r + m[i, 1] * g + m[i, 2] * b for i in range(3)]
        f = [np.where(x > EPSILON, np.cbrt(x), (KAPPA * x + 16.0) / 116.0) for x in t]
        qa = np.round(500.0 * (f[0] - f[1]) / GRID).astype(np.int64)
        qb = np.round(200.0 * (f[1] - f[2]) / GRID).astype(np.int64)
        code = np.unique((qa + 100) * 1000 + (qb + 100))   # offsets keep codes positive
        keys.update(zip((code // 1000 - 100).tolist(), (code % 1000 - 100).tolist()))
    centres = np.array(sorted(keys), dtype=np.float32) * GRID
    assert len(centres) == BIN_COUNT, len(centres)
    return centres


_CACHE = {}


def bins():
    if "bins" not in _CACHE:
        _CACHE["bins"] = ab_bins()
    return _CACHE["bins"]


def nearest_bin(ab, centres):
    """ab: [..., 2] -> index [...] of the nearest centre (Euclidean in ab), in chunks of
    65536 values so the distance table stays small."""
    flat = np.asarray(ab, np.float32).reshape(-1, 2)
    out = np.empty(len(flat), np.int64)
    for i in range(0, len(flat), 65536):
        d = ((flat[i:i + 65536, None, :] - centres[None]) ** 2).sum(-1)
        out[i:i + 65536] = d.argmin(-1)
    return out.reshape(np.shape(ab)[:-1])


def empirical_prior(ab_samples, centres, sigma=5.0):
    """Probability of each bin among ab samples [N, 2] (hard nearest-bin counts), smoothed
    with a Gaussian of `sigma` ab units over the bin centres (Zhang et al. use sigma = 5)."""
    idx = nearest_bin(ab_samples.astype(np.float32), centres)
    counts = np.bincount(idx, minlength=len(centres)).astype(np.float64)
    p = counts / counts.sum()
    d2 = ((centres[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
    k = np.exp(-d2 / (2.0 * sigma ** 2))
    k /= k.sum(1, keepdims=True)
    p = k @ p
    return p / p.sum()


def rebalance_weights(prior, lam=0.5):
    """w_q proportional to ((1 - lam) p_q + lam / Q)^-1, scaled so that sum_q p_q w_q = 1."""
    Q = len(prior)
    w = 1.0 / ((1.0 - lam) * prior + lam / Q)
    return (w / (prior * w).sum()).astype(np.float32)
