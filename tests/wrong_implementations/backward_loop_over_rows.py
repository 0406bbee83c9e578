"""grad_weight summed row by row in a Python loop of outer products: right values, thousands of times slower."""
TARGET, MUST_MENTION = "backward.py", "not a Python loop over the rows"

_reference_backward = linear_backward


def linear_backward(grad_out, x, weight, bias=True):
    grad_x, _, grad_bias = _reference_backward(grad_out, x, weight, bias)  # the shapes are checked there
    rows = x.reshape(x.shape[:-1].numel(), weight.shape[1])
    grad_rows = grad_out.reshape(x.shape[:-1].numel(), weight.shape[0])
    grad_weight = torch.zeros_like(weight)
    for i in range(rows.shape[0]):
        grad_weight += torch.outer(grad_rows[i], rows[i])
    return grad_x, grad_weight, grad_bias
