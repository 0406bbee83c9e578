"""Collect an LMS download (one .zip or folder per student) into autograder/submitted/.

    python autograder/course.py collect --zip FOLDER   # calls collect_download() below

Each entry of FOLDER is one submission, named `<student_id>[_anything][.zip]`. The student
id is the part of the NAME before the first `_`, in Unicode's composed form (NFC: an
archive made on macOS spells `Zoë` with a separate accent); nothing inside the archive
can choose it.

Ids: student_ids.py says which names are ids, and which ids collide.
From each submission only the graded files are taken (the notebook and the exercise
files), found at the top or below one wrapping folder, and written to
submitted/<id>/<assignment>/. What happened is kept as plain-text notes per student in
collect_notes.json (the grader adds them to the student's feedback), and one line per
problem is returned for the instructor.

Threat model: students are hostile and control the content of their archive or folder
(member names, links, sizes, file modes) and the part of its name after the id.
Defended against:
- handing in files for another student: the id comes from the entry's name only, and
  files are written to fixed paths from the allowlist, never to a name from the archive;
- escaping the output folder: absolute names, `..`, backslashes and odd characters are
  refused before anything is read or written;
- reading the instructor's files: links (zip entries with a link mode, symlinks in
  folders) are never followed; folder files are opened component by component with
  O_NOFOLLOW and must be regular files; devices and fifos are refused;
- exhausting disk or memory: per-file size caps measured while reading (header sizes
  are not trusted), a cap on the bytes read per submission and on the number of entries
  (checked in the zip's end record before the directory is parsed); nested archives are
  never opened;
- stopping the class: every per-student failure becomes a note for that student
  (a submission with no files) and a problem line; the others are collected.
Not defended against (out of scope here):
- what the handed-in code does when it runs: that is the grader's sandbox's job;
- the content of the notes reaching HTML: note_cell() in nbgrader_plugins.py escapes it;
- a download folder changed by someone else while collection runs, or links above the
  download folder itself (the instructor chose that path);
- the exchange route (`nbgrader collect`), which copies the exchange with nbgrader's code;
  staging.stage() reads submitted/ without following links for both routes.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import stat
import struct
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from student_ids import clean, colliding, id_problem_of, student_id

MIB = 2**20
MAX_PY_BYTES = 2 * MIB  # one exercise file
MAX_NOTEBOOK_BYTES = 20 * MIB  # the notebook (outputs included)
MAX_TOTAL_BYTES = 50 * MIB  # everything read from one submission
MAX_ENTRIES = 2000  # files and folders in one submission
MAX_ZIP_DIRECTORY_BYTES = 4 * MIB  # the zip's list of entries (parsed into memory)
NESTED_ARCHIVES = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".whl", ".jar")
NBGRADER_OWN_FILES = ("timestamp.txt", "submission_secret.txt")  # nbgrader's submit adds them to every submission
QUIET = {"__pycache__", ".ipynb_checkpoints", "__MACOSX", ".DS_Store", "Thumbs.db", *NBGRADER_OWN_FILES}  # never mentioned
NOTES_FILE = "collect_notes.json"


class Refused(Exception):
    """A file or archive that is not taken; str() says why, in words for a beginner."""


@dataclass
class Submission:
    """What one student's entry of the download gives, before anything is written."""

    student: str
    source: Path
    mtime: float
    files: dict[str, bytes] = field(default_factory=dict)  # allowlisted relative path -> content
    notes: list[str] = field(default_factory=list)  # for the student (and the instructor)
    quiet_notes: list[str] = field(default_factory=list)  # for the student only


@dataclass
class Collected:
    students: list[str]  # ids written to submitted/ by this run
    problems: list[str]  # one line each, for the instructor


# -- names --------------------------------------------------------------------------------
def unsafe_name(name: str) -> str | None:
    """Why an entry's name is refused, or None when it is a plain relative path."""
    if "\\" in name:
        return "a backslash in its name"
    if name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return "an absolute path"
    if not all(ch.isprintable() for ch in name):
        return "odd characters in its name"
    parts = name.rstrip("/").split("/")
    if ".." in parts:
        return "it points outside the folder (..)"
    if any(p in ("", ".") for p in parts):
        return "an odd path"
    return None


