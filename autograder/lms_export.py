"""Grade files that Canvas and Moodle can import, with the points of each exercise.

export.py calls these functions; this module only needs the standard library. Its input:

- rows: one dict per student, e.g.
      {"student_id": "s001", "first_name": "Ada", "last_name": "Lovelace",
       "email": "ada@example.org", "points": {"manual_linear": 4, "param_count": 2, ...},
       "total": 17}
  "points" holds every exercise key; first_name, last_name and email may be "" (all three
  are for a student without a class list: Canvas's Student column then shows the id).
  export.py builds them from the gradebook.
- exercises: the EXERCISES table (linear_checks/exercises.py): number, key, title, points.

Both writers refuse (ValueError) a row that could put wrong grades in the gradebook: an
unknown or missing exercise, points below 0 or above the exercise's maximum, a total
that is not the sum of the exercises, an empty or repeated student id (ids that differ only
in letter case or Unicode form, Casey and casey, count as repeated).

Values
------
Points are plain numbers: 4, 0, 2.5 (no "4.0", at most 4 decimals). Files are UTF-8,
comma-separated, quoted by Python's csv module (a name with a comma or a quote is quoted,
quotes doubled), one line per student.

Formula injection: a spreadsheet program runs a cell that starts with = + - or @ as a
formula, and a student can choose their own name. Every text cell that comes from a name
or a title has its whitespace runs (tabs, CR, LF included) turned into single spaces and
is trimmed; if it then starts with = + - or @ it gets a leading apostrophe ("'=1+1"),
which spreadsheets show as text. Identifiers (student id, email) cannot be changed
without breaking the LMS's matching, so they are checked instead: a student id must start
with a letter or digit of any script (as student_ids.id_problem requires) and is written as
it is, in Unicode's composed form (NFC) as collect made it; an email that is not a plain
address (contains no "@", or starts with a formula character, or holds a space) is
treated as unknown.

Canvas (Grades > Import)
------------------------
Sources: Instructure's importer, app/models/gradebook_importer.rb in
https://github.com/instructure/canvas-lms, and the Ohio State guide to importing a CSV into
Canvas grades, https://teaching.resources.osu.edu/toolsets/carmencanvas/guides/calculating-final-grades/import-csv-file-carmen-grades

    Student,ID,SIS User ID,SIS Login ID,Section,<assignment>: Exercise 1 - Manual linear layer,...
    Points Possible,,,,,4,...
    "Lovelace, Ada",,,s001,,4,...

- The header starts with exactly Student, ID, SIS User ID, SIS Login ID, Section (Canvas
  rejects the file otherwise); then one column per exercise. The second row's first cell
  is "Points Possible" and gives each column's maximum.
- Matching: Canvas looks a row up by ID (its internal user number), then SIS User ID, then
  SIS Login ID, then by name. We do not know Canvas's internal number, and the importer
  skips an empty ID, so ID is left empty. Our student id goes in SIS Login ID: nbgrader
  ids are the logins students use on the course's JupyterHub, which is what Canvas calls
  the login. If your ids are the institution's student numbers instead, call
  write_canvas(..., id_column="SIS User ID"). Student holds "Last, First" (Canvas's
  sortable name) as the fallback match; a name containing "Points Possible" (Canvas would
  read that row as the maximum points) is replaced by the student id.
- No total column: Canvas computes the course total itself, and any extra column would be
  imported as one more assignment, counting the points twice.
- On import, each exercise column whose title is not an existing assignment creates a new
  assignment with the Points Possible as its maximum; Canvas shows the new assignments
  and any student it could not match before anything is saved. Importing the file again
  updates the same assignments (matched by title) and overwrites their scores.

Moodle (Grades > Import > CSV file)
-----------------------------------
Source: MoodleDocs, Grade import, https://docs.moodle.org/311/en/Grade_import, and
grade/import/csv/classes/load_data.php in https://github.com/moodle/moodle

    Email address,First name,Last name,<assignment>: Exercise 1 - Manual linear layer,...
    ada@example.org,Ada,Lovelace,4,...

- One header row, one row per student, no maximum-points row (Moodle would read it as a
  student): Moodle takes the maximum from the grade item.
- Identifying column, first: "Email address" when every student has one, else "Username"
  holding our student id for every student. Never a mix: the instructor picks one
  "Map to" field for the whole file, Moodle stops the whole import at the first row whose
  user it cannot find, and a row with an empty identifier is given to the previous
  row's student. write_moodle() returns the column it used.
- At import, under "Identify user by": Map from "Email address", Map to "Email address"
  (useremail in older versions) — or Map from "Username", Map to "Username" (username).
  Email addresses are matched case-sensitively, so the class list must spell them as
  Moodle does.
- Grade item mappings: First name and Last name stay "Ignore". Map each exercise column
  to its grade item. Best: first create one manual grade item per exercise with its
  maximum points (Gradebook setup > Add grade item), then map each column to it. "New
  grade item" also works, but Moodle creates it with its default maximum (100): set
  each new item's maximum grade to the exercise's points afterwards.
"""

from __future__ import annotations

