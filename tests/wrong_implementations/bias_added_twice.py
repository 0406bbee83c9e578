"""Adds the bias twice (the shapes are checked as they should be)."""
TARGET, MUST_MENTION = "manual_linear.py", "added twice"
MISCONCEPTION = "bias_added_twice"  # what the grader must recognise (linear_checks/misconceptions.py)

_reference_manual_linear = manual_linear  # noqa: F821 (defined by the module this is appended to)


def manual_linear(x, weight, bias=None):
    _reference_manual_linear(x, weight, bias)  # only for its shape checks: one mistake per file
    y = x @ weight.T
    return y if bias is None else y + bias + bias
