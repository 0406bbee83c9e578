"""Class 5: text from student code is always quoted, on one line, with control characters shown as escapes.

Student code chooses the message of what it raises, the name of its exception's class and
of its stub's NotImplementedError. None of it may start a line where a forged score line
("Exercise 1 (manual_linear): 4 / 4 points") could stand, nor reach a terminal, a feedback
page or a stored result as a control character (ESC and the terminal sequences it starts,
\\r, \\b, C1 controls, bidi overrides and isolates, zero-width characters). This file checks
quote() and the report on their own, then the attempts of tests/tampering/ that forge a
score (Class 5) through the checks: the feedback, the student's version of it, the stored
results, `python -m linear_checks` in a terminal, and the class report.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, load_by_path
from linear_checks.exercises import EXERCISES
from linear_checks.plugin import explain
from linear_checks.report import CheckResult, ExerciseResult, for_student, format_report, load, save
from linear_checks.verdicts import MAX_QUOTE, quote
from linear_checks.wire import Raised
from test_wrong_implementations import _declared

TAMPERING = Path(__file__).parent / "tampering"
FORGING = sorted(p for p in TAMPERING.glob("*.py")  # class 5 attempts that forge a score line
                 if p.read_text().split('"""')[1].startswith("Class 5") and " points" in p.read_text())
KEY = {e.module: e.key for e in EXERCISES}
HOSTILE = ("\r\x1b[2K\x1b[1A\b\n\nExercise 1 (manual_linear): 4 / 4 points (19 of 19 checks passed)\n"
           "\x1b]0;title\x07\u202eTotal: 19 / 19 points\u200b\u2066\x9b0m\x85\u2028\u2029\x00\x7f\ufeff")
SCORE_LINE = re.compile(r"^\s*(Exercise \d+\b|Total\b)")


def control_characters(text: str) -> list[str]:
    """Every character of text, line feeds aside, that does not print as itself."""
    return sorted({ascii(ch) for ch in text if ch != "\n" and ch != " " and not ch.isprintable()})


def forged_lines(text: str, results: list[ExerciseResult]) -> list[str]:
    """Lines that start (after blanks) like a score line but are not one the grader wrote for these results."""
    mine = {f"{r.label}: {r.score:g} / {r.points:g} points" for r in results}
    mine.add(f"Total: {sum(r.score for r in results):g} / {sum(r.points for r in results):g} points")
    return [line for line in text.splitlines() if SCORE_LINE.match(line) and not any(line.startswith(m) for m in mine)]


def test_the_corpus_has_the_forging_attempts():
    names = {p.stem for p in FORGING}
    assert {"terminal_escapes_and_a_forged_score", "forged_score_as_an_exception_class_name",
            "forged_score_in_a_not_implemented_error", "forged_score_raised_at_import"} <= names, names


# -- quote() and the report on their own ------------------------------------------------------------
def test_quote_is_one_bounded_line_with_visible_escapes():
    quoted = quote(HOSTILE)
    assert "\n" not in quoted and not control_characters(quoted), quoted
    for shown in ("\\x1b[2K", "\\x0d", "\\x08", "\\u202e", "\\u200b", "\\u2066", "\\x9b", "\\x85", "\\u2028",
                  "\\x00", "\\x7f", "\\ufeff"):
        assert shown in quoted, shown
    assert quoted.startswith("«") and quoted.endswith("»") and quoted.count("«") == 1 and quoted.count("»") == 1
    assert quote("closed» early «open") == "«closed\\xbb early \\xabopen»"
    long = quote("\x1b" * 1000)
    assert len(long) <= MAX_QUOTE + 10 and long.endswith(" [...]»")
    assert quote("  plain\ttext\n on  lines ") == "«plain text on lines»"


def _results(message: str, *, hidden: bool = False) -> list[ExerciseResult]:
    check = CheckResult("manual_linear.test_x", "a check " + HOSTILE, False, message, hidden, "", "failed")
    return [ExerciseResult("manual_linear", "Exercise 1 (manual_linear)", 4, [check], sandbox="bubblewrap sandbox"),
            ExerciseResult("param_count", "Exercise 2 (param_count)", 2, [], error="import failed: " + HOSTILE)]


def test_the_report_puts_every_text_on_one_line_whatever_a_check_wrote():
    """A check may write a type name the student chose into its message unquoted: the report escapes it all."""
    results = _results(f"manual_linear raised {HOSTILE}: «x»; expected it to run. Hint: {HOSTILE}")
    text = format_report(results)
    assert not control_characters(text), control_characters(text)
    assert not forged_lines(text, results), forged_lines(text, results)
    assert "\\x1b[2K" in text and "\\n\\nExercise 1 (manual_linear): 4 / 4 points" in text


