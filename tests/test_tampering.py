"""Attempts to get points without doing the work get 0 in a self-check too (see tests/tampering/README.md).

This is the fast path a student's own check() takes, run in one sandbox for all attempts;
the class pipeline runs those aimed at the pipeline as well (tests/test_grading_e2e.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import copy_solutions
from linear_checks.exercises import EXERCISES
from linear_checks.report import format_report
from test_wrong_implementations import _declared

CORPUS = sorted((Path(__file__).parent / "tampering").glob("*.py"))
KEY = {e.module: e.key for e in EXERCISES}


def test_corpus_covers_every_class_of_hole():
    """At least two attempts per class of hole named in their docstrings (classes 1-3, 5, 6, 8, 9; 4 is in the e2e test)."""
    docs = [path.read_text().split('"""')[1] for path in CORPUS]
    for n in (1, 2, 3, 5, 6, 8, 9):
        assert sum(f"Class {n}" in d or f"and {n}:" in d for d in docs) >= 2, f"fewer than two attempts of class {n}"


@pytest.fixture(scope="module")
def attempts(grade_package, tmp_path_factory, make_stubs):
    """{file name: ExerciseResult} for every attempt, each appended to a fresh copy of the stubs."""
    out = {}
    for path in CORPUS:
        target, _ = _declared(path)
        root = tmp_path_factory.mktemp(path.stem)
        make_stubs.write(root / "linear_exercises")
        module = root / "linear_exercises" / target
        module.write_text(module.read_text() + "\n\n# --- tampering appended by the test ---\n" + path.read_text())
        out[path.name] = grade_package(root, [KEY[target]], hidden=True)[0]
    return out


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_attempt_gets_no_points(path, attempts):
    _, must_mention = _declared(path)
    result = attempts[path.name]
    report = format_report([result])
    assert result.score == 0, f"{path.name} got points:\n{report}"
    assert must_mention in report, f"the feedback for {path.name} does not mention {must_mention!r}:\n{report}"


def test_tampering_costs_only_the_exercise_that_did_it(grade_package, tmp_path):
    """A monkeypatch in one file changes nothing elsewhere; honest work in the others keeps its points."""
    root = copy_solutions(tmp_path)
    module = root / "linear_exercises" / "manual_linear.py"
    module.write_text(module.read_text() + "\n\ntorch.allclose = lambda *a, **k: True\n"
                      "def manual_linear(x, weight, bias=None):\n    return x[..., :1] * 0\n")
    results = {r.key: r for r in grade_package(root, hidden=True)}
    report = format_report(list(results.values()))
    assert results["manual_linear"].score < 4, report
    for key in results.keys() - {"manual_linear"}:  # backward too: it is graded with F.linear in its place
        assert results[key].score == results[key].points, report


def test_an_unreadable_answer_to_the_import_costs_the_next_student_nothing(grade_package, make_stubs, tmp_path):
    """Class 14: the answer to the import request is an int of 5,001 digits (json.loads raised ValueError, which
    left the run open: the next student graded in that sandbox lost an exercise). Now: that exercise fails, and
    the honest students graded next in the same sandbox get every point."""
    make_stubs.write(tmp_path / "attacker" / "linear_exercises")
    module = tmp_path / "attacker" / "linear_exercises" / "param_count.py"
    module.write_text(module.read_text() + "\n\nimport sys as _sys\n_sys.set_int_max_str_digits(0)\n"
                      "_sys.modules['wire'].encode = lambda *args, **kwargs: 7 * 10**5000\n")
    attacked = grade_package(tmp_path / "attacker", ["param_count"], hidden=True)[0]
    assert attacked.score == 0 and "could not be imported" in attacked.error, attacked.error
    for n in range(2):
        honest = grade_package(copy_solutions(tmp_path / f"honest{n}"), ["param_count", "manual_linear"], hidden=True)
        assert [r.score for r in honest] == [r.points for r in honest], format_report(honest)


def test_the_exercise_table_of_the_student_package_is_never_run(grade_package, tmp_path):
    """Class 7: the grader reads the course's exercise table, and the sandbox gets the exercise files only: a
    hostile exercises.py or helper (__init__.py) in the submitted package is never run."""
    root = copy_solutions(tmp_path)
    marker = tmp_path / "ran.txt"
    (root / "linear_exercises" / "exercises.py").write_text(
        f"open({str(marker)!r}, 'w').write('ran')\nEXERCISES = ()\n")
    (root / "linear_exercises" / "__init__.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    results = grade_package(root, ["param_count"])
    assert not marker.exists()
    assert results[0].score == results[0].points


def test_a_grading_that_stops_midway_leaves_no_run_open(grade_package, tmp_path, monkeypatch):
    """Whatever stops an exercise's grading between two requests (a bug in a check, an interrupt), its run is
    closed: the next student graded in the same sandbox gets every point."""
    from linear_checks import runner

    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "test_param_count.py").write_text(
        "def test_stops(student):\n"
        "    student.linear_param_count(3, 2)  # a run is open and has answered\n"
        "    raise KeyboardInterrupt\n")
    monkeypatch.setattr(runner, "PUBLIC", checks)
    with pytest.raises(KeyboardInterrupt):
        grade_package(copy_solutions(tmp_path / "first"), ["param_count"])
    monkeypatch.undo()
    honest = grade_package(copy_solutions(tmp_path / "next"), ["param_count", "manual_linear"], hidden=True)
    assert [r.score for r in honest] == [r.points for r in honest], format_report(honest)
