"""linear_checks: the graded checks of the linear-layers course, and the sandbox they run student code in.

    check("manual_linear")   # self-check one exercise (or check() for all): prints the feedback
    grade("manual_linear")   # in the graded notebook's test cells: prints the feedback, returns the points

Student code runs only in the sandbox (sandbox.py, zygote.py, evaluator.py); the
checks (public/, and the instructor's hidden folder) and every verdict run here.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_SANDBOX = None  # check() keeps its sandbox warm between calls in one kernel
_GRADED: dict = {}  # grade(): the results for the files as they were last checked


def launch() -> None:
    """Start check()'s sandbox without waiting for it: its zygote imports torch while this process does."""
    global _SANDBOX
    if _SANDBOX is None:
        from linear_checks.sandbox import Sandbox, bubblewrap

        _SANDBOX = Sandbox(isolate=bool(bubblewrap()))
        _SANDBOX.launch()


def exit_now(code: int, sandbox=None) -> None:
    """End a terminal self-check: stop its sandbox (check()'s, or the one given), then exit without Python's
    shutdown, which takes about 0.5 s with torch and pytest loaded and has nothing left to do."""
    for box in (sandbox, _SANDBOX):
        if box is not None:
            box.close()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def check(exercise: str | None = None, package_root=None):
    """Run the public checks of one exercise (or all) on linear_exercises/ in package_root; print the feedback."""
    global _SANDBOX
    from linear_checks.report import CheckSummary, checking_line, format_report
    from linear_checks.runner import run_checks
    from linear_checks.sandbox import Sandbox, SandboxUnavailable

    launch()
    try:
        _SANDBOX.start()
    except SandboxUnavailable:  # bubblewrap is there but cannot run here: process limits only (the report says so)
        _SANDBOX = Sandbox(isolate=False)
    root = Path(package_root or _package_root()).resolve()
    print(checking_line(root))
    results = run_checks([exercise] if exercise else None, root, sandbox=_SANDBOX)
    print(format_report(results), end="")
    if _SANDBOX.isolate:  # without one, the report's first line says so
        print(f"(Your code ran in a {_SANDBOX.level}.)")
    return CheckSummary(results)


def _package_root() -> Path:
    """The folder holding the linear_exercises package that this kernel imports (else the current folder)."""
    import importlib.util

    try:  # found, not imported: linear_checks never imports the student's package
        spec = importlib.util.find_spec("linear_exercises")
        return Path(spec.origin).resolve().parents[1]
    except (ImportError, AttributeError, TypeError, ValueError):
        return Path.cwd()


def grade(exercise: str) -> float:
    """For nbgrader's test cells: print this exercise's feedback and return its points.

    During class grading the verdicts were computed before the notebook ran
    ($LINEAR_VERDICTS names their file; see autograder/grading_task.py). Otherwise every
    exercise is checked once, live, on ./linear_exercises: with the hidden checks
    when nbgrader autogrades (NBGRADER_EXECUTION=autograde).
    """
    from linear_checks.report import format_report, load

    verdicts = os.environ.get("LINEAR_VERDICTS")
    if verdicts and Path(verdicts).is_file():
        results = {r.key: r for r in load(Path(verdicts))}
    else:
        results = _graded_live()
    if exercise not in results:
        raise ValueError(f"unknown exercise {exercise!r}; known: {', '.join(results)}")
    print(format_report([results[exercise]]), end="")
    return results[exercise].score


def _graded_live() -> dict:
    """Every exercise checked once for the files as they are now (a changed file is checked again)."""
    import hashlib

    from linear_checks.runner import read_submission, run_checks

    hidden = os.environ.get("NBGRADER_EXECUTION") == "autograde"
    files = read_submission(Path.cwd())
    key = (hidden, hashlib.sha256(repr(sorted(files.items())).encode()).hexdigest())
    if key not in _GRADED:
        from linear_checks.report import for_student

        _GRADED.clear()
        results = run_checks(None, files=files, hidden=hidden)
        # the notebook's output becomes the student's feedback: hidden checks without their expected values
        _GRADED[key] = {r.key: r for r in (for_student(results) if hidden else results)}
    return _GRADED[key]
