"""The colorization network.

  inputs  L [B,1,H,W] (L* 0..100), hint_ab [B,2,H,W] (CIELAB units), hint_mask [B,1,H,W]
  -> normalise inside the graph: L/50 - 1 (the [-1, 1] range the MobileNetV2 weights expect
     for a grey input), hint_ab / 110, mask as is
  -> encoder: MobileNetV2 (ImageNet weights from the TFLite model) up to its 320-channel
     stride-32 block; the stem takes 4 channels (L + hints): its L filter is the sum of the
     pretrained RGB filters (a grey image has R = G = B), its hint filters start at zero
  -> global context (Iizuka et al. 2016): global average pool of the stride-32 features,
     two 1x1 convs, broadcast-added to the local stride-32 features. Adding W_g g to W_l x
     is the same as a 1x1 conv over [x, broadcast(g)] and exports without Expand/Reshape.
     The pooled features may be standardised first (buffers global_mu / global_sd, set by
     scripts/revive_global.py --standardise; folded into the first 1x1 conv at export)
  -> U-Net decoder: nearest x2 upsampling, concat with the encoder skip, two 3x3 conv+BN+ReLU
     (one at stride 2, the costliest stage on a CPU); the hint planes also enter the decoder
     directly at stride 8 and stride 2 (strided convs), so hints work even when the
     encoder is frozen (CPU config) and reach the output at full detail;
  -> head: 1x1 conv to Q logits over the ab bins (bins.py), at H/2 x W/2.
Inference (export) adds: softmax(logits / T), then a 1x1 conv whose weights are the bin
centres: the annealed mean (Zhang et al. 2016), so the graph outputs ab [B,2,H/2,W/2].
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .mobilenet import MobileNetV2, load_tflite_weights

SKIPS = (1, 3, 6, 13, 17)  # feature indices giving strides 2, 4, 8, 16, 32


def conv_bn(cin, cout, k=3):
    return nn.Sequential(nn.Conv2d(cin, cout, k, 1, k // 2, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


class Up(nn.Module):
    def __init__(self, cin, cskip, cout, convs=2):
        super().__init__()
        layers = [conv_bn(cin + cskip, cout)] + [conv_bn(cout, cout) for _ in range(convs - 1)]
        self.body = nn.Sequential(*layers)

    def forward(self, x, skip, extra=None):
        x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        parts = [x, skip] if extra is None else [x, skip, extra]
        return self.body(torch.cat(parts, 1))


class ColorNet(nn.Module):
    def __init__(self, bin_centres, width=1.0, temperature=0.38):
        super().__init__()
        mb = MobileNetV2(in_channels=3)
        self.encoder = mb.features[:SKIPS[-1] + 1]
        stem = self.encoder[0].conv
        new = nn.Conv2d(4, stem.out_channels, 3, 2, 0, bias=True)
        self.encoder[0][1] = new  # [0] is the SAME-padding ZeroPad2d
        c = lambda n: max(8, int(round(n * width)))
        self.c5 = c(256)
        self.local5 = nn.Sequential(nn.Conv2d(320, self.c5, 1, bias=False), nn.BatchNorm2d(self.c5))
        self.global_fc = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(320, c(256), 1),
                                       nn.ReLU(inplace=True), nn.Conv2d(c(256), self.c5, 1))
        self.up4 = Up(self.c5, 96, c(128))
        self.hint_s8 = nn.Sequential(nn.Conv2d(3, 16, 8, 8), nn.ReLU(inplace=True))
        self.up3 = Up(c(128), 32 + 16, c(96))
        self.up2 = Up(c(96), 24, c(48))
        self.hint_in = nn.Sequential(nn.Conv2d(3, 16, 2, 2), nn.ReLU(inplace=True))
        self.up1 = Up(c(48), 16 + 16, c(32), convs=1)
        Q = bin_centres.shape[0]
        self.head = nn.Conv2d(c(32), Q, 1)
        self.register_buffer("bins", torch.as_tensor(bin_centres, dtype=torch.float32))
        self.register_buffer("prior_w", torch.ones(Q))
        # standardisation of the pooled features before global_fc[1]: (x - global_mu) /
        # global_sd (scripts/revive_global.py sets them); identity by default, folded into
        # global_fc[1] at export (fold_global_norm), so the exported graph is unchanged
        self.register_buffer("global_mu", torch.zeros(320))
        self.register_buffer("global_sd", torch.ones(320))
        self.global_norm = False  # whether they differ from the identity (kept by loading)
        self.temperature = temperature
        self.freeze_until = -1  # encoder layers 0..freeze_until run without gradients

    def init_from_tflite(self, path):
        """ImageNet weights into the encoder; the stem's L filter = sum of its RGB filters."""
        mb = MobileNetV2(in_channels=3)
        load_tflite_weights(mb, path)
        src = dict(mb.features.named_parameters())
        with torch.no_grad():
            for name, p in self.encoder.named_parameters():
                if name == "0.1.weight":
                    p.zero_()
                    p[:, 0:1] = src[name].sum(1, keepdim=True)
                else:
                    p.copy_(src[name])

    def encoder_parameters(self):
        return list(self.encoder.parameters())

    def decoder_parameters(self):
        enc = set(id(p) for p in self.encoder.parameters())
        return [p for p in self.parameters() if id(p) not in enc]

    def logits(self, L, hint_ab, hint_mask, return_global=False):
        """Q logits at H/2 x W/2; with return_global, also the global context vector
        [B, 256] (after the first 1x1 conv and ReLU) that training's auxiliary scene/object
        classifier reads (Iizuka et al.)."""
        hints = torch.cat([hint_ab * (1.0 / 110.0), hint_mask], 1)
        x = torch.cat([L * (1.0 / 50.0) - 1.0, hints], 1)
        feats = []
        for i, layer in enumerate(self.encoder):
            if i <= self.freeze_until:
                with torch.no_grad():
                    x = layer(x)
            else:
                x = layer(x)
            if i in SKIPS:
                feats.append(x)
        s2, s4, s8, s16, s32 = feats
        if self.global_norm:  # a Python flag: an export traces the plain branch, no warning
            g = self.global_fc[1:3](self.standardise_pooled(self.global_fc[0](s32)))
        else:
            g = self.global_fc[:3](s32)
        y = F.relu(self.local5(s32) + self.global_fc[3](g))
        y = self.up4(y, s16)
        y = self.up3(y, s8, self.hint_s8(hints))
        y = self.up2(y, s4)
        y = self.up1(y, s2, self.hint_in(hints))
        z = self.head(y)
        return (z, g.flatten(1)) if return_global else z

    def standardise_pooled(self, pooled):
        """(pooled - global_mu) / global_sd for pooled features [N, 320, ...]."""
        shape = (1, -1) + (1,) * (pooled.dim() - 2)
        return (pooled - self.global_mu.view(shape)) / self.global_sd.view(shape)

    def global_norm_active(self):
        return bool(torch.count_nonzero(self.global_mu)) or bool((self.global_sd != 1).any())

    @torch.no_grad()
    def fold_global_norm(self):
        """In place: the standardisation into global_fc[1] (W' = W / sd, b' = b - W' mu),
        then mu = 0, sd = 1; the outputs do not change. Returns self."""
        if self.global_norm_active():
            conv = self.global_fc[1]
            w = conv.weight / self.global_sd.view(1, -1, 1, 1)
            conv.bias.sub_((w.flatten(1) * self.global_mu.view(1, -1)).sum(1))
            conv.weight.copy_(w)
            self.global_mu.zero_()
            self.global_sd.fill_(1.0)
        self.global_norm = False
        return self

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # checkpoints and files from before the standardisation buffers: identity
        for name, value in (("global_mu", 0.0), ("global_sd", 1.0)):
            state_dict.setdefault(prefix + name, torch.full((320,), value))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
        self.global_norm = self.global_norm_active()

    def global_channels(self):
        return self.global_fc[1].out_channels

    def annealed_mean(self, logits, temperature=None):
        T = self.temperature if temperature is None else temperature
        p = torch.softmax(logits / T, dim=1)
        return torch.einsum("bqhw,qc->bchw", p, self.bins)

    def forward(self, L, hint_ab, hint_mask):
        return self.annealed_mean(self.logits(L, hint_ab, hint_mask))


def fold_bn(module):
    """In place: every Conv2d directly followed by a BatchNorm2d inside an nn.Sequential
    becomes one Conv2d with bias; the BN is replaced by Identity."""
    for child in module.children():
        fold_bn(child)
    if isinstance(module, nn.Sequential):
        mods = list(module)
        for i in range(len(mods) - 1):
            conv, bn = mods[i], mods[i + 1]
            if isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d):
                s = bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)
                w = conv.weight.detach() * s.view(-1, 1, 1, 1)
                b = (conv.bias.detach() if conv.bias is not None else torch.zeros_like(s))
                b = (b - bn.running_mean) * s + bn.bias.detach()
                new = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size,
                                conv.stride, conv.padding, conv.dilation, conv.groups, True)
                new.weight.data.copy_(w)
                new.bias.data.copy_(b)
                module[i] = new
                module[i + 1] = nn.Identity()
    return module
