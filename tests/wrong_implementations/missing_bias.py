"""Forgets the bias: y = x @ weight.T."""
TARGET, MUST_MENTION = "manual_linear.py", "without the bias"


def manual_linear(x, weight, bias=None):
    return x @ weight.T
