"""Write everything that follows from the exercise table and the reference solutions.

The exercise table (autograder/linear_checks/exercises.py) and the reference solutions
(solutions/linear_exercises/<exercise>.py, one file per exercise, nothing else) are the
sources. From them this tool writes:

- the student stubs linear_exercises/<exercise>.py: every block between
  `### BEGIN SOLUTION` and `### END SOLUTION` becomes a `raise NotImplementedError` whose
  message names the exercise, the function and the file to edit;
- the export block of linear_exercises/__init__.py (which names each exercise module gives);
- the exercise table of README.md, between its `exercise-table` markers;
- the graded notebook autograder/source/linear_layers/linear_layers.ipynb: the list in its
  introduction, each exercise's heading and check cell (with its points), the total. An
  exercise without a description cell gets one from its solution file's docstring; the
  cells of an exercise no longer in the table are dropped.

The helpers of linear_exercises/ (widgets, data, training, check, ...) are written by hand,
there and only there. `reference_package(dest)` lays the solutions over a copy of them:
the package that the solution notebooks, the tests and the benchmarks import.

    python tools/make_stubs.py            # rewrite the generated files (make stubs)
    python tools/make_stubs.py --check    # exit 1 if any is stale (make stubs-check)
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions" / "linear_exercises"  # the reference solution of each exercise, nothing else
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
PACKAGE = "linear_exercises"
GRADED_NOTEBOOK = "autograder/source/linear_layers/linear_layers.ipynb"
EXPORTS_BEGIN = "# BEGIN EXERCISE EXPORTS (make stubs writes this block from the exercise table)"
EXPORTS_END = "# END EXERCISE EXPORTS"
TABLE_BEGIN = "<!-- exercise-table: make stubs writes this table from autograder/linear_checks/exercises.py -->"
TABLE_END = "<!-- /exercise-table -->"
NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve")
STUB_MARK = "# TODO: your code here (replace the raise below)"
DOCSTRING_NOTE = "The docstrings in the file give the exact contract (shapes, errors, defaults)."


def exercises(root: Path = ROOT) -> tuple:
    """The exercise table of the course at root (read from its file: nothing needs to be installed)."""
    path = root / "autograder" / "linear_checks" / "exercises.py"
    spec = importlib.util.spec_from_file_location(f"_exercise_table_{abs(hash(str(path)))}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module.EXERCISES


def in_words(n: int) -> str:
    return NUMBER_WORDS[n] if n < len(NUMBER_WORDS) else str(n)


# -- the stubs -------------------------------------------------------------------------------

def _enclosing_function(tree: ast.AST, line: int) -> str:
    """Qualified name of the innermost function that contains this 1-based line."""
    best, best_span = "", None

    def visit(node, prefix):
        nonlocal best, best_span
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if child.lineno <= line <= child.end_lineno and not isinstance(child, ast.ClassDef):
                    span = child.end_lineno - child.lineno
                    if best_span is None or span < best_span:
                        best, best_span = name, span
                visit(child, name + ".")

    visit(tree, "")
    return best


def stub_source(text: str, filename: str, label: str) -> str:
    """The student version of one solution file."""
    lines = text.splitlines(keepends=True)
    tree = ast.parse(text, filename=filename)
    out, inside = [], False
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ValueError(f"{filename}:{number}: nested {BEGIN}")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            function = _enclosing_function(tree, number)
            where = f"{function}() in {PACKAGE}/{filename}" if function else f"{PACKAGE}/{filename}"
            out.append(f'{indent}{STUB_MARK}\n')
            out.append(f'{indent}raise NotImplementedError("{label}: implement {where}")\n')
        elif stripped == END:
            if not inside:
                raise ValueError(f"{filename}:{number}: {END} without {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{filename}: {BEGIN} is never closed")
    return "".join(out)


def _solution_files(root: Path, table) -> dict[str, str]:
    """module file -> reference solution text; the folder holds exactly the table's exercise files."""
    folder = root / "solutions" / PACKAGE
    have = {p.name for p in folder.glob("*.py")}
    want = {e.module for e in table}
    if have - want:
        raise ValueError(f"solutions/{PACKAGE}/ holds {sorted(have - want)}, which no exercise of the table "
                         "(autograder/linear_checks/exercises.py) names: add the exercise or move the file")
    if want - have:
        raise ValueError(f"the exercise table names {sorted(want - have)}, missing from solutions/{PACKAGE}/")
    texts = {name: (folder / name).read_text(encoding="utf-8") for name in sorted(want)}
    for e in table:
        if BEGIN not in texts[e.module]:
            raise ValueError(f"solutions/{PACKAGE}/{e.module} has no {BEGIN} block: its stub would be the solution")
    return texts


