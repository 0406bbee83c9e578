"""Exercise 5: LowRankLinear and its truncated-SVD constructor."""

import pytest
import torch
from torch import nn


from support import call, expect_equal, expect_near, expect_tensor_close, fail, load

student = load("linear_exercises.low_rank")

pytestmark = pytest.mark.low_rank


def _count(module):
    return sum(p.numel() for p in module.parameters())


def test_parameter_count_1000_64_1000():
    """LowRankLinear(1000, 1000, 64) has (1000*64 + 64) + (64*1000 + 1000) = 129,064 parameters."""
    layer = call(student.LowRankLinear, 1000, 1000, 64, what="LowRankLinear(1000, 1000, 64)")
    got = _count(layer)
    hint = "two linear maps, 1000 -> 64 and 64 -> 1000, each with its own bias."
    if got == 128_064:
        hint = "the second map (64 -> 1000) needs its bias too: 1,000 more parameters."
    elif got == 129_000:
        hint = "the first map (1000 -> 64) needs its bias too: 64 more parameters."
    expect_equal(got, 129_064, "parameters of LowRankLinear(1000, 1000, 64)", hint)
    expect_equal(_count(call(student.LowRankLinear, 1000, 1000, 64, bias=False, what="LowRankLinear(..., bias=False)")),
                 128_000, "parameters of LowRankLinear(1000, 1000, 64, bias=False)")


def test_structure_and_forward():
    """down: Linear(in, rank), up: Linear(rank, out); forward(x) = up(down(x)) for (*, in) input."""
    torch.manual_seed(0)
    layer = call(student.LowRankLinear, 12, 9, 3, what="LowRankLinear(12, 9, 3)")
    for name, want in (("down", (3, 12)), ("up", (9, 3))):
        part = getattr(layer, name, None)
        if part is None or not hasattr(part, "weight"):
            fail(f"LowRankLinear has no linear map {name!r}: expected self.{name} with weight of shape {want}.")
        expect_equal(tuple(part.weight.shape), want, f"shape of {name}.weight")
    x = torch.randn(2, 5, 12)
    y = call(layer, x, what="LowRankLinear(12, 9, 3)(x)")
    expect_tensor_close(y, layer.up(layer.down(x)), "LowRankLinear forward on a (2, 5, 12) input")


def test_full_weight_and_bias_give_the_same_map():
    """forward(x) == x @ full_weight().T + full_bias(), with full_weight() of shape (out, in)."""
    torch.manual_seed(1)
    layer = call(student.LowRankLinear, 10, 7, 2, what="LowRankLinear(10, 7, 2)")
    w = call(layer.full_weight, what="full_weight()")
    b = call(layer.full_bias, what="full_bias()")
    expect_equal(tuple(w.shape) if isinstance(w, torch.Tensor) else w, (7, 10), "shape of full_weight()",
                 "up.weight @ down.weight is (out_features, in_features).")
    if torch.linalg.matrix_rank(w.detach()).item() > 2:
        fail("full_weight() of a rank-2 layer has rank above 2: expected up.weight @ down.weight.")
    x = torch.randn(4, 10)
    expect_tensor_close(x @ w.T + b, call(layer, x, what="forward"), "x @ full_weight().T + full_bias() against forward(x)",
                        "the first bias passes through the second map: full_bias = up.weight @ down.bias + up.bias.")


def _known_spectrum(n_out=40, n_in=60, seed=2):
    g = torch.Generator().manual_seed(seed)
    u, _ = torch.linalg.qr(torch.randn(n_out, n_out, generator=g))
    v, _ = torch.linalg.qr(torch.randn(n_in, n_out, generator=g))
    s = torch.linspace(10, 0.5, n_out)
    linear = nn.Linear(n_in, n_out)
    with torch.no_grad():
        linear.weight.copy_(u @ torch.diag(s) @ v.T)
    return linear, u, s, v


def test_from_linear_is_the_best_rank_r_approximation():
    """from_linear(linear, 5) keeps the 5 largest singular values: ||W - W_5|| = sqrt(sum of the rest squared)."""
    linear, u, s, v = _known_spectrum()
    r = 5
    low = call(student.LowRankLinear.from_linear, linear, r, what=f"LowRankLinear.from_linear(Linear(60, 40), rank={r})")
    w_r = call(low.full_weight, what="full_weight()").detach()
    best = torch.sqrt((s[r:] ** 2).sum()).item()
    err = torch.linalg.matrix_norm(linear.weight.detach() - w_r).item()
    worst = torch.sqrt((s[:-r] ** 2).sum()).item()
    hint = "keep the r LARGEST singular values: torch.linalg.svd returns them in decreasing order, so take U[:, :r], S[:r], Vh[:r]."
    if abs(err - worst) < 1e-3 * worst:
        fail(f"approximation error ||W - W_r||_F = {err:.4g}: expected {best:.4g}, the optimum; yours is what "
             f"keeping the {r} smallest singular values gives. Hint: {hint}")
    expect_near(err, best, 1e-3, f"approximation error ||W - W_{r}||_F (Eckart-Young)", hint)
    expect_tensor_close(w_r, u[:, :r] @ torch.diag(s[:r]) @ v[:, :r].T, f"full_weight() of the rank-{r} approximation",
                        hint, atol=1e-4)


def test_from_linear_keeps_the_bias_and_matches_at_full_rank():
    """With rank = min(in, out) the layer reproduces the original exactly, bias included."""
    linear, *_ = _known_spectrum(n_out=20, n_in=30, seed=3)
    low = call(student.LowRankLinear.from_linear, linear, 20, what="LowRankLinear.from_linear(Linear(30, 20), rank=20)")
    x = torch.randn(6, 30)
    expect_tensor_close(call(low, x, what="forward"), linear(x), "from_linear at full rank against the original layer",
                        "down.bias = 0 and up.bias = linear.bias, so the bias survives unchanged.", atol=1e-4)
    zero = torch.zeros(1, 30)
    expect_tensor_close(call(low, zero, what="forward(0)"), linear.bias.detach()[None], "output for x = 0 (the bias)",
                        "up.bias should be the original bias.", atol=1e-4)
