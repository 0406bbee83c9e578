"""Exercise 1, hidden checks (class grading only): edge cases of manual_linear and ManualLinear.

Inputs come from the grader's random generator, seeded per run from a secret: a
student cannot prepare a table of answers.
"""

import warnings

import torch
from torch import nn

from linear_checks.public.test_manual_linear import FORMULA_HINT, _crash_hint, _mistakes
from linear_checks.student import backward, draw
from linear_checks.verdicts import call, expect_raises, expect_shape, expect_tensor_close, fail, load_state

VIEW_HINT = ("x may be non-contiguous (a transposed or sliced tensor), and x.view(...) raises when the dimensions "
             "it merges are not laid out one after the other in memory; x.reshape(...) copies when it must.")
ZERO_HINT = ("with a size 0, reshape(-1, 0) or reshape(B, -1) cannot work out the -1 (any number of rows fits 0 "
             "columns): give both sizes, e.g. x.reshape(x.shape[:-1].numel(), in_features).")


def test_float64_and_non_contiguous_input(student):
    """Works for float64 tensors and for a non-contiguous (transposed) input."""
    layer = nn.Linear(6, 4).double()
    x = torch.randn(6, 5, dtype=torch.float64).T  # (5, 6), not contiguous
    y = call(student.manual_linear, x, layer.weight, layer.bias, what="manual_linear on a float64, non-contiguous input")
    expect_tensor_close(y, layer(x), "manual_linear on a float64, non-contiguous input", atol=1e-10)
    if isinstance(y, torch.Tensor) and y.dtype != torch.float64:
        fail(f"manual_linear on float64 input: expected a float64 result, got {y.dtype}.")


def test_non_contiguous_3d_input(student):
    """A 3-D input with two leading dimensions swapped (x.transpose(0, 1), not contiguous) equals nn.Linear."""
    n_in, n_out = draw(3, 9), draw(2, 6)
    layer = nn.Linear(n_in, n_out)
    base = torch.randn(4, 2, n_in)
    x = base.transpose(0, 1)  # (2, 4, n_in): the two leading dimensions cannot be merged without a copy
    what = f"manual_linear on a contiguous (2, 4, {n_in}) input"
    y = call(student.manual_linear, x.contiguous(), layer.weight, layer.bias, what=what)
    expect_tensor_close(y, layer(x), what, FORMULA_HINT, diagnoses=_mistakes(x, layer, y))
    what = f"manual_linear on x = torch.randn(4, 2, {n_in}).transpose(0, 1), a (2, 4, {n_in}) input that is not contiguous"
    y = call(student.manual_linear, x, layer.weight, layer.bias, what=what, hint=VIEW_HINT)
    expect_tensor_close(y, layer(x), what, FORMULA_HINT, diagnoses=_mistakes(x, layer, y))


def _zero_hint(exc) -> str:
    """A crash on a layer with a size 0: reshape's -1 that cannot be worked out, or the weight's layout."""
    text = exc.message.lower()
    return ZERO_HINT if "ambiguous" in text or "unspecified dimension" in text else _crash_hint(exc)


def test_zero_size_layers(student):
    """A layer with no inputs gives the bias alone (F.linear's zeros plus the bias); one with no outputs, (*, 0)."""
    rows, size = draw(2, 6), draw(2, 5)
    # one check for both (an empty answer alone would pass the second): in_features = 0 first, its answer the bias
    for n_in, n_out in ((0, size), (size, 0)):
        with warnings.catch_warnings(), torch.no_grad():  # nn.init warns that filling an empty weight does nothing
            warnings.simplefilter("ignore")
            layer = nn.Linear(n_in, n_out)
            layer.weight.normal_()
            layer.bias.normal_()
        case = f"in_features = {n_in}" if n_in == 0 else f"out_features = {n_out}"
        for x in (torch.randn(rows, n_in), torch.randn(2, rows, n_in)):
            what = (f"manual_linear(x {tuple(x.shape)}, weight {tuple(layer.weight.shape)}, bias ({n_out},)), "
                    f"a layer with {case}")
            y = call(student.manual_linear, x, layer.weight, layer.bias, what=what, hint=_zero_hint)
            expect_tensor_close(y, layer(x), what, "F.linear gives x @ weight.T + bias here too: with in_features = 0 "
                                "every sum has no terms, 0, and the bias is added.", diagnoses=_mistakes(x, layer, y))


