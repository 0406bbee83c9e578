"""Check your exercises with the same checks and feedback the grader uses.

In a notebook:      from linear_exercises import check
                    check("manual_linear")   # one exercise
                    check()                  # all of them
In a terminal:      python -m linear_exercises manual_linear   (or: make check EX=manual_linear)

The checks come with the course (the linear_checks package). Your code runs in a
separate, sandboxed process that reads your files afresh each time, so editing a
file and calling check() again always tests the new version.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # the folder that holds linear_exercises/


def needs_missing() -> list[str]:
    """The packages the checks need that this Python lacks."""
    return [name for name in ("torch", "pytest") if importlib.util.find_spec(name) is None]


def launch_checks() -> None:
    """Start the checks' sandbox now, in the background (python -m linear_exercises: before torch is imported here)."""
    if not needs_missing():
        try:
            import linear_checks
        except ImportError:
            return
        linear_checks.launch()


def check(exercise: str | None = None):
    """Run the public checks of one exercise (e.g. "manual_linear") or of all; print the feedback."""
    missing = needs_missing()
    if missing:
        print(f"The checks need {' and '.join(missing)}, which this Python does not have: install the course's "
              "packages (pip install -r requirements.txt in the course folder) and run the check with that Python.")
        return None
    try:
        import linear_checks
    except ImportError:
        raise ImportError("the course's checks (the linear_checks package) were not found: open the notebook "
                          "from the course folder, or install the course environment") from None
    return linear_checks.check(exercise, package_root=PACKAGE_ROOT)


def exit_now(code: int) -> None:
    """End a terminal self-check (linear_checks.exit_now: quickly, its sandbox stopped)."""
    try:
        import linear_checks
    except ImportError:
        sys.exit(code)
    linear_checks.exit_now(code)
