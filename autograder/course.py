"""Instructor commands for the graded assignment, wrapping nbgrader (run from anywhere).

    python autograder/course.py release        # student version in autograder/release/linear_layers/
                                               #   (graded notebook, lessons, stubs, public checks)
    python autograder/course.py solutions      # executed solution notebooks in solutions/notebooks/
                                               #   (nbgrader runs in a temporary copy: release/ untouched)
    python autograder/course.py publish        # rebuild the release, check it, put it into nbgrader's exchange
                                               #   (students: nbgrader fetch_assignment), check the copy there
    python autograder/course.py collect        # from nbgrader's exchange, or --zip for an LMS download
    python autograder/course.py autograde      # the whole class, in parallel, with progress
    python autograder/course.py feedback       # HTML feedback per student (autograde already makes it)
    python autograder/course.py export         # grades.csv, grades_by_exercise.csv, and Canvas and Moodle import files
    python autograder/course.py report         # class_report.html: scores, failing checks, misconceptions,
                                               #   time-outs, grading notes, similar submissions

The make targets (make release, make solutions, make collect, make autograde, make
feedback, make export, make report, make grade) call these. Each prints what it did and where.

This file only reads the command line; each stage is a module of this folder, imported for its command:
    startup.py             an import every command can do without (first)
    paths.py               where the course's folders and files are
    assign.py              release, publish (source/, the student release, the exchange)
    leaks.py               the audit of a student folder (release_problems)
    solution_notebooks.py  solutions
    collect.py             collect (collector.py checks what comes in)
    staging.py             what of a submission is graded
    autograde.py           autograde on dask (grading_task.py runs on the workers)
    records.py             graded.json (the regrade cache) and results/<id>.json
    gradebook.py           gradebook rows, the class list (students), feedback
    export.py              export (lms_export.py writes the Canvas and Moodle files)
    reporting.py           report (class_report.py renders the page)
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the course's modules, wherever this is run from

import startup  # noqa: E402

startup.skip_unused_imports()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("release", help="generate the student version")
    p.add_argument("--validate", action="store_true", help="also check that the untouched release fails every test cell")
    p = sub.add_parser("solutions", help="executed solution notebooks in solutions/notebooks/ (release/ untouched)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--no-lessons", dest="lessons", action="store_false", help="only the graded notebook")
    sub.add_parser("publish", help="put the release into nbgrader's exchange for students to fetch")
    p = sub.add_parser("collect", help="collect submissions from the exchange, or from an LMS download")
    p.add_argument("--zip", default=None, help="folder holding one zip (or folder) per student")
    p = sub.add_parser("autograde", help="grade every submission (or --student ...) in parallel")
    p.add_argument("--student", action="append", default=None)
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--no-sandbox", action="store_true",
                   help="run student code without bubblewrap (not recommended; every feedback file says so)")
    p.add_argument("--force", action="store_true", help="grade every submission again, changed or not")
    p.add_argument("--scheduler", default=None,
                   help="a dask scheduler's address (tcp://host:8786) to grade on; default: a cluster on this machine")
    p = sub.add_parser("students", help="import a class list (CSV: id,first_name,last_name,email) for formgrader")
    p.add_argument("class_list", type=Path)
    sub.add_parser("feedback", help="HTML feedback per student")
    sub.add_parser("export", help="grades.csv, grades_by_exercise.csv, grades_canvas.csv and grades_moodle.csv")
    sub.add_parser("report", help="the class report (class_report.html): what the class got wrong, similar code")
    args = parser.parse_args(argv)
    # Each command imports only its own stage (export and report need no nbgrader).
    if args.command == "release":
        from assign import release

        release(args.validate)
    elif args.command == "solutions":
        from solution_notebooks import solutions

        solutions(args.jobs, args.lessons)
    elif args.command == "publish":
        from assign import publish

        publish()
    elif args.command == "collect":
        from collect import collect

        collect(args.zip)
    elif args.command == "autograde":
        from autograde import autograde

        results = autograde(args.student, args.jobs, isolate=not args.no_sandbox, force=args.force,
                            scheduler=args.scheduler)
        return 0 if all(r["success"] for r in results) else 1
    elif args.command == "students":
        from gradebook import import_students

        import_students(args.class_list)
    elif args.command == "feedback":
        from gradebook import feedback

        feedback()
    elif args.command == "export":
        from export import export

        export()
    elif args.command == "report":
        from reporting import report

        report()
    return 0


if __name__ == "__main__":
    sys.exit(main())
