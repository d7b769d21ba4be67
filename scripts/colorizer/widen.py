"""Function-preserving widening of the decoder ("Net2WiderNet", Chen, Goodfellow and Shlens
2016): a trained ColorNet's decoder, global branch and head input get more channels while the
network computes exactly what it did, so fine-tuning starts from the trained model with more
capacity instead of from scratch.

Each widened channel group has producers (convs whose output channels form the group) and
consumers (convs that read the group as a slice of their input channels). New channel j
copies old channel g(j) (g(j) = j for the old ones, a random old channel for the new ones)
in every producer; every consumer divides each old channel's input weights among its copies
with shares that sum to 1. The shares are unequal by a small random amount: with equal
shares the copies would get equal gradients and stay copies forever. Only layers followed by
an elementwise non-linearity (or a sum, then one) are widened, so duplication commutes with
them. Works on the batch-norm-folded net (fine-tunes of a shipped file are folded).
"""
import numpy as np
import torch

# (producers, consumers as (conv, first input channel of the group)), in ColorNet's names
GROUPS = [
    (["global_fc.1"], [("global_fc.3", 0)]),
    (["local5.0", "global_fc.3"], [("up4.body.0.0", 0)]),
    (["up4.body.0.0"], [("up4.body.1.0", 0)]),
    (["up4.body.1.0"], [("up3.body.0.0", 0)]),
    (["up3.body.0.0"], [("up3.body.1.0", 0)]),
    (["up3.body.1.0"], [("up2.body.0.0", 0)]),
    (["up2.body.0.0"], [("up2.body.1.0", 0)]),
    (["up2.body.1.0"], [("up1.body.0.0", 0)]),
    (["up1.body.0.0"], [("head", 0)]),
]


def widen_state(state, target, seed=0, noise=0.1):
    """state: a folded ColorNet's state dict; target: {name: shape} of the wider folded
    ColorNet (its state_dict shapes). Returns the wider state dict. Raises ValueError when
    the target is not a widening of state along GROUPS."""
    rng = np.random.RandomState(seed)
    out = {k: v.clone() for k, v in state.items()}
    for producers, consumers in GROUPS:
        n = state[producers[0] + ".weight"].shape[0]
        m = target[producers[0] + ".weight"][0]
        if any(state[p + ".weight"].shape[0] != n or target[p + ".weight"][0] != m
               for p in producers):
            raise ValueError("producers %s disagree on the group's width" % producers)
        if m < n:
            raise ValueError("%s: %d channels cannot be widened to %d" % (producers[0], n, m))
        g = np.concatenate([np.arange(n), rng.randint(0, n, size=m - n)])
        idx = torch.from_numpy(g)
        for p in producers:
            out[p + ".weight"] = out[p + ".weight"].index_select(0, idx)
            out[p + ".bias"] = out[p + ".bias"].index_select(0, idx)
        count = np.bincount(g, minlength=n)
        r = rng.uniform(-noise, noise, size=m)
        r -= (np.bincount(g, weights=r, minlength=n) / count)[g]  # zero mean within each
        # channel's copies, so its shares sum to 1
        share = torch.from_numpy((1.0 + r) / count[g]).float()
        for c, off in consumers:
            w = out[c + ".weight"]
            mid = w[:, off:off + n].index_select(1, idx) * share.view(1, -1, 1, 1)
            out[c + ".weight"] = torch.cat([w[:, :off], mid, w[:, off + n:]], 1)
    for k, shape in target.items():
        if tuple(out[k].shape) != tuple(shape):
            raise ValueError("%s: widened to %s, the target has %s"
                             % (k, tuple(out[k].shape), tuple(shape)))
    return out
