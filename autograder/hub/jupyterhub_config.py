"""JupyterHub settings of the course's class hub (started by `make hub`, see class_hub.py).

One hub process on this machine, run as root: students and the instructor log in with
their local accounts (PAM), and each gets a JupyterLab server started as their own user
(LocalProcessSpawner) from the course environment, whose Python is the kernel. Students
land in their home folder, the instructor in their copy of the course. Everything
else (who is who, the folders, the port) comes from HUB_DIR/hub.json, written by
class_hub.py prepare.
"""

import json
import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
HUB_DIR = Path(os.environ.get("LINEAR_HUB_DIR", "/srv/linear-layers-hub"))
settings = json.loads((HUB_DIR / "hub.json").read_text(encoding="utf-8"))
VENV = Path(settings["venv"])
PORT = int(settings["port"])
INSTRUCTOR = settings["instructor"]
EXCHANGE = HUB_DIR / "exchange"

c = get_config()  # noqa: F821 - provided by traitlets when it reads this file

# Where the hub listens, and its own state (database, cookie secret) in HUB_DIR.
c.JupyterHub.bind_url = f"http://127.0.0.1:{PORT}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{PORT + 1}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PORT + 2}"
c.ConfigurableHTTPProxy.command = [str(HERE / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(HUB_DIR / "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{HUB_DIR / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(HUB_DIR / "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True

# Who may log in: the class's accounts, with their system passwords.
c.Authenticator.allowed_users = {INSTRUCTOR, *settings["students"]}
c.PAMAuthenticator.open_sessions = False  # no login session (utmp, systemd) for a web login

# Each user's server: JupyterLab from the course environment, as that user.
c.Spawner.cmd = [str(VENV / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120


def role_settings(spawner) -> None:
    """Students: their home, the student settings; the instructor: the course copy and formgrader."""
    role = "instructor" if spawner.user.name == INSTRUCTOR else "student"
    spawner.environment.update({
        # the course environment's tools first (formgrader runs alembic; make, git from the system)
        "PATH": f"{VENV / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "JUPYTER_CONFIG_PATH": str(HUB_DIR / "config" / role),
        "NBGRADER_EXCHANGE": str(EXCHANGE),  # the course's commands (make collect) read it
        "LINEAR_COURSE_OFFLINE": "1",
    })
    if role == "instructor":  # the course's own server extension (formgrader_names), as in make lab
        spawner.environment["PYTHONPATH"] = str(Path(settings["course"]) / "autograder" / "server_extensions")
    spawner.notebook_dir = settings["course"] if role == "instructor" else "~"


c.Spawner.pre_spawn_hook = role_settings
