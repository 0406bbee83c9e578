"""Exercise 1: manual_linear and ManualLinear, checked against nn.Linear."""

import math

import pytest
import torch
from torch import nn

from linear_checks.source_rules import library_linear_routes
from linear_checks.student import backward
from linear_checks.verdicts import (Known, call, expect_equal, expect_near, expect_raises, expect_tensor_close,
                                     fail, load_state)

WEIGHT_HINT = "PyTorch stores weight as (out_features, in_features), so y = x @ weight.T + bias."
# Each hint is given only for the failure it explains (a crash, a shape or values that a known mistake gives).
FORMULA_HINT = "y = x @ weight.T + bias: work out one output row by hand and compare."
LEADING_HINT = ("x may have any number of leading dimensions, none included (a 1-D x is one sample): make rows "
                "with x.reshape(B, in_features), B the product of the leading sizes, or use @, which keeps them.")
SQUEEZE_HINT = ("keep every dimension of x but the last, even one of size 1: the output is "
                "(*x.shape[:-1], out_features); no .squeeze() at the end.")
PRECISION_HINT = ("compute in the input's own dtype (float32 here): float16 and bfloat16 keep about 3 significant "
                  "digits, float32 about 7.")
SHAPE_ERRORS = ("cannot be multiplied", "size mismatch", "shapes")  # what a product of the wrong shapes raises


def _crash_hint(exc) -> str:
    """The hint for a crash on a 2-D input: the weight's layout when the product's shapes did not fit, else none."""
    return WEIGHT_HINT if any(words in exc.message.lower() for words in SHAPE_ERRORS) else ""


def _layer(n_in, n_out, bias=True):
    """An nn.Linear drawn from the check's generator: per student at class grading, so the inputs (and the
    answers) differ from those of a local run."""
    return nn.Linear(n_in, n_out, bias=bias)


NO_BIAS = "x @ weight.T without the bias"
NO_BIAS_HINT = "add the bias at the end: y = x @ weight.T + bias (when bias is not None)."




def _mistakes(x, layer, y=None):
    """What popular wrong versions of the formula give (the transposed one only for a square layer), with their hints.

    With the answer y: also the size-1 dimensions squeezed away, and a loss of precision (float16 or
    bfloat16 on the way): y itself when it agrees with nn.Linear to about 2 digits but not to float32's."""
    w, b = layer.weight.detach(), layer.bias
    expected = layer(x).detach()
    out = {}
    if w.shape[0] == w.shape[1]:
        out["x @ weight + bias (the weight used transposed)"] = Known(x @ w + (0 if b is None else b.detach()),
                                                                      WEIGHT_HINT, "weight_transposed")
    if b is not None:
        out[NO_BIAS] = Known(x @ w.T, NO_BIAS_HINT, "bias_missing")
        out["x @ weight.T + 2 * bias (the bias added twice)"] = Known(
            x @ w.T + 2 * b.detach(), "add the bias once: y = x @ weight.T + bias.", "bias_added_twice")
    squeezed = {expected.squeeze().shape: expected.squeeze()}
    for dim, size in enumerate(expected.shape):
        if size == 1:
            squeezed.setdefault(expected.squeeze(dim).shape, expected.squeeze(dim))
    for shape, value in squeezed.items():
        if shape != expected.shape:
            out[f"dropping a dimension of size 1 (e.g. .squeeze()), {tuple(shape)} in place of "
                f"{tuple(expected.shape)},"] = Known(value, SQUEEZE_HINT)
    if (isinstance(y, torch.Tensor) and y.is_floating_point() and y.shape == expected.shape
            and not torch.allclose(y.double(), expected.double(), rtol=1e-4, atol=1e-5)
            and torch.allclose(y.double(), expected.double(), rtol=3e-2,
                               atol=3e-2 * max(1.0, expected.abs().max().item() if expected.numel() else 0.0))):
        out["a lower precision than float32 on the way (about 3 significant digits)"] = Known(y, PRECISION_HINT)
    return out


def test_batch_matches_nn_linear(student):
    """manual_linear on a (5, 7) batch with Linear(7, 3)'s weight and bias equals nn.Linear."""
    layer, x = _layer(7, 3), torch.randn(5, 7)
    y = call(student.manual_linear, x, layer.weight, layer.bias, what="manual_linear(x (5, 7), weight (3, 7), bias (3,))",
             hint=_crash_hint)
    expect_tensor_close(y, layer(x), "manual_linear on a (5, 7) batch", FORMULA_HINT,
                        diagnoses=_mistakes(x, layer, y))


def test_square_weight_is_not_transposed(student):
    """With a square 4x4 weight a transposed weight still runs: the values must match nn.Linear."""
    layer, x = _layer(4, 4), torch.randn(6, 4)
    y = call(student.manual_linear, x, layer.weight, layer.bias, what="manual_linear with a 4x4 weight",
             hint=_crash_hint)
    expect_tensor_close(y, layer(x), "manual_linear with a square weight", FORMULA_HINT,
                        diagnoses=_mistakes(x, layer, y))


