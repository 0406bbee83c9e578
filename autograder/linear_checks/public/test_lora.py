"""Exercise 7: LoRALinear (a frozen nn.Linear plus a trainable low-rank update) and lora_param_count.

The base layer is a genuine nn.Linear built in the sandbox (student.make) with a weight
and bias the grader drew; the student's LoRALinear wraps it there. The factors the checks
compare with are either read back from the layer (lora_A as it was drawn at construction)
or loaded into it by the grader (verdicts.load_state), and every reference is computed
here from those. Training is checked from the gradients that come back (student.backward):
an optimizer step moves exactly the parameters that got a gradient, so the grader takes the
SGD step itself, from those gradients, and loads the result back.

The scalings chosen (alpha / rank of 4, 2, ...) differ from 1 and from rank / alpha, so a
forgotten or inverted scaling is recognised from the outputs.
"""

import pytest
import torch

from linear_checks.student import Remote, backward, draw, make, spec
from linear_checks.verdicts import (Known, call, expect_equal, expect_finite, expect_raises, expect_shape,
                                     expect_tensor_close, fail, load_state, shape)

# Each hint is given only for the failure it explains.
ZERO_B_HINT = ("only lora_A starts random; lora_B starts at zero (torch.zeros), so that B A = 0 and the layer "
               "starts out computing exactly what its base layer computes.")
FREEZE_HINT = ("freeze the layer you were given, base.requires_grad_(False) (its weight and its bias), so that only "
               "lora_A and lora_B train.")
SCALING_HINT = "the update is scaled by self.scaling = alpha / rank: base(x) + (alpha / rank) * (x @ A.T) @ B.T."
FORWARD_HINT = "forward(x) = base(x) + scaling * (x @ lora_A.T) @ lora_B.T, with scaling = alpha / rank."
LEADING_HINT = ("base(x) and x @ lora_A.T act on the last dimension of any (*, in_features) input: keep the leading "
                "dimensions as they are (no flattening to 2-D rows), the output is (*, out_features).")
MERGE_HINT = ("lora_B @ lora_A is (out_features, in_features), the weight's own shape: the merged weight is "
              "base.weight + scaling * lora_B @ lora_A, as it is.")
NEW_LAYER_HINT = ("merge() builds a new nn.Linear(in_features, out_features, bias=...) and fills it under "
                  "torch.no_grad() with weight.copy_(...) and bias.copy_(base.bias): nothing of the LoRA layer is "
                  "changed or handed over.")
COUNT_HINT = "lora_A holds rank * in_features numbers and lora_B out_features * rank: rank * (in + out) in all."


def _name(n_in, n_out, rank, alpha, bias=True) -> str:
    return f"LoRALinear(Linear({n_in}, {n_out}{'' if bias else ', bias=False'}), rank={rank}, alpha={alpha:g})"


def build(student, n_in, n_out, rank, alpha, bias=True, dtype=torch.float32):
    """A Linear(n_in, n_out) with a weight and bias of the grader's, and the student's LoRALinear around it.

    Returns (layer, linear, W, b): the LoRA layer and the base layer (Remotes in the sandbox), and the base's
    weight and bias as the grader drew them (b is None without bias)."""
    weight = torch.randn(n_out, n_in, dtype=dtype) / n_in ** 0.5
    state = {"weight": weight}
    bias_value = torch.randn(n_out, dtype=dtype) if bias else None
    if bias:
        state["bias"] = bias_value
    linear = make(student, spec("Linear", n_in, n_out, bias=bias))
    if dtype == torch.float64:
        linear = call(linear.double, what=f"Linear({n_in}, {n_out}).double()")
    load_state(linear, state, f"Linear({n_in}, {n_out})")
    layer = call(student.LoRALinear, linear, rank, alpha=alpha, what=_name(n_in, n_out, rank, alpha, bias))
    return layer, linear, weight, bias_value


