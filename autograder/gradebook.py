"""Writes grades and feedback into the course: gradebook.db rows (nbgrader's API), the class list, feedback folders."""

from __future__ import annotations

import shutil
import unicodedata
import warnings
from pathlib import Path

import collector
import student_ids
from nbgrader_commands import nbgrader
from paths import ASSIGNMENT, COURSE, GRADEBOOK, NOTEBOOK, REPO, say, submitted_students
from records import _write_checks


def _student_row(gb, student: str) -> None:
    """The student's gradebook row: kept as it is when there (names from a class list), else made without names.

    A student without names is shown by the id: by formgrader (with formgrader_names.py), in
    grades.csv (empty name columns) and in the LMS files. The email is blank, not None, which
    formgrader would write as "None".
    """
    from nbgrader.api import MissingEntry

    try:
        gb.find_student(student)
    except MissingEntry:
        gb.add_student(student, email="")


def _submission(gb, student: str, **kwargs):
    """The student's submission row in gradebook.db, made if new.

    nbgrader makes a new one in a way SQLAlchemy 2 warns about (an SAWarning: "Object of type
    <SubmittedAssignment> not in session, add operation ... will not proceed"); the row is made
    all the same, so that one warning, which is nothing the instructor can act on, is not printed.
    """
    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", r"Object of type <\w+> not in session", SAWarning)
        return gb.update_or_create_submission(ASSIGNMENT, student, **kwargs)


def _write_result(gb, result: dict, notes: list[str] = ()) -> None:
    """One student's grading from a worker: scores into gradebook.db with nbgrader's API, files into the course.

    As nbgrader's own autograde does, only the automatic scores and comments change: a
    manual score, extra credit or a flag the instructor gave stays.
    """
    student, scores = result["student"], result["scores"]
    _student_row(gb, student)
    when = {"timestamp": scores["timestamp"]} if scores.get("timestamp") else {}
    sub = _submission(gb, student, **when)
    for nb in sub.notebooks:
        mine = scores["notebooks"].get(nb.name, {"grades": {}, "comments": {}})
        for grade in nb.grades:
            grade.auto_score, grade.needs_manual_grade = mine["grades"].get(grade.name, [0, False])
        for comment in nb.comments:
            comment.auto_comment = mine["comments"].get(comment.name)
    gb.db.commit()
    _replace_outputs(student, result["files"])
    _write_checks(student, result["seed"], result["verdicts"], notes)


def _write_failure(gb, student: str, seed: int, error: str, notes: list[str] = ()) -> None:
    """A submission that could not be graded: 0 points in the gradebook, and feedback that says why."""
    import html

    _student_row(gb, student)
    sub = _submission(gb, student)
    for nb in sub.notebooks:
        for grade in nb.grades:
            grade.auto_score, grade.needs_manual_grade = 0, False
    gb.db.commit()
    reason = student_ids.visible((error.strip().splitlines() or ["?"])[-1])[:500]  # one line, controls as escapes
    page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{ASSIGNMENT}</title></head><body>"
            f"<h1>{ASSIGNMENT}: not graded</h1><p>Your submission could not be graded, so it has 0 points "
            f"for now. The reason: {html.escape(reason)}</p><p>Your instructor has been told.</p></body></html>")
    _replace_outputs(student, {f"feedback/{student}/{ASSIGNMENT}/{Path(NOTEBOOK).stem}.html": page.encode()})
    _write_checks(student, seed, [], notes, error=reason)


def _replace_outputs(student: str, files: dict[str, bytes]) -> None:
    """The student's autograded notebook and feedback: the old ones go, the new ones (from a worker) come."""
    for top in ("autograded", "feedback"):
        shutil.rmtree(COURSE / top / student / ASSIGNMENT, ignore_errors=True)
    for rel, data in files.items():
        parts = Path(rel).parts
        if len(parts) != 4 or parts[0] not in ("autograded", "feedback") or parts[1:3] != (student, ASSIGNMENT) \
                or parts[3] in ("..", "."):
            continue  # only this student's autograded and feedback folders are written
        path = COURSE.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    _keep_submission_secret(student)


def _keep_submission_secret(student: str) -> None:
    """nbgrader's submission_secret.txt beside the feedback: release_feedback (formgrader's button) needs it.

    nbgrader's submit writes it into every submission from the exchange; the feedback a
    student fetches is filed under a hash of it, so only that student can fetch it. A
    submission from an LMS download has none: hand those students their HTML file.
    """
    feedback = COURSE / "feedback" / student / ASSIGNMENT
    try:
        secret = collector.read_regular(COURSE / "submitted" / student / ASSIGNMENT, "submission_secret.txt", 1024)
    except (OSError, collector.Refused):  # none (an LMS download), or not a plain small file
        return
    if feedback.is_dir():
        (feedback / "submission_secret.txt").write_bytes(secret)


def import_students(class_list: Path) -> int:
    """Add or update the students of a class list (CSV: id, first_name, last_name, email) in gradebook.db.

    formgrader shows their names; grades and exports use the id. Returns how many rows were read.
    """
    import csv

    from nbgrader.api import Gradebook

    with open(class_list, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    if not rows or "id" not in rows[0]:
        raise SystemExit(f"{class_list}: expected a CSV file with a header line: id,first_name,last_name,email")
    with Gradebook(f"sqlite:///{GRADEBOOK}") as gb:
        for number, row in enumerate(rows, start=2):
            student = (row.get("id") or "").strip()
            student = unicodedata.normalize("NFC", student)
            why = student_ids.id_problem(student)
            if why:
                raise SystemExit(f"{class_list}, line {number}: {ascii(student)} is not a student id: {why}")
            # A blank name is unknown (None): formgrader and the exports then show the student by the id.
            names = {k: (row.get(k) or "").strip() or None for k in ("first_name", "last_name")}
            gb.update_or_create_student(student, email=(row.get("email") or "").strip(), **names)
    say(f"students: {len(rows)} from {class_list} in {GRADEBOOK.relative_to(REPO)}")
    return len(rows)


def _html_only_feedback(students: list[str]) -> None:
    """Leave only the HTML (and nbgrader's timestamp and secret) in each feedback folder: what students may be handed."""
    for student in students:
        feedback = COURSE / "feedback" / student / ASSIGNMENT
        # generate_feedback copies the whole autograded folder; students get only the HTML.
        if feedback.is_dir():
            for path in sorted(feedback.rglob("*"), reverse=True):
                if path.is_file() and path.suffix != ".html" and path.name not in collector.NBGRADER_OWN_FILES:
                    path.unlink()
                elif path.is_dir() and not any(path.iterdir()):
                    path.rmdir()


def feedback() -> None:
    nbgrader("generate_feedback", ASSIGNMENT, "--force", quiet=True)
    _html_only_feedback(submitted_students())
    say(f"feedback: {(COURSE / 'feedback').relative_to(REPO)}/<student>/{ASSIGNMENT}/*.html")
