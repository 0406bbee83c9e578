"""The student stubs are generated from solutions/ and are up to date."""

from __future__ import annotations

import ast

import pytest

from conftest import REPO


def test_committed_stubs_match_the_generator(make_stubs):
    stale = make_stubs.stale(REPO / "linear_exercises")
    assert not stale, f"linear_exercises/ is out of date for {stale}: run `make stubs` and commit"


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


def test_every_exercise_module_has_solution_blocks():
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("_table", REPO / "solutions" / "linear_exercises" / "exercises.py")
    table = importlib.util.module_from_spec(spec)
    sys.modules["_table"] = table
    spec.loader.exec_module(table)
    for exercise in table.EXERCISES:
        source = (REPO / "solutions" / "linear_exercises" / exercise.module).read_text()
        assert "### BEGIN SOLUTION" in source, exercise.module
