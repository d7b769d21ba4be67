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


def _marks_tool():
    exe = os.environ.get("COLORIZE_BIN")
    tool = os.path.join(os.path.dirname(exe), "colorize-marks") if exe else None
    if not tool or not os.access(tool, os.X_OK):
        import pytest
        pytest.skip("colorize-marks (beside COLORIZE_BIN) not built")
    return tool


def test_the_marks_methods_run_the_core_on_the_hints():
    tool = _marks_tool()
    L = np.full((2, 64, 96), 50.0)
    L[:, :, 48:] = 80.0  # two regions split by an edge at x = 48 of the 96-pixel grid
    ab = torch.zeros(2, 64, 96, 2)  # [N, H, W, 2], as the truth's a*b*
    ab[..., :48, 0], ab[..., :48, 1] = 30.0, 10.0
    ab[..., 48:, 0], ab[..., 48:, 1] = -20.0, 40.0
    points = np.array([[[10, 10], [50, 80]], [[30, 20], [40, 70]]])
    # Colour from the marks alone: each region takes its own point's colour.
    out = eval_hints.marks_with_hints(tool, L, ab.numpy(), 96, points, 2)
    assert out.shape == (2, 2, 64, 96)
    assert torch.allclose(out[:, 0, :, :40], torch.tensor(30.0), atol=2.5)  # a little leaks
    assert torch.allclose(out[:, 1, :, 56:], torch.tensor(40.0), atol=2.5)
    # No point: grey.
    assert eval_hints.marks_with_hints(tool, L, ab.numpy(), 96, points, 0).abs().max() == 0
    # Correcting a base (a model's output at half the grid): without points the base comes
    # back at the grid's size; a point changes its own region and not the other.
    base = torch.zeros(2, 2, 32, 48)
    base[:, 0] = 5.0
    same = eval_hints.marks_with_hints(tool, L, ab.numpy(), 96, points, 0, base=base)
    assert torch.allclose(same[:, 0], torch.tensor(5.0), atol=1e-4)
    fixed = eval_hints.marks_with_hints(tool, L, ab.numpy(), 96, points[:, :1], 1, base=base,
                                        reach=0.3)
    assert abs(float(fixed[0, 0, 10, 10]) - 30.0) < 0.5  # the point itself
    assert float(fixed[0, 0, 5:15, 5:15].mean()) > 20.0  # around it, toward the truth
    assert abs(float(fixed[0, 0, 30:60, 70:90].mean()) - 5.0) < 1.5  # across the edge: the base
