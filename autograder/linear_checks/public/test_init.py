"""Exercise 3: init_linear_ draws each scheme's distribution, in place.

The layer is a genuine nn.Linear built in the sandbox (student.make); after the
student's init_linear_ ran there, its weight and bias come back as plain tensors and
their statistics are judged here.
"""

import math

import pytest
import torch

from linear_checks.student import Remote, draw, make, spec
from linear_checks.verdicts import call, expect_finite, expect_near, fail

FAN_IN, FAN_OUT = 800, 200  # about the layer's size (drawn near these); never square, so fan_in and fan_out differ


def _init(student, scheme, bias=True, **options):
    """init_linear_ on a Linear(fan_in, fan_out) filled with 7s, its sizes drawn near (FAN_IN, FAN_OUT) (per
    student at class grading); its weight and bias (None without bias) after."""
    fan_in, fan_out = FAN_IN + draw(-100, 100), FAN_OUT + draw(-50, 50)
    state = {"weight": torch.full((fan_out, fan_in), 7.0)}  # start from something no scheme produces
    if bias:
        state["bias"] = torch.full((fan_out,), 7.0)
    layer = make(student, spec("Linear", fan_in, fan_out, bias=bias, state=state))
    args = ", ".join([repr(scheme)] + [f"{k}={v!r}" for k, v in options.items()])
    result = call(student.init_linear_, layer, scheme, what=f"init_linear_(Linear({fan_in}, {fan_out}), {args})",
                  **options)
    # Whether the parameters were filled in place (the same objects) is seen only inside the student's process,
    # so it is not graded (README, threat model); what the layer holds afterwards is.
    if not isinstance(result, Remote):
        fail(f"init_linear_ returned {type(result).__name__}: expected the layer itself, so calls can be chained.")
    w, b = layer.weight, layer.bias
    if not isinstance(w, torch.Tensor) or not (b is None or isinstance(b, torch.Tensor)):
        fail(f"after init_linear_, layer.weight is a {type(w).__name__} and layer.bias a {type(b).__name__}: "
             "expected tensors (the layer's own parameters, filled in place).")
    for name, t in (("layer.weight", w), ("layer.bias", b)):
        if t is not None:
            expect_finite(t, f"after init_linear_(..., {scheme!r}), {name}")
    return w.detach(), None if b is None else b.detach()


def _expect_uniform(w, bound, what, hint, known=()):
    """Fail unless w looks like U(-bound, bound); known: (bound, misconception) of popular wrong bounds."""
    top = w.abs().max().item()
    if top > bound * 1.0001:
        mistake = next((key for other, key in known if 0.95 * other < top <= other * 1.0001), "")
        fail(f"{what}: expected every weight within ±{bound:.4g}, found |w| up to {top:.4g}. Hint: {hint}", mistake)
    if top < 0.95 * bound:
        fail(f"{what}: expected weights spread up to ±{bound:.4g}, the largest is {top:.4g}. Hint: {hint}")
    expect_near(w.std().item(), bound / math.sqrt(3), 0.03, f"{what}, standard deviation", hint)


def _expect_normal(w, std, what, hint, known=()):
    """Fail unless w looks like N(0, std^2); known: (std, misconception) of popular wrong deviations."""
    got = w.std().item()
    mistake = next((key for other, key in known if abs(got - other) <= 0.03 * other), "")
    expect_near(got, std, 0.03, f"{what}, standard deviation", hint, mistake)
    if w.abs().max().item() < 3.2 * std:  # a uniform with that std never passes 1.74 std
        fail(f"{what}: expected a normal distribution with std {std:.4g}, but no weight is beyond "
             f"{w.abs().max().item():.4g}: that looks uniform. Hint: {hint}")


def _on(w, bias: bool = True) -> str:
    """'Linear(fan_in, fan_out)' of the layer this weight came from."""
    return f"Linear({w.shape[1]}, {w.shape[0]}{'' if bias else ', bias=False'})"


def _expect_zero_bias(b, scheme):
    if b is not None and torch.count_nonzero(b) > 0:
        fail(f"scheme {scheme!r}: expected the bias set to zero, found values up to {b.abs().max():.4g}.")


def test_zeros(student):
    """'zeros' sets weight and bias to exactly 0."""
    w, b = _init(student, "zeros")
    if torch.count_nonzero(w) or (b is not None and torch.count_nonzero(b)):
        fail("scheme 'zeros': expected every weight and bias to be 0.")


def test_normal_with_std(student):
    """'normal' draws N(0, std^2): std=10 gives std 10, the default 0.01; the bias is 0."""
    w, b = _init(student, "normal", std=10.0)
    _expect_normal(w, 10.0, "init_linear_(layer, 'normal', std=10)", "use the std option.")
    _expect_zero_bias(b, "normal")
    w, _ = _init(student, "normal")
    _expect_normal(w, 0.01, "init_linear_(layer, 'normal') with the default std", "the default std is 0.01.")


def test_xavier_uniform(student):
    """'xavier_uniform': U(-a, a) with a = sqrt(6 / (fan_in + fan_out)); the bias is 0."""
    w, b = _init(student, "xavier_uniform")
    _expect_uniform(w, math.sqrt(6 / sum(w.shape)), f"xavier_uniform on {_on(w)}",
                    "Glorot's bound is sqrt(6 / (fan_in + fan_out)).")
    _expect_zero_bias(b, "xavier_uniform")


def test_xavier_normal(student):
    """'xavier_normal': N(0, 2 / (fan_in + fan_out))."""
    w, b = _init(student, "xavier_normal")
    _expect_normal(w, math.sqrt(2 / sum(w.shape)), f"xavier_normal on {_on(w)}",
                   "Glorot's variance is 2 / (fan_in + fan_out).")
    _expect_zero_bias(b, "xavier_normal")


