"""pytest plugin of the check process (child.py): one signed result line per check.

Each line holds the test id, its exercise marker, the first line of its docstring, the
outcome and a short message: the student-facing text of a failure, never a traceback.
child.py hands the Reporter a `write` function that signs each line with a per-run key
and sends it over a pipe the runner opened before any student code ran.

Besides reporting, the Reporter
- limits how long importing one test file (and with it the student's file) may take,
  so an endless loop at import costs only that exercise;
- skips the other parametrizations of a check that timed out, and the rest of an
  exercise once MAX_TIMEOUTS of its checks did;
- fails a check, and says so, when the student's code has replaced parts of torch,
  pytest or the checks' helpers (guard.Snapshot) or of a test file.
"""

from __future__ import annotations

import os
import re
import signal
import types

import pytest

import guard

EXERCISE_MARKERS = ("manual_linear", "param_count", "init", "weight_viz", "low_rank")
MAX_MESSAGE = 600  # characters of a failure message that reach the feedback
MAX_TIMEOUTS = 2  # after this many checks of one exercise timed out, its other checks are not run


def _nodeid(path: str, nodeid: str) -> str:
    """"test_x.py::test_y[...]": the file's name, not its path (hidden checks lie outside the rootdir)."""
    name = os.path.basename(str(path).split("::")[0])
    return f"{name}::{nodeid.split('::', 1)[1]}" if "::" in nodeid else name


class ImportTimeout(BaseException):
    """Importing a test file (and the student's file it loads) took too long."""


def _marker(item) -> str | None:
    return next((m.name for m in item.iter_markers() if m.name in EXERCISE_MARKERS), None)


def _short_message(report) -> str:
    longrepr = report.longrepr
    if longrepr is None:
        return ""
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None:  # an exception: "NotImplementedError: Exercise 1 ..."
        message = crash.message
    elif isinstance(longrepr, tuple):  # a skip: (file, line, reason)
        message = str(longrepr[-1])
    else:  # pytest.fail(..., pytrace=False): the message itself
        message = str(longrepr)
    message = message.strip()
    return message if len(message) <= MAX_MESSAGE else message[:MAX_MESSAGE] + " [...]"


class Reporter:
    def __init__(self, write, snapshot=None, policy=None, import_timeout: float = 0.0):
        self._write = write
        self._snapshot = snapshot
        self._policy = policy
        self._import_timeout = import_timeout
        self._timed_out: set[str] = set()  # checks that hit their time limit
        self._slow_exercises: dict[str, int] = {}  # exercise -> how many of its checks timed out
        self._tampered: list[str] = []
        self._notes: list[str] = []
        self._test_modules: dict[str, tuple[types.ModuleType, dict]] = {}
        self._collected_paths: dict[str, str] = {}  # collector node id -> its file

    # -- tampering -------------------------------------------------------------------
    def _untrusted(self, value) -> bool:
        return bool(self._policy) and guard.untrusted(value, self._policy.is_student_file)

    def _check_integrity(self) -> list[str]:
        found = list(self._snapshot.changes(self._policy.is_student_file if self._policy else (lambda f: False))
                     ) if self._snapshot else []
        for name, (module, saved) in self._test_modules.items():
            live = vars(module)
            for key, value in saved.items():
                if live.get(key) is not value:
                    found.append(f"{name}.{key}")
            for key, value in live.items():
                if key != "student" and not key.startswith("__") and self._untrusted(value):
                    found.append(f"{name}.{key}")
        new = [f for f in found if f not in self._tampered]
        self._tampered.extend(new)
        return new

    def note(self, text: str) -> None:
        self._notes.append(text)

    # -- hooks -----------------------------------------------------------------------
    @pytest.hookimpl(wrapper=True)
    def pytest_make_collect_report(self, collector):
        if not (self._import_timeout and isinstance(collector, pytest.Module)):
            return (yield)

        def expired(signum, frame):
            raise ImportTimeout(f"importing it took more than {self._import_timeout:g} s (an endless loop at import?)")

        previous = signal.signal(signal.SIGALRM, expired)
        signal.setitimer(signal.ITIMER_REAL, self._import_timeout)
        try:
            return (yield)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def pytest_collectstart(self, collector):
        if getattr(collector, "path", None) is not None:
            self._collected_paths[collector.nodeid] = str(collector.path)

    def pytest_runtest_setup(self, item):
        marker = _marker(item)
        doc = (getattr(item, "function", None).__doc__ or "").strip().splitlines()
        item.user_properties.append(("exercise", marker))
        item.user_properties.append(("doc", doc[0] if doc else item.name))
        if item.nodeid.split("[")[0] in self._timed_out:
            pytest.skip("not run: the same check took too long with other inputs")
        if self._slow_exercises.get(marker, 0) >= MAX_TIMEOUTS:
            pytest.skip(f"not run: {MAX_TIMEOUTS} checks of this exercise already took too long")

    def pytest_runtest_logreport(self, report):
        if not (report.when == "call" or (report.when == "setup" and not report.passed)):
            return
        props = dict(report.user_properties)
        message = "" if report.passed else _short_message(report)
        outcome = report.outcome
        if report.failed and "Timeout" in message:
            self._timed_out.add(report.nodeid.split("[")[0])
            exercise = props.get("exercise")
            self._slow_exercises[exercise] = self._slow_exercises.get(exercise, 0) + 1
        changed = self._check_integrity()
        if self._tampered:
            outcome = "failed"
            message = ("your code replaced parts of the checking tools ("
                       + ", ".join((changed or self._tampered)[:5]) + "): not allowed")
        self._write({"kind": "test", "nodeid": _nodeid(report.location[0], report.nodeid), "exercise": props.get("exercise"),
                     "doc": props.get("doc", ""), "outcome": outcome, "message": message})

    def pytest_collectreport(self, report):
        if report.failed:
            text = report.longreprtext.strip().splitlines()
            # The useful part of an import error is its last lines ("E   SyntaxError: ...").
            detail = [line[1:].strip() for line in text if line.startswith("E ")] or text[-3:]
            message = detail[-1] if detail else "unknown error"
            message = message.removeprefix("report_plugin.ImportTimeout: ")
            where = [m for m in (re.search(r'File "([^"]+)", line (\d+)', line) for line in text) if m]
            if where:
                message += f" ({os.path.basename(where[-1].group(1))}, line {where[-1].group(2)})"
            path = self._collected_paths.get(report.nodeid, report.nodeid)
            self._write({"kind": "collect-error", "nodeid": _nodeid(path, report.nodeid), "message": message[:MAX_MESSAGE]})

    def pytest_collection_finish(self, session):
        counts: dict[str | None, int] = {}
        for item in session.items:
            marker = _marker(item)
            counts[marker] = counts.get(marker, 0) + 1
            module = getattr(item, "module", None)
            if module is not None and module.__name__ not in self._test_modules:
                saved = {k: v for k, v in vars(module).items()
                         if callable(v) or isinstance(v, types.ModuleType)}
                self._test_modules[module.__name__] = (module, saved)
        self._check_integrity()
        self._write({"kind": "collected", "counts": counts})

    def finish(self, exitstatus: int) -> None:
        """The last line: written by child.py after pytest returns."""
        self._check_integrity()
        refused = list(self._policy.refused) if self._policy else []
        self._write({"kind": "finished", "exitstatus": int(exitstatus), "tampered": self._tampered,
                     "refused": refused, "notes": self._notes})
