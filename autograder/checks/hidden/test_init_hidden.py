"""Exercise 3, hidden checks (autograde only): the schemes' options."""

import math

import pytest
import torch
from torch import nn
from support import call, expect_near, fail, load

student = load("linear_exercises.initialization")

pytestmark = pytest.mark.init


def _init(scheme, n_in=600, n_out=300, **options):
    torch.manual_seed(1)
    layer = nn.Linear(n_in, n_out)
    call(student.init_linear_, layer, scheme, what=f"init_linear_(layer, {scheme!r}, {options})", **options)
    return layer.weight.detach(), layer.bias.detach()


def test_options_change_the_distribution():
    """normal(mean=1, std=0.5), xavier_uniform(gain=2) and kaiming_normal(nonlinearity='tanh')."""
    w, _ = _init("normal", mean=1.0, std=0.5)
    expect_near(w.mean().item(), 1.0, 0.02, "mean after init_linear_(layer, 'normal', mean=1, std=0.5)")
    expect_near(w.std().item(), 0.5, 0.03, "std after init_linear_(layer, 'normal', mean=1, std=0.5)")
    w, _ = _init("xavier_uniform", gain=2.0)
    expect_near(w.abs().max().item(), 2 * math.sqrt(6 / 900), 0.02, "largest |w| of xavier_uniform with gain=2",
                "the bound scales with the gain: gain * sqrt(6 / (fan_in + fan_out)).")
    w, _ = _init("kaiming_normal", nonlinearity="tanh")
    expect_near(w.std().item(), (5 / 3) / math.sqrt(600), 0.03, "std of kaiming_normal for tanh",
                "Kaiming's std is gain / sqrt(fan_in), and tanh's gain is 5/3.")


def test_pytorch_default_exact_bound():
    """pytorch_default on fan_in = 9: weight and bias within ±1/3."""
    w, b = _init("pytorch_default", n_in=9, n_out=4000)
    for name, t in (("weight", w), ("bias", b)):
        top = t.abs().max().item()
        if top > 1 / 3 + 1e-6 or top < 0.3:
            fail(f"pytorch_default with fan_in = 9: expected the {name} spread over ±1/3, found |{name}| up to {top:.4g}.")
