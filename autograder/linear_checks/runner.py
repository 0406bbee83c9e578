"""Run the checks of a submission: student code in the sandbox, every verdict here.

    python -m linear_checks [exercise ...] [--package-root DIR] [--hidden]

For each exercise, the runner opens a run in the sandbox (sandbox.py) holding the
submission's files, imports the exercise's file there, and calls each check
(public/<exercise>.py, plus the instructor's hidden folder at grading). A check asks
the student's code for answers through `student` (student.py) and compares them with
references it computes itself (verdicts.py). A check that takes too long or whose run
process dies costs that check; the next check gets a fresh process. After a check
times out, its other cases are not run, and after MAX_TIMEOUTS checks did, nothing
more of the exercise is; an exercise has EXERCISE_TIMEOUT seconds in all.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import importlib.util
import inspect
import os
import secrets
import stat
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from linear_checks import student as student_api
from linear_checks.exercises import EXERCISES, Exercise
from linear_checks.report import CheckResult, CheckSummary, ExerciseResult, checking_line, format_report
from linear_checks.sandbox import Deadline, Ended, Sandbox, SandboxUnavailable
from linear_checks.verdicts import CheckFailed, RuleBroken, quote
from linear_checks.wire import Raised, WireError

HERE = Path(__file__).resolve().parent
CHECK_TIMEOUT = 10.0  # seconds for one check
IMPORT_TIMEOUT = 20.0  # seconds to import the student's file
EXERCISE_TIMEOUT = 60.0  # seconds for all the checks of one exercise (imports included)
MAX_TIMEOUTS = 2
MAX_FILE_BYTES = 1 << 20


@dataclass
class Check:
    name: str
    doc: str
    func: object
    case: object = None
    hidden: bool = False


def hidden_dir() -> Path | None:
    """The instructor's hidden checks: $LINEAR_HIDDEN_CHECKS, else autograder/hidden_checks beside this package."""
    folder = Path(os.environ.get("LINEAR_HIDDEN_CHECKS") or HERE.parent / "hidden_checks")
    return folder if folder.is_dir() else None


