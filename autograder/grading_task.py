"""What a dask worker runs to grade one submission (autograde.py submits it).

This module is uploaded to the scheduler and the workers (dask's Client.upload_file), with a *kit*: the course's
grading material packed as one tar archive (the checks package, the hidden checks, the
nbgrader source notebook and configuration, and a gradebook holding the assignment but
no students). A worker host therefore needs the course's Python environment and
bubblewrap, and nothing of the course folder.

    KitPlugin(kit)      a dask worker plugin: on every worker (one that joins later too) it
                        unpacks the kit into a private folder (mode 0700) and, on the first
                        task, starts one Grader there: torch, nbgrader and the sandbox are
                        set up once per worker process, not once per submission.
    grade(name, ...)    the task: one student's staged files in, plain data out: the
                        student's scores per graded cell, the autograded notebook and the
                        feedback HTML, and how long it took. The client writes them into
                        the one gradebook with nbgrader's own API (gradebook.py), so the
                        worker's gradebook only ever holds the student being graded.

The student's code runs only in the sandbox (linear_checks.sandbox), never in this
process; the verdict is computed here, on the trusted side, and nbgrader's kernel only
prints it: the student's version of it (report.for_student: a failed hidden check says
why in general terms, never with its expected values), while the task returns every
check's full message for the instructor's results/<id>.json. Workers are trusted machines of the instructor: whoever can reach the
scheduler can run code on them (the README says how to keep it private).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import socket
import sys
import tarfile
import tempfile
import threading
import time
import warnings
from dataclasses import asdict
from pathlib import Path, PurePosixPath

ASSIGNMENT = "linear_layers"
NOTEBOOK = "linear_layers.ipynb"
def submission_scores(gradebook, student: str) -> dict:
    """One student's grading in a gradebook, as plain data: what the client writes into its own.

    {"timestamp": ISO text or None, "notebooks": {notebook: {"grades": {cell: [auto_score,
    needs_manual_grade]}, "comments": {cell: auto_comment}}}}
    """
    sub = gradebook.find_submission(ASSIGNMENT, student)
    return {"timestamp": sub.timestamp.isoformat() if sub.timestamp else None,
            "notebooks": {nb.name: {"grades": {g.name: [g.auto_score, bool(g.needs_manual_grade)] for g in nb.grades},
                                    "comments": {c.name: c.auto_comment for c in nb.comments}}
                          for nb in sub.notebooks}}


@contextlib.contextmanager
def _quiet(log: Path):
    """nbgrader's, the kernel's and the sandbox's messages go to a log file of the worker, not its terminal."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with open(log, "ab") as f:
        os.dup2(f.fileno(), 1)
        os.dup2(f.fileno(), 2)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved:
            os.close(fd)


def _unpack(kit: bytes, dest: Path) -> None:
    with tarfile.open(fileobj=io.BytesIO(kit), mode="r:gz") as tar:
        tar.extractall(dest, filter="data")


def _safe_relative(rel: str) -> PurePosixPath:
    path = PurePosixPath(rel)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValueError(f"not a relative path inside the submission: {rel!r}")
    return path


