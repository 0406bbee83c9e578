"""Results of the checks and the feedback a student reads (no torch here: nbgrader's cells load it fast).

An ExerciseResult holds, per check, whether it passed and a message written for the
student. Everything in it was decided on the grader's side; text that came from the
student's code is already quoted and bounded (verdicts.quote). format_report() is the
only place that turns results into the lines printed by check() and by the graded
notebook's cells, so the score line always comes from here: every message, error and
name it prints is put on one line of its own, indented, with every character that does
not print as itself shown as a visible escape (one_line), whatever a check wrote into it
(a type name the student's code chose is not quoted by every check).

for_student() is what a student is handed at class grading: a hidden check keeps its name,
its outcome, its hint and the mistake it recognised, but not its message, which may hold
the expected values (or the student's own code echoing the inputs back): with those, each
resubmission would add answers to a table. The instructor's records keep the full message.
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


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(ch: str) -> str:
    code = ord(ch)
    if ch in _NAMED:
        return _NAMED[ch]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


MAX_LINE = 4000  # characters of one message in the feedback


def one_line(text) -> str:
    """text on one line: every character that does not print as itself (line breaks, tabs, ESC and the terminal
    sequences it starts, \\r, \\b, C1 controls, bidi overrides and isolates, zero-width characters) shown as a
    visible escape (\\n, \\x1b, \\u202e), so that it can neither start a line nor change how one looks."""
    text = str(text)[:MAX_LINE]
    return "".join(ch if ch == " " or ch.isprintable() else _escape(ch) for ch in text)


def safe_results(results: list[ExerciseResult]) -> list[ExerciseResult]:
    """The results with every message, error, name and label on one line (one_line): what is stored and shown."""
    for res in results:
        res.label, res.error, res.sandbox = one_line(res.label), one_line(res.error), one_line(res.sandbox)
        for c in res.checks:
            c.name, c.doc, c.message = one_line(c.name), one_line(c.doc), one_line(c.message)
            c.misconception, c.outcome = one_line(c.misconception), one_line(c.outcome)
    return results


HIDDEN_CAUSES = {
    "raised": "Your code raised an exception on inputs you have not seen.",
    "failed": "Your code's answer was not what this check expects, on inputs you have not seen.",
    "not implemented": "Not implemented yet.",
    "timeout": "Took too long on inputs you have not seen (an endless loop, or code far slower than it should be).",
    "crashed": "Your code ended the process that ran it (or used up its memory) on inputs you have not seen.",
}


def hidden_cause(check: CheckResult) -> str:
    """What the student is told about a failed hidden check: a generic cause and the check's hint, never its
    message (expected values, or the student's own text, which may echo the hidden inputs)."""
    message = check.message
    if check.outcome == "not run":  # written by the grader from the check's timing only
        return message
    if check.outcome in ("timeout", "crashed"):
        cause = HIDDEN_CAUSES[check.outcome]
    elif message.startswith("NotImplementedError:"):
        cause = HIDDEN_CAUSES["not implemented"]
    elif re.search(r"\braised\b", message):
        cause = HIDDEN_CAUSES["raised"]
    else:
        cause = HIDDEN_CAUSES["failed"]
    _, said, hint = message.rpartition(" Hint: ")
    if said and hint and not set(hint) & set("«»"):  # the check's own hint (a student's quote ends with »)
        cause += " Hint: " + hint
    return cause


def for_student(results: list[ExerciseResult]) -> list[ExerciseResult]:
    """Copies of the results as a student may read them at class grading: hidden checks' messages replaced by
    hidden_cause() (the instructor's records keep them)."""
    import copy

    out = copy.deepcopy(results)
    for res in out:
        for c in res.checks:
            if c.hidden and not c.passed:
                c.message = hidden_cause(c)
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
    levels = {one_line(r.sandbox) for r in results if r.sandbox}
    if any(level.startswith("no sandbox") for level in levels):
        lines.append(f"Note: your code ran with {sorted(levels)[0]}.")
    for res in results:
        label = one_line(res.label)
        lines.append(f"{label}: {res.score:g} / {res.points:g} points "
                     f"({res.n_passed} of {len(res.checks)} checks passed)" if not res.error
                     else f"{label}: 0 / {res.points:g} points")
        if res.error:
            lines.append(f"  ✗ {one_line(res.error)}")
        said: set[str] = set()  # explanations, hints and quotes already shown for this exercise
        for c in res.checks:
            lines.append(f"  {'✓' if c.passed else '✗'} {'(hidden check) ' if c.hidden else ''}{one_line(c.doc)}")
            if not c.passed:
                why = _once(_explain(one_line(c.message)), said)
                if why:
                    lines.append("      " + why)
                more = read_more(c.misconception)
                if more and more not in said:  # the lesson that treats this mistake, once per exercise
                    said.add(more)
                    lines.append("      " + one_line(more))
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
            return one_line(f"Checking the files in {prefix}{folder.relative_to(base.resolve())}/")
        except ValueError:
            continue
    return one_line(f"Checking the files in {folder}/")
