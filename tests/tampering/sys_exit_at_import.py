"""Ends the process with status 0 as soon as the module is imported."""
TARGET, MUST_MENTION = "initialization.py", ""
import sys as _sys  # noqa: E402

_sys.exit(0)
