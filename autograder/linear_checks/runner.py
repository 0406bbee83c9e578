"""Run the checks of a submission: pytest in this process, the student's code in the sandbox.

    python -m linear_checks [exercise ...] [--package-root DIR] [--hidden]

The checks are pytest tests (public/test_<exercise>.py, plus the instructor's hidden folder
at grading); plugin.py runs them against one submission and collects a result per check.
This module picks the files, starts pytest quietly with the course's own settings
(checks.ini: nothing of the folder it runs in is read, no conftest.py) and hands back the
results. Instructors can run the same checks with pytest's own command line, which
prints pytest's usual report (autograder/conftest.py):

    pytest autograder/linear_checks/public -k manual_linear --package-root solutions --hidden
"""

from __future__ import annotations

import argparse
import os
import secrets
import stat
import sys
from pathlib import Path

import pytest

from linear_checks.exercises import EXERCISES
from linear_checks.plugin import MAX_FILE_BYTES, Grading
from linear_checks.report import CheckSummary, ExerciseResult, checking_line, format_report, safe_results
from linear_checks.sandbox import Sandbox, SandboxUnavailable

HERE = Path(__file__).resolve().parent
PUBLIC = HERE / "public"
# Run in this process: pytest's terminal output, its cache, fd capture (inside a Jupyter kernel), plugins
# installed in the environment and pytest's own plugins that cost time per session (unraisableexception
# collects garbage three times at the end: 0.2 s) are left out; a failed assert gives its message only.
PYTEST_ARGS = ["-c", str(HERE / "checks.ini"), "--rootdir", str(HERE), "--noconftest", "--assert=plain", "--import-mode=importlib",
               "--capture=no", "-p", "no:terminal", "-p", "no:cacheprovider", "-p", "no:faulthandler",
               "-p", "no:warnings", "-p", "no:doctest", "-p", "no:pastebin", "-p", "no:junitxml",
               "-p", "no:unraisableexception", "-p", "no:threadexception", "-p", "no:logging", "-p", "no:stepwise",
               "-p", "no:legacypath", "-p", "no:nose", "-p", "no:setuponly", "-p", "no:setupplan"]


def hidden_dir() -> Path | None:
    """The instructor's hidden checks: $LINEAR_HIDDEN_CHECKS, else autograder/hidden_checks beside this package."""
    folder = Path(os.environ.get("LINEAR_HIDDEN_CHECKS") or HERE.parent / "hidden_checks")
    return folder if folder.is_dir() else None


def check_files(keys: list[str], hidden: bool) -> list[str]:
    """The check modules of these exercises: the public ones, and with hidden=True the hidden ones too."""
    paths = [PUBLIC / f"test_{key}.py" for key in keys]
    if hidden:
        folder = hidden_dir()
        if folder is None:
            raise FileNotFoundError("the hidden checks were not found: set LINEAR_HIDDEN_CHECKS")
        paths += [folder / f"test_{key}_hidden.py" for key in keys if (folder / f"test_{key}_hidden.py").is_file()]
    return [str(p) for p in paths]


def read_submission(package_root: Path) -> dict[str, bytes]:
    """The exercise files of package_root/linear_exercises/: regular files only, never through a link."""
    files = {}
    folder = Path(package_root) / "linear_exercises"
    for exercise in EXERCISES:
        path = folder / exercise.module
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue
        with os.fdopen(fd, "rb") as f:
            if stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                files[exercise.module] = f.read(MAX_FILE_BYTES + 1)  # one byte more: too large shows
    return files


def run_checks(exercises: list[str] | None = None, package_root=None, hidden: bool = False,
               sandbox: Sandbox | None = None, seed: int | None = None,
               files: dict[str, bytes] | None = None) -> list[ExerciseResult]:
    """Check the named exercises (all by default) of the package in package_root (or of `files`).

    seed fixes the checks' random inputs; by default 0 for the public checks (the same
    inputs every time) and a fresh secret number when the hidden checks run.
    """
    if seed is None:
        seed = secrets.randbits(62) if hidden else 0
    by_key = {e.key: e for e in EXERCISES}
    keys = list(exercises or by_key)
    unknown = [k for k in keys if k not in by_key]
    if unknown:
        raise ValueError(f"unknown exercise(s) {', '.join(unknown)}; known: {', '.join(by_key)}")
    if files is None:
        files = read_submission(Path(package_root) if package_root else Path.cwd())
    own = sandbox is None
    sandbox = sandbox or default_sandbox()
    grading = Grading(files, sandbox, seed, keys)
    try:
        code = run_pytest(check_files(keys, hidden), grading)
    finally:
        if own:
            sandbox.close()
    if code == pytest.ExitCode.INTERRUPTED:
        raise KeyboardInterrupt
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise RuntimeError(f"the checks could not run (pytest exit code {int(code)}): run them with pytest to see why")
    return safe_results(grading.exercise_results())  # every text on one line, control characters escaped


def run_pytest(paths: list[str], grading: Grading) -> int:
    """pytest.main on these check files with the course's settings and plugin, without plugins installed elsewhere."""
    saved = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        return pytest.main([*PYTEST_ARGS, *paths], plugins=[grading])
    finally:
        if saved is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = saved


def default_sandbox(threads: int = 1, preload: tuple[str, ...] = ()) -> Sandbox:
    """Bubblewrap when this machine has it, else process limits only (the report says which)."""
    try:
        sandbox = Sandbox(isolate=True, threads=threads, preload=preload)
        sandbox.start()
        return sandbox
    except SandboxUnavailable:
        return Sandbox(isolate=False, threads=threads, preload=preload)


def main(argv: list[str] | None = None, sandbox: Sandbox | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check the linear_exercises package.")
    parser.add_argument("exercises", nargs="*", help="exercise names (default: all)")
    parser.add_argument("--package-root", default=".", help="folder that holds linear_exercises/")
    parser.add_argument("--hidden", action="store_true", help="include the hidden checks (instructors)")
    args = parser.parse_args(argv)
    try:
        if sandbox is not None:
            sandbox.start()
    except SandboxUnavailable:  # bubblewrap is there but cannot run here: process limits only (the report says so)
        sandbox = Sandbox(isolate=False)
    sandbox = sandbox or default_sandbox()
    print(checking_line(args.package_root))
    try:
        results = run_checks(args.exercises or None, args.package_root, args.hidden, sandbox=sandbox)
    finally:
        sandbox.close()
    print(format_report(results), end="")
    return 0 if CheckSummary(results).all_passed else 1


if __name__ == "__main__":
    sys.exit(main())
