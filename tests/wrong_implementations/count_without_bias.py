"""Counts only the weights: m * n."""
TARGET, MUST_MENTION = "param_count.py", "left out the bias"


def linear_param_count(in_features, out_features, bias=True):
    return in_features * out_features