# -- reading without following links ------------------------------------------------------
def read_regular(root: Path, rel: str, limit: int) -> bytes:
    """The bytes of root/rel, opened one component at a time without following any link.

    FileNotFoundError when it is not there; Refused when a component is a link, the file
    is not a regular file, or it holds more than `limit` bytes (counted while reading).
    """
    if unsafe_name(rel):
        raise Refused(unsafe_name(rel))
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
    nofollow = getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(root, flags | nofollow | getattr(os, "O_DIRECTORY", 0))
    try:
        parts = rel.split("/")
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            extra = (nofollow | getattr(os, "O_NONBLOCK", 0)) if last else (nofollow | getattr(os, "O_DIRECTORY", 0))
            # the lstat says why a link is refused (O_NOFOLLOW also refuses it, without a race)
            if stat.S_ISLNK(os.lstat(part, dir_fd=fd).st_mode):
                raise Refused("it is a link, not a plain file")
            try:
                child = os.open(part, flags | extra, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise Refused("it is a link or not a plain file") from exc
                raise
            os.close(fd)
            fd = child
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise Refused("it is not a plain file")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(MIB, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise Refused(f"it is larger than {limit / MIB:g} MiB")
        return b"".join(chunks)
    finally:
        os.close(fd)


# -- the entries of one submission --------------------------------------------------------
@dataclass
class _Entry:
    name: str  # relative, "/"-separated
    kind: str  # "file", "dir", "link" or "special"
    info: zipfile.ZipInfo | None = None  # in a zip


def _zip_check_end_record(path: Path) -> None:
    """Refuse a zip whose list of entries is too long before zipfile parses it into memory."""
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - 22 - 65535 - 76))  # the end record, its comment, a ZIP64 record
        tail = f.read()
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or len(tail) - pos < 22:
        raise Refused("it is not a zip archive")
    entries, directory_bytes = struct.unpack("<HI", tail[pos + 10:pos + 16])
    if pos >= 20 and tail[pos - 20:pos - 16] == b"PK\x06\x07":  # a ZIP64 record, which zipfile reads instead
        record = tail[max(0, pos - 76):pos - 20]
        if len(record) < 56 or record[:4] != b"PK\x06\x06":
            raise Refused("it is not a zip archive")
        entries, directory_bytes = struct.unpack("<QQ", record[32:48])
    if entries > MAX_ENTRIES or directory_bytes > MAX_ZIP_DIRECTORY_BYTES:
        raise Refused(f"it holds more than {MAX_ENTRIES} entries")


def _zip_entries(archive: zipfile.ZipFile) -> list[_Entry]:
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise Refused(f"it holds more than {MAX_ENTRIES} entries")
    entries = []
    for info in infos:
        mode = info.external_attr >> 16  # the Unix mode, when the archive was made on Unix
        if stat.S_ISLNK(mode):
            kind = "link"
        elif stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
            kind = "special"
        elif info.filename.endswith("/") or stat.S_ISDIR(mode):
            kind = "dir"
        else:
            kind = "file"
        entries.append(_Entry(info.filename, kind, info))
    return entries


def _folder_entries(root: Path) -> list[_Entry]:
    """Every entry under root, found with lstat: links are listed, never followed."""
    entries, todo = [], [""]
    while todo:
        prefix = todo.pop()
        with os.scandir(root / prefix if prefix else root) as it:
            for item in it:
                if len(entries) >= MAX_ENTRIES:
                    raise Refused(f"it holds more than {MAX_ENTRIES} entries")
                name = prefix + item.name
                mode = item.stat(follow_symlinks=False).st_mode
                if stat.S_ISLNK(mode):
                    entries.append(_Entry(name, "link"))
                elif stat.S_ISDIR(mode):
                    entries.append(_Entry(name + "/", "dir"))
                    todo.append(name + "/")
                else:
                    entries.append(_Entry(name, "file" if stat.S_ISREG(mode) else "special"))
    return entries


def _choose(entries: list[_Entry], files: list[str], sub: Submission) -> tuple[dict[str, _Entry], str]:
    """Allowlisted path -> the entry to read (at the top or one folder down; the shallowest,
    then the first in sorted order), and the folder they were found in (for messages)."""
    candidates: dict[str, list[tuple[int, str, int]]] = {rel: [] for rel in files}
    for index, e in enumerate(entries):
        if e.kind != "file" or unsafe_name(e.name):
            continue
        parts = e.name.split("/")
        for rel in files:
            want = rel.split("/")
            depth = len(parts) - len(want)
            if depth in (0, 1) and parts[depth:] == want:
                candidates[rel].append((depth, e.name, index))
    chosen, root = {}, ""
    for rel in files:
        found = sorted(candidates[rel])
        if not found:
            continue
        chosen[rel] = entries[found[0][2]]
        if len(found) > 1:
            sub.notes.append(f"{rel} was found {len(found)} times: {found[0][1]} was used, "
                             f"{_some([name for _, name, _ in found[1:]], 2)} not.")
        if not root:
            root = found[0][1][: len(found[0][1]) - len(rel)]
    return chosen, root


