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
import ast
import hashlib
import hmac
import importlib.util
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import types
from dataclasses import dataclass, field
from pathlib import Path

CHECKS_DIR = Path(__file__).resolve().parent
PUBLIC_DIR = CHECKS_DIR / "public"
HIDDEN_DIR = CHECKS_DIR / "hidden"
DEFAULT_TIMEOUT = 120.0  # seconds for a whole pytest run; each test has its own limit in pytest.ini
IMPORT_TIMEOUT = 20.0  # seconds to import one test file together with the student's file it checks
MEMORY_MB = 2048  # data segment limit of the check process (RLIMIT_DATA)


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
    note: str = ""  # something went wrong after some checks ran (a crash, a hang)
    refused: list[str] = field(default_factory=list)  # what the guard refused the student's code
    on_server: bool = False  # forked from a check server ($LINEAR_CHECKS_SERVER) rather than started

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


def _settings_from_env() -> dict:
    """Limits for the check process; the grader may tighten them through the environment."""
    env = os.environ.get
    return {"test_timeout": float(env("LINEAR_CHECKS_TEST_TIMEOUT", "0") or 0),
            "import_timeout": float(env("LINEAR_CHECKS_IMPORT_TIMEOUT", str(IMPORT_TIMEOUT))),
            "memory_mb": int(env("LINEAR_CHECKS_MEMORY_MB", str(MEMORY_MB))),
            "file_mb": int(env("LINEAR_CHECKS_FILE_MB", "64")),
            "threads": int(env("LINEAR_CHECKS_THREADS", "0") or 0)}


def hidden_dir() -> Path:
    """The hidden checks: $LINEAR_HIDDEN_CHECKS (set by the course's nbgrader_config.py), else ./hidden."""
    return Path(os.environ.get("LINEAR_HIDDEN_CHECKS") or HIDDEN_DIR)


@dataclass
class _Run:
    """What one check process reported, after verification."""

    records: list[dict]
    problem: str = ""  # it did not finish: timeout, crash, os._exit
    tampered: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    on_server: bool = False


def _run_pytest(keys: list[str], package_root: Path, hidden: bool, timeout: float) -> _Run:
    """Run the checks of these exercises in a child process (child.py); return its verified report.

    Why the runner does not simply trust the child: the child imports the student's
    code, which can do anything the child can. So
    - results come over a pipe the runner opened, not a file named in the environment,
      and every line carries an HMAC under a key sent on the child's stdin, which the
      child reads before any student code runs and keeps only inside a hash object;
      lines must arrive numbered without gaps and end with a signed "finished" line.
      Printing, writing files or writing to the pipe without the key forges nothing;
    - the runner counts the checks itself (_expected_tests parses the test files), so
      checks that never reported (the process exited early, a test was deselected)
      count as failed, and reports for checks that do not exist are ignored;
    - the child refuses some operations to student code and reports monkeypatching of
      torch, pytest and the helpers (guard.py); any such report zeroes the exercise.
    Python code in the same process could still, with effort, reach the signing
    function: this makes forging a score deliberate work, not a one-liner.
    """
    files = [str(f) for key in keys for f in _files(key, hidden)]
    limits = _settings_from_env()
    args = [*files, "-c", str(CHECKS_DIR / "pytest.ini"), "--rootdir", str(CHECKS_DIR), "--noconftest",
            "-p", "pytest_timeout", "-q", "--no-header", "--continue-on-collection-errors", "-m", " or ".join(keys)]
    if limits["test_timeout"]:
        args.append(f"--timeout={limits['test_timeout']:g}")
    key = secrets.token_bytes(32)
    with tempfile.TemporaryDirectory(prefix="linear-checks-") as tmp:
        read_fd, write_fd = os.pipe()
        settings = {**limits, "key": key.hex(), "report_fd": write_fd, "args": args,
                    "package_dir": str(package_root / "linear_exercises"),
                    "protected_dirs": [str(hidden_dir())] if hidden else []}
        env = _child_env()
        lines: list[str] = []
        with open(Path(tmp) / "output.txt", "w+b") as output:
            settings["cwd"] = tmp
            pid = _start_on_server(settings, write_fd, output.fileno())
            proc = None
            if pid is None:
                try:
                    proc = subprocess.Popen([sys.executable, "-s", "-P", "-B", str(CHECKS_DIR / "child.py")],
                                            cwd=tmp, env=env, stdin=subprocess.PIPE, stdout=output,
                                            stderr=subprocess.STDOUT, pass_fds=(write_fd,), start_new_session=True)
                finally:
                    os.close(write_fd)
            reader = threading.Thread(target=_read_lines, args=(read_fd, lines), daemon=True)
            reader.start()
            if proc is not None:
                try:
                    proc.stdin.write((json.dumps(settings) + "\n").encode())
                    proc.stdin.close()
                except OSError:  # it died before reading its settings
                    pass
                try:
                    proc.wait(timeout=timeout)
                    timed_out = False
                except subprocess.TimeoutExpired:
                    timed_out = True
                _kill_group(proc.pid)
                proc.wait()
                exit_code = proc.returncode
            else:  # a forked process of the check server: done when it closes the report pipe
                reader.join(timeout=timeout)
                timed_out = reader.is_alive()
                _kill_group(pid)
                exit_code = "unknown"
            reader.join(timeout=10)
            output.seek(0)
            tail = output.read().decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
    run = _verify(lines, key)
    run.on_server = pid is not None
    finished = next((r for r in run.records if r["kind"] == "finished"), None)
    if timed_out:
        run.problem = f"the checks did not finish within {timeout:.0f} s (an endless loop?)"
    elif finished is None:
        run.problem = f"the test process stopped early (exit code {exit_code}) {tail[0][:200]}".strip()
    if finished:
        run.tampered += finished.get("tampered", [])
        run.refused += finished.get("refused", [])
    return run


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_", "PYTHON"))}
    # No third-party plugins by entry point: faster start, and nothing a student
    # installs joins the run. pytest-timeout is named explicitly.
    env.update({"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"})
    return env


