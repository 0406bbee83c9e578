"""Forgets the bias: y = x @ weight.T (the shapes are checked as they should be)."""
TARGET, MUST_MENTION = "manual_linear.py", "without the bias"
MISCONCEPTION = "bias_missing"  # what the grader must recognise (linear_checks/misconceptions.py)

_reference_manual_linear = manual_linear  # noqa: F821 (defined by the module this is appended to)


def manual_linear(x, weight, bias=None):
    _reference_manual_linear(x, weight, bias)  # only for its shape checks: one mistake per file
    return x @ weight.T
