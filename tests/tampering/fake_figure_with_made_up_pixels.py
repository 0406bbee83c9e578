"""Class 1: plot_weight_templates returns a stand-in (and a Figure subclass) reporting made-up images."""
TARGET, MUST_MENTION = "weight_viz.py", ""
import numpy as _np  # noqa: E402
from matplotlib.figure import Figure as _Figure  # noqa: E402


class _Image:
    def __init__(self, shape, k):
        self.shape, self.k = shape, k

    def get_array(self):
        return _np.zeros(self.shape)

    def get_clim(self):
        return (-1.0, 1.0)

    def get_cmap(self):
        import matplotlib

        return matplotlib.colormaps["RdBu_r"]


class _Axes:
    def __init__(self, shape, k):
        self.image, self.k = _Image(shape, k), k

    def get_images(self):
        return [self.image]

    def get_title(self):
        return str(self.k)


class _StandIn(_Figure):
    def __init__(self, n, shape):
        super().__init__()
        self._fake = [_Axes(shape, k) for k in range(n)]

    @property
    def axes(self):
        return self._fake


def plot_weight_templates(weight, image_shape, titles=None):
    return _StandIn(weight.shape[0], tuple(image_shape))


def weight_grid(weight, image_shape, ncols=None, padding=1):
    return _np.zeros((1, 1))
