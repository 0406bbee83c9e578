"""Instructor commands for the graded assignment, wrapping nbgrader (run from anywhere).

    python autograder/course.py release        # student version in autograder/release/linear_layers/
                                               #   (graded notebook, lessons, stubs, public checks)
    python autograder/course.py solutions      # executed solution notebooks in solutions/notebooks/
    python autograder/course.py publish        # into nbgrader's exchange (students: nbgrader fetch_assignment)
    python autograder/course.py collect        # from nbgrader's exchange, or --zip for an LMS download
    python autograder/course.py autograde      # the whole class, in parallel, with progress
    python autograder/course.py feedback       # HTML feedback per student (autograde already makes it)
    python autograder/course.py export         # grades.csv and grades_by_exercise.csv

The make targets (make release, make solutions, make collect, make autograde, make
feedback, make export, make grade) call these. Each prints what it did and where.

Class autograde is nbgrader's own `autograde` and `generate_feedback`, run for one
student at a time by worker processes (one per core by default). Each worker imports
nbgrader once and keeps its own copy of the gradebook; the copies are merged into
autograder/gradebook.db at the end, so nbgrader's export, formgrader and feedback see
every grade. Before grading, every submission is staged: only the notebook and the
five exercise files are taken (files a student added are left out), an unreadable or
missing notebook is replaced by the released one and a missing exercise file by its
stub, and what was done is written at the top of the notebook, where the feedback shows it.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

COURSE = Path(__file__).resolve().parent
REPO = COURSE.parent
sys.path.insert(0, str(COURSE))

from nbgrader_plugins import ASSIGNMENT, NOTEBOOK, STUDENT_FILES, load_module, note_cell  # noqa: E402

# nbgrader runs `alembic` and `jupyter` by name: find them next to this Python even when
# its environment is not activated (make calls .venv/bin/python directly).
os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])

SOURCE = COURSE / "source" / ASSIGNMENT
RELEASE = COURSE / "release" / ASSIGNMENT
GRADEBOOK = COURSE / "gradebook.db"
WORK = COURSE / ".grading"  # staged submissions and the workers' gradebooks
STAGED = "staged"  # under WORK: nbgrader's submitted_directory while grading
SOLUTION_NOTEBOOKS = REPO / "solutions" / "notebooks"
CHECK_FILES = ("runner.py", "child.py", "guard.py", "support.py", "report_plugin.py", "pytest.ini")


def say(*parts) -> None:
    print(*parts, flush=True)


def _checks_runner():
    """autograder/checks/runner.py (the same module the test cells use)."""
    return load_module("linear_checks_runner", COURSE / "checks" / "runner.py")


def _make_stubs():
    return load_module("make_stubs_tool", REPO / "tools" / "make_stubs.py")


def copy_course(dest: Path) -> Path:
    """A working copy of the course (autograder/, the solutions package, tools/) under dest; returns its autograder/.

    Tests and benchmarks grade fake classes in such a copy, never in the repository's own folders.
    """
    outputs = shutil.ignore_patterns("__pycache__", "release", "submitted", "autograded", "feedback", "downloaded",
                                     ".grading", "gradebook.db", "*.csv", "solution", "nbgrader.log")
    shutil.copytree(COURSE, dest / "autograder", ignore=outputs)
    shutil.copytree(REPO / "solutions" / "linear_exercises", dest / "solutions" / "linear_exercises", ignore=outputs)
    shutil.copytree(REPO / "tools", dest / "tools", ignore=outputs)
    shutil.copytree(REPO / "notebooks", dest / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return dest / "autograder"


# -- building the assignment --------------------------------------------------------------
def build_source() -> None:
    """source/linear_layers/: the notebook (committed) plus the package and the public checks (copied)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    package = SOURCE / "linear_exercises"
    shutil.rmtree(package, ignore_errors=True)
    shutil.copytree(REPO / "solutions" / "linear_exercises", package, ignore=ignore)
    checks = SOURCE / "autograder" / "checks"
    shutil.rmtree(SOURCE / "autograder", ignore_errors=True)
    checks.mkdir(parents=True)
    for name in CHECK_FILES:
        shutil.copy2(COURSE / "checks" / name, checks / name)
    shutil.copytree(COURSE / "checks" / "public", checks / "public", ignore=ignore)


