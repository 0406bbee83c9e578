"""Per-student check inputs: the hidden checks' random inputs come from a course secret and the student's id.

    seed = HMAC-SHA256(course secret, "<assignment>\\0<student id>"), its first 7 bytes as a number

The hidden checks draw their inputs (layer sizes, batch shapes, values) from generators
seeded with this number (linear_checks.runner derives one seed per check from it), so:
- a regrade of the same student draws the same inputs, and the seed is stored with the
  grade (autograder/results/<id>.json, graded.json), so an instructor can replay it;
- two students get different inputs: a table of answers from a classmate does not fit;
- without the secret, nobody can work out a student's inputs from the id. The secret is
  made once per course folder (autograder/course_secret, mode 0600, ignored by git) and
  never leaves this machine: the workers get the seed, not the secret, and neither the
  release nor the grading kit holds it.

What it does not do: the public checks' inputs are the same for everyone (students run
them themselves), and a student who can read the instructor's files has the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

SECRET_BYTES = 32


def course_secret(path: Path) -> bytes:
    """The course's secret, made on first use: a new file, readable by its owner only."""
    try:
        secret = Path(path).read_bytes().strip()
    except FileNotFoundError:
        secret = secrets.token_hex(SECRET_BYTES).encode()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # made meanwhile by another command: use that one
            return course_secret(path)
        with os.fdopen(fd, "wb") as f:
            f.write(secret + b"\n")
    if len(secret) < SECRET_BYTES:
        raise SystemExit(f"{path} holds {len(secret)} bytes; a course secret has at least {SECRET_BYTES}. "
                         "Delete it to make a new one (every student's hidden inputs change).")
    return secret


def student_seed(secret: bytes, assignment: str, student: str) -> int:
    """The seed of one student's hidden check inputs (0 <= seed < 2**56)."""
    digest = hmac.new(secret, f"{assignment}\0{student}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:7], "big")
