"""Exercise 4: weight_grid and plot_weight_templates.

The figure stays in the sandbox; what it shows comes back as data (student.figure():
per axes its title and its images' values, colour limits and colormap), and only an
object that is exactly a matplotlib Figure is described at all. One check also has the
sandbox draw the figure and checks here, on its pixels, that each tile's picture shows
the values, colour limits and colormap its image reports (expect_drawn), so a
description that does not match the picture earns nothing. (Drawing costs about a
second a figure, so the other checks read the description only.)
"""

import math

import matplotlib  # the colormaps only: nothing is drawn on this side
import numpy as np
import pytest
import torch

from linear_checks.student import Remote, draw, figure
from linear_checks.verdicts import (Known, call, expect_equal, expect_raises, expect_tensor_close, fail,
                                     quote)
from linear_checks.wire import Raised

DIVERGING = {"RdBu", "RdBu_r", "bwr", "bwr_r", "coolwarm", "coolwarm_r", "seismic", "seismic_r",
             "PiYG", "PiYG_r", "PRGn", "PRGn_r", "BrBG", "BrBG_r", "PuOr", "PuOr_r", "RdGy", "RdGy_r",
             "RdYlBu", "RdYlBu_r", "RdYlGn", "RdYlGn_r", "Spectral", "Spectral_r",
             "berlin", "managua", "vanimo", "berlin_r", "managua_r", "vanimo_r"}


NOT_RESHAPED = "each row drawn flat, not reshaped to the image"
RESHAPE_HINT = "reshape row k of the weight to image_shape: weight[k].reshape(h, w)."


def patterned(n, h, w):
    """n distinct images of h x w whose orientation matters, as rows of a weight matrix.

    A little noise from the check's generator (per student at class grading) makes every pixel a new question."""
    rows = torch.arange(h, dtype=torch.float32)[:, None] * 10 + torch.arange(w, dtype=torch.float32)[None, :]
    images = torch.stack([(rows - rows.mean()) * (k + 1) / 100 for k in range(n)]) + 0.01 * torch.randn(n, h, w)
    return images.reshape(n, h * w), images


