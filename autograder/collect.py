"""make collect: submissions into submitted/, from nbgrader's exchange or an LMS download (collector.py checks them)."""

from __future__ import annotations

from pathlib import Path

import collector
from nbgrader_commands import EXCHANGE_SETTING, exchange_outbound, nbgrader
from nbgrader_plugins import STUDENT_FILES
from paths import ASSIGNMENT, COURSE, NOTEBOOK, RELEASE, REPO, say, submitted_students

COLLECT_NOTES = COURSE / collector.NOTES_FILE  # student id -> notes from collect --zip (not in the student's folder)


def collect(zip_folder: str | None) -> None:
    """From nbgrader's exchange, or (zip_folder) an LMS download, with the course's own collector."""
    problems = []
    if zip_folder:
        if not Path(zip_folder).is_dir():
            raise SystemExit(f"collect: {zip_folder} is not a folder (give the folder holding one zip per student)")
        released = {str(p.relative_to(RELEASE)) for p in RELEASE.rglob("*") if p.is_file()} if RELEASE.is_dir() else set()
        result = collector.collect_download(Path(zip_folder), COURSE / "submitted", COLLECT_NOTES, ASSIGNMENT,
                                            [NOTEBOOK, *STUDENT_FILES], released)
        problems = result.problems
    else:
        inbound = exchange_outbound().parents[1] / "inbound"
        if not inbound.is_dir():  # nbgrader says "Course not found" and fails
            say(f"collect: nothing submitted yet: {inbound} does not exist (publish first; wrong exchange? "
                f"{EXCHANGE_SETTING})")
            return
        nbgrader("collect", ASSIGNMENT, "--update", quiet=True)
        COLLECT_NOTES.unlink(missing_ok=True)  # notes of an earlier LMS download no longer apply
    found = submitted_students()
    say(f"collect: {len(found)} submission(s) in {(COURSE / 'submitted').relative_to(REPO)}"
        + (" (nothing submitted yet)" if not found else "") + (f"; {len(problems)} problem(s):" if problems else ""))
    for line in problems:
        say(f"  {line}")