def start_server(socket_path: str) -> subprocess.Popen:
    """Start a check server (child.py --serve) listening on socket_path; returns when it is ready.

    Point $LINEAR_CHECKS_SERVER at socket_path in the environment of the processes that
    call run_checks() (the grader's kernels) and their check runs skip the imports.
    """
    proc = subprocess.Popen([sys.executable, "-s", "-P", "-B", str(CHECKS_DIR / "child.py"), "--serve", socket_path],
                            cwd=os.path.dirname(socket_path), env=_child_env(), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True, text=True)
    if proc.stdout.readline().strip() != "ready":
        proc.kill()
        raise RuntimeError("the check server did not start")
    return proc


def _kill_group(pid: int) -> None:
    """End the check process and anything it started (it leads its own session)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _start_on_server(settings: dict, write_fd: int, output_fd: int) -> int | None:
    """Run on the check server named by $LINEAR_CHECKS_SERVER (child.py --serve); its pid, or None.

    Passes the report pipe and the output file to the server, and closes this side's
    copy of the pipe when the server has them. None when there is no server or it did
    not answer: the caller then starts child.py itself.
    """
    path = os.environ.get("LINEAR_CHECKS_SERVER")
    if not path:
        return None
    import socket

    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(30)
            conn.connect(path)
            socket.send_fds(conn, [(json.dumps(settings) + "\n").encode()], [write_fd, output_fd])
            answer = conn.makefile("r").readline().strip()
    except OSError:
        return None
    if not answer.isdigit():
        return None
    os.close(write_fd)
    return int(answer)


def _read_lines(fd: int, into: list[str]) -> None:
    with os.fdopen(fd, "rb") as pipe:
        for raw in pipe:
            into.append(raw.decode("utf-8", "replace").rstrip("\n"))


def _verify(lines: list[str], key: bytes) -> _Run:
    """Keep the lines signed with this run's key, in order, up to the "finished" line."""
    run = _Run(records=[])
    for line in lines:
        data, _, mac = line.rpartition("\t")
        good = hmac.compare_digest(hmac.new(key, data.encode(), hashlib.sha256).hexdigest(), mac)
        record = json.loads(data) if good else None
        if not good or record.get("seq") != len(run.records) or (run.records and run.records[-1]["kind"] == "finished"):
            if "forged result lines" not in run.tampered:
                run.tampered.append("forged result lines")
            continue
        run.records.append(record)
    return run


