"""The graded exercises of the course: one entry each, in course order.

The stub generator uses it for the NotImplementedError messages. The grader keeps
its own copy (autograder/linear_checks/exercises.py; a test keeps the two equal) so
that it never runs a student's.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Exercise:
    """One graded exercise: its number, key, module file and points."""

    number: int
    key: str  # the name passed to check() and grade(), and of its check modules
    module: str  # file inside linear_exercises/ that the student edits
    title: str
    points: int

    @property
    def label(self) -> str:
        return f"Exercise {self.number} ({self.key})"


EXERCISES: tuple[Exercise, ...] = (
    Exercise(1, "manual_linear", "manual_linear.py", "Manual linear layer", 4),
    Exercise(2, "param_count", "param_count.py", "Parameter counting", 2),
    Exercise(3, "init", "initialization.py", "Initialization schemes", 3),
    Exercise(4, "weight_viz", "weight_viz.py", "Weight visualization", 3),
    Exercise(5, "low_rank", "low_rank.py", "Low-rank linear layer", 3),
    Exercise(6, "backward", "backward.py", "Backward pass", 4),
)

BY_KEY: dict[str, Exercise] = {e.key: e for e in EXERCISES}
BY_MODULE: dict[str, Exercise] = {e.module: e for e in EXERCISES}


def get(key: str) -> Exercise:
    """The exercise with this marker name; a ValueError lists the known ones."""
    try:
        return BY_KEY[key]
    except KeyError:
        known = ", ".join(BY_KEY)
        raise ValueError(f"unknown exercise {key!r}; known exercises: {known}") from None
