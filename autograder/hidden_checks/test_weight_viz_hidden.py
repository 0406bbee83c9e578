"""Exercise 4, hidden checks (class grading only): weight_grid options and unusual weights, on sizes drawn per run."""

import torch

from linear_checks.public.test_weight_viz import expect_drawn, expected_grid, shown
from linear_checks.student import draw
from linear_checks.verdicts import call, expect_shape, expect_tensor_close, fail


def test_padding_zero_and_default_columns(student):
    """padding=0 packs tiles edge to edge; ten tiles default to 5 columns."""
    h, w = draw(2, 5), draw(2, 5)
    weight = torch.randn(10, h * w)
    grid = call(student.weight_grid, weight, (h, w), ncols=5, padding=0, what=f"weight_grid(..., ({h}, {w}), padding=0)")
    expect_shape(grid, (2 * h, 5 * w), f"shape of weight_grid of ten {h}x{w} tiles, 5 per row, padding 0")
    expect_tensor_close(grid[:h, :w], weight[0].reshape(h, w), "the first tile with padding 0")
    expect_tensor_close(grid[h:, 4 * w:], weight[9].reshape(h, w), "the last tile with padding 0")
    expect_tensor_close(grid, expected_grid(weight.reshape(10, h, w), 5, 0), f"weight_grid of ten {h}x{w} tiles with padding 0")
    default = call(student.weight_grid, weight, (h, w), what="weight_grid with the default ncols")
    expect_shape(default, (2 * (h + 1) + 1, 5 * (w + 1) + 1), f"shape of weight_grid of ten {h}x{w} tiles by default")


def test_random_weight_grid(student):
    """A random weight of random tile size and column count is tiled exactly."""
    n, h, w = draw(2, 12), draw(2, 9), draw(2, 9)
    ncols = draw(1, min(6, n))  # at most one row of tiles per unit (make_grid narrows a short row)
    weight = torch.randn(n, h * w)
    grid = call(student.weight_grid, weight, (h, w), ncols=ncols, what=f"weight_grid(({n}, {h * w}), ({h}, {w}), ncols={ncols})")
    expect_tensor_close(grid, expected_grid(weight.reshape(n, h, w), ncols, 1),
                        f"weight_grid of a random ({n}, {h * w}) weight as {h}x{w} tiles, {ncols} per row")


def test_plot_accepts_trainable_and_zero_weights(student):
    """A weight that requires grad, and an all-zero weight, both plot one image per unit."""
    n, h, w = draw(2, 6), draw(3, 7), draw(3, 7)
    rows, cols = torch.meshgrid(torch.arange(h) - (h - 1) / 2, torch.arange(w) - (w - 1) / 2, indexing="ij")
    slopes = torch.randn(n, 2, 1, 1)  # random smooth tiles: their pictures can be compared with them (expect_drawn)
    trainable = (slopes[:, 0] * rows + slopes[:, 1] * cols).reshape(n, h * w).requires_grad_()
    for label, weight in (("a weight with requires_grad=True", trainable), ("an all-zero weight", torch.zeros(n, h * w))):
        drawable = weight is trainable  # an all-zero tile has no colour scale to read its picture by
        tiles = shown(student, weight, (h, w), render=drawable)
        if len(tiles) != n:
            fail(f"plot_weight_templates({label} of shape ({n}, {h * w})) drew {len(tiles)} images: expected {n}.")
        for k, tile in enumerate(tiles):
            expect_tensor_close(tile["array"].float(), weight[k].detach().reshape(h, w), f"tile {k} of {label}",
                                "reshape row k of the weight to image_shape (weight.detach() for one that requires grad).")
        if drawable:
            expect_drawn(tiles)
