"""Exercise 5: LowRankLinear and its truncated-SVD constructor."""

import torch

from linear_checks.student import draw, make, spec
from linear_checks.verdicts import (call, expect_equal, expect_finite, expect_near, expect_shape,
                                     expect_tensor_close, fail, load_state)

# Each hint is given only for the failure it explains.
SVD_HINT = ("the truncated SVD: U, S, Vh = torch.linalg.svd(W, full_matrices=False), then down.weight = "
            "sqrt(S[:r])[:, None] * Vh[:r] and up.weight = U[:, :r] * sqrt(S[:r]).")
LARGEST_HINT = ("keep the r LARGEST singular values: torch.linalg.svd returns them in decreasing order, so take "
                "U[:, :r], S[:r], Vh[:r].")
SQRT_HINT = ("each factor takes the square root of S: down.weight = sqrt(S[:r])[:, None] * Vh[:r] and up.weight = "
             "U[:, :r] * sqrt(S[:r]), so that up.weight @ down.weight holds S once.")
SQUARE_HINT = ("a weight is (out_features, in_features), rarely square: an eigendecomposition (torch.linalg.eig, "
               "eigh) needs a square matrix, while torch.linalg.svd works for any shape.")
FULL_WEIGHT_HINT = ("apply the two maps in turn, up(down(x)): about rank * (in + out) multiply-adds per row. A forward "
                    "that builds the full (out_features, in_features) weight first (up.weight @ down.weight, "
                    "full_weight()) costs in * out per row, and more to build it: the saving the layer is for is lost.")


def from_linear(student, linear, rank: int, what: str):
    """The student's LowRankLinear.from_linear(linear, rank); a crash on a weight that is not square is told why."""
    return call(student.LowRankLinear.from_linear, linear, rank, what=what,
                hint=lambda exc: SQUARE_HINT if "square" in exc.message.lower() else "")


def expect_truncation(w_r, weight, u, s, v, r: int, what: str, atol: float = 1e-4) -> None:
    """full_weight() w_r must be U_r diag(S_r) V_r^T for weight = U diag(s) V^T; known mistakes are named."""
    if not isinstance(w_r, torch.Tensor) or w_r.shape != weight.shape:
        fail(f"{what}: expected a {tuple(weight.shape)} tensor, got "
             f"{tuple(w_r.shape) if isinstance(w_r, torch.Tensor) else type(w_r).__name__}.")
    expect_finite(w_r, what, SVD_HINT)
    w_r = w_r.double()
    weight, u, s, v = weight.double(), u.double(), s.double(), v.double()
    best = torch.sqrt((s[r:] ** 2).sum()).item()
    err = torch.linalg.matrix_norm(weight - w_r).item()
    worst = torch.sqrt((s[:-r] ** 2).sum()).item()
    if abs(err - worst) < 1e-3 * worst:
        fail(f"{what}: expected the error ||W - W_r||_F = {best:.4g}, the optimum; got {err:.4g}, which is what "
             f"keeping the {r} smallest singular values gives. Hint: {LARGEST_HINT}", "svd_keeps_smallest")
    known = {"S in both factors, not its square root (S² in their product)":
             u[:, :r] @ torch.diag(s[:r] ** 2) @ v[:, :r].T,
             "factors without S (U_r V_r^T)": u[:, :r] @ v[:, :r].T}
    for mistake, value in known.items():
        if torch.linalg.matrix_norm(w_r - value).item() <= 1e-3 * torch.linalg.matrix_norm(value).item():
            fail(f"{what}: expected U_r diag(S_r) V_r^T (error ||W - W_r||_F = {best:.4g}), got the error {err:.4g}, "
                 f"which is what {mistake} gives. Hint: {SQRT_HINT}")
    expect_tensor_close(w_r, u[:, :r] @ torch.diag(s[:r]) @ v[:, :r].T, what, SVD_HINT, atol=atol)


def _count(module) -> int:
    return sum(p.numel() for p in call(module.parameters, what="parameters()"))


