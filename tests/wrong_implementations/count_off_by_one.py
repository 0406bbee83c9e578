"""Counts the bias as in_features entries: m*n + n."""
TARGET, MUST_MENTION = "param_count.py", "off-by-one"
MISCONCEPTION = "count_off_by_one"  # what the grader must recognise (linear_checks/misconceptions.py)


def linear_param_count(in_features, out_features, bias=True):
    return in_features * out_features + (in_features if bias else 0)
