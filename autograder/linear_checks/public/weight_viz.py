"""Exercise 4: weight_grid and plot_weight_templates.

The figure stays in the sandbox; what it shows comes back as data (student.figure():
per axes its title and its images' values, colour limits and colormap), and only an
object that is exactly a matplotlib Figure is described at all.
"""

import torch

from linear_checks.student import figure
from linear_checks.verdicts import call, cases, expect_equal, expect_raises, expect_tensor_close, fail

DIVERGING = {"RdBu", "RdBu_r", "bwr", "bwr_r", "coolwarm", "coolwarm_r", "seismic", "seismic_r",
             "PiYG", "PiYG_r", "PRGn", "PRGn_r", "BrBG", "BrBG_r", "PuOr", "PuOr_r", "RdGy", "RdGy_r",
             "RdYlBu", "RdYlBu_r", "RdYlGn", "RdYlGn_r", "Spectral", "Spectral_r",
             "berlin", "managua", "vanimo", "berlin_r", "managua_r", "vanimo_r"}


def patterned(n, h, w):
    """n distinct images of h x w whose orientation matters, as rows of a weight matrix."""
    rows = torch.arange(h, dtype=torch.float32)[:, None] * 10 + torch.arange(w, dtype=torch.float32)[None, :]
    images = torch.stack([(rows - rows.mean()) * (k + 1) / 100 for k in range(n)])
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


@cases((10, 28, 28, 5), (64, 8, 8, 8), (3, 6, 4, 2), ids=["10 MNIST templates", "64 tiles of 8x8", "non-square 6x4"])
def check_weight_grid_tiles(student, case):
    """Tile k is row k reshaped to (h, w), placed at grid row k // ncols, column k % ncols."""
    n, h, w, ncols = case
    weight, images = patterned(n, h, w)
    grid = call(student.weight_grid, weight, (h, w), ncols=ncols,
                what=f"weight_grid(weight {tuple(weight.shape)}, ({h}, {w}), ncols={ncols})")
    transposed = images.reshape(n, w, h).transpose(1, 2) if h != w else images.transpose(1, 2)
    expect_tensor_close(grid, expected_grid(images, ncols, padding=1), f"weight_grid of a ({n}, {h * w}) weight as {h}x{w} tiles",
                        "reshape each row to image_shape (row-major), keep the raw values (no normalising) "
                        "and use padding 1 around every tile.",
                        diagnoses={"tiles transposed (reshaped to (w, h) or .T)": expected_grid(transposed, ncols, 1)})


def check_weight_grid_rejects_wrong_image_shape(student):
    """A (10, 784) weight cannot be shown as 8x8 images: ValueError (and 28x28 works)."""
    weight, images = patterned(10, 28, 28)
    grid = call(student.weight_grid, weight, (28, 28), ncols=5, what="weight_grid(weight (10, 784), (28, 28), ncols=5)")
    expect_tensor_close(grid, expected_grid(images, 5, 1), "weight_grid of ten 28x28 tiles")  # raising always must not pass
    expect_raises(student.weight_grid, weight, (8, 8), error="ValueError",
                  what="weight_grid of a (10, 784) weight as 8x8 images",
                  hint="check that image_shape holds exactly in_features = weight.shape[1] pixels.")


def shown(student, weight, shape, **kwargs) -> list[dict]:
    """The images plot_weight_templates draws, in order: [{"array", "clim", "cmap", "title"}]."""
    fig = call(student.plot_weight_templates, weight, shape, what="plot_weight_templates", **kwargs)
    data = call(figure, fig, what="the Figure returned by plot_weight_templates",
                hint="return the matplotlib Figure itself (e.g. fig from plt.subplots).")
    return [{**image, "title": ax["title"]} for ax in data["axes"] for image in ax["images"]]


def check_one_reshaped_image_per_unit_with_titles(student):
    """Ten 28x28 tiles, each showing its row reshaped, titled 0..9 by default."""
    weight, images = patterned(10, 28, 28)
    tiles = shown(student, weight, (28, 28))
    expect_equal(len(tiles), 10, "number of images drawn for a (10, 784) weight", "one imshow per output unit.")
    for k, tile in enumerate(tiles):
        expect_tensor_close(tile["array"].float(), images[k], f"the image of tile {k}", "reshape row k of the weight to image_shape.")
    expect_equal([t["title"] for t in tiles], [str(k) for k in range(10)], "default tile titles")
    tiles = shown(student, weight[:3], (28, 28), titles=["a", "b", "c"])
    expect_equal([t["title"] for t in tiles], ["a", "b", "c"], "tile titles when titles= is given")


def check_shared_symmetric_colour_scale(student):
    """Every tile uses vmin = -max|W| and vmax = +max|W|, so white means zero everywhere."""
    weight, _ = patterned(10, 8, 8)
    weight = weight + 0.3  # make min and max differ in size: an asymmetric scale shows
    v = weight.abs().max().item()
    tiles = shown(student, weight, (8, 8))
    if len(tiles) != 10:
        fail(f"plot_weight_templates drew {len(tiles)} images for a (10, 64) weight: expected 10, one per unit.")
    for k, tile in enumerate(tiles):
        lo, hi = tile["clim"]
        if abs(lo + v) > 1e-4 * v or abs(hi - v) > 1e-4 * v:
            fail(f"tile {k} uses colour limits ({lo:.4g}, {hi:.4g}): expected ({-v:.4g}, {v:.4g}), "
                 "one shared scale symmetric around zero. Hint: pass vmin=-v, vmax=v with v = weight.abs().max().")


def check_diverging_colormap(student):
    """The colormap is diverging (zero in the middle), e.g. RdBu_r, bwr or coolwarm."""
    weight, _ = patterned(4, 8, 8)
    tiles = shown(student, weight, (8, 8))
    if len(tiles) != 4:
        fail(f"plot_weight_templates drew {len(tiles)} images for a (4, 64) weight: expected 4, one per unit.")
    for k, tile in enumerate(tiles):
        if tile["cmap"] not in DIVERGING:
            fail(f"tile {k} uses the colormap {tile['cmap'][:40]!r}: expected a diverging one such as 'RdBu_r', "
                 "'bwr' or 'coolwarm', so positive and negative weights get different colours.")
