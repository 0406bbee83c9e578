"""The weight gradient written as x.T @ grad_out: (in_features, out_features), the transpose of the weight."""
TARGET, MUST_MENTION = "backward.py", "x.T @ grad_out (the weight gradient transposed)"
MISCONCEPTION = "grad_weight_transposed"  # what the grader must recognise (linear_checks/misconceptions.py)

_reference_backward = linear_backward


def linear_backward(grad_out, x, weight, bias=True):
    grad_x, _, grad_bias = _reference_backward(grad_out, x, weight, bias)  # the shapes are checked there
    batch = x.shape[:-1].numel()  # not -1, which a layer with a size 0 leaves undetermined: one mistake per file
    rows, grad_rows = x.reshape(batch, weight.shape[1]), grad_out.reshape(batch, weight.shape[0])
    return grad_x, rows.T @ grad_rows, grad_bias
