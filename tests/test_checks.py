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
