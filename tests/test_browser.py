"""The transformation explorer works in a real browser.

Starts JupyterLab on a free local port, opens a copy of notebooks/02_geometry.ipynb in
headless Chromium (driven by Playwright), runs all cells, waits for the explorer's
sliders, presses ArrowRight on the w11 slider and checks that the determinant readout and
the plot change. A screenshot goes to artifacts/. The committed notebook is never opened
(the copy lives under artifacts/, which git ignores), so nothing the browser does can
write outputs into it.

Needs Chromium (Debian: `apt-get install chromium`); skipped when it is absent.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import REFERENCE

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "02_geometry.ipynb"
ARTIFACTS = REPO / "artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
EXPLORER = ".transformation-explorer"


def _chromium() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_server(url: str, proc: subprocess.Popen, log: Path, timeout: float = 45) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"JupyterLab exited with code {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"JupyterLab did not answer {url.split('?')[0]} within {timeout} s:\n{log.read_text()[-3000:]}")


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server started by this test, by its PID: SIGTERM first, SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run_all(page, panel, expect) -> None:
    """Run > Run All Cells in the notebook `panel` once its kernel is idle; again if the request was lost.

    Right after the kernel first reports idle, JupyterLab can still drop a Run All (the
    cells stay unnumbered), so this checks that the first code cell got a prompt number
    and retries a few times.
    """
    kernel_idle = page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle"))
    first_prompt = panel.locator(".jp-CodeCell .jp-InputPrompt").first
    for attempt in range(3):
        expect(kernel_idle.first).to_be_visible(timeout=60_000)
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        try:
            expect(first_prompt).to_have_text(re.compile(r"\[(\d+|\*)\]"), timeout=10_000)
            return
        except AssertionError:
            if attempt == 2:
                raise


@pytest.mark.slow
def test_transformation_explorer_responds_in_chromium(tmp_path):
    chromium = _chromium()
    if chromium is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium); "
                    "the browser test needs a real browser")
    from playwright.sync_api import expect, sync_playwright

    committed = _digest(NOTEBOOK)
    work = ARTIFACTS / "browser-test"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    shutil.copy2(NOTEBOOK, work / NOTEBOOK.name)
    relative = (work / NOTEBOOK.name).relative_to(REPO).as_posix()

    # User settings of our own: never ask about the Jupyter news feed (its pop-up would sit
    # over the notebook in the screenshot).
    settings = tmp_path / "lab-settings"
    notification = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True)
    notification.write_text('{"fetchNews": "false"}', encoding="utf-8")

    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "PYTHONPATH": str(REFERENCE),
        "LINEAR_COURSE_OFFLINE": "1",
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),   # ignore the user's Jupyter settings
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
    }
    env.pop("MPLBACKEND", None)
    log = tmp_path / "jupyterlab.log"
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
        "--ip", "127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
        f"--ServerApp.token={token}", f"--ServerApp.root_dir={REPO}",
        f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
        "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    with open(log, "wb") as log_file:
        server = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        _wait_for_server(f"http://127.0.0.1:{port}/api/status?token={token}", server, log)
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                str(tmp_path / "chromium-profile"), executable_path=chromium, headless=True,
                args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1000})
            try:
                page = context.pages[0] if context.pages else context.new_page()
                page.set_default_timeout(30_000)
                page.goto(f"http://127.0.0.1:{port}/lab/tree/{relative}?token={token}")
                page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for()
                _run_all(page, page.locator(".jp-NotebookPanel"), expect)

                explorer = page.locator(EXPLORER)
                handle = explorer.locator(".slider-w11 .noUi-handle")
                readout = explorer.locator(".explorer-readout")
                plot = explorer.locator(".explorer-plot img")
                handle.wait_for(timeout=60_000)
                expect(readout).to_contain_text("det(W) = 1.000")
                plot.wait_for()
                explorer.scroll_into_view_if_needed()
                before_text, before_src = readout.inner_text(), plot.get_attribute("src")

                handle.focus()
                page.keyboard.press("ArrowRight")

                # w11: 1.00 -> 1.01 (step 0.01), so det(W) = 1.01 * 1 - 0 * 0. (Compare what the readout
                # says, not its raw text: inner_text and textContent differ in line breaks.)
                expect(readout).to_contain_text("det(W) = 1.010", timeout=15_000)
                assert readout.inner_text() != before_text
                page.wait_for_function(
                    "([selector, old]) => { const img = document.querySelector(selector);"
                    " return img !== null && img.getAttribute('src') !== old; }",
                    arg=[f"{EXPLORER} .explorer-plot img", before_src], timeout=15_000)
                value = explorer.locator(".slider-w11 .widget-readout").inner_text()
                assert value.strip() == "1.01", value

                ARTIFACTS.mkdir(exist_ok=True)
                explorer.screenshot(path=str(ARTIFACTS / "browser_transformation_explorer.png"))
                page.screenshot(path=str(ARTIFACTS / "browser_02_geometry.png"))
            finally:
                context.close()
    finally:
        _stop(server)
        shutil.rmtree(work, ignore_errors=True)
    assert _digest(NOTEBOOK) == committed, "the browser test changed the committed notebook"
