"""The checks' inputs at class grading: a fresh seed each time a submission is graded.

    seed = secrets.randbits(56)     # drawn by course.py autograde for every submission it grades

Every check at class grading (public and hidden) draws its inputs (layer sizes, batch
shapes, values) from generators seeded with this number (linear_checks.plugin derives one
seed per check from it). The seed is stored with the grade (autograder/results/<id>.json
and graded.json), so an instructor can replay a grading exactly:

    pytest autograder/linear_checks/public -k manual_linear --package-root <folder> --hidden --seed <seed>

Why a fresh seed and not one per student. Until now the seed came from a course secret and
the student's id, so the same student got the same inputs at every grading. The class
feedback shows what a check expected, so a student could resubmit a file that answers from
a table filled from their own earlier feedback and, after a few rounds, reach full marks
without the work. A fresh seed at each grading makes the earlier feedback's inputs useless
at the next one: a table of answers only ever fits the grading it was taken from. The
second half of the defence is in the feedback itself: a failed hidden check tells the
student why in general terms, never with its expected values (report.for_student), while
the instructor's records keep the full message.

What it gives up: two gradings of an unchanged submission would draw different inputs, so
autograde.py does not grade an unchanged submission again (the regrade cache, graded.json):
it keeps its grade and its seed. A --force regrade draws new inputs; a correct submission
passes on any inputs, and a borderline one (a tolerance met on some inputs only) can move.
What it does not do: a student's own check() always asks the same questions (seed 0), and
the public checks are shipped, so their questions are known; they are only asked with
other inputs at grading.
"""

from __future__ import annotations

import secrets

SEED_BITS = 56


def grading_seed() -> int:
    """A new seed for one grading of one submission (0 <= seed < 2**56), from the system's secure random source."""
    return secrets.randbits(SEED_BITS)
