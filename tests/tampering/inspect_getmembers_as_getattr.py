"""Class 8: inspect.getmembers as a getattr the rule did not know: F.linear and torch._C by computed names, the spy off."""
TARGET, MUST_MENTION = "manual_linear.py", ""
import inspect as _inspect  # noqa: E402

import torch as _torch  # noqa: E402

_fn = dict(_inspect.getmembers(_torch.nn.functional))["lin" + "ear"]
_off = dict(_inspect.getmembers(dict(_inspect.getmembers(_torch))["_" + "C"]))["DisableTorch" + "Function"]


def manual_linear(x, weight, bias=None):
    with _off():
        return _fn(x, weight, bias)
