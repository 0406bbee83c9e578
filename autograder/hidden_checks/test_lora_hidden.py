"""Exercise 7, hidden checks (class grading only): LoRA on sizes, ranks and scalings drawn per run.

Inputs come from the grader's random generator, seeded per run from a secret; the references
are computed here, from the base layer and the factors the grader chose or read back.
"""

import torch
import torch.nn.functional as F

from linear_checks.public.test_lora import (FORWARD_HINT, FREEZE_HINT, MERGE_HINT, SCALING_HINT, ZERO_B_HINT, _name,
                                            build, expect_base_unchanged, expect_factors, expect_forward,
                                            expect_merge, expect_starts_as_base, first_step, forward_mistakes,
                                            load_factors, lora_output, parameters)
from linear_checks.student import backward, draw, make, spec
from linear_checks.verdicts import (Known, call, expect_equal, expect_raises, expect_tensor_close, fail,
                                     load_state)


def _alpha(rank: int) -> float:
    """A drawn alpha whose scaling alpha / rank is neither 1 nor its own inverse (so no mistake hides)."""
    alpha = float(draw(1, 32))
    return alpha + 1.0 if alpha == rank else alpha


def test_random_sizes_rank_and_alpha(student):
    """A layer of drawn size, rank and alpha: the shapes, the forward pass on a 3-D input and merge()."""
    n_in, n_out = draw(3, 40), draw(3, 40)
    rank = draw(1, min(n_in, n_out))
    alpha = _alpha(rank)
    what = _name(n_in, n_out, rank, alpha)
    layer, _, weight, bias = build(student, n_in, n_out, rank, alpha)
    a0, b0 = expect_factors(layer, n_in, n_out, rank)
    if torch.count_nonzero(b0):
        fail(f"{what}: lora_B at construction: expected all zeros: both factors random. Hint: {ZERO_B_HINT}",
             "lora_both_random")
    a, b = load_factors(layer, n_in, n_out, rank)
    x = torch.randn(draw(1, 3), draw(1, 4), n_in)
    expect_forward(layer, x, lora_output(x, weight, bias, a, b, alpha / rank), f"{what} with A and B set",
                   forward_mistakes(x, weight, bias, a, b, rank, alpha), atol=1e-4)
    merged = expect_merge(layer, n_in, n_out, rank, alpha, weight, bias, a, b, what, atol=1e-4)
    expect_tensor_close(call(merged, x, what="merged(x)"), lora_output(x, weight, bias, a, b, alpha / rank),
                        f"the output of {what}.merge() on a 3-D input", MERGE_HINT, atol=1e-4)


def test_base_without_bias(student):
    """A base Linear(bias=False): no bias anywhere, only A and B train, and merge() gives a layer without bias."""
    n_in, n_out, rank = draw(4, 16), draw(4, 16), draw(1, 3)
    alpha = _alpha(rank)
    what = _name(n_in, n_out, rank, alpha, bias=False)
    layer, _, weight, _ = build(student, n_in, n_out, rank, alpha, bias=False)
    x = torch.randn(3, n_in)
    expect_starts_as_base(layer, x, weight, None, rank, alpha, f"{what} as constructed")
    named = parameters(layer)
    trainable = sorted(name for name, p in named.items() if p.requires_grad)
    if any(name.startswith("base.") for name in trainable):
        fail(f"trainable parameters of {what}: expected exactly ['lora_A', 'lora_B'], got {trainable}: the base "
             f"layer's parameters left trainable. Hint: {FREEZE_HINT}", "lora_base_trainable")
    expect_equal(sorted(named), ["base.weight", "lora_A", "lora_B"], f"parameters of {what}")
    a, b = load_factors(layer, n_in, n_out, rank)
    expect_forward(layer, x, lora_output(x, weight, None, a, b, alpha / rank), f"{what} with A and B set",
                   forward_mistakes(x, weight, None, a, b, rank, alpha))
    merged = expect_merge(layer, n_in, n_out, rank, alpha, weight, None, a, b, what)
    expect_tensor_close(call(merged, x, what="merged(x)"), lora_output(x, weight, None, a, b, alpha / rank),
                        f"the output of {what}.merge()", MERGE_HINT)


