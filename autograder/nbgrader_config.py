"""nbgrader configuration of the course (this folder is the nbgrader course root).

The instructor commands in autograder/course.py (and the make targets that wrap them)
run nbgrader from here. Where things live:
- source/linear_layers/linear_layers.ipynb: the graded notebook (edit its prose here);
- solutions/linear_exercises/ at the top of the repository: the exercise code; its
  solution blocks are stripped for the student release (tools/make_stubs.py);
- linear_checks/ (the checks package, public checks included: copied into source/ and
  shipped) and hidden_checks/ (the hidden checks: they stay here, are never
  copied into source/ or release/, and are found through LINEAR_HIDDEN_CHECKS).
"""

import os
import sys
from pathlib import Path

COURSE = Path(__file__).resolve().parent
sys.path.insert(0, str(COURSE))  # nbgrader_plugins

from nbgrader_plugins import ASSIGNMENT, STUDENT_FILES  # noqa: E402

c = get_config()  # noqa: F821 - provided by traitlets when it reads this file

c.CourseDirectory.root = str(COURSE)
c.CourseDirectory.course_id = "linear-layers"

# Hidden checks are read from here at autograde time only (NBGRADER_EXECUTION=autograde).
os.environ.setdefault("LINEAR_HIDDEN_CHECKS", str(COURSE / "hidden_checks"))

# nbgrader's exchange (release_assignment / fetch_assignment / submit / collect): where
# NBGRADER_EXCHANGE says (students need the same setting), else nbgrader's usual folder on
# a shared machine when it exists, else a folder of this course (one machine, one user).
SHARED_EXCHANGE = "/srv/nbgrader/exchange"
c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE") or (
    SHARED_EXCHANGE if os.path.isdir(SHARED_EXCHANGE) else str(COURSE / "exchange"))
if c.Exchange.root == str(COURSE / "exchange"):  # formgrader hides release and collect without it
    os.makedirs(c.Exchange.root, exist_ok=True)

# Students hand in the notebook and their exercise files: keep those, restore the rest
# (the package's other files, the shipped checks) from source/.
c.Autograde.exclude_overwriting = {ASSIGNMENT: STUDENT_FILES}
# A deleted test cell is put back and graded instead of waiting for a manual grade.
c.OverwriteCells.add_missing_cells = True
# The submitted notebook's cells are replaced by the instructor's before anything runs:
# deleted or edited test cells come back, added code cells are dropped (nbgrader_plugins.py).
c.Autograde.sanitize_preprocessors = [
    "nbgrader_plugins.RebuildFromSource",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# course.py autograde computes the verdicts before the notebook runs; a test cell only prints them.
# Run by hand (nbgrader autograde), the first test cell checks every exercise live.
c.Execute.timeout = 300
c.Execute.kernel_name = "python3"