def nbgrader(*args: str, quiet: bool = False) -> None:
    """Run one nbgrader command in the course folder; stop with its log when it fails."""
    cmd = [sys.executable, "-m", "nbgrader", *args]
    proc = subprocess.run(cmd, cwd=COURSE, text=True, capture_output=True)
    out = (proc.stdout + proc.stderr).strip()
    if out and (proc.returncode != 0 or not quiet):
        say(out)
    if proc.returncode != 0:
        raise SystemExit(f"nbgrader {' '.join(args)} failed (exit code {proc.returncode})")


def release(validate: bool = False) -> Path:
    """The student version: notebook without solutions, stubs, public checks only."""
    build_source()
    nbgrader("generate_assignment", ASSIGNMENT, "--force", quiet=True)
    package = RELEASE / "linear_exercises"
    shutil.rmtree(package)
    _make_stubs().write(package)
    # The lessons go with it, next to the package they import (not graded, not in source/:
    # nbgrader would run them for every student).
    for lesson in sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        shutil.copy2(lesson, RELEASE / lesson.name)
    problems = release_problems(RELEASE)
    if problems:
        raise SystemExit("the release is not fit for students:\n  " + "\n  ".join(problems))
    if validate:  # the untouched release must fail every test cell
        nbgrader("validate", "--invert", str(RELEASE / NOTEBOOK), quiet=True)
    say(f"release: {RELEASE.relative_to(REPO)} (graded notebook, lesson notebooks, linear_exercises/ stubs, "
        "public checks)")
    return RELEASE


def release_problems(folder: Path) -> list[str]:
    """Anything in a student folder that would give solutions or hidden checks away."""
    problems = []
    hidden = {p.name for p in (COURSE / "checks" / "hidden").glob("*.py")}
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        rel = path.relative_to(folder)
        if path.name in hidden or "hidden" in rel.parts:
            problems.append(f"{rel}: a hidden check")
        elif path.suffix in (".py", ".ipynb") and "BEGIN SOLUTION" in path.read_text(errors="replace"):
            problems.append(f"{rel}: contains a solution block")
    return problems


