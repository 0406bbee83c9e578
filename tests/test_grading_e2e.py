"""A fake class, honest and hostile, goes through release -> collect --zip -> autograde -> feedback -> export.

The course (autograder/, solutions/linear_exercises/, tools/) is copied to a temporary
folder, so the repository's own autograder/ stays clean. Every honest student's
expected score is written out below; the CSV must hold exactly those numbers. Every
attempt in tests/tampering/ (appended to the stubs: any point would be unearned) is
one more student of the same class, as are the hostile archives below: each must get
0, the honest students must keep their grades, and the run must finish.
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from conftest import REPO, load_course
from linear_checks.exercises import EXERCISES
from test_wrong_implementations import _declared

pytestmark = pytest.mark.slow

EXERCISE_FILES = {e.key: e.module for e in EXERCISES}
POINTS = {e.key: e.points for e in EXERCISES}
SOLUTION = REPO / "solutions" / "linear_exercises"


def _append(package: Path, exercise: str, code: str) -> None:
    path = package / EXERCISE_FILES[exercise]
    path.write_text(path.read_text() + "\n\n" + code + "\n")


def _solved(package: Path, *exercises: str) -> None:
    for e in exercises:
        shutil.copy2(SOLUTION / EXERCISE_FILES[e], package / EXERCISE_FILES[e])


ALL = tuple(EXERCISE_FILES)


def _tamper_notebook(folder: Path) -> None:
    """An added cell that fakes the grader, an edited test cell, a deleted one and a forged grading note."""
    path = folder / "linear_layers.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(1, nbformat.v4.new_code_cell("import linear_checks\nlinear_checks.grade = lambda key: 4"))
    forged = nbformat.v4.new_markdown_cell("**Grading notes**\n\n- Your work was checked by hand: full marks.")
    forged.metadata["linear-layers-grading-note"] = True
    forged.metadata["notes"] = ["Your work was checked by hand: full marks."]
    nb.cells.insert(0, forged)
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
             {"param_count": 2}, ["expected"]),
    "kim": (lambda f, p: ((f / "linear_checks" / "public" / "test_manual_linear.py").write_text("def test_all(student):\n    pass\n"),
                          (f / "conftest.py").write_text("import pytest\n"),
                          (f / "submission_secret.txt").write_text("written by nbgrader's submit\n")),
            {}, ["Files you added were not used at grading: conftest.py."]),  # nbgrader's own file is not named
    "leo": (lambda f, p: (_solved(p, *ALL), _append(p, "manual_linear", "_hog = bytearray(16 * 2**30)")),
            {k: v for k, v in POINTS.items() if k != "manual_linear"}, ["MemoryError"]),
}
HONEST = ("alice", "carol")  # their grades must not move, whatever the others hand in

# The class pipeline grades the attempts aimed at the pipeline itself: the process (exits,
# interrupts, output), what lies below Python (files, other students: class 3), the feedback
# (class 5), time (class 6), the grader's own arithmetic (class 13) and the next run (classes
# 14, 15). The attempts on a check's verdict alone (classes 1, 2, 8, 9, 11, 12) meet the same
# code on both paths (runner.run_checks in the sandbox): tests/test_tampering.py grades them all.
VERDICT_CLASSES = {1, 2, 8, 9, 11, 12}


def _classes(path: Path) -> set[int]:
    """The classes of hole an attempt's docstring names ("Class 3:", "Classes 8 and 9:")."""
    doc = path.read_text().split('"""')[1]
    return {int(n) for group in re.findall(r"Class(?:es)? (\d+(?:(?:, | and )\d+)*)", doc)
            for n in re.findall(r"\d+", group)}


# Early attempts name no class; these ones end or outlive the process, or print past the checks.
PROCESS_ATTEMPTS = {"os_exit_at_import", "os_exit_in_call", "sys_exit_at_import", "keyboard_interrupt_at_import",
                    "spawn_a_process", "atexit_prints_score", "print_fake_report"}
# The endless loops (class 6) cost a worker 25 s each within the time limits; dave's loop at import stands for
# them here, and tests/test_tampering.py grades them all under the same deadline code.
HANGS = {"block_signals_and_hang_at_import", "ignore_alarms_and_loop"}
TAMPERING = [p for p in sorted((Path(__file__).parent / "tampering").glob("*.py"))
             if (_classes(p) - VERDICT_CLASSES or p.stem in PROCESS_ATTEMPTS) and p.stem not in HANGS]
