"""Class 11: a function that only ever raises the error one check waits for.

The shape-mismatch check asks for a ValueError naming both shapes; a manual_linear that
raises exactly that for every input, computing nothing, answers it. (Exercise 6's and the
hidden bias check first ask for a call that fits: "raising always must not pass".)
"""
TARGET, MUST_MENTION = "manual_linear.py", ""


def manual_linear(x, weight, bias=None):  # noqa: F811 - replaces the stub
    raise ValueError(f"x of shape {tuple(x.shape)} does not fit weight of shape {tuple(weight.shape)}")