def parameters(layer) -> dict:
    """{name: tensor} of layer.named_parameters(), read back (each with its requires_grad)."""
    named = call(layer.named_parameters, what="named_parameters()")
    return dict(named) if isinstance(named, (Remote, list)) else {}


def expect_factors(layer, n_in, n_out, rank) -> tuple[torch.Tensor, torch.Tensor]:
    """The layer has parameters lora_A (rank, n_in) and lora_B (n_out, rank); their values as they are now."""
    named = parameters(layer)
    for name, want in (("lora_A", (rank, n_in)), ("lora_B", (n_out, rank))):
        if not isinstance(named.get(name), torch.Tensor):
            fail(f"LoRALinear has no parameter {name!r}: expected self.{name} = nn.Parameter(...) of shape {want}, "
                 f"found parameters {sorted(named)[:8]}.")
        expect_shape(named[name], want, f"shape of {name}",
                     "lora_A is (rank, in_features) and lora_B is (out_features, rank): B @ A is the weight's shape.")
        expect_finite(named[name], name)
    return named["lora_A"].detach(), named["lora_B"].detach()


def load_factors(layer, n_in, n_out, rank, dtype=torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    """Random factors of the grader's (B not zero) loaded into the layer: (A, B)."""
    expect_factors(layer, n_in, n_out, rank)
    a, b = torch.randn(rank, n_in, dtype=dtype) / n_in ** 0.5, torch.randn(n_out, rank, dtype=dtype)
    load_state(layer, {"lora_A": a, "lora_B": b}, "LoRALinear")
    return a, b


def affine(x, weight, bias):
    return x @ weight.T + (bias if bias is not None else 0)


def lora_output(x, weight, bias, a, b, scaling):
    return affine(x, weight, bias) + scaling * (x @ a.T) @ b.T


def forward_mistakes(x, weight, bias, a, b, rank, alpha) -> dict:
    """What the known mistakes give for the forward pass with factors a, b."""
    update = (x @ a.T) @ b.T
    return {"the update B A x without the scaling alpha / rank": Known(affine(x, weight, bias) + update,
                                                                      SCALING_HINT, "lora_scaling_forgotten"),
            "the update scaled by rank / alpha, the scaling upside down": Known(
                affine(x, weight, bias) + rank / alpha * update, SCALING_HINT, "lora_scaling_inverted")}


def expect_forward(layer, x, expected, what, mistakes=None, atol=1e-5):
    """layer(x) must equal expected; another shape is told about the leading dimensions, known mistakes are named."""
    y = call(layer, x, what=f"{what}(x)", hint=FORWARD_HINT)
    if isinstance(y, torch.Tensor) and tuple(y.shape) != tuple(expected.shape):
        fail(f"{what} on a {shape(x)} input: expected shape {shape(expected)}, got {shape(y)}. Hint: {LEADING_HINT}")
    expect_tensor_close(y, expected, f"{what} on a {shape(x)} input", FORWARD_HINT, atol=atol, diagnoses=mistakes)
    return y


def expect_merged_linear(merged, what) -> None:
    if not isinstance(merged, Remote) or merged._type_name != "Linear":
        got = merged._type_name if isinstance(merged, Remote) else type(merged).__name__
        fail(f"{what} returned a {got}: expected a new plain nn.Linear, which runs as fast as the original layer. "
             f"Hint: {NEW_LAYER_HINT}")


def merge_crash_hint(exc) -> str:
    text = exc.message.lower()
    return MERGE_HINT if "size" in text or "shape" in text else NEW_LAYER_HINT


def test_parameters_and_shapes(student):
    """lora_A (rank, in) random, lora_B (out, rank) zero, scaling = alpha / rank; only A and B train, base frozen."""
    n_in, n_out, rank, alpha = 12, 7, 3, 12.0
    layer, linear, _, _ = build(student, n_in, n_out, rank, alpha)
    a, b = expect_factors(layer, n_in, n_out, rank)
    named = parameters(layer)
    trainable = sorted(name for name, p in named.items() if p.requires_grad)
    if any(name.startswith("base.") for name in trainable):
        fail(f"trainable parameters of {_name(n_in, n_out, rank, alpha)}: expected exactly ['lora_A', 'lora_B'], "
             f"got {trainable}: the base layer's parameters left trainable. Hint: {FREEZE_HINT}", "lora_base_trainable")
    expect_equal(trainable, ["lora_A", "lora_B"], f"trainable parameters of {_name(n_in, n_out, rank, alpha)}",
                 "exactly two tensors train, lora_A and lora_B (nn.Parameter); the base layer is frozen.")
    expect_equal(sum(named[n].numel() for n in trainable), rank * (n_in + n_out), "trainable numbers", COUNT_HINT)
    if linear.weight.requires_grad:
        fail("the nn.Linear handed to LoRALinear still has requires_grad=True after the call: expected "
             "self.base to be that very layer (not a copy), frozen. Hint: self.base = base, then "
             "base.requires_grad_(False).")
    if torch.count_nonzero(b):
        fail(f"lora_B at construction: expected all zeros, got {b.flatten()[:4].tolist()}, ...: both factors "
             f"random. Hint: {ZERO_B_HINT}", "lora_both_random")
    if torch.linalg.matrix_rank(a.double()).item() < rank:
        fail(f"lora_A at construction: expected a random ({rank}, {n_in}) matrix (rank {rank}), got one of rank "
             f"{torch.linalg.matrix_rank(a.double()).item()}. Hint: draw it, e.g. nn.init.kaiming_uniform_(self.lora_A, "
             "a=math.sqrt(5)); if A and B both start at zero, neither ever gets a gradient.")
    scaling = getattr(layer, "scaling", None)
    if type(scaling) in (int, float) and abs(scaling - rank / alpha) < 1e-9 and scaling != alpha / rank:
        fail(f"scaling: expected alpha / rank = {alpha / rank:g}, got {scaling:g}, which is rank / alpha, the scaling "
             f"upside down. Hint: {SCALING_HINT}", "lora_scaling_inverted")
    expect_equal(scaling, alpha / rank, f"scaling of {_name(n_in, n_out, rank, alpha)}", SCALING_HINT)
    expect_equal([getattr(layer, "rank", None), getattr(layer, "alpha", None)], [rank, alpha], "[rank, alpha]")


def test_starts_equal_to_the_base_layer(student):
    """At construction (B = 0) the LoRA layer computes exactly what its base layer computes."""
    n_in, n_out, rank, alpha = 10, 6, 2, 8.0
    layer, _, weight, bias = build(student, n_in, n_out, rank, alpha)
    expect_starts_as_base(layer, torch.randn(2, 3, n_in), weight, bias, rank, alpha,
                          f"{_name(n_in, n_out, rank, alpha)} as constructed")


def expect_starts_as_base(layer, x, weight, bias, rank, alpha, what) -> None:
    """The freshly built layer computes base(x); a random B (read back) is named."""
    a, b = expect_factors(layer, x.shape[-1], weight.shape[0], rank)
    mistakes = {}
    if torch.count_nonzero(b):
        mistakes["a random lora_B (both factors random, so B A is not zero)"] = Known(
            lora_output(x, weight, bias, a, b, alpha / rank), ZERO_B_HINT, "lora_both_random")
    expect_forward(layer, x, affine(x, weight, bias), what, mistakes)


@pytest.mark.parametrize("leading", [(), (5,), (2, 3)], ids=["1-D", "2-D", "3-D"])
def test_forward_with_factors_set(student, leading):
    """With factors A and B set by the grader: forward(x) = W x + b + (alpha / rank) B A x, for (*, in) input."""
    n_in, n_out, rank, alpha = 9, 5, 2, 8.0
    layer, _, weight, bias = build(student, n_in, n_out, rank, alpha)
    a, b = load_factors(layer, n_in, n_out, rank)
    x = torch.randn(*leading, n_in)
    expect_forward(layer, x, lora_output(x, weight, bias, a, b, alpha / rank),
                   f"{_name(n_in, n_out, rank, alpha)} with A and B set", forward_mistakes(x, weight, bias, a, b, rank, alpha))


def first_step(layer, n_in, n_out, rank, alpha, x, upstream, what) -> dict:
    """Backward through the freshly built layer: checks the gradients of the base (none), A (zero) and B; the grads."""
    a, b = expect_factors(layer, n_in, n_out, rank)
    answer = call(backward, layer, x, upstream=upstream, what=f"{what}(x) followed by backward()", hint=FORWARD_HINT)
    grads = answer["parameters"]
    if not answer["connected"] or not isinstance(grads, dict):
        fail(f"{what}(x) is not connected to its parameters: expected an output that requires grad, through "
             "lora_A and lora_B.")
    trained = sorted(name for name, g in grads.items() if name.startswith("base.") and g is not None)
    if trained:
        fail(f"{what}: after backward(), {trained} got a gradient: expected none, an optimizer step would change the "
             f"base layer: its parameters were left trainable. Hint: {FREEZE_HINT}", "lora_base_trainable")
    grad_a, grad_b = grads.get("lora_A"), grads.get("lora_B")
    if grad_a is None or grad_b is None:
        fail(f"{what}: after backward(), lora_A's gradient is {shape(grad_a)} and lora_B's {shape(grad_b)}: expected "
             "a gradient for both (A's all zeros at the first step). Hint: " + FORWARD_HINT)
    expect_shape(grad_a, (rank, n_in), "shape of lora_A's gradient")
    expect_shape(grad_b, (n_out, rank), "shape of lora_B's gradient")
    if torch.count_nonzero(grad_a):
        random_b = bool(torch.count_nonzero(b))
        fail(f"lora_A's gradient at the first step: expected exactly zero (it is multiplied by B, which starts at "
             f"zero), got values up to {grad_a.abs().max().item():.3g}"
             + (": both factors random. Hint: " + ZERO_B_HINT if random_b else ". Hint: " + FORWARD_HINT),
             "lora_both_random" if random_b else "")
    rows, grad_rows = x.reshape(-1, n_in), upstream.reshape(-1, n_out)
    product = grad_rows.T @ (rows @ a.T)  # dL/dB without the scaling
    expect_tensor_close(grad_b, alpha / rank * product, "lora_B's gradient at the first step", FORWARD_HINT, atol=1e-4,
                        diagnoses={"the update B A x without the scaling alpha / rank": Known(
                                       product, SCALING_HINT, "lora_scaling_forgotten"),
                                   "the update scaled by rank / alpha, the scaling upside down": Known(
                                       rank / alpha * product, SCALING_HINT, "lora_scaling_inverted")})
    return {"lora_A": grad_a, "lora_B": grad_b, "A": a, "B": b}


@pytest.mark.weight(2)
def test_first_step_trains_only_the_adapter(student):
    """First step: the base gets no gradient, A's is exactly 0, only B's is not; after an SGD step the base is unchanged."""
    n_in, n_out, rank, alpha, lr = 8, 6, 2, 4.0, 0.5
    what = _name(n_in, n_out, rank, alpha)
    layer, linear, weight, bias = build(student, n_in, n_out, rank, alpha)
    x, upstream = torch.randn(4, 3, n_in), torch.randn(4, 3, n_out)
    got = first_step(layer, n_in, n_out, rank, alpha, x, upstream, what)
    if not torch.count_nonzero(got["lora_B"]):
        fail(f"lora_B's gradient at the first step: expected it not zero. Hint: {FORWARD_HINT}")
    # The SGD step (every parameter with a gradient moves by -lr * gradient), loaded back into the layer.
    a, b = got["A"] - lr * got["lora_A"], got["B"] - lr * got["lora_B"]
    load_state(layer, {"lora_A": a, "lora_B": b}, what)
    expect_base_unchanged(layer, linear, weight, bias, "after one SGD step")
    x2 = torch.randn(5, n_in)
    expect_forward(layer, x2, lora_output(x2, weight, bias, a, b, alpha / rank), f"{what} after one SGD step")


def expect_base_unchanged(layer, linear, weight, bias, when: str) -> None:
    """self.base and the nn.Linear handed to LoRALinear still hold the grader's weight and bias."""
    for where, remote in (("self.base", layer.base), ("the nn.Linear handed to LoRALinear", linear)):
        for name, value in (("weight", weight), ("bias", bias)):
            if value is not None:
                expect_tensor_close(getattr(remote, name), value, f"{where}.{name} {when}", FREEZE_HINT, atol=0)


def expect_merge(layer, n_in, n_out, rank, alpha, weight, bias, a, b, what, atol=1e-5):
    """The student's merge(): a plain nn.Linear whose weight (known mistakes named) and bias are checked; returns it."""
    merged = call(layer.merge, what=f"{what}.merge()", hint=merge_crash_hint)
    expect_merged_linear(merged, f"{what}.merge()")
    merged_weight = merged.weight
    expect_shape(merged_weight, (n_out, n_in), f"shape of {what}.merge().weight", MERGE_HINT)
    update = b @ a
    mistakes = {"base.weight + B @ A, without the scaling alpha / rank": Known(
                    weight + update, SCALING_HINT, "lora_scaling_forgotten"),
                "base.weight + (rank / alpha) * B @ A, the scaling upside down": Known(
                    weight + rank / alpha * update, SCALING_HINT, "lora_scaling_inverted")}
    if n_in == n_out:
        mistakes["base.weight + scaling * (B @ A).T, the update transposed"] = Known(
            weight + alpha / rank * update.T, MERGE_HINT, "lora_merge_transposed")
    expect_tensor_close(merged_weight, weight + alpha / rank * update, f"{what}.merge().weight", MERGE_HINT,
                        atol=atol, diagnoses=mistakes)
    if bias is None:
        if merged.bias is not None:
            fail(f"{what}.merge(): the base layer has no bias, expected a merged layer without one (bias=False), got a "
                 "bias.")
    else:
        expect_tensor_close(merged.bias, bias, f"{what}.merge().bias", "the merged layer keeps the base layer's bias.",
                            atol=atol)
    return merged



@pytest.mark.parametrize("sizes", [(8, 8), (12, 5)], ids=["square 8 -> 8", "12 -> 5"])
def test_merge_gives_an_equal_nn_linear(student, sizes):
    """merge() returns a plain nn.Linear with weight W + (alpha / rank) B A and the base's bias: the same outputs."""
    n_in, n_out = sizes
    rank, alpha = 3, 6.0
    what = _name(n_in, n_out, rank, alpha)
    layer, _, weight, bias = build(student, n_in, n_out, rank, alpha)
    a, b = load_factors(layer, n_in, n_out, rank)
    merged = expect_merge(layer, n_in, n_out, rank, alpha, weight, bias, a, b, what)
    scaling = alpha / rank
    x = torch.randn(4, n_in)
    expected = lora_output(x, weight, bias, a, b, scaling)
    expect_tensor_close(call(merged, x, what="merged(x)"), expected, "the merged layer's output",
                        "the merged layer computes x @ (W + scaling * B A).T + b.", atol=1e-4)
    expect_forward(layer, x, expected, f"{what} (after merge)", atol=1e-4)


def test_merge_leaves_the_lora_layer_as_it_was(student):
    """merge() returns a new layer: the LoRA layer and its base are unchanged, and share no tensor with it."""
    n_in, n_out, rank, alpha = 6, 4, 2, 4.0
    what = _name(n_in, n_out, rank, alpha)
    layer, linear, weight, bias = build(student, n_in, n_out, rank, alpha)
    a, b = load_factors(layer, n_in, n_out, rank)
    x = torch.randn(5, n_in)
    before = call(layer, x, what=f"{what}(x)", hint=FORWARD_HINT)
    merged = call(layer.merge, what=f"{what}.merge()", hint=merge_crash_hint)
    expect_merged_linear(merged, f"{what}.merge()")
    expect_tensor_close(call(layer, x, what=f"{what}(x)"), before,
                        f"{what}(x) after merge(), against its output before", NEW_LAYER_HINT, atol=1e-6)
    for name, value in (("weight", weight), ("bias", bias)):
        expect_tensor_close(getattr(linear, name), value, f"the base layer's {name} after merge()", NEW_LAYER_HINT,
                            atol=0)
    load_state(merged, {"weight": torch.zeros(n_out, n_in), "bias": torch.zeros(n_out)}, "the merged layer")
    for name, value in (("weight", weight), ("bias", bias)):
        if not torch.equal(getattr(linear, name), value):
            fail(f"changing the merged layer's {name} changed the base layer's {name}: merge() returned a layer that "
                 f"shares its {name} with the base layer, expected a copy. Hint: {NEW_LAYER_HINT}")
    now_a, now_b = expect_factors(layer, n_in, n_out, rank)
    if not (torch.equal(now_a, a) and torch.equal(now_b, b)):
        fail("changing the merged layer changed lora_A or lora_B: expected merge() to share no tensor with the "
             f"LoRA layer. Hint: {NEW_LAYER_HINT}")


def expect_count(student, n_in, n_out, rank) -> int:
    expected = rank * (n_in + n_out)
    what = f"lora_param_count({n_in}, {n_out}, {rank})"
    got = call(student.lora_param_count, n_in, n_out, rank, what=what)
    hint = COUNT_HINT
    if got == n_in * n_out:
        hint = ("that is the full weight's count; LoRA trains only the two factors: " + COUNT_HINT)
    elif got in (rank * n_in, rank * n_out):
        hint = "count both factors: " + COUNT_HINT
    elif got == rank * n_in * n_out:
        hint = "the factors are added, not multiplied: " + COUNT_HINT
    expect_equal(got, expected, what, hint)
    return got


def test_lora_param_count(student):
    """lora_param_count(in, out, r) = r (in + out): GPT-3 with r = 4 on Wq and Wv of 96 layers trains 18,874,368."""
    per_matrix = expect_count(student, 12288, 12288, 4)
    expect_equal(96 * 2 * per_matrix, 18_874_368, "96 * 2 * lora_param_count(12288, 12288, 4) (GPT-3 175B, Wq and Wv)",
                 COUNT_HINT)
    expect_count(student, 1000, 10, 8)
    expect_count(student, draw(20, 4000), draw(20, 4000), draw(1, 64))


def test_invalid_arguments_raise_value_error(student):
    """A rank of 0, below 0 or not whole raises ValueError; so does a size or rank below 1 in lora_param_count."""
    n_in, n_out, rank = draw(2, 500), draw(2, 500), draw(1, 16)  # drawn: a table of answers from home answers none
    build(student, 5, 4, 2, 1.0)  # calls that fit work first: raising always must not pass
    expect_count(student, n_in, n_out, rank)
    linear = make(student, spec("Linear", 5, 4))
    for bad in (0, -2, 2.5):
        expect_raises(student.LoRALinear, linear, bad, error="ValueError", what=f"LoRALinear(Linear(5, 4), rank={bad})",
                      hint="rank must be a whole number of at least 1.")
    for args in ((0, n_out, rank), (n_in, 0, rank), (n_in, n_out, 0), (n_in, n_out, -rank)):
        expect_raises(student.lora_param_count, *args, error="ValueError", what=f"lora_param_count{args}",
                      hint="check each argument: in_features, out_features and rank must all be at least 1.")