def _expect_maps(layer, n_in, n_out, rank) -> None:
    """The layer has maps down (rank, n_in) and up (n_out, rank), each with a bias of its rows' number or none."""
    for name, want in (("down", (rank, n_in)), ("up", (n_out, rank))):
        part = getattr(layer, name, None)
        weight = getattr(part, "weight", None) if part is not None and not isinstance(part, torch.Tensor) else None
        if not isinstance(weight, torch.Tensor):
            fail(f"LowRankLinear has no linear map {name!r}: expected self.{name} with weight of shape {want}.")
        expect_shape(weight, want, f"shape of {name}.weight")
        bias = getattr(part, "bias", None)
        if bias is not None:
            expect_shape(bias, want[:1], f"shape of {name}.bias")


def _load(layer, n_in, n_out, rank) -> tuple:
    """Random maps of the grader's, loaded into the layer's down and up: (dw, db, uw, ub)."""
    state = load_state(layer, {"down.weight": torch.randn(rank, n_in), "down.bias": torch.randn(rank),
                               "up.weight": torch.randn(n_out, rank), "up.bias": torch.randn(n_out)},
                       f"LowRankLinear({n_in}, {n_out}, {rank})")
    return tuple(state.values())


def _affine(x, weight, bias):
    return x @ weight.T + (bias if isinstance(bias, torch.Tensor) else 0)


def test_parameter_count_1000_64_1000(student):
    """LowRankLinear(1000, 1000, 64) has (1000*64 + 64) + (64*1000 + 1000) = 129,064 parameters."""
    layer = call(student.LowRankLinear, 1000, 1000, 64, what="LowRankLinear(1000, 1000, 64)")
    got = _count(layer)
    hint, mistake = "two linear maps, 1000 -> 64 and 64 -> 1000, each with its own bias.", ""
    if got == 128_064:
        hint = "the second map (64 -> 1000) needs its bias too: 1,000 more parameters."
        mistake = "low_rank_second_bias_missing"
    elif got == 129_000:
        hint = "the first map (1000 -> 64) needs its bias too: 64 more parameters."
    expect_equal(got, 129_064, "parameters of LowRankLinear(1000, 1000, 64)", hint, mistake)
    expect_equal(_count(call(student.LowRankLinear, 1000, 1000, 64, bias=False, what="LowRankLinear(..., bias=False)")),
                 128_000, "parameters of LowRankLinear(1000, 1000, 64, bias=False)")


def test_structure_and_forward(student):
    """down: Linear(in, rank), up: Linear(rank, out); forward(x) = up(down(x)) for (*, in) input."""
    layer = call(student.LowRankLinear, 12, 9, 3, what="LowRankLinear(12, 9, 3)")
    _expect_maps(layer, 12, 9, 3)
    dw, db, uw, ub = _load(layer, 12, 9, 3)
    x = torch.randn(2, 5, 12)
    y = call(layer, x, what="LowRankLinear(12, 9, 3)(x)")
    expect_tensor_close(y, _affine(_affine(x, dw, db), uw, ub), "LowRankLinear forward on a (2, 5, 12) input")


def test_full_weight_and_bias_give_the_same_map(student):
    """forward(x) == x @ full_weight().T + full_bias(), with full_weight() of shape (out, in)."""
    layer = call(student.LowRankLinear, 10, 7, 2, what="LowRankLinear(10, 7, 2)")
    _expect_maps(layer, 10, 7, 2)
    dw, db, uw, ub = _load(layer, 10, 7, 2)
    w = call(layer.full_weight, what="full_weight()")
    b = call(layer.full_bias, what="full_bias()")
    expect_shape(w, (7, 10), "shape of full_weight()", "up.weight @ down.weight is (out_features, in_features).")
    if torch.linalg.matrix_rank(w.float()).item() > 2:
        fail("full_weight() of a rank-2 layer has rank above 2: expected up.weight @ down.weight.")
    expect_shape(b, (7,), "shape of full_bias()")
    expect_tensor_close(w, uw @ dw, "full_weight() with maps loaded by the grader", "full_weight = up.weight @ down.weight.")
    expect_tensor_close(b, uw @ db + ub, "full_bias() with maps loaded by the grader",
                        "the first bias passes through the second map: full_bias = up.weight @ down.bias + up.bias.")
    x = torch.randn(4, 10)
    expect_tensor_close(x @ w.T + b, call(layer, x, what="forward"), "x @ full_weight().T + full_bias() against forward(x)",
                        "the first bias passes through the second map: full_bias = up.weight @ down.bias + up.bias.")