def test_rank_one(student):
    """rank = 1 (the smallest update, an outer product): shapes, forward, first-step gradients and merge()."""
    n_in, n_out = draw(2, 12), draw(2, 12)
    alpha = _alpha(1)
    what = _name(n_in, n_out, 1, alpha)
    layer, linear, weight, bias = build(student, n_in, n_out, 1, alpha)
    batch = draw(1, 6)
    x, upstream = torch.randn(batch, n_in), torch.randn(batch, n_out)
    first_step(layer, n_in, n_out, 1, alpha, x, upstream, what)
    expect_base_unchanged(layer, linear, weight, bias, "after backward()")
    a, b = load_factors(layer, n_in, n_out, 1)
    expect_forward(layer, x, lora_output(x, weight, bias, a, b, alpha), f"{what} with A and B set",
                   forward_mistakes(x, weight, bias, a, b, 1, alpha))
    expect_merge(layer, n_in, n_out, 1, alpha, weight, bias, a, b, what)


def test_float64(student):
    """On a float64 base layer the factors, the output and the merged layer are float64, exact to 1e-10."""
    n_in, n_out, rank = draw(4, 20), draw(4, 20), draw(1, 4)
    alpha = _alpha(rank)
    what = _name(n_in, n_out, rank, alpha) + " in float64"
    layer, _, weight, bias = build(student, n_in, n_out, rank, alpha, dtype=torch.float64)
    named = parameters(layer)
    dtypes = {name: str(named[name].dtype).removeprefix("torch.") for name in ("lora_A", "lora_B") if name in named}
    expect_equal(dtypes, {"lora_A": "float64", "lora_B": "float64"}, f"dtypes of the factors of {what}",
                 "make the factors with the base weight's dtype and device: torch.zeros(..., dtype=base.weight.dtype, "
                 "device=base.weight.device).")
    a, b = load_factors(layer, n_in, n_out, rank, dtype=torch.float64)
    x = torch.randn(2, 3, n_in, dtype=torch.float64)
    y = expect_forward(layer, x, lora_output(x, weight, bias, a, b, alpha / rank), what,
                       forward_mistakes(x, weight, bias, a, b, rank, alpha), atol=1e-10)
    expect_equal(str(y.dtype), "torch.float64", f"dtype of the output of {what}")
    merged = expect_merge(layer, n_in, n_out, rank, alpha, weight, bias, a, b, what, atol=1e-10)
    expect_equal(str(merged.weight.dtype), "torch.float64", f"dtype of {what}.merge().weight",
                 "build the merged nn.Linear with the base weight's dtype and device (dtype=..., device=...).")


