"""Exercise 1, hidden checks (autograde only): edge cases of manual_linear and ManualLinear."""

import pytest
import torch
from torch import nn
from support import call, expect_equal, expect_tensor_close, fail, load

student = load("linear_exercises.manual_linear")

pytestmark = pytest.mark.manual_linear


def test_float64_and_non_contiguous_input():
    """Works for float64 tensors and for a non-contiguous (transposed) input."""
    torch.manual_seed(10)
    layer = nn.Linear(6, 4).double()
    x = torch.randn(6, 5, dtype=torch.float64).T  # (5, 6), not contiguous
    y = call(student.manual_linear, x, layer.weight, layer.bias, what="manual_linear on a float64, non-contiguous input")
    expect_tensor_close(y, layer(x), "manual_linear on a float64, non-contiguous input", atol=1e-10)


def test_empty_batch():
    """A batch of zero rows (0, in_features) gives (0, out_features)."""
    layer = nn.Linear(3, 2)
    y = call(student.manual_linear, torch.randn(0, 3), layer.weight, layer.bias, what="manual_linear on a (0, 3) batch")
    expect_equal(tuple(y.shape), (0, 2), "shape of manual_linear on an empty batch")


def test_wrong_bias_shape_raises():
    """A bias of the wrong length raises ValueError instead of broadcasting silently."""
    try:
        y = student.manual_linear(torch.randn(2, 3), torch.randn(4, 3), torch.randn(1))
    except NotImplementedError:
        raise
    except ValueError:
        return
    except Exception as exc:
        fail(f"expected a ValueError for a bias of shape (1,) with weight (4, 3), got {type(exc).__name__}: {exc}")
    fail(f"expected a ValueError for a bias of shape (1,) with a (4, 3) weight; it returned {type(y).__name__} "
         "(a (1,) bias broadcasts silently: check bias.shape == (out_features,)).")


def test_module_trains():
    """ManualLinear's parameters receive gradients and differ between two new layers."""
    a = call(student.ManualLinear, 5, 3, what="ManualLinear(5, 3)")
    b = call(student.ManualLinear, 5, 3, what="ManualLinear(5, 3)")
    if torch.equal(a.weight.detach(), b.weight.detach()):
        fail("two new ManualLinear(5, 3) layers have identical weights: expected random draws "
             "(do not re-seed inside __init__).")
    call(a, torch.randn(4, 5), what="ManualLinear(5, 3)(x)").pow(2).sum().backward()
    for name, p in a.named_parameters():
        if p.grad is None:
            fail(f"ManualLinear.{name} got no gradient: expected it to be an nn.Parameter used in forward.")
