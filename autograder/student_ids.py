"""Student ids: which names are ids, how an id is shown, and which ids are one student to a person.

Ids (student_id, id_problem): any id an LMS gives is taken, letters and digits of every
script included (`Zoë`, `Ｚｏｅ`, `Łukasz`, `小林`), with `.`, `@`, `-` and `+`
after the first character; an entry whose name gives no such id is refused with a problem
line that says why (a path separator, a control or invisible character, a blank, `.`,
`..`, another sign), never skipped silently. Ids that differ only in letter case or Unicode
form (`Casey` and `casey`; `Zoë` and `Ｚｏë`: the same after casefold() and NFKC) are
refused together, each with a problem line naming the others, and none of them is
collected: an LMS that matches ids without case (or a person reading the export) would
take them for one student, and only the instructor can tell whether they are one student
who handed in twice or two students (rename the entries to the ids the LMS holds and
collect again). The same holds against ids already in submitted/ from an earlier download.
"""

from __future__ import annotations

import unicodedata

MAX_ID = 100  # characters of a student id
ID_SIGNS = ".@-+"  # besides letters, marks and digits, after the first character


def clean(text: str, limit: int = 200) -> str:
    """One printable line (student-chosen text reaches a terminal and the feedback)."""
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in str(text)).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def visible(text) -> str:
    """text on one line, every character that does not print as itself shown as an escape (\\x1b, \\u202e)."""
    return "".join(ch if ch == " " or ch.isprintable() else ascii(ch)[1:-1] for ch in str(text))


def _id_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LMN" or ch in ID_SIGNS


def id_problem(sid: str) -> str | None:
    """Why sid cannot be a student id (a folder name, a gradebook and LMS key, a word in a shell command), or None.

    Accepted: 1 to MAX_ID letters, marks and digits of any script, and . @ - + after the first
    character, which is a letter or a digit (so never '.', '..', a hidden file, or a spreadsheet formula).
    """
    if not sid:
        return "it is empty"
    if len(sid) > MAX_ID:
        return f"it is longer than {MAX_ID} characters"
    if sid in (".", ".."):
        return f"{sid!r} is not a folder name"
    if "/" in sid or "\\" in sid:
        return "it holds a path separator"
    if any(ch.isspace() for ch in sid):
        return "it holds a blank"
    if any(not ch.isprintable() for ch in sid):
        return "it holds a control or invisible character"
    odd = sorted({ch for ch in sid if not _id_char(ch)})
    if odd:
        return f"it holds {' '.join(odd)} (an id holds letters, digits and {' '.join(ID_SIGNS)})"
    if unicodedata.category(sid[0])[0] not in "LN":
        return "it must start with a letter or a digit"
    return None


def student_id(name: str) -> str | None:
    """`alice_attempt2.zip` -> `alice` (in NFC); None when the name gives no valid id (id_problem says why)."""
    stem = name[:-4] if name.lower().endswith(".zip") else name
    sid = unicodedata.normalize("NFC", stem.split("_", 1)[0])
    return sid if id_problem(sid) is None else None


def id_problem_of(name: str) -> str:
    """Why a download entry's name gives no student id."""
    stem = name[:-4] if name.lower().endswith(".zip") else name
    return id_problem(unicodedata.normalize("NFC", stem.split("_", 1)[0])) or "?"


def same_student_key(sid: str) -> str:
    """What two ids share when they differ only in letter case or Unicode form (NFKC of the casefolded NFKC)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", sid).casefold())


def colliding(ids) -> list[list[str]]:
    """Groups (sorted) of two or more distinct ids that are the same once case and Unicode forms are ignored."""
    groups: dict[str, set[str]] = {}
    for sid in ids:
        groups.setdefault(same_student_key(sid), set()).add(sid)
    return sorted(sorted(g) for g in groups.values() if len(g) > 1)


