"""Squeezes the result: a batch of one row, or a layer of one output, loses that dimension of size 1."""
TARGET, MUST_MENTION = "manual_linear.py", "dropping a dimension of size 1"

_reference_manual_linear = manual_linear  # noqa: F821 (defined by the module this is appended to)


def manual_linear(x, weight, bias=None):
    return _reference_manual_linear(x, weight, bias).squeeze()
