"""Exercise 4: weight_grid and plot_weight_templates."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from support import call, expect_equal, expect_tensor_close, fail, load  # noqa: E402

student = load("linear_exercises.weight_viz")

pytestmark = pytest.mark.weight_viz

DIVERGING = {"RdBu", "RdBu_r", "bwr", "bwr_r", "coolwarm", "coolwarm_r", "seismic", "seismic_r",
             "PiYG", "PiYG_r", "PRGn", "PRGn_r", "BrBG", "BrBG_r", "PuOr", "PuOr_r", "RdGy", "RdGy_r",
             "RdYlBu", "RdYlBu_r", "RdYlGn", "RdYlGn_r", "Spectral", "Spectral_r",
             "berlin", "managua", "vanimo", "berlin_r", "managua_r", "vanimo_r"}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _patterned(n, h, w):
    """n distinct images of h x w whose orientation matters, as rows of a weight matrix."""
    rows = torch.arange(h, dtype=torch.float32)[:, None] * 10 + torch.arange(w, dtype=torch.float32)[None, :]
    images = torch.stack([(rows - rows.mean()) * (k + 1) / 100 for k in range(n)])
    return images.reshape(n, h * w), images


def _expected_grid(images, ncols, padding):
    n, h, w = images.shape
    nrows = -(-n // ncols)
    grid = torch.zeros(nrows * (h + padding) + padding, ncols * (w + padding) + padding)
    for k in range(n):
        r, c = divmod(k, ncols)
        top, left = padding + r * (h + padding), padding + c * (w + padding)
        grid[top:top + h, left:left + w] = images[k]
    return grid


@pytest.mark.parametrize("n, h, w, ncols", [(10, 28, 28, 5), (64, 8, 8, 8), (3, 6, 4, 2)],
                         ids=["10 MNIST templates", "64 tiles of 8x8", "non-square 6x4"])
def test_weight_grid_tiles(n, h, w, ncols):
    """Tile k is row k reshaped to (h, w), placed at grid row k // ncols, column k % ncols."""
    weight, images = _patterned(n, h, w)
    grid = call(student.weight_grid, weight, (h, w), ncols=ncols, what=f"weight_grid(weight {tuple(weight.shape)}, ({h}, {w}), ncols={ncols})")
    expected = _expected_grid(images, ncols, padding=1)
    expect_tensor_close(grid, expected, f"weight_grid of a ({n}, {h * w}) weight as {h}x{w} tiles",
                        "reshape each row to image_shape (row-major), keep the raw values (no normalising) "
                        "and use padding 1 around every tile.",
                        diagnoses={"tiles transposed (reshaped to (w, h) or .T)":
                                   _expected_grid(images.reshape(n, w, h).transpose(1, 2) if h != w else images.transpose(1, 2), ncols, 1)})


def test_weight_grid_rejects_wrong_image_shape():
    """A (10, 784) weight cannot be shown as 8x8 images: ValueError."""
    weight, _ = _patterned(10, 28, 28)
    try:
        student.weight_grid(weight, (8, 8))
    except (NotImplementedError, ValueError) as exc:
        if isinstance(exc, NotImplementedError):
            raise
        return
    except Exception as exc:
        fail(f"expected a ValueError for a (10, 784) weight shown as 8x8, got {type(exc).__name__}: {exc}")
    fail("expected a ValueError for a (10, 784) weight shown as 8x8 images; nothing was raised.")


def _images(fig):
    return [im for ax in fig.axes for im in ax.get_images()]


def _plot(weight, shape, **kwargs):
    fig = call(student.plot_weight_templates, weight, shape, what="plot_weight_templates", **kwargs)
    if not isinstance(fig, Figure):
        fail(f"plot_weight_templates: expected a matplotlib Figure, got {type(fig).__name__}.")
    return fig


def test_one_reshaped_image_per_unit_with_titles():
    """Ten 28x28 tiles, each showing its row reshaped, titled 0..9 by default."""
    weight, images = _patterned(10, 28, 28)
    fig = _plot(weight, (28, 28))
    shown = _images(fig)
    expect_equal(len(shown), 10, "number of images drawn for a (10, 784) weight", "one imshow per output unit.")
    for k, im in enumerate(shown):
        shown_k = torch.as_tensor(np.ma.getdata(im.get_array()), dtype=torch.float32)
        expect_tensor_close(shown_k, images[k], f"the image of tile {k}", "reshape row k of the weight to image_shape.")
    titles = [im.axes.get_title() for im in shown]
    expect_equal(titles, [str(k) for k in range(10)], "default tile titles")
    fig = _plot(weight[:3], (28, 28), titles=["a", "b", "c"])
    expect_equal([im.axes.get_title() for im in _images(fig)], ["a", "b", "c"], "tile titles when titles= is given")


def test_shared_symmetric_colour_scale():
    """Every tile uses vmin = -max|W| and vmax = +max|W|, so white means zero everywhere."""
    weight, _ = _patterned(10, 8, 8)
    weight = weight + 0.3  # make min and max differ in size: an asymmetric scale shows
    v = weight.abs().max().item()
    fig = _plot(weight, (8, 8))
    for k, im in enumerate(_images(fig)):
        lo, hi = im.get_clim()
        if abs(lo + v) > 1e-4 * v or abs(hi - v) > 1e-4 * v:
            fail(f"tile {k} uses colour limits ({lo:.4g}, {hi:.4g}): expected ({-v:.4g}, {v:.4g}), "
                 "one shared scale symmetric around zero. Hint: pass vmin=-v, vmax=v with v = weight.abs().max().")


def test_diverging_colormap():
    """The colormap is diverging (zero in the middle), e.g. RdBu_r, bwr or coolwarm."""
    weight, _ = _patterned(4, 8, 8)
    for k, im in enumerate(_images(_plot(weight, (8, 8)))):
        name = im.get_cmap().name
        if name not in DIVERGING:
            fail(f"tile {k} uses the colormap {name!r}: expected a diverging one such as 'RdBu_r', "
                 "'bwr' or 'coolwarm', so positive and negative weights get different colours.")
