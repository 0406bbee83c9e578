"""Every known-wrong implementation loses points, with a message that says what was expected."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import copy_solutions
from linear_checks.exercises import EXERCISES
from linear_checks.misconceptions import CATALOGUE
from linear_checks.report import format_report

CORPUS = sorted((Path(__file__).parent / "wrong_implementations").glob("*.py"))


def _declared(path: Path) -> tuple[str, str]:
    """TARGET and MUST_MENTION of a corpus file, read without running it."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Tuple):
            names = [t.id for t in node.targets[0].elts]
            if names == ["TARGET", "MUST_MENTION"]:
                return tuple(ast.literal_eval(node.value))
    raise AssertionError(f"{path.name} must start with TARGET, MUST_MENTION = ...")


def _misconception(path: Path) -> str | None:
    """The MISCONCEPTION a corpus file declares, if it declares one."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "MISCONCEPTION":
            return ast.literal_eval(node.value)
    return None


@pytest.fixture(scope="module")
def corpus_results(grade_package, tmp_path_factory):
    """Grade every wrong implementation, hidden checks included: {file name: ExerciseResult}."""
    table = {e.module: e.key for e in EXERCISES}

    def grade(path: Path):
        target, _ = _declared(path)
        root = copy_solutions(tmp_path_factory.mktemp(path.stem))
        module = root / "linear_exercises" / target
        module.write_text(module.read_text() + "\n\n# --- wrong implementation appended by the test ---\n"
                          + path.read_text())
        return path.name, grade_package(root, [table[target]], hidden=True)[0]

    return dict(map(grade, CORPUS))


def test_corpus_is_not_empty():
    assert len(CORPUS) >= 11


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_wrong_implementation_is_caught(path, corpus_results):
    _, must_mention = _declared(path)
    result = corpus_results[path.name]
    report = format_report([result])
    assert "could not be imported" not in result.error, report
    assert result.score < result.points, f"{path.name} got full marks:\n{report}"
    messages = [c.message for c in result.checks if not c.passed] + [result.error]
    assert not any(m.startswith("NotImplementedError") for m in messages), report
    assert any("expected" in m.lower() and must_mention in m for m in messages), (
        f"no failing check of {path.name} says 'expected' and {must_mention!r}:\n{report}")


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_feedback_names_no_unrelated_mistake(path, corpus_results):
    """Each corpus file holds one mistake: its feedback must not name another file's mistake."""
    target, own = _declared(path)
    others = {mention for other in CORPUS if other != path
              for other_target, mention in [_declared(other)] if other_target == target and mention not in own}
    result = corpus_results[path.name]
    messages = [c.message for c in result.checks if not c.passed] + [result.error]
    named = sorted(m for m in others if any(m in message for message in messages))
    assert not named, f"{path.name} ({own!r}) is also told {named}:\n{format_report([result])}"


@pytest.mark.parametrize("path", [p for p in CORPUS if _misconception(p)], ids=lambda p: p.stem)
def test_misconception_is_recognised_and_points_to_its_lesson(path, corpus_results):
    """The grader names the file's misconception from the answers (not the code's text), and no other one."""
    key = _misconception(path)
    result = corpus_results[path.name]
    found = {c.misconception for c in result.checks if not c.passed} - {""}
    assert found == {key}, f"{path.name}: expected misconception {key!r}, recognised {sorted(found)}"
    assert CATALOGUE[key].pointer() in format_report([result])


def test_every_misconception_has_a_wrong_implementation():
    declared = {_misconception(p) for p in CORPUS} - {None}
    assert declared <= set(CATALOGUE), sorted(declared - set(CATALOGUE))
    assert set(CATALOGUE) <= declared, f"no corpus file for {sorted(set(CATALOGUE) - declared)}"