def expected_grid(images, ncols, padding):
    n, h, w = images.shape
    nrows = -(-n // ncols)
    grid = torch.zeros(nrows * (h + padding) + padding, ncols * (w + padding) + padding)
    for k in range(n):
        r, c = divmod(k, ncols)
        top, left = padding + r * (h + padding), padding + c * (w + padding)
        grid[top:top + h, left:left + w] = images[k]
    return grid


@pytest.mark.parametrize("case", [(10, 28, 28, 5), (64, 8, 8, 8), (3, 6, 4, 2)], ids=["10 MNIST templates", "64 tiles of 8x8", "non-square 6x4"])
def test_weight_grid_tiles(student, case):
    """Tile k is row k reshaped to (h, w), placed at grid row k // ncols, column k % ncols."""
    n, h, w, ncols = case
    weight, images = patterned(n, h, w)
    grid = call(student.weight_grid, weight, (h, w), ncols=ncols,
                what=f"weight_grid(weight {tuple(weight.shape)}, ({h}, {w}), ncols={ncols})")
    transposed = images.reshape(n, w, h).transpose(1, 2) if h != w else images.transpose(1, 2)
    expect_tensor_close(grid, expected_grid(images, ncols, padding=1), f"weight_grid of a ({n}, {h * w}) weight as {h}x{w} tiles",
                        "reshape each row to image_shape (row-major), keep the raw values (no normalising) "
                        "and use padding 1 around every tile.",
                        diagnoses={"tiles transposed (reshaped to (w, h) or .T)": expected_grid(transposed, ncols, 1),
                                   NOT_RESHAPED: Known(expected_grid(images.reshape(n, 1, h * w), ncols, 1),
                                                       RESHAPE_HINT, "tiles_not_reshaped")})


def test_weight_grid_rejects_wrong_image_shape(student):
    """A (10, 784) weight cannot be shown as 8x8 images: ValueError (and 28x28 works)."""
    weight, images = patterned(10, 28, 28)
    grid = call(student.weight_grid, weight, (28, 28), ncols=5, what="weight_grid(weight (10, 784), (28, 28), ncols=5)")
    expect_tensor_close(grid, expected_grid(images, 5, 1), "weight_grid of ten 28x28 tiles")  # raising always must not pass
    wrong = (8, 8 + draw(0, 3))  # never 784 pixels
    expect_raises(student.weight_grid, weight, wrong, error="ValueError",
                  what=f"weight_grid of a (10, 784) weight as {wrong[0]}x{wrong[1]} images",
                  hint="check that image_shape holds exactly in_features = weight.shape[1] pixels.")


RENDER_DPI = 100  # the public checks' figures are drawn at this dpi in the sandbox (less for a very large figure)
LINEAR_NORMS = ("Normalize", "CenteredNorm")  # norms that map clim linearly onto the colormap
MIN_CELL_PIXELS = 3.0  # an image drawn smaller than this per value (matplotlib then smooths it) is not compared
INDEX_TOLERANCE = 8 / 256  # of the colormap's range
COLOUR_TOLERANCE = 24.0  # RGB distance (0-255) from the nearest colour of the colormap
AGREEMENT = 0.9  # share of a tile's values its picture must show
MAX_TILE_VALUES = 10_000  # the checks' tiles are at most 28x28: a larger array is not compared (its cost grows with it)


def shown(student, weight, shape, render: bool = False, **kwargs) -> list[dict]:
    """The images plot_weight_templates draws, in order: [{"array", "clim", "cmap", "title"}].

    With render=True the sandbox also draws the figure: each image gets its "bbox", its axes'
    "axes_bbox" and the whole picture's "pixels" (see student.figure), for expect_drawn.
    """
    fig = call(student.plot_weight_templates, weight, shape, what="plot_weight_templates", **kwargs)
    hint = "return the matplotlib Figure itself (e.g. fig from plt.subplots), not a stand-in or a subclass."
    if not isinstance(fig, Remote):
        fail(f"plot_weight_templates: expected a matplotlib Figure, got {type(fig).__name__}. Hint: {hint}")
    try:
        data = figure(fig, render=render, dpi=RENDER_DPI if render else None)
    except Raised as exc:
        if exc.type_name == "TypeError" and exc.message.startswith("expected a matplotlib Figure"):
            fail(f"plot_weight_templates: expected a matplotlib Figure, got {quote(fig._type_name)}, which is "
                 f"not one. Hint: {hint}")
        fail(f"reading or drawing the Figure returned by plot_weight_templates raised {exc.type_name}: "
             f"{quote(exc.message)}; expected it to draw. Hint: {hint}")
    for ax in data["axes"]:
        for image in ax["images"]:
            if not all(type(v) in (int, float) and math.isfinite(v) for v in image["clim"]):
                fail(f"plot_weight_templates drew a tile with colour limits {image['clim']}: expected finite numbers. "
                     "Hint: pass vmin=-v, vmax=v with v = weight.abs().max().")
    extra = {"pixels": data["pixels"]} if render else {}
    return [{**image, "title": ax["title"], **({"axes_bbox": ax["bbox"], **extra} if render else {})}
            for ax in data["axes"] for image in ax["images"]]


def _drawn_share(tile: dict) -> float | None:
    """The share of a tile's values that its picture shows in the colour its colormap and limits give them.

    None when that cannot be told: no picture, a colormap or norm this side does not know, an
    image drawn too small or mostly out of view. Each value is looked for near four points of
    its cell (a grid line through the centres must not hide it); a picture may be flipped.
    """
    a, pixels = tile["array"], tile.get("pixels")
    lo, hi = tile["clim"]
    if (pixels is None or a.dim() != 2 or not 0 < a.numel() <= MAX_TILE_VALUES or tile.get("norm") not in LINEAR_NORMS
            or not (math.isfinite(lo) and math.isfinite(hi) and hi > lo)):
        return None
    try:
        cmap = matplotlib.colormaps[tile["cmap"]].resampled(int(tile["colours"]))
    except (KeyError, ValueError, TypeError):
        return None
    h, w = a.shape
    x0, y0, x1, y1 = tile["bbox"]
    left, right, bottom, top = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
    if (right - left) / w < MIN_CELL_PIXELS or (top - bottom) / h < MIN_CELL_PIXELS:
        return None
    ax0, ay0, ax1, ay1 = tile["axes_bbox"]
    height, width = pixels.shape[:2]
    lut = cmap(np.arange(cmap.N), bytes=True)[:, :3].astype(np.float64)
    lut_norms = (lut ** 2).sum(-1)
    picture = pixels[..., :3].numpy()  # uint8: only the sampled points are converted
    values = a.double().numpy()
    expected = np.clip(np.floor((values - lo) / (hi - lo) * cmap.N), 0, cmap.N - 1) / cmap.N
    best_error, visible = None, None
    for fx, fy in ((0.3, 0.3), (0.3, 0.7), (0.7, 0.3), (0.7, 0.7)):
        xs = left + (np.arange(w) + fx) * (right - left) / w
        ys = top - (np.arange(h) + fy) * (top - bottom) / h  # row 0 at the top
        cols, rows = np.floor(xs).astype(int), np.floor(height - ys).astype(int)
        inside = (((xs > ax0) & (xs < ax1) & (cols >= 0) & (cols < width))[None, :]
                  & ((ys > ay0) & (ys < ay1) & (rows >= 0) & (rows < height))[:, None])
        colours = picture[np.clip(rows, 0, height - 1)][:, np.clip(cols, 0, width - 1)].astype(np.float64)
        # squared RGB distance to every colour of the colormap, |c - l|^2 = |c|^2 - 2 c.l + |l|^2 (exact: small integers)
        distance = (colours ** 2).sum(-1)[..., None] - 2 * colours @ lut.T + lut_norms
        position = distance.argmin(-1) / cmap.N
        far = np.sqrt(distance.min(-1)) > COLOUR_TOLERANCE
        errors = [np.where(far, np.inf, np.abs(position - flipped))
                  for flipped in (expected, expected[::-1], expected[:, ::-1], expected[::-1, ::-1])]
        best_error = errors if best_error is None else [np.minimum(b, e) for b, e in zip(best_error, errors)]
        visible = inside if visible is None else visible & inside
    usable = visible & np.isfinite(values)
    if usable.mean() < 0.5:
        return None
    return max(float(((e <= INDEX_TOLERANCE + 1e-9) & usable).sum() / usable.sum()) for e in best_error)


def expect_drawn(tiles: list[dict]) -> None:
    """Fail unless each tile's picture shows what its image reports (see _drawn_share).

    The description of a figure (its images' arrays, limits, colormaps) is read inside the student's
    process and could be made up; the picture can only be right by drawing the right thing. So a tile
    whose picture cannot be read fails too: a verdict never rests on the description alone.
    """
    if not tiles:
        fail("plot_weight_templates drew no image: expected one imshow per output unit.")
    for k, tile in enumerate(tiles):
        share = _drawn_share(tile)
        if share is None:
            fail(f"the picture of tile {k} could not be checked: expected it drawn with imshow on a linear colour "
                 "scale (vmin, vmax) with a named matplotlib colormap, large enough to see each value. "
                 "Hint: ax.imshow(tile, cmap='RdBu_r', vmin=-v, vmax=v) in a figure of a few inches.")
        if share < AGREEMENT:
            lo, hi = tile["clim"]
            fail(f"the picture of tile {k} does not show the values its image holds: expected at least "
                 f"{AGREEMENT:.0%} of them drawn in the colour that the colormap {quote(tile['cmap'][:40])} with "
                 f"limits ({lo:.4g}, {hi:.4g}) gives them, found {share:.0%}. Hint: draw each tile once with "
                 "ax.imshow(tile, cmap=cmap, vmin=-v, vmax=v) and leave the image as drawn (no transparency, "
                 "nothing drawn over it).")


def test_one_reshaped_image_per_unit_with_titles(student):
    """Ten 28x28 tiles, each showing its row reshaped, titled 0..9 by default."""
    weight, images = patterned(10, 28, 28)
    tiles = shown(student, weight, (28, 28), render=True)
    expect_equal(len(tiles), 10, "number of images drawn for a (10, 784) weight", "one imshow per output unit.")
    for k, tile in enumerate(tiles):
        expect_tensor_close(tile["array"].float(), images[k], f"the image of tile {k}", RESHAPE_HINT,
                            diagnoses={NOT_RESHAPED: Known(images[k].reshape(1, -1), RESHAPE_HINT, "tiles_not_reshaped")})
    expect_equal([t["title"] for t in tiles], [str(k) for k in range(10)], "default tile titles")
    expect_drawn(tiles)
    tiles = shown(student, weight[:3], (28, 28), titles=["a", "b", "c"])
    expect_equal([t["title"] for t in tiles], ["a", "b", "c"], "tile titles when titles= is given")


def _expect_row_values(tile: dict, row: torch.Tensor, k: int) -> None:
    """Tile k shows row k's values (in any arrangement: whether it is reshaped is another check's question), so a
    blank tile with the right colour limits or colormap does not pass those checks."""
    got = tile["array"]
    if not (isinstance(got, torch.Tensor) and got.numel() == row.numel() and torch.allclose(
            got.double().flatten().sort().values, row.double().flatten().sort().values, atol=1e-5)):
        fail(f"tile {k} does not show the values of row {k} of the weight. Hint: {RESHAPE_HINT}")


def test_shared_symmetric_colour_scale(student):
    """Every tile uses vmin = -max|W| and vmax = +max|W|, so white means zero everywhere."""
    weight, _ = patterned(10, 8, 8)
    weight = weight + 0.3  # make min and max differ in size: an asymmetric scale shows
    v = weight.abs().max().item()
    tiles = shown(student, weight, (8, 8), render=True)
    if len(tiles) != 10:
        fail(f"plot_weight_templates drew {len(tiles)} images for a (10, 64) weight: expected 10, one per unit.")
    for k, tile in enumerate(tiles):
        _expect_row_values(tile, weight[k], k)
        lo, hi = tile["clim"]
        if abs(lo + v) > 1e-4 * v or abs(hi - v) > 1e-4 * v:
            fail(f"tile {k} uses colour limits ({lo:.4g}, {hi:.4g}): expected ({-v:.4g}, {v:.4g}), "
                 "one shared scale symmetric around zero. Hint: pass vmin=-v, vmax=v with v = weight.abs().max().",
                 "asymmetric_colour_scale" if abs(lo + hi) > 1e-4 * v else "")
    expect_drawn(tiles)


def test_diverging_colormap(student):
    """The colormap is diverging (zero in the middle), e.g. RdBu_r, bwr or coolwarm."""
    weight, _ = patterned(4, 8, 8)
    tiles = shown(student, weight, (8, 8), render=True)
    if len(tiles) != 4:
        fail(f"plot_weight_templates drew {len(tiles)} images for a (4, 64) weight: expected 4, one per unit.")
    for k, tile in enumerate(tiles):
        _expect_row_values(tile, weight[k], k)
        if tile["cmap"] not in DIVERGING:
            fail(f"tile {k} uses the colormap {tile['cmap'][:40]!r}: expected a diverging one such as 'RdBu_r', "
                 "'bwr' or 'coolwarm', so positive and negative weights get different colours.", "sequential_colour_map")
    expect_drawn(tiles)
