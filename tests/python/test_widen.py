"""Function-preserving widening of a folded network (scripts/colorizer/widen.py, scripts/widen.py)."""
import os
import subprocess
import sys

import pytest
import torch
from conftest import randomize_bn

from colorizer.bins import bins
from colorizer.model import ColorNet, fold_bn
from colorizer.train import load_checkpoint, net_from_checkpoint
from colorizer.widen import GROUPS, widen_state


def _folded(width, seed=0):
    torch.manual_seed(seed)
    n = ColorNet(bins(), width=width)
    randomize_bn(n)
    return fold_bn(n.eval())


def _inputs():
    torch.manual_seed(3)
    L = torch.rand(2, 1, 64, 96) * 100
    h, m = torch.zeros(2, 2, 64, 96), torch.zeros(2, 1, 64, 96)
    h[:, :, 20:23, 30:33], m[:, :, 20:23, 30:33] = 25.0, 1.0
    return L, h, m


def test_widened_net_computes_the_same_logits():
    small, wide = _folded(0.5), _folded(0.75, seed=1)
    target = {k: tuple(v.shape) for k, v in wide.state_dict().items()}
    wide.load_state_dict(widen_state(small.state_dict(), target, seed=5, noise=0.2))
    count = lambda net: sum(p.numel() for p in net.decoder_parameters())
    assert count(wide) > 1.5 * count(small)
    with torch.no_grad():
        a, b = small.logits(*_inputs()), wide.logits(*_inputs())
    assert torch.allclose(a, b, atol=1e-4 * float(a.abs().max()))


def test_copies_are_broken_apart_and_old_channels_kept():
    small, wide = _folded(0.5), _folded(0.75, seed=1)
    target = {k: tuple(v.shape) for k, v in wide.state_dict().items()}
    s0 = small.state_dict()
    s1 = widen_state(s0, target, seed=5, noise=0.2)
    for producers, consumers in GROUPS:
        p = producers[0] + ".weight"
        n = s0[p].shape[0]
        for q in producers:  # the old output channels stay where they were
            assert torch.equal(s1[q + ".bias"][:n], s0[q + ".bias"])
        c, off = consumers[0]
        w = s1[c + ".weight"][:, off:off + s1[p].shape[0]]
        # a new channel and its original have the same producer weights ...
        j = n  # the first new channel; find its source among the old ones
        src = [k for k in range(n) if torch.equal(s1[p][k], s1[p][j])]
        assert src, producers
        # ... but different shares in the consumer, so they get different gradients
        assert not torch.allclose(w[:, j], w[:, src[0]])


def test_narrowing_is_refused():
    small, wide = _folded(0.5), _folded(0.75, seed=1)
    target = {k: tuple(v.shape) for k, v in small.state_dict().items()}
    with pytest.raises(ValueError):
        widen_state(wide.state_dict(), target)


def test_widen_script_writes_a_trainable_checkpoint(tmp_path):
    small = _folded(0.5)
    cfg = dict(width=0.5, temperature=0.38, folded_bn=True)
    torch.save({"model": small.state_dict(), "cfg": cfg}, str(tmp_path / "a.pt"))
    script = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "widen.py")
    out = subprocess.run([sys.executable, script, str(tmp_path / "a.pt"), "--width", "0.75",
                          "--out", str(tmp_path / "b.pt")], capture_output=True, text=True,
                         check=True).stdout
    assert "width 0.5 -> 0.75" in out
    ck = load_checkpoint(str(tmp_path / "b.pt"))
    assert ck["cfg"]["width"] == 0.75 and ck["cfg"]["folded_bn"]
    wide = net_from_checkpoint(ck).eval()
    with torch.no_grad():
        a, b = small.logits(*_inputs()), wide.logits(*_inputs())
    assert torch.allclose(a, b, atol=1e-4 * float(a.abs().max()))
    # an unfolded checkpoint is refused with a clear message
    torch.save({"model": ColorNet(bins(), width=0.5).state_dict(),
                "cfg": dict(cfg, folded_bn=False)}, str(tmp_path / "c.pt"))
    r = subprocess.run([sys.executable, script, str(tmp_path / "c.pt"), "--width", "0.75",
                        "--out", str(tmp_path / "d.pt")], capture_output=True, text=True)
    assert r.returncode == 2 and "not folded" in r.stderr
