"""The graded checks pass on the reference solutions and fail cleanly on the stubs."""

from __future__ import annotations

import pytest

from conftest import SOLUTIONS


@pytest.fixture(scope="module")
def stub_root(tmp_path_factory, make_stubs):
    root = tmp_path_factory.mktemp("stubs")
    make_stubs.write(root / "linear_exercises")
    return root


def test_reference_solutions_pass_every_check(runner):
    results = runner.run_checks(package_root=SOLUTIONS, hidden=True)
    report = runner.format_report(results)
    for res in results:
        assert not res.error, report
        assert res.tests, f"no checks ran for {res.key}"
        assert res.score == res.points, report


def test_stubs_fail_every_check_with_not_implemented(runner, stub_root):
    results = runner.run_checks(package_root=stub_root, hidden=True)
    report = runner.format_report(results)
    for res in results:
        assert not res.error, report
        assert res.tests and res.score == 0, report
        for t in res.tests:
            assert not t.passed, f"{t.nodeid} passes on the stub"
            assert t.message.startswith("NotImplementedError: " + res.label), t.message
            assert "linear_exercises/" in t.message, t.message
    assert "Not implemented yet: Exercise 1 (manual_linear): implement manual_linear() in linear_exercises/manual_linear.py" in report


def test_broken_exercises_fail_alone_with_a_message(runner, tmp_path):
    """A syntax error, an import-time exception and an endless loop each cost only their own exercise."""
    from conftest import copy_solutions

    root = copy_solutions(tmp_path)
    pkg = root / "linear_exercises"
    (pkg / "initialization.py").write_text((pkg / "initialization.py").read_text() + "\ndef broken(:\n")
    (pkg / "low_rank.py").write_text((pkg / "low_rank.py").read_text() + "\nraise RuntimeError('boom at import')\n")
    (pkg / "param_count.py").write_text((pkg / "param_count.py").read_text()
                                        + "\n\ndef linear_param_count(*a, **k):\n    while True:\n        pass\n")
    results = {r.key: r for r in runner.run_checks(package_root=root)}
    report = runner.format_report(list(results.values()))
    assert results["manual_linear"].score == 4 and results["weight_viz"].score == 3, report
    assert results["init"].score == 0 and "SyntaxError" in results["init"].error, report
    assert "initialization.py, line" in results["init"].error
    assert results["low_rank"].score == 0 and "boom at import" in results["low_rank"].error, report
    # count_parameters still works, so the loop costs only the linear_param_count checks
    assert 0 < results["param_count"].score < 2, report
    assert "Took too long" in report and "Not run: the same check took too long" in report