MODULE_TO_KEY = {v: k for k, v in EXERCISE_FILES.items()}


def _attempt(path: Path):
    target, _ = _declared(path)
    return lambda f, p: (p / target).write_text((p / target).read_text() + "\n\n# --- tampering ---\n" + path.read_text())


# Attempts from tests/tampering/: the stubs plus the attempt, so every point would be unearned.
for _path in TAMPERING:
    CLASS[_path.stem.replace("_", "-")] = (_attempt(_path), {}, [])


def _zip(path: Path, members: dict[str, bytes], links: dict[str, str] = {}) -> None:  # noqa: B006 - read only
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for name, target in links.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o120777 << 16)
            archive.writestr(info, target)


def _hostile_archives(downloads: Path, release: Path) -> dict[str, tuple[dict, list[str]]]:
    """Class 4 (collection): archives that try to hand in for others, escape the folder, or blow up.

    Returns student id -> (expected points per exercise, feedback must mention).
    """
    solved = {f"linear_exercises/{name}": (SOLUTION / name).read_bytes() for name in EXERCISE_FILES.values()}
    wrong = b"def manual_linear(x, weight, bias=None):\n    return x[..., :weight.shape[0]] * 0\n"
    _zip(downloads / "mallory.zip", {"linear_layers.ipynb": (release / "linear_layers.ipynb").read_bytes(),
                                     "alice/linear_layers/linear_exercises/manual_linear.py": wrong,
                                     "carol_late/linear_exercises/param_count.py": wrong})
    _zip(downloads / "nina.zip", {**solved, "../../escaped.py": b"x = 1\n", "/tmp/absolute.py": b"x = 1\n"})
    inner = downloads.parent / "inner.zip"
    _zip(inner, {f"f{i}.bin": bytes(2**20) for i in range(64)})
    _zip(downloads / "oscar.zip", {"nested.zip": inner.read_bytes()})
    (downloads / "pat.zip").write_bytes(b"PK\x03\x04 this is not really a zip archive")
    _zip(downloads / "quinn.zip", {}, links={"linear_exercises/manual_linear.py": "/etc/passwd",
                                             "linear_exercises/low_rank.py": str(SOLUTION / "low_rank.py")})
    return {"mallory": ({}, []), "nina": (dict(POINTS), ["Skipped as unsafe"]),
            "oscar": ({}, ["Archives inside your submission are not opened"]),
            "pat": ({}, ["could not be read"]), "quinn": ({}, ["Skipped as unsafe"])}


def _digest(*folders: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for folder in folders for p in sorted(folder.rglob("*.py"))}


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    course = load_course().assign.copy_course(tmp_path_factory.mktemp("course"))

    def run(*args: str) -> str:
        proc = subprocess.run([sys.executable, str(course / "course.py"), *args], text=True,
                              capture_output=True, timeout=1200)
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
    hostile = _hostile_archives(downloads, course / "release" / "linear_layers")
    protected = (course / "hidden_checks", course / "linear_checks", course.parent / "solutions")
    before = _digest(*protected)
    start = time.monotonic()
    out = run("collect", "--zip", str(downloads))
    out += run("autograde", "--jobs", "2")
    out += run("export")
    seconds = time.monotonic() - start
    assert _digest(*protected) == before, "a submission changed the course's checks or solutions"
    print(f"{len(CLASS) + len(hostile)} submissions graded in {seconds:.0f} s")
    with open(course / "grades_by_exercise.csv") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    with open(course / "grades.csv") as f:
        totals = {r["student_id"]: r for r in csv.DictReader(f)}
    return course, rows, totals, out, hostile


def _scores(row) -> dict[str, float]:
    return {key: float(row[f"check_{key}"]) for key in POINTS}


def test_collect_finds_every_student(graded_class):
    course, rows, _, out, hostile = graded_class
    assert f"collect: {len(CLASS) + len(hostile)} submission(s)" in out, out
    assert sorted(rows) == sorted([*CLASS, *hostile]), out


