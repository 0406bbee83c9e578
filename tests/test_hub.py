"""A class on JupyterHub, lived in Chromium (issue 25): `make hub`'s set-up, two roles, one round trip.

The test prepares a class with autograder/hub/class_hub.py (real local accounts for an
instructor and two students, the shared nbgrader exchange, the published assignment),
starts JupyterHub with its proxy, and then, in the browser:
1. a student logs in, sees the Assignments tab and no formgrader, fetches the
   assignment, solves exercise 1 in JupyterLab's editor, checks it (full marks) and
   submits;
2. the instructor logs in, sees formgrader and no Assignments tab; formgrader inside
   JupyterLab is blocked by JupyterHub's content-security policy (frame-ancestors 'none',
   as nbgrader's users report), so the instructor opens it in its own browser tab, as
   README says; collects and autogrades with the course's commands in a JupyterLab
   terminal (the course's grader, in the sandbox); sees the score in formgrader's
   gradebook and releases the feedback with formgrader's button;
3. the student fetches the feedback from the Assignments tab and opens it: the score.
Screenshots: artifacts/hub-*.png. It also checks what the roles cannot do: a student's
server has no formgrader, and a student cannot read the instructor's or another
student's home.

Needs root (accounts), bubblewrap, Chromium and Node.js/npm (JupyterHub's proxy, from the
npm registry); skipped without them. Accounts are named ll-*, made and removed here.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO
from linear_checks.exercises import TOTAL_POINTS
from test_browser import CHROMIUM_ARGS, _free_port, _stop
from test_user_paths import CHECK_CELL, _need_chromium, _panel, _shot, _solution_text, _wait_for

pytestmark = pytest.mark.slow

HUB = REPO / "autograder" / "hub"
sys.path.insert(0, str(HUB))
import class_hub  # noqa: E402

INSTRUCTOR, STUDENTS = "ll-teacher", ["ll-alice", "ll-bob"]
STUDENT = STUDENTS[0]


def _need_machine() -> None:
    if os.geteuid() != 0:
        pytest.skip("the hub test creates accounts: run as root")
    for tool in ("bwrap", "useradd", "setpriv", "make"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    if not class_hub.PROXY.exists() and shutil.which("npm") is None:
        pytest.skip("Node.js/npm is not installed (JupyterHub's proxy comes from the npm registry)")


@pytest.fixture(scope="module")
def hub():
    """A prepared class and a running JupyterHub: yields (base URL, passwords, settings)."""
    _need_machine()
    _need_chromium()
    # This machine's Python may sit under a folder other accounts cannot pass (/root): let them
    # pass for the test (search only, no listing), as the set-up's error message tells an admin.
    python = Path(sys.prefix, "bin", "python")
    opened = []
    while (blocked := class_hub.blocking_folder(python)) is not None:
        opened.append((blocked, blocked.stat().st_mode))
        blocked.chmod(blocked.stat().st_mode | stat.S_IXOTH)
    hub_dir = Path(tempfile.mkdtemp(prefix="linear-layers-hub-"))  # in /tmp: every account can pass
    port = _free_port()
    log = hub_dir / "jupyterhub.log"
    server = None
    try:
        prepare = subprocess.run(
            [sys.executable, str(HUB / "class_hub.py"), "prepare", "--hub-dir", str(hub_dir), "--port", str(port),
             "--instructor", INSTRUCTOR, "--students", " ".join(STUDENTS)],
            text=True, capture_output=True, timeout=300)
        assert prepare.returncode == 0, prepare.stdout + prepare.stderr
        passwords = dict(line.split() for line in (hub_dir / "passwords").read_text().splitlines())
        settings = json.loads((hub_dir / class_hub.SETTINGS).read_text())
        with open(log, "wb") as out:
            server = subprocess.Popen([sys.prefix + "/bin/jupyterhub", "-f", str(HUB / "jupyterhub_config.py")],
                                      cwd=hub_dir, env={**os.environ, "LINEAR_HUB_DIR": str(hub_dir)},
                                      stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/hub/login", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterHub did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.3)
        yield base, passwords, settings
    finally:
        if server is not None:
            _stop(server)
        subprocess.run([sys.executable, str(HUB / "class_hub.py"), "remove", "--hub-dir", str(hub_dir)],
                       capture_output=True, timeout=120)
        for folder, mode in reversed(opened):
            folder.chmod(mode)
        if log.exists():
            shutil.copy2(log, REPO / "artifacts" / "hub-jupyterhub.log") if (REPO / "artifacts").is_dir() else None


def _home(user: str) -> Path:
    return Path(pwd.getpwnam(user).pw_dir)


def _log_in(browser, base: str, user: str, password: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{base}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", password)
    page.click("#login_submit")
    page.wait_for_url(re.compile(rf".*/user/{re.escape(user)}/lab.*"), timeout=120_000)
    page.locator(".jp-LabShell").wait_for()
    page.locator("#jp-main-dock-panel .lm-TabBar-tab").first.wait_for()
    return context, page


def _nbgrader_menu(page) -> list[str]:
    page.get_by_role("menuitem", name="Nbgrader", exact=True).click()
    labels = [t for t in page.locator(".lm-Menu-itemLabel").all_inner_texts() if t.strip()]
    return labels


def _assignments(page):
    """Nbgrader > Assignment List: the student's Assignments panel."""
    assert "Formgrader" not in _nbgrader_menu(page)
    page.get_by_role("menuitem", name="Assignment List", exact=True).click()
    _, panel = _panel(page, "Assignments")
    panel.get_by_text("Released assignments").wait_for()
    return panel