def test_without_bias(student):
    """bias=None means no bias at all: the result equals nn.Linear(..., bias=False)."""
    layer, x = _layer(6, 4, bias=False), torch.randn(3, 6)
    y = call(student.manual_linear, x, layer.weight, None, what="manual_linear(x, weight, None)", hint=_crash_hint)
    expect_tensor_close(y, layer(x), "manual_linear without bias", "with bias=None return x @ weight.T only.",
                        diagnoses=_mistakes(x, layer, y))


@pytest.mark.parametrize("case", [(), (2, 3), (2, 3, 4)], ids=["1-D", "3-D", "4-D"])
def test_any_leading_dimensions(student, case):
    """Inputs of shape (*, in_features): the layer acts on the last dimension only."""
    layer = _layer(5, 2)
    x = torch.randn(*case, 5)
    rows = x.reshape(-1, 5)  # the same numbers as a 2-D batch first: a crash after that comes from x's dimensions
    what = f"manual_linear(x of shape {tuple(rows.shape)})"
    y = call(student.manual_linear, rows, layer.weight, layer.bias, what=what, hint=_crash_hint)
    expect_tensor_close(y, layer(rows), what, FORMULA_HINT, diagnoses=_mistakes(rows, layer, y))
    y = call(student.manual_linear, x, layer.weight, layer.bias, what=f"manual_linear(x of shape {tuple(x.shape)})",
             hint=LEADING_HINT)
    hint = FORMULA_HINT
    if isinstance(y, torch.Tensor) and y.shape != layer(x).shape:
        hint = "keep every leading dimension and replace only the last one, in_features, by out_features."
    expect_tensor_close(y, layer(x), f"manual_linear on input of shape {tuple(x.shape)}", hint,
                        diagnoses=_mistakes(x, layer, y))


@pytest.mark.parametrize("case", [(1, 6, 4), (5, 6, 1)], ids=["a batch of one", "out_features=1"])
def test_size_one_dimensions_are_kept(student, case):
    """A batch of one row, (1, in) -> (1, out), and a layer of one output, (B, in) -> (B, 1): no dimension dropped."""
    rows, n_in, n_out = case
    layer, x = _layer(n_in, n_out), torch.randn(rows, n_in)
    what = f"manual_linear(x ({rows}, {n_in}), weight ({n_out}, {n_in}), bias ({n_out},))"
    y = call(student.manual_linear, x, layer.weight, layer.bias, what=what, hint=_crash_hint)
    expect_tensor_close(y, layer(x), what, FORMULA_HINT, diagnoses=_mistakes(x, layer, y))


def test_gradients_match_nn_linear(student):
    """Gradients with respect to x, weight and bias equal those through nn.Linear."""
    layer = _layer(5, 3)
    x = torch.randn(2, 4, 5, requires_grad=True)
    upstream = torch.randn(2, 4, 3)
    (layer(x) * upstream).sum().backward()
    expected = {"x": x.grad.clone(), "weight": layer.weight.grad.clone(), "bias": layer.bias.grad.clone()}
    answer = call(backward, student.manual_linear, x.detach().requires_grad_(), layer.weight, layer.bias,
                  upstream=upstream, what="manual_linear followed by backward()", hint=_crash_hint)
    y = answer["output"]
    if not isinstance(y, torch.Tensor) or not answer["connected"]:
        fail("manual_linear's result is not connected to autograd: expected a tensor with "
             "requires_grad=True. Hint: use torch operations on the tensors you are given; "
             "no .detach(), .numpy() or torch.no_grad().")
    if y.shape != upstream.shape:
        fail(f"manual_linear on input (2, 4, 5): expected shape (2, 4, 3), got {tuple(y.shape)}.")
    for (name, grad), got in zip(expected.items(), answer["grads"]):
        if got is None:
            fail(f"no gradient reached {name}: expected one of shape {tuple(grad.shape)}.")
        expect_tensor_close(got, grad, f"gradient with respect to {name}")


def _names_shape(message, t):
    dims = [str(d) for d in t.shape]
    forms = ["(" + ", ".join(dims) + ")", "[" + ", ".join(dims) + "]", "x".join(dims)]
    return any(form in message for form in forms)


def test_shape_mismatch_raises_value_error_naming_shapes(student):
    """A (2, 5) input with a (3, 7) weight raises ValueError naming both shapes."""
    x, weight = torch.randn(2, 5), torch.randn(3, 7)
    fits = torch.randn(3, 5)
    expect_tensor_close(call(student.manual_linear, x, fits, None, what="manual_linear(x (2, 5), weight (3, 5))",
                             hint=_crash_hint),
                        x @ fits.T, "manual_linear(x (2, 5), weight (3, 5)) before the mismatch",
                        FORMULA_HINT)  # raising for every input must not pass
    raised = expect_raises(student.manual_linear, x, weight, error="ValueError",
                           what="manual_linear with input (2, 5) and weight (3, 7)",
                           hint="check x.shape[-1] == weight.shape[1] before multiplying; a shape error must not be swallowed.")
    if not (_names_shape(raised.message, x) and _names_shape(raised.message, weight)):
        fail("the ValueError should name both shapes, (2, 5) and (3, 7). Hint: put x.shape and weight.shape in its message.")


