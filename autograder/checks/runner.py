"""Run the graded checks in a separate process and turn the results into feedback.

Used three ways, all giving the same report:
- by students: `check("manual_linear")` in a notebook, or
  `python autograder/checks/runner.py manual_linear` in a terminal;
- by nbgrader's test cells: `grade("manual_linear")` prints the report and returns the
  points as the cell's last expression (partial credit);
- by the project's own tests, pointing --package-root at another copy of the package.

The checks run in a child pytest process with its own ini (-c), no conftest and no
cache, so files a student adds change nothing and stale imports in a kernel don't
matter. Nothing from the child reaches this process's stderr. If the child hangs or
dies (an infinite loop at import, os._exit, a crash), each exercise is re-run on its
own, so only the exercise that caused it loses points.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

CHECKS_DIR = Path(__file__).resolve().parent
PUBLIC_DIR = CHECKS_DIR / "public"
HIDDEN_DIR = CHECKS_DIR / "hidden"
DEFAULT_TIMEOUT = 120.0  # seconds for a whole pytest run; each test has its own limit in pytest.ini


@dataclass
class TestResult:
    doc: str
    nodeid: str
    passed: bool
    message: str = ""


@dataclass
class ExerciseResult:
    key: str
    label: str
    points: float
    tests: list[TestResult] = field(default_factory=list)
    error: str = ""  # why the checks could not run at all

    @property
    def n_passed(self) -> int:
        return sum(t.passed for t in self.tests)

    @property
    def score(self) -> float:
        if self.error or not self.tests:
            return 0.0
        return round(self.points * self.n_passed / len(self.tests), 2)


def _exercise_table(package_root: Path):
    """The EXERCISES table, read from the package file without importing the package."""
    candidates = [package_root / "linear_exercises" / "exercises.py",
                  CHECKS_DIR.parent.parent / "solutions" / "linear_exercises" / "exercises.py"]
    path = next(p for p in candidates if p.exists())
    spec = importlib.util.spec_from_file_location("_linear_exercises_table", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module.EXERCISES


def default_package_root() -> Path:
    """The folder holding the linear_exercises package next to these checks."""
    return CHECKS_DIR.parent.parent


def _run_pytest(keys: list[str], package_root: Path, hidden: bool, timeout: float) -> tuple[list[dict], str]:
    """Run pytest on the checks of these exercises; return the report records and a problem, if any."""
    # Only the files of these exercises: faster, and a module that cannot be imported
    # shows up only in its own exercise.
    files = [PUBLIC_DIR / f"test_{key}.py" for key in keys]
    if hidden:
        files += [HIDDEN_DIR / f"test_{key}_hidden.py" for key in keys]
    files = [str(f) for f in files if f.exists()]
    with tempfile.TemporaryDirectory(prefix="linear-checks-") as tmp:
        report = Path(tmp) / "report.jsonl"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
        env.update({
            # No third-party plugins by entry point: faster start, and nothing a student
            # installs joins the run. pytest-timeout is named explicitly below.
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
            "PYTHONPATH": os.pathsep.join([str(package_root), str(CHECKS_DIR)]),
            "LINEAR_CHECKS_REPORT": str(report),
            "MPLBACKEND": "Agg",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONHASHSEED": "0",
        })
        cmd = [sys.executable, "-m", "pytest", *files, "-c", str(CHECKS_DIR / "pytest.ini"),
               "--rootdir", str(CHECKS_DIR), "--noconftest", "-p", "pytest_timeout", "-p", "report_plugin",
               "-q", "--no-header", "--continue-on-collection-errors", "-m", " or ".join(keys)]
        try:
            proc = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True,
                                  timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return _read(report), f"the checks did not finish within {timeout:.0f} s (an endless loop?)"
        records = _read(report)
        if not any(r["kind"] == "finished" for r in records):
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [""]
            return records, f"the test process stopped early (exit code {proc.returncode}) {tail[0][:200]}".strip()
        return records, ""


def _read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def _collect(records: list[dict], result: ExerciseResult, module: str) -> None:
    for r in records:
        if r["kind"] == "test" and r["exercise"] == result.key:
            result.tests.append(TestResult(r["doc"], r["nodeid"], r["outcome"] == "passed", r["message"]))
        elif r["kind"] == "collect-error" and Path(r["nodeid"]).stem in (f"test_{result.key}", f"test_{result.key}_hidden"):
            result.error = f"linear_exercises/{module} could not be imported: {r['message']}"
        elif r["kind"] == "collect-error" and not result.error and "test_" not in r["nodeid"]:
            result.error = f"the checks could not start: {r['message']}"
    if not result.tests and not result.error:
        result.error = "no check ran (the test process gave no results for this exercise)"


def run_checks(exercises: list[str] | None = None, package_root: str | os.PathLike | None = None,
               hidden: bool = False, timeout: float = DEFAULT_TIMEOUT) -> list[ExerciseResult]:
    """Run the checks of the given exercises (all by default) against package_root."""
    root = Path(package_root).resolve() if package_root else default_package_root()
    table = {e.key: e for e in _exercise_table(root)}
    keys = list(table) if not exercises else list(exercises)
    unknown = [k for k in keys if k not in table]
    if unknown:
        raise ValueError(f"unknown exercise(s) {', '.join(unknown)}; known: {', '.join(table)}")
    results = {k: ExerciseResult(k, table[k].label, table[k].points) for k in keys}
    records, problem = _run_pytest(keys, root, hidden, timeout)
    if problem and len(keys) > 1:  # find out which exercise caused it, one at a time
        for key in keys:
            records_k, problem_k = _run_pytest([key], root, hidden, timeout)
            _collect(records_k, results[key], table[key].module)
            if problem_k:
                results[key].error = problem_k
    else:
        for key in keys:
            _collect(records, results[key], table[key].module)
            if problem:
                results[key].error = problem
    return [results[k] for k in keys]


def format_report(results: list[ExerciseResult]) -> str:
    """The feedback a student reads: per exercise its score, per check what failed and why."""
    lines = []
    for res in results:
        lines.append(f"{res.label}: {res.score:g} / {res.points:g} points "
                     f"({res.n_passed} of {len(res.tests)} checks passed)" if not res.error
                     else f"{res.label}: 0 / {res.points:g} points")
        if res.error:
            lines.append(f"  ✗ {res.error}")
        for t in res.tests:
            name = t.doc + (f" [{t.nodeid.split('[', 1)[1]}" if "[" in t.nodeid else "")
            lines.append(f"  {'✓' if t.passed else '✗'} {name}")
            if not t.passed:
                lines.append("      " + _explain(t.message))
        lines.append("")
    total = sum(r.score for r in results)
    points = sum(r.points for r in results)
    if len(results) > 1:
        lines.append(f"Total: {total:g} / {points:g} points")
    return "\n".join(lines).rstrip() + "\n"


def _explain(message: str) -> str:
    if message.startswith("NotImplementedError"):
        return "Not implemented yet: " + message.partition(":")[2].strip()
    if message.startswith(("Failed: Timeout", "Timeout")):
        return "Took too long (more than the per-check limit): look for an endless loop."
    if message.removeprefix("Skipped: ").startswith("not run:"):
        return "Not run: the same check took too long with other inputs."
    return message.removeprefix("Failed: ")


class CheckSummary:
    """What check() returns: the results, shown in a notebook as a one-line summary."""

    def __init__(self, results: list[ExerciseResult]):
        self.results = results
        self.score = sum(r.score for r in results)
        self.points = sum(r.points for r in results)

    @property
    def all_passed(self) -> bool:
        return all(r.tests and r.n_passed == len(r.tests) and not r.error for r in self.results)

    def __repr__(self) -> str:
        return f"{self.score:g} / {self.points:g} points"


def check(exercise: str | None = None, package_root=None) -> CheckSummary:
    """Run the public checks of one exercise (or all), print the feedback, return a summary."""
    results = run_checks([exercise] if exercise else None, package_root)
    print(format_report(results), end="")
    return CheckSummary(results)


def grade(exercise: str, package_root=None) -> float:
    """For nbgrader test cells: print the feedback and return the points earned.

    Hidden checks are added when nbgrader autogrades (NBGRADER_EXECUTION=autograde).
    """
    hidden = os.environ.get("NBGRADER_EXECUTION") == "autograde"
    results = run_checks([exercise], package_root, hidden=hidden)
    print(format_report(results), end="")
    return results[0].score


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check the linear_exercises package.")
    parser.add_argument("exercises", nargs="*", help="exercise names (default: all)")
    parser.add_argument("--package-root", default=None, help="folder that holds linear_exercises/")
    parser.add_argument("--hidden", action="store_true", help="include the hidden checks (instructors)")
    parser.add_argument("--json", default=None, help="also write the results as JSON to this file")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    args = parser.parse_args(argv)
    results = run_checks(args.exercises or None, args.package_root, args.hidden, args.timeout)
    print(format_report(results), end="")
    if args.json:
        Path(args.json).write_text(json.dumps([
            {"exercise": r.key, "score": r.score, "points": r.points, "error": r.error,
             "tests": [t.__dict__ for t in r.tests]} for r in results], indent=2))
    return 0 if all(r.score == r.points for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
