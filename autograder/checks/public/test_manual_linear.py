"""Exercise 1: manual_linear and ManualLinear against nn.Linear."""

import math

import pytest
import torch
from torch import nn
from torch.overrides import TorchFunctionMode


from support import call, expect_equal, expect_near, expect_tensor_close, fail, load

student = load("linear_exercises.manual_linear")

pytestmark = pytest.mark.manual_linear

WEIGHT_HINT = "PyTorch stores weight as (out_features, in_features), so y = x @ weight.T + bias."


def _layer(n_in, n_out, bias=True, seed=0):
    torch.manual_seed(seed)
    return nn.Linear(n_in, n_out, bias=bias)


def _mistakes(x, layer):
    """What popular wrong versions of the formula give for a square layer."""
    w, b = layer.weight.detach(), layer.bias
    out = {"x @ weight + bias (the weight used transposed)": x @ w + (0 if b is None else b.detach())}
    if b is not None:
        out["x @ weight.T without the bias"] = x @ w.T
        out["x @ weight.T + 2 * bias (the bias added twice)"] = x @ w.T + 2 * b.detach()
    return out


def test_batch_matches_nn_linear():
    """manual_linear on a (5, 7) batch with Linear(7, 3)'s weight and bias equals nn.Linear."""
    layer, x = _layer(7, 3), torch.randn(5, 7)
    y = call(student.manual_linear, x, layer.weight, layer.bias, what="manual_linear(x (5, 7), weight (3, 7), bias (3,))", hint=WEIGHT_HINT)
    expect_tensor_close(y, layer(x), "manual_linear on a (5, 7) batch", WEIGHT_HINT,
                        diagnoses={"x @ weight.T without the bias": x @ layer.weight.T})


def test_square_weight_is_not_transposed():
    """With a square 4x4 weight a transposed weight still runs: the values must match nn.Linear."""
    layer, x = _layer(4, 4, seed=1), torch.randn(6, 4)
    y = call(student.manual_linear, x, layer.weight, layer.bias, what="manual_linear with a 4x4 weight", hint=WEIGHT_HINT)
    expect_tensor_close(y, layer(x), "manual_linear with a square weight", WEIGHT_HINT,
                        diagnoses=_mistakes(x, layer))


def test_without_bias():
    """bias=None means no bias at all: the result equals nn.Linear(..., bias=False)."""
    layer, x = _layer(6, 4, bias=False, seed=2), torch.randn(3, 6)
    y = call(student.manual_linear, x, layer.weight, None, what="manual_linear(x, weight, None)", hint=WEIGHT_HINT)
    expect_tensor_close(y, layer(x), "manual_linear without bias", "with bias=None return x @ weight.T only.")


@pytest.mark.parametrize("leading", [(), (2, 3), (2, 3, 4)], ids=["1-D", "3-D", "4-D"])
def test_any_leading_dimensions(leading):
    """Inputs of shape (*, in_features): the layer acts on the last dimension only."""
    layer = _layer(5, 2, seed=3)
    x = torch.randn(*leading, 5)
    y = call(student.manual_linear, x, layer.weight, layer.bias, what=f"manual_linear(x of shape {tuple(x.shape)})", hint=WEIGHT_HINT)
    expect_tensor_close(y, layer(x), f"manual_linear on input of shape {tuple(x.shape)}",
                        "keep every leading dimension and replace only the last one, "
                        "in_features, by out_features.")


def test_gradients_match_nn_linear():
    """Gradients with respect to x, weight and bias equal those through nn.Linear."""
    layer = _layer(5, 3, seed=4)
    x = torch.randn(2, 4, 5, requires_grad=True)
    upstream = torch.randn(2, 4, 3)
    (layer(x) * upstream).sum().backward()
    expected = {"x": x.grad.clone(), "weight": layer.weight.grad.clone(), "bias": layer.bias.grad.clone()}
    x.grad, layer.weight.grad, layer.bias.grad = None, None, None
    y = call(student.manual_linear, x, layer.weight, layer.bias, what="manual_linear", hint=WEIGHT_HINT)
    if not isinstance(y, torch.Tensor) or not y.requires_grad:
        fail("manual_linear's result is not connected to autograd: expected a tensor with "
             "requires_grad=True. Hint: use torch operations on the tensors you are given; "
             "no .detach(), .numpy() or torch.no_grad().")
    if y.shape != upstream.shape:
        fail(f"manual_linear on input (2, 4, 5): expected shape (2, 4, 3), got {tuple(y.shape)}.")
    (y * upstream).sum().backward()
    got = {"x": x.grad, "weight": layer.weight.grad, "bias": layer.bias.grad}
    for name, grad in expected.items():
        if got[name] is None:
            fail(f"no gradient reached {name}: expected one of shape {tuple(grad.shape)}.")
        expect_tensor_close(got[name], grad, f"gradient with respect to {name}")


def _names_shape(message, t):
    dims = [str(d) for d in t.shape]
    forms = ["(" + ", ".join(dims) + ")", "[" + ", ".join(dims) + "]", "x".join(dims)]
    return any(form in message for form in forms)


