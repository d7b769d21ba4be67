"""Colour science shared by training and evaluation (numpy float64 and torch float32 paths).

Exact CIE formulas, the same as the C++ core (src/include/colorize/color.h):
  sRGB (IEC 61966-2-1) transfer function, D65 white Xn=0.95047, Yn=1, Zn=1.08883,
  epsilon = 216/24389, kappa = 24389/27.
Units: sRGB in [0, 1]; L* in [0, 100]; a*, b* in CIELAB units.
"""
import numpy as np
import torch

EPSILON = 216.0 / 24389.0
KAPPA = 24389.0 / 27.0
WHITE = (0.95047, 1.0, 1.08883)
# linear sRGB -> XYZ (D65), rows X, Y, Z; rows sum to the white point above.
RGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                       [0.2126729, 0.7151522, 0.0721750],
                       [0.0193339, 0.1191920, 0.9503041]])
XYZ_TO_RGB = np.linalg.inv(RGB_TO_XYZ)


def srgb_to_linear(v):
    v = np.asarray(v, dtype=np.float64)
    return np.where(v <= 0.04045, v / 12.92, ((np.maximum(v, 0.04045) + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(v):
    v = np.asarray(v, dtype=np.float64)
    return np.where(v <= 0.0031308, v * 12.92,
                    1.055 * np.maximum(v, 0.0031308) ** (1.0 / 2.4) - 0.055)


def _f(t):
    return np.where(t > EPSILON, np.cbrt(t), (KAPPA * t + 16.0) / 116.0)


def _finv(f):
    f3 = f ** 3
    return np.where(f3 > EPSILON, f3, (116.0 * f - 16.0) / KAPPA)


def srgb_to_lab(rgb):
    """rgb: [..., 3] sRGB in [0, 1] (or uint8, scaled by 1/255). Returns [..., 3] L*, a*, b*."""
    rgb = np.asarray(rgb)
    if rgb.dtype == np.uint8:
        rgb = rgb.astype(np.float64) / 255.0
    lin = srgb_to_linear(rgb)
    xyz = lin @ RGB_TO_XYZ.T
    fx = _f(xyz[..., 0] / WHITE[0])
    fy = _f(xyz[..., 1] / WHITE[1])
    fz = _f(xyz[..., 2] / WHITE[2])
    return np.stack([116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)], axis=-1)


def lab_to_srgb(lab):
    """lab: [..., 3]. Returns unclamped sRGB [..., 3] (may leave [0, 1] out of gamut)."""
    lab = np.asarray(lab, dtype=np.float64)
    fy = (lab[..., 0] + 16.0) / 116.0
    fx = fy + lab[..., 1] / 500.0
    fz = fy - lab[..., 2] / 200.0
    xyz = np.stack([_finv(fx) * WHITE[0], _finv(fy) * WHITE[1], _finv(fz) * WHITE[2]], axis=-1)
    return linear_to_srgb(xyz @ XYZ_TO_RGB.T)


def lab_to_uint8(lab):
    return np.clip(np.round(lab_to_srgb(lab) * 255.0), 0, 255).astype(np.uint8)


def grey_srgb_of_L(L):
    """The sRGB grey value in [0, 1] of lightness L* (a* = b* = 0)."""
    L = np.asarray(L, dtype=np.float64)
    return linear_to_srgb(_finv((L + 16.0) / 116.0))


# ---- torch path (training; float32, channels-first [B, 3, H, W]) ----

_T_RGB_TO_XYZ = torch.tensor(RGB_TO_XYZ, dtype=torch.float32)


def srgb_to_lab_torch(rgb):
    """rgb: float tensor [B, 3, H, W] in [0, 1]. Returns [B, 3, H, W] (L*, a*, b*)."""
    lin = torch.where(rgb <= 0.04045, rgb / 12.92,
                      ((rgb.clamp(min=0.04045) + 0.055) / 1.055) ** 2.4)
    return linear_to_lab_torch(lin)


# linear value of each 8-bit sRGB level (float32), for table lookups
LINEAR_LUT = torch.tensor(srgb_to_linear(np.arange(256) / 255.0), dtype=torch.float32)


def linear_to_lab_torch(lin):
    """lin: linear RGB [B, 3, H, W]. Returns [B, 3, H, W] (L*, a*, b*)."""
    m = _T_RGB_TO_XYZ
    m = m.to(lin.device, lin.dtype)
    xyz = torch.einsum("ij,bjhw->bihw", m, lin)
    w = torch.tensor(WHITE, dtype=lin.dtype, device=lin.device).view(1, 3, 1, 1)
    t = xyz / w
    f = torch.where(t > EPSILON, t.clamp(min=EPSILON) ** (1.0 / 3.0), (KAPPA * t + 16.0) / 116.0)
    L = 116.0 * f[:, 1] - 16.0
    a = 500.0 * (f[:, 0] - f[:, 1])
    b = 200.0 * (f[:, 1] - f[:, 2])
    return torch.stack([L, a, b], dim=1)


# ---- CIEDE2000 (Sharma, Wu, Dalal 2005), numpy, vectorised ----

def ciede2000(lab1, lab2):
    """Colour difference between [..., 3] Lab arrays (kL = kC = kH = 1)."""
    L1, a1, b1 = [np.asarray(lab1, np.float64)[..., i] for i in range(3)]
    L2, a2, b2 = [np.asarray(lab2, np.float64)[..., i] for i in range(3)]
    C1 = np.hypot(a1, b1)
    C2 = np.hypot(a2, b2)
    Cb = 0.5 * (C1 + C2)
    G = 0.5 * (1.0 - np.sqrt(Cb ** 7 / (Cb ** 7 + 25.0 ** 7)))
    a1p = (1.0 + G) * a1
    a2p = (1.0 + G) * a2
    C1p = np.hypot(a1p, b1)
    C2p = np.hypot(a2p, b2)
    h1p = np.where((a1p == 0) & (b1 == 0), 0.0, np.degrees(np.arctan2(b1, a1p)) % 360.0)
    h2p = np.where((a2p == 0) & (b2 == 0), 0.0, np.degrees(np.arctan2(b2, a2p)) % 360.0)
    dLp = L2 - L1
    dCp = C2p - C1p
    dh = h2p - h1p
    dh = np.where(dh > 180.0, dh - 360.0, np.where(dh < -180.0, dh + 360.0, dh))
    dh = np.where(C1p * C2p == 0, 0.0, dh)
    dHp = 2.0 * np.sqrt(C1p * C2p) * np.sin(np.radians(dh) / 2.0)
    Lbp = 0.5 * (L1 + L2)
    Cbp = 0.5 * (C1p + C2p)
    hs = h1p + h2p
    hbp = np.where(C1p * C2p == 0, hs,
                   np.where(np.abs(h1p - h2p) <= 180.0, hs / 2.0,
                            np.where(hs < 360.0, (hs + 360.0) / 2.0, (hs - 360.0) / 2.0)))
    T = (1.0 - 0.17 * np.cos(np.radians(hbp - 30.0)) + 0.24 * np.cos(np.radians(2.0 * hbp))
         + 0.32 * np.cos(np.radians(3.0 * hbp + 6.0)) - 0.20 * np.cos(np.radians(4.0 * hbp - 63.0)))
    dtheta = 30.0 * np.exp(-(((hbp - 275.0) / 25.0) ** 2))
    RC = 2.0 * np.sqrt(Cbp ** 7 / (Cbp ** 7 + 25.0 ** 7))
    SL = 1.0 + 0.015 * (Lbp - 50.0) ** 2 / np.sqrt(20.0 + (Lbp - 50.0) ** 2)
    SC = 1.0 + 0.045 * Cbp
    SH = 1.0 + 0.015 * Cbp * T
    RT = -np.sin(np.radians(2.0 * dtheta)) * RC
    return np.sqrt((dLp / SL) ** 2 + (dCp / SC) ** 2 + (dHp / SH) ** 2
                   + RT * (dCp / SC) * (dHp / SH))
