"""Reviving the dead units of the global context branch (Iizuka et al.'s global features).

The branch is global average pool -> 1x1 conv (global_fc[1]) -> ReLU -> 1x1 conv
(global_fc[3]) added to every position of the stride-32 features. A unit whose first-conv
pre-activation is negative on every image ("dead ReLU") passes nothing and gets no gradient,
so training cannot bring it back; in the fifth release 246 of 256 units are dead on the
training images. revive_global_units() gives each dead unit a fresh random input direction
(norm as before) and a bias at the median of its new pre-activation over sample images, so it
fires on about half of them, and zeroes its output weights: the network's outputs do not
change on any image where the unit never fired, and fine-tuning can put it to use.

Revived units die again within a few thousand fine-tuning steps (ft20-global: 256 live -> 80
after 1,000 steps -> 21 after 10,000, at lr 1e-4) unless the branch's input is standardised
(standardise=True). The pooled features' means are about as large as their spread, so the
gradient on each weight mostly has the sign of that input's mean, and Adam, whose steps are
about the same size on every weight, moves a unit's pre-activation on all images together by
about lr x the sum of the 320 |means| per step; centred inputs take that drift away."""
import torch


@torch.no_grad()
def pooled_global_inputs(net, L_batches):
    """The pooled stride-32 features [N, C] that enter global_fc[1], for batches of
    (L, hint_ab, hint_mask) at the working size (automatic: zero hints)."""
    rows = []
    hook = net.global_fc[1].register_forward_hook(
        lambda _m, inp, _out: rows.append(inp[0].flatten(1).clone()))
    was = net.training
    net.eval()
    try:
        for L in L_batches:
            z = torch.zeros(L.shape[0], 2, *L.shape[2:])
            net.logits(L, z, z[:, :1])
    finally:
        hook.remove()
        net.train(was)
    return torch.cat(rows)


def firing_share(net, pooled):
    """Per unit of global_fc[1]: the share of the images on which its pre-activation > 0
    (pooled: the raw pooled features; the net's standardisation is applied)."""
    first = net.global_fc[1]
    pre = net.standardise_pooled(pooled) @ first.weight.detach().flatten(1).T + first.bias.detach()
    return (pre > 0).float().mean(0)


@torch.no_grad()
def standardise_global_input(net, pooled):
    """In place: sets the net's standardisation of the pooled features (global_mu,
    global_sd) to the mean and standard deviation of `pooled`, and rewrites global_fc[1] so
    the outputs do not change. With the input centred, a training step on the weights no
    longer shifts a unit's pre-activations on all images the same way (see above)."""
    net.fold_global_norm()  # global_fc[1] as a map on the raw input
    first = net.global_fc[1]
    raw_w, raw_b = first.weight.flatten(1).clone(), first.bias.clone()
    mu, sd = pooled.mean(0), pooled.std(0)
    sd = sd.clamp_min(1e-3 * float(sd.mean()) + 1e-12)
    first.weight.copy_((raw_w * sd.view(1, -1)).view_as(first.weight))
    first.bias.copy_(raw_b + (raw_w * mu.view(1, -1)).sum(1))
    net.global_mu.copy_(mu)
    net.global_sd.copy_(sd)
    net.global_norm = True


@torch.no_grad()
def revive_global_units(net, pooled, min_share=0.01, seed=0, standardise=False):
    """In place: every unit firing on fewer than min_share of the images `pooled` (from
    pooled_global_inputs) gets a new input direction and bias, and zero output weights.
    standardise: first standardise the branch's input (standardise_global_input); the new
    directions are then unit vectors on the standardised input. Returns the indices of the
    revived units."""
    if standardise:
        standardise_global_input(net, pooled)
    first, second = net.global_fc[1], net.global_fc[3]
    dead = torch.nonzero(firing_share(net, pooled) < min_share).flatten().tolist()
    gen = torch.Generator().manual_seed(seed)
    w = first.weight.flatten(1)
    x = net.standardise_pooled(pooled)
    for j in dead:
        d = torch.randn(w.shape[1], generator=gen)
        d = d / d.norm() * (1.0 if standardise else w[j].norm().clamp_min(1e-3))
        first.weight[j] = d.view_as(first.weight[j])
        first.bias[j] = -(x @ d).median()
        second.weight[:, j] = 0.0
    return dead