def test_kaiming_uniform(student):
    """'kaiming_uniform' (ReLU): U(-a, a) with a = sqrt(6 / fan_in), fan_in = in_features."""
    w, b = _init(student, "kaiming_uniform")
    fan_out, fan_in = w.shape
    _expect_uniform(w, math.sqrt(6 / fan_in), f"kaiming_uniform on {_on(w)}",
                    "He's bound for ReLU is sqrt(6 / fan_in), and fan_in is in_features = weight.shape[1].",
                    known=[(math.sqrt(6 / fan_out), "fan_out_for_fan_in")])
    _expect_zero_bias(b, "kaiming_uniform")


def test_kaiming_normal(student):
    """'kaiming_normal' (ReLU): N(0, 2 / fan_in)."""
    w, b = _init(student, "kaiming_normal")
    fan_out, fan_in = w.shape
    _expect_normal(w, math.sqrt(2 / fan_in), f"kaiming_normal on {_on(w)}",
                   "He's variance for ReLU is 2 / fan_in, with fan_in = in_features = weight.shape[1].",
                   known=[(math.sqrt(2 / fan_out), "fan_out_for_fan_in")])
    _expect_zero_bias(b, "kaiming_normal")


def test_pytorch_default(student):
    """'pytorch_default': weight AND bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as nn.Linear does."""
    w, b = _init(student, "pytorch_default")
    fan_in = w.shape[1]
    bound = 1 / math.sqrt(fan_in)
    _expect_uniform(w, bound, f"pytorch_default on {_on(w)}",
                    "nn.Linear uses kaiming_uniform_ with a=sqrt(5), which is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), "
                    f"bound {bound:.4g}; Kaiming's ReLU bound sqrt(6/fan_in) = {math.sqrt(6 / fan_in):.4g} "
                    "is not the default.", known=[(math.sqrt(6 / fan_in), "init_default_is_kaiming_relu")])
    if b is None:
        fail(f"pytorch_default: the layer's bias is gone; expected U(-{bound:.4g}, {bound:.4g}).")
    if torch.count_nonzero(b) == 0:
        fail(f"pytorch_default: the bias is all zeros; expected U(-{bound:.4g}, {bound:.4g}). "
             "PyTorch's default does not start the bias at zero.", "init_bias_at_zero")
    if b.abs().max() > bound * 1.0001 or b.abs().max() < 0.8 * bound:
        fail(f"pytorch_default: expected the bias spread over ±{bound:.4g} = 1/sqrt(fan_in), "
             f"found |b| up to {b.abs().max():.4g}.")


def test_works_without_bias(student):
    """A layer with bias=False is initialized without error."""
    w, b = _init(student, "kaiming_normal", bias=False)
    if b is not None:
        fail("the layer had no bias, but one appeared after init_linear_.")
    expect_near(w.std().item(), math.sqrt(2 / w.shape[1]), 0.03, f"kaiming_normal on {_on(w, bias=False)}")


SLOPE_HINT = ("with nonlinearity='leaky_relu' Kaiming's gain is sqrt(2 / (1 + a²)), a the negative slope: pass a on, "
              "e.g. nn.init.kaiming_uniform_(weight, a=a, nonlinearity='leaky_relu'), or use "
              "nn.init.calculate_gain('leaky_relu', a).")
LEAKY_HINT = ("Kaiming's bound is gain * sqrt(3 / fan_in) and its std gain / sqrt(fan_in), fan_in = in_features = "
              "weight.shape[1], with the gain sqrt(2 / (1 + a²)) for leaky_relu.")


@pytest.mark.parametrize("scheme", ["kaiming_uniform", "kaiming_normal"])
def test_kaiming_leaky_relu_uses_its_slope(student, scheme):
    """Kaiming for leaky_relu with slope a has gain sqrt(2 / (1 + a²)): a=0.2 (uniform), a drawn a (normal)."""
    a = 0.2 if scheme == "kaiming_uniform" else draw(5, 10) / 10  # a drawn a: 0.5 ... 1.0
    w, b = _init(student, scheme, nonlinearity="leaky_relu", a=a)
    fan_in = w.shape[1]
    gain, relu_gain = math.sqrt(2 / (1 + a * a)), math.sqrt(2)
    what = f"{scheme} with nonlinearity='leaky_relu', a={a:g} on {_on(w)}"
    if scheme == "kaiming_uniform":  # the bound is sharp: the largest of ~160,000 draws is within 0.01% of it
        quantity, got, scale, rel = "largest |w|", w.abs().max().item(), math.sqrt(3 / fan_in), 0.005
    else:  # the standard deviation of ~160,000 draws is within 0.25% of the true one (one standard error)
        quantity, got, scale, rel = "standard deviation", w.std().item(), 1 / math.sqrt(fan_in), 0.03
    want = gain * scale
    fan_out_scale = scale * math.sqrt(fan_in / w.shape[0])
    known = ((relu_gain * scale, "the slope a ignored (ReLU's gain sqrt(2))", SLOPE_HINT, ""),
             (gain * fan_out_scale, "fan_out used in place of fan_in",
              "fan_in is in_features = weight.shape[1].", "fan_out_for_fan_in"))
    for value, mistake, hint, misconception in known:
        if abs(got - value) <= rel * value:
            fail(f"{what}, {quantity}: expected {want:.4g} (gain sqrt(2 / (1 + a²)) = {gain:.4g}), got {got:.4g}, "
                 f"which is what {mistake} gives. Hint: {hint}", misconception)
    if scheme == "kaiming_uniform":
        _expect_uniform(w, want, what, LEAKY_HINT)
    else:
        _expect_normal(w, want, what, LEAKY_HINT)
    _expect_zero_bias(b, scheme)
