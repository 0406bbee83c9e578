"""Real data: the 784 -> 10 classifier on the MNIST test digits shipped in datasets/mnist-t10k."""

from __future__ import annotations

import sys

import pytest
import torch
from torch import nn

from conftest import REPO, REFERENCE

sys.path.insert(0, str(REFERENCE))
from linear_exercises import data, plot_weight_templates, training, weight_grid  # noqa: E402

SHIPPED = REPO / "datasets" / "mnist-t10k"


@pytest.fixture(scope="module")
def trained():
    d = data.load_shipped_mnist(SHIPPED)  # checksums checked; the first 8,000 train, the last 2,000 test
    assert d.image_shape == (28, 28) and (len(d.x_train), len(d.x_test)) == (8000, 2000)
    torch.manual_seed(0)
    model = nn.Linear(784, 10)
    hist = training.train(model, d.x_train, d.y_train, epochs=8, batch_size=64, lr=0.5, seed=0,
                          x_test=d.x_test, y_test=d.y_test, progress=False)
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
    x, y = data.load_mnist_idx(SHIPPED / "t10k-images-idx3-ubyte.gz", SHIPPED / "t10k-labels-idx1-ubyte.gz")
    means = torch.stack([x[y == k].mean(0) for k in range(10)])
    w = model.weight.detach()
    scores = (w - w.mean(1, keepdim=True)) @ (means - means.mean(1, keepdim=True)).T
    assert (scores.argmax(0) == torch.arange(10)).float().mean() >= 0.8
