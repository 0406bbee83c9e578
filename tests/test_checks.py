"""The graded checks pass on the reference solutions and fail cleanly on the stubs."""

from __future__ import annotations

import pytest

from conftest import SOLUTIONS, copy_solutions
from linear_checks.report import format_report


@pytest.fixture(scope="module")
def stub_root(tmp_path_factory, make_stubs):
    root = tmp_path_factory.mktemp("stubs")
    make_stubs.write(root / "linear_exercises")
    return root


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reference_solutions_pass_every_check(grade_package, seed):
    """Public and hidden checks, with hidden inputs drawn from three different seeds."""
    results = grade_package(SOLUTIONS, hidden=True, seed=seed)
    report = format_report(results)
    for res in results:
        assert not res.error, report
        assert res.checks, f"no checks ran for {res.key}"
        assert any(c.hidden for c in res.checks), f"no hidden check ran for {res.key}"
        assert res.score == res.points, report


def test_stubs_fail_every_check_with_not_implemented(grade_package, stub_root):
    results = grade_package(stub_root, hidden=True)
    report = format_report(results)
    for res in results:
        assert not res.error, report
        assert res.checks and res.score == 0, report
        for c in res.checks:
            assert not c.passed, f"{c.name} passes on the stub"
            assert c.message.startswith("NotImplementedError: " + res.label), c.message
            assert "linear_exercises/" in c.message, c.message
    assert "Not implemented yet: Exercise 1 (manual_linear): implement manual_linear() in linear_exercises/manual_linear.py" in report


def test_broken_exercises_fail_alone_with_a_message(grade_package, tmp_path):
    """A syntax error, an import-time exception and an endless loop each cost only their own exercise."""
    root = copy_solutions(tmp_path)
    pkg = root / "linear_exercises"
    (pkg / "initialization.py").write_text((pkg / "initialization.py").read_text() + "\ndef broken(:\n")
    (pkg / "low_rank.py").write_text((pkg / "low_rank.py").read_text() + "\nraise RuntimeError('boom at import')\n")
    (pkg / "param_count.py").write_text((pkg / "param_count.py").read_text()
                                        + "\n\ndef linear_param_count(*a, **k):\n    while True:\n        pass\n")
    results = {r.key: r for r in grade_package(root)}
    report = format_report(list(results.values()))
    assert results["manual_linear"].score == 4 and results["weight_viz"].score == 3, report
    assert results["init"].score == 0 and "SyntaxError" in results["init"].error, report
    assert "initialization.py, line" in results["init"].error
    assert results["low_rank"].score == 0 and "boom at import" in results["low_rank"].error, report
    # count_parameters still works, so the loop costs only the checks that call linear_param_count
    assert 0 < results["param_count"].score < 2, report
    assert "Took too long" in report and "Not run: the same check took too long with other inputs" in report


def test_a_missing_file_costs_only_its_exercise(grade_package, tmp_path):
    root = copy_solutions(tmp_path)
    (root / "linear_exercises" / "weight_viz.py").unlink()
    results = {r.key: r for r in grade_package(root)}
    assert results["weight_viz"].score == 0 and "was not found" in results["weight_viz"].error
    assert results["low_rank"].score == results["low_rank"].points


def test_feedback_says_a_hint_and_a_quote_once_per_exercise():
    from linear_checks.report import CheckResult, ExerciseResult

    message = ("manual_linear({}) raised ValueError: «a long message that the student's code raised, once per call»; "
               "expected it to run. Hint: y = x @ weight.T + bias.")
    checks = [CheckResult(str(i), f"check {i}", False, message.format(i)) for i in range(3)]
    report = format_report([ExerciseResult("manual_linear", "Exercise 1 (manual_linear)", 4, checks=checks)])
    assert report.count("Hint: y = x @ weight.T + bias.") == 1, report
    assert report.count("once per call»") == 1 and report.count("«the same message as above»") == 2, report
    assert "manual_linear(2) raised ValueError" in report  # each check still says what it called
