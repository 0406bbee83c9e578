"""The course's pytest plugin: runs the checks (pytest tests) against one submission's code in the sandbox.

A check is a pytest test: a function `test_...` in linear_checks/public/test_<exercise>.py
(shipped to students) or in the instructor's hidden folder, test_<exercise>_hidden.py
(never shipped). Its docstring's first line is what the feedback calls it. It asks for
the fixture `student` (the student's module, living in the sandbox: student.py) and
may ask for `source` (the exercise file's text) and `speed` (speed.py: the student's calls timed
against a reference's, by this process). It fails with a plain `assert ..., "message
for the student"` or with a verdicts.expect_* helper (whose messages name known mistakes).
Markers: `@pytest.mark.weight(2)` (the exercise's points are shared out by weight; 1 by
default) and `@pytest.mark.hidden` (hidden without living in the hidden folder).

This process never imports student code: `student` sends each call over the wire and gets
plain data back. The plugin
- runs the checks exercise by exercise, in the course's order, public ones first;
- before an exercise's first check: refuses a missing or too large file, and a file its
  public module's gate() refuses (a rule read from the source: no points);
- opens a run in the sandbox holding the file (again after a run died or timed out) and
  seeds each check's generator (per check name, from the grading seed);
- bounds time: CHECK_TIMEOUT per check, EXERCISE_TIMEOUT per exercise; after a check
  timed out its other cases are not run, and after MAX_TIMEOUTS nothing more is;
- turns each outcome into a CheckResult whose message is written for the student.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import re
import time

import pytest
import torch

from linear_checks import student as student_api
from linear_checks.exercises import BY_KEY, Exercise
from linear_checks.report import CheckResult, ExerciseResult, one_line
from linear_checks.sandbox import Deadline, Ended, Sandbox
from linear_checks.verdicts import quote
from linear_checks.wire import Raised, WireError

CHECK_TIMEOUT = 10.0  # seconds for one check
IMPORT_TIMEOUT = 20.0  # seconds to import the student's file
EXERCISE_TIMEOUT = 60.0  # seconds for all the checks of one exercise (imports included)
MAX_TIMEOUTS = 2
MAX_FILE_BYTES = 1 << 20
MAX_POINTER = 300  # characters of a NotImplementedError's message in the feedback
CHECK_FILE = re.compile(r"test_(?P<key>\w+?)(?P<hidden>_hidden)?\.py")
MARKERS = ("weight(n): this check's share of the exercise's points (1 by default)",
           "hidden: a hidden check (also: every check in the hidden folder)")


class NotRun(pytest.skip.Exception):
    """Raised at a check's set-up: it is not run (the reason is in the message); pytest shows it as skipped."""


class ReimportFailed(Exception):
    """The student's file was imported for an earlier check, but not now (its run had died): this check fails."""


def exercise_of(item) -> tuple[Exercise, bool]:
    """The exercise a check belongs to (from its file's name) and whether it is hidden."""
    match = CHECK_FILE.fullmatch(item.path.name)
    if not match or match["key"] not in BY_KEY:
        raise pytest.UsageError(f"{item.nodeid}: a check file is named test_<exercise>.py or "
                                f"test_<exercise>_hidden.py, with an exercise of {', '.join(BY_KEY)}")
    hidden = bool(match["hidden"]) or item.get_closest_marker("hidden") is not None
    return BY_KEY[match["key"]], hidden


def check_name(item) -> str:
    """Where a check lives, e.g. "manual_linear_hidden.test_empty_batch[3-D]": it also seeds its inputs."""
    return f"{item.path.stem.removeprefix('test_')}.{item.name}"


def check_label(item) -> str:
    """What the feedback calls a check: its docstring's first line, and its case."""
    doc = (inspect.getdoc(item.function) or item.originalname).splitlines()[0]
    case = getattr(getattr(item, "callspec", None), "id", None)
    return f"{doc} [{case}]" if case is not None else doc


def seed_of(seed: int, name: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}:{name}".encode()).digest()[:7], "big")


PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,99}")


def type_name(name: str) -> str:
    """The name of an exception type the student's code raised: as it is when it is a plain Python name, else quoted
    (a class can be given any name, line breaks and a forged score line included)."""
    return name if PLAIN_NAME.fullmatch(name) else quote(name)


def explain(exc: BaseException) -> tuple[str, str, str]:
    """(outcome, message for the student, misconception) for what a check raised; the message is one line
    (report.one_line): a check may have written student text into it unquoted."""
    outcome, message, misconception = _explain(exc)
    return outcome, one_line(message), misconception


