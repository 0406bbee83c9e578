"""Check your exercises with the same checks and feedback the grader uses.

In a notebook:      from linear_exercises import check
                    check("manual_linear")   # one exercise
                    check()                  # all of them
In a terminal:      python -m linear_exercises manual_linear   (or: make check EX=manual_linear)

The checks live in autograder/checks/ at the top of the course; they run in a separate
process, so editing a file and calling check() again always tests the new version.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # the folder that holds linear_exercises/


def _runner():
    for folder in (PACKAGE_ROOT, *PACKAGE_ROOT.parents):
        path = folder / "autograder" / "checks" / "runner.py"
        if path.exists():
            spec = importlib.util.spec_from_file_location("linear_checks_runner", path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            spec.loader.exec_module(module)
            return module
    raise FileNotFoundError(
        f"cannot find autograder/checks/runner.py above {PACKAGE_ROOT}: "
        "run check() from inside the course folder"
    )


def check(exercise: str | None = None):
    """Run the public checks of one exercise (e.g. "manual_linear") or of all; print the feedback."""
    return _runner().check(exercise, package_root=PACKAGE_ROOT)
