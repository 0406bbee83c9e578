"""A small fake class goes through release -> zip_collect -> autograde -> feedback -> export.

The course (autograder/, solutions/linear_exercises/, tools/) is copied to a temporary
folder, so the repository's own autograder/ stays clean. Every student's expected
score is written out below; the CSV must hold exactly those numbers.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from conftest import REPO, load_by_path

pytestmark = pytest.mark.slow

EXERCISE_FILES = {"manual_linear": "manual_linear.py", "param_count": "param_count.py",
                  "init": "initialization.py", "weight_viz": "weight_viz.py", "low_rank": "low_rank.py"}
POINTS = {"manual_linear": 4, "param_count": 2, "init": 3, "weight_viz": 3, "low_rank": 3}
SOLUTION = REPO / "solutions" / "linear_exercises"


def _append(package: Path, exercise: str, code: str) -> None:
    path = package / EXERCISE_FILES[exercise]
    path.write_text(path.read_text() + "\n\n" + code + "\n")


def _solved(package: Path, *exercises: str) -> None:
    for e in exercises:
        shutil.copy2(SOLUTION / EXERCISE_FILES[e], package / EXERCISE_FILES[e])


ALL = tuple(EXERCISE_FILES)


def _tamper_notebook(folder: Path) -> None:
    """An added cell that fakes the grader, an edited test cell and a deleted one."""
    path = folder / "linear_layers.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(1, nbformat.v4.new_code_cell("import sys\nsys.path.insert(0, 'autograder/checks')\n"
                                                 "import runner\nrunner.grade = lambda key: 4"))
    for cell in nb.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid == "check_manual_linear":
            cell.source = "4"
    nb.cells = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") != "check_param_count"]
    nbformat.write(nb, path)


# student id -> (how to change the released folder, expected score per exercise, feedback must mention)
CLASS = {
    "alice": (lambda f, p: _solved(p, *ALL), dict(POINTS), []),
    "bob": (lambda f, p: None, {}, ["Not implemented yet"]),
    "carol": (lambda f, p: _solved(p, "param_count", "init"), {"param_count": 2, "init": 3}, []),
    "dave": (lambda f, p: (_solved(p, *ALL), _append(p, "manual_linear", "while True:\n    pass")),
             {k: v for k, v in POINTS.items() if k != "manual_linear"}, ["endless loop at import"]),
    "erin": (lambda f, p: (_solved(p, *ALL), _append(p, "low_rank", "import os\nos._exit(0)")),
             {k: v for k, v in POINTS.items() if k != "low_rank"}, []),
    "frank": (lambda f, p: (_solved(p, *ALL), (f / "linear_layers.ipynb").write_text("{ this is not json")),
              dict(POINTS), ["could not be read"]),
    "gina": (lambda f, p: (_solved(p, *ALL), (f / "linear_layers.ipynb").unlink(), (p / "weight_viz.py").unlink()),
             {k: v for k, v in POINTS.items() if k != "weight_viz"}, ["No linear_layers.ipynb was handed in",
                                                                     "weight_viz.py was not handed in"]),
    "harry": (lambda f, p: (_solved(p, *ALL), _append(p, "init", "def broken(:")),
              {k: v for k, v in POINTS.items() if k != "init"}, ["SyntaxError"]),
    "ivan": (lambda f, p: _tamper_notebook(f), {}, ["were missing and were put back", "had been edited",
                                                    "code cell(s) you added were not run"]),
    "judy": (lambda f, p: (_solved(p, "param_count"), _append(
        p, "manual_linear", "torch.allclose = lambda *a, **k: True\n\n"
                            "def manual_linear(x, weight, bias=None):\n"
                            "    return torch.zeros(*x.shape[:-1], weight.shape[0])")),
             {"param_count": 2}, ["torch.allclose"]),
    "kim": (lambda f, p: ((f / "autograder" / "checks" / "public" / "test_manual_linear.py").write_text(
        "import pytest\npytestmark = pytest.mark.manual_linear\n\ndef test_all():\n    pass\n"),
        (f / "conftest.py").write_text("import pytest\n")), {}, ["Files you added were not used at grading: conftest.py"]),
    "leo": (lambda f, p: (_solved(p, *ALL), _append(p, "manual_linear", "_hog = bytearray(16 * 2**30)")),
            {k: v for k, v in POINTS.items() if k != "manual_linear"}, ["MemoryError"]),
}


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    course = load_by_path("linear_course", REPO / "autograder" / "course.py").copy_course(
        tmp_path_factory.mktemp("course"))
    env = {**os.environ, "LINEAR_CHECKS_TEST_TIMEOUT": "3", "LINEAR_CHECKS_IMPORT_TIMEOUT": "8",
           "LINEAR_CHECKS_RUN_TIMEOUT": "60"}

    def run(*args: str) -> str:
        proc = subprocess.run([sys.executable, str(course / "course.py"), *args], env=env, text=True,
                              capture_output=True, timeout=600)
        assert proc.returncode == 0, f"course.py {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
        return proc.stdout

    run("release")
    downloads = tmp_path_factory.mktemp("lms-download")
    for student, (change, _, _) in CLASS.items():
        folder = tmp_path_factory.mktemp(student) / "linear_layers"
        shutil.copytree(course / "release" / "linear_layers", folder)
        change(folder, folder / "linear_exercises")
        # Half the archives hold the linear_layers folder, half its contents; LMS names vary.
        name = f"{student}_attempt_1.zip" if len(student) % 2 else f"{student}.zip"
        with zipfile.ZipFile(downloads / name, "w") as archive:
            for path in folder.rglob("*"):
                if path.is_file():
                    rel = path.relative_to(folder.parent if len(student) % 2 else folder)
                    archive.write(path, str(rel))
    out = run("collect", "--zip", str(downloads))
    out += run("autograde", "--jobs", "2")
    out += run("export")
    with open(course / "grades_by_exercise.csv") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    with open(course / "grades.csv") as f:
        totals = {r["student_id"]: r for r in csv.DictReader(f)}
    return course, rows, totals, out


def test_collect_finds_every_student(graded_class):
    course, rows, _, out = graded_class
    assert f"collect: {len(CLASS)} submission(s)" in out, out
    assert sorted(rows) == sorted(CLASS), out


@pytest.mark.parametrize("student", list(CLASS))
def test_scores_and_feedback(graded_class, student):
    course, rows, totals, out = graded_class
    _, expected, mentions = CLASS[student]
    row = rows[student]
    got = {key: float(row[f"check_{key}"]) for key in POINTS}
    want = {key: float(expected.get(key, 0)) for key in POINTS}
    html = (course / "feedback" / student / "linear_layers" / "linear_layers.html").read_text()
    assert got == want, f"{student}: {got} != {want}\n{out}"
    assert float(totals[student]["score"]) == sum(want.values())
    for text in mentions:
        assert text in html, f"{student}'s feedback does not say {text!r}"


def test_handed_back_folders_hold_only_html_and_no_hidden_checks(graded_class):
    course, _, _, _ = graded_class
    hidden = {p.name for p in (course / "checks" / "hidden").glob("*.py")}
    for folder in (course / "feedback", course / "release"):
        files = [p for p in folder.rglob("*") if p.is_file()]
        assert files
        assert not [p for p in files if p.name in hidden or "BEGIN SOLUTION" in p.read_text(errors="replace")]
    assert {p.suffix for p in (course / "feedback").rglob("*") if p.is_file()} <= {".html", ".txt"}


def test_hidden_checks_counted_at_grading_only(graded_class):
    """The released notebook's cells run public checks; the grader ran the hidden ones too."""
    course, _, _, _ = graded_class
    nb = nbformat.read(course / "autograded" / "alice" / "linear_layers" / "linear_layers.ipynb", as_version=4)
    text = json.dumps([c.get("outputs", []) for c in nb.cells])
    assert "(15 of 15 checks passed)" in text  # manual_linear: 11 public + 4 hidden
    assert "stderr" not in text


