"""CONTRIBUTING.md, followed step by step on a toy exercise in a copy of the course.

Adding exercise 8 ("dot") takes: a row in the table, a solution file, a public and a
hidden check file, then `make stubs`. The test then runs the checks with pytest on the
solution (step 3), builds the release (step 5), self-checks the stub in it as a student
would, grades one student who solved only the new exercise, and exports the grades.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, load_course

pytestmark = pytest.mark.slow

ROW = '    Exercise(8, "dot", "dot.py", "Dot product", 2, ("dot",)),\n'
SOLUTION = '''"""Exercise 8: the dot product of two vectors, the one number a linear layer's row gives."""

import torch


def dot(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The dot product of two 1-D tensors of one length: sum(a * b), a 0-D tensor."""
    ### BEGIN SOLUTION
    return (a * b).sum()
    ### END SOLUTION
'''
PUBLIC = '''"""Exercise 8: dot."""

import torch

from linear_checks.student import draw
from linear_checks.verdicts import call, expect_tensor_close


def test_dot_of_two_vectors(student):
    """dot(a, b) equals torch.dot(a, b)."""
    n = draw(2, 9)
    a, b = torch.randn(n), torch.randn(n)
    expect_tensor_close(call(student.dot, a, b, what="dot(a, b)"), torch.dot(a, b), "dot(a, b)",
                        "multiply a and b entry by entry, then sum.")
'''
HIDDEN = '''"""Exercise 8, hidden checks."""

import torch

from linear_checks.student import draw
from linear_checks.verdicts import call, expect_tensor_close


def test_dot_of_long_vectors(student):
    """dot(a, b) of long vectors."""
    n = draw(1000, 5000)
    a, b = torch.randn(n, dtype=torch.float64), torch.randn(n, dtype=torch.float64)
    expect_tensor_close(call(student.dot, a, b, what="dot(a, b)"), torch.dot(a, b), "dot(a, b) of long vectors")
'''


def _run(args, cwd: Path, env: dict, timeout: int = 600) -> subprocess.CompletedProcess:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def test_adding_an_exercise_as_the_guide_says(tmp_path):
    course = load_course().assign.copy_course(tmp_path)
    root = course.parent
    env = {**os.environ, "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]),
           "PYTHONPATH": str(course)}  # the copy's linear_checks (and its table), not the installed one
    env.pop("LINEAR_HIDDEN_CHECKS", None)

    # 1-3: the row, the solution, the checks
    table = course / "linear_checks" / "exercises.py"
    text = table.read_text()
    end = text.index("\n)\n", text.index("EXERCISES: tuple"))
    table.write_text(text[:end + 1] + ROW + text[end + 1:])
    (root / "solutions" / "linear_exercises" / "dot.py").write_text(SOLUTION)
    (course / "linear_checks" / "public" / "test_dot.py").write_text(PUBLIC)
    (course / "hidden_checks" / "test_dot_hidden.py").write_text(HIDDEN)
    checked = _run([sys.executable, "-m", "pytest", "autograder/linear_checks/public", "-k", "dot",
                    "--package-root", "solutions", "--hidden", "-p", "no:cacheprovider"], root, env)
    assert "2 passed" in checked.stdout and "Exercise 8 (dot): 2 / 2 points" in checked.stdout, checked.stdout

    # 4: make stubs writes the stub, the export, README's table and the graded notebook's cells
    stale = subprocess.run([sys.executable, "tools/make_stubs.py", "--check"], cwd=root, env=env,
                           capture_output=True, text=True)
    assert stale.returncode == 1 and "linear_exercises/dot.py" in stale.stdout, stale.stdout
    _run([sys.executable, "tools/make_stubs.py"], root, env)
    _run([sys.executable, "tools/make_stubs.py", "--check"], root, env)
    stub = (root / "linear_exercises" / "dot.py").read_text()
    assert 'raise NotImplementedError("Exercise 8 (dot): implement dot() in linear_exercises/dot.py")' in stub
    assert '"dot": ("dot",),' in (root / "linear_exercises" / "__init__.py").read_text()
    readme = (root / "README.md").read_text()
    assert '| 8 | Dot product: `dot` | `linear_exercises/dot.py` | `check("dot")` | 2 |' in readme
    from linear_checks.exercises import TOTAL_POINTS
    assert f"The eight exercises are worth {TOTAL_POINTS + 2} points." in readme

    # 5: the release holds the new stub and cell; a student's self-check on it fails cleanly
    _run([sys.executable, str(course / "course.py"), "release"], root, env)
    release = course / "release" / "linear_layers"
    notebook = (release / "linear_layers.ipynb").read_text()
    assert "Exercise 8: Dot product (2 points)" in notebook and 'grade(\\"dot\\")' in notebook
    student_env = {k: v for k, v in env.items() if k != "PYTHONPATH"}  # the release's own linear_checks
    own = subprocess.run([sys.executable, "-m", "linear_exercises", "dot"], cwd=release, env=student_env,
                         capture_output=True, text=True, timeout=120)
    assert own.returncode == 1, own.stdout + own.stderr
    assert "Exercise 8 (dot): 0 / 2 points" in own.stdout and "implement dot() in linear_exercises/dot.py" in own.stdout

    # one student, who solved only the new exercise, graded and exported
    handed_in = course / "submitted" / "amy" / "linear_layers"
    shutil.copytree(release, handed_in)
    shutil.copy2(root / "solutions" / "linear_exercises" / "dot.py", handed_in / "linear_exercises" / "dot.py")
    _run([sys.executable, str(course / "course.py"), "autograde", "--jobs", "1"], root, env, timeout=900)
    _run([sys.executable, str(course / "course.py"), "export"], root, env)
    with open(course / "grades_by_exercise.csv") as f:
        row = next(csv.DictReader(f))
    assert row["student_id"] == "amy" and float(row["check_dot"]) == 2, row
    assert float(row["check_manual_linear"]) == 0, row
