"""Rows made with reshape(-1, features): right everywhere except a layer with a size 0, where -1 is ambiguous."""
TARGET, MUST_MENTION = "backward.py", "cannot work out the -1"

_reference_backward = linear_backward


def linear_backward(grad_out, x, weight, bias=True):
    _reference_backward(grad_out, x, weight, bias)  # only for its shape checks: one mistake per file
    rows, grad_rows = x.reshape(-1, weight.shape[1]), grad_out.reshape(-1, weight.shape[0])
    grad_bias = grad_rows.sum(0) if bias else None
    return (grad_rows @ weight).reshape(x.shape), grad_rows.T @ rows, grad_bias