def _explain(exc: BaseException) -> tuple[str, str, str]:
    if isinstance(exc, NotRun):
        return "not run", f"Not run: {exc}.", ""
    if isinstance(exc, Raised):
        # a stub's own pointer, shown after "Not implemented yet: " (on that line: one_line, never at its start)
        return "failed", (f"NotImplementedError: {one_line(exc.message[:MAX_POINTER])}" if exc.not_implemented
                          else f"your code raised {type_name(exc.type_name)}: {quote(exc.message)}"), ""
    if isinstance(exc, AssertionError):  # a plain assert's message, or a verdicts helper's (with its misconception)
        text = str(exc).split("\nassert ", 1)[0].strip() or "the check's condition was not met."
        return "failed", text, getattr(exc, "misconception", "")
    if isinstance(exc, Deadline):
        return "timeout", "", ""
    if isinstance(exc, Ended):
        return "crashed", "", ""
    if isinstance(exc, WireError):
        return "crashed", "Your code sent back something that is not plain data.", ""
    return "failed", f"Your code's answer could not be checked ({type(exc).__name__}: {quote(str(exc))}).", ""


def _no_traceback(excinfo, style=None) -> str:
    """A failed check's report text until pytest_runtest_makereport gives it its line."""
    return excinfo.exconly()


