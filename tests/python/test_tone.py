"""colorizer/tone.py: the product's tone map for the model's input, and that it agrees with
the C++ core's (src/pipeline/tone.cpp, through `colorize tone`)."""
import os
import subprocess

import numpy as np
import pytest

from colorizer import evaluate as ev
from colorizer import tone


def rule(samples):
    """The map the rule gives for a picture whose central region holds these samples."""
    return tone.tone_map_for_range(*tone.tone_range(samples))


def test_usual_range_is_left_alone():
    L = np.linspace(0, 100, 1001).astype(np.float32)
    gain, in_mid, out_mid = rule(L)
    assert gain == 1.0 and in_mid == out_mid
    np.testing.assert_array_equal(tone.apply(L, rule(L)), L)


def test_strong_fade_reaches_the_training_range():
    L = 15 + 0.6 * np.linspace(0, 100, 1001)
    out = tone.apply(L, rule(L))
    np.testing.assert_allclose(np.percentile(out, [1, 99]), [tone.LOW, tone.HIGH], atol=1e-3)
    assert np.all(np.diff(out) > 0)


def test_gain_is_capped_and_ramps_without_jumps():
    assert rule(np.full(64, 40.0))[0] == tone.MAX_GAIN
    gains = [rule(50 + c * (np.linspace(0, 100, 1001) - 50))[0] for c in np.arange(0.4, 1.001, 0.01)]
    assert np.all(np.diff(gains) <= 1e-9) and np.all(-np.diff(gains) < 0.1)
    assert gains[-1] == 1.0


def test_only_the_central_region_counts():
    # a faded print (15..75) with a white border 4 px wide on a 40 x 50 plane
    y, x = np.mgrid[0:40, 0:50]
    L = 15 + 60 * ((x * 7 + y * 3) % 29) / 28.0
    L[(x < 4) | (y < 4) | (x >= 46) | (y >= 36)] = 97.0
    np.testing.assert_array_equal(tone.central(L), L[4:36, 5:45])
    assert tone.tone_map(L)[0] > 1.4 and abs(rule(L)[0] - 1.0) < 0.2
    assert tone.central(np.zeros((9, 9))).shape == (9, 9)  # tiny planes: no margin


def test_working_L_applies_it_per_picture():
    rng = np.random.RandomState(0)
    y, x = np.mgrid[0:64, 0:64]
    full = (((x // 2) * 7 + (y // 2) * 13) % 32) * (100 / 31)  # every region spans 0..100
    L = np.stack([15 + 0.6 * rng.rand(64, 64) * 100, full]).astype(np.float32)
    as_is = ev.working_L(L, 32)
    stretched = ev.working_L(L, 32, tone="stretch")
    np.testing.assert_allclose(stretched[0, 0].numpy(), tone.stretch(as_is[0, 0].numpy()), atol=1e-5)
    assert tone.tone_map(as_is[0, 0].numpy())[0] > 1.2
    np.testing.assert_allclose(stretched[1], as_is[1], atol=1e-5)  # full range: untouched
    with pytest.raises(ValueError):
        ev.working_L(L, 32, tone="auto")


def test_agrees_with_cpp_core():
    exe = os.environ.get("COLORIZE_BIN")
    if not exe:
        pytest.skip("COLORIZE_BIN (path to the colorize CLI) not set")
    rng = np.random.RandomState(3)
    cases = [15 + 0.6 * np.linspace(0, 100, 101), np.linspace(0, 100, 101),
             np.linspace(0, 40, 57), np.full(9, 30.0), 20 + rng.gamma(2.0, 6.0, 301),
             50 + 0.8 * (rng.rand(200) * 100 - 50), rng.rand(37) * 100, np.array([42.0])]
    for L in cases:
        L = np.round(np.clip(L, 0, 100), 4)
        out = subprocess.run([exe, "tone"] + ["%.4f" % v for v in L], capture_output=True,
                             text=True, check=True).stdout.split()
        np.testing.assert_allclose([float(v) for v in out], rule(L), atol=2e-4,
                                   err_msg=str(L[:5]))
