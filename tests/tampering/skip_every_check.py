"""Skips the whole test module at import: nothing fails, nothing passes."""
TARGET, MUST_MENTION = "weight_viz.py", ""
import pytest as _pytest  # noqa: E402

_pytest.skip("nothing to see here", allow_module_level=True)