def test_shape_mismatch_raises_value_error_naming_shapes():
    """A (2, 5) input with a (3, 7) weight raises ValueError naming both shapes."""
    x, weight = torch.randn(2, 5), torch.randn(3, 7)
    try:
        y = student.manual_linear(x, weight)
    except NotImplementedError:
        raise
    except ValueError as exc:
        message = str(exc)
        if not (_names_shape(message, x) and _names_shape(message, weight)):
            fail(f"the ValueError should name both shapes, (2, 5) and (3, 7); its message was: {message!r}")
        return
    except Exception as exc:
        fail(f"expected a ValueError naming both shapes, got {type(exc).__name__}: {exc}. "
             "Hint: check x.shape[-1] == weight.shape[1] before multiplying.")
    fail(f"expected a ValueError for input (2, 5) with weight (3, 7), but it returned {type(y).__name__}"
         f"{' of shape ' + str(tuple(y.shape)) if isinstance(y, torch.Tensor) else ''}: "
         "a shape error must not be swallowed.")


class _CallSpy(TorchFunctionMode):
    """Records every torch function called while active."""

    def __init__(self):
        super().__init__()
        self.names = set()

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.names.add(getattr(func, "__name__", repr(func)))
        return func(*args, **(kwargs or {}))


def test_does_not_call_nn_linear_or_f_linear():
    """manual_linear and ManualLinear must not call nn.Linear / F.linear (the point of the exercise)."""
    layer, x = _layer(4, 3, seed=5), torch.randn(2, 4)
    spy = _CallSpy()
    with spy:
        call(student.manual_linear, x, layer.weight, layer.bias, what="manual_linear", hint=WEIGHT_HINT)
        module = call(student.ManualLinear, 4, 3, what="ManualLinear(4, 3)")
        call(module, x, what="ManualLinear(4, 3)(x)", hint=WEIGHT_HINT)
    if "linear" in spy.names:
        fail("your code calls F.linear (directly or through nn.Linear): expected only tensor "
             "operations such as @, matmul or addmm. Hint: write x @ weight.T + bias yourself.")


def test_module_parameters_and_forward():
    """ManualLinear(7, 3) holds weight (3, 7) and bias (3,) as nn.Parameters and computes x @ W.T + b."""
    torch.manual_seed(6)
    module = call(student.ManualLinear, 7, 3, what="ManualLinear(7, 3)")
    params = dict(module.named_parameters())
    for name, want in (("weight", (3, 7)), ("bias", (3,))):
        if name not in params:
            fail(f"ManualLinear(7, 3) has no parameter {name!r}: expected an nn.Parameter of shape {want} "
                 f"(its parameters: {sorted(params) or 'none'}).")
        expect_equal(tuple(params[name].shape), want, f"shape of ManualLinear(7, 3).{name}", WEIGHT_HINT)
    x = torch.randn(4, 7)
    y = call(module, x, what="ManualLinear(7, 3)(x)", hint=WEIGHT_HINT)
    expect_tensor_close(y, x @ module.weight.T + module.bias, "ManualLinear(7, 3) forward")
    no_bias = call(student.ManualLinear, 7, 3, bias=False, what="ManualLinear(7, 3, bias=False)")
    if getattr(no_bias, "bias", "missing") is not None or sum(p.numel() for p in no_bias.parameters()) != 21:
        fail("ManualLinear(7, 3, bias=False): expected bias None and 21 parameters (the weight only), "
             f"got {sum(p.numel() for p in no_bias.parameters())} parameters.")
    expect_tensor_close(call(no_bias, x, what="ManualLinear(7, 3, bias=False)(x)"), x @ no_bias.weight.T,
                        "ManualLinear(7, 3, bias=False) forward")


def test_module_initialization_follows_pytorch_default():
    """Weights and bias start as U(-1/sqrt(in), 1/sqrt(in)), as nn.Linear's do (the bias is not zero)."""
    torch.manual_seed(7)
    n_in, n_out = 400, 300
    module = call(student.ManualLinear, n_in, n_out, what=f"ManualLinear({n_in}, {n_out})")
    bound = 1 / math.sqrt(n_in)
    w, b = module.weight.detach(), module.bias.detach()
    if w.abs().max() > bound * 1.0001:
        fail(f"ManualLinear({n_in}, {n_out}) weights: expected all within ±{bound:.4g} = 1/sqrt(in_features), "
             f"found |w| up to {w.abs().max():.4g} (Kaiming's uniform bound sqrt(6/in_features) is "
             f"{math.sqrt(6 / n_in):.4g}). Hint: nn.Linear draws from U(-1/sqrt(in_features), 1/sqrt(in_features)).")
    expect_near(w.std().item(), bound / math.sqrt(3), 0.05, "standard deviation of the initial weights",
                "a uniform U(-a, a) has std a/sqrt(3), with a = 1/sqrt(in_features).")
    if w.abs().max() < 0.95 * bound:
        fail(f"initial weights reach only |w| = {w.abs().max():.4g}: expected values spread over "
             f"the whole range ±{bound:.4g}.")
    if torch.count_nonzero(b) == 0:
        fail(f"the initial bias is all zeros: expected U(-{bound:.4g}, {bound:.4g}) like nn.Linear. "
             "PyTorch does not start the bias at zero.")
    if b.abs().max() > bound * 1.0001:
        fail(f"initial bias: expected all within ±{bound:.4g} = 1/sqrt(in_features), found {b.abs().max():.4g}.")
    expect_near(b.std().item(), bound / math.sqrt(3), 0.2, "standard deviation of the initial bias",
                "the bias is drawn from the same U(-1/sqrt(in_features), 1/sqrt(in_features)) as the weight.")
