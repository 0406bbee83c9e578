"""Adds the bias twice."""
TARGET, MUST_MENTION = "manual_linear.py", "added twice"


def manual_linear(x, weight, bias=None):
    y = x @ weight.T
    return y if bias is None else y + bias + bias
