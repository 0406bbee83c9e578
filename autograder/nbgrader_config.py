"""nbgrader configuration of the course (this folder is the nbgrader course root).

The instructor commands in autograder/course.py (and the make targets that wrap them)
run nbgrader from here. Where things live:
- source/linear_layers/linear_layers.ipynb: the graded notebook (edit its prose here);
- solutions/linear_exercises/ at the top of the repository: the exercise code; its
  solution blocks are stripped (tools/make_stubs.py) into source/ and the release:
  source/ never holds the reference, so formgrader's buttons cannot publish it;
- linear_checks/ (the checks package, public checks included: copied into source/ and
  shipped) and hidden_checks/ (the hidden checks: they stay here, are never
  copied into source/ or release/, and are found through LINEAR_HIDDEN_CHECKS).
"""

import os
import sys
from pathlib import Path

COURSE = Path(__file__).resolve().parent
sys.path.insert(0, str(COURSE))  # nbgrader_plugins, paths

from nbgrader_plugins import STUDENT_FILES  # noqa: E402
from paths import ASSIGNMENT  # noqa: E402

c = get_config()  # noqa: F821 - provided by traitlets when it reads this file

c.CourseDirectory.root = str(COURSE)
c.CourseDirectory.course_id = "linear-layers"

# Hidden checks are read from here at autograde time only (NBGRADER_EXECUTION=autograde).
os.environ.setdefault("LINEAR_HIDDEN_CHECKS", str(COURSE / "hidden_checks"))

# nbgrader's exchange, where release_assignment puts the assignment and fetch_assignment,
# submit and collect (formgrader too) find it. This is the one setting: nbgrader run here or
# at the top of the repository (its nbgrader_config.py loads this file), course.py and make
# all read it. Default: autograder/exchange/ (one machine). NBGRADER_EXCHANGE=<folder>
# overrides it for the commands it is exported to. A shared server (students with their own
# accounts) uses one folder everybody can write (as root: mkdir -m 1777 /srv/nbgrader/exchange)
# and sets it in /etc/jupyter/nbgrader_config.py, which the students' nbgrader reads, and
# here, in place of the default below:
#     c.Exchange.root = "/srv/nbgrader/exchange"
c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE") or str(COURSE / "exchange")
if c.Exchange.root == str(COURSE / "exchange"):  # formgrader hides release and collect without it
    os.makedirs(c.Exchange.root, exist_ok=True)

# generate_assignment (make release, make publish, formgrader's Generate button) rebuilds
# source/ (student stubs, checks) first, then completes the release (lessons, README,
# datasets) and checks it: a release that would give solutions or hidden checks away is
# removed and the command fails (assign.py before_generate() and finish_release()).
c.GenerateAssignment.pre_convert_hook = "nbgrader_plugins.before_generate"
c.GenerateAssignment.post_convert_hook = "nbgrader_plugins.finish_release"

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
# autograde (grading_task.py) computes the verdicts before the notebook runs; a test cell only prints them.
# Run by hand (nbgrader autograde), the first test cell checks every exercise live.
c.Execute.timeout = 300
c.Execute.kernel_name = "python3"
# The feedback page draws its formulas as MathML: it loads no MathJax and reads offline (nbgrader_plugins.py).
c.GenerateFeedback.exporter_class = "nbgrader_plugins.FeedbackExporter"
