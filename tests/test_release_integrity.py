"""The student release and the exchange never hold solution code or hidden checks, in any order of the
instructor commands; a missing exercise file is graded on the stub generator's stub.

Every scenario runs in a copy of the course (assign.copy_course()) with its own exchange
(NBGRADER_EXCHANGE). The course folder after a sequence of commands is kept and copied for
the longer sequences that start with it, so each command of a shared prefix runs once.
`solutions` runs with --no-lessons: executing the lessons touches nothing but
solutions/notebooks/; the nbgrader part (generate_assignment, generate_solution) runs.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import REPO, load_course
from linear_checks.exercises import EXERCISES

SOLUTIONS = REPO / "solutions" / "linear_exercises"
COURSE = REPO / "autograder"
# The hidden checks and the checks students get (paths.py's HIDDEN_CHECKS and CHECKS; checks/ before them).
HIDDEN_DIRS = [d for d in (COURSE / "hidden_checks", COURSE / "checks" / "hidden") if d.is_dir()]
PUBLIC_DIRS = [d for d in (COURSE / "linear_checks", COURSE / "checks") if d.is_dir()]
ASSIGNMENT = "linear_layers"
OUTBOUND = Path("exchange") / "linear-layers" / "outbound" / ASSIGNMENT
COMMANDS = {"release": ["release"], "solutions": ["solutions", "--no-lessons", "--jobs", "1"],
            "publish": ["publish"], "autograde": ["autograde", "--jobs", "1"]}


def _text(path: Path) -> str:
    """A file's text; for a notebook, its cells' sources (the JSON escapes quotes and newlines)."""
    if path.suffix == ".ipynb":
        try:
            return "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)
        except Exception:  # noqa: BLE001 - not a notebook after all: search the raw text
            pass
    return path.read_text(encoding="utf-8", errors="replace")


def _files(folders: list[Path], hidden: bool) -> list[Path]:
    return sorted(p for d in folders for p in d.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                  and hidden == any("hidden" in part for part in p.relative_to(COURSE).parts[:-1]))


def _solution_blocks(path: Path) -> list[str]:
    lines, inside = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() == "### BEGIN SOLUTION":
            inside = True
        elif line.strip() == "### END SOLUTION":
            inside = False
        elif inside:
            lines.append(line.strip())
    return lines


@pytest.fixture(scope="module")
def stubs(make_stubs) -> dict[str, str]:
    return make_stubs.build()


@pytest.fixture(scope="module")
def secrets(stubs) -> dict:
    """What must never reach students: distinctive solution lines, the hidden checks' names, hashes and tests."""
    public = _files(PUBLIC_DIRS, hidden=False)
    public_text = "\n".join(_text(p) for p in public)
    student_facing = "\n".join([*stubs.values(), *(_text(p) for p in (REPO / "notebooks").glob("*.ipynb")), public_text,
                                _text(REPO / "autograder" / "source" / ASSIGNMENT / "linear_layers.ipynb")])
    solution_lines = {}
    for path in sorted(SOLUTIONS.glob("*.py")):
        block = _solution_blocks(path)
        if block:
            distinctive = {line for line in block if len(line) >= 16 and line not in student_facing}
            assert distinctive, f"{path.name}: no solution line to look for"
            solution_lines[path.name] = distinctive
    assert len(solution_lines) == len(EXERCISES), solution_lines.keys()
    hidden = _files(HIDDEN_DIRS, hidden=True)
    assert hidden
    # The hidden checks' function definitions that students never see.
    hidden_tests = {line.strip() for p in hidden for line in p.read_text().splitlines()
                    if line.lstrip().startswith("def ") and line.strip() not in public_text}
    assert hidden_tests
    # A hidden check may share its name with a file students get (the exercise's module): not a sign then.
    legitimate = {"linear_layers.ipynb", *(Path(rel).name for rel in stubs), *(p.name for p in public)}
    return {"solution_lines": solution_lines, "hidden_names": {p.name for p in hidden} - legitimate,
            "hidden_hashes": {hashlib.sha256(p.read_bytes()).hexdigest(): p.name for p in hidden},
            "hidden_tests": hidden_tests}


