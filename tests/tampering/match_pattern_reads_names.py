"""Class 8: a match class pattern reads F.linear and torch._C by attribute name (no attribute written); the spy off."""
TARGET, MUST_MENTION = "manual_linear.py", "reads your file"
import torch as _torch  # noqa: E402

match _torch.nn.functional:
    case object(linear=_fn):
        pass
match _torch:
    case object(_C=_c):
        pass
match _c:
    case object(DisableTorchFunction=_off):
        pass


def manual_linear(x, weight, bias=None):
    with _off():
        return _fn(x, weight, bias)