def test_exchange_round_trip(tmp_path):
    """publish -> (student) fetch_assignment, submit -> collect -> autograde -> export, through nbgrader's exchange."""
    course = load_by_path("linear_course_exchange", REPO / "autograder" / "course.py").copy_course(tmp_path / "course")
    exchange, student = tmp_path / "exchange", tmp_path / "student"
    exchange.mkdir(mode=0o777)
    student.mkdir()
    env = {**os.environ, "NBGRADER_EXCHANGE": str(exchange),
           "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])}

    def run(args, cwd):
        proc = subprocess.run(args, cwd=cwd, env=env, text=True, capture_output=True, timeout=300)
        assert proc.returncode == 0, f"{args} failed:\n{proc.stdout}\n{proc.stderr}"
        return proc.stdout

    course_py = [sys.executable, str(course / "course.py")]
    as_student = [sys.executable, "-m", "nbgrader"]
    options = ["--course", "linear-layers", f"--Exchange.root={exchange}"]
    run([*course_py, "publish"], course)
    run([*as_student, "fetch_assignment", "linear_layers", *options], student)
    shutil.copy2(SOLUTION / "param_count.py", student / "linear_layers" / "linear_exercises" / "param_count.py")
    run([*as_student, "submit", "linear_layers", *options], student)
    assert "collect: 1 submission(s)" in run([*course_py, "collect"], course)
    run([*course_py, "autograde", "--jobs", "1"], course)
    run([*course_py, "export"], course)
    with open(course / "grades_by_exercise.csv") as f:
        (row,) = list(csv.DictReader(f))
    assert float(row["check_param_count"]) == 2 and float(row["total"]) == 2
