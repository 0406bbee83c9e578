"""nbgrader settings for a Jupyter server started at the top of the repository (`make lab`).

The course lives in autograder/ (its nbgrader_config.py says how); this file only loads
that one, so that formgrader in `make lab` shows the course's assignments, students and
gradebook (autograder/gradebook.db) instead of an empty course in this folder, and so that
nbgrader run here (students: fetch_assignment, submit) uses the course's exchange and id.
"""

from pathlib import Path

load_subconfig(str(Path(__file__).resolve().parent / "autograder" / "nbgrader_config.py"))  # noqa: F821
