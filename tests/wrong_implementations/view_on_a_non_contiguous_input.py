"""Makes rows with x.view(-1, in_features), which raises for an input whose leading dimensions are not contiguous."""
TARGET, MUST_MENTION = "manual_linear.py", "x.reshape(...) copies when it must"

_reference_manual_linear = manual_linear  # noqa: F821 (defined by the module this is appended to)


def manual_linear(x, weight, bias=None):
    _reference_manual_linear(x, weight, bias)  # only for its shape checks: one mistake per file
    rows = x.view(x.shape[:-1].numel(), weight.shape[1])
    y = rows @ weight.T if bias is None else rows @ weight.T + bias
    return y.view(*x.shape[:-1], weight.shape[0])
