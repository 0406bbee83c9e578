"""linear_param_count takes any size, a negative one too: (-3, 5) gives -10 instead of a ValueError."""
TARGET, MUST_MENTION = "param_count.py", "cannot have a negative size"


def linear_param_count(in_features, out_features, bias=True):
    return out_features * in_features + (out_features if bias else 0)
