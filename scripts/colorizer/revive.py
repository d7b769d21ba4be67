"""Reviving the dead units of the global context branch (Iizuka et al.'s global features).

The branch is global average pool -> 1x1 conv (global_fc[1]) -> ReLU -> 1x1 conv
(global_fc[3]) added to every position of the stride-32 features. A unit whose first-conv
pre-activation is negative on every image ("dead ReLU") passes nothing and gets no gradient,
so training cannot bring it back; in the fifth release 246 of 256 units are dead on the
training images. revive_global_units() gives each dead unit a fresh random input direction
(norm as before) and a bias at the median of its new pre-activation over sample images, so it
fires on about half of them, and zeroes its output weights: the network's outputs do not
change on any image where the unit never fired, and fine-tuning can put it to use."""
import torch


@torch.no_grad()
def pooled_global_inputs(net, L_batches):
    """The pooled stride-32 features [N, C] that enter global_fc[1], for batches of
    (L, hint_ab, hint_mask) at the working size (automatic: zero hints)."""
    rows = []
    hook = net.global_fc[1].register_forward_hook(
        lambda _m, inp, _out: rows.append(inp[0].flatten(1).clone()))
    try:
        was = net.training
        net.eval()
        for L in L_batches:
            z = torch.zeros(L.shape[0], 2, *L.shape[2:])
            net.logits(L, z, z[:, :1])
        net.train(was)
    finally:
        hook.remove()
    return torch.cat(rows)


def firing_share(net, pooled):
    """Per unit of global_fc[1]: the share of the images on which its pre-activation > 0."""
    first = net.global_fc[1]
    pre = pooled @ first.weight.detach().flatten(1).T + first.bias.detach()
    return (pre > 0).float().mean(0)


@torch.no_grad()
def revive_global_units(net, pooled, min_share=0.01, seed=0):
    """In place: every unit firing on fewer than min_share of the images `pooled` (from
    pooled_global_inputs) gets a new input direction and bias, and zero output weights.
    Returns the indices of the revived units."""
    first, second = net.global_fc[1], net.global_fc[3]
    dead = torch.nonzero(firing_share(net, pooled) < min_share).flatten().tolist()
    gen = torch.Generator().manual_seed(seed)
    w = first.weight.flatten(1)
    for j in dead:
        d = torch.randn(w.shape[1], generator=gen)
        d = d / d.norm() * w[j].norm().clamp_min(1e-3)
        first.weight[j] = d.view_as(first.weight[j])
        first.bias[j] = -(pooled @ d).median()
        second.weight[:, j] = 0.0
    return dead
