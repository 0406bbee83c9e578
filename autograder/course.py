"""Instructor commands for the graded assignment, wrapping nbgrader (run from anywhere).

    python autograder/course.py release        # student version in autograder/release/linear_layers/
                                               #   (graded notebook, lessons, stubs, public checks)
    python autograder/course.py solutions      # executed solution notebooks in solutions/notebooks/
                                               #   (nbgrader runs in a temporary copy: release/ untouched)
    python autograder/course.py publish        # rebuild the release, check it, put it into nbgrader's exchange
                                               #   (students: nbgrader fetch_assignment), check the copy there
    python autograder/course.py collect        # from nbgrader's exchange, or --zip for an LMS download
    python autograder/course.py autograde      # the whole class, in parallel, with progress
    python autograder/course.py feedback       # HTML feedback per student (autograde already makes it)
    python autograder/course.py export         # grades.csv, grades_by_exercise.csv, and Canvas and Moodle import files
    python autograder/course.py report         # class_report.html: scores, failing checks, misconceptions,
                                               #   time-outs, grading notes, similar submissions

The make targets (make release, make solutions, make collect, make autograde, make
feedback, make export, make report, make grade) call these. Each prints what it did and where.

Class autograde is nbgrader's own `autograde` and `generate_feedback`, run for one
student per dask task (grading_task.py): on a LocalCluster of worker processes on this
machine (one per core by default), or on a dask cluster (--scheduler tcp://host:8786).
Each worker imports torch and nbgrader and starts its sandbox once; a task returns the
student's gradebook rows and feedback, and they are written here into
autograder/gradebook.db, so nbgrader's export, formgrader and feedback see every grade.
Before grading, every submission is staged: only the notebook and the
exercise files are taken (files a student added are left out), an unreadable or
missing notebook is replaced by the released one and a missing exercise file by its
stub, and what was done is written at the top of the notebook, where the feedback shows it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

COURSE = Path(__file__).resolve().parent
REPO = COURSE.parent
sys.path.insert(0, str(COURSE))

from nbgrader_plugins import ASSIGNMENT, NOTE_MARK, NOTEBOOK, STUDENT_FILES, load_module, note_cell  # noqa: E402
import collector  # noqa: E402
import variants  # noqa: E402

# nbgrader runs `alembic` and `jupyter` by name: find them next to this Python even when
# its environment is not activated (make calls .venv/bin/python directly).
if os.environ.get("PATH", "").split(os.pathsep)[0] != str(Path(sys.executable).parent):  # once (hooks reload this)
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])

SOURCE = COURSE / "source" / ASSIGNMENT
RELEASE = COURSE / "release" / ASSIGNMENT
GRADEBOOK = COURSE / "gradebook.db"
WORK = COURSE / ".grading"  # staged submissions (sent to the workers from here)
COLLECT_NOTES = COURSE / collector.NOTES_FILE  # student id -> notes from collect --zip (not in the student's folder)
STAGED = "staged"  # under WORK: nbgrader's submitted_directory while grading
SOLUTION_NOTEBOOKS = REPO / "solutions" / "notebooks"
DATASETS = REPO / "datasets"  # data the lessons use offline (the MNIST test split)
CHECKS = COURSE / "linear_checks"  # the checks package (public checks, sandbox, runner): shipped to students
HIDDEN_CHECKS = COURSE / "hidden_checks"  # never copied anywhere
GRADED = COURSE / "graded.json"  # student id -> fingerprint of what was graded, how, and when (regrade only changes)
RESULTS = COURSE / "results"  # <student>.json: every check's verdict, the seed of its inputs, the grading notes
GRADING_TASK = COURSE / "grading_task.py"  # what a worker runs (uploaded to the cluster)


def say(*parts) -> None:
    print(*parts, flush=True)


def _make_stubs(repo: Path = REPO):
    """tools/make_stubs.py of this repository (or of a copy made by copy_course()): it reads repo/solutions/."""
    return load_module("make_stubs_tool", repo / "tools" / "make_stubs.py")


def copy_course(dest: Path) -> Path:
    """A working copy of the course (autograder/, the solutions package, tools/) under dest; returns its autograder/.

    Tests and benchmarks grade fake classes in such a copy, never in the repository's own folders.
    """
    outputs = shutil.ignore_patterns("__pycache__", "release", "submitted", "autograded", "feedback", "downloaded",
                                     ".grading", "gradebook.db", "*.csv", "solution", "nbgrader.log", "exchange",
                                     GRADED.name, collector.NOTES_FILE, RESULTS.name, "course_secret")
    shutil.copytree(COURSE, dest / "autograder", ignore=outputs)
    shutil.copytree(REPO / "solutions" / "linear_exercises", dest / "solutions" / "linear_exercises", ignore=outputs)
    shutil.copytree(REPO / "tools", dest / "tools", ignore=outputs)
    shutil.copytree(REPO / "notebooks", dest / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    if (REPO / "nbgrader_config.py").is_file():  # nbgrader run at the top (students: fetch, submit) loads the course's
        shutil.copy2(REPO / "nbgrader_config.py", dest / "nbgrader_config.py")
    shutil.copy2(REPO / "pyproject.toml", dest / "pyproject.toml")  # the student release's requirements come from it
    return dest / "autograder"


# -- building the assignment --------------------------------------------------------------
# nbgrader's generate_assignment, run by `make release` / `make publish` or by formgrader's
# Generate button, calls the two hooks below (GenerateAssignment.pre_convert_hook and
# post_convert_hook in nbgrader_config.py), so every way of generating gives one release.
# nbgrader 0.9 logs and ignores an Exception raised by a hook: they stop it with SystemExit.
def build_source(course: Path = COURSE) -> None:
    """source/linear_layers/: the notebook (committed), the student stubs and the checks package (written).

    source/ only ever holds the stubs (tools/make_stubs.py), never the reference solutions:
    whatever generates from it (formgrader's buttons included) cannot copy them out.
    solutions() lays the reference over source/ in a throwaway copy of the course only.
    course: the course folder to build in (this one, or a copy made by copy_course()).
    """
    source = course / "source" / ASSIGNMENT
    _make_stubs(course.parent).write(source / "linear_exercises")
    checks = source / "linear_checks"
    shutil.rmtree(checks, ignore_errors=True)
    shutil.copytree(course / "linear_checks", checks, ignore=shutil.ignore_patterns("__pycache__", "*.pyc",
                                                                                    ".ipynb_checkpoints"))


def _generating(assignment: str, hook: str) -> bool:
    """Whether a generate_assignment hook call is about this course's assignment (it stops if run elsewhere)."""
    from fnmatch import fnmatch

    if not fnmatch(ASSIGNMENT, assignment or ""):
        return False
    if Path.cwd().resolve() != COURSE:  # nbgrader works in the course root while it converts
        raise SystemExit(f"generate_assignment: {hook} is set up for the course in {COURSE}, "
                         f"but nbgrader is generating in {Path.cwd()} (CourseDirectory.root)")
    return True


def before_generate(assignment: str = "", **_) -> None:
    """GenerateAssignment.pre_convert_hook: rebuild source/ (stubs, checks) before nbgrader copies it."""
    if not _generating(assignment, "the pre_convert_hook"):
        return
    try:
        build_source()
    except Exception as exc:  # noqa: BLE001 - nbgrader would log it and go on with a stale source/
        raise SystemExit(f"generate_assignment: source/{ASSIGNMENT} could not be rebuilt: "
                         f"{type(exc).__name__}: {exc}") from exc


def finish_release(assignment: str = "", **_) -> None:
    """GenerateAssignment.post_convert_hook: complete release/linear_layers/ for students, then check it.

    nbgrader wrote the notebook without solutions and copied source/ (stubs, public checks);
    this adds the lessons, the student README and the shipped digits, writes the package
    afresh with the stub generator, and runs release_problems(). A release with problems
    is removed and generate_assignment fails with their list.
    """
    if not _generating(assignment, "the post_convert_hook"):
        return
    try:
        package = RELEASE / "linear_exercises"
        shutil.rmtree(package, ignore_errors=True)
        _make_stubs().write(package)
        # The lessons go with it, next to the package they import (not graded, not in source/:
        # nbgrader would run them for every student), without the outputs JupyterLab saved.
        for lesson in sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")):
            _write_clean_notebook(lesson, RELEASE / lesson.name)
        (RELEASE / "README.md").write_text(student_readme(), encoding="utf-8")
        (RELEASE / "requirements.txt").write_text(student_requirements(), encoding="utf-8")
        if DATASETS.is_dir():  # the shipped MNIST test split, which load_digits() finds next to the package
            shutil.copytree(DATASETS, RELEASE / DATASETS.name, dirs_exist_ok=True)
        problems = release_problems(RELEASE)
    except Exception as exc:  # noqa: BLE001 - nbgrader would log it and leave a half-made release
        problems = [f"it could not be completed: {type(exc).__name__}: {exc}"]
    if problems:
        shutil.rmtree(RELEASE, ignore_errors=True)
        raise SystemExit(f"the release is not fit for students and was removed ({RELEASE}):\n  "
                         + "\n  ".join(problems))


def nbgrader(*args: str, quiet: bool = False, course: Path = COURSE) -> None:
    """Run one nbgrader command in the course folder (or in a copy of it); stop with its log when it fails."""
    cmd = [sys.executable, "-m", "nbgrader", *args]
    proc = subprocess.run(cmd, cwd=course, text=True, capture_output=True)
    out = (proc.stdout + proc.stderr).strip()
    if out and (proc.returncode != 0 or not quiet):
        say(out)
    if proc.returncode != 0:
        hint = ""
        if args and args[0] in EXCHANGE_COMMANDS:
            hint = f" (the exchange is {_exchange(course)[0]}: {EXCHANGE_SETTING})"
        raise SystemExit(f"nbgrader {' '.join(args)} failed (exit code {proc.returncode}){hint}")


EXCHANGE_COMMANDS = ("release_assignment", "collect", "list", "fetch_assignment", "submit", "fetch_feedback",
                     "release_feedback")
EXCHANGE_SETTING = "set it with Exchange.root in autograder/nbgrader_config.py, or NBGRADER_EXCHANGE=<folder>"


def release(validate: bool = False) -> Path:
    """The student version in release/linear_layers/: notebook without solutions, stubs, lessons, public checks.

    The one function that writes autograder/release/, and only through nbgrader's
    generate_assignment, as formgrader's Generate button does: its hooks (nbgrader_config.py)
    rebuild source/ first (before_generate) and complete and check the release after
    (finish_release), which stops when release_problems() finds anything that gives
    solutions or hidden checks away. publish() calls it every time; solutions() never
    touches this folder (it works in a throwaway copy of the course).
    """
    nbgrader("generate_assignment", ASSIGNMENT, "--force", quiet=True)
    if not (RELEASE / "README.md").is_file():
        raise SystemExit("release: generate_assignment did not complete the release: the GenerateAssignment hooks "
                         "in autograder/nbgrader_config.py did not run")
    if validate:  # the untouched release must fail every test cell
        nbgrader("validate", "--invert", str(RELEASE / NOTEBOOK), quiet=True)
        for cache in sorted(RELEASE.rglob("__pycache__"), reverse=True):  # left by running the stubs
            shutil.rmtree(cache, ignore_errors=True)
    say(f"release: {RELEASE.relative_to(REPO)} (graded notebook, lesson notebooks, linear_exercises/ stubs, "
        "public checks)")
    return RELEASE


def _write_clean_notebook(source: Path, dest: Path) -> None:
    """Copy a notebook without outputs, execution counts or saved widget state."""
    import nbformat

    nb = nbformat.read(source, as_version=4)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(nb, dest)


def student_requirements() -> str:
    """requirements.txt of the student folder: the course package's own dependencies (pyproject.toml), which hold
    no instructor tool (those are its "instructor" extra)."""
    import tomllib

    dependencies = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    return ("# What the course needs on your computer (Python 3.11 or newer): pip install -r requirements.txt\n"
            + "\n".join(dependencies) + "\n")


def student_readme() -> str:
    """README.md of the student folder: what to open, which files to edit, how to check and hand in."""
    from linear_checks.exercises import EXERCISES

    rows = "\n".join(f"| {e.number} | {e.title} | `linear_exercises/{e.module}` | `{e.key}` | {e.points} |"
                     for e in EXERCISES)
    lessons = sorted(p.name for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    first = EXERCISES[0].key
    return f"""# Linear layers in PyTorch: your course folder

Everything for the course is in this folder. Work here and only here: the checks and
the grader read the files of this folder.

## 0. Set up (once)
If your course gives you a JupyterLab in the browser (a JupyterHub), it is set up
already: go to 1. On your own computer you need Python 3.11 or newer; then, in a
terminal opened in this folder:

| | Linux and macOS | Windows (PowerShell) |
|---|---|---|
| make an environment | `python3 -m venv .venv` | `py -3.11 -m venv .venv` |
| install the packages | `.venv/bin/pip install -r requirements.txt` | `.venv\\Scripts\\pip install -r requirements.txt` |
| start JupyterLab | `.venv/bin/jupyter lab` | `.venv\\Scripts\\jupyter lab` |

These steps were tried on Linux; macOS takes the same commands. The install downloads
PyTorch (on Linux with its CUDA libraries: about 4.9 GiB installed, 4.2 GiB of it PyTorch; pip's `--index-url https://download.pytorch.org/whl/cpu` for
`torch` and `torchvision` gets the much smaller CPU-only build) and takes a few minutes.
The self-check runs your code in a separate process; on Linux, if the `bubblewrap`
package is installed (`sudo apt-get install bubblewrap`), inside a sandbox too. It is not
needed for your own checks (your code only runs on your own computer); the grader always
uses it. The self-check starts processes with `fork`, which Windows lacks: on Windows run
it in WSL (Windows Subsystem for Linux), or check in the graded notebook on your course's
JupyterHub.

## 1. Open
Start JupyterLab in this folder (`jupyter lab` in a terminal opened here, or open the
folder in the JupyterLab your course gives you). Then work through the lessons in order,
{lessons[0]} to {lessons[-1]}, and the graded assignment,
`{NOTEBOOK}`. A lesson cell that needs an exercise you have not done yet says so in
one line; the rest of the lesson runs (Run All reaches the end).

## 2. Edit
Your answers go in the files of `linear_exercises/` in this folder, not in the notebooks:

| Exercise | Topic | File to edit | Check name | Points |
|---|---|---|---|---|
{rows}

Total: {sum(e.points for e in EXERCISES)} points.

## 3. Check
After saving a file, check it; the checks always read the saved files afresh.
- In a notebook: `from linear_exercises import check`, then `check("{first}")` for one
  exercise or `check()` for all of them.
- In a terminal opened in this folder: `python -m linear_exercises {first}` (or without a
  name, for all).

Both run the same public checks, with the same feedback, as the grader. The grader also
runs hidden checks on inputs you have not seen: code that really does what the exercise
asks passes them; code tuned to the public checks does not.

## 4. Hand in
Save every file, then submit the way your course says: the Assignments tab of JupyterLab
(nbgrader) or an archive of this whole folder uploaded to your course site. The grader
takes `{NOTEBOOK}` and the exercise files above from it; your feedback comes back as a
web page with one line per check.
"""


def _hidden_check_files() -> list[Path]:
    """Every file of the hidden checks: hidden_checks/ (and LINEAR_HIDDEN_CHECKS where it names another folder)."""
    folders = {HIDDEN_CHECKS.resolve()}
    if os.environ.get("LINEAR_HIDDEN_CHECKS"):
        folders.add(Path(os.environ["LINEAR_HIDDEN_CHECKS"]).resolve())
    return sorted({p for folder in folders if folder.is_dir() for p in folder.rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"})


def _digests(data: bytes) -> set[str]:
    """sha256 of the bytes and of the text with line ends and trailing blanks normalized (empty: no digest)."""
    import hashlib

    text = "\n".join(line.rstrip() for line in data.decode("utf-8", "replace").splitlines()).strip()
    if len(text) < 40:  # an empty __init__.py and the like match too much to mean anything
        return set()
    return {hashlib.sha256(data).hexdigest(), hashlib.sha256(text.encode()).hexdigest()}


MARKERS = (b"BEGIN SOLUTION", b"END SOLUTION", b"BEGIN HIDDEN TESTS", b"END HIDDEN TESTS")


def release_problems(folder: Path) -> list[str]:
    """Anything in a student folder (the release, the exchange copy) that would give solutions or hidden checks away.

    - any file of the hidden checks, found by name (where the release has no file of that
      name for another reason), by content (sha256, also with line ends normalized) or
      because it is in a folder whose name says hidden;
    - any exercise module (linear_exercises/*.py) whose text is not exactly what the stub
      generator (tools/make_stubs.py build()) writes for it, and any .py there it does not
      write: make_stubs strips the BEGIN/END SOLUTION markers, so a solution file does
      not need to hold them to be one;
    - a copy of a reference solution file anywhere (by content);
    - nbgrader's solution or hidden-test markers in any file;
    - compiled Python (*.pyc, __pycache__), which cannot be checked;
    - a notebook with outputs (they may come from the reference solutions) and any text
      that holds a path of this machine (the course folder or the home folder).
    """
    tools = _make_stubs()
    stubs = tools.build(folder)
    solution_digests = {}
    for rel, stub in stubs.items():
        solution = tools.SOURCE / rel
        if solution.is_file() and solution.read_text(encoding="utf-8") != stub:
            solution_digests.update(dict.fromkeys(_digests(solution.read_bytes()), f"solutions/linear_exercises/{rel}"))
    hidden_files = _hidden_check_files()
    hidden_digests = {d: p.name for p in hidden_files for d in _digests(p.read_bytes())}
    legitimate = {NOTEBOOK, *(Path(rel).name for rel in stubs), *(p.name for p in CHECKS.rglob("*") if p.is_file())}
    hidden_names = {p.name for p in hidden_files} - legitimate
    problems = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(folder)
        data = path.read_bytes()
        digests = _digests(data)
        package_at = max((i for i, part in enumerate(rel.parts[:-1]) if part == "linear_exercises"), default=None)
        if any("hidden" in part.lower() for part in rel.parts[:-1]) or path.name in hidden_names:
            problems.append(f"{rel}: a hidden check")
        elif digests & hidden_digests.keys():
            problems.append(f"{rel}: the content of the hidden check {hidden_digests[min(digests & hidden_digests.keys())]}")
        elif digests & solution_digests.keys():
            problems.append(f"{rel}: a copy of {solution_digests[min(digests & solution_digests.keys())]}")
        elif "__pycache__" in rel.parts or path.suffix in (".pyc", ".pyo"):
            problems.append(f"{rel}: compiled Python (it cannot be checked for solution code)")
        elif any(marker in data for marker in MARKERS):
            problems.append(f"{rel}: contains a solution or hidden-test block")
        elif path.suffix == ".ipynb" and _cells_with_outputs(data):
            problems.append(f"{rel}: cells {_cells_with_outputs(data)} have outputs (clear them; they may come from "
                            "the reference solutions)")
        elif any(machine in data for machine in _machine_paths()):
            problems.append(f"{rel}: holds a path of this machine")
        elif package_at is not None and path.suffix == ".py":
            key = "/".join(rel.parts[package_at + 1:])
            if key not in stubs:
                problems.append(f"{rel}: not a file the stub generator writes")
            elif data.decode("utf-8", "replace") != stubs[key]:
                problems.append(f"{rel}: differs from the generated stub (solution code?)")
    return problems


def _cells_with_outputs(data: bytes) -> list[int]:
    """Numbers of the code cells (from 0) of a notebook that hold outputs or execution counts."""
    import nbformat

    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception:  # not a readable notebook: reported as having outputs, to be looked at
        return [-1]
    return [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and (cell.outputs or cell.execution_count)]


def _machine_paths() -> list[bytes]:
    """Paths of this machine that must not reach students: the course folder's parent and the home folder."""
    paths = {str(REPO.parent), str(Path.home())}
    return [p.encode() for p in paths if len(p) > 1]


# -- solution notebooks -------------------------------------------------------------------
def solutions(jobs: int, lessons: bool = True) -> None:
    """Executed notebooks (with outputs) of the graded assignment and of every lesson, in solutions/notebooks/.

    It never touches autograder/release/ (nor source/, the gradebook or the exchange):
    nbgrader's generate_solution runs in a throwaway copy of the course (copy_course()) in a
    temporary folder, the only place where the reference solutions are laid over source/,
    and only the executed graded notebook is copied out of it.
    lessons=False (--no-lessons) leaves the lesson notebooks out.
    """
    from nbgrader.api import Gradebook

    with tempfile.TemporaryDirectory(prefix="linear-solutions-") as tmp:
        course = copy_course(Path(tmp))
        build_source(course)
        with Gradebook(f"sqlite:///{course / GRADEBOOK.name}", _exchange(course)[1]) as gb:  # generate_solution asks
            gb.update_or_create_assignment(ASSIGNMENT)  # for the assignment (generate_assignment is not needed)
        # The one place the reference goes into source/: the copy's, for generate_solution to run on.
        package = course / "source" / ASSIGNMENT / "linear_exercises"
        shutil.rmtree(package)
        shutil.copytree(course.parent / "solutions" / "linear_exercises", package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        nbgrader("generate_solution", ASSIGNMENT, "--force", quiet=True, course=course)
        SOLUTION_NOTEBOOKS.mkdir(parents=True, exist_ok=True)
        shutil.copy2(course / "solution" / ASSIGNMENT / NOTEBOOK, SOLUTION_NOTEBOOKS / NOTEBOOK)
    say(f"solutions: {(SOLUTION_NOTEBOOKS / NOTEBOOK).relative_to(REPO)}")
    if not lessons:
        return
    notebooks = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
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
        for line in pool.map(run, notebooks):
            say(line)


def _exchange(course: Path = COURSE) -> tuple[Path, str]:
    """Exchange.root and the course id from nbgrader_config.py, as every nbgrader command of the course reads
    them (the root: autograder/exchange/ unless NBGRADER_EXCHANGE overrides it there)."""
    from traitlets.config import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    return Path(config.Exchange.root), config.CourseDirectory.course_id


def exchange_outbound() -> Path:
    """Where publish puts the assignment: <Exchange.root>/<course id>/outbound/linear_layers/ (from nbgrader_config.py)."""
    root, course_id = _exchange()
    return root / course_id / "outbound" / ASSIGNMENT


def publish() -> Path:
    """Put a freshly built release into nbgrader's exchange, where students fetch it (nbgrader fetch_assignment).

    The release is always rebuilt first (release(), which refuses a folder with problems) and
    checked again right before nbgrader's release_assignment, so whatever an earlier command
    left in autograder/release/ is never published. The exchange copy is checked too; one
    with problems is removed and publish fails.
    """
    release()
    problems = release_problems(RELEASE)
    if problems:
        raise SystemExit("publish: refusing to publish, the release is not fit for students:\n  " + "\n  ".join(problems))
    outbound = exchange_outbound()  # what nbgrader_config.py says, as for every nbgrader command
    nbgrader("release_assignment", ASSIGNMENT, "--force", quiet=True)
    problems = release_problems(outbound) if outbound.is_dir() else [f"{outbound} was not written"]
    if problems:
        shutil.rmtree(outbound, ignore_errors=True)
        raise SystemExit(f"publish: the exchange copy ({outbound}) is not fit for students and was removed:\n  "
                         + "\n  ".join(problems))
    say(f"publish: {ASSIGNMENT} is in the exchange ({outbound}), checked: no solution code, no hidden checks")
    return outbound


# -- collecting ---------------------------------------------------------------------------
def collect(zip_folder: str | None) -> None:
    """From nbgrader's exchange, or (zip_folder) an LMS download, with the course's own collector."""
    problems = []
    if zip_folder:
        if not Path(zip_folder).is_dir():
            raise SystemExit(f"collect: {zip_folder} is not a folder (give the folder holding one zip per student)")
        released = {str(p.relative_to(RELEASE)) for p in RELEASE.rglob("*") if p.is_file()} if RELEASE.is_dir() else set()
        result = collector.collect_download(Path(zip_folder), COURSE / "submitted", COLLECT_NOTES, ASSIGNMENT,
                                            [NOTEBOOK, *STUDENT_FILES], released)
        problems = result.problems
    else:
        inbound = exchange_outbound().parents[1] / "inbound"
        if not inbound.is_dir():  # nbgrader says "Course not found" and fails
            say(f"collect: nothing submitted yet: {inbound} does not exist (publish first; wrong exchange? "
                f"{EXCHANGE_SETTING})")
            return
        nbgrader("collect", ASSIGNMENT, "--update", quiet=True)
        COLLECT_NOTES.unlink(missing_ok=True)  # notes of an earlier LMS download no longer apply
    found = submitted_students()
    say(f"collect: {len(found)} submission(s) in {(COURSE / 'submitted').relative_to(REPO)}"
        + (" (nothing submitted yet)" if not found else "") + (f"; {len(problems)} problem(s):" if problems else ""))
    for line in problems:
        say(f"  {line}")


# -- staging ------------------------------------------------------------------------------
def stage(student: str) -> Path:
    """Copy what counts of one submission into WORK/staged/<student>/; note what was replaced."""
    import nbformat

    src = COURSE / "submitted" / student / ASSIGNMENT
    dst = WORK / STAGED / student / ASSIGNMENT
    shutil.rmtree(dst.parent, ignore_errors=True)
    (dst / "linear_exercises").mkdir(parents=True)
    notes = collector.notes_for(COLLECT_NOTES, student)  # what collect --zip found
    try:  # files are read without following links, regular files only, size-capped
        nb = nbformat.reads(collector.read_regular(src, NOTEBOOK, collector.MAX_NOTEBOOK_BYTES).decode("utf-8"),
                            as_version=4)
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
        try:
            (dst / rel).write_bytes(collector.read_regular(src, rel, collector.MAX_PY_BYTES))
        except (OSError, collector.Refused) as exc:
            stubs = stubs or release_stub_dir()
            shutil.copy2(stubs / Path(rel).name, dst / rel)
            why = "was not handed in" if isinstance(exc, FileNotFoundError) else f"was not used ({exc})"
            notes.append(f"{rel} {why}: its exercise was graded on the unchanged stub (0 points).")
    released = {str(p.relative_to(RELEASE)) for p in RELEASE.rglob("*") if p.is_file()} if RELEASE.is_dir() else set()
    used = {NOTEBOOK, *collector.NBGRADER_OWN_FILES, *STUDENT_FILES, *released}
    extra = sorted(str(p.relative_to(src)) for p in src.rglob("*")
                   if p.is_file() and str(p.relative_to(src)) not in used
                   and not str(p.relative_to(src)).startswith(("autograder/", "linear_exercises/"))
                   and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts) if src.is_dir() else []
    if extra:
        shown = ", ".join(extra[:5]) + (f" and {len(extra) - 5} more" if len(extra) > 5 else "")
        notes.append(f"Files you added were not used at grading: {shown}.")
    # Grading notes come from the grader only: a note cell in the student's notebook is dropped.
    nb.cells = [c for c in nb.cells if not c.get("metadata", {}).get(NOTE_MARK)]
    if notes:
        nb.cells.insert(0, note_cell(notes))
    nbformat.write(nb, dst / NOTEBOOK)
    (dst.parent / NOTES_NAME).write_text(json.dumps(notes), encoding="utf-8")  # for the results file; not sent
    try:
        (dst / "timestamp.txt").write_bytes(collector.read_regular(src, "timestamp.txt", 1024))
    except (OSError, collector.Refused):
        pass
    return dst


NOTES_NAME = "notes.json"  # beside a staged submission: its grading notes


def release_stub_dir() -> Path:
    """The stubs a missing exercise file is replaced by at grading, as the stub generator writes them.

    Written once into WORK/stubs/linear_exercises/ (again when stale), never taken from
    autograder/release/, which is an output an earlier command may have left in any state.
    """
    folder = WORK / "stubs" / "linear_exercises"
    tools = _make_stubs()
    if tools.stale(folder):
        tools.write(folder)
    return folder


def submitted_students() -> list[str]:
    return sorted(p.parent.name for p in (COURSE / "submitted").glob(f"*/{ASSIGNMENT}") if p.is_dir())


# -- autograde: one dask task per submission -----------------------------------------------
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
    fingerprints = {student: fingerprint(stage(student), grader) for student in students}
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
            _grade_on(client, {s: seeds[s] for s in students}, isolate, results)
            workers = len(client.nthreads())
    finally:  # also on Ctrl-C: what was graded so far is recorded
        _record_graded({r["student"]: fingerprints[r["student"]] for r in results if r["success"]}, seeds,
                       failed=[r["student"] for r in results if not r["success"]], isolate=isolate)
    failed = [r for r in results if not r["success"]]
    say(f"autograde: {len(results) - len(failed)} of {len(students)} submission(s) graded in "
        f"{time.perf_counter() - start:.1f} s on {workers} worker(s); grades in {GRADEBOOK.relative_to(REPO)}")
    for r in failed:
        why = r['error'].strip().splitlines()[-1] if r['error'].strip() else '?'
        say(f"  {r['student']}: grading failed: {collector.visible(why)[:300]}")
    return results


def _gradable(students: list[str]) -> list[str]:
    """The students that can be graded; the others are named, with the reason, and left out.

    Refused: a folder name that is no student id (collector.id_problem), and ids that are the same
    once letter case and Unicode forms are ignored (Casey and casey): none of them is graded (which of
    them is whose only the instructor can tell; an LMS that matches ids without case would give both
    grades to one student). collect --zip refuses such ids already; this catches the exchange route
    and folders put in submitted/ by hand.
    """
    ok = []
    for student in students:
        why = collector.id_problem(student)
        if why:
            say(f"autograde: {ascii(student)} is not a student id ({why}): not graded")
        else:
            ok.append(student)
    clashing = set()
    for group in collector.colliding(ok):
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


def _grade_on(client, seeds: dict[str, int], isolate: bool, results: list[dict]) -> None:
    """Submit one task per student (with the seed of their hidden check inputs) and the grading kit; write each
    result into the gradebook as it comes back."""
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
                results.append(_take(future, student, seeds[student], gb))
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


def _take(future, student: str, seed: int, gb) -> dict:
    """One task's outcome, written into the gradebook and the course folders: grades, or a 0 with the reason."""
    try:
        result = future.result()
        if result.get("student") != student or result.get("seed") != seed:
            raise ValueError("a worker answered for another student")
        if result["success"]:
            _write_result(gb, result)
            return result
    except Exception as exc:  # noqa: BLE001 - failed for good (retries or workers used up), or not writable
        gb.db.rollback()
        why = (str(exc).strip().splitlines() or [""])[0][:300]
        result = {"student": student, "success": False, "error": f"the grading task failed ({type(exc).__name__}: {why})"}
    try:
        _write_failure(gb, student, seed, result["error"])
    except Exception as exc:  # noqa: BLE001 - the gradebook refuses even that: say so, go on with the others
        gb.db.rollback()
        result["error"] += f"; its 0 could not be written either ({type(exc).__name__}: {exc})"
    return result


def _staged_files(student: str) -> dict[str, str | bytes]:
    folder = WORK / STAGED / student / ASSIGNMENT
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


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
        for path in (COURSE / "nbgrader_config.py", COURSE / "nbgrader_plugins.py", CHECKS, HIDDEN_CHECKS, SOURCE):
            tar.add(path, arcname=f"autograder/{path.relative_to(COURSE)}", filter=skip)
        tar.add(template, arcname="autograder/gradebook.db")
    template.unlink()
    return buffer.getvalue()


def _student_row(gb, student: str) -> None:
    """The student's gradebook row: kept as it is when there (names from a class list), else named by the id."""
    from nbgrader.api import MissingEntry

    try:
        gb.find_student(student)
    except MissingEntry:  # formgrader shows "id, " rather than "None, None"
        gb.add_student(student, last_name=student, first_name="", email="")


def _write_result(gb, result: dict) -> None:
    """One student's grading from a worker: scores into gradebook.db with nbgrader's API, files into the course.

    As nbgrader's own autograde does, only the automatic scores and comments change: a
    manual score, extra credit or a flag the instructor gave stays.
    """
    student, scores = result["student"], result["scores"]
    _student_row(gb, student)
    when = {"timestamp": scores["timestamp"]} if scores.get("timestamp") else {}
    sub = gb.update_or_create_submission(ASSIGNMENT, student, **when)
    for nb in sub.notebooks:
        mine = scores["notebooks"].get(nb.name, {"grades": {}, "comments": {}})
        for grade in nb.grades:
            grade.auto_score, grade.needs_manual_grade = mine["grades"].get(grade.name, [0, False])
        for comment in nb.comments:
            comment.auto_comment = mine["comments"].get(comment.name)
    gb.db.commit()
    _replace_outputs(student, result["files"])
    _write_checks(student, result["seed"], result["verdicts"])


def _write_failure(gb, student: str, seed: int, error: str) -> None:
    """A submission that could not be graded: 0 points in the gradebook, and feedback that says why."""
    import html

    _student_row(gb, student)
    sub = gb.update_or_create_submission(ASSIGNMENT, student)
    for nb in sub.notebooks:
        for grade in nb.grades:
            grade.auto_score, grade.needs_manual_grade = 0, False
    gb.db.commit()
    reason = collector.visible((error.strip().splitlines() or ["?"])[-1])[:500]  # one line, controls as escapes
    page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{ASSIGNMENT}</title></head><body>"
            f"<h1>{ASSIGNMENT}: not graded</h1><p>Your submission could not be graded, so it has 0 points "
            f"for now. The reason: {html.escape(reason)}</p><p>Your instructor has been told.</p></body></html>")
    _replace_outputs(student, {f"feedback/{student}/{ASSIGNMENT}/{Path(NOTEBOOK).stem}.html": page.encode()})
    _write_checks(student, seed, [], error=reason)


def _write_checks(student: str, seed: int, verdicts: list[dict], error: str = "") -> None:
    """results/<student>.json: what the class report reads (every check's verdict, the notes, the seed)."""
    from datetime import datetime, timezone

    try:
        notes = json.loads((WORK / STAGED / student / NOTES_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        notes = []
    RESULTS.mkdir(exist_ok=True)
    record = {"student": student, "seed": seed, "graded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "success": not error, "error": error, "notes": notes, "exercises": verdicts}
    (RESULTS / f"{student}.json").write_text(json.dumps(record, indent=1), encoding="utf-8")


def _replace_outputs(student: str, files: dict[str, bytes]) -> None:
    """The student's autograded notebook and feedback: the old ones go, the new ones (from a worker) come."""
    for top in ("autograded", "feedback"):
        shutil.rmtree(COURSE / top / student / ASSIGNMENT, ignore_errors=True)
    for rel, data in files.items():
        parts = Path(rel).parts
        if len(parts) != 4 or parts[0] not in ("autograded", "feedback") or parts[1:3] != (student, ASSIGNMENT) \
                or parts[3] in ("..", "."):
            continue  # only this student's autograded and feedback folders are written
        path = COURSE.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


GRADED_BY = (CHECKS, HIDDEN_CHECKS, GRADING_TASK, COURSE / "nbgrader_plugins.py", COURSE / "nbgrader_config.py",
             SOURCE / NOTEBOOK)  # the grading code and what it runs: a change to any of them regrades everyone


def _digest_files(digest, root: Path) -> None:
    files = sorted(p for p in ([root] if root.is_file() else root.rglob("*"))
                   if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    for path in files:
        data = path.read_bytes()
        if path.suffix == ".ipynb":  # cell ids may be drawn afresh each time a notebook is staged
            data = re.sub(rb'"id": "[^"]*",?', b"", data)
        digest.update(f"{path.relative_to(root.parent)}\0{len(data)}\0".encode())
        digest.update(data)


def grader_fingerprint(isolate: bool) -> str:
    """sha256 of how a grade is made: the grading code (the linear_checks package, the hidden checks, the grading
    task, nbgrader_plugins.py and nbgrader_config.py), the source notebook, and the mode (in the sandbox or not).
    A grade made by another version of any of them, or in the other mode, is not kept by the regrade cache."""
    import hashlib

    digest = hashlib.sha256(f"mode {'sandbox' if isolate else 'no sandbox'}\0".encode())
    for root in GRADED_BY:
        if root.exists():
            _digest_files(digest, root)
    return digest.hexdigest()


def fingerprint(staged: Path, grader: str) -> str:
    """sha256 of what grading reads and how: the staged submission's files and grader_fingerprint()."""
    import hashlib

    digest = hashlib.sha256(f"grader {grader}\0".encode())
    _digest_files(digest, staged)
    return digest.hexdigest()


def _graded() -> dict:
    try:
        return json.loads(GRADED.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _unchanged(fingerprints: dict[str, str]) -> list[str]:
    """The students whose submission was graded before with the same fingerprint, and still has its grade."""
    from nbgrader.api import Gradebook, MissingEntry

    before = _graded()
    same = [s for s, f in fingerprints.items() if before.get(s, {}).get("fingerprint") == f]
    if not same or not GRADEBOOK.exists():
        return []
    kept = []
    with Gradebook(f"sqlite:///{GRADEBOOK}") as gb:
        for student in same:
            try:
                gb.find_submission(ASSIGNMENT, student)
                kept.append(student)
            except MissingEntry:
                pass
    return kept


def _record_graded(fingerprints: dict[str, str], seeds: dict[str, int], failed: list[str] = (),
                   isolate: bool = True) -> None:
    """Note what was graded, how (in the sandbox or not), when (UTC) and with which inputs (seed), for the next
    autograde and the export; a failed one is graded again."""
    from datetime import datetime, timezone

    graded = _graded()
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    graded.update({s: {"fingerprint": f, "graded_at": now, "seed": seeds[s], "sandbox": isolate}
                   for s, f in fingerprints.items()})
    for student in failed:
        graded.pop(student, None)
    GRADED.write_text(json.dumps(graded, indent=1, sort_keys=True), encoding="utf-8")


def import_students(class_list: Path) -> int:
    """Add or update the students of a class list (CSV: id, first_name, last_name, email) in gradebook.db.

    formgrader shows their names; grades and exports use the id. Returns how many rows were read.
    """
    import csv

    from nbgrader.api import Gradebook

    with open(class_list, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    if not rows or "id" not in rows[0]:
        raise SystemExit(f"{class_list}: expected a CSV file with a header line: id,first_name,last_name,email")
    with Gradebook(f"sqlite:///{GRADEBOOK}") as gb:
        for number, row in enumerate(rows, start=2):
            student = (row.get("id") or "").strip()
            student = unicodedata.normalize("NFC", student)
            why = collector.id_problem(student)
            if why:
                raise SystemExit(f"{class_list}, line {number}: {ascii(student)} is not a student id: {why}")
            names = {k: (row.get(k) or "").strip() for k in ("first_name", "last_name", "email")}
            if not names["first_name"] and not names["last_name"]:  # formgrader shows "id, " (not "None, None")
                names["last_name"] = student
            gb.update_or_create_student(student, **names)
    say(f"students: {len(rows)} from {class_list} in {GRADEBOOK.relative_to(REPO)}")
    return len(rows)


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
    import csv

    from linear_checks.exercises import EXERCISES
    from nbgrader.api import Gradebook

    nbgrader("export", "--to", str(COURSE / "grades.csv"), quiet=True)
    with open(COURSE / "grades.csv", newline="") as f:  # nbgrader writes them in gradebook order
        rows = list(csv.reader(f))
    with open(COURSE / "grades.csv", "w", newline="") as f:
        student = rows[0].index("student_id") if rows and "student_id" in rows[0] else 0
        csv.writer(f).writerows(rows[:1] + sorted(rows[1:], key=lambda row: row[student]))
    by_exercise = COURSE / "grades_by_exercise.csv"

    with Gradebook(f"sqlite:///{GRADEBOOK}") as gb, open(by_exercise, "w", newline="", encoding="utf-8") as out:
        assignment = gb.find_assignment(ASSIGNMENT)
        names = {c.name for nb in assignment.notebooks for c in nb.grade_cells}
        order = [f"check_{e.key}" for e in EXERCISES]  # in exercise order, any other graded cell after them
        cells = [n for n in order if n in names] + sorted(names - set(order))
        writer = csv.writer(out)
        graded = _graded()
        writer.writerow(["student_id", *cells, "total", "max_score", "graded_at"])
        lms_rows = []
        for student in sorted(gb.students, key=lambda s: s.id):
            try:
                sub = gb.find_submission(ASSIGNMENT, student.id)
            except Exception:  # noqa: BLE001 - no submission: no row
                continue
            scores = {g.name: g.score for nb in sub.notebooks for g in nb.grades}
            writer.writerow([student.id, *[f"{scores.get(c, 0):g}" for c in cells], f"{sub.score:g}",
                             f"{sub.max_score:g}", graded.get(student.id, {}).get("graded_at", "")])
            points = {e.key: scores.get(f"check_{e.key}", 0) for e in EXERCISES}
            lms_rows.append({"student_id": student.id, "first_name": student.first_name or "",
                             "last_name": student.last_name or "", "email": student.email or "",
                             "points": points, "total": sum(points.values())})
    say(f"export: {(COURSE / 'grades.csv').relative_to(REPO)}, {by_exercise.relative_to(REPO)}")
    _export_for_lms(lms_rows, EXERCISES)
    return COURSE / "grades.csv", by_exercise


CANVAS_CSV = COURSE / "grades_canvas.csv"  # Canvas: Grades > Import (lms_export.py says how)
MOODLE_CSV = COURSE / "grades_moodle.csv"  # Moodle: Grades > Import > CSV file


def _export_for_lms(rows: list[dict], exercises) -> None:
    """Canvas's and Moodle's grade import files, with a column per exercise (autograder/lms_export.py)."""
    import lms_export

    try:
        lms_export.write_canvas(rows, exercises, CANVAS_CSV)
        ident = lms_export.write_moodle(rows, exercises, MOODLE_CSV)
    except ValueError as exc:  # e.g. extra credit above an exercise's points: an LMS column would refuse it
        CANVAS_CSV.unlink(missing_ok=True)
        MOODLE_CSV.unlink(missing_ok=True)
        say(f"export: no Canvas or Moodle file: {exc}")
        return
    say(f"export: {CANVAS_CSV.relative_to(REPO)} (Canvas: matched on SIS Login ID = student id), "
        f"{MOODLE_CSV.relative_to(REPO)} (Moodle: identify users by {ident})")


# -- the class report ------------------------------------------------------------------------
REPORT = COURSE / "class_report.html"


def report() -> Path:
    """The instructor's class report (class_report.py) from what autograde recorded in results/: scores, checks,
    misconceptions, time-outs and crashes, grading notes, and similar submissions (similarity.py)."""
    from datetime import datetime, timezone

    import class_report
    import similarity
    from linear_checks.exercises import EXERCISES
    from linear_checks.misconceptions import CATALOGUE

    records = []
    for path in sorted(RESULTS.glob("*.json")) if RESULTS.is_dir() else []:
        try:
            records.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            say(f"report: {path.relative_to(REPO)} could not be read ({exc}); left out")
    if not records:
        say("report: nothing graded yet (run make autograde first); the report is empty")
    code = {r["student"]: _exercise_code(r["student"]) for r in records}
    stubs = {rel: [(release_stub_dir() / Path(rel).name).read_text(encoding="utf-8")] for rel in STUDENT_FILES}
    reference = {rel: (REPO / "solutions" / rel).read_text(encoding="utf-8") for rel in STUDENT_FILES}
    pairs = similarity.find_similar(code, {rel: [*stubs[rel], reference[rel]] for rel in STUDENT_FILES})
    page = class_report.render(
        records, assignment=ASSIGNMENT,
        exercises=[{"key": e.key, "label": e.label, "points": e.points} for e in EXERCISES],
        notes={r["student"]: r["notes"] for r in records if r.get("notes")},
        misconceptions={m.key: {"title": m.title, "exercise": m.exercise, "pointer": m.pointer()}
                        for m in CATALOGUE.values()},
        similarity_html=similarity.pairs_html(pairs) + similarity.strings_html(similarity.strings_runs(code)),
        reference_share=similarity.reference_share(code, reference, stubs),
        generated_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    REPORT.write_text(page, encoding="utf-8")
    say(f"report: {REPORT.relative_to(REPO)} ({len(records)} student(s), {len(pairs)} similar pair(s)); "
        "open it in a browser")
    return REPORT


def _exercise_code(student: str) -> dict[str, bytes]:
    """The exercise files a student handed in, as bytes (read as staging reads them: no links, size-capped);
    similarity.py decodes them as Python does (coding cookie, BOM)."""
    folder = COURSE / "submitted" / student / ASSIGNMENT
    code = {}
    for rel in STUDENT_FILES:
        try:
            code[rel] = collector.read_regular(folder, rel, collector.MAX_PY_BYTES)
        except (OSError, collector.Refused):
            pass
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("release", help="generate the student version")
    p.add_argument("--validate", action="store_true", help="also check that the untouched release fails every test cell")
    p = sub.add_parser("solutions", help="executed solution notebooks in solutions/notebooks/ (release/ untouched)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--no-lessons", dest="lessons", action="store_false", help="only the graded notebook")
    sub.add_parser("publish", help="put the release into nbgrader's exchange for students to fetch")
    p = sub.add_parser("collect", help="collect submissions from the exchange, or from an LMS download")
    p.add_argument("--zip", default=None, help="folder holding one zip (or folder) per student")
    p = sub.add_parser("autograde", help="grade every submission (or --student ...) in parallel")
    p.add_argument("--student", action="append", default=None)
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--no-sandbox", action="store_true",
                   help="run student code without bubblewrap (not recommended; every feedback file says so)")
    p.add_argument("--force", action="store_true", help="grade every submission again, changed or not")
    p.add_argument("--scheduler", default=None,
                   help="a dask scheduler's address (tcp://host:8786) to grade on; default: a cluster on this machine")
    p = sub.add_parser("students", help="import a class list (CSV: id,first_name,last_name,email) for formgrader")
    p.add_argument("class_list", type=Path)
    sub.add_parser("feedback", help="HTML feedback per student")
    sub.add_parser("export", help="grades.csv, grades_by_exercise.csv, grades_canvas.csv and grades_moodle.csv")
    sub.add_parser("report", help="the class report (class_report.html): what the class got wrong, similar code")
    args = parser.parse_args(argv)
    if args.command == "release":
        release(args.validate)
    elif args.command == "solutions":
        solutions(args.jobs, args.lessons)
    elif args.command == "publish":
        publish()
    elif args.command == "collect":
        collect(args.zip)
    elif args.command == "autograde":
        results = autograde(args.student, args.jobs, isolate=not args.no_sandbox, force=args.force,
                            scheduler=args.scheduler)
        return 0 if all(r["success"] for r in results) else 1
    elif args.command == "students":
        import_students(args.class_list)
    elif args.command == "feedback":
        feedback()
    elif args.command == "export":
        export()
    elif args.command == "report":
        report()
    return 0


if __name__ == "__main__":
    sys.exit(main())
