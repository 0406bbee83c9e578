"""`make lab`, README's first command, brings JupyterLab up on the course."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(Path(sys.prefix).resolve() != (REPO / ".venv").resolve(),
                    reason="runs only inside the course's own .venv (as `make test` does)")
def test_make_lab_serves_api_status(tmp_path):
    port = _free_port()
    log = tmp_path / "lab.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(["make", "lab", f"PORT={port}"], cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, env={**os.environ, "BROWSER": "true"})
    try:
        deadline = time.time() + 60
        status = None
        while time.time() < deadline and status is None:
            time.sleep(0.5)
            token = re.search(r"token=([0-9a-f]+)", log.read_text())
            if token:
                try:
                    url = f"http://127.0.0.1:{port}/api/status?token={token.group(1)}"
                    status = json.load(urllib.request.urlopen(url, timeout=2))
                except OSError:
                    pass
        assert status is not None, log.read_text()[-2000:]
        assert "started" in status
        assert f"127.0.0.1:{port}/lab/tree/notebooks" in log.read_text()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
