"""Bootstrap intervals over images (colorizer/stats.py) and the comparison they serve
(scripts/compare.py): the intervals cover the truth about as often as they claim, pairing
separates a small consistent gain that unpaired intervals cannot, and a network that knows the
colours is told apart from one that guesses."""
import os
import sys

import numpy as np
import pytest

from colorizer import stats


def test_constant_values_give_a_point_interval():
    assert stats.mean_ci([2.5] * 7) == (2.5, 2.5, 2.5)
    d = stats.paired_difference([1.0, 2.0, 3.0], [1.5, 2.5, 3.5])
    assert d["diff"] == pytest.approx(0.5)
    assert d["low"] == pytest.approx(0.5) and d["high"] == pytest.approx(0.5)
    assert d["share_above"] == 1.0
    same = stats.paired_difference([1.0, 5.0, 3.0], [1.0, 5.0, 3.0])
    assert (same["diff"], same["low"], same["high"], same["share_above"]) == (0, 0, 0, 0)


def test_interval_covers_the_true_mean_about_as_often_as_claimed():
    rng = np.random.RandomState(5)
    trials, hits = 300, 0
    for t in range(trials):
        m, lo, hi = stats.mean_ci(rng.randn(60) + 3.0, draws=1000, seed=t)
        assert lo <= m <= hi
        hits += lo <= 3.0 <= hi
    assert 0.88 <= hits / trials <= 0.99  # percentile bootstrap at n = 60: a little under 0.95


def test_wider_interval_at_higher_level_and_fewer_images():
    v = np.random.RandomState(1).randn(200)
    _, lo90, hi90 = stats.mean_ci(v, level=0.90)
    _, lo99, hi99 = stats.mean_ci(v, level=0.99)
    assert lo99 < lo90 and hi99 > hi90
    _, lo20, hi20 = stats.mean_ci(v[:20])
    _, lo200, hi200 = stats.mean_ci(v)
    assert hi20 - lo20 > hi200 - lo200


def test_pairing_sees_a_consistent_gain_that_separate_intervals_miss():
    rng = np.random.RandomState(2)
    difficulty = rng.randn(80) * 3.0       # images differ far more than the methods do
    a = 23.0 + difficulty + rng.randn(80) * 0.1
    b = a + 0.15 + rng.randn(80) * 0.1      # b better on almost every image, by a little
    _, a_lo, a_hi = stats.mean_ci(a)
    _, b_lo, b_hi = stats.mean_ci(b)
    assert b_lo < a_hi                      # the two intervals overlap ...
    d = stats.paired_difference(a, b)
    assert d["low"] > 0 and d["share_above"] == 1.0  # ... but the paired one excludes 0
    # and a difference that is only noise (zero on average) stays undecided
    e = rng.randn(80) * 0.5
    c = a + e - e.mean()
    d = stats.paired_difference(a, c)
    assert d["low"] < 0 < d["high"] and 0.02 < d["share_above"] < 0.98


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        stats.mean_ci([1.0])
    with pytest.raises(ValueError):
        stats.paired_difference([1.0, 2.0], [1.0, 2.0, 3.0])


def test_compare_tells_a_network_that_knows_from_one_that_guesses():
    """compare_group on synthetic logits (the oracle and guess of test_selection): both at the
    same colourfulness, the oracle ahead on all three metrics with intervals that exclude 0;
    the greyscale row has no wrong colour."""
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
    import compare
    from test_selection import _setup
    truth, bins, log_w, oracle, guess = _setup()
    nets = [("guess", guess, bins, log_w), ("oracle", oracle, bins, log_w)]
    out = compare.compare_group("synthetic", truth, nets, 0.2, 0.6, None, 500, 0, True)
    guess_row, oracle_row, grey_row = out["networks"]
    assert [r["name"] for r in out["networks"]] == ["guess", "oracle", "greyscale"]
    assert abs(guess_row["cf_ratio"] - 0.6) <= 0.003 and abs(oracle_row["cf_ratio"] - 0.6) <= 0.003
    d = oracle_row["vs_first"]
    assert d["psnr"]["low"] > 0 and d["de2000"]["high"] < 0 and d["wrong_pct"]["high"] < 0
    assert d["psnr"]["diff"] == pytest.approx(oracle_row["psnr"]["mean"] - guess_row["psnr"]["mean"])
    assert grey_row["wrong_pct"]["mean"] == 0.0
    # fixed betas instead of a colourfulness: the figures are those of that decoding
    from colorizer import evaluate as ev
    from colorizer import selection
    out = compare.compare_group("fixed", truth, nets, 0.2, None, [0.1, 0.3], 200, 0, False)
    want = ev.summarize(ev.score(truth, selection.decode(oracle, bins, log_w, 0.2, 0.3),
                                 with_ssim=False))
    assert out["networks"][1]["beta"] == 0.3
    assert out["networks"][1]["de2000"]["mean"] == pytest.approx(want["de2000"])


