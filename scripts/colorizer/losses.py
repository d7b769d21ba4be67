"""Class-rebalanced cross entropy over ab bins with soft-encoded targets (Zhang et al. 2016).

Target per pixel: the K = 5 nearest bins of the true ab, weighted by a Gaussian (sigma = 5 ab
units) and normalised. Per-pixel weight: the rebalancing weight of the nearest bin (bins.py).
Logits are handled as [N, Q] rows (channels last): a softmax over dim 1 of an NCHW tensor is
several times slower on the CPU.
"""
import torch
import torch.nn.functional as F


class GridLookup:
    """Maps ab to the bins of a 10-unit grid quickly: the candidates are the 3 x 3 grid
    centres around the rounded ab (absent bins get an infinite distance), which hold the 5
    nearest bins of any in-gamut colour; much cheaper than distances to all Q bins."""

    def __init__(self, centres, grid=10.0, reach=1):
        self.centres = centres
        self.grid = grid
        g = torch.round(centres / grid).long()
        self.lo = int(g.min()) - reach - 12
        n = int(g.max()) - self.lo + reach + 13
        lut = torch.full((n, n), -1, dtype=torch.long)
        lut[g[:, 0] - self.lo, g[:, 1] - self.lo] = torch.arange(len(centres))
        self.lut = lut
        r = torch.arange(-reach, reach + 1)
        self.offsets = torch.stack(torch.meshgrid(r, r, indexing="ij"), -1).reshape(-1, 2)

    def to(self, device):
        self.centres = self.centres.to(device)
        self.lut = self.lut.to(device)
        self.offsets = self.offsets.to(device)
        return self

    def candidates(self, ab):
        """ab [N, 2] -> (bin indices [N, C] with -1 for absent, squared distances [N, C])."""
        g = torch.round(ab / self.grid).long() - self.lo
        g = g.clamp(0, self.lut.shape[0] - 1)[:, None, :] + self.offsets[None]
        g = g.clamp(0, self.lut.shape[0] - 1)
        idx = self.lut[g[..., 0], g[..., 1]]
        d2 = ((self.centres[idx.clamp(min=0)] - ab[:, None, :]) ** 2).sum(-1)
        d2 = torch.where(idx >= 0, d2, torch.full_like(d2, float("inf")))
        return idx, d2


def soft_targets(ab, lookup, k=5, sigma=5.0):
    """ab: [N, 2] -> (indices [N, k], weights [N, k]); indices[:, 0] is the nearest bin."""
    idx, d2 = lookup.candidates(ab)
    dk, j = d2.topk(k, dim=1, largest=False)
    ik = idx.gather(1, j).clamp(min=0)
    # (clamped: a colour far outside the gamut, with fewer than k candidates, gets finite
    # weights on whatever candidates it has instead of NaN)
    w = torch.softmax(-dk.clamp(max=1e4) / (2.0 * sigma ** 2), dim=1)
    return ik, w


def downsample_ab(ab, size):
    """True ab [B, 2, H, W] averaged down to the logits' size (h, w)."""
    if ab.shape[-2:] == tuple(size):
        return ab
    return F.adaptive_avg_pool2d(ab, size)


def rebalanced_ce(logits, ab_true, lookup, prior_w, k=5, sigma=5.0):
    """Mean over pixels of w(nearest bin) * CE(soft target, softmax(logits)).
    logits [B, Q, h, w]; ab_true [B, 2, H, W] (averaged down to h, w)."""
    B, Q, h, w = logits.shape
    ab = downsample_ab(ab_true, (h, w)).permute(0, 2, 3, 1).reshape(-1, 2)
    z = logits.permute(0, 2, 3, 1).reshape(-1, Q)
    logp = F.log_softmax(z.float(), dim=1)
    with torch.no_grad():
        idx, tw = soft_targets(ab.float(), lookup, k, sigma)
        pw = prior_w[idx[:, 0]]
    ce = -(logp.gather(1, idx) * tw).sum(1)
    return (ce * pw).mean()


def annealed_mean_rows(logits, centres, T):
    """[B, Q, h, w] logits -> [B, 2, h, w] ab (channels-last internally, for speed)."""
    B, Q, h, w = logits.shape
    p = torch.softmax(logits.permute(0, 2, 3, 1).reshape(-1, Q).float() / T, dim=1)
    return (p @ centres).reshape(B, h, w, 2).permute(0, 3, 1, 2)


def wrong_colour_penalty(pred, target, neutral=7.0):
    """Differentiable counterpart of metrics.wrong_colour_area, in units of 10 ab: the mean
    over pixels of chroma(pred) weighted by how wrong its hue is -- 1 where the truth is
    near neutral (chroma < neutral), else (1 - cos(hue difference)) / 2 (0 for the true hue,
    1 for the opposite one). Unlike an L1 or L2 term it does not pull correct colours
    toward grey. pred, target: ab [B, 2, h, w]."""
    cp = pred.norm(dim=1).clamp_min(1e-6)
    ct = target.norm(dim=1)
    cos = (pred * target).sum(1) / (cp * ct.clamp_min(1e-6))
    w = torch.where(ct < neutral, torch.ones_like(cos), 0.5 * (1.0 - cos))
    return (w * cp).mean() / 10.0


def confident_colour_penalty(pred, target, neutral=7.0):
    """wrong_colour_penalty plus the chroma missing along the true hue where the truth has
    colour: relu(chroma(target) - pred . hue(target)) / 10. Grey costs chroma(target), the
    opposite hue at the true chroma three times that, the true hue at any chroma >= the
    truth's nothing: the decoding gains by committing to a hue only where it is right at
    least 2 times in 3, and by staying grey elsewhere. pred, target: ab [B, 2, h, w]."""
    ct = target.norm(dim=1)
    along = (pred * target).sum(1) / ct.clamp_min(1e-6)
    missing = torch.where(ct < neutral, torch.zeros_like(ct), torch.relu(ct - along))
    return wrong_colour_penalty(pred, target, neutral) + missing.mean() / 10.0


def cast_penalty(pred, target):
    """The image-level part of the colour error, in units of 10 ab: the mean over images of
    the distance between the picture's mean decoded ab and its true mean ab. A cast (a
    warm tint over a grey room) costs its full size; colour errors that cancel over the
    picture (a red shirt painted blue beside a blue shirt painted red) cost nothing, so it
    adds to confident_colour_penalty rather than replacing it. pred, target: [B, 2, h, w]."""
    return (pred.mean(dim=(2, 3)) - target.mean(dim=(2, 3))).norm(dim=1).mean() / 10.0


def cast_remove_penalty(pred, target):
    """cast_penalty's value, with its gradient kept only at pixels where following it takes
    colour away (where the pixel's ab points against the correction the picture's mean
    needs); elsewhere the pixel enters the mean as a constant. The term can then remove a
    cast or mute a wrong tint but never buy a better mean by painting pixels it left grey or
    re-hueing colour it got right -- the way the plain term put yellow patches on white
    walls. pred, target: [B, 2, h, w]."""
    need = (target.mean(dim=(2, 3)) - pred.mean(dim=(2, 3))).detach()  # [B, 2]
    away = (pred.detach() * need[:, :, None, None]).sum(1, keepdim=True) < 0  # [B, 1, h, w]
    gated = torch.where(away, pred, pred.detach())
    return cast_penalty(gated, target)
