"""The audit of a student folder (the release, the exchange copy): what would give solutions or hidden checks away."""

from __future__ import annotations

import os
from pathlib import Path

from paths import CHECKS, HIDDEN_CHECKS, NOTEBOOK, REPO
from stub_tool import make_stubs_tool


def _hidden_check_files() -> list[Path]:
    """Every file of the hidden checks: hidden_checks/ (and LINEAR_HIDDEN_CHECKS where it names another folder)."""
    folders = {HIDDEN_CHECKS.resolve()}
    if os.environ.get("LINEAR_HIDDEN_CHECKS"):
        folders.add(Path(os.environ["LINEAR_HIDDEN_CHECKS"]).resolve())
    return sorted({p for folder in folders if folder.is_dir() for p in folder.rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"})


def _digests(data: bytes) -> set[str]:
    """sha256 of the bytes and of the text with line ends and trailing blanks normalized (empty: no digest)."""
    import hashlib

    text = "\n".join(line.rstrip() for line in data.decode("utf-8", "replace").splitlines()).strip()
    if len(text) < 40:  # an empty __init__.py and the like match too much to mean anything
        return set()
    return {hashlib.sha256(data).hexdigest(), hashlib.sha256(text.encode()).hexdigest()}


MARKERS = (b"BEGIN SOLUTION", b"END SOLUTION", b"BEGIN HIDDEN TESTS", b"END HIDDEN TESTS")


def release_problems(folder: Path) -> list[str]:
    """Anything in a student folder (the release, the exchange copy) that would give solutions or hidden checks away.

    - any file of the hidden checks, found by name (where the release has no file of that
      name for another reason), by content (sha256, also with line ends normalized) or
      because it is in a folder whose name says hidden;
    - any exercise module (linear_exercises/*.py) whose text is not exactly what the stub
      generator (tools/make_stubs.py build()) writes for it, and any .py there it does not
      write: make_stubs strips the BEGIN/END SOLUTION markers, so a solution file does
      not need to hold them to be one;
    - a copy of a reference solution file anywhere (by content);
    - nbgrader's solution or hidden-test markers in any file;
    - compiled Python (*.pyc, __pycache__), which cannot be checked;
    - a notebook with outputs (they may come from the reference solutions) and any text
      that holds a path of this machine (the course folder or the home folder).
    """
    tools = make_stubs_tool()
    stubs = tools.build()
    solution_digests = {}
    for rel, stub in stubs.items():
        solution = tools.SOLUTIONS / rel
        if solution.is_file() and solution.read_text(encoding="utf-8") != stub:
            solution_digests.update(dict.fromkeys(_digests(solution.read_bytes()), f"solutions/linear_exercises/{rel}"))
    hidden_files = _hidden_check_files()
    hidden_digests = {d: p.name for p in hidden_files for d in _digests(p.read_bytes())}
    legitimate = {NOTEBOOK, *(Path(rel).name for rel in stubs), *(p.name for p in CHECKS.rglob("*") if p.is_file())}
    hidden_names = {p.name for p in hidden_files} - legitimate
    problems = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(folder)
        data = path.read_bytes()
        digests = _digests(data)
        package_at = max((i for i, part in enumerate(rel.parts[:-1]) if part == "linear_exercises"), default=None)
        if any("hidden" in part.lower() for part in rel.parts[:-1]) or path.name in hidden_names:
            problems.append(f"{rel}: a hidden check")
        elif digests & hidden_digests.keys():
            problems.append(f"{rel}: the content of the hidden check {hidden_digests[min(digests & hidden_digests.keys())]}")
        elif digests & solution_digests.keys():
            problems.append(f"{rel}: a copy of {solution_digests[min(digests & solution_digests.keys())]}")
        elif "__pycache__" in rel.parts or path.suffix in (".pyc", ".pyo"):
            problems.append(f"{rel}: compiled Python (it cannot be checked for solution code)")
        elif any(marker in data for marker in MARKERS):
            problems.append(f"{rel}: contains a solution or hidden-test block")
        elif path.suffix == ".ipynb" and _cells_with_outputs(data):
            problems.append(f"{rel}: cells {_cells_with_outputs(data)} have outputs (clear them; they may come from "
                            "the reference solutions)")
        elif any(machine in data for machine in _machine_paths()):
            problems.append(f"{rel}: holds a path of this machine")
        elif package_at is not None and path.suffix == ".py":
            key = "/".join(rel.parts[package_at + 1:])
            if key not in stubs:
                problems.append(f"{rel}: not a file the stub generator writes")
            elif data.decode("utf-8", "replace") != stubs[key]:
                problems.append(f"{rel}: differs from the generated stub (solution code?)")
    return problems


def _cells_with_outputs(data: bytes) -> list[int]:
    """Numbers of the code cells (from 0) of a notebook that hold outputs or execution counts."""
    import nbformat

    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception:  # not a readable notebook: reported as having outputs, to be looked at
        return [-1]
    return [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and (cell.outputs or cell.execution_count)]


def _machine_paths() -> list[bytes]:
    """Paths of this machine that must not reach students: the course folder's parent and the home folder."""
    paths = {str(REPO.parent), str(Path.home())}
    return [p.encode() for p in paths if len(p) > 1]
