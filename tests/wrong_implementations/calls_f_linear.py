"""Calls F.linear instead of writing the layer out."""
TARGET, MUST_MENTION = "manual_linear.py", "F.linear"


def manual_linear(x, weight, bias=None):
    return torch.nn.functional.linear(x, weight, bias)  # noqa: F821
