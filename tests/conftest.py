"""Shared fixtures for the project's own tests (not the graded checks)."""

from __future__ import annotations

import importlib
import importlib.util
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO / "solutions"  # solutions/linear_exercises/ holds the reference file of each exercise, nothing else
SHARED_MNIST = REPO.parent / "shared" / "data" / "mnist-t10k"


def load_by_path(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# The course's modules (autograder/*.py) that load_course() imports; course.py (the command line), grading_task.py
# (dask's) and the configuration files are left out.
COURSE_MODULES = ("paths", "student_ids", "collector", "nbgrader_plugins", "nbgrader_commands", "stub_tool", "leaks", "assign",
                  "solution_notebooks", "collect", "staging", "records", "gradebook", "autograde", "export",
                  "reporting")


def load_course(folder: Path = REPO / "autograder") -> SimpleNamespace:
    """The course's modules as found in folder (the repository's autograder/, or a copy made by
    load_course().assign.copy_course()), each an attribute: load_course(copy).staging.stage("alice").

    They are imported afresh from folder (their paths.COURSE is folder, and they import one another from there),
    and sys.path and sys.modules are left as they were: copies loaded one after another share no module.
    """
    saved_path = list(sys.path)
    saved = {name: sys.modules.pop(name) for name in COURSE_MODULES if name in sys.modules}
    sys.path.insert(0, str(folder))
    try:
        return SimpleNamespace(**{name: importlib.import_module(name) for name in COURSE_MODULES})
    finally:
        for name in COURSE_MODULES:
            sys.modules.pop(name, None)
        sys.modules.update(saved)
        sys.path[:] = saved_path


def _make_stubs_tool():
    return load_by_path("make_stubs_tool", REPO / "tools" / "make_stubs.py")


# The reference package (the solutions laid over linear_exercises/'s helpers) that the package
# tests, the lessons run on the solutions and the browser test import.
REFERENCE = _make_stubs_tool().temporary_reference_package()


@pytest.fixture(scope="session")
def sandbox():
    """One sandbox for the session's check runs (bubblewrap where installed), as the grader uses it."""
    from linear_checks.runner import default_sandbox
    from linear_checks.sandbox import SLOW_IMPORTS

    box = default_sandbox(preload=SLOW_IMPORTS)
    yield box
    box.close()


@pytest.fixture(scope="session")
def grade_package(sandbox):
    """grade_package(root, exercises=None, hidden=False) -> [ExerciseResult]: the checks on root/linear_exercises."""
    from linear_checks.runner import run_checks

    def run(root, exercises=None, hidden=False, seed=None):
        return run_checks(exercises, package_root=root, hidden=hidden, sandbox=sandbox, seed=seed)

    return run


@pytest.fixture(scope="session")
def make_stubs():
    return _make_stubs_tool()


def copy_stubs(dest: Path) -> Path:
    """The student package (helpers and stubs) at dest/linear_exercises; returns dest."""
    _make_stubs_tool().write(dest / "linear_exercises")
    return dest


def copy_solutions(dest: Path) -> Path:
    """A copy of the reference package at dest/linear_exercises; returns dest."""
    shutil.copytree(REFERENCE / "linear_exercises", dest / "linear_exercises",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return dest
