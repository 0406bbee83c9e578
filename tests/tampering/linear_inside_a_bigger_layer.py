"""Class 8: a Linear taken from inside a bigger layer (no "linear" written), torch function modes popped by a private helper."""
TARGET, MUST_MENTION = "manual_linear.py", ""
import torch as _torch  # noqa: E402
from torch import nn as _nn  # noqa: E402
from torch.overrides import _get_current_function_mode_stack, _pop_mode_temporarily  # noqa: E402


def manual_linear(x, weight, bias=None):
    out, inp = weight.shape
    with _torch.no_grad():
        head = _nn.TransformerEncoderLayer(inp, 1, dim_feedforward=out, bias=bias is not None).linear1
        head.weight.copy_(weight)
        if bias is not None:
            head.bias.copy_(bias)
    if not _get_current_function_mode_stack():
        return head(x)
    with _pop_mode_temporarily():
        return head(x)
