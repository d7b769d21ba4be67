"""The tone map the product applies to the model's input (PrepareOptions::tone = kStretch in
src/include/colorize/pipeline.h, where the rule is stated): a faded or flat print's range of
L* (that of its central region) is widened toward that of the training photographs; pictures
with the usual range are left alone. The same constants and arithmetic as
src/pipeline/tone.cpp (tests/python/test_tone.py checks the two agree)."""
import numpy as np

LOW, HIGH = 3.5, 93.5            # median 1st / 99th percentile of L*, training photographs
MAX_GAIN = 3.0
FULL_BELOW, NONE_ABOVE = 60.0, 85.0


def tone_range(samples):
    """(p1, p99) of L* samples (clamped to [0, 100], non-finite ones skipped; none: (0, 100)):
    linear interpolation between order statistics, as NumPy's default."""
    v = np.asarray(samples, np.float64).ravel()
    v = np.clip(v[np.isfinite(v)], 0.0, 100.0)
    if v.size == 0:
        return 0.0, 100.0
    p1, p99 = np.percentile(v, [1, 99])
    return float(p1), float(p99)


def central(L):
    """The central region of a plane [H, W] whose range counts: rows H // 10 .. H - H // 10 - 1,
    the same for columns (a scan's border, a frame or dark corners stay out)."""
    h, w = L.shape
    return L[h // 10:h - h // 10, w // 10:w - w // 10]


def tone_map_for_range(p1, p99):
    """(gain, in_mid, out_mid) for a picture of range (p1, p99)."""
    span = p99 - p1
    w = float(np.clip((NONE_ABOVE - span) / (NONE_ABOVE - FULL_BELOW), 0.0, 1.0))
    mid = 0.5 * (p1 + p99)
    if w <= 0.0:
        return 1.0, mid, mid
    lo, hi = min(p1, LOW), max(p99, HIGH)
    full = min(MAX_GAIN, (hi - lo) / span) if span > 0 else MAX_GAIN
    return 1.0 + w * (full - 1.0), mid, (1.0 - w) * mid + w * 0.5 * (lo + hi)


def tone_map(L):
    """(gain, in_mid, out_mid) for one picture's L* [H, W] (range of its central region)."""
    return tone_map_for_range(*tone_range(central(np.asarray(L))))


def apply(L, m):
    gain, in_mid, out_mid = m
    if gain == 1.0 and in_mid == out_mid:  # the identity: exactly clamp(L), as in C++
        return np.clip(L, 0.0, 100.0).astype(np.float32)
    return np.clip((L - in_mid) * gain + out_mid, 0.0, 100.0).astype(np.float32)


def stretch(L):
    """One picture's L* [H, W] through its own tone map."""
    return apply(L, tone_map(L))
