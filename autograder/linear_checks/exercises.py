"""The graded exercises of the course: the one table, in course order.

Everything else reads this table or is generated from it (`make stubs`):
- the student package: each exercise's stub file and the names linear_exercises exports;
- the graded notebook (autograder/source/): the list in its introduction, each exercise's
  heading ("Exercise N: title (challenge, P points)"), its check cell and the cell's points,
  the total at the end;
- the README's exercise table (between its `exercise-table` markers) and the release's README;
- the grader: which checks belong to which exercise (autograder/linear_checks/public/test_<key>.py
  and autograder/hidden_checks/test_<key>_hidden.py), the gradebook columns, the LMS files
  and the class report.

The grader reads this file, never a student's copy of anything. To add, change or drop an
exercise, follow CONTRIBUTING.md.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Exercise:
    """One graded exercise."""

    number: int
    key: str  # the name passed to check() and grade(); its checks are test_<key>.py
    module: str  # the file inside linear_exercises/ that the student edits
    title: str
    points: int
    exports: tuple[str, ...]  # the names `import linear_exercises` gives from the module
    challenge: bool = False  # marked "challenge" in the notebook and the READMEs

    @property
    def label(self) -> str:
        return f"Exercise {self.number} ({self.key})"

    @property
    def heading(self) -> str:
        """The graded notebook's heading for it: "Exercise 6: Backward pass (challenge, 4 points)"."""
        points = f"{self.points} point" + ("" if self.points == 1 else "s")
        return f"Exercise {self.number}: {self.title} ({'challenge, ' if self.challenge else ''}{points})"


EXERCISES: tuple[Exercise, ...] = (
    Exercise(1, "manual_linear", "manual_linear.py", "Manual linear layer", 4, ("manual_linear", "ManualLinear")),
    Exercise(2, "param_count", "param_count.py", "Parameter counting", 2, ("linear_param_count", "count_parameters")),
    Exercise(3, "init", "initialization.py", "Initialization schemes", 3, ("SCHEMES", "init_linear_", "init_model_")),
    Exercise(4, "weight_viz", "weight_viz.py", "Weight visualization", 3, ("weight_grid", "plot_weight_templates")),
    Exercise(5, "low_rank", "low_rank.py", "Low-rank linear layer", 3, ("LowRankLinear",), challenge=True),
    Exercise(6, "backward", "backward.py", "Backward pass", 4, ("linear_backward", "LinearFunction"), challenge=True),
    Exercise(7, "lora", "lora.py", "LoRA adapter", 3, ("LoRALinear", "lora_param_count"), challenge=True),
)

TOTAL_POINTS: int = sum(e.points for e in EXERCISES)
BY_KEY: dict[str, Exercise] = {e.key: e for e in EXERCISES}
BY_MODULE: dict[str, Exercise] = {e.module: e for e in EXERCISES}


def get(key: str) -> Exercise:
    """The exercise with this key; a ValueError lists the known ones."""
    try:
        return BY_KEY[key]
    except KeyError:
        known = ", ".join(BY_KEY)
        raise ValueError(f"unknown exercise {key!r}; known exercises: {known}") from None
