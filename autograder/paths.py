"""Where the course's folders and files are (one definition each), and how its commands print.

Every module of the course takes its folders from here; COURSE is the folder this file is
in (autograder/ of the repository, or of a copy made by assign.copy_course()).
nbgrader_plugins.py and nbgrader_config.py import from here, so this file goes into the
grading kit (autograde.grading_kit()) and imports nothing of the course.
"""

from __future__ import annotations

from pathlib import Path

COURSE = Path(__file__).resolve().parent
REPO = COURSE.parent
ASSIGNMENT = "linear_layers"
NOTEBOOK = "linear_layers.ipynb"

SOURCE = COURSE / "source" / ASSIGNMENT
RELEASE = COURSE / "release" / ASSIGNMENT
GRADEBOOK = COURSE / "gradebook.db"
WORK = COURSE / ".grading"  # staged submissions (sent to the workers from here)
STAGED = "staged"  # under WORK: nbgrader's submitted_directory while grading
SOLUTION_NOTEBOOKS = REPO / "solutions" / "notebooks"
DATASETS = REPO / "datasets"  # data the lessons use offline (the MNIST test split)
CHECKS = COURSE / "linear_checks"  # the checks package (public checks, sandbox, runner): shipped to students
HIDDEN_CHECKS = COURSE / "hidden_checks"  # never copied anywhere
GRADED = COURSE / "graded.json"  # student id -> fingerprint of what was graded, how, and when (regrade only changes)
RESULTS = COURSE / "results"  # <student>.json: every check's verdict, the seed of its inputs, the grading notes
GRADING_TASK = COURSE / "grading_task.py"  # what a worker runs (uploaded to the cluster)
REPORT = COURSE / "class_report.html"


def say(*parts) -> None:
    print(*parts, flush=True)


def submitted_students() -> list[str]:
    return sorted(p.parent.name for p in (COURSE / "submitted").glob(f"*/{ASSIGNMENT}") if p.is_dir())
