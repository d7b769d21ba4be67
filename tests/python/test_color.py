"""sRGB <-> CIELAB against published values, the torch path against the numpy path, the C++
core's `colorize lab R G B` against this module, CIEDE2000 against Sharma et al. (2005)."""
import os
import subprocess

import numpy as np
import pytest
import torch

from colorizer import color

# sRGB (D65) -> CIELAB reference values (Lindbloom's calculator, exact CIE constants).
PUBLISHED = [
    ((255, 255, 255), (100.0, 0.0, 0.0)),
    ((0, 0, 0), (0.0, 0.0, 0.0)),
    ((255, 0, 0), (53.2408, 80.0925, 67.2032)),
    ((0, 255, 0), (87.7347, -86.1827, 83.1793)),
    ((0, 0, 255), (32.2970, 79.1875, -107.8602)),
    ((128, 128, 128), (53.5850, 0.0, 0.0)),
]

# CIEDE2000 test pairs from Sharma, Wu, Dalal (2005), Table 1 (pairs 1, 7, 17, 25)
SHARMA = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
]


@pytest.mark.parametrize("rgb,lab", PUBLISHED)
def test_srgb_to_lab_published(rgb, lab):
    got = color.srgb_to_lab(np.array(rgb, np.uint8))
    np.testing.assert_allclose(got, lab, atol=2e-3)


def test_constants_are_exact_cie():
    assert color.EPSILON == 216.0 / 24389.0
    assert color.KAPPA == 24389.0 / 27.0
    # the matrix maps sRGB white onto the D65 white point
    np.testing.assert_allclose(color.RGB_TO_XYZ.sum(1), color.WHITE, atol=1e-6)


def test_round_trip():
    rng = np.random.RandomState(0)
    rgb = rng.rand(1000, 3)
    back = color.lab_to_srgb(color.srgb_to_lab(rgb))
    np.testing.assert_allclose(back, rgb, atol=1e-9)


def test_dark_values_use_linear_segment():
    # below epsilon the CIE formula is linear: L* = kappa * Y
    lin = 0.001
    v = color.linear_to_srgb(lin)
    L = color.srgb_to_lab(np.array([v, v, v]))[0]
    assert abs(L - color.KAPPA * lin) < 1e-6


def test_torch_matches_numpy():
    rng = np.random.RandomState(1)
    rgb = rng.rand(2, 3, 8, 8).astype(np.float32)
    t = color.srgb_to_lab_torch(torch.from_numpy(rgb)).numpy()
    n = color.srgb_to_lab(rgb.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(t, n, atol=2e-3)


def test_grey_has_zero_chroma():
    lab = color.srgb_to_lab(np.array([[10, 10, 10], [200, 200, 200]], np.uint8))
    assert np.abs(lab[:, 1:]).max() < 1e-4
    np.testing.assert_allclose(color.grey_srgb_of_L(lab[:, 0]) * 255, [10, 200], atol=1e-6)


@pytest.mark.parametrize("lab1,lab2,de", SHARMA)
def test_ciede2000_sharma(lab1, lab2, de):
    assert abs(color.ciede2000(lab1, lab2) - de) < 1e-4
    assert abs(color.ciede2000(lab2, lab1) - de) < 1e-4


def test_agrees_with_cpp_core():
    exe = os.environ.get("COLORIZE_BIN")
    if not exe:
        pytest.skip("COLORIZE_BIN (path to the colorize CLI) not set")
    for rgb in [(255, 0, 0), (12, 200, 90), (128, 128, 128), (3, 2, 1), (250, 240, 10)]:
        out = subprocess.run([exe, "lab"] + [str(v) for v in rgb], capture_output=True,
                             text=True, check=True).stdout.split()
        cpp = np.array([float(v) for v in out[:3]])
        py = color.srgb_to_lab(np.array(rgb, np.uint8))
        np.testing.assert_allclose(cpp, py, atol=0.02, err_msg=str(rgb))
