"""The class report page (autograder/class_report.py) from hand-made grading records.

The whole pipeline (collect, autograde, report on a planted class, in Chromium) is
tests/test_class_report_e2e.py; here each section is checked on records built to show it,
and the page is checked to stand alone and to escape what came from submissions.
"""

from __future__ import annotations

import re

from conftest import REPO, load_by_path
from linear_checks.exercises import EXERCISES
from linear_checks.misconceptions import CATALOGUE

class_report = load_by_path("class_report_for_tests", REPO / "autograder" / "class_report.py")

EXERCISE_TABLE = [{"key": e.key, "label": e.label, "points": e.points} for e in EXERCISES]
MISCONCEPTIONS = {m.key: {"title": m.title, "exercise": m.exercise, "pointer": m.pointer()}
                  for m in CATALOGUE.values()}
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def check(name, passed, *, hidden=False, misconception="", outcome=None, message="", doc=None):
    return {"name": name, "doc": doc or name, "passed": passed, "message": message, "hidden": hidden,
            "misconception": misconception, "outcome": outcome or ("passed" if passed else "failed")}


def record(student, checks_by_exercise, *, success=True, error="", notes=()):
    exercises = []
    for e in EXERCISES:
        checks = checks_by_exercise.get(e.key, [check(f"{e.key}.check_a", True)])
        score = round(e.points * sum(c["passed"] for c in checks) / len(checks), 2) if checks else 0.0
        exercises.append({"key": e.key, "label": e.label, "points": e.points, "checks": checks,
                          "error": "", "sandbox": "", "score": score})
    return {"student": student, "seed": 1, "graded_at": "2026-11-24T10:00:00+00:00", "success": success,
            "error": error, "notes": list(notes), "exercises": exercises if success else []}


def render(records, **kwargs):
    kwargs.setdefault("notes", {r["student"]: r["notes"] for r in records if r["notes"]})
    return class_report.render(records, assignment="linear_layers", exercises=EXERCISE_TABLE,
                               misconceptions=MISCONCEPTIONS, **kwargs)


def section(page, sid):
    start = page.index(f'<section id="{sid}">')
    return page[start:page.index("</section>", start)]


def rows(page, attribute):
    return {m.group(1): int(m.group(2)) for m in
            re.finditer(rf'<tr data-{attribute}="([^"]+)" data-(?:count|failed)="(\d+)"', page)}


CLASS = [
    record("ann", {}),
    record("bob", {"manual_linear": [check("manual_linear.check_a", False, misconception="weight_transposed"),
                                     check("manual_linear.check_b", False, hidden=True,
                                           misconception="weight_transposed")]}),
    record("cy", {"manual_linear": [check("manual_linear.check_a", False, misconception="weight_transposed"),
                                    check("manual_linear.check_b", True, hidden=True)],
                  "param_count": [check("param_count.check_a", False, misconception="count_without_bias")]}),
    record("dee", {"manual_linear": [check("manual_linear.check_a", False, outcome="timeout",
                                           message="It took longer than 10 s.")]},
           notes=["manual_linear.py was not handed in: its exercise was graded on the unchanged stub (0 points)."]),
    record("eve", {}, success=False, error="the worker died twice"),
]


def test_sections_come_in_order_and_the_page_fetches_nothing():
    page = render(CLASS, similarity_html="<p>pairs here</p>", generated_at="2026-11-24T10:00:00+00:00")
    ids = re.findall(r'<section id="([a-z]+)">', page)
    assert ids == ["scores", "checks", "misconceptions", "timeouts", "notes", "similarity"]
    assert "<script" not in page.lower()
    assert not re.search(r'(src|href)="(?!data:image/png;base64,|#)', page), "the page refers to something outside"
    assert "pairs here" in section(page, "similarity")
    assert "5 student(s) graded, 1 grading task(s) failed" in page


def test_each_misconception_is_counted_once_per_student_with_who_and_where_to_read():
    page = render(CLASS)
    assert rows(page, "misconception") == {"weight_transposed": 2, "count_without_bias": 1}
    mis = section(page, "misconceptions")
    row = re.search(r'<tr data-misconception="weight_transposed".*?</tr>', mis, re.S).group(0)
    assert "bob" in row and "cy" in row and "ann" not in row
    assert CATALOGUE["weight_transposed"].pointer() in row.replace("&quot;", '"')
    assert mis.count("<img") == 1


def test_check_failure_counts_mark_hidden_checks_and_time_outs():
    page = render(CLASS)
    counts = rows(page, "check")
    assert counts["manual_linear.check_a"] == 3 and counts["manual_linear.check_b"] == 1
    assert counts["param_count.check_a"] == 1 and counts["init.check_a"] == 0
    row_b = re.search(r'<tr data-check="manual_linear.check_b".*?</tr>', page, re.S).group(0)
    assert "hidden" in row_b and "1 of 2" in row_b  # only bob and cy ran it
    timeouts = section(page, "timeouts")
    assert re.search(r"dee.*?timeout.*?longer than 10 s", timeouts, re.S)
    assert re.search(r"eve.*?task failed.*?the worker died twice", timeouts, re.S)


def test_scores_table_and_notes():
    page = render(CLASS)
    scores = section(page, "scores")
    total = sum(e.points for e in EXERCISES)
    assert re.search(rf"<b>Total</b>.*?<b>{total:g}</b>", scores, re.S)
    assert scores.count("<img") == 1
    notes = section(page, "notes")
    assert "dee" in notes and "manual_linear.py was not handed in" in notes and "ann" not in notes


def test_student_derived_text_is_escaped_everywhere():
    evil = record(HOSTILE, {"manual_linear": [check(HOSTILE, False, misconception=HOSTILE, outcome="crashed",
                                                    message=HOSTILE, doc=HOSTILE)]},
                  notes=[f"Files you added were not used at grading: {HOSTILE}."])
    page = render([evil], similarity_html="", reference_share={HOSTILE: 0.95})
    assert "<script" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in section(page, "timeouts") and "&lt;script&gt;" in section(page, "notes")
    assert "&lt;script&gt;" in section(page, "similarity")


def test_an_empty_class_gives_a_page_that_says_so():
    page = render([])
    assert "0 student(s) graded" in page
    assert "No check has run yet" in section(page, "checks")
    assert "No known mistake was recognised" in section(page, "misconceptions")
    assert "<img" not in page


def test_students_close_to_the_reference_are_listed():
    page = render(CLASS, reference_share={"ann": 1.0, "bob": 0.81, "cy": 0.2})
    similar = section(page, "similarity")
    assert "2 of 3" in similar and "ann" in similar and "bob" in similar and "cy" not in similar
