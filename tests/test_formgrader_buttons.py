"""What formgrader's buttons run, and the README's exchange commands, in a copy of the course.

Formgrader's Generate and Release buttons run nbgrader's generate_assignment and
release_assignment (in the Jupyter server's process). They must give what `make release`
and `make publish` give, whatever source/ held before: the course's GenerateAssignment
hooks (autograder/nbgrader_config.py) rebuild source/ from the stub generator and
complete and check the release. The students' commands are run as the README writes
them, in the repository's top folder, with HOME in a temporary folder.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, load_course

SOLUTIONS = REPO / "solutions" / "linear_exercises"
ASSIGNMENT = "linear_layers"
BIN = Path(sys.executable).parent



def _env(home: Path, **extra: str) -> dict[str, str]:
    """This environment's tools first on PATH (an activated environment), HOME elsewhere, no exchange override."""
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("NBGRADER_EXCHANGE", "LINEAR_HIDDEN_CHECKS")}
    env.update(HOME=str(home), PATH=os.pathsep.join([str(BIN), os.environ.get("PATH", "")]), **extra)
    return env


def _run(args: list, cwd: Path, env: dict, ok: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=env, text=True, capture_output=True, timeout=600)
    if ok:
        assert proc.returncode == 0, f"{args} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture()
def course(tmp_path):
    """A copy of the course (tmp_path/repo/autograder) and its modules, loaded from the copy."""
    folder = load_course().assign.copy_course(tmp_path / "repo")
    return folder, load_course(folder)


def _hidden_files() -> list[Path]:
    hidden = REPO / "autograder" / "hidden_checks"
    return [p for p in hidden.rglob("*") if p.is_file() and "__pycache__" not in p.parts]


