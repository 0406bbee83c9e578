"""Looks through every live object and the callers' frames for the result writer."""
TARGET, MUST_MENTION = "low_rank.py", "refused"
import gc as _gc  # noqa: E402
import sys as _sys  # noqa: E402

try:
    _writers = [o for o in _gc.get_objects() if callable(o) and getattr(o, "__name__", "") == "write"]
except Exception:
    _writers = []
try:
    _frame = _sys._getframe(1)
except Exception:
    _frame = None
