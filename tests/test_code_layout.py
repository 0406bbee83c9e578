"""The code stays followable: no import circle among the course's modules, small modules, a thin CLI."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

COURSE = REPO / "autograder"


def _modules() -> dict[str, Path]:
    """Dotted name -> file, for autograder/*.py, the linear_checks package and the student package."""
    mods = {p.stem: p for p in COURSE.glob("*.py")}
    for package, folder in (("linear_checks", COURSE / "linear_checks"), ("linear_exercises", REPO / "linear_exercises")):
        for p in folder.glob("*.py"):
            mods[package if p.stem == "__init__" else f"{package}.{p.stem}"] = p
    return mods


def _imports(name: str, path: Path, mods: dict[str, Path]) -> set[str]:
    """The course modules this one imports, function-level imports included."""
    package = name if path.stem == "__init__" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            module = (package + (f".{node.module}" if node.module else "")) if node.level else node.module
            submodules = {f"{module}.{alias.name}" for alias in node.names} & mods.keys()
            found |= submodules if len(submodules) == len(node.names) else submodules | {module}
    return {m for m in found if m in mods and m != name}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles, done = [], set()

    def visit(node, stack):
        for dep in sorted(graph[node]):
            if dep in stack:
                cycles.append(stack[stack.index(dep):] + [dep])
            elif dep not in done:
                visit(dep, stack + [dep])
        done.add(node)

    for node in sorted(graph):
        visit(node, [node])
    return cycles


def test_no_import_circle():
    mods = _modules()
    graph = {name: _imports(name, path, mods) for name, path in mods.items()}
    assert _cycles(graph) == []
    assert not any(dep.startswith("linear_exercises") for name, deps in graph.items()
                   if name.startswith("linear_checks") for dep in deps), "the checks must not import the student's package"
    assert [name for name, deps in graph.items() if "course" in deps] == [], "course.py is the CLI: nothing imports it"


def test_a_circle_is_found():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_modules_are_small_and_the_cli_only_dispatches():
    sizes = {p.relative_to(REPO).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
             for p in [*COURSE.glob("*.py"), *(COURSE / "linear_checks").glob("*.py")]}
    assert {path: n for path, n in sizes.items() if n > 450} == {}
    assert sizes["autograder/course.py"] < 200