def _exports_block(table) -> str:
    lines = [EXPORTS_BEGIN, "_EXPORTS = {"]
    quoted = [(f'"{Path(e.module).stem}"', ", ".join(f'"{name}"' for name in e.exports)) for e in table]
    lines += [f"    {module}: ({names},)," for module, names in quoted]
    lines += ["}", EXPORTS_END]
    return "\n".join(lines)


def _replace_block(text: str, begin: str, end: str, block: str, where: str) -> str:
    """text with the lines from `begin` to `end` (both included) replaced by block."""
    start, stop = text.find(begin), text.find(end)
    if start < 0 or stop < start:
        raise ValueError(f"{where}: the lines {begin!r} ... {end!r} are missing")
    return text[:start] + block + text[stop + len(end):]


def build(root: Path = ROOT) -> dict[str, str]:
    """The student package: {file inside linear_exercises/: text}, helpers as written, stubs as generated."""
    table = exercises(root)
    solutions = _solution_files(root, table)
    files = {p.relative_to(root / PACKAGE).as_posix(): p.read_text(encoding="utf-8")
             for p in sorted((root / PACKAGE).rglob("*.py")) if "__pycache__" not in p.parts}
    files = {rel: text for rel, text in files.items() if STUB_MARK not in text}  # a dropped exercise's stub goes
    for e in table:
        files[e.module] = stub_source(solutions[e.module], e.module, e.label)
    files["__init__.py"] = _replace_block(files["__init__.py"], EXPORTS_BEGIN, EXPORTS_END, _exports_block(table),
                                          f"{PACKAGE}/__init__.py")
    return files


def write(out_dir: Path, root: Path = ROOT) -> None:
    """Write the student package (helpers and stubs) as out_dir, replacing whatever was there."""
    files = build(root)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    for rel, text in files.items():
        target = out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def reference_package(dest: Path, root: Path = ROOT) -> Path:
    """dest/linear_exercises: the helpers with the reference solutions laid over them; returns dest.

    dest/datasets links to the course's datasets/, as in the repository and the release.
    """
    write(dest / PACKAGE, root)
    for name, text in _solution_files(root, exercises(root)).items():
        (dest / PACKAGE / name).write_text(text, encoding="utf-8")
    if (root / "datasets").is_dir() and not (dest / "datasets").exists():
        (dest / "datasets").symlink_to(root / "datasets")  # the lessons find the shipped MNIST above the package
    return dest


def temporary_reference_package(root: Path = ROOT) -> Path:
    """reference_package() in a temporary folder removed when this Python exits; returns the folder."""
    import atexit
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="linear-reference-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return reference_package(folder, root)


# -- the README's table and the graded notebook ----------------------------------------------

def readme_table(table) -> str:
    rows = ["| # | exercise | file you edit | check it | points |", "|---|---|---|---|---|"]
    for e in table:
        names = ", ".join(f"`{n}`" for n in e.exports)
        challenge = " (challenge)" if e.challenge else ""
        rows.append(f"| {e.number} | {e.title}: {names}{challenge} | `{PACKAGE}/{e.module}` | `check(\"{e.key}\")` "
                    f"| {e.points} |")
    total = sum(e.points for e in table)
    return "\n".join([TABLE_BEGIN, *rows, "", f"The {in_words(len(table))} exercises are worth {total} points.",
                      TABLE_END])


def readme(text: str, table) -> str:
    return _replace_block(text, TABLE_BEGIN, TABLE_END, readme_table(table), "README.md")


