"""The bias gradient summed over dim 0 only: right for a 2-D batch, wrong for (batch, seq, features)."""
TARGET, MUST_MENTION = "backward.py", "summed over the first dimension only"
MISCONCEPTION = "grad_bias_first_dim_only"  # what the grader must recognise (linear_checks/misconceptions.py)

_reference_backward = linear_backward


def linear_backward(grad_out, x, weight, bias=True):
    grad_x, grad_weight, _ = _reference_backward(grad_out, x, weight, bias)  # the shapes are checked there
    return grad_x, grad_weight, grad_out.sum(0) if bias else None
