"""nbgrader configuration of the course (this folder is the nbgrader course root).

The instructor commands in autograder/course.py (and the make targets that wrap them)
run nbgrader from here. Where things live:
- source/linear_layers/linear_layers.ipynb: the graded notebook (edit its prose here);
- solutions/linear_exercises/ at the top of the repository: the exercise code; its
  solution blocks are stripped for the student release (tools/make_stubs.py);
- checks/public/ and checks/hidden/: the pytest checks (hidden ones stay here, are never
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
os.environ.setdefault("LINEAR_HIDDEN_CHECKS", str(COURSE / "checks" / "hidden"))

# nbgrader's exchange (release_assignment / fetch_assignment / submit / collect) on a
# shared machine; NBGRADER_EXCHANGE moves it (students need the same setting).
c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE", "/srv/nbgrader/exchange")

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
# The first test cell runs every exercise's checks in one process (torch import included).
c.Execute.timeout = 300
c.Execute.kernel_name = "python3"

# zip_collect: one archive (or folder) per student in downloaded/linear_layers/archive/,
# named after the student ("alice.zip", "alice_attempt2.zip"), holding the notebook and
# linear_exercises/*.py, at its top or inside one folder (linear_layers/). Deeper files
# (a copy of autograder/checks/, say) are not collected: the course's own are used.
c.ZipCollectApp.collector_plugin = "nbgrader.plugins.zipcollect.FileNameCollectorPlugin"
c.FileNameCollectorPlugin.named_regexp = (
    r".*/extracted/(?P<student_id>[A-Za-z0-9.@-]+?)(?:_[^/]*)?/(?:[^/]+/)??"
    r"(?P<file_id>(?:linear_exercises/)?[^/]+)$"
)
c.FileNameCollectorPlugin.valid_ext = [".ipynb", ".py"]