def _as_user(user: str, *cmd: str) -> subprocess.CompletedProcess:
    entry = pwd.getpwnam(user)
    return subprocess.run(["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--init-groups", *cmd],
                          capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "HOME": entry.pw_dir})


def test_a_class_on_jupyterhub(hub):
    base, passwords, settings = hub
    from playwright.sync_api import expect, sync_playwright

    timings, start = {}, time.monotonic()
    solved = _solution_text()
    student_home = _home(STUDENT)
    exercise = student_home / "linear_layers" / "linear_exercises" / "manual_linear.py"

    # What the roles cannot do, on the file system: homes are private, and so are the hub's secrets.
    for other in (INSTRUCTOR, STUDENTS[1]):
        denied = _as_user(STUDENT, "ls", str(_home(other)))
        assert denied.returncode != 0 and "Permission denied" in denied.stderr, denied
    hub_dir = Path(settings["hub_dir"])
    for secret in ("passwords", "jupyterhub.sqlite", "jupyterhub_cookie_secret"):
        denied = _as_user(STUDENT, "head", "-c", "1", str(hub_dir / secret))
        assert denied.returncode != 0 and "Permission denied" in denied.stderr, (secret, denied)
    assert not (Path(settings["course"]) / "autograder" / "source" / "linear_layers" / "linear_exercises"
                / "manual_linear.py").read_text().count("torch.addmm")  # source/ holds stubs only

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_need_chromium(), headless=True, args=CHROMIUM_ARGS)
        try:
            # 1. The student: fetch, solve exercise 1, check it, submit.
            t = time.monotonic()
            context, page = _log_in(browser, base, STUDENT, passwords[STUDENT])
            assert page.goto(f"{base}/user/{STUDENT}/formgrader").status == 404  # no formgrader on a student's server
            page.goto(f"{base}/user/{STUDENT}/lab")
            page.locator(".jp-LabShell").wait_for()
            panel = _assignments(page)
            released = panel.locator("#released_assignments_list")
            released.get_by_role("button", name="Fetch").click()
            fetched = panel.locator("#fetched_assignments_list")
            expect(fetched).to_contain_text("linear_layers")
            _shot(page, "hub-1-student-fetched.png")
            _wait_for(exercise.exists, 15, "the fetched assignment in the student's home")
            assert exercise.stat().st_uid == pwd.getpwnam(STUDENT).pw_uid
            timings["student fetch"] = time.monotonic() - t

            t = time.monotonic()
            page.goto(f"{base}/user/{STUDENT}/lab/tree/linear_layers/linear_exercises/manual_linear.py")
            _, editor_panel = _panel(page, "manual_linear.py")
            editor = editor_panel.locator(".jp-FileEditor .cm-content")
            expect(editor).to_contain_text("NotImplementedError")
            editor.click()
            page.keyboard.press("Control+a")
            page.keyboard.insert_text(solved)
            expect(editor).to_contain_text("torch.addmm(bias, rows, weight.T)")
            page.keyboard.press("Control+s")
            _wait_for(lambda: exercise.read_text(encoding="utf-8") == solved, 15, "the editor to save the file")

            page.goto(f"{base}/user/{STUDENT}/lab/tree/linear_layers/linear_layers.ipynb")
            _, notebook = _panel(page, "linear_layers.ipynb")
            notebook.locator(".jp-Cell").first.wait_for()
            expect(page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle")).first).to_be_visible(
                timeout=60_000)
            notebook.locator(".jp-Cell").first.click()
            page.keyboard.press("Escape")
            page.keyboard.press("a")  # a new cell above the first one
            page.keyboard.press("Enter")
            page.keyboard.insert_text(CHECK_CELL)
            page.keyboard.press("Control+Enter")
            output = notebook.locator(".jp-CodeCell").first.locator(".jp-OutputArea")
            expect(output).to_contain_text("4 / 4 points", timeout=120_000)
            _shot(page, "hub-2-student-checked.png")
            timings["student solve and check"] = time.monotonic() - t

            t = time.monotonic()
            panel = _assignments(page)
            panel.locator("#fetched_assignments_list").get_by_role("button", name="Submit").click()
            submitted = panel.locator("#submitted_assignments_list")
            expect(submitted).to_contain_text("linear_layers", timeout=60_000)
            _shot(page, "hub-3-student-submitted.png")
            context.close()
            timings["student submit"] = time.monotonic() - t

            # 2. The instructor: formgrader only in its own tab; collect and autograde in a terminal.
            t = time.monotonic()
            context, page = _log_in(browser, base, INSTRUCTOR, passwords[INSTRUCTOR])
            menu = _nbgrader_menu(page)
            assert "Formgrader" in menu and "Assignment List" not in menu, menu
            blocked = []
            page.on("console", lambda message: blocked.append(message.text) if "frame-ancestors" in message.text else None)
            page.get_by_role("menuitem", name="Formgrader", exact=True).click()
            for _ in range(100):  # Playwright delivers console messages while it waits, not in time.sleep
                if blocked:
                    break
                page.wait_for_timeout(200)
            assert blocked, "formgrader's frame in JupyterLab was not blocked: README's advice (its own tab) is out of date"
            _shot(page, "hub-4-instructor-formgrader-frame-blocked.png")

            page.goto(f"{base}/user/{INSTRUCTOR}/lab")
            page.locator(".jp-LauncherCard", has_text="Terminal").first.click()
            terminal = page.locator(".jp-Terminal").first
            terminal.wait_for()
            time.sleep(1)  # the shell's prompt
            terminal.click()
            done = Path(settings["course"]) / "grading.done"
            page.keyboard.type("cd ~/linear-layers && make collect autograde JOBS=1 2>&1 | tee grading.log; echo ${PIPESTATUS[0]} > grading.done\n")
            try:
                _wait_for(done.exists, 300, "make collect autograde in the instructor's terminal")
            finally:
                _shot(page, "hub-5-instructor-terminal-graded.png")
            grading_log = (Path(settings["course"]) / "grading.log").read_text()
            assert done.read_text().strip() == "0", grading_log
            assert "collect: 1 submission(s)" in grading_log, grading_log
            assert "autograde: 1 of 1 submission(s) graded" in grading_log, grading_log
            timings["instructor collect and autograde"] = time.monotonic() - t

            t = time.monotonic()
            page.goto(f"{base}/user/{INSTRUCTOR}/formgrader/manage_students")
            row = page.locator("table tbody tr", has_text=STUDENT).first
            expect(row).to_contain_text(f"4 / {TOTAL_POINTS:g}")
            assert "None" not in row.inner_text(), row.inner_text()  # named by the id (formgrader_names)
            _shot(page, "hub-6-instructor-students.png")
            page.goto(f"{base}/user/{INSTRUCTOR}/formgrader/manage_assignments")
            row = page.locator("tr", has_text="linear_layers").first
            row.locator(".release-feedback a").click()
            expect(page.locator("#success-modal")).to_be_visible(timeout=60_000)
            _shot(page, "hub-7-instructor-feedback-released.png")
            context.close()
            timings["instructor release feedback"] = time.monotonic() - t

            # 3. The student fetches the feedback and reads the score.
            t = time.monotonic()
            context, page = _log_in(browser, base, STUDENT, passwords[STUDENT])
            panel = _assignments(page)
            submitted = panel.locator("#submitted_assignments_list")
            submitted.get_by_role("button", name="Fetch Feedback").click()
            pages = lambda: sorted((student_home / "linear_layers" / "feedback").glob("*/linear_layers.html"))
            _wait_for(lambda: bool(pages()), 60, "the feedback in the student's folder")
            fetched_page = pages()[-1].relative_to(student_home)
            # Opened as a student would from the file browser: JupyterLab's HTML viewer.
            page.goto(f"{base}/user/{STUDENT}/lab/tree/{urllib.parse.quote(fetched_page.as_posix())}")
            _, viewer = _panel(page, "linear_layers.html")
            feedback = viewer.frame_locator("iframe")
            expect(feedback.locator("body")).to_contain_text(re.compile(rf"\b4(\.0)?\s*/\s*{TOTAL_POINTS:g}(\.0)?\b"),
                                                             timeout=30_000)
            _shot(page, "hub-8-student-feedback.png")
            context.close()
            timings["student feedback"] = time.monotonic() - t
        finally:
            browser.close()
    timings["total"] = time.monotonic() - start
    print("timings: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()))