def assert_clean(folder: Path, stubs: dict[str, str], secrets: dict) -> None:
    """folder (a release or the exchange copy of it) is what students may get, and complete."""
    assert (folder / "linear_layers.ipynb").is_file(), f"{folder}: no graded notebook"
    package = folder / "linear_exercises"
    shipped = {p.relative_to(package).as_posix(): p.read_text(encoding="utf-8")
               for p in package.rglob("*.py") if "__pycache__" not in p.parts}
    assert sorted(shipped) == sorted(stubs), f"{package}: not the stub generator's files"
    for rel, text in stubs.items():
        assert shipped[rel] == text, f"{package / rel} is not what the stub generator writes (solution code?)"
    for path in (p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder)
        assert path.name not in secrets["hidden_names"], f"{rel}: a hidden check"
        assert not any("hidden" in part for part in rel.parts[:-1]), f"{rel}: a hidden check"
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert digest not in secrets["hidden_hashes"], f"{rel}: the hidden check {secrets['hidden_hashes'][digest]}"
        text = _text(path)
        for name, lines in secrets["solution_lines"].items():
            leaked = sorted(line for line in lines if line in text)
            assert not leaked, f"{rel}: solution code of {name}: {leaked[:3]}"
        leaked = sorted(line for line in secrets["hidden_tests"] if line in text)
        assert not leaked, f"{rel}: hidden checks: {leaked[:3]}"


def _snapshot(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.rglob("*") if p.is_file()} if folder.exists() else {}


