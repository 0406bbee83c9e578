"""Everything generated from the exercise table and the solutions (stubs, exports, README table, graded notebook) is up to date."""

from __future__ import annotations

import ast

import pytest

from conftest import REPO


def test_committed_generated_files_match_the_generator(make_stubs):
    stale = make_stubs.stale()
    assert not stale, f"{stale} out of date: run `make stubs` and commit"


def test_stubs_hold_no_solution_code(make_stubs):
    for path in (REPO / "linear_exercises").rglob("*.py"):
        text = path.read_text()
        assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text, path
        ast.parse(text)  # every stub is valid Python


def test_every_solution_block_names_its_exercise_function_and_file(make_stubs):
    text = (
        "def f(x):\n"
        "    \"\"\"doc\"\"\"\n"
        "    ### BEGIN SOLUTION\n"
        "    return x\n"
        "    ### END SOLUTION\n"
        "class C:\n"
        "    def g(self):\n"
        "        ### BEGIN SOLUTION\n"
        "        return 1\n"
        "        ### END SOLUTION\n"
    )
    out = make_stubs.stub_source(text, "demo.py", "Exercise 9 (demo)")
    assert 'raise NotImplementedError("Exercise 9 (demo): implement f() in linear_exercises/demo.py")' in out
    assert 'raise NotImplementedError("Exercise 9 (demo): implement C.g() in linear_exercises/demo.py")' in out
    assert "return x" not in out and "return 1" not in out
    ns = {}
    exec(out, ns)
    with pytest.raises(NotImplementedError):
        ns["f"](1)


@pytest.mark.parametrize("text, problem", [
    ("def f():\n    ### BEGIN SOLUTION\n    pass\n", "never closed"),
    ("def f():\n    pass\n    ### END SOLUTION\n", "without"),
    ("def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    pass\n", "nested"),
])
def test_malformed_markers_are_reported(make_stubs, text, problem):
    with pytest.raises(ValueError, match=problem):
        make_stubs.stub_source(text, "demo.py", "Exercise 9 (demo)")


def test_solutions_hold_the_exercise_files_only():
    """Helpers live in linear_exercises/ alone: solutions/linear_exercises/ is the table's exercise files."""
    from linear_checks.exercises import EXERCISES

    have = {p.name for p in (REPO / "solutions" / "linear_exercises").glob("*.py")}
    assert have == {e.module for e in EXERCISES}
    for exercise in EXERCISES:
        assert "### BEGIN SOLUTION" in (REPO / "solutions" / "linear_exercises" / exercise.module).read_text()


def test_the_reference_package_is_the_helpers_with_the_solutions_laid_over(make_stubs, tmp_path):
    from linear_checks.exercises import EXERCISES

    package = make_stubs.reference_package(tmp_path) / "linear_exercises"
    for path in (REPO / "linear_exercises").glob("*.py"):
        source = REPO / "solutions" / "linear_exercises" / path.name
        want = source if source.exists() else path
        assert (package / path.name).read_text() == want.read_text(), path.name
    assert {p.name for p in package.glob("*.py")} == {p.name for p in (REPO / "linear_exercises").glob("*.py")}
    assert all((package / e.module).is_file() for e in EXERCISES)
