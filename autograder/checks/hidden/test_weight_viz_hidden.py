"""Exercise 4, hidden checks (autograde only): weight_grid options and unusual weights."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from support import call, expect_equal, expect_tensor_close, load  # noqa: E402

student = load("linear_exercises.weight_viz")

pytestmark = pytest.mark.weight_viz


def test_padding_zero_and_default_columns():
    """padding=0 packs tiles edge to edge; ten tiles default to 5 columns."""
    weight = torch.arange(10 * 4, dtype=torch.float32).reshape(10, 4)
    grid = call(student.weight_grid, weight, (2, 2), ncols=5, padding=0, what="weight_grid(..., padding=0)")
    expect_equal(tuple(grid.shape), (4, 10), "shape of weight_grid of ten 2x2 tiles, 5 per row, padding 0")
    expect_tensor_close(grid[:2, :2], weight[0].reshape(2, 2), "the first tile with padding 0")
    expect_tensor_close(grid[2:4, 8:10], weight[9].reshape(2, 2), "the last tile with padding 0")
    default = call(student.weight_grid, weight, (2, 2), what="weight_grid with the default ncols")
    expect_equal(tuple(default.shape), (2 * 3 + 1, 5 * 3 + 1), "shape of weight_grid of ten 2x2 tiles by default")


def test_plot_accepts_trainable_and_zero_weights():
    """A weight that requires grad, and an all-zero weight, both plot without error."""
    w = torch.randn(3, 16, requires_grad=True)
    call(student.plot_weight_templates, w, (4, 4), what="plot_weight_templates(a weight with requires_grad=True)")
    call(student.plot_weight_templates, torch.zeros(3, 16), (4, 4), what="plot_weight_templates(all-zero weight)")
    plt.close("all")
