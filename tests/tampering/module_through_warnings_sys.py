"""Class 8: F.linear reached through an allowed module's attribute (warnings.sys.modules), never written as F.linear."""
TARGET, MUST_MENTION = "manual_linear.py", "reads your file"
import warnings as _w  # noqa: E402

_functional = _w.sys.modules["torch.nn." + "functional"]


def manual_linear(x, weight, bias=None):
    return getattr(_functional, "lin" + "ear")(x, weight, bias)
