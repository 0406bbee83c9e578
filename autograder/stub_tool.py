"""The stub generator (tools/make_stubs.py) of a course: what source/, the release, its audit and staging use."""

from __future__ import annotations

from pathlib import Path

from nbgrader_plugins import load_module
from paths import REPO


def make_stubs_tool(repo: Path = REPO):
    """tools/make_stubs.py of this repository (or of a copy made by assign.copy_course()): it reads that copy."""
    return load_module("make_stubs_tool", repo / "tools" / "make_stubs.py")
