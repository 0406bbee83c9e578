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
def runner():
    """autograder/checks/runner.py, the module that runs the graded checks."""
    return load_by_path("linear_checks_runner", REPO / "autograder" / "checks" / "runner.py")


@pytest.fixture(scope="session")
def make_stubs():
    return load_by_path("make_stubs_tool", REPO / "tools" / "make_stubs.py")


def copy_solutions(dest: Path) -> Path:
    """A copy of the reference package at dest/linear_exercises; returns dest."""
    shutil.copytree(SOLUTIONS / "linear_exercises", dest / "linear_exercises",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return dest
