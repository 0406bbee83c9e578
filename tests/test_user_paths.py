"""Both user paths, end to end in Chromium (issue 10).

Student path: a fresh release is built in a copy of the course (assign.copy_course()),
JupyterLab is started with its root in the student's folder (release/linear_layers/),
and in the browser a lesson and the graded notebook are run from top to bottom on the
stubs; then exercise 1 is solved in JupyterLab's file editor (the reference solution's
text, markers stripped, inserted into the editor and saved with Ctrl+S) and checked from
a notebook cell: full marks, and the line that names the copy that was checked.

Instructor path: a small fake class is graded in another copy of the course (release,
class list, collect --zip, autograde, export), then `make lab` is started in that copy
(the repository's Makefile, nbgrader_config.py and pyproject.toml copied next to it,
VENV pointing at this environment) and formgrader is opened in Chromium: the assignment,
the students with their scores and names, no server error, no stray gradebook.

Screenshots go to artifacts/student-path-*.png and artifacts/instructor-path-*.png.
Needs Chromium (Debian: `apt-get install chromium`); skipped when it is absent.
"""

from __future__ import annotations

import csv
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from conftest import REPO, load_course
from linear_checks.exercises import TOTAL_POINTS
from test_browser import CHROMIUM_ARGS, _chromium, _free_port, _run_all, _stop, _wait_for_server

pytestmark = pytest.mark.slow

ARTIFACTS = REPO / "artifacts"
VENV = REPO / ".venv"
SOLUTION = REPO / "solutions" / "linear_exercises"
LESSON = "01_what_a_linear_layer_computes.ipynb"
GRADED = "linear_layers.ipynb"
CHECK_CELL = 'from linear_exercises import check; check("manual_linear")'


# -- helpers ----------------------------------------------------------------------------------
def _need_chromium() -> str:
    chromium = _chromium()
    if chromium is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium); the user-path tests need a browser")
    return chromium


def _course_env() -> dict[str, str]:
    env = {**os.environ, "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]),
           "LINEAR_COURSE_OFFLINE": "1"}
    env.pop("PYTHONPATH", None)  # the student's folder must be what the kernel imports, nothing else
    env.pop("MPLBACKEND", None)
    return env


def _course(course: Path, *args: str, timeout: float = 600) -> str:
    proc = subprocess.run([sys.executable, str(course / "course.py"), *args], env=_course_env(), text=True,
                          capture_output=True, timeout=timeout)
    assert proc.returncode == 0, f"course.py {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _copy_with_release(top: Path) -> Path:
    """A copy of the course under top (with the shipped datasets, as in the repository) and its fresh release."""
    course = load_course().assign.copy_course(top)
    if (REPO / "datasets").is_dir():
        shutil.copytree(REPO / "datasets", top / "datasets")
    _course(course, "release")
    return course


def _lab_settings(tmp_path: Path) -> Path:
    """Our own JupyterLab user settings: no news pop-up; every cell in the DOM (no windowing)."""
    settings = tmp_path / "lab-settings"
    for rel, text in {"@jupyterlab/apputils-extension/notification.jupyterlab-settings": '{"fetchNews": "false"}',
                      "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": '{"windowingMode": "none"}'}.items():
        (settings / rel).parent.mkdir(parents=True, exist_ok=True)
        (settings / rel).write_text(text, encoding="utf-8")
    return settings


def _jupyter_env(tmp_path: Path) -> dict[str, str]:
    return {**_course_env(),
            "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
            "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),  # ignore the user's Jupyter settings
            "JUPYTERLAB_SETTINGS_DIR": str(_lab_settings(tmp_path)),
            "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
            "BROWSER": "true"}


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def _panel(page, name: str):
    """The main-area widget whose tab is labelled name (the tab's data-id is the widget's id)."""
    tab = page.locator("#jp-main-dock-panel .lm-TabBar-tab", has_text=name).first
    tab.wait_for()
    widget_id = tab.get_attribute("data-id")
    assert widget_id, f"the tab of {name} has no data-id"
    return tab, page.locator(f"[id='{widget_id}']")


def _open_from_file_browser(page, *parts: str) -> None:
    """Double-click each name in JupyterLab's file browser: folders first, then the file (no page reload)."""
    for name in parts:
        item = page.locator(".jp-DirListing-content .jp-DirListing-item").filter(
            has=page.locator(".jp-DirListing-itemText", has_text=re.compile(rf"^{re.escape(name)}$")))
        item.first.dblclick()


