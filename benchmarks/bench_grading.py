"""How fast a class is graded (`make bench-grading`; also the "grading" section of `make bench`).

In a temporary copy of the course, N fake submissions (a mix of complete, partial and
untouched work) are graded four ways, one after the other in the same run:
  1. plain `nbgrader autograde` + `nbgrader generate_feedback`, serial (the baseline);
  2. autograder/course.py autograde on a LocalCluster with one worker;
  3. the same with one worker per core;
  4. the same on a loopback cluster: `dask scheduler` + 2 `dask worker` processes on 127.0.0.1.
Each prints submissions per minute; the one-worker run, less a one-student run, gives
what one worker core spends per submission (the sizing figure in README.md).
It also times the student's self-check (public checks, one exercise and all) from a
terminal (`python -m linear_exercises`: a fresh Python and sandbox, timed in turns with
`python -c "import torch"`) and as check() in a running kernel (the first call
starts the sandbox, later ones find it warm). Prints a table; asserts nothing.

    python benchmarks/bench_grading.py                  # 20 submissions
    python benchmarks/bench_grading.py --students 100   # a full class
"""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOLUTION = REPO / "solutions" / "linear_exercises"
sys.path.insert(0, str(REPO / "tools"))

from loopback_cluster import LoopbackCluster  # noqa: E402


@functools.lru_cache(maxsize=None)
def _course_module(name: str):
    """A module of the course (autograder/<name>.py), imported as course.py imports it: from autograder/."""
    if str(REPO / "autograder") not in sys.path:
        sys.path.insert(0, str(REPO / "autograder"))
    return importlib.import_module(name)


