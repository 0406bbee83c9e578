"""What was graded, how and when: graded.json (the regrade cache and its fingerprints) and results/<id>.json."""

from __future__ import annotations

import json
import re
from pathlib import Path

from paths import (ASSIGNMENT, CHECKS, COURSE, GRADEBOOK, GRADED, GRADING_TASK, HIDDEN_CHECKS, NOTEBOOK, RESULTS,
                   SOURCE)


# The grading code and what it runs (paths.py: nbgrader_plugins.py imports it): a change to any of them
# regrades everyone.
GRADED_BY = (CHECKS, HIDDEN_CHECKS, GRADING_TASK, COURSE / "nbgrader_plugins.py", COURSE / "nbgrader_config.py",
             COURSE / "paths.py", SOURCE / NOTEBOOK)


def _digest_files(digest, root: Path) -> None:
    files = sorted(p for p in ([root] if root.is_file() else root.rglob("*"))
                   if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    for path in files:
        data = path.read_bytes()
        if path.suffix == ".ipynb":  # cell ids may be drawn afresh each time a notebook is staged
            data = re.sub(rb'"id": "[^"]*",?', b"", data)
        digest.update(f"{path.relative_to(root.parent)}\0{len(data)}\0".encode())
        digest.update(data)


def grader_fingerprint(isolate: bool) -> str:
    """sha256 of how a grade is made: the grading code (the linear_checks package, the hidden checks, the grading
    task, nbgrader_plugins.py, nbgrader_config.py and paths.py), the source notebook, and the mode (in the sandbox
    or not).
    A grade made by another version of any of them, or in the other mode, is not kept by the regrade cache."""
    import hashlib

    digest = hashlib.sha256(f"mode {'sandbox' if isolate else 'no sandbox'}\0".encode())
    for root in GRADED_BY:
        if root.exists():
            _digest_files(digest, root)
    return digest.hexdigest()


def fingerprint(staged: Path, grader: str) -> str:
    """sha256 of what grading reads and how: the staged submission's files and grader_fingerprint()."""
    import hashlib

    digest = hashlib.sha256(f"grader {grader}\0".encode())
    _digest_files(digest, staged)
    return digest.hexdigest()


def _graded() -> dict:
    try:
        return json.loads(GRADED.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _unchanged(fingerprints: dict[str, str]) -> list[str]:
    """The students whose submission was graded before with the same fingerprint, and still has its grade."""
    from nbgrader.api import Gradebook, MissingEntry

    before = _graded()
    same = [s for s, f in fingerprints.items() if before.get(s, {}).get("fingerprint") == f]
    if not same or not GRADEBOOK.exists():
        return []
    kept = []
    with Gradebook(f"sqlite:///{GRADEBOOK}") as gb:
        for student in same:
            try:
                gb.find_submission(ASSIGNMENT, student)
                kept.append(student)
            except MissingEntry:
                pass
    return kept


def _record_graded(fingerprints: dict[str, str], seeds: dict[str, int], failed: list[str] = (),
                   isolate: bool = True) -> None:
    """Note what was graded, how (in the sandbox or not), when (UTC) and with which inputs (seed), for the next
    autograde and the export; a failed one is graded again."""
    from datetime import datetime, timezone

    graded = _graded()
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    graded.update({s: {"fingerprint": f, "graded_at": now, "seed": seeds[s], "sandbox": isolate}
                   for s, f in fingerprints.items()})
    for student in failed:
        graded.pop(student, None)
    GRADED.write_text(json.dumps(graded, indent=1, sort_keys=True), encoding="utf-8")


def _write_checks(student: str, seed: int, verdicts: list[dict], notes: list[str] = (), error: str = "") -> None:
    """results/<student>.json: what the class report reads (every check's verdict, the grading notes staging
    returned, the seed)."""
    from datetime import datetime, timezone

    RESULTS.mkdir(exist_ok=True)
    record = {"student": student, "seed": seed, "graded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "success": not error, "error": error, "notes": list(notes), "exercises": verdicts}
    (RESULTS / f"{student}.json").write_text(json.dumps(record, indent=1), encoding="utf-8")
