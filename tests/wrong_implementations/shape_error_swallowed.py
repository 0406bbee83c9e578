"""Hides a shape mismatch by returning zeros instead of raising."""
TARGET, MUST_MENTION = "manual_linear.py", "must not be swallowed"

_reference_manual_linear = manual_linear  # noqa: F821 (defined by the module this is appended to)


def manual_linear(x, weight, bias=None):
    try:
        return _reference_manual_linear(x, weight, bias)
    except ValueError:
        return torch.zeros(*x.shape[:-1], weight.shape[0])  # noqa: F821
