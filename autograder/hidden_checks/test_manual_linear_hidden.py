"""Exercise 1, hidden checks (class grading only): edge cases of manual_linear and ManualLinear.

Inputs come from the grader's random generator, seeded per run from a secret: a
student cannot prepare a table of answers.
"""

import torch
from torch import nn

from linear_checks.student import backward
from linear_checks.verdicts import call, expect_raises, expect_shape, expect_tensor_close, fail, load_state


def test_float64_and_non_contiguous_input(student):
    """Works for float64 tensors and for a non-contiguous (transposed) input."""
    layer = nn.Linear(6, 4).double()
    x = torch.randn(6, 5, dtype=torch.float64).T  # (5, 6), not contiguous
    y = call(student.manual_linear, x, layer.weight, layer.bias, what="manual_linear on a float64, non-contiguous input")
    expect_tensor_close(y, layer(x), "manual_linear on a float64, non-contiguous input", atol=1e-10)
    if isinstance(y, torch.Tensor) and y.dtype != torch.float64:
        fail(f"manual_linear on float64 input: expected a float64 result, got {y.dtype}.")


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
