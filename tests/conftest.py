"""Shared fixtures for the project's own tests (not the graded checks)."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO / "solutions"
SHARED_MNIST = REPO.parent / "shared" / "data" / "mnist-t10k"


def load_by_path(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


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
    return load_by_path("make_stubs_tool", REPO / "tools" / "make_stubs.py")


def copy_solutions(dest: Path) -> Path:
    """A copy of the reference package at dest/linear_exercises; returns dest."""
    shutil.copytree(SOLUTIONS / "linear_exercises", dest / "linear_exercises",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return dest
