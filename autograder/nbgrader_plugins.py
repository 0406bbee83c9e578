"""What this course adds to nbgrader (loaded by nbgrader_config.py).

RebuildFromSource replaces the submitted notebook's cells with the instructor's, before
anything runs. The graded notebook holds no student answers (the work is in the
linear_exercises/*.py files), so nothing of value is lost, and:
- a test cell the student deleted is back and graded (nbgrader's own add_missing_cells
  fails when the cell before a deleted one is a plain markdown cell);
- a test cell the student edited runs as the instructor wrote it;
- code cells the student added are not run (nbgrader has no sandbox: a cell that
  monkeypatches the kernel would otherwise run before the checks).
Answer cells (nbgrader "solution" cells), if a future version adds any, keep the
student's text. A note at the top of the notebook, seen in the feedback, says what was
restored or removed.

FeedbackExporter writes the feedback page (generate_feedback) with every formula as MathML,
which the browser draws itself: the page needs no MathJax and nothing from the network, so a
student reads the backward-pass formulas offline too.
"""

from __future__ import annotations

import copy
import html
import importlib.util
import string
from pathlib import Path

import nbformat
from bs4 import BeautifulSoup
from jinja2 import pass_context
from nbconvert.exporters import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbgrader.preprocessors import NbGraderPreprocessor

from linear_checks.exercises import EXERCISES  # the exercise table (the course's, never a student's)
from paths import COURSE  # this folder (paths.py beside this file)

NOTE_MARK = "linear-layers-grading-note"


def load_module(name: str, path: Path):
    """Import a Python file by its path (without importing the package around it)."""
    import sys

    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


# GenerateAssignment's pre_convert_hook and post_convert_hook (nbgrader_config.py names them by
# these dotted names, which keeps the configuration plain data): assign.py's before_generate()
# and finish_release(), imported from this folder only when generate_assignment runs.
def before_generate(**kwargs) -> None:
    load_module("linear_layers_assign", COURSE / "assign.py").before_generate(**kwargs)


def finish_release(**kwargs) -> None:
    load_module("linear_layers_assign", COURSE / "assign.py").finish_release(**kwargs)


# The files a student hands in besides the notebook: autograde keeps these as submitted.
STUDENT_FILES = [f"linear_exercises/{e.module}" for e in EXERCISES]


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _is_answer(cell) -> bool:
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution"))


# Every ASCII punctuation mark markdown could read as syntax gets a backslash; & < > become
# HTML entities (html.escape): a note shows as plain text, whatever a student named a file.
_MARKDOWN_SPECIALS = set(string.punctuation) - set("&<>")


def escape_note(line: str, limit: int = 400) -> str:
    """One note as inert markdown text on one line: no markup, no HTML, no new list item."""
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in str(line)).split())
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return html.escape("".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in text), quote=False)


def note_cell(lines: list[str]):
    """A markdown cell for the top of a graded notebook: what the grader did with the submission.

    Each note is escaped (escape_note) and is one list item; the plain notes are kept in the
    cell's metadata, where RebuildFromSource reads them back.
    """
    lines = [str(line) for line in lines]
    text = "**Grading notes**\n\n" + "\n".join(f"- {escape_note(line)}" for line in lines)
    cell = nbformat.v4.new_markdown_cell(text, id="grading-notes")  # the same cell id every time
    cell.metadata[NOTE_MARK] = {"notes": lines}
    return cell


def _notes_of(cell) -> list[str]:
    """The plain notes note_cell kept in a notes cell's metadata."""
    mark = cell.get("metadata", {}).get(NOTE_MARK)
    notes = mark.get("notes", []) if isinstance(mark, dict) else []
    return [str(line) for line in notes] if isinstance(notes, list) else []


class RebuildFromSource(NbGraderPreprocessor):
    """The instructor's cells, in the instructor's order; the student's answer cells kept."""

    def preprocess(self, nb, resources):
        name = resources["nbgrader"]["notebook"] + ".ipynb"
        source = nbformat.read(COURSE / "source" / resources["nbgrader"]["assignment"] / name, as_version=4)
        submitted = {_grade_id(c): c for c in nb.cells if _grade_id(c)}
        notes = [c for c in nb.cells if c.get("metadata", {}).get(NOTE_MARK)]  # written at staging
        cells, restored, edited = [], [], []
        for cell in source.cells:
            gid = _grade_id(cell)
            theirs = submitted.get(gid) if gid else None
            if theirs is not None and _is_answer(cell):
                cells.append(theirs)
                continue
            if gid and cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
                if theirs is None:
                    restored.append(gid)
                elif theirs.source.strip() != cell.source.strip():
                    edited.append(gid)
            mine = copy.deepcopy(cell)
            if mine.cell_type == "code":
                mine.outputs, mine.execution_count = [], None
            cells.append(mine)
        known = {_grade_id(c) for c in source.cells}
        added = sum(1 for c in nb.cells if c.cell_type == "code" and _grade_id(c) not in known)
        lines = [line for n in notes for line in _notes_of(n)]
        if restored:
            lines.append(f"Test cell(s) {', '.join(restored)} were missing and were put back.")
        if edited:
            lines.append(f"Test cell(s) {', '.join(edited)} had been edited; they ran as written by the instructor.")
        if added:
            lines.append(f"{added} code cell(s) you added were not run: only the test cells run at grading.")
        if lines:
            cells.insert(0, note_cell(lines))
        nb.cells = cells
        return nb, resources


def _mathml(latex: str, display: str) -> str:
    """A formula as MathML (display "block" or "inline"); the LaTeX as code if it cannot be converted."""
    from latex2mathml.converter import convert

    try:
        return convert(latex, display=display)
    except Exception:  # noqa: BLE001 - a formula the converter does not know: shown as written
        return f"<code>{html.escape(latex)}</code>"


class MathMLRenderer(IPythonRenderer):
    """Markdown to HTML, each formula ($...$, $$...$$, \\begin{...}) as MathML."""

    def block_math(self, body: str) -> str:
        return _mathml(body, "block")

    def latex_environment(self, name: str, body: str) -> str:
        return _mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", "block")

    def inline_math(self, body: str) -> str:
        return _mathml(body, "inline")


class FeedbackExporter(HTMLExporter):
    """The feedback page: formulas as MathML, and no script from the network (nbgrader's template adds MathJax's)."""

    @pass_context
    def markdown2html(self, context, source):
        """As HTMLExporter.markdown2html, with MathMLRenderer."""
        cell = context.get("cell", {})
        renderer = MathMLRenderer(
            escape=False, attachments=cell.get("attachments", {}), embed_images=self.embed_images,
            path=context.get("resources", {}).get("metadata", {}).get("path", ""),
            anchor_link_text=self.anchor_link_text, exclude_anchor_links=self.exclude_anchor_links,
            **self.lexer_options)
        return MarkdownWithMath(renderer=renderer).render(source)

    def from_notebook_node(self, nb, resources=None, **kw):
        page, resources = super().from_notebook_node(nb, resources, **kw)
        soup = BeautifulSoup(page, features="html.parser")
        for script in soup.select("script"):
            src = script.get("src", "")
            if "://" in src or src.startswith("//") or script.get("type") == "text/x-mathjax-config":
                script.decompose()
        return str(soup), resources
