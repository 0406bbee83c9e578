"""Exercise 6, hidden checks (class grading only): edge cases of linear_backward, and training with LinearFunction.

Inputs come from the grader's random generator, seeded per run from a secret: a
student cannot prepare a table of answers. References are computed here, by autograd.
"""

import torch
import torch.nn.functional as F

from linear_checks.public.test_backward import CALL_HINT, ask, expect_gradients, function_gradients
from linear_checks.student import draw
from linear_checks.verdicts import expect_equal, expect_raises, expect_shape, expect_tensor_close, fail

ZERO_HINT = ("with a size 0, reshape(-1, 0) or reshape(B, -1) cannot work out the -1 (any number of rows fits 0 "
             "columns): give both sizes, e.g. x.reshape(x.shape[:-1].numel(), in_features).")


def test_float64_random_shapes(student):
    """float64 gradients on a layer and a batch of random shapes equal autograd's to 1e-10, and stay float64."""
    n_in, n_out = (int(v) for v in torch.randint(2, 30, (2,)))
    leading = tuple(int(v) for v in torch.randint(1, 5, (int(torch.randint(1, 4, ())),)))
    x, weight = torch.randn(*leading, n_in, dtype=torch.float64), torch.randn(n_out, n_in, dtype=torch.float64)
    grad_out = torch.randn(*leading, n_out, dtype=torch.float64)
    answer = ask(student, grad_out, x, weight)
    expect_gradients(answer, grad_out, x, weight, torch.randn(n_out, dtype=torch.float64), atol=1e-10)
    dtypes = [g.dtype for g in answer if isinstance(g, torch.Tensor)]
    if any(d != torch.float64 for d in dtypes):
        fail(f"linear_backward on float64 tensors: expected float64 gradients, got {dtypes}.")


def test_non_contiguous_inputs(student):
    """A transposed (non-contiguous) x and grad_out work: reshape rather than view."""
    x = torch.randn(6, 5).T  # (5, 6), not contiguous
    grad_out = torch.randn(3, 5).T  # (5, 3)
    weight = torch.randn(3, 6)
    expect_gradients(ask(student, grad_out, x, weight), grad_out, x, weight, torch.randn(3))


def test_empty_batch(student):
    """A batch of zero rows gives zero weight and bias gradients of the right shapes (after a real batch works)."""
    x, weight, grad_out = torch.randn(2, 3), torch.randn(4, 3), torch.randn(2, 4)
    expect_gradients(ask(student, grad_out, x, weight), grad_out, x, weight, torch.randn(4))
    answer = ask(student, torch.randn(0, 4), torch.randn(0, 3), weight)
    expect_equal([tuple(g.shape) if isinstance(g, torch.Tensor) else type(g).__name__ for g in answer],
                 [(0, 3), (4, 3), (4,)], "shapes of the gradients for an empty (0, 3) batch")
    expect_tensor_close(answer[1], torch.zeros(4, 3), "grad_weight for an empty batch",
                        "a sum over no rows is zero.")
    expect_tensor_close(answer[2], torch.zeros(4), "grad_bias for an empty batch", "a sum over no rows is zero.")


def _zero_hint(exc) -> str:
    text = exc.message.lower()
    return ZERO_HINT if "ambiguous" in text or "unspecified dimension" in text else CALL_HINT


def test_zero_size_layers(student):
    """A layer with no inputs or no outputs: gradients of the right shapes, zeros where a sum has no terms, as autograd's."""
    rows, size = draw(2, 6), draw(2, 5)
    for n_in, n_out in ((0, size), (size, 0)):  # one check for both: empty answers alone pass neither
        for leading in ((rows,), (2, rows)):
            x, weight, grad_out = torch.randn(*leading, n_in), torch.randn(n_out, n_in), torch.randn(*leading, n_out)
            answer = ask(student, grad_out, x, weight, hint=_zero_hint)
            expect_gradients(answer, grad_out, x, weight, torch.randn(n_out))


def test_weight_not_2d_raises(student):
    """A weight that is not 2-D raises ValueError (after a call that fits works)."""
    x, weight, grad_out = torch.randn(3, 4), torch.randn(2, 4), torch.randn(3, 2)
    expect_gradients(ask(student, grad_out, x, weight), grad_out, x, weight, torch.randn(2))
    expect_raises(student.linear_backward, torch.randn(3, 2), x, torch.randn(8), error="ValueError",
                  what="linear_backward with a 1-D weight of shape (8,)",
                  hint="check weight.dim() == 2 first: weight is (out_features, in_features).")


def test_linear_function_trains_like_nn_linear(student):
    """Five SGD steps with LinearFunction follow the same path as five steps with nn.Linear."""
    x, target = torch.randn(16, 4), torch.randn(16, 3)
    layer = torch.nn.Linear(4, 3)
    weight, bias = layer.weight.detach().clone(), layer.bias.detach().clone()
    optimizer = torch.optim.SGD(layer.parameters(), lr=0.1)
    for step in range(5):
        upstream = 2 * (F.linear(x, weight, bias) - target) / target.numel()  # d mean((y - target)^2) / dy
        answer = function_gradients(student, x, weight, bias, upstream)
        grads = answer["grads"]
        if grads[1] is None or grads[2] is None:
            fail(f"training step {step + 1}: no gradient reached the weight or the bias through LinearFunction.")
        expect_shape(grads[1], tuple(weight.shape), f"training step {step + 1}: shape of the weight's gradient")
        expect_shape(grads[2], tuple(bias.shape), f"training step {step + 1}: shape of the bias's gradient")
        weight, bias = weight - 0.1 * grads[1], bias - 0.1 * grads[2]
        optimizer.zero_grad()
        F.mse_loss(layer(x), target).backward()
        optimizer.step()
    expect_tensor_close(weight, layer.weight, "the weight after 5 SGD steps with LinearFunction",
                        "backward returns linear_backward(grad_out, x, weight, bias=...).")
    expect_tensor_close(bias, layer.bias, "the bias after 5 SGD steps with LinearFunction")
