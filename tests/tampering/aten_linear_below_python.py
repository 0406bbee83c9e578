"""Class 8: the library linear reached through torch.ops.aten, below the Python function names."""
TARGET, MUST_MENTION = "manual_linear.py", "reads your file"
import torch as _torch  # noqa: E402


def manual_linear(x, weight, bias=None):
    return _torch.ops.aten.linear(x, weight, bias)
