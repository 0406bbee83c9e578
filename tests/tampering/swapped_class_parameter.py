"""Class 1: a module whose weight is a plain tensor with its __class__ swapped to look like a Parameter."""
TARGET, MUST_MENTION = "manual_linear.py", ""
import torch as _torch  # noqa: E402


class ManualLinear(_torch.nn.Module):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        w = _torch.zeros(out_features, in_features)
        try:
            w.__class__ = _torch.nn.Parameter
        except TypeError:
            pass
        self.__dict__["weight"] = w
        self.__dict__["bias"] = _torch.zeros(out_features) if bias else None

    def forward(self, x):
        return _torch.zeros(*x.shape[:-1], self.weight.shape[0])
