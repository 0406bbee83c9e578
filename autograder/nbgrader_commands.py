"""Runs nbgrader's commands in the course folder, and reads the exchange settings they use (nbgrader_config.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from paths import ASSIGNMENT, COURSE, say
from startup import NBGRADER_MAIN

# nbgrader runs `alembic` and `jupyter` by name: find them next to this Python even when
# its environment is not activated (make calls .venv/bin/python directly).
if os.environ.get("PATH", "").split(os.pathsep)[0] != str(Path(sys.executable).parent):  # once per process
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def nbgrader(*args: str, quiet: bool = False, course: Path = COURSE) -> None:
    """Run one nbgrader command in the course folder (or in a copy of it); stop with its log when it fails."""
    cmd = [sys.executable, "-c", NBGRADER_MAIN, *args]  # python -m nbgrader, started faster (startup.py)
    proc = subprocess.run(cmd, cwd=course, text=True, capture_output=True)
    out = (proc.stdout + proc.stderr).strip()
    if out and (proc.returncode != 0 or not quiet):
        say(out)
    if proc.returncode != 0:
        hint = ""
        if args and args[0] in EXCHANGE_COMMANDS:
            hint = f" (the exchange is {_exchange(course)[0]}: {EXCHANGE_SETTING})"
        raise SystemExit(f"nbgrader {' '.join(args)} failed (exit code {proc.returncode}){hint}")


EXCHANGE_COMMANDS = ("release_assignment", "collect", "list", "fetch_assignment", "submit", "fetch_feedback",
                     "release_feedback")
EXCHANGE_SETTING = "set it with Exchange.root in autograder/nbgrader_config.py, or NBGRADER_EXCHANGE=<folder>"


def _exchange(course: Path = COURSE) -> tuple[Path, str]:
    """Exchange.root and the course id from nbgrader_config.py, as every nbgrader command of the course reads
    them (the root: autograder/exchange/ unless NBGRADER_EXCHANGE overrides it there)."""
    from traitlets.config import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    return Path(config.Exchange.root), config.CourseDirectory.course_id


def exchange_outbound() -> Path:
    """Where publish puts the assignment: <Exchange.root>/<course id>/outbound/linear_layers/ (from nbgrader_config.py)."""
    root, course_id = _exchange()
    return root / course_id / "outbound" / ASSIGNMENT
