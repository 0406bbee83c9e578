"""Results of the checks and the feedback a student reads (no torch here: nbgrader's cells load it fast).

An ExerciseResult holds, per check, whether it passed and a message written for the
student. Everything in it was decided on the grader's side; text that came from the
student's code is already quoted and bounded (verdicts.quote). format_report() is the
only place that turns results into the lines printed by check() and by the graded
notebook's cells, so the score line always comes from here.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from linear_checks.misconceptions import read_more


@dataclass
class CheckResult:
    name: str  # "manual_linear_hidden.test_empty_batch[3-D]": where the check lives
    doc: str  # what the feedback calls it
    passed: bool
    message: str = ""
    hidden: bool = False
    misconception: str = ""  # the known mistake the answer showed (misconceptions.py), or ""
    outcome: str = ""  # "passed", "failed", "timeout" (took too long), "crashed" (the process died), "not run"
    weight: float = 1.0  # its share of the exercise's points (@pytest.mark.weight)


@dataclass
class ExerciseResult:
    key: str
    label: str
    points: float
    checks: list[CheckResult] = field(default_factory=list)
    error: str = ""  # why no check could run (the file is missing or cannot be imported)
    sandbox: str = ""  # how the student's code was isolated, in words

    @property
    def n_passed(self) -> int:
        return sum(c.passed for c in self.checks)

    @property
    def score(self) -> float:
        if self.error or not self.checks:
            return 0.0
        total = sum(c.weight for c in self.checks)
        return round(self.points * sum(c.weight for c in self.checks if c.passed) / total, 2) if total else 0.0


def save(results: list[ExerciseResult], path: Path) -> None:
    path.write_text(json.dumps([asdict(r) for r in results], indent=1))


def load(path: Path) -> list[ExerciseResult]:
    out = []
    for r in json.loads(Path(path).read_text()):
        checks = [CheckResult(**c) for c in r.pop("checks")]
        out.append(ExerciseResult(**r, checks=checks))
    return out


def _explain(message: str) -> str:
    if message.startswith("NotImplementedError:"):
        return "Not implemented yet: " + message.partition(":")[2].strip()
    return message


def _once(message: str, said: set[str]) -> str:
    """message, without what this exercise's feedback already said: a repeated hint goes, and so
    does a repeated quote of the student's own words; a message said in full before, entirely."""
    if message in said:
        return ""
    said.add(message)
    body, _, hint = message.partition(" Hint: ")
    if hint and hint in said:
        message = body
    said.add(hint)
    quoted = re.findall(r"«[^»]*»", message)
    for q in quoted:
        if q in said and len(q) > 40:
            message = message.replace(q, "«the same message as above»")
        said.add(q)
    return message


def format_report(results: list[ExerciseResult]) -> str:
    """Per exercise its score; per check a tick or a cross, and for a cross what was expected and a hint."""
    lines = []
    levels = {r.sandbox for r in results if r.sandbox}
    if any(level.startswith("no sandbox") for level in levels):
        lines.append(f"Note: your code ran with {sorted(levels)[0]}.")
    for res in results:
        lines.append(f"{res.label}: {res.score:g} / {res.points:g} points "
                     f"({res.n_passed} of {len(res.checks)} checks passed)" if not res.error
                     else f"{res.label}: 0 / {res.points:g} points")
        if res.error:
            lines.append(f"  ✗ {res.error}")
        said: set[str] = set()  # explanations, hints and quotes already shown for this exercise
        for c in res.checks:
            lines.append(f"  {'✓' if c.passed else '✗'} {'(hidden check) ' if c.hidden else ''}{c.doc}")
            if not c.passed:
                why = _once(_explain(c.message), said)
                if why:
                    lines.append("      " + why)
                more = read_more(c.misconception)
                if more and more not in said:  # the lesson that treats this mistake, once per exercise
                    said.add(more)
                    lines.append("      " + more)
        lines.append("")
    if len(results) > 1:
        total = sum(r.score for r in results)
        lines.append(f"Total: {total:g} / {sum(r.points for r in results):g} points")
    return "\n".join(lines).rstrip() + "\n"


class CheckSummary:
    """What check() returns: the results, shown in a notebook as a one-line summary."""

    def __init__(self, results: list[ExerciseResult]):
        self.results = results
        self.score = sum(r.score for r in results)
        self.points = sum(r.points for r in results)

    @property
    def all_passed(self) -> bool:
        return all(r.checks and r.n_passed == len(r.checks) and not r.error for r in self.results)

    def __repr__(self) -> str:
        return f"{self.score:g} / {self.points:g} points"


def checking_line(package_root: Path) -> str:
    """Which copy of the exercises is being checked, as a student recognizes the folder."""
    folder = Path(package_root).resolve() / "linear_exercises"
    for base, prefix in ((Path.cwd(), ""), (Path.home(), "~/")):
        try:
            return f"Checking the files in {prefix}{folder.relative_to(base.resolve())}/"
        except ValueError:
            continue
    return f"Checking the files in {folder}/"
