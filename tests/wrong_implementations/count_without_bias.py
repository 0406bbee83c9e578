"""Counts only the weights: m * n."""
TARGET, MUST_MENTION = "param_count.py", "left out the bias"
MISCONCEPTION = "count_without_bias"  # what the grader must recognise (linear_checks/misconceptions.py)


_reference_linear_param_count = linear_param_count  # noqa: F821 (defined by the module this is appended to)


def linear_param_count(in_features, out_features, bias=True):
    _reference_linear_param_count(in_features, out_features, bias)  # only for its size checks: one mistake per file
    return in_features * out_features
