"""A planted class goes through collect --zip, autograde and report: the report finds what was planted.

The class (built in a copy of the course, from the reference solutions):
- one student per misconception of the catalogue (two for TWICE), each handing in the reference with
  the wrong-implementation file that declares it (tests/wrong_implementations/);
- two near-copies: one student's own exercise 1 (tests/planted_class/near_copy_a.py), and
  the same code from a second student with its names, comments and messages changed and
  a line added;
- one honest student with an independent exercise 1 (tests/planted_class/honest.py);
- one whose exercise 1 never returns (time-outs), one whose exercise 2 ends its process
  (a crash), one who handed in no manual_linear.py and one broken archive (grading notes).

The report's counts must equal what was planted, the near-copies rank first among the
similar pairs and the honest student is in none; every grading draws new inputs (the seed
stored with the grade replays them), and two students with the same mistake see different
ones. Chromium opens the report; screenshots go to artifacts/.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import REPO, SOLUTIONS, load_course

pytestmark = pytest.mark.slow
WRONG = REPO / "tests" / "wrong_implementations"
PLANTED = REPO / "tests" / "planted_class"
ARTIFACTS = REPO / "artifacts"
FILES = {"manual_linear": "manual_linear.py", "param_count": "param_count.py"}
RENAMES = {"_check_shapes": "_validate", "inp": "t", "w": "mat", "b": "offset", "n_out": "rows_out", "n_in": "cols_in",
           "flat": "batch", "result": "y", "limit": "a"}


def _declared(path: Path) -> dict:
    """TARGET and MISCONCEPTION of a corpus file, read without running it."""
    found = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign):
            names = [getattr(t, "id", "") for t in getattr(node.targets[0], "elts", [node.targets[0]])]
            if set(names) <= {"TARGET", "MUST_MENTION", "MISCONCEPTION"}:
                values = ast.literal_eval(node.value)
                found.update(zip(names, values if len(names) > 1 else [values]))
    return found


def near_copy(code: str) -> str:
    """What a student who copied makes of code: other names, other comments and messages, one line more."""
    for old, new in RENAMES.items():
        code = re.sub(rf"\b{re.escape(old)}\b", new, code)
    code = re.sub(r"#(?! noqa).*", "# checked", code)
    code = code.replace("should be 2-D, it is", "must be a matrix, got").replace("but weight has", "vs weight")
    return code.replace("    return y.reshape(", "    y = y.contiguous()\n    return y.reshape(")


def _package(extra: dict[str, str]) -> dict[str, bytes]:
    """The reference exercise files, with code appended to some (file name -> code)."""
    files = {}
    for path in sorted((SOLUTIONS / "linear_exercises").glob("*.py")):
        if path.name in ("__init__.py", "exercises.py", "__main__.py"):
            continue
        code = path.read_text()
        if path.name in extra:
            code += "\n\n# --- appended by the planted-class test ---\n" + extra[path.name]
        files[f"linear_exercises/{path.name}"] = code.encode()
    return files


TWICE = "weight_transposed"  # the one mistake planted in two students: the seed test compares their inputs


def planted_class() -> tuple[dict[str, dict[str, bytes]], dict[str, list[str]]]:
    """{student: files}, and {misconception: the students planted with it}."""
    students, planted = {}, {}
    for path in sorted(WRONG.glob("*.py")):
        declared = _declared(path)
        if not declared.get("MISCONCEPTION"):
            continue
        key = declared["MISCONCEPTION"]
        for i in range(2 if key == TWICE else 1):
            sid = f"m-{path.stem.replace('_', '-')}-{i}"  # two corpus files may plant one misconception
            students[sid] = _package({declared["TARGET"]: path.read_text()})
            planted.setdefault(key, []).append(sid)
    own = (PLANTED / "near_copy_a.py").read_text()
    students["copy-a"] = _package({"manual_linear.py": own})
    students["copy-b"] = _package({"manual_linear.py": near_copy(own)})
    students["honest"] = _package({"manual_linear.py": (PLANTED / "honest.py").read_text()})
    students["slow"] = _package({"manual_linear.py": "def manual_linear(x, weight, bias=None):\n    while True:\n"
                                                     "        pass\n"})
    students["crash"] = _package({"param_count.py": "import os\n\ndef linear_param_count(*args, **kwargs):\n"
                                                    "    os._exit(3)\n"})
    missing = _package({})
    del missing["linear_exercises/manual_linear.py"]
    students["missing"] = missing
    return students, planted


@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    course = load_course().assign.copy_course(tmp_path_factory.mktemp("course"))

    def run(*args: str) -> str:
        proc = subprocess.run([sys.executable, str(course / "course.py"), *args], text=True, capture_output=True,
                              timeout=1200)
        assert proc.returncode == 0, f"course.py {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
        return proc.stdout

    run("release")
    notebook = (course / "release" / "linear_layers" / "linear_layers.ipynb").read_bytes()
    downloads = course.parent / "downloads"
    downloads.mkdir()
    students, planted = planted_class()
    for sid, files in students.items():
        with zipfile.ZipFile(downloads / f"{sid}.zip", "w") as archive:
            archive.writestr("linear_layers/linear_layers.ipynb", notebook)
            for rel, data in files.items():
                archive.writestr(f"linear_layers/{rel}", data)
    (downloads / "broken.zip").write_bytes(b"PK\x03\x04 not really an archive")
    out = run("collect", "--zip", str(downloads))
    out += run("autograde", "--jobs", "2")
    out += run("report")
    page = (course / "class_report.html").read_text(encoding="utf-8")
    return course, page, students, planted, out, run


def _rows(page: str, attribute: str) -> dict[str, int]:
    """The report's table rows tagged with data-<attribute>="..." and their data-count / data-failed number."""
    return {m.group(1): int(m.group(2)) for m in
            re.finditer(rf'<tr data-{attribute}="([^"]+)" data-(?:count|failed)="(\d+)"', page)}