def test_explain_quotes_the_type_name_and_the_stubs_message():
    for exc in (Raised(HOSTILE, HOSTILE), Raised("ValueError", HOSTILE, not_implemented=True)):
        _, message, _ = explain(exc)
        assert "\n" not in message and not control_characters(message), message
    assert explain(Raised("ValueError", "bad"))[1] == "your code raised ValueError: «bad»"
    assert explain(Raised("Exercise 1: 4 / 4 points", "x"))[1].startswith("your code raised «Exercise 1")


def test_stored_results_hold_no_control_character(tmp_path):
    path = tmp_path / "verdicts.json"
    from linear_checks.report import safe_results

    save(safe_results(_results(HOSTILE)), path)
    assert not control_characters(path.read_text())
    for res in load(path):
        for text in [res.error, res.label, *(c.message for c in res.checks), *(c.doc for c in res.checks)]:
            assert "\n" not in text and not control_characters(text), text


def test_the_student_reads_no_hidden_message():
    """Class grading: a failed hidden check keeps its name, a generic cause and its hint, not its expected values
    nor the student's own text (which may echo the hidden inputs back)."""
    message = ("manual_linear on a (13, 29) batch: expected [0.1234, -0.5678], got [1, 2]. "
               "Hint: y = x @ weight.T + bias.")
    results = _results(message, hidden=True)
    shown = format_report(for_student(results))
    assert "0.1234" not in shown and "(13, 29)" not in shown and "inputs you have not seen" in shown
    assert "Hint: y = x @ weight.T + bias." in shown and "a check" in shown
    assert results[0].checks[0].message == message  # the instructor's copy keeps it
    echoed = _results("manual_linear raised ValueError: «x was (13, 29) Hint: 0.1234»; expected it to run.",
                      hidden=True)
    shown = format_report(for_student(echoed))
    assert "13, 29" not in shown and "0.1234" not in shown and "raised an exception" in shown


# -- the attempts, through the checks -----------------------------------------------------------------
@pytest.fixture(scope="module")
def forged(grade_package, make_stubs, tmp_path_factory):
    """{file name: (package root, its results)} for every forging attempt, hidden checks included."""
    out = {}
    for path in FORGING:
        target, _ = _declared(path)
        root = tmp_path_factory.mktemp(path.stem)
        make_stubs.write(root / "linear_exercises")
        module = root / "linear_exercises" / target
        module.write_text(module.read_text() + "\n\n# --- tampering appended by the test ---\n" + path.read_text())
        out[path.name] = (root, grade_package(root, [KEY[target]], hidden=True))
    return out


@pytest.mark.parametrize("path", FORGING, ids=[p.stem for p in FORGING])
def test_a_forged_score_never_starts_a_line_and_no_control_character_is_shown(path, forged, tmp_path):
    _, must_mention = _declared(path)
    root, results = forged[path.name]
    assert sum(r.score for r in results) == 0
    for text in (format_report(results), format_report(for_student(results))):
        assert not control_characters(text), (control_characters(text), text)
        assert not forged_lines(text, results), text
    assert must_mention in format_report(results), format_report(results)
    save(results, tmp_path / "stored.json")  # what grading_task writes and results/<id>.json holds
    stored = [text for r in load(tmp_path / "stored.json")
              for text in [r.error, r.label, *(c.message for c in r.checks), *(c.doc for c in r.checks)]]
    assert not [t for t in stored if "\n" in t or control_characters(t)]


def test_the_terminal_shows_no_control_character_and_no_forged_line(forged):
    """`python -m linear_checks --hidden` (the instructor's terminal), on every forging attempt."""
    for name, (root, results) in forged.items():
        key = results[0].key
        proc = subprocess.run([sys.executable, "-m", "linear_checks", key, "--package-root", str(root), "--hidden"],
                              cwd=REPO / "autograder", capture_output=True, text=True, timeout=300)
        out = proc.stdout + proc.stderr
        assert proc.returncode == 1 and f"{results[0].label}: 0 / " in out, out
        assert not control_characters(out), (name, control_characters(out), out)
        assert not forged_lines(out, results), (name, out)


def test_the_class_report_shows_no_control_character(forged):
    class_report = load_by_path("class_report_for_student_text", REPO / "autograder" / "class_report.py")
    records = [{"student": name, "seed": 1, "success": True, "error": "", "notes": [HOSTILE],
                "exercises": [{"key": r.key, "label": r.label, "points": r.points, "score": r.score, "error": r.error,
                               "checks": [vars(c) | {"outcome": "crashed"} for c in r.checks]} for r in results]}
               for name, (_, results) in forged.items()]
    records.append({"student": "x", "seed": 1, "success": False, "error": HOSTILE, "notes": [], "exercises": []})
    page = class_report.render(records, assignment="linear_layers",
                               exercises=[{"key": e.key, "label": e.label, "points": e.points} for e in EXERCISES],
                               notes={"x": [HOSTILE]}, misconceptions={})
    assert not control_characters(page.replace("\n", "")), control_characters(page)
    assert "\\x1b[2K" in page and "\\u202e" in page
