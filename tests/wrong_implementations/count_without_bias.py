"""Counts only the weights: m * n."""
TARGET, MUST_MENTION = "param_count.py", "left out the bias"
MISCONCEPTION = "count_without_bias"  # what the grader must recognise (linear_checks/misconceptions.py)


def linear_param_count(in_features, out_features, bias=True):
    return in_features * out_features
