"""make report: class_report.html from what autograde recorded in results/ (class_report.py renders the page)."""

from __future__ import annotations

import json
from pathlib import Path

import collector
from nbgrader_plugins import STUDENT_FILES
from paths import ASSIGNMENT, COURSE, REPORT, REPO, RESULTS, say
from staging import release_stub_dir


def report() -> Path:
    """The instructor's class report (class_report.py) from what autograde recorded in results/: scores, checks,
    misconceptions, time-outs and crashes, grading notes, and similar submissions (similarity.py)."""
    from datetime import datetime, timezone

    import class_report
    import similarity
    from linear_checks.exercises import EXERCISES
    from linear_checks.misconceptions import CATALOGUE

    records = []
    for path in sorted(RESULTS.glob("*.json")) if RESULTS.is_dir() else []:
        try:
            records.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            say(f"report: {path.relative_to(REPO)} could not be read ({exc}); left out")
    if not records:
        say("report: nothing graded yet (run make autograde first); the report is empty")
    code = {r["student"]: _exercise_code(r["student"]) for r in records}
    stubs = {rel: [(release_stub_dir() / Path(rel).name).read_text(encoding="utf-8")] for rel in STUDENT_FILES}
    reference = {rel: (REPO / "solutions" / rel).read_text(encoding="utf-8") for rel in STUDENT_FILES}
    pairs = similarity.find_similar(code, {rel: [*stubs[rel], reference[rel]] for rel in STUDENT_FILES})
    page = class_report.render(
        records, assignment=ASSIGNMENT,
        exercises=[{"key": e.key, "label": e.label, "points": e.points} for e in EXERCISES],
        notes={r["student"]: r["notes"] for r in records if r.get("notes")},
        misconceptions={m.key: {"title": m.title, "exercise": m.exercise, "pointer": m.pointer()}
                        for m in CATALOGUE.values()},
        similarity_html=similarity.pairs_html(pairs) + similarity.strings_html(similarity.strings_runs(code)),
        reference_share=similarity.reference_share(code, reference, stubs),
        generated_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    REPORT.write_text(page, encoding="utf-8")
    say(f"report: {REPORT.relative_to(REPO)} ({len(records)} student(s), {len(pairs)} similar pair(s)); "
        "open it in a browser")
    return REPORT


def _exercise_code(student: str) -> dict[str, bytes]:
    """The exercise files a student handed in, as bytes (read as staging reads them: no links, size-capped);
    similarity.py decodes them as Python does (coding cookie, BOM)."""
    folder = COURSE / "submitted" / student / ASSIGNMENT
    code = {}
    for rel in STUDENT_FILES:
        try:
            code[rel] = collector.read_regular(folder, rel, collector.MAX_PY_BYTES)
        except (OSError, collector.Refused):
            pass
    return code
