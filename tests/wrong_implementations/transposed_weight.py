"""Treats weight as (in_features, out_features): y = x @ weight + bias."""
TARGET, MUST_MENTION = "manual_linear.py", "the weight used transposed"


def manual_linear(x, weight, bias=None):
    y = x @ weight
    return y if bias is None else y + bias
