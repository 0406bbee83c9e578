"""The course notebooks: committed clean, run top to bottom on the reference solutions,
and, for the lesson notebooks, run on the student stubs the way JupyterLab's Run All does
(stopping at the first error): every cell must run, and each cell that uses an exercise
says in one line that it is not done yet (linear_exercises.needs) instead of raising.

Every notebook runs in a fresh kernel of its own, several at a time (one per CPU core),
with the notebooks folder as working directory, PYTHONPATH pointing at the package under
test, LINEAR_COURSE_OFFLINE=1 and MPLBACKEND unset (so plots use the inline backend).
The wall time of each notebook is printed in the test output and written to
artifacts/notebook-timings.txt (rewritten by every test run). Nothing an executed cell
prints may go to stderr: warnings and log lines from libraries fail the test.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from conftest import REFERENCE, copy_stubs

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPO / "notebooks"
TIMINGS_FILE = REPO / "artifacts" / "notebook-timings.txt"

NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]
# Lesson notebooks are numbered (01_..., 02_...); other notebooks (exercise or solution
# notebooks) run only on the reference solutions.
LESSONS = [p for p in NOTEBOOKS if re.match(r"\d\d_", p.name)]
LESSON_IDS = [p.stem for p in LESSONS]

CELL_TIMEOUT_S = 300
# Absolute paths that only exist on someone's machine: /<top>/... and C:\\Users\\...
MACHINE_TOPS = ("work", "root", "home", "tmp", "Users")
MACHINE_PATHS = re.compile("(" + "|".join(f"/{top}/" for top in MACHINE_TOPS) + r"|[A-Za-z]:\\\\Users)")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
EXERCISE_MARK = re.compile(r"uses your exercise", re.IGNORECASE)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass
class Run:
    """One notebook executed: the executed notebook, or what went wrong, and its wall time."""

    nb: nbformat.NotebookNode
    seconds: float
    failure: str | None = None


def _guard_cell(package_root: Path) -> nbformat.NotebookNode:
    """A first cell that fails unless linear_exercises is imported from package_root."""
    return nbformat.v4.new_code_cell(
        "import pathlib as _p, linear_exercises as _le\n"
        f"_root = _p.Path({str(package_root.resolve())!r})\n"
        "assert _root in _p.Path(_le.__file__).resolve().parents, "
        "f'linear_exercises came from {_le.__file__}, not from {_root}'\n"
        "del _p, _le, _root"
    )


def _describe_failure(nb: nbformat.NotebookNode, exc: BaseException) -> str:
    """The failing cell (number and source) and its error, without colour codes."""
    for index, cell in enumerate(nb.cells):
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors:
            trace = ANSI.sub("", "\n".join(errors[0].get("traceback", [])))
            return (f"code cell {index} failed (counting from 0, markdown included):\n"
                    f"----- source -----\n{cell.source}\n----- error -----\n{trace[-4000:]}")
    return f"{type(exc).__name__}: {ANSI.sub('', str(exc))[-4000:]}"


def _execute(path: Path, package_root: Path, threads: int) -> Run:
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, _guard_cell(package_root))
    # The shipped MNIST digits, also for stubs written to a folder outside the repository.
    env = {**os.environ, "PYTHONPATH": str(package_root), "LINEAR_COURSE_OFFLINE": "1",
           "LINEAR_DATA_DIR": str(REPO / "datasets" / "mnist-t10k")}
    env.pop("MPLBACKEND", None)
    # Kernels run side by side: give each its share of the cores rather than letting every
    # one start a thread per core (oversubscribed BLAS threads slow everything down).
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, str(threads))
    client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    failure, error = None, None
    try:
        client.execute(env=env)
    except Exception as exc:  # a failing cell, a timeout, a dead kernel, no kernel at all
        error = exc
    seconds = time.perf_counter() - start
    guard = nb.cells.pop(0)  # before describing a failure, so cell numbers are the notebook's
    if isinstance(error, CellExecutionError):
        failure = _describe_failure(nb, error)
    elif error is not None:
        failure = f"{type(error).__name__}: {ANSI.sub('', str(error))[-4000:]}"
    for out in guard.outputs:
        if out.get("output_type") == "error":  # wins over anything else: the wrong package ran
            failure = f"the package under test was not the one imported: {out.get('evalue')}"
    return Run(nb, seconds, failure)


def _execute_all(paths: list[Path], package_root: Path) -> tuple[dict[str, Run], float]:
    """Execute the notebooks in parallel, one kernel each; returns the runs and the wall time."""
    workers = max(1, min(_cores(), len(paths)))
    threads = max(1, _cores() // workers)
    # Start the biggest notebooks first so that the slow ones do not come last.
    order = sorted(paths, key=lambda p: p.stat().st_size, reverse=True)
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        runs = dict(zip((p.stem for p in order),
                        pool.map(lambda p: _execute(p, package_root, threads), order)))
    return {p.stem: runs[p.stem] for p in paths}, time.perf_counter() - start


# Set once this test run has written the timings file: its first report starts the file
# afresh, later reports of the same run add to it.
_timings_written = False


def _stderr_outputs(nb: nbformat.NotebookNode) -> list[str]:
    """What the notebook's cells wrote to stderr: one 'cell N: text' entry per stream."""
    return [f"cell {index}:\n{cell.source[:300]}\n-> stderr: {out.text[:1000]}"
            for index, cell in enumerate(nb.cells) if cell.cell_type == "code"
            for out in cell.outputs if out.output_type == "stream" and out.name == "stderr"]