def _wait_until_last_code_cell_ran(panel, expect, timeout_ms: int) -> str:
    """Wait until the last code cell has an execution count; returns it (Run All stops at an error)."""
    last = panel.locator(".jp-CodeCell").last.locator(".jp-InputPrompt")
    expect(last).to_have_text(re.compile(r"\[\d+\]"), timeout=timeout_ms)
    assert panel.locator(".jp-CodeCell .jp-InputPrompt", has_text="[*]").count() == 0
    return last.inner_text()


def _solution_text() -> str:
    """The reference solution of exercise 1 without its BEGIN/END SOLUTION marker lines."""
    lines = (SOLUTION / "manual_linear.py").read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(line for line in lines if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


# -- (a) the student path ------------------------------------------------------------------------
def test_student_path_in_a_fresh_release_folder(tmp_path):
    chromium = _need_chromium()
    from playwright.sync_api import expect, sync_playwright

    start = time.monotonic()
    course = _copy_with_release(tmp_path / "course")
    folder = course / "release" / "linear_layers"
    for name in ("README.md", LESSON, GRADED, "linear_exercises/manual_linear.py", "linear_checks"):
        assert (folder / name).exists(), f"the release has no {name}"
    exercise = folder / "linear_exercises" / "manual_linear.py"
    assert "NotImplementedError" in exercise.read_text()
    solved = _solution_text()
    assert "BEGIN SOLUTION" not in solved and "def manual_linear" in solved
    timings = {"release": time.monotonic() - start}

    port, token = _free_port(), secrets.token_hex(16)
    log = tmp_path / "jupyterlab.log"
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip", "127.0.0.1",
           f"--port={port}", "--ServerApp.port_retries=0", f"--ServerApp.token={token}",
           f"--ServerApp.root_dir={folder}", f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
           "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    with open(log, "wb") as log_file:
        server = subprocess.Popen(cmd, cwd=folder, env=_jupyter_env(tmp_path), stdout=log_file,
                                  stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_server(f"{base}/api/status?token={token}", server, log)
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                str(tmp_path / "chromium-profile"), executable_path=chromium, headless=True,
                args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1000})
            try:
                page = context.pages[0] if context.pages else context.new_page()
                page.set_default_timeout(30_000)

                # 1. A lesson, Run All on the stubs: it reaches the end; cells that need an
                #    exercise say it is not done yet.
                t = time.monotonic()
                page.goto(f"{base}/lab/tree/{LESSON}?token={token}")
                _, lesson = _panel(page, LESSON)
                lesson.locator(".jp-Cell").first.wait_for()
                _run_all(page, lesson, expect)
                count = _wait_until_last_code_cell_ran(lesson, expect, 120_000)
                expect(lesson.locator(".jp-OutputArea-output", has_text="is not done yet").first).to_be_visible()
                waiting = lesson.locator(".jp-OutputArea-output", has_text="is not done yet").count()
                assert waiting >= 1
                assert lesson.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']",
                                      has_text="Traceback").count() == 0
                lesson.locator(".jp-CodeCell").last.scroll_into_view_if_needed()
                _shot(page, "student-path-1-lesson01-run-all.png")
                timings["lesson 01"] = time.monotonic() - t
                print(f"lesson 01: last code cell {count}, {waiting} output(s) say 'is not done yet'")

                # 2. The graded notebook, Run All on the stubs: it reaches its last cell.
                t = time.monotonic()
                _open_from_file_browser(page, GRADED)
                _, graded = _panel(page, GRADED)
                graded.locator(".jp-Cell").first.wait_for()
                _run_all(page, graded, expect)
                count = _wait_until_last_code_cell_ran(graded, expect, 150_000)
                graded.locator(".jp-Cell").last.scroll_into_view_if_needed()
                expect(graded).to_contain_text("0 / 4 points")  # exercise 1, not done yet
                _shot(page, "student-path-2-graded-run-all.png")
                timings["graded notebook"] = time.monotonic() - t
                print(f"{GRADED}: last code cell {count}")

                # 3. Exercise 1 solved in JupyterLab's file editor, saved with Ctrl+S.
                t = time.monotonic()
                _open_from_file_browser(page, "linear_exercises", "manual_linear.py")
                _, editor_panel = _panel(page, "manual_linear.py")
                editor = editor_panel.locator(".jp-FileEditor .cm-content")
                expect(editor).to_contain_text("NotImplementedError")
                editor.click()
                page.keyboard.press("Control+a")
                page.keyboard.insert_text(solved)  # one input event: no auto-indent, no closed brackets
                expect(editor).to_contain_text("torch.addmm(bias, rows, weight.T)")
                page.keyboard.press("Control+s")
                _wait_for(lambda: exercise.read_text(encoding="utf-8") == solved, 15, "the editor to save the file")
                page.keyboard.press("Control+Home")
                _shot(page, "student-path-3-editor-saved.png")
                timings["editor"] = time.monotonic() - t

                # 4. check("manual_linear") from a new cell at the end of the lesson: full marks,
                #    and the folder that was checked.
                t = time.monotonic()
                tab, lesson = _panel(page, LESSON)
                tab.click()
                expect(lesson).to_be_visible()
                lesson.locator(".jp-Cell").last.click()
                page.keyboard.press("Escape")
                page.keyboard.press("b")
                page.keyboard.press("Enter")
                page.keyboard.insert_text(CHECK_CELL)
                page.keyboard.press("Control+Enter")
                cell = lesson.locator(".jp-CodeCell").filter(
                    has=page.locator(".jp-InputArea", has_text='check("manual_linear")')).last
                output = cell.locator(".jp-OutputArea")
                expect(output).to_contain_text("4 / 4 points", timeout=120_000)
                expect(output).to_contain_text("Checking the files in linear_exercises/")
                text = output.inner_text()
                assert re.search(r"^Checking the files in linear_exercises/$", text, re.M), text
                assert "0 / 4" not in text, text
                cell.scroll_into_view_if_needed()
                _shot(page, "student-path-4-check-full-marks.png")
                timings["check"] = time.monotonic() - t
            finally:
                context.close()
    finally:
        _stop(server)
    server_log = log.read_text(errors="replace")
    assert not re.search(r"\b500 (GET|POST|PUT|PATCH|DELETE)\b", server_log), server_log[-3000:]
    timings["total"] = time.monotonic() - start
    print("timings: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()))


# -- (b) the instructor path -----------------------------------------------------------------------
STUDENTS = {  # student id -> exercise files solved, expected total
    "ada": (("manual_linear.py",), 4.0),
    "bob": ((), 0.0),
    "carol": (("manual_linear.py", "param_count.py"), 6.0),
}
CLASS_LIST = "id,first_name,last_name,email\nada,Ada,Lovelace,ada@example.org\n"


def _grade_fake_class(top: Path) -> Path:
    course = _copy_with_release(top)
    (top / "class.csv").write_text(CLASS_LIST, encoding="utf-8")
    assert "students: 1 from" in _course(course, "students", str(top / "class.csv"))
    downloads = top / "lms-download"
    downloads.mkdir()
    for student, (solved, _) in STUDENTS.items():
        folder = top / "students" / student / "linear_layers"
        shutil.copytree(course / "release" / "linear_layers", folder)
        for name in solved:
            shutil.copy2(SOLUTION / name, folder / "linear_exercises" / name)
        with zipfile.ZipFile(downloads / f"{student}_attempt_1.zip", "w") as archive:
            for path in folder.rglob("*"):
                if path.is_file():
                    archive.write(path, str(path.relative_to(folder.parent)))
    out = _course(course, "collect", "--zip", str(downloads))
    assert f"collect: {len(STUDENTS)} submission(s)" in out, out
    out = _course(course, "autograde", "--jobs", "1")
    assert f"autograde: {len(STUDENTS)} of {len(STUDENTS)} submission(s) graded" in out, out
    _course(course, "export")
    with open(course / "grades.csv", newline="") as f:
        scores = {row["student_id"]: float(row["score"]) for row in csv.DictReader(f)}
    assert scores == {s: total for s, (_, total) in STUDENTS.items()}, scores
    return course


def test_instructor_path_formgrader_in_make_lab(tmp_path):
    chromium = _need_chromium()
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    if not (VENV / "bin" / "jupyter").exists():
        pytest.skip("needs the course's .venv (make install)")
    from playwright.sync_api import expect, sync_playwright

    start = time.monotonic()
    top = tmp_path / "course"
    course = _grade_fake_class(top)
    timings = {"grading": time.monotonic() - start}
    for name in ("Makefile", "nbgrader_config.py", "pyproject.toml"):
        shutil.copy2(REPO / name, top / name)
    gradebooks_before = sorted(p.relative_to(top) for p in top.rglob("gradebook.db"))
    assert gradebooks_before == [Path("autograder/gradebook.db")], gradebooks_before

    port = _free_port()
    make = ["make", "lab", f"PORT={port}", f"VENV={VENV}"]
    env = _jupyter_env(tmp_path)
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep)
                                  if Path(p).resolve() != (VENV / "bin").resolve())  # make lab must provide it
    # make lab must go straight to JupyterLab: never reinstall the environment from the copy.
    dry = subprocess.run([*make, "-n"], cwd=top, env=env, text=True, capture_output=True, timeout=60)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    if "pip install" in dry.stdout:
        pytest.skip(f"{VENV}/.installed-stamp is older than pyproject.toml: make lab would reinstall (run make install)")
    # The PATH it gives the server starts with the environment's bin/ (formgrader runs alembic from it).
    path_entry = re.search(r'PATH="([^:"]+):', dry.stdout)
    assert path_entry and Path(path_entry.group(1), "alembic").exists(), (
        f"make lab puts {path_entry and path_entry.group(1)!r} first on PATH, which holds no alembic:\n{dry.stdout}")

    log = tmp_path / "make-lab.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(make, cwd=top, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline, token = time.monotonic() + 90, None
        while time.monotonic() < deadline and token is None:
            time.sleep(0.5)
            assert proc.poll() is None, f"make lab exited with {proc.returncode}:\n{log.read_text()[-3000:]}"
            found = re.search(rf"127\.0\.0\.1:{port}/\S*token=([0-9a-f]+)", log.read_text())
            if found:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={found.group(1)}",
                                                timeout=2) as response:
                        token = found.group(1) if response.status == 200 else None
                except OSError:
                    pass
        assert token, f"make lab did not come up:\n{log.read_text()[-3000:]}"
        timings["make lab up"] = time.monotonic() - start - timings["grading"]
        base = f"http://127.0.0.1:{port}"
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                str(tmp_path / "chromium-profile"), executable_path=chromium, headless=True,
                args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 900})
            try:
                page = context.pages[0] if context.pages else context.new_page()
                page.set_default_timeout(30_000)

                # Manage Assignments: the course's assignment, with its submissions.
                page.goto(f"{base}/formgrader?token={token}")
                row = page.locator("tr", has=page.locator("a", has_text=re.compile(r"^linear_layers$")))
                expect(row.first).to_be_visible()
                _shot(page, "instructor-path-1-assignments.png")
                assignments = page.locator("body").inner_text()
                assert "does not exist and could not be created" not in assignments, assignments[:500]  # exchange
                print("assignments page:", " | ".join(row.first.inner_text().split("\t")))

                # Manage Students: every graded student, a name (the class list's, else the id), a score.
                page.goto(f"{base}/formgrader/manage_students")
                table = page.locator("#main-table")
                for student in STUDENTS:
                    expect(table.locator("tr", has_text=student).first).to_be_visible()
                expect(table).to_contain_text("Lovelace, Ada")
                rows = {}  # student id -> [name, id, email, score, ...] as shown
                for row in table.locator("tr").all():  # #main-table is the tbody
                    texts = [c.strip() for c in row.locator("td").all_inner_texts()]
                    if len(texts) > 1:
                        rows[texts[1]] = texts
                assert sorted(rows) == sorted(STUDENTS), rows
                for student, (_, total) in STUDENTS.items():
                    assert f"{total:g} / {TOTAL_POINTS}" in rows[student], (student, rows[student])
                assert rows["ada"][0] == "Lovelace, Ada", rows
                for student in ("bob", "carol"):
                    assert rows[student][:3] == [student, student, ""], rows  # named by the id (formgrader_names)
                page_text = page.locator("body").inner_text()
                assert "None, None" not in page_text, page_text
                _shot(page, "instructor-path-2-students.png")
                print("students:", rows)

                # The assignment's submissions, as formgrader lists them for grading.
                page.goto(f"{base}/formgrader/manage_submissions/linear_layers")
                expect(page.locator("#main-table")).to_contain_text("Lovelace, Ada")
                _shot(page, "instructor-path-3-submissions.png")
                submissions = page.locator("body").inner_text()
                assert "None, None" not in submissions, submissions
                names = [name.strip() for name in page.locator("td.student-name").all_inner_texts()]
                assert sorted(names) == ["Lovelace, Ada", "bob", "carol"], names
            finally:
                context.close()
        assert "linear_layers" in assignments
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # make and the server it started (their own session)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    server_log = log.read_text(errors="replace")
    assert not re.search(r"\b500 (GET|POST|PUT|PATCH|DELETE)\b", server_log), server_log[-4000:]
    assert "Traceback" not in server_log, server_log[-4000:]
    assert not (top / "gradebook.db").exists(), "formgrader created a gradebook at the top of the course copy"
    assert sorted(p.relative_to(top) for p in top.rglob("gradebook.db")) == gradebooks_before
    timings["total"] = time.monotonic() - start
    print("timings: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()))
