"""The collector of LMS downloads (autograder/collector.py) against a hostile class.

Each test builds a download (one .zip or folder per student) in tmp_path and collects it
into tmp_path/submitted with collect_download(); nothing here runs nbgrader.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import pytest

from conftest import REPO, load_course

COURSE = load_course()
collector, student_ids, plugins = COURSE.collector, COURSE.student_ids, COURSE.nbgrader_plugins
NOTEBOOK = COURSE.paths.NOTEBOOK
FILES = [NOTEBOOK, *plugins.STUDENT_FILES]
MANUAL = "linear_exercises/manual_linear.py"
SECRET = "TOP-SECRET-REFERENCE-SOLUTION"


def _work(student: str) -> dict[str, str]:
    """A complete hand-in whose every file names its student."""
    return {rel: f"# {student}: {rel}\n" for rel in FILES}


def _zip(path: Path, members: dict[str, str | bytes], mtime: float | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def _zip_link(path: Path, members: dict[str, str], links: dict[str, str]) -> Path:
    """A zip whose `links` entries are symbolic links (name -> target), as `zip -y` makes them."""
    _zip(path, members)
    with zipfile.ZipFile(path, "a") as archive:
        for name, target in links.items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3  # Unix
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return path


def _folder(path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (path / rel).parent.mkdir(parents=True, exist_ok=True)
        (path / rel).write_text(text)
    return path


def _collect(tmp_path: Path, download: Path, released: set[str] = frozenset()):
    """(result, notes by student) of collecting download into tmp_path/submitted."""
    result = collector.collect_download(download, tmp_path / "submitted", tmp_path / "notes.json", "linear_layers",
                                        FILES, released)
    return result, json.loads((tmp_path / "notes.json").read_text())


def _handed_in(tmp_path: Path, student: str) -> dict[str, str]:
    """The files collected for student (timestamp.txt left out)."""
    folder = tmp_path / "submitted" / student / "linear_layers"
    return {str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "timestamp.txt"}


def _everything_written(tmp_path: Path) -> str:
    return "".join(p.read_bytes().decode("utf-8", "replace") for p in (tmp_path / "submitted").rglob("*")
                   if p.is_file())


@pytest.fixture
def download(tmp_path):
    folder = tmp_path / "download"
    folder.mkdir()
    return folder


# -- ordinary submissions -----------------------------------------------------------------
def test_zip_folder_and_one_wrapping_folder_are_collected(tmp_path, download):
    _zip(download / "alice.zip", _work("alice"), mtime=1_700_000_000.25)
    _folder(download / "bob_attempt_1", _work("bob"))
    wrapped = {f"carol_hw/{rel}": text for rel, text in _work("carol").items()}
    wrapped["carol_hw/conftest.py"] = "import pytest\n"  # added: not used, and said so
    wrapped["carol_hw/01_what_a_linear_layer_computes.ipynb"] = "{}"  # released: not used, not mentioned
    _zip(download / "carol_linear_layers.zip", wrapped)
    _folder(download / "dave", {f"linear_layers/{rel}": text for rel, text in _work("dave").items()})
    result, notes = _collect(tmp_path, download, released={"01_what_a_linear_layer_computes.ipynb"})
    assert result.students == ["alice", "bob", "carol", "dave"] and result.problems == []
    for student in result.students:
        assert _handed_in(tmp_path, student) == _work(student), student
    assert notes["alice"] == [] and notes["carol"] == ["Files you added were not used at grading: conftest.py."]
    stamp = (tmp_path / "submitted" / "alice" / "linear_layers" / "timestamp.txt").read_text()
    assert stamp == "2023-11-14 22:13:20.250000 UTC"  # nbgrader's form, from the archive's time
    from nbgrader.utils import parse_utc

    assert parse_utc(stamp) == datetime.fromtimestamp(1_700_000_000.25, timezone.utc).replace(tzinfo=None)


def test_files_two_folders_down_are_not_collected(tmp_path, download):
    _zip(download / "alice.zip", {f"a/b/{rel}": text for rel, text in _work("alice").items()})
    _collect(tmp_path, download)
    assert _handed_in(tmp_path, "alice") == {}


def test_an_archive_cannot_hand_in_for_another_student(tmp_path, download):
    _zip(download / "alice.zip", {f"bob/{rel}": text for rel, text in _work("bob").items()})
    _zip(download / "carol_bob.zip", {f"bob_x/{rel}": text for rel, text in _work("bob").items()})
    result, _ = _collect(tmp_path, download)
    assert result.students == ["alice", "carol"]
    assert not (tmp_path / "submitted" / "bob").exists()
    assert _handed_in(tmp_path, "alice") == _work("bob")  # graded as alice's own work


# -- unsafe entries -----------------------------------------------------------------------
@pytest.mark.parametrize("name", [f"../{MANUAL}", f"/{MANUAL}", f"C:/{MANUAL}", f"./{MANUAL}"])
def test_unsafe_names_are_skipped_and_nothing_escapes(tmp_path, download, name):
    _zip(download / "alice.zip", {NOTEBOOK: "{}", name: SECRET})
    result, notes = _collect(tmp_path, download)
    assert _handed_in(tmp_path, "alice") == {NOTEBOOK: "{}"}
    assert not (tmp_path / "linear_exercises").exists() and not (tmp_path / "submitted" / "linear_exercises").exists()
    assert SECRET not in _everything_written(tmp_path)
    assert any("Skipped as unsafe" in n for n in notes["alice"]) and result.problems


def test_unsafe_name_rules():
    for name in ("../x.py", "/x.py", "C:/x.py", "a\\..\\x.py", "a/./x.py", "a//x.py", "a/\nx.py"):
        assert collector.unsafe_name(name), name
    for name in (NOTEBOOK, MANUAL, "linear_layers/linear_exercises/", "a..b/x.py"):
        assert collector.unsafe_name(name) is None, name


def test_a_symlink_in_a_zip_is_not_taken(tmp_path, download):
    secret = tmp_path / "secret.py"
    secret.write_text(SECRET)
    _zip_link(download / "alice.zip", {NOTEBOOK: "{}"}, {MANUAL: str(secret), "linear_exercises/param_count.py":
                                                          "../../../secret.py"})
    _, notes = _collect(tmp_path, download)
    assert _handed_in(tmp_path, "alice") == {NOTEBOOK: "{}"}
    assert str(secret) not in _everything_written(tmp_path) and SECRET not in _everything_written(tmp_path)
    assert any("a link" in n for n in notes["alice"])


def test_symlinks_in_folders_are_never_followed(tmp_path, download):
    outside = _folder(tmp_path / "reference", {rel: SECRET for rel in FILES})
    alice = _folder(download / "alice", {"linear_exercises/param_count.py": "# alice\n"})
    (alice / NOTEBOOK).symlink_to(outside / NOTEBOOK)
    (alice / MANUAL).symlink_to(outside / MANUAL)
    bob = download / "bob"
    bob.mkdir()
    (bob / "linear_exercises").symlink_to(outside / "linear_exercises", target_is_directory=True)
    (bob / "linear_layers").symlink_to(outside, target_is_directory=True)
    (download / "carol").symlink_to(outside, target_is_directory=True)
    result, notes = _collect(tmp_path, download)
    assert result.students == ["alice", "bob"]
    assert any("carol" in p and "link" in p for p in result.problems)
    assert _handed_in(tmp_path, "alice") == {"linear_exercises/param_count.py": "# alice\n"}
    assert _handed_in(tmp_path, "bob") == {}
    assert SECRET not in _everything_written(tmp_path)
    for student in ("alice", "bob"):  # found as links while listing the folder, not only when opened
        assert any("Skipped as unsafe" in n and "(a link)" in n for n in notes[student]), notes[student]


def test_read_regular_refuses_links_fifos_and_big_files(tmp_path):
    root = _folder(tmp_path / "root", {"ok.py": "ok", "big.py": "x" * 2000})
    (tmp_path / "secret.py").write_text(SECRET)
    (root / "link.py").symlink_to(tmp_path / "secret.py")
    (root / "dir").symlink_to(tmp_path, target_is_directory=True)
    os.mkfifo(root / "fifo.py")
    assert collector.read_regular(root, "ok.py", 1000) == b"ok"
    for rel in ("link.py", "dir/secret.py", "fifo.py", "big.py", "../secret.py"):
        with pytest.raises(collector.Refused):
            collector.read_regular(root, rel, 1000)
    with pytest.raises(FileNotFoundError):
        collector.read_regular(root, "missing.py", 1000)


# -- size and count limits ----------------------------------------------------------------
def test_nested_archives_are_not_expanded(tmp_path, download):
    inner = _zip(tmp_path / "inner.zip", _work("alice"))
    _zip(download / "alice.zip", {"inner.zip": inner.read_bytes(), "linear_layers/work.tar.gz": b"\x1f\x8b"})
    _, notes = _collect(tmp_path, download)
    assert _handed_in(tmp_path, "alice") == {}
    assert any("not opened" in n and "inner.zip" in n and "work.tar.gz" in n for n in notes["alice"])


def test_a_zip_bomb_is_refused_without_writing_past_the_cap(tmp_path, download, monkeypatch):
    bomb = b"0" * (4 * collector.MAX_PY_BYTES)  # compresses to a few KiB
    archive = _zip(download / "alice.zip", {NOTEBOOK: "{}", MANUAL: bomb})
    assert archive.stat().st_size < 100_000
    read = []
    real_read = zipfile.ZipExtFile.read
    monkeypatch.setattr(zipfile.ZipExtFile, "read", lambda self, n=-1: read.append(n) or real_read(self, n))
    _, notes = _collect(tmp_path, download)
    assert _handed_in(tmp_path, "alice") == {NOTEBOOK: "{}"}
    assert all(0 < n <= collector.MAX_NOTEBOOK_BYTES + 1 for n in read)  # never "read it all"
    assert sum(p.stat().st_size for p in (tmp_path / "submitted").rglob("*") if p.is_file()) < collector.MAX_PY_BYTES
    assert any("larger than 2 MiB" in n for n in notes["alice"])


def test_too_many_entries_or_bytes_refuse_the_submission(tmp_path, download, monkeypatch):
    many = {f"junk/{i}.txt": "" for i in range(collector.MAX_ENTRIES)}
    _zip(download / "alice.zip", {**_work("alice"), **many})
    _folder(download / "bob", {**_work("bob"), **many})
    _zip(download / "carol.zip", _work("carol"))
    monkeypatch.setattr(collector, "MAX_TOTAL_BYTES", 100)  # carol's files hold more than that in all
    _zip(download / "dave.zip", {NOTEBOOK: "{}"})
    result, notes = _collect(tmp_path, download)
    assert result.students == ["alice", "bob", "carol", "dave"]
    for student in ("alice", "bob"):
        assert _handed_in(tmp_path, student) == {}
        assert any("more than 2000 entries" in n for n in notes[student]), notes[student]
    assert _handed_in(tmp_path, "carol") == {} and "MiB in all" in notes["carol"][0]
    assert _handed_in(tmp_path, "dave") == {NOTEBOOK: "{}"}


def test_a_zip_whose_end_record_claims_too_many_entries_is_not_parsed(tmp_path, download, monkeypatch):
    archive = _zip(download / "alice.zip", _work("alice"))
    data = bytearray(archive.read_bytes())
    end = data.rfind(b"PK\x05\x06")
    data[end + 8:end + 12] = (60000).to_bytes(2, "little") * 2  # entries on this disk, in all
    archive.write_bytes(bytes(data))
    monkeypatch.setattr(zipfile, "ZipFile", None)  # it must be refused before zipfile reads the directory
    _, notes = _collect(tmp_path, download)
    assert _handed_in(tmp_path, "alice") == {} and "more than 2000 entries" in notes["alice"][0]


# -- broken archives and duplicates -------------------------------------------------------
def test_broken_archives_give_an_empty_submission_and_the_class_goes_on(tmp_path, download):
    (download / "alice.zip").write_bytes(b"this is not a zip file")
    good = _zip(tmp_path / "good.zip", _work("bob")).read_bytes()
    (download / "bob.zip").write_bytes(good[: len(good) // 2])  # truncated
    with zipfile.ZipFile(download / "carol.zip", "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(NOTEBOOK, "A" * 100)
    data = bytearray((download / "carol.zip").read_bytes())
    data[data.index(b"A" * 100) + 50] = ord("B")  # CRC error
    (download / "carol.zip").write_bytes(bytes(data))
    _zip(download / "dave.zip", _work("dave"))
    result, notes = _collect(tmp_path, download)
    assert result.students == ["alice", "bob", "carol", "dave"]
    for student in ("alice", "bob", "carol"):
        assert _handed_in(tmp_path, student) == {}
        assert (tmp_path / "submitted" / student / "linear_layers" / "timestamp.txt").is_file()
        assert len(notes[student]) == 1 and "could not be read" in notes[student][0], notes[student]
        assert "\n" not in notes[student][0]
        assert any(p.startswith(f"{student}: ") and "could not be read" in p for p in result.problems)
    assert "CRC" in notes["carol"][0]
    assert _handed_in(tmp_path, "dave") == _work("dave")


def test_duplicate_submissions_the_newest_wins(tmp_path, download):
    _folder(download / "alice_first", _work("alice-1"))
    os.utime(download / "alice_first", (1000, 1000))
    _zip(download / "alice.zip", _work("alice-2"), mtime=2000)
    _zip(download / "alice_attempt2.zip", _work("alice-3"), mtime=3000)
    _zip(download / "bob_b.zip", _work("bob-b"), mtime=5000)
    _zip(download / "bob_a.zip", _work("bob-a"), mtime=5000)  # same time: the name that sorts last wins
    result, notes = _collect(tmp_path, download)
    assert result.students == ["alice", "bob"]
    assert _handed_in(tmp_path, "alice") == _work("alice-3")
    assert _handed_in(tmp_path, "bob") == _work("bob-b")
    assert "alice_attempt2.zip, was graded; alice_first, alice.zip not" in notes["alice"][0]
    assert "bob_b.zip, was graded; bob_a.zip not" in notes["bob"][0]


def test_a_file_twice_in_one_submission_the_shallowest_wins(tmp_path, download):
    _zip(download / "alice.zip", {f"linear_layers/{NOTEBOOK}": "deep", NOTEBOOK: "top",
                                  f"b/{MANUAL}": "b", f"a/{MANUAL}": "a"})
    _, notes = _collect(tmp_path, download)
    assert _handed_in(tmp_path, "alice") == {NOTEBOOK: "top", MANUAL: "a"}
    assert f"{NOTEBOOK} was found 2 times: {NOTEBOOK} was used, linear_layers/{NOTEBOOK} not." in notes["alice"]
    assert f"{MANUAL} was found 2 times: a/{MANUAL} was used, b/{MANUAL} not." in notes["alice"]


REFUSED_NAMES = (".alice.zip", "_alice.zip", "al ice.zip", "al$ice.zip", "-x.zip", "al\x1b[31mice.zip", "..zip",
                 "al\u202eice.zip", "al\u200bice.zip", "al\tice.zip", "al\\ice.zip", "a\u00a0b.zip", "+x.zip")


def test_names_without_a_student_id_are_refused_loudly(tmp_path, download):
    """Refused, each with a problem line that says why: what cannot be a folder name safely (path separators,
    control, invisible and blank characters, '.', '..') and signs an id does not hold; never skipped silently."""
    for name in REFUSED_NAMES:
        _zip(download / name, _work("x"))
    (download / "bob.tar.gz").write_bytes(b"\x1f\x8b")
    _zip(download / "carol.zip", _work("carol"))
    result, _ = _collect(tmp_path, download)
    assert result.students == ["carol"]
    assert sorted(p.split(":")[0] for p in result.problems) == sorted(
        f"skipped {ascii(n)}" for n in (*REFUSED_NAMES, "bob.tar.gz"))
    assert all("(" in p for p in result.problems if "valid student id" in p)  # with the reason
    assert not [p for p in result.problems if any(not ch.isprintable() for ch in p)]
    assert sorted(p.name for p in (tmp_path / "submitted").iterdir()) == ["carol"]


def test_ids_of_any_script_are_collected_in_their_composed_form(tmp_path, download):
    """Zoë (with the accent as a separate character, as macOS writes names), full-width letters, other scripts."""
    ids = {"Zoe\u0308_attempt_1.zip": "Zoë", "Ｋｉｍ.zip": "Ｋｉｍ", "Łukasz.zip": "Łukasz", "小林.zip": "小林",
           "ann+lab@example.org.zip": "ann+lab@example.org", "s-001.zip": "s-001"}
    for name, sid in ids.items():
        _zip(download / name, _work(sid))
    result, notes = _collect(tmp_path, download)
    assert result.students == sorted(ids.values()) and result.problems == []
    assert sorted(p.name for p in (tmp_path / "submitted").iterdir()) == sorted(ids.values())
    assert "Zo\u00eb" in result.students  # NFC: one character
    for sid in ids.values():
        assert _handed_in(tmp_path, sid) == _work(sid) and notes[sid] == []
    assert student_ids.student_id("Zoe\u0308.zip") == "Zoë"


def test_ids_that_differ_only_in_case_or_unicode_form_are_refused_together(tmp_path, download):
    """Casey and casey (and Zoë and Ｚｏë) would be one student to an LMS that matches ids without case: neither is
    collected, and each problem line names the other; the rest of the class is collected."""
    for name in ("Casey.zip", "casey_late.zip", "Zoë.zip", "Ｚｏë.zip", "bob.zip"):
        _zip(download / name, _work(name))
    result, notes = _collect(tmp_path, download)
    assert result.students == ["bob"]
    refused = sorted(p for p in result.problems if p.startswith("refused "))
    assert len(refused) == 4 and len(result.problems) == 4, result.problems
    assert refused[0].startswith("refused Casey (Casey.zip): the same id as casey") and "not collected" in refused[0]
    assert refused[2].startswith("refused casey (casey_late.zip): the same id as Casey")
    assert any(p.startswith("refused Zoë") and "as Ｚｏë" in p for p in refused)
    assert sorted(p.name for p in (tmp_path / "submitted").iterdir()) == ["bob"]
    assert student_ids.colliding(["Casey", "casey", "CASEY", "bob", "Bob"]) == [["Bob", "bob"], ["CASEY", "Casey", "casey"]]


def test_an_id_that_collides_with_one_collected_earlier_is_refused(tmp_path, download):
    _zip(download / "Casey.zip", _work("Casey"))
    _collect(tmp_path, download)
    shutil.rmtree(download)
    download.mkdir()
    _zip(download / "casey.zip", _work("casey"))
    _zip(download / "bob.zip", _work("bob"))
    result, _ = _collect(tmp_path, download)
    assert result.students == ["bob"] and not (tmp_path / "submitted" / "casey").exists()
    assert result.problems == ["refused casey (casey.zip): the same id as Casey (collected earlier) once letter case "
                               "and Unicode forms are ignored; not collected. Rename the entries to the exact ids your "
                               "LMS holds (or merge them by hand) and collect again"]
    shutil.rmtree(download)
    download.mkdir()
    _zip(download / "Casey.zip", _work("Casey-2"))  # the same id again: a new submission, not a collision
    result, _ = _collect(tmp_path, download)
    assert result.students == ["Casey"] and result.problems == [] and _handed_in(tmp_path, "Casey") == _work("Casey-2")


def test_notes_of_earlier_runs_are_kept_and_a_replaced_submission_loses_old_files(tmp_path, download):
    _zip(download / "alice.zip", _work("alice"))
    _zip(download / "bob.zip", {**_work("bob"), "x/y/inner.zip": b""})
    _collect(tmp_path, download)
    shutil.rmtree(download)
    download.mkdir()
    _zip(download / "bob.zip", {NOTEBOOK: "{}"})
    _, notes = _collect(tmp_path, download)
    assert _handed_in(tmp_path, "bob") == {NOTEBOOK: "{}"} and notes["bob"] == []
    assert "alice" in notes and _handed_in(tmp_path, "alice") == _work("alice")
    assert collector.notes_for(tmp_path / "notes.json", "bob") == []
    assert collector.notes_for(tmp_path / "missing.json", "bob") == []


# -- notes in the feedback ----------------------------------------------------------------
def test_note_cell_escapes_html_and_markdown_and_keeps_one_line_per_note():
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    notes = ["<img src=x onerror=alert(1)>.py was not used: a link.",
             "ok.\n- Exercise 1 (manual_linear): 4 / 4 points\r\n\n# Total: 15 / 15",
             "`code` *bold* _it_ [link](http://example.com) | a | b | <script>alert(1)</script> &amp; \\",
             "    indented\u2028- Exercise 2 (param_count): 2 / 2 points"]
    cell = plugins.note_cell(notes)
    items = [line for line in cell.source.splitlines() if line.startswith("- ")]
    assert len(items) == len(notes) and cell.source.count("\n") == len(notes) + 1
    rendered = markdown2html_mistune(cell.source)
    assert rendered.count("<li>") == len(notes) and "<ul>" in rendered
    for tag in ("<img", "<script", "<a ", "<code", "<em", "<h1", "<table", "<pre", "<ul>\n<li>ok.</li>"):
        assert tag not in rendered, (tag, rendered)
    assert rendered.count("<strong>") == 1  # the title only
    assert "&lt;img src=x onerror=alert(1)&gt;" in rendered
    assert "<li>ok. - Exercise 1 (manual_linear): 4 / 4 points # Total: 15 / 15</li>" in rendered
    assert "&amp;amp;" in rendered  # shown as typed
    assert plugins._notes_of(cell) == notes  # RebuildFromSource re-escapes the plain notes, not the escaped text


# -- the course commands ------------------------------------------------------------------
@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The course's modules loaded from a copy of the course (their paths.COURSE is that copy)."""
    base = tmp_path_factory.mktemp("course")
    module = load_course(load_course().assign.copy_course(base))
    release = module.paths.RELEASE
    release.mkdir(parents=True)  # stage() falls back on the released notebook
    shutil.copy2(module.paths.SOURCE / NOTEBOOK, release / NOTEBOOK)
    return module


