"""Write the student package linear_exercises/ from the reference solutions.

solutions/linear_exercises/ is the one source of truth. Every block between
`### BEGIN SOLUTION` and `### END SOLUTION` is replaced by a `raise NotImplementedError`
whose message names the exercise, the function and the file to edit; everything else
is copied as it is. `make stubs` runs this; tests/test_stubs.py fails when the
committed stubs differ from what it would write.

    python tools/make_stubs.py                 # rewrite ./linear_exercises
    python tools/make_stubs.py --out DIR       # write DIR/linear_exercises instead
    python tools/make_stubs.py --check         # exit 1 if ./linear_exercises is stale
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "solutions" / "linear_exercises"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def _exercise_labels() -> dict[str, str]:
    """module file name -> "Exercise N (key)", from solutions/linear_exercises/exercises.py."""
    spec = importlib.util.spec_from_file_location("_exercise_table", SOURCE / "exercises.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return {e.module: e.label for e in module.EXERCISES}


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


def stub_source(text: str, filename: str, label: str | None) -> str:
    """The student version of one solution file."""
    lines = text.splitlines(keepends=True)
    tree = ast.parse(text, filename=filename)
    out, inside = [], False
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ValueError(f"{filename}:{number}: nested {BEGIN}")
            if label is None:
                raise ValueError(f"{filename}:{number}: solution block in a file that is no exercise")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            function = _enclosing_function(tree, number)
            where = f"{function}() in linear_exercises/{filename}" if function else f"linear_exercises/{filename}"
            out.append(f'{indent}# TODO: your code here (replace the raise below)\n')
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


def build(out_dir: Path) -> dict[str, str]:
    """All stub files as {relative path: text}."""
    labels = _exercise_labels()
    files = {}
    for path in sorted(SOURCE.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        rel = path.relative_to(SOURCE).as_posix()
        files[rel] = stub_source(path.read_text(encoding="utf-8"), rel, labels.get(rel))
    return files


def write(out_dir: Path) -> None:
    files = build(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    for rel, text in files.items():
        target = out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def stale(out_dir: Path) -> list[str]:
    """Files of out_dir that differ from what build() would write (missing and extra included)."""
    want = build(out_dir)
    have = {p.relative_to(out_dir).as_posix(): p.read_text(encoding="utf-8")
            for p in out_dir.rglob("*.py") if "__pycache__" not in p.parts} if out_dir.exists() else {}
    return sorted(k for k in set(want) | set(have) if want.get(k) != have.get(k))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT, help="folder to write linear_exercises/ into")
    parser.add_argument("--check", action="store_true", help="only report stale files; exit 1 if any")
    args = parser.parse_args(argv)
    target = args.out / "linear_exercises"
    if args.check:
        diff = stale(target)
        for rel in diff:
            print(f"stale: linear_exercises/{rel} (run `make stubs`)")
        return 1 if diff else 0
    write(target)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