def _report(request, label: str, runs: dict[str, Run], wall: float) -> None:
    """Show the timings in the pytest output (whatever the capture mode) and in a file."""
    global _timings_written
    lines = [f"{label}: {len(runs)} notebooks in {wall:.1f} s wall "
             f"({sum(r.seconds for r in runs.values()):.1f} s summed over {_cores()} core(s))"]
    lines += [f"  {name:40} {run.seconds:6.1f} s{'  FAILED' if run.failure else ''}"
              for name, run in runs.items()]
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        if reporter is not None:
            reporter.write_line("")
            for line in lines:
                reporter.write_line(line)
        else:
            print("\n".join(lines))
    TIMINGS_FILE.parent.mkdir(exist_ok=True)
    with TIMINGS_FILE.open("a" if _timings_written else "w", encoding="utf-8") as f:
        f.write(f"# {time.strftime('%Y-%m-%d %H:%M:%S')}\n" + "\n".join(lines) + "\n")
    _timings_written = True


@pytest.fixture(scope="module")
def on_solutions(request):
    runs, wall = _execute_all(NOTEBOOKS, REFERENCE)
    _report(request, "notebooks on the reference solutions", runs, wall)
    return runs


@pytest.fixture(scope="module")
def on_stubs(request, tmp_path_factory):
    root = copy_stubs(tmp_path_factory.mktemp("stubs"))
    runs, wall = _execute_all(LESSONS, root)
    _report(request, "lesson notebooks on the student stubs", runs, wall)
    return runs


def _uses_exercise(cell) -> bool:
    """Cells that use an exercise say so in a tag (uses-exercise-N) or a first-line comment."""
    tags = cell.get("metadata", {}).get("tags", [])
    first_line = cell.source.lstrip().splitlines()[0] if cell.source.strip() else ""
    return any(t.startswith("uses-exercise") for t in tags) or (
        first_line.startswith("#") and bool(EXERCISE_MARK.search(first_line)))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 3, f"expected the course notebooks in {NOTEBOOK_DIR}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_committed_notebook_is_clean(path):
    """No outputs, no execution counts, the python3 kernel, no paths of this machine."""
    text = path.read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", f"{path.name}: kernel must be python3"
    assert "widgets" not in nb.metadata, f"{path.name} stores widget state: clear it before committing"
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not cell.outputs, f"{path.name}, cell {index} has outputs: clear them before committing"
            assert cell.execution_count is None, f"{path.name}, cell {index} has an execution count"
    found = MACHINE_PATHS.search(text)
    assert found is None, (f"{path.name} holds a path of this machine: "
                           f"...{text[max(0, found.start() - 80):found.end() + 80]}...")


@pytest.mark.slow
@pytest.mark.parametrize("name", IDS)
def test_notebook_runs_on_the_solutions(name, on_solutions):
    run = on_solutions[name]
    if run.failure:
        pytest.fail(f"{name} failed on the reference solutions after {run.seconds:.1f} s\n{run.failure}",
                    pytrace=False)
    errors = [o for c in run.nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
    stderr = _stderr_outputs(run.nb)
    assert not stderr, f"{name} wrote to stderr on the reference solutions:\n\n" + "\n\n".join(stderr)


@pytest.mark.slow
@pytest.mark.parametrize("name", LESSON_IDS)
def test_run_all_on_the_stubs_reaches_the_end(name, on_stubs):
    """Like JupyterLab's Run All (which stops at the first error): every code cell runs.

    A cell that uses an unsolved exercise says so in one line (linear_exercises.needs)
    instead of raising, so everything after it still appears.
    """
    run = on_stubs[name]
    if run.failure:
        pytest.fail(f"Run All on the student stubs stopped in {name}\n{run.failure}", pytrace=False)
    problems = []
    for index, cell in enumerate(run.nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.execution_count is None:
            problems.append(f"cell {index} did not run:\n{cell.source[:300]}")
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        if _uses_exercise(cell) and "is not done yet" not in text:
            problems.append(f"cell {index} uses an exercise but does not say it is not done yet:\n"
                            f"{cell.source[:300]}\n-> {text[:300]!r}")
    problems += [f"wrote to stderr in {where}" for where in _stderr_outputs(run.nb)]
    assert not problems, f"{name} on the student stubs:\n\n" + "\n\n".join(problems)