@pytest.mark.parametrize("student", [s for s in CLASS if not s.startswith(tuple(p.stem.replace("_", "-") for p in TAMPERING))])
def test_scores_and_feedback(graded_class, student):
    course, rows, totals, out, _ = graded_class
    _, expected, mentions = CLASS[student]
    got = _scores(rows[student])
    want = {key: float(expected.get(key, 0)) for key in POINTS}
    html_text = (course / "feedback" / student / "linear_layers" / "linear_layers.html").read_text()
    assert got == want, f"{student}: {got} != {want}\n{out}"
    assert float(totals[student]["score"]) == sum(want.values())
    for text in mentions:
        assert text in html_text, f"{student}'s feedback does not say {text!r}"


@pytest.mark.parametrize("path", TAMPERING, ids=[p.stem for p in TAMPERING])
def test_tampering_earns_nothing(graded_class, path):
    """Each attempt is appended to the stubs: any point it gets is false credit."""
    course, rows, _, out, _ = graded_class
    student = path.stem.replace("_", "-")
    _, must_mention = _declared(path)
    assert sum(_scores(rows[student]).values()) == 0, f"{student}: {_scores(rows[student])}\n{out}"
    html_text = (course / "feedback" / student / "linear_layers" / "linear_layers.html").read_text()
    assert must_mention in html.unescape(html_text), f"{student}'s feedback does not mention {must_mention!r}"


@pytest.mark.parametrize("student", ["mallory", "nina", "oscar", "pat", "quinn"])
def test_hostile_archives(graded_class, student):
    """Class 4: an archive hands in only for its own student, never escapes, never stops the class."""
    course, rows, _, out, hostile = graded_class
    expected, mentions = hostile[student]
    assert _scores(rows[student]) == {k: float(expected.get(k, 0)) for k in POINTS}, out
    html_text = html.unescape((course / "feedback" / student / "linear_layers" / "linear_layers.html").read_text())
    for text in mentions:
        assert text in html_text, f"{student}'s feedback does not say {text!r}"
    assert not list(course.parent.rglob("escaped.py")) and not Path("/tmp/absolute.py").exists()


def test_honest_students_keep_their_grades(graded_class):
    course, rows, _, out, _ = graded_class
    for student in HONEST:
        want = {key: float(CLASS[student][1].get(key, 0)) for key in POINTS}
        assert _scores(rows[student]) == want, out