def assert_student_copy(folder: Path, module, stubs: dict[str, str]) -> None:
    """folder (the release, or its copy in the exchange) holds what students get, and nothing more."""
    assert module.leaks.release_problems(folder) == []
    files = [p for p in folder.rglob("*") if p.is_file()]
    for path in files:
        data = path.read_bytes()
        assert b"BEGIN SOLUTION" not in data and b"END SOLUTION" not in data, path
    package = folder / "linear_exercises"
    assert {p.relative_to(package).as_posix(): p.read_text() for p in package.rglob("*.py")} == stubs
    manual = (package / "manual_linear.py").read_text()
    assert "raise NotImplementedError" in manual
    lessons = sorted(p.name for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert lessons and sorted(p.name for p in folder.glob("[0-9][0-9]_*.ipynb")) == lessons
    assert (folder / "README.md").is_file() and (folder / f"{ASSIGNMENT}.ipynb").is_file()
    hidden = _hidden_files()
    assert hidden
    hidden_bytes = {p.read_bytes() for p in hidden}
    for path in files:
        rel = path.relative_to(folder)
        assert not any("hidden" in part for part in rel.parts), rel
        assert path.read_bytes() not in hidden_bytes, f"{rel}: a hidden check"


def assert_source_holds_stubs(course: Path, stubs: dict[str, str]) -> None:
    package = course / "source" / ASSIGNMENT / "linear_exercises"
    assert {p.relative_to(package).as_posix(): p.read_text() for p in package.rglob("*.py")
            if "__pycache__" not in p.parts} == stubs


def _lay_reference_over_source(course: Path) -> None:
    """What solutions() does in its throwaway copy (and what `make publish` used to leave in source/)."""
    package = course / "source" / ASSIGNMENT / "linear_exercises"
    shutil.rmtree(package, ignore_errors=True)
    shutil.copytree(SOLUTIONS, package, ignore=shutil.ignore_patterns("__pycache__"))


@pytest.mark.slow
def test_generate_and_release_buttons_publish_only_stubs(course, tmp_path, make_stubs):
    folder, module = course
    stubs = make_stubs.build()
    env = _env(tmp_path / "home")
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    outbound = exchange / "linear-layers" / "outbound" / ASSIGNMENT
    nbgrader = [sys.executable, "-m", "nbgrader"]

    def press_generate_then_release():
        _run([*nbgrader, "generate_assignment", ASSIGNMENT, "--force"], folder, env)
        _run([*nbgrader, "release_assignment", ASSIGNMENT, "--force", f"--Exchange.root={exchange}"], folder, env)
        assert_student_copy(outbound, module, stubs)
        assert_student_copy(folder / "release" / ASSIGNMENT, module, stubs)
        assert_source_holds_stubs(folder, stubs)

    press_generate_then_release()  # a fresh course, no make target first
    _lay_reference_over_source(folder)
    press_generate_then_release()  # source/ held the reference: it is rebuilt before anything is copied

    # `make release` (course.py release --validate) after the reference was laid over source/ again
    _lay_reference_over_source(folder)
    _run([sys.executable, folder / "course.py", "release", "--validate"], folder.parent, env)
    assert_source_holds_stubs(folder, stubs)
    assert_student_copy(folder / "release" / ASSIGNMENT, module, stubs)


@pytest.mark.slow
def test_generate_button_refuses_a_release_that_gives_checks_away(course, tmp_path, make_stubs):
    """Generate as formgrader runs it (nbgrader's API, in the server's process, from the top folder's config):
    a release with a hidden check in it is removed and the button reports the failure with the list."""
    folder, module = course
    stubs = make_stubs.build()
    env = _env(tmp_path / "home")
    script = """if True:
        import json, sys
        from nbgrader.apps import NbGraderAPI
        from nbgrader.apps.baseapp import NbGrader
        from nbgrader.coursedir import CourseDirectory

        app = NbGrader()
        app.load_config_file()  # the repository's nbgrader_config.py, which loads the course's
        api = NbGraderAPI(CourseDirectory(config=app.config), config=app.config)
        result = {"generate": api.generate_assignment(sys.argv[1])}
        if result["generate"]["success"]:
            result["release"] = api.release_assignment(sys.argv[1])
        print(json.dumps(result))
    """

    def press():
        proc = _run([sys.executable, "-c", script, ASSIGNMENT], folder.parent, env)
        return json.loads(proc.stdout.strip().splitlines()[-1])

    extra = folder / "source" / ASSIGNMENT / "notes"
    extra.mkdir()
    shutil.copy2(_hidden_files()[0], extra / "more_checks.py")
    result = press()
    assert not result["generate"]["success"] and "release" not in result
    assert "not fit for students" in result["generate"]["error"], result
    assert "notes/more_checks.py" in result["generate"]["error"], result
    assert not (folder / "release" / ASSIGNMENT).exists()
    assert not (folder / "exchange" / "linear-layers" / "outbound" / ASSIGNMENT).exists()

    shutil.rmtree(extra)
    _lay_reference_over_source(folder)
    result = press()
    assert result["generate"]["success"] and result["release"]["success"], result
    # formgrader's Release uses the course's exchange (Exchange.root in autograder/nbgrader_config.py)
    assert_student_copy(folder / "exchange" / "linear-layers" / "outbound" / ASSIGNMENT, module, stubs)
    assert_source_holds_stubs(folder, stubs)


@pytest.mark.slow
def test_readme_exchange_commands_work_as_written(course, tmp_path, make_stubs):
    """publish; students fetch and submit with the README's commands in the repository's top folder; collect,
    autograde, export; feedback released and fetched through the exchange.
    No NBGRADER_EXCHANGE anywhere: the course's nbgrader_config.py is the one setting."""
    folder, _ = course
    top = folder.parent
    env = _env(tmp_path / "home")
    course_py = [sys.executable, folder / "course.py"]

    lines = _run([*course_py, "collect"], top, env).stdout.strip().splitlines()
    assert len(lines) == 1 and "nothing submitted yet" in lines[0], lines
    assert "Exchange.root in autograder/nbgrader_config.py" in lines[0]

    _run([*course_py, "publish"], top, env)
    assert (folder / "exchange" / "linear-layers" / "outbound" / ASSIGNMENT / "README.md").is_file()
    assert_source_holds_stubs(folder, make_stubs.build())
    lines = _run([*course_py, "collect"], top, env).stdout.strip().splitlines()
    assert len(lines) == 1 and "0 submission(s)" in lines[0] and "nothing submitted yet" in lines[0], lines

    # The student, as the README says: in the repository's top folder, the environment active.
    _run(["nbgrader", "fetch_assignment", ASSIGNMENT], top, env)
    mine = top / ASSIGNMENT / "linear_exercises" / "param_count.py"
    assert "raise NotImplementedError" in mine.read_text()
    shutil.copy2(SOLUTIONS / "param_count.py", mine)
    _run(["nbgrader", "submit", ASSIGNMENT], top, env)

    out = _run([*course_py, "collect"], top, env).stdout
    assert "collect: 1 submission(s)" in out, out
    (handed_in,) = (folder / "submitted").glob(f"*/{ASSIGNMENT}")
    handed_in_file = handed_in / "linear_exercises" / "param_count.py"
    assert handed_in_file.read_bytes() == (SOLUTIONS / "param_count.py").read_bytes()

    # Graded and exported; the feedback goes back through the exchange with nbgrader's own commands
    # (formgrader's Release Feedback button runs release_feedback) and the student fetches it.
    _run([*course_py, "autograde", "--jobs", "1"], top, env)
    _run([*course_py, "export"], top, env)
    with open(folder / "grades_by_exercise.csv") as f:
        (row,) = list(csv.DictReader(f))
    assert float(row["check_param_count"]) == 2 and float(row["total"]) == 2, row
    _run(["nbgrader", "release_feedback", ASSIGNMENT], folder, env)
    _run(["nbgrader", "fetch_feedback", ASSIGNMENT], top, env)
    (page,) = (top / ASSIGNMENT / "feedback").glob("*/linear_layers.html")
    assert "Score: 2.0" in page.read_text(encoding="utf-8")

    # An exchange that cannot be used: the error says which setting to change.
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    proc = _run([*course_py, "publish"], top, _env(tmp_path / "home", NBGRADER_EXCHANGE=str(blocker / "exchange")),
                ok=False)
    assert proc.returncode != 0
    assert "Exchange.root in autograder/nbgrader_config.py" in proc.stdout + proc.stderr, proc.stdout + proc.stderr


def test_one_exchange_setting_and_the_generate_hooks(course, monkeypatch):
    """Exchange.root: the course's exchange/ folder, NBGRADER_EXCHANGE overriding it, read by the course's commands
    through the same file; generate_assignment's hooks name the course's functions."""
    folder, module = course
    from traitlets.config import PyFileConfigLoader

    # Reading the configuration puts the course on sys.path and names its hidden checks: not for later tests.
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setenv("LINEAR_HIDDEN_CHECKS", os.environ.get("LINEAR_HIDDEN_CHECKS",
                                                              str(REPO / "autograder" / "hidden_checks")))
    monkeypatch.delenv("NBGRADER_EXCHANGE", raising=False)
    assert module.nbgrader_commands.exchange_outbound() == folder / "exchange" / "linear-layers" / "outbound" / ASSIGNMENT
    assert (folder / "exchange").is_dir()  # formgrader offers Release and Collect only where it exists
    monkeypatch.setenv("NBGRADER_EXCHANGE", str(folder.parent / "elsewhere"))
    assert module.nbgrader_commands.exchange_outbound() == folder.parent / "elsewhere" / "linear-layers" / "outbound" / ASSIGNMENT
    config = PyFileConfigLoader("nbgrader_config.py", path=str(folder.parent)).load_config()  # the top folder's
    assert config.Exchange.root == str(folder.parent / "elsewhere")
    assert config.CourseDirectory.course_id == "linear-layers"
    hooks = config.GenerateAssignment
    assert (hooks.pre_convert_hook, hooks.post_convert_hook) == ("nbgrader_plugins.before_generate",
                                                                 "nbgrader_plugins.finish_release")
    assert callable(module.assign.before_generate) and callable(module.assign.finish_release)