# -- solution notebooks -------------------------------------------------------------------
def solutions(jobs: int) -> None:
    """Executed notebooks (with outputs) of the graded assignment and of every lesson."""
    build_source()
    nbgrader("generate_assignment", ASSIGNMENT, "--force", quiet=True)
    nbgrader("generate_solution", ASSIGNMENT, "--force", quiet=True)
    SOLUTION_NOTEBOOKS.mkdir(parents=True, exist_ok=True)
    shutil.copy2(COURSE / "solution" / ASSIGNMENT / NOTEBOOK, SOLUTION_NOTEBOOKS / NOTEBOOK)
    say(f"solutions: {(SOLUTION_NOTEBOOKS / NOTEBOOK).relative_to(REPO)}")
    lessons = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    # One kernel per job; their threads share the cores (oversubscribed BLAS threads make
    # small matrix products many times slower).
    threads = str(max(1, (os.cpu_count() or 1) // max(1, jobs)))
    env = {**os.environ, "PYTHONPATH": str(REPO / "solutions"), "LINEAR_COURSE_OFFLINE": "1",
           "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}
    env.pop("MPLBACKEND", None)

    def run(path: Path) -> str:
        import nbformat
        from nbclient import NotebookClient

        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute(env=env, stderr=subprocess.DEVNULL)
        nbformat.write(nb, SOLUTION_NOTEBOOKS / path.name)
        return f"solutions: {(SOLUTION_NOTEBOOKS / path.name).relative_to(REPO)} ({time.perf_counter() - start:.0f} s)"

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for line in pool.map(run, lessons):
            say(line)


def publish() -> None:
    """Put the release into nbgrader's exchange, where students fetch it (nbgrader fetch_assignment)."""
    if not RELEASE.is_dir():
        release()
    nbgrader("release_assignment", ASSIGNMENT, "--force", quiet=True)
    say(f"publish: {ASSIGNMENT} is in the exchange ({os.environ.get('NBGRADER_EXCHANGE', '/srv/nbgrader/exchange')})")


# -- collecting ---------------------------------------------------------------------------
def collect(zip_folder: str | None) -> None:
    if zip_folder:
        archive = COURSE / "downloaded" / ASSIGNMENT / "archive"
        archive.mkdir(parents=True, exist_ok=True)
        for item in Path(zip_folder).iterdir():
            target = archive / item.name
            (shutil.copytree if item.is_dir() else shutil.copy2)(item, target)
        nbgrader("zip_collect", ASSIGNMENT, "--force", quiet=True)
    else:
        nbgrader("collect", ASSIGNMENT, "--update", quiet=True)
    found = submitted_students()
    say(f"collect: {len(found)} submission(s) in {(COURSE / 'submitted').relative_to(REPO)}")


# -- staging ------------------------------------------------------------------------------
def stage(student: str) -> Path:
    """Copy what counts of one submission into WORK/staged/<student>/; note what was replaced."""
    import nbformat

    src = COURSE / "submitted" / student / ASSIGNMENT
    dst = WORK / STAGED / student / ASSIGNMENT
    shutil.rmtree(dst.parent, ignore_errors=True)
    (dst / "linear_exercises").mkdir(parents=True)
    notes = []
    try:
        nb = nbformat.read(src / NOTEBOOK, as_version=4)
        nbformat.validate(nb)
    except FileNotFoundError:
        notes.append(f"No {NOTEBOOK} was handed in: your exercise files were graded with a fresh copy of it.")
        nb = nbformat.read(RELEASE / NOTEBOOK, as_version=4)
    except Exception as exc:  # not JSON, not a notebook
        reason = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        notes.append(f"{NOTEBOOK} could not be read ({type(exc).__name__}: {reason}); "
                     "your exercise files were graded with a fresh copy of the notebook.")
        nb = nbformat.read(RELEASE / NOTEBOOK, as_version=4)
    stubs = None
    for rel in STUDENT_FILES:
        if (src / rel).is_file():
            shutil.copy2(src / rel, dst / rel)
        else:
            stubs = stubs or release_stub_dir()
            shutil.copy2(stubs / Path(rel).name, dst / rel)
            notes.append(f"{rel} was not handed in: its exercise was graded on the unchanged stub (0 points).")
    released = {str(p.relative_to(RELEASE)) for p in RELEASE.rglob("*") if p.is_file()} if RELEASE.is_dir() else set()
    used = {NOTEBOOK, "timestamp.txt", *STUDENT_FILES, *released}
    extra = sorted(str(p.relative_to(src)) for p in src.rglob("*")
                   if p.is_file() and str(p.relative_to(src)) not in used
                   and not str(p.relative_to(src)).startswith(("autograder/", "linear_exercises/"))
                   and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts) if src.is_dir() else []
    if extra:
        shown = ", ".join(extra[:5]) + (f" and {len(extra) - 5} more" if len(extra) > 5 else "")
        notes.append(f"Files you added were not used at grading: {shown}.")
    if notes:
        nb.cells.insert(0, note_cell(notes))
    nbformat.write(nb, dst / NOTEBOOK)
    if (src / "timestamp.txt").is_file():
        shutil.copy2(src / "timestamp.txt", dst / "timestamp.txt")
    return dst


def release_stub_dir() -> Path:
    if not (RELEASE / "linear_exercises").is_dir():
        release()
    return RELEASE / "linear_exercises"


def submitted_students() -> list[str]:
    return sorted(p.parent.name for p in (COURSE / "submitted").glob(f"*/{ASSIGNMENT}") if p.is_dir())


# -- the worker: one nbgrader, many students -------------------------------------------------
def worker(db: str) -> None:
    """Read student ids on stdin; autograde and make feedback for each; answer one JSON line each."""
    from traitlets.config import Config, PyFileConfigLoader

    os.environ.setdefault("LINEAR_HIDDEN_CHECKS", str(COURSE / "checks" / "hidden"))
    config = PyFileConfigLoader("nbgrader_config.py", path=str(COURSE)).load_config()
    extra = Config()
    extra.CourseDirectory.submitted_directory = str(Path(WORK.name) / STAGED)
    extra.CourseDirectory.db_url = f"sqlite:///{db}"
    config.merge(extra)
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        student = line.strip()
        if not student:
            continue
        start = time.perf_counter()
        graded = api.autograde(ASSIGNMENT, student)
        feedback = api.generate_feedback(ASSIGNMENT, student) if graded["success"] else {"success": False}
        print(json.dumps({"student": student, "success": graded["success"], "feedback": feedback["success"],
                          "seconds": round(time.perf_counter() - start, 2),
                          "error": "" if graded["success"] else (graded.get("error") or graded.get("log", ""))[-2000:]}),
              flush=True)


class Worker:
    """A worker process and its gradebook copy."""

    def __init__(self, index: int):
        self.db = WORK / f"gradebook-{index}.db"
        shutil.copy2(GRADEBOOK, self.db)
        env = {**os.environ, "LINEAR_CHECKS_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        # A check server per worker: torch and pytest imported once, not once per submission.
        self.socket_dir = tempfile.mkdtemp(prefix="linear-checks-")  # short: socket paths are limited to ~100 bytes
        try:
            self.server = _checks_runner().start_server(os.path.join(self.socket_dir, "server"))
            env["LINEAR_CHECKS_SERVER"] = os.path.join(self.socket_dir, "server")
        except (OSError, RuntimeError):  # grading still works, only slower
            self.server = None
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "_worker", "--db", str(self.db)],
                                     cwd=COURSE, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True, env=env)
        self.students: list[str] = []
        first = self.proc.stdout.readline()
        if not first:
            raise SystemExit("a grading worker could not start (is nbgrader installed?)")

    def grade(self, student: str) -> dict:
        self.proc.stdin.write(student + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer:
            return {"student": student, "success": False, "died": True,
                    "error": f"the grading process stopped (exit code {self.proc.wait()})"}
        self.students.append(student)
        return json.loads(answer)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait()
        if self.server is not None:
            self.server.kill()
            self.server.wait()
        shutil.rmtree(self.socket_dir, ignore_errors=True)


def autograde(students: list[str] | None, jobs: int) -> list[dict]:
    """Grade the class (or the named students); merge every grade into gradebook.db."""
    if not GRADEBOOK.exists() or not RELEASE.is_dir():
        release()
    students = students or submitted_students()
    if not students:
        say("autograde: no submissions in autograder/submitted/ (run collect first)")
        return []
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir()
    for student in students:
        stage(student)
    jobs = max(1, min(jobs, len(students)))
    todo: queue.Queue[str] = queue.Queue()
    for s in students:
        todo.put(s)
    results: list[dict] = []
    lock = threading.Lock()
    workers: list[Worker] = []
    start = time.perf_counter()

    try:
        from tqdm import tqdm
        bar = tqdm(total=len(students), unit="submission", desc="autograde", file=sys.stdout)
    except ImportError:  # pragma: no cover - tqdm is a declared dependency
        bar = None

    def run(index: int) -> None:
        w = Worker(index)
        with lock:
            workers.append(w)
        while True:
            try:
                student = todo.get_nowait()
            except queue.Empty:
                break
            result = w.grade(student)
            if result.get("died"):  # start a fresh worker; this student gets an error row
                w.close()
                w = Worker(index + 100 * (len(results) + 1))
                with lock:
                    workers.append(w)
            with lock:
                results.append(result)
                if bar:
                    bar.update(1)
                    bar.set_postfix_str(student)
        w.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(jobs)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:  # also on Ctrl-C: no worker or check server is left behind
        for w in list(workers):
            w.close()
    if bar:
        bar.close()
    _merge(workers)
    _zero_rows([r for r in results if not r["success"]])
    _html_only_feedback(students)
    failed = [r for r in results if not r["success"]]
    say(f"autograde: {len(results) - len(failed)} of {len(students)} submission(s) graded in "
        f"{time.perf_counter() - start:.1f} s with {jobs} worker(s); grades in {GRADEBOOK.relative_to(REPO)}")
    for r in failed:
        say(f"  {r['student']}: grading failed: {r['error'].strip().splitlines()[-1] if r['error'].strip() else '?'}")
    return results


def _merge(workers: list[Worker]) -> None:
    """Copy every graded submission from the workers' gradebooks into gradebook.db."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{GRADEBOOK}") as gb:
        for w in workers:
            for student in w.students:
                try:
                    gb.remove_submission(ASSIGNMENT, student)
                except MissingEntry:
                    pass
    con = sqlite3.connect(GRADEBOOK)
    try:
        for w in workers:
            if not w.students:
                continue
            con.execute("ATTACH DATABASE ? AS w", (str(w.db),))
            marks = ",".join("?" * len(w.students))
            con.execute(f"INSERT OR REPLACE INTO student SELECT * FROM w.student WHERE id IN ({marks})", w.students)
            con.execute(f"""INSERT INTO submitted_assignment SELECT * FROM w.submitted_assignment
                            WHERE student_id IN ({marks})""", w.students)
            con.execute(f"""INSERT INTO submitted_notebook SELECT * FROM w.submitted_notebook WHERE assignment_id IN
                            (SELECT id FROM w.submitted_assignment WHERE student_id IN ({marks}))""", w.students)
            for table in ("grade", "comment"):
                con.execute(f"""INSERT INTO {table} SELECT * FROM w.{table} WHERE notebook_id IN
                                (SELECT n.id FROM w.submitted_notebook n JOIN w.submitted_assignment a
                                 ON n.assignment_id = a.id WHERE a.student_id IN ({marks}))""", w.students)
            con.commit()
            con.execute("DETACH DATABASE w")
    finally:
        con.close()


def _zero_rows(failed: list[dict]) -> None:
    """A submission nbgrader could not grade still gets its row: 0 points, and the reason as a comment."""
    if not failed:
        return
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{GRADEBOOK}") as gb:
        for r in failed:
            sub = gb.update_or_create_submission(ASSIGNMENT, r["student"])
            for nb in sub.notebooks:
                for grade in nb.grades:
                    grade.auto_score, grade.needs_manual_grade = 0, False
                for comment in nb.comments:
                    comment.auto_comment = "Grading could not run: " + (r["error"].strip().splitlines() or ["?"])[-1]
            gb.db.commit()


def _html_only_feedback(students: list[str]) -> None:
    """Leave only the HTML (and timestamp) in each feedback folder: what students may be handed."""
    for student in students:
        feedback = COURSE / "feedback" / student / ASSIGNMENT
        # generate_feedback copies the whole autograded folder; students get only the HTML.
        if feedback.is_dir():
            for path in sorted(feedback.rglob("*"), reverse=True):
                if path.is_file() and path.suffix != ".html" and path.name != "timestamp.txt":
                    path.unlink()
                elif path.is_dir() and not any(path.iterdir()):
                    path.rmdir()


def feedback() -> None:
    nbgrader("generate_feedback", ASSIGNMENT, "--force", quiet=True)
    _html_only_feedback(submitted_students())
    say(f"feedback: {(COURSE / 'feedback').relative_to(REPO)}/<student>/{ASSIGNMENT}/*.html")


# -- export -------------------------------------------------------------------------------
def export() -> tuple[Path, Path]:
    """nbgrader's grades.csv, and one row per student with a column per exercise."""
    nbgrader("export", "--to", str(COURSE / "grades.csv"), quiet=True)
    from nbgrader.api import Gradebook

    by_exercise = COURSE / "grades_by_exercise.csv"
    import csv

    with Gradebook(f"sqlite:///{GRADEBOOK}") as gb, open(by_exercise, "w", newline="") as out:
        assignment = gb.find_assignment(ASSIGNMENT)
        cells = sorted({c.name for nb in assignment.notebooks for c in nb.grade_cells})
        writer = csv.writer(out)
        writer.writerow(["student_id", *cells, "total", "max_score"])
        for student in sorted(gb.students, key=lambda s: s.id):
            try:
                sub = gb.find_submission(ASSIGNMENT, student.id)
            except Exception:  # noqa: BLE001 - no submission: no row
                continue
            scores = {g.name: g.score for nb in sub.notebooks for g in nb.grades}
            writer.writerow([student.id, *[f"{scores.get(c, 0):g}" for c in cells], f"{sub.score:g}",
                             f"{sub.max_score:g}"])
    say(f"export: {(COURSE / 'grades.csv').relative_to(REPO)}, {by_exercise.relative_to(REPO)}")
    return COURSE / "grades.csv", by_exercise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("release", help="generate the student version")
    p.add_argument("--validate", action="store_true", help="also check that the untouched release fails every test cell")
    p = sub.add_parser("solutions", help="executed solution notebooks in solutions/notebooks/")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    sub.add_parser("publish", help="put the release into nbgrader's exchange for students to fetch")
    p = sub.add_parser("collect", help="collect submissions from the exchange, or from an LMS download")
    p.add_argument("--zip", default=None, help="folder holding one zip (or folder) per student")
    p = sub.add_parser("autograde", help="grade every submission (or --student ...) in parallel")
    p.add_argument("--student", action="append", default=None)
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    sub.add_parser("feedback", help="HTML feedback per student")
    sub.add_parser("export", help="grades.csv and grades_by_exercise.csv")
    p = sub.add_parser("_worker")
    p.add_argument("--db", required=True)
    args = parser.parse_args(argv)
    if args.command == "release":
        release(args.validate)
    elif args.command == "solutions":
        solutions(args.jobs)
    elif args.command == "publish":
        publish()
    elif args.command == "collect":
        collect(args.zip)
    elif args.command == "autograde":
        results = autograde(args.student, args.jobs)
        return 0 if all(r["success"] for r in results) else 1
    elif args.command == "feedback":
        feedback()
    elif args.command == "export":
        export()
    elif args.command == "_worker":
        worker(args.db)
    return 0


if __name__ == "__main__":
    sys.exit(main())