def load_checks(key: str, hidden: bool) -> list[Check]:
    """The checks of one exercise in file order, one entry per case."""
    modules = [(importlib.import_module(f"linear_checks.public.{key}"), False)]
    if hidden:
        folder = hidden_dir()
        if folder is None:
            raise FileNotFoundError("the hidden checks were not found: set LINEAR_HIDDEN_CHECKS")
        path = folder / f"{key}.py"
        if path.exists():
            spec = importlib.util.spec_from_file_location(f"linear_hidden_checks.{key}", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            modules.append((module, True))
    checks = []
    for module, is_hidden in modules:
        for name, func in vars(module).items():
            if not (name.startswith("check_") and callable(func)):
                continue
            doc = (inspect.getdoc(func) or name).splitlines()[0]
            where = f"{module.__name__.rsplit('.', 1)[-1]}{'_hidden' if is_hidden else ''}.{name}"
            for case, case_id in zip(getattr(func, "cases", [None]), getattr(func, "case_ids", [None])):
                label = f"{doc} [{case_id}]" if case_id is not None else doc
                full = f"{where}[{case_id}]" if case_id is not None else where
                checks.append(Check(full, label, func, case, is_hidden))
    return checks


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


def _seed(seed: int, name: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}:{name}".encode()).digest()[:7], "big")


def _import(sandbox: Sandbox, files: dict[str, bytes], exercise: Exercise, support: dict[str, bytes] | None = None):
    """A fresh run with the exercise's module imported: (run, "") or (None, why it failed).

    The run holds this exercise's file only, plus the grader's own support files, if the
    exercise's check module names some (SUPPORT_FILES: e.g. exercise 6 imports manual_linear,
    and gets a grader-written one, so that it is graded on its own).
    """
    run = sandbox.run({**(support or {}), exercise.module: files[exercise.module]}, exercise.module)
    run.deadline = time.monotonic() + IMPORT_TIMEOUT
    where = f"linear_exercises/{exercise.module}"
    try:
        answer = run.request({"op": "import", "target": 0})
    except Deadline:
        run.close(kill=True)
        return None, f"{where} could not be imported: importing it took more than {IMPORT_TIMEOUT:g} s (an endless loop at import?)"
    except Ended:
        return None, f"{where} could not be imported: it ended the process (exit status {run.exit_status}) while being imported"
    except Exception:  # noqa: BLE001 - WireError, or anything else: the run is not left open for the next one
        run.close(kill=True)
        return None, f"{where} could not be imported: its process sent back something unreadable"
    if isinstance(answer, Raised):
        run.close()
        return None, f"{where} could not be imported: {answer.type_name}: {quote(answer.message)}"
    return run, ""


def run_exercise(exercise: Exercise, files: dict[str, bytes], sandbox: Sandbox, hidden: bool = False,
                 seed: int = 0) -> ExerciseResult:
    result = ExerciseResult(exercise.key, exercise.label, exercise.points, sandbox=sandbox.level)
    checks = load_checks(exercise.key, hidden)
    if exercise.module not in files:
        result.error = f"linear_exercises/{exercise.module} was not found."
        return result
    if len(files[exercise.module]) > MAX_FILE_BYTES:
        result.error = f"linear_exercises/{exercise.module} is larger than {MAX_FILE_BYTES // 1024} KiB."
        return result
    source = files[exercise.module].decode("utf-8", "replace")
    public = importlib.import_module(f"linear_checks.public.{exercise.key}")
    gate, support = getattr(public, "gate", None), getattr(public, "SUPPORT_FILES", {})
    refused = gate(files[exercise.module]) if gate else ""  # the bytes, decoded as Python will import them
    if refused:  # a rule read from the file itself (e.g. no library linear in exercise 1)
        result.error = refused
        return result
    run, slow = None, []  # slow: the check functions that took too long
    ends = time.monotonic() + EXERCISE_TIMEOUT
    try:
        for check in checks:
            why = ("the same check took too long with other inputs" if check.func in slow
                   else f"{MAX_TIMEOUTS} checks of this exercise already took too long" if len(slow) >= MAX_TIMEOUTS
                   else f"this exercise's checks had used up their {EXERCISE_TIMEOUT:g} s" if time.monotonic() >= ends
                   else "")
            if why:
                result.checks.append(CheckResult(check.name, check.doc, False, f"Not run: {why}.", check.hidden,
                                                 outcome="not run"))
                continue
            if run is None or run.closed:
                run, why = _import(sandbox, files, exercise, support)
                if run is None and not result.checks:  # the file cannot be imported at all
                    result.error = why
                    return result
                if run is None:  # it could be before: this check fails with the reason
                    result.checks.append(CheckResult(check.name, check.doc, False, why, check.hidden,
                                                     outcome="crashed"))
                    continue
            check_seed = _seed(seed, check.name)
            torch.manual_seed(check_seed)
            run.deadline = min(time.monotonic() + CHECK_TIMEOUT, ends)
            message, misconception, outcome = "", "", "failed"
            try:
                student_api.seed(run, check_seed)
                kwargs = {"student": student_api.Remote(run, 0, "module"), "source": source, "case": check.case}
                wanted = inspect.signature(check.func).parameters
                check.func(**{k: v for k, v in kwargs.items() if k in wanted})
            except RuleBroken as exc:  # seen while the code ran: like a gate, the exercise gets no points
                result.error, result.checks = str(exc), []
                run.close(kill=True)
                return result
            except CheckFailed as exc:
                message, misconception = str(exc), exc.misconception
            except Raised as exc:
                message = (f"NotImplementedError: {exc.message}" if exc.not_implemented
                           else f"your code raised {exc.type_name}: {quote(exc.message)}")
            except Deadline:
                slow.append(check.func)
                outcome = "timeout"
                message = (f"Took too long (more than {CHECK_TIMEOUT:g} s): look for an endless loop."
                           if time.monotonic() < ends else
                           f"Took too long: this exercise's checks used up their {EXERCISE_TIMEOUT:g} s.")
                run.close(kill=True)
            except Ended:
                message = f"Your code ended the process that ran it (exit status {run.exit_status})."
                outcome = "crashed"
            except WireError:
                message, outcome = "Your code sent back something that is not plain data.", "crashed"
                run.close(kill=True)
            except Exception as exc:  # noqa: BLE001 - an answer of an unexpected kind made the check itself fail
                message = f"Your code's answer could not be checked ({type(exc).__name__}: {quote(str(exc))})."
            result.checks.append(CheckResult(check.name, check.doc, not message, message, check.hidden, misconception,
                                             "passed" if not message else outcome))
    except BaseException:  # the grader's own failure, or an interrupt: no run is left open for the next one
        if run is not None:
            run.close(kill=True)
        raise
    if run is not None:
        run.close()
    return result


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
    try:
        return [run_exercise(by_key[k], files, sandbox, hidden, seed) for k in keys]
    finally:
        if own:
            sandbox.close()


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