def test_the_report_counts_every_planted_misconception_and_no_other(reported):
    _, page, _, planted, out, _ = reported
    assert "report: autograder/class_report.html" in out, out
    assert _rows(page, "misconception") == {key: len(ids) for key, ids in planted.items()}
    section = page[page.index('id="misconceptions"'):page.index('id="timeouts"')]
    for key, ids in planted.items():
        assert all(sid in section for sid in ids), key


def test_the_near_copies_rank_first_and_the_honest_student_is_in_no_pair(reported):
    _, page, *_ = reported
    section = page[page.index('id="similarity"'):]
    pairs = re.findall(r'data-pair="([^"]+)"', section)
    assert pairs and pairs[0] == "copy-a copy-b", pairs
    assert not any("honest" in pair.split() for pair in pairs), pairs


def test_time_outs_crashes_and_grading_notes_are_listed(reported):
    _, page, *_ = reported
    timeouts = page[page.index('id="timeouts"'):page.index('id="notes"')]
    assert re.search(r"slow.*?timeout", timeouts, re.S) and re.search(r"crash.*?crashed", timeouts, re.S)
    notes = page[page.index('id="notes"'):page.index('id="similarity"')]
    assert "missing" in notes and "manual_linear.py was not handed in" in notes
    assert "broken" in notes and "could not be read" in notes


def test_every_grading_draws_new_inputs_and_the_stored_seed_replays_them(reported):
    """variants.py: a fresh seed at each grading, stored with the grade; the checks run with it again (pytest
    --seed, here run_checks) say exactly what the instructor's record says."""
    from linear_checks.runner import run_checks

    course, _, _, planted, _, run = reported
    records = {p.stem: json.loads(p.read_text()) for p in (course / "results").glob("*.json")}
    graded = json.loads((course / "graded.json").read_text())
    assert all(0 <= r["seed"] < 2 ** 56 for r in records.values())
    assert len({r["seed"] for r in records.values()}) == len(records)
    assert all(graded[sid]["seed"] == r["seed"] for sid, r in records.items() if sid in graded)

    def record(sid: str) -> dict:
        return json.loads((course / "results" / f"{sid}.json").read_text())

    def messages(sid: str) -> list[str]:
        return [c["message"] for e in record(sid)["exercises"] for c in e["checks"] if c["hidden"] and not c["passed"]]

    first, second = planted[TWICE]
    before, seed = messages(first), record(first)["seed"]
    assert before and before != messages(second)  # the same mistake, other inputs (random sizes in the messages)
    run("autograde", "--jobs", "1", "--force", "--student", first)
    assert record(first)["seed"] != seed and messages(first) != before  # resubmitting asks other questions
    replay = run_checks(package_root=course / "submitted" / first / "linear_layers", hidden=True,
                        seed=record(first)["seed"])
    assert [c.message for r in replay for c in r.checks if c.hidden and not c.passed] == messages(first)


def test_the_report_opens_in_chromium(reported):
    from test_user_paths import _need_chromium

    chromium = _need_chromium()
    from playwright.sync_api import sync_playwright

    from test_browser import CHROMIUM_ARGS

    course, *_ = reported
    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("request", lambda req: errors.append(f"fetched {req.url}") if not req.url.startswith(
            ("file:", "data:")) else None)
        page.goto((course / "class_report.html").as_uri())
        images = page.eval_on_selector_all("img", "els => els.map(e => e.complete && e.naturalWidth > 0)")
        assert images and all(images), "a plot did not load"
        page.screenshot(path=str(ARTIFACTS / "class_report.png"), full_page=True)
        for section in ("scores", "checks", "misconceptions", "similarity"):
            page.locator(f"#{section}").screenshot(path=str(ARTIFACTS / f"class_report_{section}.png"))
        browser.close()
    assert not errors, errors
