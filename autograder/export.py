"""make export: grades.csv, grades_by_exercise.csv, and Canvas's and Moodle's import files (lms_export.py)."""

from __future__ import annotations

from pathlib import Path

from nbgrader_commands import nbgrader
from paths import ASSIGNMENT, COURSE, GRADEBOOK, REPO, say
from records import _graded


def export() -> tuple[Path, Path]:
    """nbgrader's grades.csv, and one row per student with a column per exercise."""
    import csv

    from linear_checks.exercises import EXERCISES
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{GRADEBOOK}") as gb:
        try:
            gb.find_assignment(ASSIGNMENT)
        except MissingEntry:
            raise SystemExit(f"export: the gradebook has no {ASSIGNMENT} yet, so there are no grades to export: "
                             "run make release, then make collect and make autograde.") from None
    nbgrader("export", "--to", str(COURSE / "grades.csv"), quiet=True)
    with open(COURSE / "grades.csv", newline="") as f:  # nbgrader writes them in gradebook order
        rows = list(csv.reader(f))
    with open(COURSE / "grades.csv", "w", newline="") as f:
        student = rows[0].index("student_id") if rows and "student_id" in rows[0] else 0
        csv.writer(f).writerows(rows[:1] + sorted(rows[1:], key=lambda row: row[student]))
    by_exercise = COURSE / "grades_by_exercise.csv"

    with Gradebook(f"sqlite:///{GRADEBOOK}") as gb, open(by_exercise, "w", newline="", encoding="utf-8") as out:
        assignment = gb.find_assignment(ASSIGNMENT)
        names = {c.name for nb in assignment.notebooks for c in nb.grade_cells}
        order = [f"check_{e.key}" for e in EXERCISES]  # in exercise order, any other graded cell after them
        cells = [n for n in order if n in names] + sorted(names - set(order))
        writer = csv.writer(out)
        graded = _graded()
        writer.writerow(["student_id", *cells, "total", "max_score", "graded_at"])
        lms_rows = []
        for student in sorted(gb.students, key=lambda s: s.id):
            try:
                sub = gb.find_submission(ASSIGNMENT, student.id)
            except Exception:  # noqa: BLE001 - no submission: no row
                continue
            scores = {g.name: g.score for nb in sub.notebooks for g in nb.grades}
            writer.writerow([student.id, *[f"{scores.get(c, 0):g}" for c in cells], f"{sub.score:g}",
                             f"{sub.max_score:g}", graded.get(student.id, {}).get("graded_at", "")])
            points = {e.key: scores.get(f"check_{e.key}", 0) for e in EXERCISES}
            lms_rows.append({"student_id": student.id, "first_name": student.first_name or "",
                             "last_name": student.last_name or "", "email": student.email or "",
                             "points": points, "total": sum(points.values())})
    say(f"export: {(COURSE / 'grades.csv').relative_to(REPO)}, {by_exercise.relative_to(REPO)}")
    _export_for_lms(lms_rows, EXERCISES)
    return COURSE / "grades.csv", by_exercise


CANVAS_CSV = COURSE / "grades_canvas.csv"  # Canvas: Grades > Import (lms_export.py says how)
MOODLE_CSV = COURSE / "grades_moodle.csv"  # Moodle: Grades > Import > CSV file


def _export_for_lms(rows: list[dict], exercises) -> None:
    """Canvas's and Moodle's grade import files, with a column per exercise (autograder/lms_export.py)."""
    import lms_export

    try:
        lms_export.write_canvas(rows, exercises, CANVAS_CSV)
        ident = lms_export.write_moodle(rows, exercises, MOODLE_CSV)
    except ValueError as exc:  # e.g. extra credit above an exercise's points: an LMS column would refuse it
        CANVAS_CSV.unlink(missing_ok=True)
        MOODLE_CSV.unlink(missing_ok=True)
        say(f"export: no Canvas or Moodle file: {exc}")
        return
    say(f"export: {CANVAS_CSV.relative_to(REPO)} (Canvas: matched on SIS Login ID = student id), "
        f"{MOODLE_CSV.relative_to(REPO)} (Moodle: identify users by {ident})")
