"""Exercise 4, hidden checks (class grading only): weight_grid options and unusual weights, on sizes drawn per run."""

import torch

from linear_checks.public.weight_viz import expected_grid, shown
from linear_checks.verdicts import call, expect_equal, expect_tensor_close, fail


def _randint(low: int, high: int) -> int:
    return int(torch.randint(low, high + 1, ()))


def check_padding_zero_and_default_columns(student):
    """padding=0 packs tiles edge to edge; ten tiles default to 5 columns."""
    weight = torch.arange(10 * 4, dtype=torch.float32).reshape(10, 4)
    grid = call(student.weight_grid, weight, (2, 2), ncols=5, padding=0, what="weight_grid(..., padding=0)")
    expect_equal(tuple(grid.shape) if isinstance(grid, torch.Tensor) else type(grid).__name__, (4, 10),
                 "shape of weight_grid of ten 2x2 tiles, 5 per row, padding 0")
    expect_tensor_close(grid[:2, :2], weight[0].reshape(2, 2), "the first tile with padding 0")
    expect_tensor_close(grid[2:4, 8:10], weight[9].reshape(2, 2), "the last tile with padding 0")
    default = call(student.weight_grid, weight, (2, 2), what="weight_grid with the default ncols")
    expect_equal(tuple(default.shape) if isinstance(default, torch.Tensor) else type(default).__name__,
                 (2 * 3 + 1, 5 * 3 + 1), "shape of weight_grid of ten 2x2 tiles by default")


def check_random_weight_grid(student):
    """A random weight of random tile size and column count is tiled exactly."""
    n, h, w = _randint(2, 12), _randint(2, 9), _randint(2, 9)
    ncols = _randint(1, min(6, n))  # at most one row of tiles per unit (make_grid narrows a short row)
    weight = torch.randn(n, h * w)
    grid = call(student.weight_grid, weight, (h, w), ncols=ncols, what=f"weight_grid(({n}, {h * w}), ({h}, {w}), ncols={ncols})")
    expect_tensor_close(grid, expected_grid(weight.reshape(n, h, w), ncols, 1),
                        f"weight_grid of a random ({n}, {h * w}) weight as {h}x{w} tiles, {ncols} per row")


def check_plot_accepts_trainable_and_zero_weights(student):
    """A weight that requires grad, and an all-zero weight, both plot one image per unit."""
    for label, weight in (("a weight with requires_grad=True", torch.randn(3, 16, requires_grad=True)),
                          ("an all-zero weight", torch.zeros(3, 16))):
        tiles = shown(student, weight, (4, 4))
        if len(tiles) != 3:
            fail(f"plot_weight_templates({label}) drew {len(tiles)} images: expected 3.")
        expect_tensor_close(tiles[0]["array"].float(), weight[0].detach().reshape(4, 4), f"tile 0 of {label}")
