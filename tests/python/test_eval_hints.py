"""scripts/eval_hints.py: the revealed points nest as k grows, and each hint is rendered as
the CLI renders a click (a 3 x 3 square of the working grid, clipped at the border) holding
the truth's mean colour over that square."""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
import eval_hints  # noqa: E402


def test_points_are_on_the_grid_and_nest():
    p = eval_hints.hint_points(4, 16, 24, 10, seed=3)
    assert p.shape == (4, 10, 2)
    assert p[..., 0].min() >= 0 and p[..., 0].max() < 16
    assert p[..., 1].min() >= 0 and p[..., 1].max() < 24
    assert np.array_equal(p, eval_hints.hint_points(4, 16, 24, 10, seed=3))  # seeded


def test_a_hint_is_a_3x3_square_of_the_truth_mean_clipped_at_the_border():
    ab = torch.zeros(1, 2, 8, 8)
    ab[0, 0] = torch.arange(64, dtype=torch.float32).view(8, 8)  # a* = 8y + x
    ab[0, 1] = -5.0
    points = np.array([[[3, 4], [0, 0], [7, 7]]])
    hint_ab, mask = eval_hints.render(ab, points, 1)
    assert mask.sum() == 9 and mask[0, 0, 2:5, 3:6].eq(1).all()
    assert torch.allclose(hint_ab[0, 0, 2:5, 3:6], torch.full((3, 3), 8.0 * 3 + 4))
    assert torch.allclose(hint_ab[0, 1, 2:5, 3:6], torch.full((3, 3), -5.0))
    assert hint_ab[0, :, mask[0, 0] == 0].abs().max() == 0  # nothing outside the squares
    hint_ab, mask = eval_hints.render(ab, points, 3)
    assert mask[0, 0, :2, :2].eq(1).all() and mask[0, 0, 6:, 6:].eq(1).all()  # corners: 2 x 2
    assert mask.sum() == 9 + 4 + 4
    assert torch.isclose(hint_ab[0, 0, 0, 0], torch.tensor((0 + 1 + 8 + 9) / 4.0))
    assert torch.isclose(hint_ab[0, 0, 7, 7], torch.tensor((54 + 55 + 62 + 63) / 4.0))
    # k = 0: no hints at all (automatic colorization)
    hint_ab, mask = eval_hints.render(ab, points, 0)
    assert mask.sum() == 0 and hint_ab.abs().sum() == 0