def _describe_rest(entries: list[_Entry], chosen: dict[str, _Entry], root: str, released: set[str],
                   sub: Submission) -> None:
    """Notes on the entries that are not used: unsafe ones, nested archives, files added."""
    unsafe, nested, added = [], [], []
    used = {e.name for e in chosen.values()}
    for e in entries:
        reason = unsafe_name(e.name)
        if reason is None and e.kind in ("link", "special"):
            reason = "a link" if e.kind == "link" else "not a plain file"
        if reason:
            unsafe.append(f"{e.name} ({reason})")
            continue
        if e.kind != "file" or e.name in used or QUIET.intersection(e.name.split("/")):
            continue
        rel = e.name[len(root):] if root and e.name.startswith(root) else e.name
        if e.name.lower().endswith(NESTED_ARCHIVES):
            nested.append(rel)
        elif rel not in released and e.name not in released and e.name.split("/", 1)[-1] not in released:
            added.append(rel)
    if unsafe:
        sub.notes.append(f"Skipped as unsafe: {_some(unsafe, 3)}. Hand in plain files only (no links).")
    if nested:
        sub.notes.append(f"Archives inside your submission are not opened: {_some(nested, 3)}. "
                         "Put your files in directly.")
    if added:
        sub.quiet_notes.append(f"Files you added were not used at grading: {_some(added, 5)}.")


def _some(items: list[str], n: int) -> str:
    return ", ".join(items[:n]) + (f" and {len(items) - n} more" if len(items) > n else "")


def _limit(rel: str) -> int:
    return MAX_NOTEBOOK_BYTES if rel.endswith(".ipynb") else MAX_PY_BYTES


def read_submission(path: Path, files: list[str], released: set[str] = frozenset()) -> Submission:
    """The allowlisted files of one .zip or folder, checked and read into memory; never raises
    for the student's content (a broken archive gives no files and a note)."""
    st = os.lstat(path)
    sub = Submission(student_id(path.name) or "", path, st.st_mtime)
    try:
        if stat.S_ISDIR(st.st_mode):
            entries = _folder_entries(path)
            chosen, root = _choose(entries, files, sub)

            def read(rel: str, entry: _Entry) -> bytes:
                return read_regular(path, entry.name, _limit(rel))

            _read_chosen(chosen, read, sub)
        else:
            _zip_check_end_record(path)
            with zipfile.ZipFile(path) as archive:
                entries = _zip_entries(archive)
                chosen, root = _choose(entries, files, sub)

                def read(rel: str, entry: _Entry) -> bytes:
                    with archive.open(entry.info) as member:  # decompressed while read: at most limit + 1 bytes
                        data = member.read(_limit(rel) + 1)
                    if len(data) > _limit(rel):
                        raise Refused(f"it is larger than {_limit(rel) / MIB:g} MiB")
                    return data

                _read_chosen(chosen, read, sub)
        _describe_rest(entries, chosen, root, set(released), sub)
    except Exception as exc:  # noqa: BLE001 - whatever the archive does, this student only
        sub.files = {}
        hint = ("Hand in only linear_layers.ipynb and the linear_exercises folder." if isinstance(exc, Refused)
                else "Hand in a .zip made by your computer's 'compress' command.")
        sub.notes = [f"Your submission {path.name} could not be read ({_reason(exc)}), so no files were graded. {hint}"]
        sub.quiet_notes = []
    return sub


def _read_chosen(chosen: dict[str, _Entry], read, sub: Submission) -> None:
    total = 0
    for rel, entry in chosen.items():
        try:
            data = read(rel, entry)
        except Refused as exc:  # this file only
            sub.notes.append(f"{entry.name} was not used: {exc}.")
            continue
        total += len(data)
        if total > MAX_TOTAL_BYTES:  # the whole submission
            raise Refused(f"more than {MAX_TOTAL_BYTES / MIB:g} MiB in all")
        sub.files[rel] = data


def _reason(exc: Exception) -> str:
    if isinstance(exc, Refused):
        return str(exc)
    if isinstance(exc, zipfile.BadZipFile):
        return clean(f"damaged zip: {exc}", 120)
    text = str(exc).strip().splitlines()
    return clean(f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__, 120)


