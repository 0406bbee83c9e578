"""Exercise 4: looking at what a linear classifier learned.

In a 784 -> 10 classifier, row i of the weight (10, 784) is a template for digit i:
reshaped to 28x28 it shows which pixels push the score of class i up (positive) or
down (negative). To compare templates fairly, every tile uses one colour scale,
symmetric around zero, with a diverging colormap (white = 0).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

DIVERGING_CMAP = "RdBu_r"  # red = positive weight, blue = negative, white = zero


def _tiles(weight: torch.Tensor, image_shape: Sequence[int]) -> torch.Tensor:
    """(out_features, h*w) -> (out_features, h, w), with a clear error on mismatch."""
    h, w = image_shape
    if weight.dim() != 2 or weight.shape[1] != h * w:
        raise ValueError(
            f"weight of shape {tuple(weight.shape)} cannot be shown as {h}x{w} images: "
            f"expected (out_features, {h * w})"
        )
    return weight.detach().cpu().float().reshape(weight.shape[0], h, w)


def default_ncols(n_tiles: int) -> int:
    """Columns used when ncols is not given: 5 for 10 tiles, 8 for 64, 10 for 100."""
    return max(1, min(n_tiles, max(5, math.ceil(math.sqrt(n_tiles)))))


def weight_grid(
    weight: torch.Tensor,
    image_shape: Sequence[int],
    ncols: int | None = None,
    padding: int = 1,
) -> torch.Tensor:
    """Tile the rows of a weight matrix into one 2-D image, one tile per output unit.

    Inputs:
        weight: (out_features, h*w); row k becomes tile k, reshaped row-major to (h, w).
        image_shape: (h, w), e.g. (28, 28) for MNIST or (8, 8) for scikit-learn digits.
        ncols: tiles per row (default: default_ncols(out_features)).
        padding: pixels of zero between and around tiles.
    Returns:
        A float tensor of shape (rows*(h+padding)+padding, ncols*(w+padding)+padding),
        rows = ceil(out_features / ncols). Tile k sits in grid row k // ncols and column
        k % ncols, its top-left pixel at (padding + r*(h+padding), padding + c*(w+padding)).
        Values are the raw weights (not rescaled) so a symmetric colour scale still
        means something; padding and unused cells are 0.
    """
    # TODO: your code here (replace the raise below)
    raise NotImplementedError("Exercise 4 (weight_viz): implement weight_grid() in linear_exercises/weight_viz.py")


def plot_weight_templates(
    weight: torch.Tensor,
    image_shape: Sequence[int],
    titles: Sequence[str] | None = None,
    ncols: int | None = None,
    cmap: str = DIVERGING_CMAP,
):
    """Plot each row of weight as an image: one subplot per output unit.

    Inputs:
        weight: (out_features, h*w).
        image_shape: (h, w).
        titles: one title per tile (default: "0", "1", ..., the class index).
        ncols: subplots per row (default: default_ncols(out_features)).
        cmap: a diverging colormap name.
    Returns:
        A matplotlib Figure. Every tile is drawn with imshow using the same colour limits
        vmin = -v, vmax = +v with v = max |weight|, so zero is the colormap's centre and
        tiles are comparable; one shared colorbar; spare subplots are hidden.
    """
    # TODO: your code here (replace the raise below)
    raise NotImplementedError("Exercise 4 (weight_viz): implement plot_weight_templates() in linear_exercises/weight_viz.py")
