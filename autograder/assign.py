"""Builds the assignment and hands it out: source/, the student release (README, requirements, lessons), publish.

Also copy_course(), the working copy of the course that tests, benchmarks and
solution_notebooks.solutions() build and grade in.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import collector
from leaks import release_problems
from nbgrader_commands import exchange_outbound, nbgrader
from paths import ASSIGNMENT, COURSE, DATASETS, GRADED, NOTEBOOK, RELEASE, REPO, RESULTS, say
from stub_tool import make_stubs_tool


def copy_course(dest: Path) -> Path:
    """A working copy of the course (autograder/, solutions, linear_exercises/, tools/, lessons) under dest; returns its autograder/.

    Tests and benchmarks grade fake classes in such a copy, never in the repository's own folders.
    """
    outputs = shutil.ignore_patterns("__pycache__", "release", "submitted", "autograded", "feedback", "downloaded",
                                     ".grading", "gradebook.db", "*.csv", "solution", "nbgrader.log", "exchange",
                                     GRADED.name, collector.NOTES_FILE, RESULTS.name, "course_secret")
    shutil.copytree(COURSE, dest / "autograder", ignore=outputs)
    shutil.copytree(REPO / "solutions" / "linear_exercises", dest / "solutions" / "linear_exercises", ignore=outputs)
    shutil.copytree(REPO / "linear_exercises", dest / "linear_exercises", ignore=outputs)  # the helpers
    shutil.copytree(REPO / "tools", dest / "tools", ignore=outputs)
    shutil.copy2(REPO / "README.md", dest / "README.md")  # make stubs writes its exercise table
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
    """source/linear_layers/: the notebook (committed; the table's points stamped in), the stubs and the checks package.

    source/ only ever holds the stubs (tools/make_stubs.py), never the reference solutions:
    whatever generates from it (formgrader's buttons included) cannot copy them out.
    solutions() lays the reference over source/ in a throwaway copy of the course only.
    course: the course folder to build in (this one, or a copy made by copy_course()).
    """
    source = course / "source" / ASSIGNMENT
    tools = make_stubs_tool(course.parent)
    tools.write(source / "linear_exercises")
    notebook = source / NOTEBOOK  # the exercise table's headings, points and total, even if `make stubs` was not run
    text = notebook.read_text(encoding="utf-8")
    stamped = tools.graded_notebook(text, tools.exercises())
    if stamped != text:
        notebook.write_text(stamped, encoding="utf-8")
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
        make_stubs_tool().write(package)
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

    rows = "\n".join(f"| {e.number} | {e.title}{' (challenge)' if e.challenge else ''} | `linear_exercises/{e.module}` "
                     f"| `{e.key}` | {e.points} |" for e in EXERCISES)
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
PyTorch (on Linux with its CUDA libraries: about 5.8 GiB installed, 4.3 GiB of it PyTorch and CUDA; pip's `--index-url https://download.pytorch.org/whl/cpu` for
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