import csv
import math
import re
import unicodedata
from pathlib import Path

CANVAS_ID_COLUMNS = ("SIS Login ID", "SIS User ID")
FORMULA_START = ("=", "+", "-", "@")
SAFE_ID = re.compile(r"[^\W_][^\s,;\"']*")  # a letter or digit of any script first (Zoë, Ｚｏｅ)
SAFE_EMAIL = re.compile(r"[A-Za-z0-9_][^\s,;\"']*@[^\s,;\"'@]+")


# -- cells ---------------------------------------------------------------------------------
def number(value) -> str:
    """A score as a plain number: 4, 2.5, 0.3333 (at most 4 decimals, no trailing zeros)."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number of points")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{value!r} is not a number of points")
    text = f"{round(value, 4):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def text(value) -> str:
    """A name or title as one line, neutralised against spreadsheet formulas (leading ')."""
    value = " ".join(str(value or "").split())
    return "'" + value if value.startswith(FORMULA_START) else value


def usable_email(email) -> str:
    """The email if it is a plain address that is safe in a cell, else ""."""
    email = str(email or "").strip()
    return email if SAFE_EMAIL.fullmatch(email) else ""


def column_title(exercise, assignment: str) -> str:
    """The LMS column (and assignment) name of one exercise."""
    return text(f"{assignment}: Exercise {exercise.number} - {exercise.title}")


# -- checks --------------------------------------------------------------------------------
def _checked(rows, exercises) -> list[dict]:
    """The rows, after refusing anything that would put wrong grades in a gradebook."""
    keys = [e.key for e in exercises]
    seen: dict[str, str] = {}
    for row in rows:
        sid = str(row.get("student_id") or "")
        if not SAFE_ID.fullmatch(sid):
            raise ValueError(f"student id {sid!r}: must start with a letter or digit and hold no spaces or commas")
        key = _caseless(sid)
        if key in seen:
            raise ValueError(f"student {sid} appears twice" if seen[key] == sid else
                             f"students {seen[key]} and {sid} appear twice: an LMS that matches ids without letter "
                             "case (or Unicode form) takes them for one student")
        seen[key] = sid
        points = row.get("points") or {}
        unknown = sorted(set(points) - set(keys))
        missing = [k for k in keys if k not in points]
        if unknown or missing:
            raise ValueError(f"student {sid}: unknown exercises {unknown}, missing exercises {missing}")
        for e in exercises:
            if not 0 <= float(points[e.key]) <= e.points:
                raise ValueError(f"student {sid}: {points[e.key]} points for exercise {e.number}, "
                                 f"which has {e.points}")
        total = sum(float(points[k]) for k in keys)
        if abs(total - float(row.get("total", total))) > 1e-6:
            raise ValueError(f"student {sid}: total {row['total']} is not the sum of the exercises ({number(total)})")
    return list(rows)


def _caseless(sid: str) -> str:
    """What Casey and casey (or Zoë and Ｚｏë) share: NFKC of the casefolded NFKC."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", sid).casefold())


def _write(path, lines) -> Path:
    path = Path(path)
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(lines)
    return path


# -- Canvas --------------------------------------------------------------------------------
def canvas_name(row) -> str:
    """'Last, First' (Canvas's sortable name), or the id when that would confuse Canvas."""
    first, last = text(row.get("first_name")), text(row.get("last_name"))
    name = f"{last}, {first}" if first and last else (last or first or row["student_id"])
    return row["student_id"] if "Points Possible" in name else name


def write_canvas(rows, exercises, path, assignment: str = "Linear layers",
                 id_column: str = "SIS Login ID") -> Path:
    """Write Canvas's gradebook import CSV (see the module docstring); returns the path."""
    if id_column not in CANVAS_ID_COLUMNS:
        raise ValueError(f"id_column must be one of {CANVAS_ID_COLUMNS}")
    rows = _checked(rows, exercises)
    lines = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
              *[column_title(e, assignment) for e in exercises]],
             ["Points Possible", "", "", "", "", *[number(e.points) for e in exercises]]]
    for row in rows:
        sid = row["student_id"]
        sis_user, sis_login = (sid, "") if id_column == "SIS User ID" else ("", sid)
        lines.append([canvas_name(row), "", sis_user, sis_login, "",
                      *[number(row["points"][e.key]) for e in exercises]])
    return _write(path, lines)


# -- Moodle --------------------------------------------------------------------------------
def write_moodle(rows, exercises, path, assignment: str = "Linear layers") -> str:
    """Write Moodle's CSV grade import file (see the module docstring).

    Returns the identifying column used: "Email address" or "Username".
    """
    rows = _checked(rows, exercises)
    by_email = bool(rows) and all(usable_email(r.get("email")) for r in rows)
    ident = "Email address" if by_email else "Username"
    lines = [[ident, "First name", "Last name", *[column_title(e, assignment) for e in exercises]]]
    for row in rows:
        who = usable_email(row.get("email")) if by_email else row["student_id"]
        lines.append([who, text(row.get("first_name")), text(row.get("last_name")),
                      *[number(row["points"][e.key]) for e in exercises]])
    _write(path, lines)
    return ident
