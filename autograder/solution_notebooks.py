"""make solutions: the executed solution notebooks in solutions/notebooks/, made in a throwaway copy of the course."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from assign import build_source, copy_course
from nbgrader_commands import _exchange, nbgrader
from paths import ASSIGNMENT, GRADEBOOK, NOTEBOOK, REPO, SOLUTION_NOTEBOOKS, say
from stub_tool import make_stubs_tool


def solutions(jobs: int, lessons: bool = True) -> None:
    """Executed notebooks (with outputs) of the graded assignment and of every lesson, in solutions/notebooks/.

    It never touches autograder/release/ (nor source/, the gradebook or the exchange):
    nbgrader's generate_solution runs in a throwaway copy of the course (copy_course()) in a
    temporary folder, the only place where the reference solutions are laid over source/,
    and only the executed graded notebook is copied out of it.
    lessons=False (--no-lessons) leaves the lesson notebooks out.
    """
    from nbgrader.api import Gradebook

    with tempfile.TemporaryDirectory(prefix="linear-solutions-") as tmp:
        course = copy_course(Path(tmp))
        build_source(course)
        with Gradebook(f"sqlite:///{course / GRADEBOOK.name}", _exchange(course)[1]) as gb:  # generate_solution asks
            gb.update_or_create_assignment(ASSIGNMENT)  # for the assignment (generate_assignment is not needed)
        # The one place the reference goes into source/: the copy's, for generate_solution to run on.
        reference = make_stubs_tool(course.parent).reference_package(Path(tmp) / "reference")
        package = course / "source" / ASSIGNMENT / "linear_exercises"
        shutil.rmtree(package)
        shutil.copytree(reference / "linear_exercises", package)
        nbgrader("generate_solution", ASSIGNMENT, "--force", quiet=True, course=course)
        SOLUTION_NOTEBOOKS.mkdir(parents=True, exist_ok=True)
        shutil.copy2(course / "solution" / ASSIGNMENT / NOTEBOOK, SOLUTION_NOTEBOOKS / NOTEBOOK)
        say(f"solutions: {(SOLUTION_NOTEBOOKS / NOTEBOOK).relative_to(REPO)}")
        if lessons:
            _run_lessons(jobs, reference)


def _run_lessons(jobs: int, reference: Path) -> None:
    """Each lesson notebook executed on the reference package (in folder `reference`) into solutions/notebooks/."""
    notebooks = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    # One kernel per job; their threads share the cores (oversubscribed BLAS threads make
    # small matrix products many times slower).
    threads = str(max(1, (os.cpu_count() or 1) // max(1, jobs)))
    env = {**os.environ, "PYTHONPATH": str(reference), "LINEAR_COURSE_OFFLINE": "1",
           "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}
    env.pop("MPLBACKEND", None)

    def run(path: Path) -> str:
        import nbformat
        from nbclient import NotebookClient

        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute(env=env, stderr=subprocess.DEVNULL)
        nbformat.write(nb, SOLUTION_NOTEBOOKS / path.name)
        return f"solutions: {(SOLUTION_NOTEBOOKS / path.name).relative_to(REPO)} ({time.perf_counter() - start:.0f} s)"

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for line in pool.map(run, notebooks):
            say(line)