def _grading(grade_id: str, points: int | None = None) -> dict:
    meta = {"grade": points is not None, "grade_id": grade_id, "locked": True, "schema_version": 3,
            "solution": False, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _markdown(grade_id: str, text: str) -> dict:
    return {"cell_type": "markdown", "id": grade_id.replace("_", "-")[:64], "metadata": _grading(grade_id),
            "source": _lines(text)}


def _check_cell(e, old: dict | None) -> dict:
    source = (f"# Checks {e.label}: {PACKAGE}/{e.module}. The last line is your score.\n"
              f"from linear_checks import grade\n"
              f'grade("{e.key}")')
    return {"cell_type": "code", "execution_count": None, "id": (old or {}).get("id", f"check-{e.key}"),
            "metadata": _grading(f"check_{e.key}", e.points), "outputs": [], "source": _lines(source)}


def _description(root: Path, e) -> str:
    """A new exercise's description: its solution file's docstring summary, and the names to write."""
    doc = ast.get_docstring(ast.parse((root / "solutions" / PACKAGE / e.module).read_text(encoding="utf-8"))) or ""
    summary = re.sub(r"^Exercise \d+( \(challenge\))?:\s*", "", doc.split("\n\n")[0].replace("\n", " ").strip())
    names = ", ".join(f"`{name}`" for name in e.exports)
    return f"{summary[:1].upper()}{summary[1:]} You write {names}.".strip()


def _about_cell(root: Path, e, old: dict | None) -> dict:
    edit = f"Edit `{PACKAGE}/{e.module}`."
    if old is None:
        body = "\n\n".join(part for part in (edit, _description(root, e), DOCSTRING_NOTE) if part)
        return _markdown(f"about_{e.key}", f"## {e.heading}\n\n{body}")
    text = "".join(old["source"])
    _, _, rest = text.partition("\n")
    rest = re.sub(r"^(\s*)Edit `[^`]*`\.", lambda m: m.group(1) + edit, rest, count=1)
    return {**old, "source": _lines(f"## {e.heading}\n{rest}")}


def _intro_cell(old: dict, table) -> dict:
    text = "".join(old["source"])
    listing = "".join(f"{e.number}. {e.title}{' (challenge)' if e.challenge else ''}: edit `{PACKAGE}/{e.module}` "
                      f"({e.points} point{'' if e.points == 1 else 's'})\n" for e in table)
    text, found = re.subn(r"(?m)(^\d+\. .*\n)+", listing, text, count=1)
    text, counted = re.subn(r"You implement \w+ pieces", f"You implement {in_words(len(table))} pieces", text)
    if not (found and counted):
        raise ValueError(f"{GRADED_NOTEBOOK}: the introduction lost its numbered list of exercises or its "
                         "'You implement N pieces' sentence")
    return {**old, "source": _lines(text)}


def _outro_cell(old: dict | None, table) -> dict:
    total = sum(e.points for e in table)
    text = (f"## Total\n\nThe {in_words(len(table))} cells above are worth {total} points together. When every "
            "cell shows full marks, hand in the folder.")
    cell = _markdown("outro", text)
    return {**cell, "id": old["id"]} if old else cell


def graded_notebook(text: str, table, root: Path = ROOT) -> str:
    """The graded notebook with the table's exercises, headings, points and total stamped in."""
    nb = json.loads(text)
    by_id = {c["metadata"].get("nbgrader", {}).get("grade_id"): c for c in nb["cells"]}
    if "intro" not in by_id:
        raise ValueError(f"{GRADED_NOTEBOOK}: no cell with grade_id 'intro'")
    cells = [_intro_cell(by_id["intro"], table)]
    for e in table:
        cells += [_about_cell(root, e, by_id.get(f"about_{e.key}")), _check_cell(e, by_id.get(f"check_{e.key}"))]
    cells.append(_outro_cell(by_id.get("outro"), table))
    nb["cells"] = cells
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


# -- all of it -------------------------------------------------------------------------------

def generated(root: Path = ROOT) -> dict[str, str]:
    """Every generated file of the course at root: {path relative to root: text}."""
    table = exercises(root)
    files = {f"{PACKAGE}/{rel}": text for rel, text in build(root).items()}
    files["README.md"] = readme((root / "README.md").read_text(encoding="utf-8"), table)
    files[GRADED_NOTEBOOK] = graded_notebook((root / GRADED_NOTEBOOK).read_text(encoding="utf-8"), table, root)
    return files


def stale_package(folder: Path, root: Path = ROOT) -> list[str]:
    """The files of a student package folder that differ from build() (missing and extra ones included)."""
    want = build(root)
    have = {p.relative_to(folder).as_posix() for p in folder.rglob("*.py") if "__pycache__" not in p.parts} \
        if folder.is_dir() else set()
    diff = {rel for rel, text in want.items()
            if rel not in have or (folder / rel).read_text(encoding="utf-8") != text}
    return sorted(diff | (have - set(want)))


def stale(root: Path = ROOT) -> list[str]:
    """The generated files of the course at root that differ from what `make stubs` would write."""
    table = exercises(root)
    diff = [f"{PACKAGE}/{rel}" for rel in stale_package(root / PACKAGE, root)]
    checks = {"README.md": lambda text: readme(text, table),
              GRADED_NOTEBOOK: lambda text: graded_notebook(text, table, root)}
    for rel, make in checks.items():
        text = (root / rel).read_text(encoding="utf-8")
        if make(text) != text:
            diff.append(rel)
    return sorted(diff)


def write_all(root: Path = ROOT) -> list[str]:
    """Write every stale generated file; returns the ones written (or removed)."""
    changed = stale(root)
    files = generated(root)
    for rel in changed:
        if rel in files:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(files[rel], encoding="utf-8")
        else:
            (root / rel).unlink()  # an exercise dropped from the table: its stub goes too
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale files; exit 1 if any")
    args = parser.parse_args(argv)
    try:
        if args.check:
            diff = stale()
            for rel in diff:
                print(f"stale: {rel} (run `make stubs`)")
            return 1 if diff else 0
        changed = write_all()
    except ValueError as error:
        print(f"make stubs: {error}", file=sys.stderr)
        return 2
    print("\n".join(f"wrote {rel}" for rel in changed) or "everything generated is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
