"""Attempts to get points without doing the work all get 0 (see tests/tampering/README.md).

Each attempt runs against a private copy of autograder/checks, so one that managed to
edit the shipped checks could not spoil the repository; the test also requires that the
copy's files are unchanged afterwards.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import REPO, copy_solutions, load_by_path
from test_wrong_implementations import _declared

CORPUS = sorted((Path(__file__).parent / "tampering").glob("*.py"))


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*.py"))}


@pytest.fixture(scope="module")
def private_runner(tmp_path_factory):
    checks = tmp_path_factory.mktemp("checks") / "checks"
    shutil.copytree(REPO / "autograder" / "checks", checks, ignore=shutil.ignore_patterns("__pycache__"))
    return load_by_path("linear_checks_runner_private", checks / "runner.py"), checks


@pytest.fixture(scope="module", params=["own process", "check server"])
def attempts(request, private_runner, tmp_path_factory, make_stubs):
    """{file name: ExerciseResult} for every attempt, each appended to a fresh copy of the stubs.

    Run twice: with child.py started per run (self-check), and forked from a check
    server (how the class grader runs them).
    """
    runner, checks = private_runner
    server = None
    if request.param == "check server":
        socket_path = str(tmp_path_factory.mktemp("srv") / "s")
        server = runner.start_server(socket_path)
        os.environ["LINEAR_CHECKS_SERVER"] = socket_path
        request.addfinalizer(lambda: (os.environ.pop("LINEAR_CHECKS_SERVER", None), server.kill(), server.wait()))
    table = {e.module: e.key for e in runner._exercise_table(REPO / "solutions")}

    def grade(path: Path):
        target, _ = _declared(path)
        root = tmp_path_factory.mktemp(path.stem)
        make_stubs.write(root / "linear_exercises")
        module = root / "linear_exercises" / target
        module.write_text(module.read_text() + "\n\n# --- tampering appended by the test ---\n" + path.read_text())
        return path.name, runner.run_checks([table[target]], package_root=root, hidden=True, timeout=60)[0]

    before = _digest(checks)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(pool.map(grade, CORPUS))
    assert _digest(checks) == before, "an attempt changed the checks' files"
    assert all(r.on_server == (server is not None) for r in results.values()), "the check server was not used"
    return results


def test_corpus_is_not_empty():
    assert len(CORPUS) >= 12


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_attempt_gets_no_points(path, attempts, private_runner):
    runner, _ = private_runner
    _, must_mention = _declared(path)
    result = attempts[path.name]
    report = runner.format_report([result])
    assert result.score == 0, f"{path.name} got points:\n{report}"
    assert must_mention in report, f"the feedback for {path.name} does not mention {must_mention!r}:\n{report}"


def test_tampering_costs_only_the_exercise_that_did_it(private_runner, tmp_path):
    """A monkeypatch in one file zeroes that exercise; honest work in the others keeps its points."""
    runner, _ = private_runner
    root = copy_solutions(tmp_path)
    module = root / "linear_exercises" / "manual_linear.py"
    module.write_text(module.read_text() + "\n\ntorch.allclose = lambda *a, **k: True\n")
    results = {r.key: r for r in runner.run_checks(package_root=root, hidden=True, timeout=60)}
    report = runner.format_report(list(results.values()))
    assert results["manual_linear"].score == 0 and "torch.allclose" in report, report
    for key in ("param_count", "init", "weight_viz", "low_rank"):
        assert results[key].score == results[key].points, report
