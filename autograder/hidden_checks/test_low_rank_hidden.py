"""Exercise 5, hidden checks (class grading only): low-rank edge on sizes drawn per run."""

import torch

from linear_checks.public.test_low_rank import expect_truncation, from_linear, known_spectrum
from linear_checks.student import backward, draw, make, spec
from linear_checks.verdicts import call, expect_finite, expect_shape, expect_tensor_close, fail, load_state

PRECISION_HINT = ("use torch.linalg.svd on the weight itself: an eigendecomposition of W.T @ W (or W @ W.T) squares "
                  "the condition number, so the small singular values come out wrong, or NaN where rounding makes "
                  "an eigenvalue negative.")


def test_from_linear_without_bias_and_original_untouched(student):
    """from_linear on Linear(bias=False) gives no bias; the original layer is not modified."""
    n_in, n_out, rank = draw(8, 16), draw(5, 8), draw(2, 4)
    weight = torch.randn(n_out, n_in)
    linear = make(student, spec("Linear", n_in, n_out, bias=False, state={"weight": weight}))
    low = from_linear(student, linear, rank, f"from_linear(Linear({n_in}, {n_out}, bias=False), {rank})")
    named = dict(call(low.named_parameters, what="named_parameters()"))
    if any(p.numel() for n, p in named.items() if n.endswith("bias")):
        fail("from_linear of a layer without bias produced a bias: expected none.")
    if call(low.full_bias, what="full_bias()") is not None:
        fail("full_bias() of a layer without bias: expected None.")
    expect_tensor_close(linear.weight, weight, "the original layer's weight after from_linear",
                        "work on a copy (e.g. linear.weight.detach()), never in place on the original.")


def test_random_rank_approximation(student):
    """from_linear on a layer of random size and rank keeps the largest singular values."""
    n_out, n_in = draw(10, 30), draw(31, 50)
    r = draw(1, n_out - 1)
    linear, weight, _, u, s, v = known_spectrum(student, n_out=n_out, n_in=n_in)
    low = from_linear(student, linear, r, f"from_linear(Linear({n_in}, {n_out}), {r})")
    expect_truncation(call(low.full_weight, what="full_weight()"), weight, u, s, v, r,
                      f"full_weight() of the rank-{r} approximation of a ({n_out}, {n_in}) weight")


def test_from_linear_on_an_ill_conditioned_weight(student):
    """from_linear on a weight with singular values 1e3 ... 1e-6 (condition 1e9) is as exact as float32 allows."""
    n_out = draw(20, 30)
    n_in, r = n_out + draw(5, 20), n_out - draw(1, 3)
    linear, weight, _, u, s, v = known_spectrum(student, n_out=n_out, n_in=n_in)  # first, singular values 10 ... 0.5
    what = f"full_weight() of the rank-{r} approximation of a ({n_out}, {n_in}) weight"
    low = from_linear(student, linear, r, f"from_linear(Linear({n_in}, {n_out}), {r})")
    expect_truncation(call(low.full_weight, what="full_weight()"), weight, u, s, v, r, what)
    g = torch.Generator().manual_seed(draw(0, 2**31 - 1))
    u, _ = torch.linalg.qr(torch.randn(n_out, n_out, generator=g, dtype=torch.float64))
    v, _ = torch.linalg.qr(torch.randn(n_in, n_out, generator=g, dtype=torch.float64))
    s = torch.logspace(3, -6, n_out, dtype=torch.float64)
    weight = u @ torch.diag(s) @ v.T
    linear = make(student, spec("Linear", n_in, n_out, state={"weight": weight.float(), "bias": torch.zeros(n_out)}))
    what = f"full_weight() of the rank-{r} approximation of a ({n_out}, {n_in}) weight with singular values 1e3 ... 1e-6"
    low = from_linear(student, linear, r, f"from_linear(Linear({n_in}, {n_out}) with singular values 1e3 ... 1e-6, {r})")
    w_r = call(low.full_weight, what="full_weight()")
    expect_shape(w_r, (n_out, n_in), f"shape of {what}")
    expect_finite(w_r, what, PRECISION_HINT)
    expected = u[:, :r] @ torch.diag(s[:r]) @ v[:, :r].T
    # float32's SVD is within about 1e-6 * ||W|| of it; working through W.T @ W, 1e-4 * ||W|| or worse
    tolerance = 1e-5 * torch.linalg.matrix_norm(weight).item()
    error = torch.linalg.matrix_norm(w_r.double() - expected).item()
    if error > tolerance:
        fail(f"{what}: expected U_r diag(S_r) V_r^T to within {tolerance:.3g} (||difference||_F), got {error:.3g} "
             f"away. Hint: {PRECISION_HINT}")


def test_rank_one_and_gradients(student):
    """rank=1 works, and gradients reach both maps."""
    n_in, n_out, batch = draw(2, 12), draw(2, 12), draw(1, 6)
    name = f"LowRankLinear({n_in}, {n_out}, 1)"
    layer, x = call(student.LowRankLinear, n_in, n_out, 1, what=name), torch.randn(batch, n_in)
    y = call(layer, x, what=f"{name}(x)")
    expect_shape(y, (batch, n_out), f"output shape of {name} on a ({batch}, {n_in}) input")
    dw, db, uw, ub = load_state(layer, {"down.weight": torch.randn(1, n_in), "down.bias": torch.randn(1),
                                        "up.weight": torch.randn(n_out, 1), "up.bias": torch.randn(n_out)}, name).values()
    upstream = torch.randn(batch, n_out)
    answer = call(backward, layer, x, upstream=upstream, what=f"{name}(x) and backward()")
    if not answer["connected"] or not answer["parameters"]:
        fail(f"{name}(x) is not connected to its parameters: both maps must take part in forward.")
    hidden, back = x @ dw.T + db, upstream @ uw  # for the maps the grader loaded
    expected = {"down.weight": back.T @ x, "down.bias": back.sum(0), "up.weight": upstream.T @ hidden,
                "up.bias": upstream.sum(0)}
    for param, want in expected.items():
        grad = answer["parameters"].get(param)
        if grad is None:
            fail(f"{param} got no gradient: both maps must take part in forward.")
        expect_tensor_close(grad, want, f"the gradient of {name}'s {param}")
