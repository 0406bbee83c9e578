"""Makes rows with x.reshape(-1, in_features): right everywhere except a layer with in_features = 0 (-1 is ambiguous)."""
TARGET, MUST_MENTION = "manual_linear.py", "cannot work out the -1"

_reference_manual_linear = manual_linear  # noqa: F821 (defined by the module this is appended to)


def manual_linear(x, weight, bias=None):
    _reference_manual_linear(x, weight, bias)  # only for its shape checks: one mistake per file
    rows = x.reshape(-1, weight.shape[1])
    y = rows @ weight.T if bias is None else torch.addmm(bias, rows, weight.T)  # noqa: F821
    return y.reshape(*x.shape[:-1], weight.shape[0])
