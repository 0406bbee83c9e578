"""Exercise 3, hidden checks (class grading only): the schemes' options.

Layer sizes and option values come from the grader's random generator, seeded per run
from a secret.
"""

import math

import torch

from linear_checks.student import draw, make, spec
from linear_checks.verdicts import call, expect_finite, expect_near, fail


def _uniform(low: float, high: float) -> float:
    """A number in [low, high], rounded to two decimals so the feedback shows it exactly."""
    return round(low + (high - low) * float(torch.rand(())), 2)


def _init(student, scheme, n_in, n_out, **options):
    layer = make(student, spec("Linear", n_in, n_out))
    shown = ", ".join(f"{k}={v!r}" for k, v in options.items())
    call(student.init_linear_, layer, scheme,
         what=f"init_linear_(Linear({n_in}, {n_out}), {scheme!r}{', ' if shown else ''}{shown})", **options)
    w, b = layer.weight, layer.bias
    if not isinstance(w, torch.Tensor) or not isinstance(b, torch.Tensor):
        fail(f"after init_linear_, layer.weight is a {type(w).__name__} and layer.bias a {type(b).__name__}: "
             "expected tensors (the layer's own parameters, filled in place).")
    expect_finite(w, f"after init_linear_(..., {scheme!r}), layer.weight")
    expect_finite(b, f"after init_linear_(..., {scheme!r}), layer.bias")
    return w.detach(), b.detach()


def test_options_change_the_distribution(student):
    """normal(mean, std), xavier_uniform(gain) and kaiming_normal(nonlinearity='tanh')."""
    n_in, n_out = draw(400, 900), draw(200, 390)  # never square: fan_in and fan_out differ
    mean = _uniform(1.0, 2.0) * (1 if draw(0, 1) else -1)
    std = _uniform(0.25, 0.75)
    w, _ = _init(student, "normal", n_in, n_out, mean=mean, std=std)
    expect_near(w.mean().item(), mean, 0.02, f"mean after init_linear_(layer, 'normal', mean={mean:g}, std={std:g})",
                "pass the mean option on: nn.init.normal_(weight, mean=mean, std=std).")
    expect_near(w.std().item(), std, 0.03, f"std after init_linear_(layer, 'normal', mean={mean:g}, std={std:g})")
    gain = _uniform(1.5, 3.0)
    w, _ = _init(student, "xavier_uniform", n_in, n_out, gain=gain)
    expect_near(w.abs().max().item(), gain * math.sqrt(6 / (n_in + n_out)), 0.02,
                f"largest |w| of xavier_uniform with gain={gain:g} on Linear({n_in}, {n_out})",
                "the bound scales with the gain: gain * sqrt(6 / (fan_in + fan_out)).")
    w, _ = _init(student, "kaiming_normal", n_in, n_out, nonlinearity="tanh")
    expect_near(w.std().item(), (5 / 3) / math.sqrt(n_in), 0.03,
                f"std of kaiming_normal for tanh on Linear({n_in}, {n_out})",
                "Kaiming's std is gain / sqrt(fan_in), and tanh's gain is 5/3.")


def test_pytorch_default_exact_bound(student):
    """pytorch_default on a small fan_in = k*k: weight and bias within ±1/k."""
    k = draw(2, 6)
    n_out = draw(3000, 5000)
    w, b = _init(student, "pytorch_default", k * k, n_out)
    for name, t in (("weight", w), ("bias", b)):
        top = t.abs().max().item()
        if top > 1 / k + 1e-6 or top < 0.9 / k:
            fail(f"pytorch_default with fan_in = {k * k}: expected the {name} spread over ±1/{k}, "
                 f"found |{name}| up to {top:.4g}.")
