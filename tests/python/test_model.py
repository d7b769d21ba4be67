"""Annealed mean, the exported form of it, BN folding, shapes and the rebalanced loss."""
import numpy as np
import pytest
import torch
from conftest import randomize_bn

from colorizer.bins import bins
from colorizer.export import ExportModel
from colorizer.losses import GridLookup, annealed_mean_rows, rebalanced_ce
from colorizer.model import ColorNet, fold_bn


@pytest.fixture(scope="module")
def net():
    torch.manual_seed(0)
    n = ColorNet(bins())
    randomize_bn(n)
    return n.eval()


def test_annealed_mean_formula(net):
    torch.manual_seed(1)
    z = torch.randn(1, len(net.bins), 3, 5)
    T = 0.38
    got = net.annealed_mean(z, T)
    zz = z[0].permute(1, 2, 0).numpy().astype(np.float64) / T
    p = np.exp(zz - zz.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    expect = p @ net.bins.numpy().astype(np.float64)
    np.testing.assert_allclose(got[0].permute(1, 2, 0).numpy(), expect, atol=1e-4)
    np.testing.assert_allclose(annealed_mean_rows(z, net.bins, T).numpy(), got.numpy(), atol=1e-4)


def test_annealed_mean_limits(net):
    z = torch.zeros(1, len(net.bins), 1, 1)
    z[0, 17] = 3.0
    z[0, 40] = 2.0
    # T -> 0: the mode's centre; T = 1: the plain mean of the distribution
    np.testing.assert_allclose(net.annealed_mean(z, 0.01)[0, :, 0, 0], net.bins[17], atol=1e-3)
    p = torch.softmax(z[0, :, 0, 0], 0)
    np.testing.assert_allclose(net.annealed_mean(z, 1.0)[0, :, 0, 0], p @ net.bins, atol=1e-4)


def test_shapes_and_export_form(net):
    L = torch.rand(1, 1, 64, 96) * 100
    ha = torch.zeros(1, 2, 64, 96)
    hm = torch.zeros(1, 1, 64, 96)
    with torch.no_grad():
        ab = net(L, ha, hm)
        em = ExportModel(net)(L, ha, hm)
    assert ab.shape == (1, 2, 32, 48)
    torch.testing.assert_close(em, ab, atol=1e-3, rtol=0)


def test_fold_bn_is_exact():
    torch.manual_seed(2)
    seq = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1, bias=False),
                              torch.nn.BatchNorm2d(4), torch.nn.ReLU())
    seq[1].running_mean.uniform_(-1, 1)
    seq[1].running_var.uniform_(0.5, 2)
    seq.eval()
    x = torch.randn(2, 3, 8, 8)
    with torch.no_grad():
        a = seq(x)
        b = fold_bn(seq)(x)
    assert isinstance(seq[1], torch.nn.Identity)
    torch.testing.assert_close(a, b, atol=1e-5, rtol=0)


def test_hints_change_the_output(net):
    L = torch.full((1, 1, 64, 64), 50.0)
    hm = torch.zeros(1, 1, 64, 64)
    ha = torch.zeros(1, 2, 64, 64)
    with torch.no_grad():
        a = net(L, ha, hm)
        hm[..., 30:33, 30:33] = 1
        ha[:, 0, 30:33, 30:33] = 60
        b = net(L, ha, hm)
    assert (a - b).abs().max() > 0


def test_rebalanced_ce_prefers_the_truth(net):
    c = net.bins
    lk = GridLookup(c)
    ab = torch.zeros(1, 2, 4, 4)
    ab[:, 0] = 20.0
    ab[:, 1] = -10.0
    k = int(((c - torch.tensor([20.0, -10.0])) ** 2).sum(1).argmin())
    good = torch.full((1, len(c), 4, 4), -5.0)
    good[:, k] = 5.0
    bad = torch.full((1, len(c), 4, 4), -5.0)
    bad[:, (k + 50) % len(c)] = 5.0
    w = torch.ones(len(c))
    assert rebalanced_ce(good, ab, lk, w) < rebalanced_ce(bad, ab, lk, w)
    # weights scale the loss of pixels by the weight of their nearest bin
    w2 = w.clone()
    w2[k] = 3.0
    torch.testing.assert_close(rebalanced_ce(bad, ab, lk, w2), 3 * rebalanced_ce(bad, ab, lk, w))


def test_prior_correction_folds_into_the_head():
    torch.manual_seed(3)
    n = ColorNet(bins()).eval()
    n.prior_w.copy_(torch.rand(len(n.bins)) * 3 + 0.2)
    L = torch.rand(1, 1, 32, 32) * 100
    z = torch.zeros(1, 2, 32, 32)
    beta, T = 0.7, 0.5
    with torch.no_grad():
        logits = n.logits(L, z, z[:, :1]) - beta * torch.log(n.prior_w).view(1, -1, 1, 1)
        want = n.annealed_mean(logits, T)
        got = ExportModel(n, temperature=T, prior_correction=beta)(L, z, z[:, :1])
    torch.testing.assert_close(got, want, atol=1e-3, rtol=0)
