"""pytest plugin loaded by the runner (-p report_plugin): writes one JSON line per result.

Each line holds the test id, its exercise marker, the first line of its docstring, the
outcome and a short message: the student-facing text of a failure, never a traceback.
The file is named by $LINEAR_CHECKS_REPORT.
"""

import json
import os
import re

EXERCISE_MARKERS = ("manual_linear", "param_count", "init", "weight_viz", "low_rank")

_out = None
_timed_out = set()  # checks that hit their time limit: their other parametrizations are skipped


def _write(record):
    global _out
    if _out is None:
        _out = open(os.environ["LINEAR_CHECKS_REPORT"], "a", encoding="utf-8")
    _out.write(json.dumps(record) + "\n")
    _out.flush()


def _short_message(report):
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
    return message.strip()


def pytest_runtest_logreport(report):
    if report.when == "call" or (report.when == "setup" and not report.passed):
        exercise = dict(report.user_properties).get("exercise")
        if report.failed and "Timeout" in _short_message(report):
            _timed_out.add(report.nodeid.split("[")[0])
        _write({
            "kind": "test",
            "nodeid": report.nodeid,
            "exercise": exercise,
            "doc": dict(report.user_properties).get("doc", ""),
            "outcome": report.outcome,
            "message": "" if report.passed else _short_message(report),
        })


def pytest_runtest_setup(item):
    import pytest

    marker = next((m.name for m in item.iter_markers() if m.name in EXERCISE_MARKERS), None)
    doc = (getattr(item, "function", None).__doc__ or "").strip().splitlines()
    item.user_properties.append(("exercise", marker))
    item.user_properties.append(("doc", doc[0] if doc else item.name))
    if item.nodeid.split("[")[0] in _timed_out:
        pytest.skip("not run: the same check took too long with other inputs")


def pytest_collectreport(report):
    if report.failed:
        text = report.longreprtext.strip().splitlines()
        # The useful part of an import error is its last lines ("E   SyntaxError: ...").
        detail = [line[1:].strip() for line in text if line.startswith("E ")] or text[-3:]
        message = detail[-1] if detail else "unknown error"
        where = [m for m in (re.search(r'File "([^"]+)", line (\d+)', line) for line in text) if m]
        if where:
            message += f" ({os.path.basename(where[-1].group(1))}, line {where[-1].group(2)})"
        _write({"kind": "collect-error", "nodeid": report.nodeid, "message": message})


def pytest_collection_finish(session):
    counts = {}
    for item in session.items:
        marker = next((m.name for m in item.iter_markers() if m.name in EXERCISE_MARKERS), None)
        counts[marker] = counts.get(marker, 0) + 1
    _write({"kind": "collected", "counts": counts})


def pytest_sessionfinish(session, exitstatus):
    _write({"kind": "finished", "exitstatus": int(exitstatus)})
