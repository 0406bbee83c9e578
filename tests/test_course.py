"""The nbgrader course agrees with the exercise table, and its release gives nothing away."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import REPO, load_by_path, load_course

COURSE = REPO / "autograder"
NOTEBOOK = COURSE / "source" / "linear_layers" / "linear_layers.ipynb"


@pytest.fixture(scope="module")
def exercises():
    from linear_checks.exercises import EXERCISES

    return EXERCISES


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def test_one_test_cell_per_exercise_with_its_points(exercises):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    graded = [c for c in nb.cells if _nbgrader(c).get("grade")]
    assert [_nbgrader(c)["grade_id"] for c in graded] == [f"check_{e.key}" for e in exercises]
    for cell, exercise in zip(graded, exercises):
        meta = _nbgrader(cell)
        assert meta["points"] == exercise.points and meta["locked"] and cell.cell_type == "code"
        # nbgrader scores a cell by its LAST expression: the grade call must be the last line.
        last = ast.parse(cell.source).body[-1]
        assert isinstance(last, ast.Expr) and ast.unparse(last) == f"grade('{exercise.key}')", cell.source


def test_every_cell_is_locked_and_the_notebook_is_clean():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        assert _nbgrader(cell).get("locked"), f"an unlocked cell: {cell.source[:60]!r}"
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_students_keep_exactly_their_exercise_files(exercises):
    plugins = load_course().nbgrader_plugins
    assert plugins.STUDENT_FILES == [f"linear_exercises/{e.module}" for e in exercises]
    config = (COURSE / "nbgrader_config.py").read_text()
    assert "exclude_overwriting = {ASSIGNMENT: STUDENT_FILES}" in config
    assert "add_missing_cells = True" in config


def test_release_has_stubs_public_checks_and_no_solutions(tmp_path, make_stubs):
    course = load_course().assign.copy_course(tmp_path)
    # JupyterLab autosaved a lesson after running it: outputs, a traceback with a path of this machine.
    lesson = sorted((tmp_path / "notebooks").glob("0*.ipynb"))[0]
    nb = nbformat.read(lesson, as_version=4)
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.execution_count = 3
    code.outputs = [nbformat.v4.new_output("error", ename="ValueError", evalue="boom",
                                           traceback=[f"File {REPO}/solutions/linear_exercises/x.py"])]
    nbformat.write(nb, lesson)
    env = {**os.environ, "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])}
    proc = subprocess.run([sys.executable, str(course / "course.py"), "release"], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    release = course / "release" / "linear_layers"
    leaks = load_course(course).leaks
    assert leaks.release_problems(release) == []
    stubs = tmp_path / "expected-stubs"
    make_stubs.write(stubs)
    for path in stubs.glob("*.py"):
        assert (release / "linear_exercises" / path.name).read_text() == path.read_text(), path.name
    shipped = {str(p.relative_to(release / "linear_checks")) for p in (release / "linear_checks").rglob("*.py")}
    assert {"runner.py", "plugin.py", "sandbox.py", "public/test_manual_linear.py"} <= shipped
    hidden = {p.read_bytes() for p in (COURSE / "hidden_checks").glob("*.py")}
    assert not [p for p in release.rglob("*.py") if p.read_bytes() in hidden]
    lessons = sorted(p.name for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert lessons and sorted(p.name for p in release.glob("[0-9][0-9]_*.ipynb")) == lessons
    shipped_lesson = nbformat.read(release / lesson.name, as_version=4)
    assert not any(c.get("outputs") or c.get("execution_count") for c in shipped_lesson.cells)
    readme = (release / "README.md").read_text()
    assert all(f"linear_exercises/{module}" in readme for module in _exercise_files())
    assert "python -m linear_exercises" in readme and "check(" in readme
    # What the release check says when such a notebook, or a machine path, gets in anyway.
    nbformat.write(nb, release / lesson.name)
    (release / "notes.txt").write_text(f"see {tmp_path}/solutions and {Path.home()}/notes")
    problems = leaks.release_problems(release)
    assert any(p.startswith(lesson.name) and "outputs" in p for p in problems), problems
    assert any(p.startswith("notes.txt") and "path of this machine" in p for p in problems), problems


def _exercise_files() -> set[str]:
    from linear_checks.exercises import EXERCISES

    return {e.module for e in EXERCISES}


def test_class_grading_refuses_to_run_without_a_sandbox(monkeypatch):
    """Without bubblewrap, autograde stops and says how to go on; nothing is graded."""
    autograde = load_course().autograde
    monkeypatch.setattr(autograde.shutil, "which", lambda name: None)
    with pytest.raises(SystemExit, match="bubblewrap .* --no-sandbox"):
        autograde.autograde(["nobody"], jobs=1)


def test_feedback_says_when_code_ran_without_a_sandbox():
    from linear_checks.report import ExerciseResult, format_report

    plain = ExerciseResult("param_count", "Exercise 2 (param_count)", 2, sandbox="no sandbox (process limits only)")
    boxed = ExerciseResult("param_count", "Exercise 2 (param_count)", 2, sandbox="bubblewrap sandbox (no network)")
    assert format_report([plain]).startswith("Note: your code ran with no sandbox")
    assert "sandbox" not in format_report([boxed])


def test_class_list_names_students_for_formgrader(tmp_path):
    course = load_course(load_course().assign.copy_course(tmp_path))
    (tmp_path / "class.csv").write_text("id,first_name,last_name,email\nada,Ada,Lovelace,ada@example.org\nbob,,,\n")
    assert course.gradebook.import_students(tmp_path / "class.csv") == 2
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course.paths.GRADEBOOK}") as gb:
        ada, bob = gb.find_student("ada"), gb.find_student("bob")
        assert (ada.first_name, ada.last_name, ada.email) == ("Ada", "Lovelace", "ada@example.org")
        assert (bob.first_name, bob.last_name, bob.email) == (None, None, "")  # no names: formgrader shows the id
    (tmp_path / "bad.csv").write_text("id,first_name\n../eve,Eve\n")
    with pytest.raises(SystemExit, match="line 2"):
        course.gradebook.import_students(tmp_path / "bad.csv")


def test_formgrader_scripts_name_a_student_without_names_by_the_id():
    """make lab's formgrader_names extension serves formgrader's student-list scripts with the name line changed."""
    names = load_by_path("formgrader_names", REPO / "autograder" / "server_extensions" / "formgrader_names.py")
    for script, student_id in names.SCRIPTS.items():
        text = names.patched_script(script)
        assert names.NAME_LINE not in text, f"{script}: nbgrader's 'last, first' line is still there"
        assert f"var name = {names.KNOWN_NAMES} || {student_id};" in text, script
    assert "formgrader_names=True" in (REPO / "Makefile").read_text()


def test_student_requirements_hold_no_instructor_tool():
    """The release's requirements.txt is the package's own dependency list: what the lessons and checks need."""
    import tomllib

    assign = load_course().assign
    wanted = {line.split(">=")[0] for line in assign.student_requirements().splitlines() if not line.startswith("#")}
    assert {"torch", "torchvision", "matplotlib", "jupyterlab", "pytest"} <= wanted
    instructor = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]["instructor"]
    assert {"nbgrader", "distributed", "copydetect"} <= {spec.split(">=")[0] for spec in instructor}
    assert not wanted & {spec.split(">=")[0] for spec in instructor}


def test_a_check_without_torch_says_what_to_install_in_one_line(tmp_path, make_stubs):
    """Run with a Python that lacks the course's packages, the self-check prints one line, no traceback."""
    python = shutil.which("python3", path="/usr/bin:/usr/local/bin") or shutil.which("python3")
    probe = subprocess.run([python, "-c", "import importlib.util as u; print(u.find_spec('torch') is None)"],
                           capture_output=True, text=True)
    if probe.stdout.strip() != "True":
        pytest.skip("no Python without torch on this machine")
    make_stubs.write(tmp_path / "linear_exercises")  # as in the release: the package and the checks side by side
    shutil.copytree(COURSE / "linear_checks", tmp_path / "linear_checks", ignore=shutil.ignore_patterns("__pycache__"))
    proc = subprocess.run([python, "-m", "linear_exercises", "manual_linear"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1, proc.stdout + proc.stderr
    assert "torch" in lines[0] and "pip install -r requirements.txt" in lines[0]


def test_course_commands_leave_out_the_iri_parsers_and_still_validate_notebooks():
    """startup.py: a course command and the nbgrader commands it starts do not import rfc3987_syntax (1.1 s of
    parser building); nbformat still validates a notebook, and jsonschema still checks the formats the
    schemas use (uri)."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import startup; startup.skip_unused_imports()\n"
        "import jsonschema, nbformat\n"
        "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1 + 1')])\n"
        "nbformat.validate(nb)\n"
        "broken = nbformat.v4.new_notebook(); broken.cells.append({'cell_type': 'code'})\n"
        "try:\n    nbformat.validate(broken)\nexcept nbformat.ValidationError:\n    pass\n"
        "else:\n    raise SystemExit('an invalid notebook passed')\n"
        "checker = jsonschema.Draft7Validator.FORMAT_CHECKER\n"
        "assert not checker.conforms('not a uri', 'uri') and checker.conforms('https://example.org/', 'uri')\n"
        "assert sys.modules['rfc3987_syntax'] is None\n"
        "print('ok')\n")
    proc = subprocess.run([sys.executable, "-c", code, str(COURSE)], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "ok", proc.stderr
    # nbgrader's own command line, as nbgrader_commands starts it
    startup = load_by_path("course_startup_for_tests", COURSE / "startup.py")
    proc = subprocess.run([sys.executable, "-c", startup.NBGRADER_MAIN, "--version"], capture_output=True, text=True,
                          timeout=120)
    import nbgrader

    assert proc.returncode == 0 and f"nbgrader version {nbgrader.__version__}" in proc.stdout, proc.stdout + proc.stderr


def test_export_before_any_release_says_what_to_run(tmp_path):
    """No assignment in the gradebook yet: one line naming the commands to run, no traceback."""
    course = load_course().assign.copy_course(tmp_path / "course")
    proc = subprocess.run([sys.executable, str(course / "course.py"), "export"], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode != 0
    assert "run make release, then make collect and make autograde" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
