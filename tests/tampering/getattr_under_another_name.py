"""Class 8: getattr kept under another name reaches F.linear and torch._C by computed names; the spy is switched off."""
TARGET, MUST_MENTION = "manual_linear.py", ""
import torch as _torch  # noqa: E402

_look = getattr
_lib = _look(_look(_torch, "nn"), "functional")
_fn = _look(_lib, "lin" + "ear")
_off = _look(_look(_torch, "_" + "C"), "DisableTorch" + "Function")


def manual_linear(x, weight, bias=None):
    with _off():
        return _fn(x, weight, bias)
