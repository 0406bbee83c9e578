"""make autograde: the class graded on dask, one task per submission, every grade written here.

Class autograde is nbgrader's own `autograde` and `generate_feedback`, run for one
student per dask task (grading_task.py): on a LocalCluster of worker processes on this
machine (one per core by default), or on a dask cluster (--scheduler tcp://host:8786).
Each worker imports torch and nbgrader and starts its sandbox once; a task returns the
student's gradebook rows and feedback, and they are written here into
autograder/gradebook.db (gradebook.py), so nbgrader's export, formgrader and feedback
see every grade. Before grading, every submission is staged (staging.py).
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import time

import student_ids
import variants
from assign import release
from gradebook import _write_failure, _write_result
from leaks import release_problems
from nbgrader_plugins import STUDENT_FILES
from paths import CHECKS, COURSE, GRADEBOOK, HIDDEN_CHECKS, RELEASE, REPO, SOURCE, WORK, say, submitted_students
from records import _record_graded, _unchanged, fingerprint, grader_fingerprint
from staging import _staged_files, stage


def autograde(students: list[str] | None, jobs: int, isolate: bool = True, force: bool = False,
              scheduler: str | None = None) -> list[dict]:
    """Grade the class (or the named students) on dask; write every grade into gradebook.db.

    Each submission is staged here and sent, as bytes, with the course's grading kit to a
    dask worker (grading_task.py): a LocalCluster of `jobs` worker processes on this
    machine, or the cluster whose scheduler is at `scheduler` (tcp://host:8786). The task
    returns the student's gradebook rows, autograded notebook and feedback HTML; they are
    written here, once per student, whichever worker (or retry) produced them. A task
    that fails for good gives the student a 0 row with the reason.

    Only new or changed submissions are graded: a submission whose staged files, grading
    code and mode (grader_fingerprint(): the checks, the hidden checks, the grading task,
    nbgrader's plugins and configuration, in the sandbox or not) have the fingerprint
    recorded in graded.json when it was last graded (and which is still in the gradebook)
    keeps its grade and its seed; force=True (--force) regrades all. Every submission graded
    gets a fresh seed for its checks' inputs (variants.py). isolate=False (--no-sandbox)
    runs the students' code without bubblewrap; every feedback file then says so, and the
    next autograde in the sandbox grades it again. Ids that are no student id, or that
    collide once case is ignored, are named and not graded (_gradable).
    """
    if isolate and not scheduler and not shutil.which("bwrap"):
        raise SystemExit("autograde: bubblewrap (bwrap) is not installed, and student code is never run without a "
                         "sandbox by default. Install it (apt-get install bubblewrap), or pass --no-sandbox "
                         "(make autograde NO_SANDBOX=1) to grade without one; the feedback will say so.")
    if not GRADEBOOK.exists() or not RELEASE.is_dir() or release_problems(RELEASE):
        release()
    students = _gradable(students or submitted_students())
    if not students:
        say("autograde: no submissions in autograder/submitted/ (run collect first)")
        return []
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir()
    start = time.perf_counter()
    grader = grader_fingerprint(isolate)
    fingerprints, notes = {}, {}  # the notes go from staging to results/<id>.json
    for student in students:
        staged, notes[student] = stage(student)
        fingerprints[student] = fingerprint(staged, grader)
    say(f"autograde: {len(students)} submission(s) staged in {time.perf_counter() - start:.1f} s")
    unchanged = [] if force else _unchanged(fingerprints)
    if unchanged:
        say(f"autograde: {len(unchanged)} submission(s) unchanged since they were graded, not graded again "
            "(--force, or make autograde FORCE=1, regrades them)")
        students = [s for s in students if s not in unchanged]
        if not students:
            return []
    # New inputs at every grading, stored with the grade (variants.py): earlier feedback answers nothing now.
    seeds = {student: variants.grading_seed() for student in students}
    start = time.perf_counter()
    results: list[dict] = []  # filled as results come back
    try:
        with _dask_client(scheduler, max(1, min(jobs, len(students)))) as client:
            if isolate:
                _check_workers_have_bubblewrap(client)
            _grade_on(client, {s: seeds[s] for s in students}, isolate, results, notes)
            workers = len(client.nthreads())
    finally:  # also on Ctrl-C: what was graded so far is recorded
        _record_graded({r["student"]: fingerprints[r["student"]] for r in results if r["success"]}, seeds,
                       failed=[r["student"] for r in results if not r["success"]], isolate=isolate)
    failed = [r for r in results if not r["success"]]
    say(f"autograde: {len(results) - len(failed)} of {len(students)} submission(s) graded in "
        f"{time.perf_counter() - start:.1f} s on {workers} worker(s); grades in {GRADEBOOK.relative_to(REPO)}")
    for r in failed:
        why = r['error'].strip().splitlines()[-1] if r['error'].strip() else '?'
        say(f"  {r['student']}: grading failed: {student_ids.visible(why)[:300]}")
    return results


def _gradable(students: list[str]) -> list[str]:
    """The students that can be graded; the others are named, with the reason, and left out.

    Refused: a folder name that is no student id (student_ids.id_problem), and ids that are the same
    once letter case and Unicode forms are ignored (Casey and casey): none of them is graded (which of
    them is whose only the instructor can tell; an LMS that matches ids without case would give both
    grades to one student). collect --zip refuses such ids already; this catches the exchange route
    and folders put in submitted/ by hand.
    """
    ok = []
    for student in students:
        why = student_ids.id_problem(student)
        if why:
            say(f"autograde: {ascii(student)} is not a student id ({why}): not graded")
        else:
            ok.append(student)
    clashing = set()
    for group in student_ids.colliding(ok):
        say(f"autograde: {', '.join(group)} are the same id once letter case and Unicode forms are ignored: "
            "none of them is graded (rename or merge their folders in autograder/submitted/ first)")
        clashing.update(group)
    return [s for s in ok if s not in clashing]


TASK_RETRIES = 2  # a task that raises is run again (up to twice); a task whose worker died is
# rescheduled by dask itself (distributed.scheduler.allowed-failures, 3 by default)


class _dask_client:
    """A dask Client: on a LocalCluster of `jobs` processes, or connected to `scheduler`.

    The LocalCluster talks TLS with a throwaway certificate: another user of this machine
    who finds its port on 127.0.0.1 cannot submit work to it (the workers run as you and
    can read the hidden checks). A remote cluster uses dask's own configuration (TLS
    settings included); keep its scheduler off any network students can reach.
    """

    def __init__(self, scheduler: str | None, jobs: int):
        self.scheduler, self.jobs, self.cluster = scheduler, jobs, None

    def __enter__(self):
        import logging

        from distributed import Client, LocalCluster
        from distributed.security import Security

        logging.getLogger("distributed").setLevel(logging.ERROR)  # dask's own chatter; failures are reported here
        if self.scheduler:
            try:
                self.client = Client(self.scheduler, timeout="30s")
                self.client.wait_for_workers(1, timeout=60)
            except (OSError, TimeoutError) as exc:
                raise SystemExit(f"autograde: no dask cluster with a worker at {self.scheduler} ({exc}). Start one "
                                 "with `dask scheduler` and `dask worker SCHEDULER --nthreads 1` (README.md).") from exc
        else:
            security = Security.temporary()
            self.cluster = LocalCluster(n_workers=self.jobs, threads_per_worker=1, processes=True,
                                        host="127.0.0.1", dashboard_address="127.0.0.1:0", memory_limit=0,
                                        security=security, silence_logs=logging.ERROR)
            self.client = Client(self.cluster, security=security)
        say(f"autograde: dask dashboard at {self.client.dashboard_link}")
        return self.client

    def __exit__(self, *exc):
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _check_workers_have_bubblewrap(client) -> None:
    """Refuse to start when a worker cannot sandbox (it would fail every task it is given)."""
    missing = [address for address, path in client.run(shutil.which, "bwrap").items() if not path]
    if missing:
        raise SystemExit(f"autograde: {len(missing)} dask worker(s) have no bubblewrap (bwrap): "
                         f"{', '.join(sorted(missing)[:5])}. Install it there (apt-get install bubblewrap).")


def _grade_on(client, seeds: dict[str, int], isolate: bool, results: list[dict],
              notes: dict[str, list[str]]) -> None:
    """Submit one task per student (with the seed of their hidden check inputs) and the grading kit; write each
    result into the gradebook as it comes back (with the student's grading notes from staging)."""
    import uuid

    from distributed import as_completed
    from nbgrader.api import Gradebook
    from tqdm import tqdm

    import grading_task

    client.upload_file(grading_task.__file__)  # to the scheduler and every worker: no course folder needed there
    run = uuid.uuid4().hex[:8]
    plugin = f"linear-kit-{run}"
    client.register_plugin(grading_task.KitPlugin(grading_kit(), isolate), name=plugin)
    futures = {client.submit(grading_task.grade, plugin, student, _staged_files(student), seed, retries=TASK_RETRIES,
                             key=f"linear-grade-{run}-{i}"): student  # keys name no student (the dashboard shows them)
               for i, (student, seed) in enumerate(seeds.items())}
    try:
        with Gradebook(f"sqlite:///{GRADEBOOK}") as gb, \
                tqdm(total=len(futures), unit="submission", desc="autograde", file=sys.stdout) as bar:
            for future in as_completed(list(futures)):
                student = futures.pop(future)
                results.append(_take(future, student, seeds[student], gb, notes.get(student, [])))
                future.release()  # done with: not computed again if its worker goes away
                bar.update(1)
                bar.set_postfix_str(student)
    finally:  # on Ctrl-C or an error here: nothing is left running on the cluster
        for future in futures:
            future.cancel()
        try:
            client.unregister_worker_plugin(plugin)
        except Exception:  # noqa: BLE001 - the cluster is going away anyway
            pass


def _take(future, student: str, seed: int, gb, notes: list[str] = ()) -> dict:
    """One task's outcome, written into the gradebook and the course folders: grades, or a 0 with the reason."""
    try:
        result = future.result()
        if result.get("student") != student or result.get("seed") != seed:
            raise ValueError("a worker answered for another student")
        if result["success"]:
            _write_result(gb, result, notes)
            return result
    except Exception as exc:  # noqa: BLE001 - failed for good (retries or workers used up), or not writable
        gb.db.rollback()
        why = (str(exc).strip().splitlines() or [""])[0][:300]
        result = {"student": student, "success": False, "error": f"the grading task failed ({type(exc).__name__}: {why})"}
    try:
        _write_failure(gb, student, seed, result["error"], notes)
    except Exception as exc:  # noqa: BLE001 - the gradebook refuses even that: say so, go on with the others
        gb.db.rollback()
        result["error"] += f"; its 0 could not be written either ({type(exc).__name__}: {exc})"
    return result


def grading_kit() -> bytes:
    """What a worker needs to grade (grading_task.py), as one tar.gz: checks, hidden checks, nbgrader
    configuration and source notebook (without the reference exercise files), and a gradebook
    with the assignment and no students."""
    import io
    import tarfile

    template = WORK / "gradebook-template.db"
    shutil.copy2(GRADEBOOK, template)
    con = sqlite3.connect(template)
    try:
        for table in ("grade", "comment", "submitted_notebook", "submitted_assignment", "student"):
            con.execute(f"DELETE FROM {table}")
        con.commit()
        con.execute("VACUUM")
    finally:
        con.close()
    buffer = io.BytesIO()
    # source/ holds the stubs of the exercise files; grading never reads them (a student's files
    # are kept, not overwritten from source/), so they are left out
    stubs = {f"autograder/{SOURCE.relative_to(COURSE)}/{rel}" for rel in STUDENT_FILES}
    skip = lambda info: None if ("__pycache__" in info.name or info.name.endswith(".pyc")  # noqa: E731
                                 or info.name in stubs) else info
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in (COURSE / "nbgrader_config.py", COURSE / "nbgrader_plugins.py", COURSE / "paths.py",
                     COURSE / "startup.py", CHECKS, HIDDEN_CHECKS, SOURCE):
            tar.add(path, arcname=f"autograder/{path.relative_to(COURSE)}", filter=skip)
        tar.add(template, arcname="autograder/gradebook.db")
    template.unlink()
    return buffer.getvalue()