def _expected_tests(path: Path) -> dict[str, tuple[int | None, str]]:
    """test function -> (how many checks it makes, first docstring line), read from the file.

    Parametrizations are counted from literal lists (or names bound to one); None
    where the count cannot be read, in which case whatever ran is counted.
    """
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return {}
    literals = {t.id: node.value for node in tree.body if isinstance(node, ast.Assign)
                for t in node.targets if isinstance(t, ast.Name) and isinstance(node.value, (ast.List, ast.Tuple))}

    def count(func) -> int | None:
        n = 1
        for dec in func.decorator_list:
            if isinstance(dec, ast.Call) and ast.unparse(dec.func).endswith("mark.parametrize"):
                values = dec.args[1] if len(dec.args) > 1 else next(
                    (k.value for k in dec.keywords if k.arg == "argvalues"), None)
                values = literals.get(values.id, values) if isinstance(values, ast.Name) else values
                if not isinstance(values, (ast.List, ast.Tuple)):
                    return None
                n *= len(values.elts)
        return n

    found = {}
    for node in tree.body:
        funcs = [(node.name, node)] if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else []
        if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            funcs = [(f"{node.name}::{f.name}", f) for f in node.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for name, func in funcs:
            if func.name.startswith("test"):
                doc = (ast.get_docstring(func) or func.name).strip().splitlines()
                found[name] = (count(func), doc[0] if doc else func.name)
    return found


def _collect(run: _Run, result: ExerciseResult, module: str, files: list[Path]) -> bool:
    """Fill result from a verified run; return whether every expected check of it reported."""
    expected: dict[tuple[str, str], tuple[int | None, str]] = {}
    for path in files:
        for func, (n, doc) in _expected_tests(path).items():
            expected[(path.stem, func)] = (n, doc)
    seen: dict[tuple[str, str], set[str]] = {}
    for r in run.records:
        stem = Path(r.get("nodeid", "").split("::")[0]).stem
        if r["kind"] == "test" and r["exercise"] == result.key:
            where = (stem, r["nodeid"].split("::", 1)[-1].split("[")[0])
            ids = seen.setdefault(where, set())
            n = expected.get(where, (None, ""))[0]
            if (expected and where not in expected) or r["nodeid"] in ids or (n is not None and len(ids) >= n):
                continue  # not a check of this exercise's files, or reported twice
            ids.add(r["nodeid"])
            result.tests.append(TestResult(r["doc"], r["nodeid"], r["outcome"] == "passed", r["message"]))
        elif r["kind"] == "collect-error" and stem in (f"test_{result.key}", f"test_{result.key}_hidden"):
            result.error = f"linear_exercises/{module} could not be imported: {r['message']}"
        elif r["kind"] == "collect-error" and not result.error and "test_" not in r["nodeid"]:
            result.error = f"the checks could not start: {r['message']}"
    complete = bool(result.error)
    if not result.error:
        missing = [(where, doc) for where, (n, doc) in expected.items()
                   for _ in range((n or 0) - len(seen.get(where, ())))]
        complete = not missing and bool(result.tests)
        for (stem, func), doc in missing:
            result.tests.append(TestResult(doc, f"{stem}.py::{func}", False,
                                           "Not run: the test process stopped before this check."))
    if not result.tests and not result.error:
        result.error = "no check ran (the test process gave no results for this exercise)"
    return complete


def _files(key: str, hidden: bool) -> list[Path]:
    files = [PUBLIC_DIR / f"test_{key}.py"] + ([hidden_dir() / f"test_{key}_hidden.py"] if hidden else [])
    return [f for f in files if f.exists()]


def run_checks(exercises: list[str] | None = None, package_root: str | os.PathLike | None = None,
               hidden: bool = False, timeout: float | None = None) -> list[ExerciseResult]:
    """Run the checks of the given exercises (all by default) against package_root.

    All of them run in one process. If that process did not finish (a crash, a hang,
    os._exit) or reported tampering, every exercise whose checks did not all report is
    run again on its own, so that only the exercise that caused it loses points.
    """
    root = Path(package_root).resolve() if package_root else default_package_root()
    timeout = timeout or float(os.environ.get("LINEAR_CHECKS_RUN_TIMEOUT", DEFAULT_TIMEOUT))
    table = {e.key: e for e in _exercise_table(root)}
    keys = list(table) if not exercises else list(exercises)
    unknown = [k for k in keys if k not in table]
    if unknown:
        raise ValueError(f"unknown exercise(s) {', '.join(unknown)}; known: {', '.join(table)}")

    def fresh(key):
        return ExerciseResult(key, table[key].label, table[key].points)

    results = {k: fresh(k) for k in keys}
    run = _run_pytest(keys, root, hidden, timeout)
    redo = []
    for key in keys:
        complete = _collect(run, results[key], table[key].module, _files(key, hidden))
        if run.tampered or (run.problem and not complete):
            redo.append(key)
        results[key].refused, results[key].on_server = list(run.refused), run.on_server
    if len(keys) == 1:
        redo = []
    for key in redo:  # find out which exercise caused it, one at a time
        results[key] = fresh(key)
        run_k = _run_pytest([key], root, hidden, timeout)
        _collect(run_k, results[key], table[key].module, _files(key, hidden))
        results[key].refused, results[key].on_server = list(run_k.refused), run_k.on_server
        _judge(results[key], run_k)
    if len(keys) == 1:
        _judge(results[keys[0]], run)
    return [results[k] for k in keys]


def _judge(result: ExerciseResult, run: _Run) -> None:
    """An exercise run on its own: tampering zeroes it; a crash keeps what verifiably passed."""
    if run.tampered:
        result.error = ("your code changed the checks or their tools (" + ", ".join(run.tampered[:5])
                        + "): this exercise gets no points")
    elif run.problem and not result.error:
        if any(t.passed for t in result.tests):
            result.note = run.problem
        else:
            result.error = run.problem


def format_report(results: list[ExerciseResult]) -> str:
    """The feedback a student reads: per exercise its score, per check what failed and why."""
    lines = []
    for res in results:
        lines.append(f"{res.label}: {res.score:g} / {res.points:g} points "
                     f"({res.n_passed} of {len(res.tests)} checks passed)" if not res.error
                     else f"{res.label}: 0 / {res.points:g} points")
        if res.error:
            lines.append(f"  ✗ {res.error}")
        if res.note:
            lines.append(f"  ✗ {res.note}")
        for what in res.refused:
            lines.append(f"  ! {what}")
        said = set()
        for t in res.tests:
            name = t.doc + (f" [{t.nodeid.split('[', 1)[1]}" if "[" in t.nodeid else "")
            if t.nodeid.split("::")[0].endswith("_hidden.py"):
                name = "(hidden check) " + name  # run at grading only
            lines.append(f"  {'✓' if t.passed else '✗'} {name}")
            if not t.passed:
                why = _explain(t.message)
                lines.append("      " + (why if why not in said or len(why) < 40 else "(the same as above)"))
                said.add(why)
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
        return "Not run: " + message.removeprefix("Skipped: ").removeprefix("not run: ") + "."
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


# grade() runs every exercise in one process on its first call and keeps the results for
# the package's current files: a notebook's five test cells then cost one process (one
# torch import). The cache outlives re-executions of this file (runpy.run_path).
_CACHE: dict = vars(sys.modules.setdefault("linear_checks_cache", types.ModuleType("linear_checks_cache"))).setdefault(
    "runs", {})


def _package_state(root: Path) -> tuple:
    package = root / "linear_exercises"
    files = sorted(package.rglob("*.py")) if package.is_dir() else []
    return tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files)


def grade(exercise: str, package_root=None) -> float:
    """For nbgrader test cells: print the feedback and return the points earned.

    Hidden checks are added when nbgrader autogrades (NBGRADER_EXECUTION=autograde).
    """
    hidden = os.environ.get("NBGRADER_EXECUTION") == "autograde"
    if hidden and not hidden_dir().is_dir():
        raise FileNotFoundError(f"the hidden checks are not at {hidden_dir()}: set LINEAR_HIDDEN_CHECKS")
    root = Path(package_root).resolve() if package_root else default_package_root()
    key = ("results", str(root), hidden, _package_state(root))
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = {r.key: r for r in run_checks(None, root, hidden=hidden)}
    if exercise not in _CACHE[key]:
        raise ValueError(f"unknown exercise {exercise!r}; known: {', '.join(_CACHE[key])}")
    result = _CACHE[key][exercise]
    print(format_report([result]), end="")
    return result.score


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
