"""scripts/average_weights.py: a parameter-wise weighted mean of checkpoints of one network
(the soup gives the same outputs as the network with averaged weights), refusing checkpoints
that do not fit together."""
import os
import subprocess
import sys

import pytest
import torch

from colorizer.train import CONFIGS, load_checkpoint, net_from_checkpoint, new_net

from average_weights import average
from conftest import ROOT


def _ckpt(path, seed, **cfg_kw):
    cfg = dict(CONFIGS["cpu"], width=0.25, **cfg_kw)
    torch.manual_seed(seed)
    net = new_net(cfg)
    for p in net.parameters():
        p.data.normal_(0, 0.1)
    torch.save({"cfg": cfg, "model": net.state_dict()}, path)
    return net


def test_average_is_the_weighted_mean_of_parameters():
    a = {"w": torch.tensor([1.0, 2.0]), "n": torch.tensor(3)}
    b = {"w": torch.tensor([3.0, 6.0]), "n": torch.tensor(5)}
    out = average([a, b], [0.25, 0.75])
    torch.testing.assert_close(out["w"], torch.tensor([2.5, 5.0]))
    assert out["n"].item() == 3  # integer buffers come from the first
    with pytest.raises(ValueError):
        average([a, {"w": torch.zeros(3), "n": torch.tensor(1)}], [0.5, 0.5])
    with pytest.raises(ValueError):
        average([a, {"w": torch.zeros(2)}], [0.5, 0.5])


def test_script_writes_a_checkpoint_eval_can_load(tmp_path):
    p1, p2, out = tmp_path / "a.pt", tmp_path / "b.pt", tmp_path / "soup" / "last.pt"
    n1, n2 = _ckpt(p1, 1, folded_bn=True), _ckpt(p2, 2, folded_bn=True)
    with torch.no_grad():
        n2.prior_w.copy_(n1.prior_w)
    torch.save({"cfg": load_checkpoint(str(p2))["cfg"], "model": n2.state_dict()}, p2)
    script = os.path.join(ROOT, "scripts", "average_weights.py")
    r = subprocess.run([sys.executable, script, str(p1), str(p2), "--weights", "0.3", "0.7",
                        "--out", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    soup = net_from_checkpoint(load_checkpoint(str(out)))
    for (k, v1), v2, v in zip(n1.state_dict().items(), n2.state_dict().values(),
                              soup.state_dict().values()):
        if v.is_floating_point():
            torch.testing.assert_close(v, 0.3 * v1 + 0.7 * v2, msg=k)
    # weights that do not sum to 1, or a checkpoint of another shape, are refused
    r = subprocess.run([sys.executable, script, str(p1), str(p2), "--weights", "0.5", "0.6",
                        "--out", str(out)], capture_output=True, text=True)
    assert r.returncode == 2 and "sum" in r.stderr
    p3 = tmp_path / "c.pt"
    _ckpt(p3, 3, folded_bn=False)
    r = subprocess.run([sys.executable, script, str(p1), str(p3), "--out", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "folded" in r.stderr
    # negative weights (going on past a fine-tune) only when asked for
    r = subprocess.run([sys.executable, script, str(p1), str(p2), "--weights", "-0.3", "1.3",
                        "--out", str(out)], capture_output=True, text=True)
    assert r.returncode == 2 and "--extrapolate" in r.stderr
    r = subprocess.run([sys.executable, script, str(p1), str(p2), "--weights", "-0.3", "1.3",
                        "--extrapolate", "--out", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    ext = net_from_checkpoint(load_checkpoint(str(out)))
    for (k, v1), v2, v in zip(n1.state_dict().items(), n2.state_dict().values(),
                              ext.state_dict().values()):
        if v.is_floating_point():
            torch.testing.assert_close(v, 1.3 * v2 - 0.3 * v1, msg=k)
