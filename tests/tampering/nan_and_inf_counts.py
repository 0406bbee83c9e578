"""Class 12: NaN and infinity for numbers the checks compare with ==.

linear_param_count answers NaN (every comparison with it is False, `!=` included: True)
and count_parameters infinity; expect_equal fails both, since NaN != expected.
"""
TARGET, MUST_MENTION = "param_count.py", "expected"


def linear_param_count(in_features, out_features, bias=True):  # noqa: F811 - replaces the stub
    return float("nan")


def count_parameters(model, trainable_only=True):  # noqa: F811
    return float("inf")