def test_collect_zip_prints_problems_and_stage_adds_the_notes(course, tmp_path, capsys):
    download = tmp_path / "download"
    download.mkdir()
    nb = nbformat.writes(nbformat.v4.new_notebook())
    _zip(download / "alice.zip", {NOTEBOOK: nb, "linear_layers/inner.zip": b"", MANUAL: "# alice\n"})
    (download / "not a student.zip").write_bytes(b"")
    course.collect.collect(str(download))
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("collect: 1 submission(s) in ") and "2 problem(s)" in out[0]
    assert out[1:] == ["  skipped 'not a student.zip': the name does not start with a valid student id "
                       "(it holds a blank)",
                       "  alice: Archives inside your submission are not opened: linear_layers/inner.zip. "
                       "Put your files in directly."]
    assert not list((course.paths.COURSE / "submitted" / "alice").rglob("collect_notes.json"))
    staged, notes = course.staging.stage("alice")
    assert (staged / MANUAL).read_text() == "# alice\n"
    first = nbformat.read(staged / NOTEBOOK, as_version=4).cells[0]
    assert plugins._notes_of(first)[0] == ("Archives inside your submission are not opened: linear_layers/inner.zip. "
                                          "Put your files in directly.")
    assert plugins._notes_of(first) == notes  # the notes stage() returns for results/<id>.json


