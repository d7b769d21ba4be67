"""Checkpoint selection at matched colourfulness (colorizer/selection.py): the beta search lands
on the asked colourfulness, and at equal colourfulness the scores rank a network that knows
the colours above one that guesses."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from colorizer import bins as binsmod
from colorizer import evaluate as ev
from colorizer import selection
from colorizer.color import srgb_to_lab


def _truth(n=4, size=64, seed=0):
    rng = np.random.RandomState(seed)
    y, x = np.mgrid[0:size, 0:size]
    ims = []
    for i in range(n):
        img = np.stack([128 + 90 * np.sin(x / (5.0 + i) + i), 128 + 80 * np.cos(y / 6.0 + i),
                        np.full((size, size), 60.0 + 30 * i)], -1)
        ims.append(np.clip(img + rng.randn(size, size, 3) * 3, 0, 255).astype(np.uint8))
    return ev.Truth(np.stack(ims))


def _setup():
    truth = _truth()
    bins = torch.as_tensor(binsmod.bins(), dtype=torch.float32)
    # rarer (more saturated) bins get larger rebalancing weights, as with the real prior
    log_w = bins.norm(dim=1) / 8.0
    ab = torch.from_numpy(srgb_to_lab(truth.rgb)[..., 1:].astype(np.float32)).permute(0, 3, 1, 2)
    ab = F.avg_pool2d(ab, 2)  # the network's output grid is half the input
    d2 = ((ab[:, None] - bins.view(1, -1, 2, 1, 1)) ** 2).sum(2)
    oracle = -d2 / (2 * 15.0 ** 2)
    guess = torch.randn(oracle.shape, generator=torch.Generator().manual_seed(1)) * 2.0
    return truth, bins, log_w, oracle, guess


def test_beta_search_reaches_the_asked_colourfulness():
    truth, bins, log_w, oracle, _ = _setup()
    for target in (0.5, 0.8):
        beta, ratio = selection.beta_for_cf(oracle, bins, log_w, 0.2, truth, target)
        assert abs(ratio - target) <= 0.003
        # what it reports is what that beta decodes to
        again = selection.cf_ratio(truth, selection.decode(oracle, bins, log_w, 0.2, beta))
        assert abs(again - ratio) < 1e-9
    # more colour needs a smaller beta
    b_lo, _ = selection.beta_for_cf(oracle, bins, log_w, 0.2, truth, 0.8)
    b_hi, _ = selection.beta_for_cf(oracle, bins, log_w, 0.2, truth, 0.5)
    assert b_lo < b_hi


def test_unreachable_colourfulness_gives_the_closest_found():
    truth, bins, log_w, oracle, _ = _setup()
    beta, ratio = selection.beta_for_cf(oracle, bins, log_w, 0.2, truth, 50.0, max_evals=5)
    assert np.isfinite(beta) and ratio < 50.0


def test_at_matched_colourfulness_knowing_beats_guessing():
    truth, bins, log_w, oracle, guess = _setup()
    good = selection.matched_scores(oracle, bins, log_w, truth, 0.6)
    bad = selection.matched_scores(guess, bins, log_w, truth, 0.6)
    assert abs(good["cf_ratio"] - 0.6) <= 0.003 and abs(bad["cf_ratio"] - 0.6) <= 0.003
    assert good["de2000"] < bad["de2000"]
    assert good["psnr"] > bad["psnr"]
    assert good["wrong_pct"] < bad["wrong_pct"]
    for metric in selection.SCORE_KEYS:
        assert selection.selection_value(good, metric) < selection.selection_value(bad, metric)
    with pytest.raises(ValueError):
        selection.selection_value(good, "ssim")
