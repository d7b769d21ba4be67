"""A PatchGAN critic for the colorizer's decoded colours (Isola et al.'s PatchGAN, as used by
Nazeri et al. and ChromaGAN), a training-only term: never exported.

The critic sees a picture's lightness and chroma at the logits' grid (stride 2 of the input):
L* averaged down to that grid (losses.downsample_ab) and a*, b* either the truth's (averaged
down the same way) or the decoding the model ships with (the annealed mean of
softmax((z - beta log w) / T)), so it judges what the user will see. Inputs are scaled to
about [-1, 1]: L* / 50 - 1, ab / 110.
Output: one logit per patch ([B, 1, h/4, w/4]; each patch sees about 26 x 26 cells of the
grid, 52 x 52 input pixels). Spectral norm on every conv keeps the critic Lipschitz, so the
gradient it hands the colorizer stays bounded while it trains beside it.

Losses are the non-saturating ones (softplus): the critic minimises
softplus(-D(real)) + softplus(D(fake)), the colorizer softplus(-D(fake)).
"""
import torch
import torch.nn.functional as F
from torch import nn


class PatchCritic(nn.Module):
    def __init__(self, channels=32):
        super().__init__()
        sn = nn.utils.spectral_norm
        c = channels
        self.net = nn.Sequential(
            sn(nn.Conv2d(3, c, 4, 2, 1)), nn.LeakyReLU(0.2),
            sn(nn.Conv2d(c, 2 * c, 4, 2, 1)), nn.LeakyReLU(0.2),
            sn(nn.Conv2d(2 * c, 4 * c, 3, 1, 1)), nn.LeakyReLU(0.2),
            sn(nn.Conv2d(4 * c, 1, 3, 1, 1)))

    def forward(self, L, ab):
        """L: [B, 1, h, w] L* (0..100); ab: [B, 2, h, w] CIELAB units -> [B, 1, h/4, w/4]."""
        return self.net(torch.cat([L / 50.0 - 1.0, ab / 110.0], 1))


def critic_loss(critic, L, ab_real, ab_fake):
    """The critic's loss on one batch (the fake is detached: only the critic learns here)."""
    return (F.softplus(-critic(L, ab_real)).mean()
            + F.softplus(critic(L, ab_fake.detach())).mean())


def colorizer_loss(critic, L, ab_fake):
    """The colorizer's adversarial loss: softplus(-D(fake)). Called with the critic's
    weights set not to require gradients, so only the colorizer learns from it."""
    return F.softplus(-critic(L, ab_fake)).mean()