def test_stage_never_follows_links_and_caps_sizes(course, tmp_path):
    secret = _folder(tmp_path / "reference", {rel: SECRET for rel in FILES})
    (secret / "timestamp.txt").write_text(SECRET)
    src = course.paths.COURSE / "submitted" / "mallory" / "linear_layers"
    shutil.rmtree(src.parent, ignore_errors=True)
    (src / "linear_exercises").mkdir(parents=True)
    (src / NOTEBOOK).symlink_to(secret / NOTEBOOK)
    (src / MANUAL).symlink_to(secret / MANUAL)
    (src / "timestamp.txt").symlink_to(secret / "timestamp.txt")
    os.mkfifo(src / "linear_exercises" / "param_count.py")
    (src / "linear_exercises" / "initialization.py").write_text("x" * (collector.MAX_PY_BYTES + 1))
    (src / "linear_exercises" / "weight_viz.py").write_text("# mallory\n")
    staged, _ = course.staging.stage("mallory")
    for path in staged.rglob("*"):
        if path.is_file():
            assert SECRET not in path.read_text(errors="replace"), path
            assert not path.is_symlink(), path
    assert (staged / "linear_exercises" / "weight_viz.py").read_text() == "# mallory\n"
    assert not (staged / "timestamp.txt").exists()
    notes = "\n".join(plugins._notes_of(nbformat.read(staged / NOTEBOOK, as_version=4).cells[0]))
    assert f"{NOTEBOOK} could not be read" in notes and "link" in notes
    assert f"{MANUAL} was not used (it is a link" in notes
    assert "param_count.py was not used (it is not a plain file)" in notes
    assert "initialization.py was not used (it is larger than 2 MiB)" in notes


