"""Every notebook runs top to bottom on the reference solutions; on the student stubs only
the cells that use an exercise stop, each with its NotImplementedError pointer."""

from __future__ import annotations

import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import REPO, SOLUTIONS

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]
MACHINE_PATHS = re.compile(r"(/work/|/root/|/home/|/tmp/|[A-Z]:\\\\Users)")


def _uses_exercise(cell) -> bool:
    tags = cell.get("metadata", {}).get("tags", [])
    return any(t.startswith("uses-exercise") for t in tags) or cell.source.lstrip().lower().startswith("# uses your exercise")


def _execute_all(package_root: Path, allow_errors: bool) -> dict[str, tuple[nbformat.NotebookNode, float]]:
    """Execute every notebook in its own kernel, as many at a time as there are cores."""
    env = {**os.environ, "PYTHONPATH": str(package_root), "LINEAR_COURSE_OFFLINE": "1"}
    env.pop("MPLBACKEND", None)

    def run(path: Path):
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        client = NotebookClient(nb, timeout=240, kernel_name="python3", allow_errors=allow_errors,
                                resources={"metadata": {"path": str(path.parent)}})
        try:
            client.execute(env=env)
        except Exception as exc:  # the failing cell's source and error, not nbclient's internals
            return path.stem, (exc, time.perf_counter() - start)
        return path.stem, (nb, time.perf_counter() - start)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return dict(pool.map(run, NOTEBOOKS))


def _print_timings(label, results, capsys):
    with capsys.disabled():
        print(f"\n{label}: " + ", ".join(f"{k} {t:.1f} s" for k, (_, t) in results.items())
              + f"; sum {sum(t for _, t in results.values()):.1f} s")


@pytest.fixture(scope="module")
def on_solutions():
    start = time.perf_counter()
    results = _execute_all(SOLUTIONS, allow_errors=False)
    return results, time.perf_counter() - start


@pytest.fixture(scope="module")
def on_stubs(tmp_path_factory, make_stubs):
    root = tmp_path_factory.mktemp("stubs")
    make_stubs.write(root / "linear_exercises")
    return _execute_all(root, allow_errors=True)


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_committed_notebook_is_clean(path):
    """No outputs, no execution counts, the python3 kernel, no paths of this machine."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"{path.name} has outputs: clear them"
        assert not MACHINE_PATHS.search(cell.source), f"{path.name} holds a machine path: {cell.source[:200]}"


@pytest.mark.slow
@pytest.mark.parametrize("name", IDS)
def test_notebook_runs_on_the_solutions(name, on_solutions, capsys):
    results, wall = on_solutions
    if name == IDS[0]:
        _print_timings(f"notebooks on the solutions ({wall:.1f} s wall)", results, capsys)
    nb, _ = results[name]
    if isinstance(nb, Exception):
        pytest.fail(f"{name} failed on the reference solutions:\n{str(nb)[-3000:]}", pytrace=False)


@pytest.mark.slow
@pytest.mark.parametrize("name", IDS)
def test_on_the_stubs_only_exercise_cells_stop(name, on_stubs):
    nb, _ = on_stubs[name]
    if isinstance(nb, Exception):
        pytest.fail(f"{name} could not run on the stubs:\n{str(nb)[-3000:]}", pytrace=False)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        for err in errors:
            assert err.ename == "NotImplementedError", (
                f"{name}: a cell failed with {err.ename}: {err.evalue}\n{cell.source[:400]}")
            assert _uses_exercise(cell), f"{name}: a cell not marked as using an exercise stopped:\n{cell.source[:400]}"
            assert "Exercise" in err.evalue, err.evalue  # the pointer names the exercise
