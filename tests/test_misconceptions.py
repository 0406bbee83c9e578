"""The misconception catalogue points to lesson sections that exist, in words a student can follow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linear_checks.exercises import EXERCISES
from linear_checks.misconceptions import CATALOGUE, read_more
from linear_checks.report import CheckResult, ExerciseResult, format_report

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def _headings(notebook: Path) -> set[str]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return {line.strip() for c in cells if c["cell_type"] == "markdown"
            for line in "".join(c["source"]).splitlines() if line.startswith("#")}


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_the_lesson_section_exists(key):
    found = CATALOGUE[key]
    assert found.key == key and found.exercise in {e.key for e in EXERCISES}
    assert (NOTEBOOKS / found.lesson).is_file(), found.lesson
    assert found.section in _headings(NOTEBOOKS / found.lesson), f"{found.lesson} has no heading {found.section!r}"


def test_feedback_names_the_misconception_once_per_exercise():
    """Two checks showing the same mistake: the lesson pointer is printed once; an unknown key prints nothing."""
    checks = [CheckResult(f"manual_linear.check_{i}", f"check {i}", False, f"wrong {i}: expected 1, got 2.",
                          misconception="weight_transposed") for i in range(2)]
    checks.append(CheckResult("manual_linear.check_2", "check 2", False, "wrong: expected 1, got 3.",
                              misconception="no_such_key"))
    text = format_report([ExerciseResult("manual_linear", "Exercise 1", 4.0, checks)])
    line = read_more("weight_transposed")
    assert text.count(line) == 1 and "07_pitfalls.ipynb" in line and "section" in line
    assert read_more("no_such_key") == "" and "no_such_key" not in text
