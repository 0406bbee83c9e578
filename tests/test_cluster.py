"""Class grading on a real dask cluster: `dask scheduler` and two `dask worker` processes on 127.0.0.1.

A fake class is graded twice in one course copy: on the embedded LocalCluster (the
default), then with --force on the loopback cluster, where one worker (its nanny, worker
process, sandbox and kernels) is killed while submissions are in flight. Every student
must come back graded exactly once, with the grades of the local run. The workers start
in a folder of their own: they need the environment, not the course folder.
"""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import REPO, SOLUTIONS, load_by_path, load_course
from linear_checks.exercises import EXERCISES, TOTAL_POINTS

LoopbackCluster = load_by_path("loopback_cluster", REPO / "tools" / "loopback_cluster.py").LoopbackCluster

pytestmark = pytest.mark.slow
CLASS_SIZE = 6  # each kind of submission (_make_class), complete and two-done twice; the kill lands after two are back
WRONG = REPO / "tests" / "wrong_implementations"


def _make_class(course: Path, n: int) -> None:
    """n submissions: complete, two exercises done, untouched, or one known mistake, in turn."""
    release = course / "release" / "linear_layers"
    files = sorted(p.name for p in (SOLUTIONS / "linear_exercises").glob("*.py") if p.name != "__init__.py")
    mistakes = [("manual_linear.py", "transposed_weight.py"), ("initialization.py", "kaiming_fan_out.py")]
    for i in range(n):
        folder = course / "submitted" / f"s{i:02d}" / "linear_layers" / "linear_exercises"
        shutil.copytree(release, folder.parent)
        done = [f for f in files if (folder / f).exists()]
        kind = i % 4
        for name in done if kind in (0, 3) else done[:2] if kind == 1 else ():
            shutil.copy2(SOLUTIONS / "linear_exercises" / name, folder / name)
        if kind == 3:
            target, wrong = mistakes[(i // 4) % len(mistakes)]
            shutil.copy2(WRONG / wrong, folder / target)


def _grades(course: Path) -> dict[str, dict]:
    with open(course / "grades_by_exercise.csv") as f:
        return {r.pop("student_id"): r for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = load_course().assign.copy_course(tmp_path_factory.mktemp("course"))
    subprocess.run([sys.executable, str(course / "course.py"), "release"], check=True, capture_output=True,
                   timeout=600)
    _make_class(course, CLASS_SIZE)
    return course


def test_a_killed_worker_loses_no_student_and_grades_no_one_twice(course, tmp_path):
    run = [sys.executable, str(course / "course.py")]
    local = subprocess.run([*run, "autograde", "--jobs", "2"], capture_output=True, text=True, timeout=900)
    assert local.returncode == 0, local.stdout + local.stderr
    assert "dask dashboard at http://127.0.0.1:" in local.stdout
    subprocess.run([*run, "export"], check=True, capture_output=True, timeout=300)
    expected = _grades(course)
    totals = {r["total"] for r in expected.values()}
    assert len(expected) == CLASS_SIZE and {str(TOTAL_POINTS), "0"} <= totals and len(totals) >= 4, expected

    # the workers' own folder: no course files there
    with LoopbackCluster(workers=2, folder=tmp_path / "worker-host") as cluster:
        started = time.monotonic()
        grading = subprocess.Popen([*run, "autograde", "--force", "--scheduler", cluster.address],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out = []

        def read():
            for chunk in iter(lambda: grading.stdout.read1(4096), b""):
                out.append(chunk.decode(errors="replace"))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        deadline = time.monotonic() + 300
        while f"| 2/{CLASS_SIZE}" not in "".join(out) and grading.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert grading.poll() is None, "".join(out)  # still grading: the kill lands mid-run
        cluster.kill(0)
        grading.wait(timeout=900)
        reader.join(timeout=10)
        text = "".join(out)
        assert grading.returncode == 0, text
        assert f"{CLASS_SIZE} of {CLASS_SIZE} submission(s) graded" in text, text
        assert "dask dashboard at http://127.0.0.1:" in text

    con = sqlite3.connect(course / "gradebook.db")
    per_student = dict(con.execute("SELECT student_id, COUNT(*) FROM submitted_assignment GROUP BY student_id"))
    con.close()
    assert per_student == {s: 1 for s in expected}  # graded once into the gradebook, nobody lost
    subprocess.run([*run, "export"], check=True, capture_output=True, timeout=300)
    again = _grades(course)
    for student, row in again.items():
        assert row.pop("graded_at") >= time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(started - 1)), student
        expected[student].pop("graded_at")
    assert again == expected


def test_the_local_cluster_refuses_a_client_without_its_certificate(course):
    """Another user of the machine who finds the LocalCluster's port cannot submit work to it."""
    from distributed import Client
    from distributed.security import Security

    with load_course(course).autograde._dask_client(None, 1) as client:
        address = client.scheduler.address
        assert address.startswith("tls://127.0.0.1:")
        # with a certificate of their own making, and in plain TCP
        for guess, security in ((address, Security.temporary()), (address.replace("tls://", "tcp://"), None)):
            with pytest.raises((OSError, TimeoutError)):
                Client(guess, timeout="3s", security=security)


def test_the_kit_is_private_to_the_worker(course, tmp_path):
    """The unpacked kit holds the hidden checks: its folder is readable by its owner only."""
    from linear_checks import verdicts

    course_py = load_course(course)
    grading_task = load_by_path("grading_task_of_the_copy", course / "grading_task.py")
    course_py.paths.WORK.mkdir(exist_ok=True)
    plugin = grading_task.KitPlugin(course_py.autograde.grading_kit(), isolate=True)
    plugin.setup()
    try:
        assert plugin.folder.stat().st_mode & 0o777 == 0o700
        assert (plugin.folder / "autograder" / "hidden_checks").is_dir()
        kit_package = plugin.folder / "autograder" / "source" / "linear_layers" / "linear_exercises"
        assert kit_package.is_dir()  # the package's other files, restored from source/ by nbgrader
        sent = {p.name for p in kit_package.iterdir()}
        student_files = {Path(f).name for f in course_py.nbgrader_plugins.STUDENT_FILES}
        assert not sent & student_files  # no reference solution leaves
        con = sqlite3.connect(plugin.folder / "autograder" / "gradebook.db")
        assert con.execute("SELECT COUNT(*) FROM student").fetchone() == (0,)  # no other student's data
        assert con.execute("SELECT name FROM assignment").fetchall() == [("linear_layers",)]
        con.close()
    finally:
        plugin.teardown()
    assert not plugin.folder.exists()
    # the teardown unloads the kit's modules only: this process's checks keep their classes
    assert sys.modules["linear_checks.verdicts"] is verdicts


class _Failed:
    """A future whose task failed for good."""

    def result(self):
        raise RuntimeError("KilledWorker: the task's workers died 4 times")


class _Done:
    def __init__(self, result):
        self._result = result

    def result(self):
        return self._result


def test_a_task_that_fails_for_good_gives_a_zero_row_feedback_that_says_why_and_a_retry_next_time(course):
    from nbgrader.api import Gradebook

    course_py = load_course(course)
    course_py.records._record_graded({"zz-failed": "old-fingerprint"}, {"zz-failed": 7})
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        result = course_py.autograde._take(_Failed(), "zz-failed", 7, gb, ["a grading note"])
        assert not result["success"] and "KilledWorker" in result["error"]
        sub = gb.find_submission("linear_layers", "zz-failed")
        assert sub.score == 0 and sub.max_score == TOTAL_POINTS
        assert gb.find_student("zz-failed").last_name is None  # no names: shown by the id
    course_py.records._record_graded({}, {}, failed=["zz-failed"])
    assert "zz-failed" not in course_py.records._graded()  # graded again by the next autograde
    page = (course / "feedback" / "zz-failed" / "linear_layers" / "linear_layers.html").read_text()
    assert "could not be graded" in page and "KilledWorker" in page
    record = json.loads((course / "results" / "zz-failed.json").read_text())  # what the class report reads
    assert (record["success"], record["seed"], record["exercises"]) == (False, 7, [])
    assert record["notes"] == ["a grading note"]  # from staging, passed in memory
    assert "KilledWorker" in record["error"]


def test_a_regrade_keeps_what_the_instructor_gave_and_writes_only_that_students_files(course):
    from nbgrader.api import Gradebook

    take = load_course(course).autograde._take
    cells = [f"check_{e.key}" for e in EXERCISES]

    def result(score, files):
        return {"student": "zz-regraded", "seed": 7, "success": True, "files": files, "verdicts": [],
                "scores": {"timestamp": None,
                           "notebooks": {"linear_layers": {"grades": {c: [score, False] for c in cells},
                                                           "comments": {}}}}}

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        take(_Done(result(0, {})), "zz-regraded", 7, gb)
        grade = gb.find_grade("check_backward", "linear_layers", "linear_layers", "zz-regraded")
        grade.extra_credit = 1.5
        gb.db.commit()
        hostile = {"feedback/zz-regraded/linear_layers/linear_layers.html": b"<p>new</p>",
                   "feedback/s00/linear_layers/linear_layers.html": b"another student's feedback",
                   "hidden_checks/zz-regraded/linear_layers/x.py": b"not a course file",
                   "feedback/zz-regraded/../s00/linear_layers.html": b"out"}
        take(_Done(result(1, hostile)), "zz-regraded", 7, gb)
        grade = gb.find_grade("check_backward", "linear_layers", "linear_layers", "zz-regraded")
        assert (grade.auto_score, grade.extra_credit) == (1, 1.5)  # the new automatic score, the extra credit kept
        assert gb.find_submission("linear_layers", "zz-regraded").score == len(cells) + 1.5
    assert (course / "feedback" / "zz-regraded" / "linear_layers" / "linear_layers.html").read_bytes() == b"<p>new</p>"
    assert not (course / "hidden_checks" / "zz-regraded").exists()
    assert b"another student" not in (course / "feedback" / "s00" / "linear_layers" / "linear_layers.html").read_bytes()