def known_spectrum(student, n_out=40, n_in=60):
    """An nn.Linear built in the sandbox whose weight has singular values 10 ... 0.5; (remote layer, W, bias, u, s, v).

    Its singular vectors and bias are drawn from the check's generator (per student at class grading)."""
    g = torch.Generator().manual_seed(draw(0, 2**31 - 1))
    u, _ = torch.linalg.qr(torch.randn(n_out, n_out, generator=g))
    v, _ = torch.linalg.qr(torch.randn(n_in, n_out, generator=g))
    s = torch.linspace(10, 0.5, n_out)
    weight, bias = u @ torch.diag(s) @ v.T, torch.randn(n_out, generator=g) / 10
    linear = make(student, spec("Linear", n_in, n_out, state={"weight": weight, "bias": bias}))
    return linear, weight, bias, u, s, v


def test_from_linear_is_the_best_rank_r_approximation(student):
    """from_linear(linear, 5) keeps the 5 largest singular values: ||W - W_5|| = sqrt(sum of the rest squared)."""
    linear, weight, _, u, s, v = known_spectrum(student)
    r = 5
    low = from_linear(student, linear, r, f"LowRankLinear.from_linear(Linear(60, 40), rank={r})")
    w_r = call(low.full_weight, what="full_weight()")
    expect_truncation(w_r, weight, u, s, v, r, f"full_weight() of the rank-{r} approximation of a (40, 60) weight")
    best, err = torch.sqrt((s[r:] ** 2).sum()).item(), torch.linalg.matrix_norm(weight - w_r).item()
    expect_near(err, best, 1e-3, f"approximation error ||W - W_{r}||_F (Eckart-Young)", SVD_HINT)


def test_from_linear_keeps_the_bias_and_matches_at_full_rank(student):
    """With rank = min(in, out) the layer reproduces the original exactly, bias included."""
    linear, weight, bias, *_ = known_spectrum(student, n_out=20, n_in=30)
    low = from_linear(student, linear, 20, "LowRankLinear.from_linear(Linear(30, 20), rank=20)")
    x = torch.randn(6, 30)
    expect_tensor_close(call(low, x, what="forward"), x @ weight.T + bias, "from_linear at full rank against the original layer",
                        "down.bias = 0 and up.bias = linear.bias, so the bias survives unchanged.", atol=1e-4)
    expect_tensor_close(call(low, torch.zeros(1, 30), what="forward(0)"), bias[None], "output for x = 0 (the bias)",
                        "up.bias should be the original bias.", atol=1e-4)


# The grader's own low-rank layer, which the speed check times in a clean run beside the student's (speed.py).
REFERENCE = {"low_rank.py": b"""from torch import nn


class LowRankLinear(nn.Module):
    def __init__(self, in_features, out_features, rank):
        super().__init__()
        self.down, self.up = nn.Linear(in_features, rank), nn.Linear(rank, out_features)

    def forward(self, x):
        return self.up(self.down(x))
"""}


def test_forward_costs_what_its_factors_cost(student, speed):
    """LowRankLinear(4096, 4096, 8)'s forward costs about what its two maps cost, not a 4096 x 4096 product."""
    n, r = 4096, 8  # one input row: little to send, and 16.8 million multiply-adds for a full weight, 65,536 for the maps
    name = f"LowRankLinear({n}, {n}, {r})"
    layer = call(student.LowRankLinear, n, n, r, what=name)
    _expect_maps(layer, n, n, r)
    state = {"down.weight": torch.randn(r, n) / n ** 0.5, "down.bias": torch.randn(r),
             "up.weight": torch.randn(n, r) / r ** 0.5, "up.bias": torch.randn(n)}
    load_state(layer, state, name)
    dw, db, uw, ub = state.values()
    cases = [(torch.randn(1, n),) for _ in range(5)]
    what = f"{name} forward on a (1, {n}) input"

    def verify(y, i):
        expect_tensor_close(y, _affine(_affine(cases[i][0], dw, db), uw, ub), what, atol=1e-4)

    verify(call(layer, *cases[0], what=what), 0)

    def prepare(module):
        built = call(module.LowRankLinear, n, n, r, what=name)
        load_state(built, state, name)
        return built

    speed.compare(prepare, cases, verify, REFERENCE, what=what, than="the grader's own, up(down(x))", limit=4,
                  hint=FULL_WEIGHT_HINT)
