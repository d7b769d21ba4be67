"""scripts/calibrate_bias.py: per-bin logit offsets fitted with the network frozen lower the
chosen colour loss while the chroma ratio is held, and leave the mean offset alone."""
import numpy as np
import pytest
import torch

from calibrate_bias import fit_offsets, pixel_loss


def _problem(seed=0, m=4000):
    """Four bins; the truth is mostly bin 1 (a red), the logits favour bin 2 (a blue): a
    per-bin shift toward bin 1 is what lowers the loss."""
    g = torch.Generator().manual_seed(seed)
    bins = torch.tensor([[0.0, 0.0], [40.0, 20.0], [-10.0, -40.0], [-30.0, 30.0]])
    Z = torch.randn(m, 4, generator=g) + torch.tensor([0.0, 0.0, 1.0, 0.0])
    pick = torch.where(torch.rand(m, generator=g) < 0.8, 1, 0)
    AB = bins[pick] + torch.randn(m, 2, generator=g)
    return Z, AB, bins


@pytest.mark.parametrize("kind", ["euclid", "confident", "l2"])
def test_fit_lowers_loss_and_holds_ratio(kind):
    Z, AB, bins = _problem()
    T = 0.5
    offset0 = torch.tensor([0.3, -0.2, 0.1, 0.4])
    start = torch.softmax((Z + offset0) / T, 1) @ bins
    target = float(start.norm(dim=1).mean() / AB.norm(dim=1).mean())
    off = fit_offsets(Z, AB, bins, offset0, T, kind, target, steps=300, batch=2000, lr=0.05,
                      rng=np.random.default_rng(1), log=lambda m: None)
    end = torch.softmax((Z + off) / T, 1) @ bins
    assert float(pixel_loss(kind, end, AB)) < 0.9 * float(pixel_loss(kind, start, AB))
    assert abs(float(end.norm(dim=1).mean() / AB.norm(dim=1).mean()) - target) < 0.05
    assert abs(float(off.mean() - offset0.mean())) < 1e-5
    assert float(off[1] - off[2]) > float(offset0[1] - offset0[2])  # toward the true bin


def test_unknown_loss_is_refused():
    with pytest.raises(ValueError):
        pixel_loss("l3", torch.zeros(2, 2), torch.zeros(2, 2))