def gate(source):
    """Exercise 1 gets no points when its file reaches PyTorch's own linear layer: why, or ""."""
    routes = library_linear_routes(source, "manual_linear.py")
    if not routes:
        return ""
    return ("manual_linear.py uses F.linear or nn.Linear, or hides which function it calls ("
            + "; ".join(routes[:3]) + "): expected only tensor operations such as @, matmul or addmm, so this "
            "exercise gets no points. Hint: write x @ weight.T + bias yourself. (This rule reads your file; "
            "it cannot see what other packages do for you.)")


def test_module_parameters_and_forward(student):
    """ManualLinear(7, 3) holds weight (3, 7) and bias (3,) as nn.Parameters and computes x @ W.T + b."""
    module = call(student.ManualLinear, 7, 3, what="ManualLinear(7, 3)")
    params = dict(call(module.named_parameters, what="ManualLinear(7, 3).named_parameters()"))
    for name, want in (("weight", (3, 7)), ("bias", (3,))):
        if name not in params:
            fail(f"ManualLinear(7, 3) has no parameter {name!r}: expected an nn.Parameter of shape {want} "
                 f"(its parameters: {sorted(params)[:5] or 'none'}).")
        got = tuple(params[name].shape)
        expect_equal(got, want, f"shape of ManualLinear(7, 3).{name}", WEIGHT_HINT if got == want[::-1] else "")
    x = torch.randn(4, 7)
    state = load_state(module, {"weight": torch.randn(3, 7), "bias": torch.randn(3)}, "ManualLinear(7, 3)")
    y = call(module, x, what="ManualLinear(7, 3)(x)", hint=_crash_hint)
    expect_tensor_close(y, x @ state["weight"].T + state["bias"], "ManualLinear(7, 3) forward, with weight and bias "
                        "loaded by the grader", diagnoses={NO_BIAS: Known(x @ state["weight"].T, NO_BIAS_HINT, "bias_missing")})
    no_bias = call(student.ManualLinear, 7, 3, bias=False, what="ManualLinear(7, 3, bias=False)")
    count = sum(p.numel() for p in call(no_bias.parameters, what="ManualLinear(7, 3, bias=False).parameters()"))
    if getattr(no_bias, "bias", "missing") is not None or count != 21:
        fail("ManualLinear(7, 3, bias=False): expected bias None and 21 parameters (the weight only), "
             f"got {count} parameters.")
    weight = load_state(no_bias, {"weight": torch.randn(3, 7)}, "ManualLinear(7, 3, bias=False)")["weight"]
    expect_tensor_close(call(no_bias, x, what="ManualLinear(7, 3, bias=False)(x)"), x @ weight.T,
                        "ManualLinear(7, 3, bias=False) forward")


def test_module_initialization_follows_pytorch_default(student):
    """Weights and bias start as U(-1/sqrt(in), 1/sqrt(in)), as nn.Linear's do (the bias is not zero)."""
    n_in, n_out = 400, 300
    module = call(student.ManualLinear, n_in, n_out, what=f"ManualLinear({n_in}, {n_out})")
    bound = 1 / math.sqrt(n_in)
    w, b = module.weight, module.bias
    for name, t, want in (("weight", w, (n_out, n_in)), ("bias", b, (n_out,))):
        if not isinstance(t, torch.Tensor):
            fail(f"ManualLinear({n_in}, {n_out}).{name}: expected a tensor of shape {want}, got {type(t).__name__}.")
    top, kaiming = w.abs().max().item(), math.sqrt(6 / n_in)
    if top > bound * 1.0001:
        fail(f"ManualLinear({n_in}, {n_out}) weights: expected all within ±{bound:.4g} = 1/sqrt(in_features), "
             f"found |w| up to {top:.4g} (Kaiming's uniform bound sqrt(6/in_features) is "
             f"{kaiming:.4g}). Hint: nn.Linear draws from U(-1/sqrt(in_features), 1/sqrt(in_features)).",
             "default_is_kaiming_relu" if 0.95 * kaiming < top <= kaiming * 1.0001 else "")
    expect_near(w.std().item(), bound / math.sqrt(3), 0.05, "standard deviation of the initial weights",
                "a uniform U(-a, a) has std a/sqrt(3), with a = 1/sqrt(in_features).")
    if w.abs().max() < 0.95 * bound:
        fail(f"initial weights reach only |w| = {w.abs().max():.4g}: expected values spread over "
             f"the whole range ±{bound:.4g}.")
    if torch.count_nonzero(b) == 0:
        fail(f"the initial bias is all zeros: expected U(-{bound:.4g}, {bound:.4g}) like nn.Linear. "
             "PyTorch does not start the bias at zero.", "bias_starts_at_zero")
    if b.abs().max() > bound * 1.0001:
        fail(f"initial bias: expected all within ±{bound:.4g} = 1/sqrt(in_features), found {b.abs().max():.4g}.")
    expect_near(b.std().item(), bound / math.sqrt(3), 0.2, "standard deviation of the initial bias",
                "the bias is drawn from the same U(-1/sqrt(in_features), 1/sqrt(in_features)) as the weight.")
