"""Evaluation metrics: PSNR, SSIM, colourfulness on images with known answers."""
import numpy as np

from colorizer import metrics


def test_psnr_known_value():
    a = np.full((8, 8, 3), 100, np.uint8)
    b = a + 1
    assert abs(metrics.psnr(a, b) - 20 * np.log10(255.0)) < 1e-9


def test_ssim_properties():
    rng = np.random.RandomState(0)
    a = rng.randint(0, 256, (48, 48, 3)).astype(np.uint8)
    noisy = np.clip(a.astype(int) + rng.randint(-30, 31, a.shape), 0, 255).astype(np.uint8)
    noisier = np.clip(a.astype(int) + rng.randint(-90, 91, a.shape), 0, 255).astype(np.uint8)
    assert abs(metrics.ssim(a, a) - 1.0) < 1e-12
    assert abs(metrics.ssim(a, noisy) - metrics.ssim(noisy, a)) < 1e-12
    assert 1.0 > metrics.ssim(a, noisy) > metrics.ssim(a, noisier)


def test_ssim_of_constant_images():
    # constant images: sigma terms vanish, SSIM = (2 mx my + C1) / (mx^2 + my^2 + C1)
    a = np.full((16, 16, 3), 100, np.uint8)
    b = np.full((16, 16, 3), 120, np.uint8)
    C1 = (0.01 * 255) ** 2
    expect = (2 * 100 * 120 + C1) / (100 ** 2 + 120 ** 2 + C1)
    assert abs(metrics.ssim(a, b) - expect) < 1e-9


def test_colourfulness():
    grey = np.full((4, 4, 3), 77, np.uint8)
    assert metrics.colourfulness(grey) == 0
    # half pure red, half pure green: rg = +-255, yb = 127.5 everywhere
    img = np.zeros((2, 2, 3), np.uint8)
    img[0, :, 0] = 255
    img[1, :, 1] = 255
    expect = np.sqrt(255.0 ** 2 + 0.0) + 0.3 * np.sqrt(0.0 + 127.5 ** 2)
    assert abs(metrics.colourfulness(img) - expect) < 1e-9


def _lab(L, a, b, shape=(4, 4)):
    lab = np.zeros(shape + (3,))
    lab[..., 0], lab[..., 1], lab[..., 2] = L, a, b
    return lab


def test_wrong_colour_area_counts_colour_the_truth_lacks():
    truth_red = _lab(50, 40, 20)
    # greyscale and the truth itself score 0; so does a paler or stronger red
    assert metrics.wrong_colour_area(_lab(50, 0, 0), truth_red) == 0
    assert metrics.wrong_colour_area(truth_red, truth_red) == 0
    assert metrics.wrong_colour_area(_lab(50, 80, 40), truth_red) == 0
    # blue on red (hue ~180 deg off) counts; a 30 deg hue shift does not
    assert metrics.wrong_colour_area(_lab(50, -40, -20), truth_red) == 1
    ang = np.radians(30)
    shifted = _lab(50, 40 * np.cos(ang) - 20 * np.sin(ang), 40 * np.sin(ang) + 20 * np.cos(ang))
    assert metrics.wrong_colour_area(shifted, truth_red) == 0
    # colour on a near-neutral truth counts only where the result is clearly coloured
    truth_white = _lab(95, -1, -2)  # the same hue as the tints below
    assert metrics.wrong_colour_area(_lab(95, -10, -12), truth_white) == 1   # chroma 15.6
    assert metrics.wrong_colour_area(_lab(95, -8, -10), truth_white) == 0    # chroma 12.8
    # the area is a fraction of the pixels: a blue patch over a quarter of a red image
    out = truth_red.copy()
    out[:2, :2, 1:] = (-30, -30)
    assert metrics.wrong_colour_area(out, truth_red) == 0.25
