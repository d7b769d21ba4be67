"""Reviving dead global-context units (scripts/colorizer/revive.py, scripts/revive_global.py):
the outputs do not change, the dead units fire afterwards, the live ones are untouched."""
import io
import os
import subprocess
import sys
import tarfile

import numpy as np
import torch
from PIL import Image
from conftest import randomize_bn

from colorizer.bins import bins
from colorizer.model import ColorNet, fold_bn
from colorizer.revive import firing_share, pooled_global_inputs, revive_global_units
from colorizer.train import load_checkpoint, net_from_checkpoint

KILLED = [0, 3, 7, 20]  # global units made dead in the test net


def _net():
    torch.manual_seed(0)
    net = fold_bn(randomize_bn(ColorNet(bins(), width=0.5)).eval())
    with torch.no_grad():
        net.global_fc[1].bias[KILLED] = -1e4  # negative on every image: dead
    return net


def _L(seed, n=6):
    torch.manual_seed(seed)
    base = torch.rand(n, 1, 1, 1) * 80 + 10  # images of different brightness and texture
    return (base + torch.randn(n, 1, 64, 64) * torch.rand(n, 1, 1, 1) * 20).clamp(0, 100)


def test_revived_units_fire_and_the_outputs_stay():
    net = _net()
    L = _L(1)
    real = pooled_global_inputs(net, [L[:3], L[3:]])
    assert real.shape == (6, 320)
    # a random net's pooled features barely differ between images (a trained one's do): the
    # sample is these six spread out, so the units dead on them are the ones revived
    torch.manual_seed(4)
    pooled = real.repeat(8, 1) + 1e-3 * real.abs().mean() * torch.randn(48, 320)
    share = firing_share(net, pooled)
    assert all(share[j] == 0 for j in KILLED)
    first_before = net.global_fc[1].weight.detach().clone()
    second_before = net.global_fc[3].weight.detach().clone()
    z = torch.zeros(6, 2, 64, 64)
    with torch.no_grad():
        before = net.logits(L, z, z[:, :1])
    revived = revive_global_units(net, pooled, min_share=0.01, seed=5)
    assert set(KILLED) <= set(revived)
    after_share = firing_share(net, pooled)
    assert all(0.0 < after_share[j] < 1.0 for j in revived)  # fires on some images, not all
    kept = [j for j in range(len(share)) if j not in revived]
    assert kept and torch.equal(net.global_fc[1].weight[kept], first_before[kept])
    assert torch.equal(net.global_fc[3].weight[:, kept], second_before[:, kept])
    assert torch.count_nonzero(net.global_fc[3].weight[:, revived]) == 0
    with torch.no_grad():
        after = net.logits(L, z, z[:, :1])
    assert torch.allclose(before, after, atol=1e-5 * float(before.abs().max()))


def _tar(path, n, size):
    rng = np.random.RandomState(len(str(path)))
    with tarfile.open(path, "w") as tf:
        for i in range(n):
            im = np.clip(rng.rand(1, 1, 3) * 255 + rng.randn(size, size, 3) * 30, 0, 255)
            b = io.BytesIO()
            Image.fromarray(im.astype(np.uint8)).save(b, format="PNG")
            info = tarfile.TarInfo("x/%03d.png" % i)
            info.size = len(b.getvalue())
            tf.addfile(info, io.BytesIO(b.getvalue()))


def test_script_writes_a_checkpoint_with_the_same_outputs(tmp_path):
    net = _net()
    torch.save({"model": net.state_dict(), "opt": {"x": 1},
                "cfg": dict(width=0.5, temperature=0.38, folded_bn=True)}, str(tmp_path / "a.pt"))
    (tmp_path / "train").mkdir()
    _tar(tmp_path / "train" / "places-00.tar", 12, 64)
    _tar(tmp_path / "train" / "hires-00.tar", 4, 96)
    script = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "revive_global.py")
    out = subprocess.run([sys.executable, script, str(tmp_path / "a.pt"), "--out",
                          str(tmp_path / "b.pt"), "--data", str(tmp_path), "--working-size", "64"],
                         capture_output=True, text=True, check=True).stdout
    assert "16 images" in out and "revived" in out
    ck = load_checkpoint(str(tmp_path / "b.pt"))
    assert "opt" not in ck and ck["cfg"]["folded_bn"]
    new = net_from_checkpoint(ck).eval()
    assert all(float(new.global_fc[1].bias[j]) > -1e3 for j in KILLED)
    L = _L(2, 2)
    z = torch.zeros(2, 2, 64, 64)
    with torch.no_grad():
        a, b = net.logits(L, z, z[:, :1]), new.logits(L, z, z[:, :1])
    assert torch.allclose(a, b, atol=1e-5 * float(a.abs().max()))
    out = subprocess.run([sys.executable, script, str(tmp_path / "a.pt"), "--out",
                          str(tmp_path / "c.pt"), "--data", str(tmp_path), "--working-size", "64",
                          "--standardise"], capture_output=True, text=True, check=True).stdout
    assert "pooled features" in out
    std = net_from_checkpoint(load_checkpoint(str(tmp_path / "c.pt"))).eval()
    assert std.global_norm and torch.count_nonzero(std.global_mu) > 0
    with torch.no_grad():
        c = std.logits(L, z, z[:, :1])
    assert torch.allclose(a, c, atol=1e-5 * float(a.abs().max()))


def test_standardised_branch_keeps_the_outputs_folds_at_export_and_loads_old_states():
    from colorizer.export import ExportModel
    net = _net()
    L = _L(1)
    real = pooled_global_inputs(net, [L])
    torch.manual_seed(4)
    pooled = real.repeat(8, 1) + 1e-3 * real.abs().mean() * torch.randn(48, 320)
    z = torch.zeros(6, 2, 64, 64)
    with torch.no_grad():
        before = net.logits(L, z, z[:, :1])
    revived = revive_global_units(net, pooled, seed=5, standardise=True)
    assert set(KILLED) <= set(revived) and net.global_norm
    assert torch.allclose(net.global_mu, pooled.mean(0))
    share = firing_share(net, pooled)  # measured on the standardised input
    assert all(0.0 < share[j] < 1.0 for j in revived)
    with torch.no_grad():
        after = net.logits(L, z, z[:, :1])
        exported = ExportModel(net, temperature=1.0).eval().net
        folded = exported.logits(L, z, z[:, :1])
    tol = 1e-5 * float(before.abs().max())
    assert torch.allclose(before, after, atol=tol) and torch.allclose(before, folded, atol=tol)
    assert not exported.global_norm and torch.count_nonzero(exported.global_mu) == 0
    assert net.global_norm  # the export folded a copy
    # the buffers travel with the state; a state from before them loads as the identity
    old = {k: v for k, v in net.state_dict().items() if not k.startswith("global_mu")
           and not k.startswith("global_sd")}
    plain = fold_bn(ColorNet(bins(), width=0.5).eval())
    plain.load_state_dict(old)
    assert not plain.global_norm and torch.count_nonzero(plain.global_mu) == 0
    restored = fold_bn(ColorNet(bins(), width=0.5).eval())
    restored.load_state_dict(net.state_dict())
    assert restored.global_norm
    with torch.no_grad():
        assert torch.allclose(restored.logits(L, z, z[:, :1]), after, atol=tol)