def test_worst_images_lists_the_first_networks_worst_and_draws_them(tmp_path):
    """compare.worst_images: the images in order of the first network's wrong-colour area
    (largest first), every network scored at the beta its group found; the sheet has a column
    per network between grey and truth."""
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
    import compare
    from PIL import Image
    from colorizer import evaluate as ev
    from colorizer import selection
    from test_selection import _setup
    truth, bins, log_w, oracle, guess = _setup()
    nets = [("guess", guess, bins, log_w), ("oracle", oracle, bins, log_w)]
    group = compare.compare_group("synthetic", truth, nets, 0.2, 0.6, None, 100, 0, True)
    members = ["m%d.jpg" % i for i in range(len(truth.rgb))]
    order, rows, grey, preds = compare.worst_images(truth, members, nets, group, 0.2, 3)
    want = ev.score(truth, selection.decode(guess, bins, log_w, 0.2,
                                            group["networks"][0]["beta"]), with_ssim=False)
    assert np.allclose(rows[0], want, equal_nan=True)
    assert list(order) == list(np.argsort(-want[:, 5], kind="stable")[:3])
    assert want[order[0], 5] >= want[order[-1], 5] > 0
    assert (grey[:, 5] == 0).all() and len(preds) == 2
    sheet = tmp_path / "worst.jpg"
    ev.contact_sheet(str(sheet), truth, preds, list(order), tile=32, cols=1)
    assert Image.open(sheet).size == (4 * 32, 3 * 32)


def test_networks_at_different_working_sizes_are_scored_alike():
    """compare --sizes: logits of another resolution (here the oracle's, averaged 2x2) are
    scored at the truth's size, as scoring their decoding directly gives; a source's images
    are picked as a view when consecutive, by index otherwise."""
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
    import compare
    import torch
    from colorizer import evaluate as ev
    from colorizer import selection
    from test_selection import _setup
    truth, bins, log_w, oracle, guess = _setup()
    half = torch.nn.functional.avg_pool2d(oracle, 2)
    assert half.shape[-1] * 2 == oracle.shape[-1]
    nets = [("oracle", oracle, bins, log_w), ("half", half, bins, log_w)]
    out = compare.compare_group("sizes", truth, nets, 0.2, None, [0.2, 0.2], 200, 0, False)
    want = ev.summarize(ev.score(truth, selection.decode(half, bins, log_w, 0.2, 0.2),
                                 with_ssim=False))
    assert out["networks"][1]["psnr"]["mean"] == pytest.approx(want["psnr"])
    assert out["networks"][1]["psnr"]["mean"] != pytest.approx(out["networks"][0]["psnr"]["mean"])
    idx, pick = compare.source_rows(["places", "places", "bsds", "bsds", "bsds"], "bsds")
    assert list(idx) == [2, 3, 4] and pick == slice(2, 5)
    z = torch.arange(10.0).view(5, 2)
    assert z[pick].data_ptr() == z[2].data_ptr()  # a view, not a copy
    idx, pick = compare.source_rows(["a", "b", "a"], "a")
    assert list(idx) == [0, 2] and z[pick].tolist() == [[0.0, 1.0], [4.0, 5.0]]
