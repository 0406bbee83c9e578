"""Stages a submission for grading: only the notebook and the exercise files, replacements noted.

Into WORK/staged/<student>/: files are read without following links, size-capped; an
unreadable or missing notebook is replaced by the released one and a missing exercise file
by its stub, and what was done (the grading notes) is written at the top of the notebook
and returned, for the student's results/<id>.json.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import collector
from collect import COLLECT_NOTES
from nbgrader_plugins import NOTE_MARK, STUDENT_FILES, note_cell
from paths import ASSIGNMENT, COURSE, NOTEBOOK, RELEASE, STAGED, WORK
from stub_tool import make_stubs_tool


def stage(student: str) -> tuple[Path, list[str]]:
    """Copy what counts of one submission into WORK/staged/<student>/; note what was replaced.

    Returns the staged folder and the grading notes (also at the top of its notebook).
    """
    import nbformat

    src = COURSE / "submitted" / student / ASSIGNMENT
    dst = WORK / STAGED / student / ASSIGNMENT
    shutil.rmtree(dst.parent, ignore_errors=True)
    (dst / "linear_exercises").mkdir(parents=True)
    notes = collector.notes_for(COLLECT_NOTES, student)  # what collect --zip found
    try:  # files are read without following links, regular files only, size-capped
        nb = nbformat.reads(collector.read_regular(src, NOTEBOOK, collector.MAX_NOTEBOOK_BYTES).decode("utf-8"),
                            as_version=4)
        nbformat.validate(nb)
    except FileNotFoundError:
        notes.append(f"No {NOTEBOOK} was handed in: your exercise files were graded with a fresh copy of it.")
        nb = nbformat.read(RELEASE / NOTEBOOK, as_version=4)
    except Exception as exc:  # not JSON, not a notebook
        reason = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        notes.append(f"{NOTEBOOK} could not be read ({type(exc).__name__}: {reason}); "
                     "your exercise files were graded with a fresh copy of the notebook.")
        nb = nbformat.read(RELEASE / NOTEBOOK, as_version=4)
    stubs = None
    for rel in STUDENT_FILES:
        try:
            (dst / rel).write_bytes(collector.read_regular(src, rel, collector.MAX_PY_BYTES))
        except (OSError, collector.Refused) as exc:
            stubs = stubs or release_stub_dir()
            shutil.copy2(stubs / Path(rel).name, dst / rel)
            why = "was not handed in" if isinstance(exc, FileNotFoundError) else f"was not used ({exc})"
            notes.append(f"{rel} {why}: its exercise was graded on the unchanged stub (0 points).")
    released = {str(p.relative_to(RELEASE)) for p in RELEASE.rglob("*") if p.is_file()} if RELEASE.is_dir() else set()
    used = {NOTEBOOK, *collector.NBGRADER_OWN_FILES, *STUDENT_FILES, *released}
    extra = sorted(str(p.relative_to(src)) for p in src.rglob("*")
                   if p.is_file() and str(p.relative_to(src)) not in used
                   and not str(p.relative_to(src)).startswith(("autograder/", "linear_exercises/"))
                   and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts) if src.is_dir() else []
    if extra:
        shown = ", ".join(extra[:5]) + (f" and {len(extra) - 5} more" if len(extra) > 5 else "")
        notes.append(f"Files you added were not used at grading: {shown}.")
    # Grading notes come from the grader only: a note cell in the student's notebook is dropped.
    nb.cells = [c for c in nb.cells if not c.get("metadata", {}).get(NOTE_MARK)]
    if notes:
        nb.cells.insert(0, note_cell(notes))
    nbformat.write(nb, dst / NOTEBOOK)
    try:
        (dst / "timestamp.txt").write_bytes(collector.read_regular(src, "timestamp.txt", 1024))
    except (OSError, collector.Refused):
        pass
    return dst, notes


def release_stub_dir() -> Path:
    """The stubs a missing exercise file is replaced by at grading, as the stub generator writes them.

    Written once into WORK/stubs/linear_exercises/ (again when stale), never taken from
    autograder/release/, which is an output an earlier command may have left in any state.
    """
    folder = WORK / "stubs" / "linear_exercises"
    tools = make_stubs_tool()
    if tools.stale_package(folder):
        tools.write(folder)
    return folder


def _staged_files(student: str) -> dict[str, str | bytes]:
    folder = WORK / STAGED / student / ASSIGNMENT
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