# -- the whole download -------------------------------------------------------------------
def nbgrader_timestamp(mtime: float) -> str:
    """The form nbgrader's exchange writes to timestamp.txt (UTC)."""
    return datetime.fromtimestamp(mtime, timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f %Z")


def collect_download(download: Path, submitted: Path, notes_file: Path, assignment: str, files: list[str],
                     released: set[str] = frozenset()) -> Collected:
    """Every student of an LMS download into submitted/<id>/<assignment>/; notes into notes_file.

    files: the relative paths taken from a submission (the notebook, linear_exercises/*.py);
    released: relative paths of the released assignment (not mentioned as "added" files).
    One student's newest entry wins (file modification time; ties: the name that sorts last).
    """
    problems: list[str] = []
    by_student: dict[str, list[tuple[float, str, Path]]] = {}
    for item in sorted(Path(download).iterdir()):
        st = os.lstat(item)
        sid = student_id(item.name)
        if sid is None:
            problems.append(f"skipped {ascii(item.name)}: the name does not start with a valid student id "
                            f"({id_problem_of(item.name)})")
        elif stat.S_ISLNK(st.st_mode):
            problems.append(f"skipped {ascii(item.name)}: a link (links are never followed)")
        elif not (stat.S_ISDIR(st.st_mode) or (stat.S_ISREG(st.st_mode) and item.name.lower().endswith(".zip"))):
            problems.append(f"skipped {ascii(item.name)}: neither a .zip file nor a folder")
        else:
            by_student.setdefault(sid, []).append((st.st_mtime, item.name, item))
    earlier = [p.name for p in Path(submitted).iterdir() if p.is_dir()] if Path(submitted).is_dir() else []
    for group in colliding([*by_student, *earlier]):
        new = [sid for sid in group if sid in by_student]
        if not new:
            continue  # an earlier download's problem, said then (autograde says it again)
        for sid in new:
            others = ", ".join(s + ("" if s in by_student else " (collected earlier)") for s in group if s != sid)
            names = ", ".join(ascii(name)[1:-1] for _, name, _ in sorted(by_student.pop(sid)))
            problems.append(f"refused {sid} ({names}): the same id as {others} once letter case and Unicode forms "
                            "are ignored; not collected. Rename the entries to the exact ids your LMS holds "
                            "(or merge them by hand) and collect again")
    all_notes: dict[str, list[str]] = {}
    written = []
    for sid, entries in sorted(by_student.items()):
        entries.sort()
        newest = entries[-1][2]
        try:
            sub = read_submission(newest, files, released)
            if len(entries) > 1:
                older = ", ".join(name for _, name, _ in entries[:-1])
                sub.notes.insert(0, f"You handed in {len(entries)} submissions: the newest, {newest.name}, was "
                                    f"graded; {older} not.")
            _write(sub, submitted / sid / assignment)
            written.append(sid)
        except Exception as exc:  # noqa: BLE001 - e.g. the output folder: this student only
            sub = Submission(sid, newest, 0.0, notes=[f"Your submission could not be collected ({_reason(exc)})."])
        all_notes[sid] = [clean(n, 400) for n in sub.notes + sub.quiet_notes]
        problems.extend(f"{sid}: {clean(n)}" for n in sub.notes)
    _merge_notes(notes_file, all_notes)
    return Collected(written, problems)


def _write(sub: Submission, dest: Path) -> None:
    """Replace dest with the submission's files and its timestamp.txt."""
    for p in (dest.parent, dest):
        if p.is_symlink():
            p.unlink()
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for rel, data in sub.files.items():  # rel comes from the allowlist, never from the archive
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_bytes(data)
    (dest / "timestamp.txt").write_text(nbgrader_timestamp(sub.mtime))


def _merge_notes(notes_file: Path, notes: dict[str, list[str]]) -> None:
    """Update notes_file (student id -> notes) for the students of this run; keep the others."""
    try:
        old = json.loads(Path(notes_file).read_text())
        old = old if isinstance(old, dict) else {}
    except (OSError, ValueError):
        old = {}
    old.update(notes)
    tmp = Path(notes_file).with_name(Path(notes_file).name + ".tmp")
    tmp.write_text(json.dumps(old, indent=1, sort_keys=True))
    os.replace(tmp, notes_file)


def notes_for(notes_file: Path, student: str) -> list[str]:
    """The collector's notes for one student ([] when there are none or the file is unreadable)."""
    try:
        notes = json.loads(Path(notes_file).read_text()).get(student, [])
    except (OSError, ValueError, AttributeError):
        return []
    return [clean(n, 400) for n in notes if isinstance(n, str)]
