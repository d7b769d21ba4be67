"""Image quality metrics on 8-bit sRGB (numpy): PSNR, SSIM (Wang et al. 2004, Gaussian
window 11 / sigma 1.5, per channel, averaged), colourfulness (Hasler & Suesstrunk 2003),
mean CIEDE2000 (color.ciede2000), and the wrong-colour area (a measure of blotches)."""
import numpy as np
import torch
import torch.nn.functional as F

from .color import lab_to_uint8


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 99.0 if mse == 0 else 10.0 * np.log10(255.0 ** 2 / mse)


def colourfulness(rgb):
    r, g, b = [rgb[..., i].astype(np.float64) for i in range(3)]
    rg = r - g
    yb = 0.5 * (r + g) - b
    return (np.sqrt(rg.std() ** 2 + yb.std() ** 2)
            + 0.3 * np.sqrt(rg.mean() ** 2 + yb.mean() ** 2))


# Wrong-colour area: the share of pixels where the result shows a clear colour (CIELAB chroma
# >= WRONG_CHROMA) that the truth does not have there: either the truth is near neutral
# (chroma < NEUTRAL_CHROMA) or its hue differs by >= WRONG_HUE_DEG degrees. Muted results
# score 0 (greyscale scores 0), so read it beside colourfulness, at matched colourfulness.
WRONG_CHROMA = 15.0
NEUTRAL_CHROMA = 7.0
WRONG_HUE_DEG = 60.0


def wrong_colour_area(lab_out, lab_true):
    """Fraction (0..1) of pixels of lab_out [H, W, 3] painted a colour lab_true lacks."""
    ao, bo = lab_out[..., 1].astype(np.float64), lab_out[..., 2].astype(np.float64)
    at, bt = lab_true[..., 1].astype(np.float64), lab_true[..., 2].astype(np.float64)
    co, ct = np.hypot(ao, bo), np.hypot(at, bt)
    cos = (ao * at + bo * bt) / np.maximum(co * ct, 1e-12)
    hue_off = cos <= np.cos(np.radians(WRONG_HUE_DEG))
    wrong = (co >= WRONG_CHROMA) & ((ct < NEUTRAL_CHROMA) | hue_off)
    return float(wrong.mean())


def _gauss_window(size=11, sigma=1.5):
    x = np.arange(size) - (size - 1) / 2.0
    g = np.exp(-x ** 2 / (2 * sigma ** 2))
    return g / g.sum()


def ssim(a, b):
    """Mean SSIM over the channels of two uint8 [H, W, 3] images (L = 255), Gaussian window
    11 / sigma 1.5, 'valid' positions only (float64 separable convolutions)."""
    C1, C2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    g = torch.from_numpy(_gauss_window())
    gy, gx = g.view(1, 1, -1, 1), g.view(1, 1, 1, -1)
    x = torch.from_numpy(a.astype(np.float64)).permute(2, 0, 1)[:, None]
    y = torch.from_numpy(b.astype(np.float64)).permute(2, 0, 1)[:, None]

    def f(t):
        return F.conv2d(F.conv2d(t, gy), gx)

    mx, my = f(x), f(y)
    sxx = f(x * x) - mx * mx
    syy = f(y * y) - my * my
    sxy = f(x * y) - mx * my
    m = ((2 * mx * my + C1) * (2 * sxy + C2)) / ((mx * mx + my * my + C1) * (sxx + syy + C2))
    return float(m.mean(dim=(1, 2, 3)).mean())


def compose(L, ab):
    """L [H, W] (full size) + ab [2, h, w] (any size, bilinear up) -> uint8 sRGB [H, W, 3]."""
    H, W = L.shape
    ab = torch.as_tensor(ab, dtype=torch.float32)
    if ab.shape[-2:] != (H, W):
        ab = F.interpolate(ab[None], size=(H, W), mode="bilinear", align_corners=False)[0]
    lab = np.concatenate([np.asarray(L, np.float64)[..., None],
                          ab.permute(1, 2, 0).numpy().astype(np.float64)], -1)
    return lab_to_uint8(lab)


def batch_psnr_cf(L, ab, rgb_true):
    """Mean PSNR and colourfulness of predictions (L [N, H, W], ab [N, 2, h, w]) vs truth."""
    ps, cf, cft = [], [], []
    for i in range(len(L)):
        out = compose(L[i], ab[i])
        ps.append(psnr(out, rgb_true[i]))
        cf.append(colourfulness(out))
        cft.append(colourfulness(rgb_true[i]))
    return float(np.mean(ps)), float(np.mean(cf)), float(np.mean(cft))
