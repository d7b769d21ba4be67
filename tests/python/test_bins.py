"""The ab-bin set, the prior / rebalancing weights and the soft-encoding lookup."""
import numpy as np
import pytest
import torch

from colorizer import bins as B
from colorizer.color import lab_to_srgb, srgb_to_lab
from colorizer.losses import GridLookup, soft_targets


@pytest.fixture(scope="module")
def centres():
    return B.bins()


def test_count_and_grid(centres):
    assert len(centres) == B.BIN_COUNT == 261
    assert np.all(np.mod(centres, 10.0) == 0)
    assert len(np.unique(centres, axis=0)) == len(centres)
    assert np.all(np.diff(centres[:, 0]) >= 0)       # sorted by a


def test_every_srgb_colour_quantizes_into_the_set(centres):
    lv = np.r_[np.arange(0, 256, 15), 255].astype(np.uint8)
    rgb = np.stack(np.meshgrid(lv, lv, lv, indexing="ij"), -1).reshape(-1, 3)
    lab = srgb_to_lab(rgb)
    q = np.round(lab[:, 1:] / 10.0) * 10.0
    have = set(map(tuple, centres.tolist()))
    assert all(tuple(v) in have for v in q.tolist())


def test_every_bin_holds_some_srgb_colour(centres):
    # each centre's 10x10 cell contains a displayable colour at some lightness (searched on
    # a grid of L and cell positions, independently of how the set was built)
    L = np.linspace(1, 99, 50)
    o = np.linspace(-4.99, 4.99, 9)
    for a, b in centres[::7]:
        aa, bb, ll = np.meshgrid(a + o, b + o, L, indexing="ij")
        rgb = lab_to_srgb(np.stack([ll, aa, bb], -1).reshape(-1, 3))
        assert np.any(np.all((rgb >= -1e-3) & (rgb <= 1 + 1e-3), axis=1)), (a, b)


def test_geometric_centre_test_gives_a_subset(centres):
    # centres that are themselves in gamut at some L are a subset (the 229-261)
    L = np.linspace(0.5, 99.5, 199)
    have = set(map(tuple, centres.tolist()))
    inside = []
    for a in range(-120, 130, 10):
        for b in range(-120, 130, 10):
            rgb = lab_to_srgb(np.stack([L, np.full_like(L, a), np.full_like(L, b)], -1))
            if np.any(np.all((rgb >= 0) & (rgb <= 1), axis=1)):
                inside.append((float(a), float(b)))
    assert 200 <= len(inside) <= 261
    assert set(inside) <= have


def test_rebalance_weights(centres):
    rng = np.random.RandomState(0)
    ab = np.concatenate([rng.randn(5000, 2) * 3, rng.randn(500, 2) * 30 + [20, 40]])
    p = B.empirical_prior(ab.astype(np.float32), centres)
    assert abs(p.sum() - 1) < 1e-9 and np.all(p > 0)
    w = B.rebalance_weights(p, 0.5)
    assert abs((p * w).sum() - 1) < 1e-5               # normalised: E_p[w] = 1
    assert w[np.argmax(p)] < w[np.argmin(p)]           # rare colours weigh more
    mix = 0.5 * p + 0.5 / len(p)                       # w is proportional to 1 / mix
    np.testing.assert_allclose(w.max() / w.min(), mix.max() / mix.min(), rtol=1e-4)
    np.testing.assert_allclose(B.rebalance_weights(p, 1.0), 1.0, rtol=1e-5)


def test_soft_targets_match_brute_force(centres):
    rng = np.random.RandomState(1)
    rgb = rng.randint(0, 256, (2000, 3)).astype(np.uint8)
    ab = torch.from_numpy(srgb_to_lab(rgb)[:, 1:].astype(np.float32))
    c = torch.from_numpy(centres)
    idx, w = soft_targets(ab, GridLookup(c), k=5, sigma=5.0)
    d2 = ((ab[:, None] - c[None]) ** 2).sum(-1)
    brute = d2.topk(5, dim=1, largest=False).indices
    assert torch.equal(idx[:, 0], brute[:, 0])
    torch.testing.assert_close(w.sum(1), torch.ones(len(ab)))
    assert torch.all(w[:, :-1] >= w[:, 1:] - 1e-6)      # nearest first, Gaussian weights