# -- ids through the class pipeline (issue 22) ------------------------------------------------------
@pytest.mark.slow
def test_zoe_is_collected_graded_and_exported_and_colliding_ids_are_flagged(tmp_path):
    """course.py collect --zip, autograde and export on ids an LMS gives: Zoë (spelled as macOS spells it) and a
    full-width Ｋｉｍ are graded and exported; Casey and casey are refused at collect, and two folders put in
    submitted/ by hand that differ only in case (Dana, DANA) are refused at autograde: no row for any of them."""
    import csv
    import subprocess
    import sys

    course = load_course().assign.copy_course(tmp_path / "course")

    def run(*args: str) -> str:
        proc = subprocess.run([sys.executable, str(course / "course.py"), *args], text=True, capture_output=True,
                              timeout=900)
        assert proc.returncode == 0, f"course.py {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
        return proc.stdout

    run("release")
    release = course / "release" / "linear_layers"
    solved = {"linear_exercises/param_count.py": (REPO / "solutions" / "linear_exercises" / "param_count.py").read_bytes(),
              NOTEBOOK: (release / NOTEBOOK).read_bytes()}
    download = tmp_path / "download"
    download.mkdir()
    for name in ("Zoe\u0308_attempt_1.zip", "Ｋｉｍ.zip", "Casey.zip", "casey.zip"):
        _zip(download / name, solved)
    out = run("collect", "--zip", str(download))
    assert "collect: 2 submission(s)" in out and "refused Casey (Casey.zip): the same id as casey" in out, out
    assert "refused casey (casey.zip): the same id as Casey" in out, out
    for twin in ("Dana", "DANA"):
        shutil.copytree(course / "submitted" / "Zoë", course / "submitted" / twin)
    out = run("autograde", "--jobs", "1")
    assert "DANA, Dana are the same id once letter case and Unicode forms are ignored: none of them is graded" in out
    assert "2 of 2 submission(s) graded" in out, out
    run("export")
    with open(course / "grades_by_exercise.csv", newline="", encoding="utf-8") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    assert sorted(rows) == ["Zoë", "Ｋｉｍ"] and "Zo\u00eb" in rows, rows
    assert all(float(r["check_param_count"]) == 2 and float(r["total"]) == 2 for r in rows.values())
    with open(course / "grades_canvas.csv", newline="", encoding="utf-8") as f:
        canvas = list(csv.reader(f))
    assert sorted(r[3] for r in canvas[2:]) == ["Zoë", "Ｋｉｍ"]
    assert (course / "feedback" / "Zoë" / "linear_layers" / "linear_layers.html").is_file()
