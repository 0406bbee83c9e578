"""Real data: the 784 -> 10 classifier on the MNIST test digits in ../shared (skips without them)."""

from __future__ import annotations

import sys

import pytest
import torch
from torch import nn

from conftest import REPO, SHARED_MNIST, SOLUTIONS

sys.path.insert(0, str(SOLUTIONS))
from linear_exercises import data, plot_weight_templates, training, weight_grid  # noqa: E402

pytestmark = pytest.mark.skipif(not (SHARED_MNIST / "t10k-images-idx3-ubyte.gz").exists(),
                                reason="../shared/data/mnist-t10k is not beside this checkout")


@pytest.fixture(scope="module")
def trained():
    x, y = data.load_mnist_idx(SHARED_MNIST / "t10k-images-idx3-ubyte.gz", SHARED_MNIST / "t10k-labels-idx1-ubyte.gz")
    assert x.shape == (10_000, 784) and torch.bincount(y).tolist()[:3] == [980, 1135, 1032]
    torch.manual_seed(0)
    model = nn.Linear(784, 10)
    hist = training.train(model, x[:8000], y[:8000], epochs=8, batch_size=64, lr=0.5, seed=0,
                          x_test=x[8000:], y_test=y[8000:], progress=False)
    return model, hist


def test_linear_classifier_scores_at_least_88_percent(trained):
    model, hist = trained
    print(f"test accuracy per epoch: {[round(a, 4) for a in hist.test_accuracy]}")
    assert hist.test_accuracy[-1] >= 0.88


def test_templates_render(trained, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    model, _ = trained
    grid = weight_grid(model.weight, (28, 28))
    assert grid.shape == (59, 146)
    fig = plot_weight_templates(model.weight, (28, 28))
    out = REPO / "artifacts" / "mnist_templates.png"
    out.parent.mkdir(exist_ok=True)
    fig.savefig(out, dpi=80)
    assert out.stat().st_size > 10_000
    # Templates look like their digits: each class's template correlates best with its own mean image.
    x, y = data.load_mnist_idx(SHARED_MNIST / "t10k-images-idx3-ubyte.gz", SHARED_MNIST / "t10k-labels-idx1-ubyte.gz")
    means = torch.stack([x[y == k].mean(0) for k in range(10)])
    w = model.weight.detach()
    scores = (w - w.mean(1, keepdim=True)) @ (means - means.mean(1, keepdim=True)).T
    assert (scores.argmax(0) == torch.arange(10)).float().mean() >= 0.8