class Grading:
    """The plugin object: one submission (its exercise files), one sandbox, one pytest session."""

    def __init__(self, files: dict[str, bytes], sandbox: Sandbox, seed: int = 0, exercises: list[str] | None = None):
        self.files, self.sandbox, self.seed = files, sandbox, seed
        self.keys = list(exercises or BY_KEY)
        self.results: dict[str, ExerciseResult] = {}
        self.current: ExerciseResult | None = None
        self.run = None
        self.slow: list = []  # the check functions of this exercise that took too long
        self.ends = 0.0

    # -- pytest hooks ------------------------------------------------------------------------
    def pytest_configure(self, config):
        for line in MARKERS:
            config.addinivalue_line("markers", line)

    def pytest_collection_modifyitems(self, config, items):
        """Only the asked exercises, in the course's order, public checks first (one run per exercise)."""
        order = {key: i for i, key in enumerate(self.keys)}
        keep = [item for item in items if exercise_of(item)[0].key in order]
        dropped = [item for item in items if item not in keep]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        keep.sort(key=lambda item: (order[exercise_of(item)[0].key], exercise_of(item)[1]))
        for item in keep:  # pytest would format a full traceback for each failed check (1 to 2 s for a stub
            item.repr_failure = _no_traceback  # submission), which pytest_runtest_makereport replaces with one line
        items[:] = keep

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item):
        exercise, _ = exercise_of(item)
        if self.current is None or self.current.key != exercise.key:
            self._start(exercise)
        if self.current.error:
            pytest.skip(self.current.error)
        why = ("the same check took too long with other inputs" if item.function in self.slow
               else f"{MAX_TIMEOUTS} checks of this exercise already took too long" if len(self.slow) >= MAX_TIMEOUTS
               else f"this exercise's checks had used up their {EXERCISE_TIMEOUT:g} s" if time.monotonic() >= self.ends
               else "")
        if why:
            raise NotRun(why)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if call.when == "teardown" or self.current is None or self.current.error:
            return
        if call.excinfo is None:
            if call.when == "call":
                self._record(item, "passed", "", "")
            return
        exc = call.excinfo.value
        if isinstance(exc, pytest.skip.Exception) and not isinstance(exc, NotRun):
            return
        kind, message, misconception = explain(exc)
        if isinstance(exc, Deadline):
            self.slow.append(item.function)
            message = (f"Took too long (more than {CHECK_TIMEOUT:g} s): look for an endless loop."
                       if time.monotonic() < self.ends else
                       f"Took too long: this exercise's checks used up their {EXERCISE_TIMEOUT:g} s.")
            self._close(kill=True)
        elif isinstance(exc, Ended):
            message = f"Your code ended the process that ran it (exit status {self.run.exit_status})."
        elif isinstance(exc, WireError):
            self._close(kill=True)
        elif isinstance(exc, ReimportFailed):
            message, kind = str(exc), "crashed"
        message = one_line(message)
        self._record(item, kind, message, misconception)
        if report.failed:  # pytest prints the message on one line (not the wire's traceback, nor student text raw)
            where = next((f"{entry.path}:{entry.lineno + 1}: " for entry in reversed(call.excinfo.traceback)
                          if str(entry.path) == str(item.path)), "")
            report.longrepr = f"{where}{one_line(check_label(item))}: {message}"

    def pytest_sessionfinish(self, session, exitstatus):
        """The last run is closed; killed when the session did not end normally (an interrupt, an internal error)."""
        self._close(kill=exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED))

    # -- fixtures ----------------------------------------------------------------------------
    @pytest.fixture
    def student(self, request):
        """The student's module in the sandbox; every use is a request there (student.Remote)."""
        exercise, _ = exercise_of(request.node)
        if self.run is None or self.run.closed:
            self.run, why = self._import(exercise)
            if self.run is None:
                if not self.current.checks:  # the file cannot be imported at all: no check runs
                    self.current.error = why
                    pytest.skip(why)
                raise ReimportFailed(why)
        check_seed = seed_of(self.seed, check_name(request.node))
        torch.manual_seed(check_seed)
        self.run.deadline = min(time.monotonic() + CHECK_TIMEOUT, self.ends)
        student_api.seed(self.run, check_seed)
        return student_api.Remote(self.run, 0, "module")

    @pytest.fixture
    def speed(self, request, student):
        """Times the student's calls against a reference's, from this side (speed.py): use it last in a check."""
        from linear_checks.speed import Speed

        exercise, _ = exercise_of(request.node)
        return Speed(self, exercise, self.run.deadline)

    @pytest.fixture
    def source(self, request) -> str:
        """The exercise file's text (as submitted)."""
        exercise, _ = exercise_of(request.node)
        return self.files[exercise.module].decode("utf-8", "replace")

    # -- the runs ----------------------------------------------------------------------------
    def _start(self, exercise: Exercise) -> None:
        """A new exercise: the previous one's run is closed; a file that cannot be graded gets its error now."""
        self._close()
        self.current = self.results[exercise.key] = ExerciseResult(exercise.key, exercise.label, exercise.points,
                                                                  sandbox=self.sandbox.level)
        self.slow, self.ends = [], time.monotonic() + EXERCISE_TIMEOUT
        data = self.files.get(exercise.module)
        public = importlib.import_module(f"linear_checks.public.test_{exercise.key}")
        gate = getattr(public, "gate", None)
        if data is None:
            self.current.error = f"linear_exercises/{exercise.module} was not found."
        elif len(data) > MAX_FILE_BYTES:
            self.current.error = f"linear_exercises/{exercise.module} is larger than {MAX_FILE_BYTES // 1024} KiB."
        elif gate:
            self.current.error = one_line(gate(data) or "")  # the bytes, decoded as Python will import them

    def _import(self, exercise: Exercise):
        """A fresh run with the exercise's module imported: (run, "") or (None, why it failed).

        The run holds this exercise's file only, plus the grader's own support files, if the
        exercise's public check module names some (SUPPORT_FILES: e.g. exercise 6 imports
        manual_linear, and gets a grader-written one, so that it is graded on its own).
        """
        public = importlib.import_module(f"linear_checks.public.test_{exercise.key}")
        support = getattr(public, "SUPPORT_FILES", {})
        run = self.run = self.sandbox.run({**support, exercise.module: self.files[exercise.module]}, exercise.module)
        run.deadline = time.monotonic() + IMPORT_TIMEOUT
        where = f"linear_exercises/{exercise.module}"
        try:
            answer = run.request({"op": "import", "target": 0})
        except Deadline:
            run.close(kill=True)
            return None, (f"{where} could not be imported: importing it took more than {IMPORT_TIMEOUT:g} s "
                          "(an endless loop at import?)")
        except Ended:
            return None, f"{where} could not be imported: it ended the process (exit status {run.exit_status}) while being imported"
        except Exception:  # noqa: BLE001 - WireError, or anything else: the run is not left open for the next one
            run.close(kill=True)
            return None, f"{where} could not be imported: its process sent back something unreadable"
        if isinstance(answer, Raised):
            run.close()
            return None, f"{where} could not be imported: {type_name(answer.type_name)}: {quote(answer.message)}"
        return run, ""

    def _close(self, kill: bool = False) -> None:
        if self.run is not None and not self.run.closed:
            self.run.close(kill=kill)
        self.run = None

    def _record(self, item, outcome: str, message: str, misconception: str) -> None:
        _, hidden = exercise_of(item)
        marker = item.get_closest_marker("weight")
        weight = float(marker.args[0]) if marker and marker.args else 1.0
        self.current.checks.append(CheckResult(check_name(item), check_label(item), outcome == "passed", message,
                                               hidden, misconception, outcome, weight))

    def exercise_results(self) -> list[ExerciseResult]:
        """One result per asked exercise, in the course's order (an exercise with no check ran: none)."""
        return [self.results[key] for key in self.keys if key in self.results]

