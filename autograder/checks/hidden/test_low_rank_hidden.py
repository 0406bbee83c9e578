"""Exercise 5, hidden checks (autograde only): low-rank edge cases."""

import pytest
import torch
from torch import nn
from support import call, expect_equal, expect_tensor_close, fail, load

student = load("linear_exercises.low_rank")

pytestmark = pytest.mark.low_rank


def test_from_linear_without_bias_and_original_untouched():
    """from_linear on Linear(bias=False) gives no bias; the original layer is not modified."""
    torch.manual_seed(4)
    linear = nn.Linear(12, 8, bias=False)
    before = linear.weight.detach().clone()
    low = call(student.LowRankLinear.from_linear, linear, 3, what="from_linear(Linear(12, 8, bias=False), 3)")
    if any(p.numel() for n, p in low.named_parameters() if n.endswith("bias")):
        fail("from_linear of a layer without bias produced a bias: expected none.")
    if call(low.full_bias, what="full_bias()") is not None:
        fail("full_bias() of a layer without bias: expected None.")
    expect_tensor_close(linear.weight.detach(), before, "the original layer's weight after from_linear",
                        "work on a copy (e.g. linear.weight.detach()), never in place on the original.")


def test_rank_one_and_gradients():
    """rank=1 works, and gradients reach both maps."""
    layer = call(student.LowRankLinear, 6, 5, 1, what="LowRankLinear(6, 5, 1)")
    y = call(layer, torch.randn(3, 6), what="LowRankLinear(6, 5, 1)(x)")
    expect_equal(tuple(y.shape), (3, 5), "output shape of LowRankLinear(6, 5, 1)")
    y.sum().backward()
    for name, p in layer.named_parameters():
        if p.grad is None:
            fail(f"{name} got no gradient: both maps must take part in forward.")