class Grader:
    """One worker's nbgrader, checks and sandbox, set up in the unpacked kit's course folder."""

    def __init__(self, course: Path, isolate: bool):
        self.course = course
        # One thread per worker: the cores are shared out by running one worker per core.
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = "1"
        # nbgrader runs `jupyter` and `alembic` by name: those of this environment.
        os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
        os.environ["LINEAR_HIDDEN_CHECKS"] = str(course / "hidden_checks")
        _forget_kit_modules()  # an earlier kit's checks, if this worker process graded with one
        sys.path.insert(0, str(course))  # this kit's linear_checks, nbgrader_plugins and paths
        import startup

        startup.skip_unused_imports()  # before nbgrader
        import torch

        torch.set_num_threads(1)
        from linear_checks import report
        from linear_checks.runner import read_submission, run_checks
        from linear_checks.sandbox import SLOW_IMPORTS, Sandbox
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory
        from traitlets.config import Config, PyFileConfigLoader

        self.report, self.read_submission, self.run_checks = report, read_submission, run_checks
        config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
        extra = Config()
        extra.CourseDirectory.root = str(course)
        extra.CourseDirectory.submitted_directory = "staged"
        extra.CourseDirectory.db_url = f"sqlite:///{course / 'gradebook.db'}"
        config.merge(extra)
        self.api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
        self.sandbox = Sandbox(isolate=isolate, threads=1, preload=SLOW_IMPORTS)
        self.sandbox.start()  # last: nothing is left running if the set-up fails
        (course / "verdicts").mkdir(exist_ok=True)

    def grade(self, student: str, files: dict[str, bytes], seed: int) -> dict:
        start = time.perf_counter()
        folder = self.course / "staged" / student / ASSIGNMENT
        shutil.rmtree(folder.parent, ignore_errors=True)
        for rel, data in files.items():
            path = folder / _safe_relative(rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        try:
            with _quiet(self.course / "grading.log"):
                verdicts = self.course / "verdicts" / f"{student}.json"
                results = self.run_checks(None, files=self.read_submission(folder), hidden=True, sandbox=self.sandbox,
                                          seed=seed)
                # The notebook prints what the student reads: hidden checks without their messages (expected
                # values, or the student's own text echoing the hidden inputs); the instructor's record (below) keeps them.
                self.report.save(self.report.for_student(results), verdicts)
                os.environ["LINEAR_VERDICTS"] = str(verdicts)
                graded = self.api.autograde(ASSIGNMENT, student)
                feedback = self.api.generate_feedback(ASSIGNMENT, student) if graded["success"] else {"success": False}
                out = {"student": student, "seed": seed, "success": bool(graded["success"]),
                       "feedback": bool(feedback["success"]),
                       "verdicts": [{**asdict(r), "score": r.score} for r in results],
                       "error": "" if graded["success"] else (graded.get("error") or graded.get("log") or "")[-2000:],
                       "scores": self._scores(student) if graded["success"] else {},
                       "files": self._outputs(student)}
        finally:
            self._forget(student)
        out.update(seconds=round(time.perf_counter() - start, 3), worker=f"{socket.gethostname()}:{os.getpid()}")
        return out

    def _scores(self, student: str) -> dict:
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{self.course / 'gradebook.db'}") as gb:
            return submission_scores(gb, student)

    def _outputs(self, student: str) -> dict[str, bytes]:
        """The autograded notebook (formgrader shows it) and the feedback HTML, by course-relative path."""
        out = {}
        autograded = self.course / "autograded" / student / ASSIGNMENT
        feedback = self.course / "feedback" / student / ASSIGNMENT
        for path in [autograded / NOTEBOOK, autograded / "timestamp.txt",
                     *sorted(feedback.glob("*.html")), feedback / "timestamp.txt"]:
            if path.is_file():
                out[str(path.relative_to(self.course))] = path.read_bytes()
        return out

    def _forget(self, student: str) -> None:
        """Leave nothing of this student on the worker: files and gradebook rows."""
        for top in ("staged", "autograded", "feedback"):
            shutil.rmtree(self.course / top / student, ignore_errors=True)
        (self.course / "verdicts" / f"{student}.json").unlink(missing_ok=True)
        from nbgrader.api import Gradebook, MissingEntry

        with Gradebook(f"sqlite:///{self.course / 'gradebook.db'}") as gb:
            try:
                gb.remove_student(student)
            except MissingEntry:
                pass

    def close(self) -> None:
        self.sandbox.close()


try:  # the plugin base class; without dask this module still imports
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # pragma: no cover
    WorkerPlugin = object


def _forget_kit_modules(course: str | None = None) -> None:
    """Unload the checks' modules (and take the kit's folder off sys.path): the next kit brings its own.

    With a course folder, only the modules loaded from that folder go: a process that imported
    linear_checks from elsewhere (the tests do) keeps its classes, so a check's CheckFailed is
    still the runner's CheckFailed.
    """
    for name, module in list(sys.modules.items()):
        loaded_from_kit = course is not None and str(getattr(module, "__file__", None) or "").startswith(course + os.sep)
        if loaded_from_kit or (course is None and name.split(".")[0] in ("linear_checks", "nbgrader_plugins", "paths")):
            del sys.modules[name]  # the kit's checks, hidden ones included (pytest imported them)
    while course and course in sys.path:
        sys.path.remove(course)


# One submission at a time per worker process, whatever the number of threads or kits:
# nbgrader's API, os.environ (LINEAR_VERDICTS) and the log redirection are per process.
_ONE_AT_A_TIME = threading.Lock()


class KitPlugin(WorkerPlugin):
    """Puts the kit on every worker; the worker's Grader is made on the first task (one at a time)."""

    def __init__(self, kit: bytes, isolate: bool):
        self.kit, self.isolate = kit, isolate
        self.folder: Path | None = None
        self.grader: Grader | None = None

    def __getstate__(self):  # what travels to the workers: the kit and the sandbox setting
        return {"kit": self.kit, "isolate": self.isolate}

    def __setstate__(self, state):
        self.__init__(state["kit"], state["isolate"])

    def setup(self, worker=None):
        self.folder = Path(tempfile.mkdtemp(prefix="linear-kit-"))  # mode 0700: hidden checks inside
        _unpack(self.kit, self.folder)

    def teardown(self, worker=None):
        with _ONE_AT_A_TIME:
            if self.grader is not None:
                self.grader.close()
                self.grader = None
            if self.folder is not None:
                _forget_kit_modules(str(self.folder / "autograder"))
                shutil.rmtree(self.folder, ignore_errors=True)

    def grade(self, student: str, files: dict[str, bytes], seed: int) -> dict:
        with _ONE_AT_A_TIME:
            if self.grader is None:
                with _quiet(self.folder / "autograder" / "grading.log"):
                    self.grader = Grader(self.folder / "autograder", self.isolate)
            return self.grader.grade(student, files, seed)


def grade(plugin: str, student: str, files: dict[str, bytes], seed: int) -> dict:
    """The task: grade one student's staged files with the kit the named plugin put on this worker; seed: of the
    hidden checks' inputs (variants.py)."""
    from distributed import get_worker

    return get_worker().plugins[plugin].grade(student, files, seed)
