"""Treats weight as (in_features, out_features): y = x @ weight + bias (shapes checked as they should be)."""
TARGET, MUST_MENTION = "manual_linear.py", "the weight used transposed"
MISCONCEPTION = "weight_transposed"  # what the grader must recognise (linear_checks/misconceptions.py)

_reference_manual_linear = manual_linear  # noqa: F821 (defined by the module this is appended to)


def manual_linear(x, weight, bias=None):
    _reference_manual_linear(x, weight, bias)  # only for its shape checks: one mistake per file
    y = x @ weight
    return y if bias is None else y + bias