def _timed(cmd: list[str], cwd: Path, env: dict | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode not in (0, 1):  # the self-check exits 1 when points are missing
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return time.perf_counter() - start


def _exercise_files() -> list[str]:
    return [Path(f).name for f in _course_module("nbgrader_plugins").STUDENT_FILES]


def _make_class(course: Path, n: int) -> None:
    """n submissions: every third complete, every third with two exercises done, the rest untouched."""
    release = course / "release" / "linear_layers"
    files = _exercise_files()
    for i in range(n):
        folder = course / "submitted" / f"student{i:03d}" / "linear_layers"
        shutil.copytree(release, folder)
        done = files if i % 3 == 0 else files[:2] if i % 3 == 1 else ()
        for name in done:
            shutil.copy2(SOLUTION / name, folder / "linear_exercises" / name)


def _reset(course: Path) -> None:
    for name in ("autograded", "feedback", ".grading"):
        shutil.rmtree(course / name, ignore_errors=True)
    shutil.copy2(course / "gradebook.release.db", course / "gradebook.db")  # the assignment, no grades


def bench(students: int, repeats: int, emit, sections=("selfcheck", "grading")) -> None:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    py = sys.executable
    bin_dir = str(Path(py).parent)
    env = {**os.environ, "PATH": os.pathsep.join([bin_dir, os.environ.get("PATH", "")])}
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        course = _course_module("assign").copy_course(Path(tmp) / "course")  # not /tmp itself: the release refuses paths of this machine
        subprocess.run([py, str(course / "course.py"), "release"], check=True, capture_output=True, env=env)
        shutil.copy2(course / "gradebook.db", course / "gradebook.release.db")

        # Self-check: the public checks on a complete package, as a student runs them.
        if "selfcheck" in sections:
            package_root = Path(tmp) / "selfcheck" / "linear_layers"
            shutil.copytree(course / "release" / "linear_layers", package_root)
            for name in _exercise_files():
                shutil.copy2(SOLUTION / name, package_root / "linear_exercises" / name)
            from linear_checks.runner import default_sandbox, run_checks

            for label, keys in (("one exercise (manual_linear)", ["manual_linear"]), ("all exercises", [])):
                # a terminal command (Python start and sandbox start included), then check() in a
                # kernel: its first call starts the sandbox, later calls find it warm
                # side by side with `python -c "import torch"` (item 6's yardstick: at most 1.3x), in turns
                cold, torch_import = [], []
                for _ in range(repeats):
                    cold.append(_timed([py, "-m", "linear_exercises", *keys], package_root, env))
                    torch_import.append(_timed([py, "-c", "import torch"], package_root, env))
                first, warm = [], []
                for _ in range(repeats):
                    start = time.perf_counter()
                    sandbox = default_sandbox()
                    run_checks(keys or None, package_root, sandbox=sandbox)
                    first.append(time.perf_counter() - start)
                    for _ in range(2):
                        time.sleep(2)  # a student edits between calls: the sandbox loads torchvision meanwhile
                        start = time.perf_counter()
                        run_checks(keys or None, package_root, sandbox=sandbox)
                        warm.append(time.perf_counter() - start)
                    sandbox.close()
                emit("selfcheck", f"self-check {label}, from a terminal", statistics.median(cold), "s",
                     baseline=statistics.median(torch_import), note="ratio to python -c 'import torch', run in turns")
                emit("selfcheck", f"self-check {label}, first check() in a kernel", statistics.median(first), "s")
                emit("selfcheck", f"self-check {label}, later check() calls (2 s apart)", statistics.median(warm), "s")

        if "grading" not in sections:
            return
        _make_class(course, students)
        # 1. the baseline: nbgrader's own commands, serial.
        _reset(course)
        start = time.perf_counter()
        for cmd in (["autograde", "linear_layers"], ["generate_feedback", "linear_layers"]):
            proc = subprocess.run([py, "-m", "nbgrader", *cmd, "--force"], cwd=course, capture_output=True, text=True,
                                  env={**env, "LINEAR_HIDDEN_CHECKS": str(course / "hidden_checks")})
            if proc.returncode:
                raise SystemExit(f"nbgrader {cmd[0]} failed:\n{proc.stderr[-3000:]}")
        baseline = time.perf_counter() - start
        emit("grading", f"nbgrader autograde + feedback, serial ({students} subs)", baseline, "s")
        emit("grading", "  per submission", baseline / students, "s")
        # 2.-4. this course's grader on dask: a LocalCluster of 1 worker and of one per core, and a
        # loopback cluster (the stock `dask scheduler` and `dask worker` commands, 2 workers).
        per_minute = lambda seconds: students / seconds * 60  # noqa: E731
        emit("grading", "  submissions per minute", per_minute(baseline), "/min")
        runs = [(f"local cluster, {jobs} worker(s)", ["--jobs", str(jobs)]) for jobs in sorted({1, cores})]
        runs.append(("loopback cluster, 2 worker processes", None))
        timings = {}
        _reset(course)  # start-up (cluster, torch, nbgrader, sandbox) and one submission
        one = _timed([py, str(course / "course.py"), "autograde", "--jobs", "1", "--student", "student000"],
                     course, env)
        for label, args in runs:
            _reset(course)
            if args is None:
                with LoopbackCluster(workers=2, folder=Path(tmp) / "worker-host") as cluster, \
                        ThreadPoolExecutor(1) as pool:
                    run = pool.submit(_timed, [py, str(course / "course.py"), "autograde", "--scheduler",
                                               cluster.address], course, env)
                    memory = [0]
                    while not run.done():  # the largest worker, sampled while it grades
                        memory = max(memory, [max(cluster.memory(), default=0)])
                        time.sleep(0.5)
                    seconds = run.result()
            else:
                seconds = _timed([py, str(course / "course.py"), "autograde", *args], course, env)
                timings[args[1]] = seconds
            emit("grading", f"course.py autograde + feedback, {label} ({students} subs)", seconds, "s",
                 baseline=baseline, note="ratio to the serial nbgrader baseline")
            emit("grading", "  submissions per minute", per_minute(seconds), "/min",
                 baseline=per_minute(baseline), note="ratio: times as many as serial nbgrader")
            emit("grading", "  projected class of 100", (one + (seconds - one) * 99 / (students - 1)) / 60, "min",
                 note="start-up once, then this run's pace" + (
                     "; aim: under 2.5 min on 2 cores" if args and args[1] == str(cores) else ""))
        emit("grading", "  worker memory (process, sandbox, kernel)", max(memory) / 2**20, "MiB",
             note="the largest loopback worker, sampled while grading")
        # What one worker spends on one submission (startup excluded): the sizing figure in README.md.
        cost = (timings["1"] - one) / (students - 1)
        emit("grading", "  one worker, per submission after the first", cost, "s",
             note=f"1,000 students in 1 h: {1000 * cost / 3600:.1f} cores; 10,000: {10000 * cost / 3600:.1f} cores")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=["selfcheck", "grading"], help="selfcheck, grading")
    parser.add_argument("--json", default=None, help="also write the rows as JSON to this file")
    args = parser.parse_args()
    rows = []

    def emit(section, name, value, unit, baseline=None, note=""):
        ratio = value / baseline if baseline else None
        rows.append({"section": section, "name": name, "value": value, "unit": unit, "baseline": baseline,
                     "ratio": ratio, "note": note})
        ratio_s = f"{ratio:7.2f}x" if ratio is not None else " " * 8
        print(f"{section:<10} {name:<58} {value:>10.4g} {unit:<7} {ratio_s}  {note}", flush=True)

    bench(args.students, args.repeats, emit, sections=args.only)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
