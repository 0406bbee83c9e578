"""Class 8: F.linear under the name of an import alias, with torch function modes switched off."""
TARGET, MUST_MENTION = "manual_linear.py", "reads your file"
import torch as _torch  # noqa: E402
from torch.nn.functional import linear as _affine  # noqa: E402


def manual_linear(x, weight, bias=None):
    with _torch._C.DisableTorchFunction():
        return _affine(x, weight, bias)
