"""Formgrader names a student with no known name by the id: a Jupyter server extension that `make lab` loads.

nbgrader's formgrader writes a student as "last_name, first_name" on its Manage Students and
Manage Submissions pages, which gives "None, None" for a student graded without a class list
(gradebook.db holds no names for them). This extension serves those two pages' scripts with
that one line changed to: the names that are known, else the id. formgrader's other pages
(the gradebook, grading a submission) already show the id when the names are missing.
"""

from __future__ import annotations

from pathlib import Path

from tornado import web

NAME_LINE = 'var name = last_name + ", " + first_name;'  # in both scripts, nbgrader 0.9
KNOWN_NAMES = '[this.model.get("last_name"), this.model.get("first_name")].filter(Boolean).join(", ")'
SCRIPTS = {"manage_students.js": 'this.model.get("id")',  # script -> how it reads the student's id
           "manage_submissions.js": 'this.model.get("student")'}


def patched_script(name: str) -> str:
    """formgrader's script `name`, its name line changed (as nbgrader wrote it if that line is not there)."""
    from nbgrader.server_extensions.formgrader.handlers import static_path

    text = (Path(static_path) / "js" / name).read_text(encoding="utf-8")
    return text.replace(NAME_LINE, f"var name = {KNOWN_NAMES} || {SCRIPTS[name]};")


class PatchedScript(web.RequestHandler):
    def get(self, name: str) -> None:
        self.set_header("Content-Type", "application/javascript; charset=UTF-8")
        self.finish(patched_script(name))


def _jupyter_server_extension_points():
    return [{"module": "formgrader_names"}]


def _load_jupyter_server_extension(serverapp) -> None:
    from jupyter_server.utils import url_path_join

    scripts = "|".join(name.replace(".", r"\.") for name in SCRIPTS)
    url = url_path_join(serverapp.web_app.settings["base_url"], f"/formgrader/static/js/({scripts})")
    # Extensions load in name order: this one before nbgrader's, so its handler is asked first.
    serverapp.web_app.add_handlers(".*$", [(url, PatchedScript)])