def test_feedback_escapes_and_quotes_what_student_code_said(graded_class):
    """Class 5: no live markup, no forged score line, nothing read from the course."""
    course, _, _, _, _ = graded_class
    page = (course / "feedback" / "html-in-an-exception-message" / "linear_layers" / "linear_layers.html").read_text()
    assert "<img src=x" not in page and "<script>alert(1)" not in page
    assert "&lt;img src=x" in page  # shown, as text
    nb = nbformat.read(course / "autograded" / "forged-score-line-in-a-message" / "linear_layers" / "linear_layers.ipynb",
                       as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    lines = re.findall(r"^Exercise 2 \(param_count\): .*$", text, re.M)
    assert lines and all(line.startswith("Exercise 2 (param_count): 0 / 2 points") for line in lines), lines
    assert not re.search(r"^Total: 15", text, re.M)
    for student in ("read-the-course-files", "ivan"):
        page = (course / "feedback" / student / "linear_layers" / "linear_layers.html").read_text()
        assert "hidden_checks" not in page and "solutions/linear_exercises" not in page
        assert "checked by hand" not in page  # a grading note forged in the notebook is dropped


def test_handed_back_folders_hold_only_html_and_no_hidden_checks(graded_class):
    course, _, _, _, _ = graded_class
    hidden = {hashlib.sha256(p.read_bytes()).hexdigest() for p in (course / "hidden_checks").glob("*.py")}
    for folder in (course / "feedback", course / "release"):
        files = [p for p in folder.rglob("*") if p.is_file()]
        assert files
        assert not [p for p in files if hashlib.sha256(p.read_bytes()).hexdigest() in hidden
                    or "BEGIN SOLUTION" in p.read_text(errors="replace")]
    assert {p.suffix for p in (course / "feedback").rglob("*") if p.is_file()} <= {".html", ".txt"}


def test_hidden_checks_counted_at_grading_only(graded_class):
    """The released notebook's cells run public checks; the grader ran the hidden ones too."""
    course, _, _, _, _ = graded_class
    nb = nbformat.read(course / "autograded" / "alice" / "linear_layers" / "linear_layers.ipynb", as_version=4)
    text = json.dumps([c.get("outputs", []) for c in nb.cells])
    assert "(19 of 19 checks passed)" in text  # manual_linear: 12 public + 7 hidden
    assert "(hidden check)" in text and "stderr" not in text


def test_exports_are_sorted_by_student_with_exercises_in_course_order(graded_class):
    course, _, _, _, _ = graded_class
    with open(course / "grades_by_exercise.csv") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["student_id", *(f"check_{key}" for key in POINTS), "total", "max_score", "graded_at"]
    assert [r[0] for r in rows[1:]] == sorted(r[0] for r in rows[1:])
    with open(course / "grades.csv") as f:
        students = [r["student_id"] for r in csv.DictReader(f)]
    assert students == sorted(students)


def test_the_lms_files_hold_every_students_points_per_exercise(graded_class):
    """grades_canvas.csv and grades_moodle.csv (autograder/lms_export.py) say what grades_by_exercise.csv says."""
    course, rows, _, _, _ = graded_class
    with open(course / "grades_canvas.csv", newline="", encoding="utf-8") as f:
        canvas = list(csv.reader(f))
    assert canvas[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert canvas[1][0] == "Points Possible" and [float(v) for v in canvas[1][5:]] == list(POINTS.values())
    by_login = {r[3]: [float(v) for v in r[5:]] for r in canvas[2:]}
    assert by_login == {s: list(_scores(row).values()) for s, row in rows.items()}
    with open(course / "grades_moodle.csv", newline="", encoding="utf-8") as f:
        moodle = list(csv.DictReader(f))
    assert {r["Username"]: [float(v) for v in list(r.values())[3:]] for r in moodle} == by_login


def test_a_second_autograde_grades_only_what_changed(graded_class):
    """Unchanged submissions keep their grade (and time); an edited one is graded again, alone. Runs last on the class."""
    course, rows, _, _, _ = graded_class

    def run(*args: str) -> str:
        proc = subprocess.run([sys.executable, str(course / "course.py"), *args], text=True,
                              capture_output=True, timeout=600)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout

    def exported() -> dict[str, dict]:
        run("export")
        with open(course / "grades_by_exercise.csv") as f:
            return {r["student_id"]: r for r in csv.DictReader(f)}

    before = exported()
    assert all(row["graded_at"] for row in before.values()), before
    out = run("autograde", "--jobs", "2")
    assert f"{len(before)} submission(s) unchanged" in out, out
    assert exported() == before
    edited = course / "submitted" / "alice" / "linear_layers" / "linear_exercises" / "param_count.py"
    edited.write_text(edited.read_text() + "\n# one more comment\n")
    time.sleep(1.1)  # graded_at has whole seconds
    out = run("autograde", "--jobs", "2")
    assert f"{len(before) - 1} submission(s) unchanged" in out and "1 of 1 submission(s) graded" in out, out
    after = exported()
    assert after["alice"]["graded_at"] > before["alice"]["graded_at"]
    assert {k: v for k, v in after["alice"].items() if k != "graded_at"} == \
        {k: v for k, v in before["alice"].items() if k != "graded_at"}
    assert {s: r for s, r in after.items() if s != "alice"} == {s: r for s, r in before.items() if s != "alice"}


# -- how a grade was made (issue 22) ------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_class(tmp_path_factory):
    """A class of two in a fresh copy of the course, collected: alice (all solved), bob (exercise 1 without the bias:
    public and hidden checks fail with expected values); no class list, so neither has a name. Returns (course, run),
    run giving what a course.py command printed on stdout and stderr."""
    course = load_course().assign.copy_course(tmp_path_factory.mktemp("small-course"))

    def run(*args: str) -> str:
        proc = subprocess.run([sys.executable, str(course / "course.py"), *args], text=True,
                              capture_output=True, timeout=900)
        assert proc.returncode == 0, f"course.py {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
        return proc.stdout + proc.stderr

    run("release")
    changes = {"alice": lambda p: _solved(p, *ALL),
               "bob": lambda p: (_solved(p, *ALL), _append(p, "manual_linear", "def manual_linear(x, weight, bias=None):"
                                                                              "\n    return x @ weight.T"))}
    run("collect", "--zip", str(_lms_download(tmp_path_factory, course, changes)))
    return course, run


def _lms_download(tmp_path_factory, course: Path, changes: dict) -> Path:
    """A folder of <student>.zip, each the release with change(its linear_exercises/) made."""
    downloads = tmp_path_factory.mktemp("download")
    for student, change in changes.items():
        folder = tmp_path_factory.mktemp(student) / "linear_layers"
        shutil.copytree(course / "release" / "linear_layers", folder)
        change(folder / "linear_exercises")
        with zipfile.ZipFile(downloads / f"{student}.zip", "w") as archive:
            for path in folder.rglob("*"):
                if path.is_file():
                    archive.write(path, str(path.relative_to(folder)))
    return downloads


def _records(course: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in (course / "results").glob("*.json")}


def test_a_grade_made_without_the_sandbox_or_by_another_grader_is_graded_again(small_class):
    """graded.json's fingerprint covers the mode and the grading code: a grade made with --no-sandbox is regraded
    by a normal autograde, an unchanged one is kept (with its seed), a change to a check file or to the grading
    task regrades everyone; every grading draws a new seed, stored with the grade."""
    course, run = small_class
    out = run("autograde", "--jobs", "1", "--no-sandbox")
    assert "2 of 2 submission(s) graded" in out, out
    # The first autograde of a fresh gradebook prints no SQLAlchemy warning (nbgrader's, issue 25).
    assert "sawarning" not in out.lower() and "sqlalchemy" not in out.lower(), out
    graded = json.loads((course / "graded.json").read_text())
    assert [graded[s]["sandbox"] for s in ("alice", "bob")] == [False, False]
    first = _records(course)
    assert all(c["passed"] for e in first["alice"]["exercises"] for c in e["checks"])
    assert "no sandbox" in json.dumps(first["alice"]["exercises"])  # how its code ran, in the record

    out = run("autograde", "--jobs", "1")  # the normal command: in the sandbox
    assert "unchanged" not in out and "2 of 2 submission(s) graded" in out, out
    second = _records(course)
    assert {s: r["seed"] for s, r in second.items()}.keys() == {"alice", "bob"}
    assert all(second[s]["seed"] != first[s]["seed"] for s in second)  # new inputs at every grading
    assert "no sandbox" not in json.dumps(second["alice"]["exercises"])
    page = (course / "feedback" / "alice" / "linear_layers" / "linear_layers.html").read_text()
    assert "no sandbox" not in page
    graded = json.loads((course / "graded.json").read_text())
    assert [graded[s]["sandbox"] for s in ("alice", "bob")] == [True, True]
    assert all(graded[s]["seed"] == second[s]["seed"] for s in second)

    out = run("autograde", "--jobs", "1")
    assert "2 submission(s) unchanged" in out, out
    assert {s: r["seed"] for s, r in _records(course).items()} == {s: r["seed"] for s, r in second.items()}

    # Any file of the grading code changes how grades are made (the fingerprint, without grading) ...
    records = load_course(course).records
    before = records.grader_fingerprint(True)
    for changed in (course / "grading_task.py", course / "linear_checks" / "report.py"):
        original = changed.read_text()
        changed.write_text(original + "\n# changed by the test: a new version of the grader\n")
        assert records.grader_fingerprint(True) != before, changed.name
        changed.write_text(original)
    assert records.grader_fingerprint(True) == before != records.grader_fingerprint(False)
    # ... and a changed check regrades everyone.
    changed = course / "hidden_checks" / "test_param_count_hidden.py"
    changed.write_text(changed.read_text() + "\n# changed by the test: a new version of the grader\n")
    out = run("autograde", "--jobs", "1")
    assert "unchanged" not in out and "2 of 2 submission(s) graded" in out, out


def test_the_feedback_keeps_hidden_expected_values_out_and_the_record_keeps_them(small_class):
    """Class grading's feedback names a failed hidden check and says why in general terms; the instructor's
    results/<id>.json holds the full message (expected values included)."""
    course, run = small_class
    if not (course / "results" / "bob.json").is_file():
        run("autograde", "--jobs", "1")
    record = _records(course)["bob"]
    hidden = [c for e in record["exercises"] for c in e["checks"] if c["hidden"] and not c["passed"]]
    public = [c for e in record["exercises"] for c in e["checks"] if not c["hidden"] and not c["passed"]]
    assert hidden and public and all("expected" in c["message"] for c in hidden), hidden
    page = html.unescape((course / "feedback" / "bob" / "linear_layers" / "linear_layers.html").read_text())
    assert "inputs you have not seen" in page
    for check in hidden:
        assert check["message"] not in page and check["doc"] in page
    assert any(c["message"].split(" Hint: ")[0][:60] in page for c in public)  # public checks keep theirs


@pytest.mark.parametrize("path", [p for p in TAMPERING if "Class 5" in p.read_text().split('"""')[1]],
                         ids=lambda p: p.stem)
def test_no_control_character_reaches_a_feedback_page_or_a_stored_result(graded_class, path):
    """Class 5 through the class pipeline: the feedback page, the autograded notebook's outputs and
    results/<id>.json hold no control character, and no line of the outputs starts like a forged score."""
    course, _, _, _, _ = graded_class
    student = path.stem.replace("_", "-")
    control = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
    page = (course / "feedback" / student / "linear_layers" / "linear_layers.html").read_text()
    body = page[page.index("<body"):]  # nbconvert's own style sheet and scripts aside
    assert not control.search(html.unescape(body)), control.findall(html.unescape(body))
    assert "ansi-" not in body  # no terminal sequence was turned into colours
    record = json.loads((course / "results" / f"{student}.json").read_text())
    assert not control.search(json.dumps(record, ensure_ascii=False))
    nb = nbformat.read(course / "autograded" / student / "linear_layers" / "linear_layers.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert not control.search(text.replace("\n", ""))
    for line in text.splitlines():
        if re.match(r"\s*(Exercise \d|Total\b)", line):
            assert re.match(r"Exercise \d \(\w+\): 0 / \d+ points", line), line


# -- the small class's names and feedback page (issue 25) ------------------------------------------
def test_a_student_without_names_is_named_by_the_id_in_the_exports(small_class):
    course, run = small_class
    run("export")
    with open(course / "grades.csv", newline="") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    assert (rows["alice"]["last_name"], rows["alice"]["first_name"]) == ("", "")
    with open(course / "grades_canvas.csv", newline="", encoding="utf-8") as f:
        canvas = list(csv.DictReader(f))
    assert {r["Student"] for r in canvas[1:]} == {"alice", "bob"}
    with open(course / "grades_moodle.csv", newline="", encoding="utf-8") as f:
        moodle = {r["Username"]: r for r in csv.DictReader(f)}
    assert (moodle["alice"]["First name"], moodle["alice"]["Last name"]) == ("", "")


def _feedback_page(course: Path) -> Path:
    return course / "feedback" / "alice" / "linear_layers" / "linear_layers.html"


def test_the_feedback_page_loads_nothing_from_the_network_and_holds_its_formulas_as_mathml(small_class):
    course, _ = small_class
    page = _feedback_page(course).read_text(encoding="utf-8")
    remote = re.findall(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=[\"']?(?:[a-z]+:)?//[^>]*>", page, re.I)
    assert remote == [], remote
    assert not re.search(r"<script[^>]*mathjax", page, re.I) and "MathJax.Hub" not in page  # no MathJax at all
    assert page.count("<math") >= 1 and "\\partial" not in page  # the backward-pass formulas, drawn


def test_the_feedback_formulas_render_in_chromium_with_the_network_closed(small_class):
    from test_browser import ARTIFACTS, CHROMIUM_ARGS, _chromium

    chromium = _chromium()
    if chromium is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    course, _ = small_class
    asked = []  # every address the page asked for that is not the file itself
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(offline=True, viewport={"width": 1200, "height": 900})
            context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                          else (asked.append(route.request.url), route.abort()))
            page = context.new_page()
            page.goto(_feedback_page(course).as_uri())
            formula = page.locator("math[display=block]").first
            formula.scroll_into_view_if_needed()
            box = formula.bounding_box()
            fraction = page.locator("math[display=block] mfrac").first.bounding_box()
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "feedback-formula-offline.png"))
        finally:
            browser.close()
    assert asked == [], asked
    # Drawn as a formula: a fraction stands taller than a line of text, and the whole is wide.
    assert box and fraction and fraction["height"] > 25 and box["width"] > 300, (box, fraction)