def test_random_shapes(student):
    """A layer of random size on a batch of random shape equals nn.Linear."""
    n_in, n_out = (int(v) for v in torch.randint(2, 40, (2,)))
    leading = tuple(int(v) for v in torch.randint(1, 6, (int(torch.randint(1, 4, ())),)))
    layer, x = nn.Linear(n_in, n_out), torch.randn(*leading, n_in)
    y = call(student.manual_linear, x, layer.weight, layer.bias, what=f"manual_linear on input {tuple(x.shape)}")
    expect_tensor_close(y, layer(x), f"manual_linear on input {tuple(x.shape)} with Linear({n_in}, {n_out})")


def test_empty_batch(student):
    """A batch of zero rows (0, in_features) gives (0, out_features); a batch of two, nn.Linear's values."""
    layer = nn.Linear(3, 2)
    x = torch.randn(2, 3)  # the same layer on a real batch first: a constant answer must not pass
    y = call(student.manual_linear, x, layer.weight, layer.bias, what="manual_linear on a (2, 3) batch")
    expect_tensor_close(y, layer(x), "manual_linear on a (2, 3) batch")
    y = call(student.manual_linear, torch.randn(0, 3), layer.weight, layer.bias, what="manual_linear on a (0, 3) batch")
    expect_shape(y, (0, 2), "shape of manual_linear on an empty batch")


def test_wrong_bias_shape_raises(student):
    """A bias of the wrong length raises ValueError instead of broadcasting silently; the right one works."""
    x, weight, bias = torch.randn(2, 3), torch.randn(4, 3), torch.randn(4)
    y = call(student.manual_linear, x, weight, bias, what="manual_linear with a (4,) bias and a (4, 3) weight")
    expect_tensor_close(y, x @ weight.T + bias, "manual_linear with a (4,) bias")  # raising always must not pass
    expect_raises(student.manual_linear, torch.randn(2, 3), torch.randn(4, 3), torch.randn(1), error="ValueError",
                  what="manual_linear with a (1,) bias and a (4, 3) weight",
                  hint="a (1,) bias broadcasts silently: check bias.shape == (out_features,).")


def test_module_trains(student):
    """ManualLinear's parameters receive gradients and differ between two new layers."""
    a = call(student.ManualLinear, 5, 3, what="ManualLinear(5, 3)")
    b = call(student.ManualLinear, 5, 3, what="ManualLinear(5, 3)")
    if torch.equal(a.weight, b.weight):
        fail("two new ManualLinear(5, 3) layers have identical weights: expected random draws "
             "(do not re-seed inside __init__).")
    state = load_state(a, {"weight": torch.randn(3, 5), "bias": torch.randn(3)}, "ManualLinear(5, 3)")
    x, upstream = torch.randn(4, 5), torch.randn(4, 3)
    answer = call(backward, a, x, upstream=upstream, what="ManualLinear(5, 3)(x) and backward()")
    if not answer["connected"]:
        fail("ManualLinear(5, 3)(x) is not connected to autograd: expected its parameters to be used in forward.")
    expected = {"weight": upstream.T @ x, "bias": upstream.sum(0)}  # for the weight and bias the grader loaded
    expect_tensor_close(answer["output"], x @ state["weight"].T + state["bias"], "ManualLinear(5, 3)(x)")
    for name, want in expected.items():
        grad = answer["parameters"].get(name)
        if grad is None:
            fail(f"ManualLinear.{name} got no gradient: expected it to be an nn.Parameter used in forward.")
        expect_tensor_close(grad, want, f"the gradient of ManualLinear.{name}")