def _course_py(root: Path, *args: str) -> str:
    env = {**os.environ, "NBGRADER_EXCHANGE": str(root / "exchange"),
           "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])}
    proc = subprocess.run([sys.executable, str(root / "autograder" / "course.py"), *args], cwd=root, env=env,
                          text=True, capture_output=True, timeout=600)
    assert proc.returncode == 0, f"course.py {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def after(tmp_path_factory, stubs, secrets):
    """after(*commands): a course folder in which these instructor commands ran, in this order.

    Checked after every command: release/ and the exchange copy hold no solution code and no
    hidden check; `solutions` changed nothing in release/ and wrote the solution notebook.
    """
    states: dict[tuple[str, ...], Path] = {}

    def run(*commands: str) -> Path:
        if commands in states:
            return states[commands]
        root = tmp_path_factory.mktemp("course")
        if commands:
            shutil.copytree(run(*commands[:-1]), root, symlinks=True, dirs_exist_ok=True)
        else:
            load_course().assign.copy_course(root)
            (root / "exchange").mkdir(mode=0o777)
        if commands:
            release = root / "autograder" / "release" / ASSIGNMENT
            before = _snapshot(release)
            _course_py(root, *COMMANDS[commands[-1]])
            if commands[-1] == "solutions":
                assert _snapshot(release) == before, "solutions changed autograder/release/"
                assert (root / "solutions" / "notebooks" / "linear_layers.ipynb").is_file()
            if commands[-1] in ("release", "publish", "autograde"):
                assert release.is_dir()
            if commands[-1] == "publish":
                assert (root / OUTBOUND).is_dir()
            for folder in (release, root / OUTBOUND):
                if folder.exists():
                    assert_clean(folder, stubs, secrets)
        states[commands] = root
        return root

    return run


@pytest.mark.slow
@pytest.mark.parametrize("commands", [
    ("release", "solutions", "publish"),
    ("solutions", "publish"),
    ("release", "solutions", "solutions", "publish"),
    ("solutions", "autograde"),
], ids="->".join)
def test_no_solutions_or_hidden_checks_reach_students(after, commands, stubs, secrets):
    root = after(*commands)  # every step is checked as it runs
    assert_clean(root / "autograder" / "release" / ASSIGNMENT, stubs, secrets)
    if "publish" in commands:
        assert_clean(root / OUTBOUND, stubs, secrets)


@pytest.mark.slow
def test_publish_alone_rebuilds_whatever_release_holds(after, tmp_path, stubs, secrets):
    """publish on a fresh course; then publish where release/ holds what an earlier run left
    (the solution package and a hidden check, as `make solutions` used to leave it)."""
    after("publish")  # fresh course: checked by the fixture
    root = tmp_path / "course"
    shutil.copytree(after("release"), root, symlinks=True)
    release = root / "autograder" / "release" / ASSIGNMENT
    shutil.rmtree(release / "linear_exercises")
    shutil.copytree(SOLUTIONS, release / "linear_exercises", ignore=shutil.ignore_patterns("__pycache__"))
    hidden = _files(HIDDEN_DIRS, hidden=True)[0]
    (release / "notes").mkdir()
    shutil.copy2(hidden, release / "notes" / "more_checks.py")
    _course_py(root, "publish")
    assert_clean(release, stubs, secrets)
    assert_clean(root / OUTBOUND, stubs, secrets)


@pytest.mark.slow
def test_publish_refuses_a_bad_release_and_removes_a_bad_exchange_copy(after, tmp_path, monkeypatch, stubs):
    """publish checks the release right before release_assignment, and the exchange copy after it."""
    root = tmp_path / "course"
    shutil.copytree(after("release"), root, symlinks=True)
    monkeypatch.setenv("NBGRADER_EXCHANGE", str(root / "exchange"))
    course = load_course(root / "autograder")
    assign, release = course.assign, course.paths.RELEASE
    monkeypatch.setattr(assign, "release", lambda validate=False: release)  # keep what is there
    solution = (SOLUTIONS / "manual_linear.py").read_text()
    stripped = "".join(line for line in solution.splitlines(keepends=True) if "### " not in line)

    (release / "linear_exercises" / "manual_linear.py").write_text(stripped)  # no markers left
    with pytest.raises(SystemExit, match="manual_linear.py"):
        assign.publish()
    assert not (root / OUTBOUND).exists(), "a bad release was published"

    (release / "linear_exercises" / "manual_linear.py").write_text(stubs["manual_linear.py"])
    real = assign.nbgrader

    def leaky(*args, **kwargs):  # as if the exchange copy came out different from the release
        real(*args, **kwargs)
        if args[0] == "release_assignment":
            (root / OUTBOUND / "linear_exercises" / "manual_linear.py").chmod(0o644)
            (root / OUTBOUND / "linear_exercises" / "manual_linear.py").write_text(stripped)

    monkeypatch.setattr(assign, "nbgrader", leaky)
    with pytest.raises(SystemExit, match="exchange copy"):
        assign.publish()
    assert not (root / OUTBOUND).exists(), "a bad exchange copy was left for students"
    monkeypatch.setattr(assign, "nbgrader", real)
    assert assign.publish() == root / OUTBOUND


@pytest.mark.slow
def test_missing_file_is_staged_as_the_generated_stub(after, tmp_path, stubs):
    """After release -> solutions (and with release/ tampered with), a missing file is graded on the real stub."""
    root = tmp_path / "course"
    shutil.copytree(after("release", "solutions"), root, symlinks=True)
    course = load_course(root / "autograder")
    release = course.paths.RELEASE
    (release / "linear_exercises" / "low_rank.py").write_text((SOLUTIONS / "low_rank.py").read_text())
    handed_in = root / "autograder" / "submitted" / "alice" / ASSIGNMENT
    (handed_in / "linear_exercises").mkdir(parents=True)
    shutil.copy2(release / "linear_layers.ipynb", handed_in / "linear_layers.ipynb")
    mine = "# alice's own work\n" + stubs["param_count.py"]
    (handed_in / "linear_exercises" / "param_count.py").write_text(mine)
    staged, _ = course.staging.stage("alice")
    assert (staged / "linear_exercises" / "param_count.py").read_text() == mine
    for name in ("manual_linear.py", "initialization.py", "weight_viz.py", "low_rank.py", "backward.py"):
        assert (staged / "linear_exercises" / name).read_text() == stubs[name], f"{name} was not staged as the stub"


def test_release_problems_finds_solutions_and_hidden_checks_without_markers(tmp_path, make_stubs):
    """Solution code without markers, renamed hidden checks, copies: release_problems() names each."""
    course = load_course(load_course().assign.copy_course(tmp_path / "course"))
    hidden_dir = course.paths.HIDDEN_CHECKS
    hidden = hidden_dir / "secret_edge_cases.py"  # a hidden check with a name of its own
    hidden.write_text('"""Edge cases students must not see."""\n\n\ndef test_secret_edge(student):\n    pass\n')
    folder = tmp_path / "release"
    make_stubs.write(folder / "linear_exercises")
    assert course.leaks.release_problems(folder) == []
    solution = SOLUTIONS / "initialization.py"
    stripped = "".join(line for line in solution.read_text().splitlines(keepends=True) if "### " not in line)
    leaks = {
        f"linear_exercises/{solution.name}": stripped,  # markers stripped, as make_stubs does
        "linear_exercises/answers.py": "x = 1\n",  # a module the stub generator does not write
        "checks/public/extra.py": hidden.read_text(),  # a hidden check renamed
        "checks/public/extra_crlf.py": hidden.read_text().replace("\n", "\r\n"),
        f"notes/{hidden.name}": "# just the name\n",
        "checks/hidden/conftest.py": "# anything in a hidden folder\n",
        "hidden_checks/whatever.py": "# anything in a hidden folder\n",
        "notes/solution_copy.txt": solution.read_text(),
        "notes/graded.ipynb": "{} # BEGIN SOLUTION\n",
        "linear_exercises/__pycache__/manual_linear.cpython-311.pyc": "\0compiled",
    }
    for rel, text in leaks.items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        original = target.read_text() if target.exists() else None
        target.write_text(text)
        problems = course.leaks.release_problems(folder)
        assert len(problems) == 1 and problems[0].startswith(rel + ":"), (rel, problems)
        target.write_text(original) if original is not None else target.unlink()
    assert course.leaks.release_problems(folder) == []
