"""The student's set-up, from the release folder alone (issue 25): `make test-install`.

A fresh release is built in a copy of the course and copied out on its own (nothing of
the repository beside it). Then, in that folder, exactly the steps of its README, section
0 (Linux): `python3 -m venv .venv`, `.venv/bin/pip install -r requirements.txt`; and with
that environment only:
- no instructor package is installed (nbgrader, dask.distributed, copydetect, ...);
- the self-check in a terminal (`python -m linear_exercises manual_linear`) says the
  exercise is not done, then gives full marks once the reference solution is in place;
- every lesson runs from top to bottom on the stubs (`jupyter nbconvert --execute`, two at
  a time), with nothing written to stderr by a cell.
It prints the size of the environment. It installs PyTorch a second time (about 5 GB, a
few minutes even from pip's cache), so `make test` leaves it out; `make test-install` and
CI run it (LINEAR_INSTALL_TEST=1).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from test_user_paths import SOLUTION, _copy_with_release

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("LINEAR_INSTALL_TEST") != "1",
                       reason="installs PyTorch a second time: make test-install runs it (LINEAR_INSTALL_TEST=1)"),
]

INSTRUCTOR_PACKAGES = ("nbgrader", "distributed", "bokeh", "copydetect", "jupyterhub", "latex2mathml")


def _size(folder: Path) -> int:
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def _run(cmd: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "MPLBACKEND")}
    env["PATH"] = os.pathsep.join([str(cwd / ".venv" / "bin"), "/usr/bin", "/bin"])
    return subprocess.run(cmd, cwd=cwd, env=env, text=True, capture_output=True, timeout=timeout)


def test_a_fresh_environment_from_the_release_folder_runs_the_lessons_and_the_self_check(tmp_path):
    timings = {}
    t = time.monotonic()
    course = _copy_with_release(tmp_path / "course")
    folder = tmp_path / "student" / "linear_layers"
    shutil.copytree(course / "release" / "linear_layers", folder)
    shutil.rmtree(tmp_path / "course")  # the release folder alone from here on
    timings["release"] = time.monotonic() - t

    # README section 0, Linux: the same two commands.
    t = time.monotonic()
    python = getattr(sys, "_base_executable", sys.executable)  # a Python outside any environment
    made = _run([python, "-m", "venv", ".venv"], folder, 300)
    assert made.returncode == 0, made.stderr
    installed = _run([".venv/bin/pip", "install", "--disable-pip-version-check", "--progress-bar", "off",
                      "-r", "requirements.txt"], folder, 1800)
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    timings["pip install"] = time.monotonic() - t
    listed = _run([".venv/bin/pip", "list", "--format", "json"], folder, 120)
    names = {p["name"].lower() for p in json.loads(listed.stdout)}
    assert not names & set(INSTRUCTOR_PACKAGES), names & set(INSTRUCTOR_PACKAGES)
    size = _size(folder / ".venv")

    # The self-check in a terminal: not done, then full marks with the reference in place.
    t = time.monotonic()
    stub = _run([".venv/bin/python", "-m", "linear_exercises", "manual_linear"], folder, 300)
    assert "0 / 4 points" in stub.stdout, stub.stdout + stub.stderr
    assert "Traceback" not in stub.stdout + stub.stderr, stub.stdout + stub.stderr
    shutil.copy2(SOLUTION / "manual_linear.py", folder / "linear_exercises" / "manual_linear.py")
    solved = _run([".venv/bin/python", "-m", "linear_exercises", "manual_linear"], folder, 300)
    assert "4 / 4 points" in solved.stdout, solved.stdout + solved.stderr
    timings["self-check twice"] = time.monotonic() - t

    # Every lesson, top to bottom, in this environment's kernel.
    t = time.monotonic()
    lessons = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    assert len(lessons) == 9, lessons
    (tmp_path / "executed").mkdir()

    def execute(lesson: Path) -> tuple[str, subprocess.CompletedProcess]:
        out = tmp_path / "executed" / lesson.name
        return lesson.name, _run([".venv/bin/jupyter", "nbconvert", "--to", "notebook", "--execute",
                                  "--ExecutePreprocessor.timeout=300", "--output", str(out), lesson.name], folder, 900)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(execute, lessons))
    for name, result in results:
        assert result.returncode == 0, f"{name}:\n{result.stderr[-4000:]}"
        executed = json.loads((tmp_path / "executed" / name).read_text(encoding="utf-8"))
        stderr = [o.get("text", "") for c in executed["cells"] if c["cell_type"] == "code"
                  for o in c.get("outputs", []) if o.get("name") == "stderr"]
        assert not stderr, f"{name} wrote to stderr: {stderr[:3]}"
    timings["nine lessons"] = time.monotonic() - t
    print(f"student environment: {size / 2**30:.2f} GiB; "
          + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()))
