"""The input gradient written as grad_out @ weight.T, as if the forward pass were x @ weight."""
TARGET, MUST_MENTION = "backward.py", "grad_out @ weight.T (the weight transposed)"
MISCONCEPTION = "grad_x_weight_transposed"  # what the grader must recognise (linear_checks/misconceptions.py)

_reference_backward = linear_backward


def linear_backward(grad_out, x, weight, bias=True):
    _, grad_weight, grad_bias = _reference_backward(grad_out, x, weight, bias)  # the shapes are checked there
    return grad_out @ weight.T, grad_weight, grad_bias