def test_training_follows_the_reference(student):
    """Four SGD steps: A's and B's gradients are the reference's at every step, the base never changes, merge() agrees.

    At the first step A's gradient is zero (B is); from the second on both factors train."""
    n_in, n_out, rank = draw(6, 14), draw(3, 8), draw(2, 3)
    alpha = _alpha(rank)
    # The update's effect on the output grows like scaling**2 per step: a step size of 0.1 / scaling**2 keeps
    # four steps stable for every drawn alpha (0.1 with alpha = 31, rank 3 ran the outputs up to 1e5, where
    # float32's rounding alone exceeds the comparison's 1e-5).
    lr = 0.1 / (alpha / rank) ** 2
    what = _name(n_in, n_out, rank, alpha)
    layer, linear, weight, bias = build(student, n_in, n_out, rank, alpha)
    x, target = torch.randn(16, n_in), torch.randn(16, n_out)
    a, b = expect_factors(layer, n_in, n_out, rank)
    if torch.count_nonzero(b):
        fail(f"{what}: lora_B at construction: expected all zeros: both factors random. Hint: {ZERO_B_HINT}",
             "lora_both_random")
    for step in range(1, 5):
        ref_a, ref_b = a.clone().requires_grad_(), b.clone().requires_grad_()
        y = lora_output(x, weight, bias, ref_a, ref_b, alpha / rank)
        F.mse_loss(y, target).backward()
        upstream = 2 * (y.detach() - target) / target.numel()  # d mean((y - target)^2) / dy
        # The gradients the known scaling mistakes give for the same upstream gradient
        mistaken = {}
        for mistake, (scaling, key) in {"the update B A x without the scaling alpha / rank": (1.0, "lora_scaling_forgotten"),
                                        "the update scaled by rank / alpha, the scaling upside down": (
                                            rank / alpha, "lora_scaling_inverted")}.items():
            wrong_a, wrong_b = a.clone().requires_grad_(), b.clone().requires_grad_()
            (lora_output(x, weight, bias, wrong_a, wrong_b, scaling) * upstream).sum().backward()
            mistaken[mistake] = {"lora_A": Known(wrong_a.grad, SCALING_HINT, key),
                                 "lora_B": Known(wrong_b.grad, SCALING_HINT, key)}
        call(layer.zero_grad, what="zero_grad()")
        answer = call(backward, layer, x, upstream=upstream, what=f"step {step}: {what}(x) and backward()",
                      hint=FORWARD_HINT)
        grads = answer["parameters"] if answer["connected"] and isinstance(answer["parameters"], dict) else {}
        if any(g is not None for name, g in grads.items() if name.startswith("base.")):
            fail(f"step {step}: the base layer got a gradient: expected none, its parameters were left trainable. "
                 f"Hint: {FREEZE_HINT}", "lora_base_trainable")
        for name, want in (("lora_A", ref_a.grad), ("lora_B", ref_b.grad)):
            got = grads.get(name)
            if got is None:
                fail(f"step {step}: {name} got no gradient: expected one of shape {tuple(want.shape)}. "
                     f"Hint: {FORWARD_HINT}")
            expect_tensor_close(got, want, f"step {step}: the gradient of {name}", FORWARD_HINT, atol=1e-5,
                                diagnoses={m: known[name] for m, known in mistaken.items()})
        a, b = a - lr * ref_a.grad, b - lr * ref_b.grad
        load_state(layer, {"lora_A": a, "lora_B": b}, what)
    expect_base_unchanged(layer, linear, weight, bias, "after four SGD steps")
    expected = lora_output(x, weight, bias, a, b, alpha / rank)
    merged = expect_merge(layer, n_in, n_out, rank, alpha, weight, bias, a, b, f"{what} after training")
    expect_tensor_close(call(merged, x, what="merged(x)"), expected, f"the output of {what}.merge() after training",
                        MERGE_HINT, atol=1e-5)


def test_type_and_rank_errors(student):
    """A base that is not an nn.Linear raises TypeError; a drawn rank below 1 raises ValueError (after a call that fits)."""
    build(student, 4, 3, 2, 1.0)
    for description, module in (("an nn.Sequential holding a Linear", spec("Sequential", spec("Linear", 4, 3))),
                                ("an nn.Bilinear", spec("Bilinear", 4, 4, 3))):
        expect_raises(student.LoRALinear, make(student, module), 2, error="TypeError",
                      what=f"LoRALinear({description}, rank=2)",
                      hint="check isinstance(base, nn.Linear) first: LoRA here wraps one linear layer.")
    linear = make(student, spec("Linear", 4, 3))
    rank = -draw(1, 9)
    expect_raises(student.LoRALinear, linear, rank, error="ValueError", what=f"LoRALinear(Linear(4, 3), rank={rank})",
                  hint="rank must be a whole number of at least 1.")
