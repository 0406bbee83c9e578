"""A class on JupyterHub on this machine: accounts, the shared exchange, each role's Jupyter settings.

`make hub` (as root) runs `class_hub.py start`: it prepares the class below, then starts
JupyterHub with jupyterhub_config.py beside this file. `make hub-remove` undoes it.

What prepare() sets up, in HUB_DIR (default /srv/linear-layers-hub):
- real local accounts (useradd) for one instructor and the students, with random
  passwords written to HUB_DIR/passwords (root only) and printed once; JupyterHub logs
  them in through PAM, as it would on a school's server;
- exchange/: nbgrader's exchange, world-writable with the sticky bit (nbgrader's own
  permissions inside it keep students out of each other's submissions);
- config/student/ and config/instructor/: the Jupyter settings each role's server reads
  (JUPYTER_CONFIG_PATH): the course id and exchange for nbgrader; students get the
  Assignments tab and no formgrader, no Create Assignment; the instructor gets formgrader
  and no Assignments tab;
- the instructor's copy of the course in ~instructor/linear-layers (tracked files of this
  repository, owned by the instructor; its .venv links to the course environment), where
  `make publish`, `make collect`, `make autograde` run as documented. The assignment is
  published at set-up so that students can fetch it at once.
Every home folder is private (0700): students cannot read each other's work or the
instructor's gradebook, solutions and hidden checks; the passwords file and JupyterHub's
database and cookie secret are root's only (tests/test_hub.py tries to read them as a student).

What it does not do (a real server's job; README says how): TLS, an authenticator of the
school (LDAP, OAuth), a spawner per user in containers, quotas. Hiding formgrader from
students is a convenience, not the protection: the protection is the file permissions above.
Accounts it made carry a mark in their comment field; it never touches an account without it.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
COURSE_ID = "linear-layers"
DEFAULT_HUB_DIR = Path("/srv/linear-layers-hub")
SETTINGS = "hub.json"  # in HUB_DIR: what jupyterhub_config.py reads
MARK = "linear-layers class hub"  # the comment (GECOS) of every account this module made
COURSE_FOLDER = "linear-layers"  # the instructor's copy, in their home
PROXY = HERE / "node_modules" / ".bin" / "configurable-http-proxy"

# The nbgrader parts of JupyterLab and Jupyter Server each role does not get.
HIDDEN = {
    "student": {"lab": ["formgrader", "create-assignment", "course-list"],
                "server": ["formgrader", "course_list"]},
    "instructor": {"lab": ["assignment-list", "course-list"],
                   "server": ["assignment_list", "course_list"]},
}


def fail(message: str) -> None:
    raise SystemExit(f"hub: {message}")


def say(message: str) -> None:
    print(f"hub: {message}", flush=True)


def run(*cmd: str, user: str | None = None, cwd: Path | None = None, env: dict | None = None) -> str:
    """Run a command (as `user` if given, with that user's home and a clean environment); its output."""
    if user is not None:
        entry = pwd.getpwnam(user)
        cmd = ("setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--init-groups", *cmd)
        env = {"HOME": entry.pw_dir, "USER": user, "LOGNAME": user, "PATH": "/usr/bin:/bin", **(env or {})}
    proc = subprocess.run(cmd, cwd=cwd, env=env, text=True, capture_output=True)
    if proc.returncode != 0:
        fail(f"{' '.join(cmd)} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return proc.stdout


# -- what the machine must have ----------------------------------------------------------------
def blocking_folder(path: Path) -> Path | None:
    """The first folder that keeps other accounts from reaching path (symlinks followed), or None."""
    for candidate in (path.absolute(), path.resolve()):
        for folder in reversed(candidate.parents):
            if not folder.stat().st_mode & stat.S_IXOTH:
                return folder
    return None


def install_proxy() -> None:
    """JupyterHub's proxy (configurable-http-proxy, a Node.js program) from the npm registry, once."""
    if PROXY.exists():
        return
    if shutil.which("npm") is None:
        fail("Node.js and npm are needed for JupyterHub's proxy (Debian: apt-get install nodejs npm)")
    say("installing JupyterHub's proxy with npm (package-lock.json in autograder/hub/)")
    run("npm", "ci", "--prefix", str(HERE), "--no-audit", "--no-fund", "--loglevel=error")


def check_machine(venv: Path) -> None:
    if os.geteuid() != 0:
        fail("run me as root (sudo make hub): I create accounts and JupyterHub starts servers as them")
    for tool in ("useradd", "userdel", "chpasswd", "setpriv", "make"):
        if shutil.which(tool) is None:
            fail(f"{tool} is not installed")
    if shutil.which("bwrap") is None:
        fail("bubblewrap is not installed (apt-get install bubblewrap): students' checks and grading run in it")
    install_proxy()
    for needed in (venv / "bin" / "python", venv / "bin" / "jupyterhub-singleuser"):
        if not needed.exists():
            fail(f"{needed} is missing: the course environment needs the instructor extra (make install)")
    blocked = blocking_folder(venv / "bin" / "python")
    if blocked is not None:
        fail(f"other accounts cannot reach the course environment's Python ({(venv / 'bin' / 'python').resolve()}): "
             f"{blocked} is closed to them, and every user's server runs that Python. Either let them pass "
             f"through it (chmod o+x {blocked}: they can open what lies below, not list it) or install the "
             f"course and its Python where everybody can read them (for example under /opt)")


# -- accounts -----------------------------------------------------------------------------------
def ours(name: str) -> bool:
    try:
        return MARK in pwd.getpwnam(name).pw_gecos
    except KeyError:
        return False


def exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def create_account(name: str) -> str:
    """A local account with a private home and a new random password; returns the password."""
    if exists(name) and not ours(name):
        fail(f"an account {name!r} already exists and was not made by make hub: choose other names "
             f"(INSTRUCTOR=..., STUDENTS=...)")
    if not exists(name):
        run("useradd", "--create-home", "--shell", "/bin/bash", "--comment", MARK, name)
    home = Path(pwd.getpwnam(name).pw_dir)
    home.chmod(0o700)
    password = secrets.token_urlsafe(12)
    subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True)
    return password


def remove_account(name: str) -> None:
    if ours(name):
        subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
        run("userdel", "--remove", name)


# -- each role's Jupyter settings ---------------------------------------------------------------
def write_role_config(folder: Path, role: str, exchange: Path, course_config: Path | None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["# Written by autograder/hub/class_hub.py: nbgrader settings of this role on the class hub.",
             "c = get_config()  # noqa: F821"]
    if course_config is not None:  # the instructor: the course's own settings, as in `make lab`
        lines.append(f"load_subconfig({str(course_config)!r})  # noqa: F821")
    lines += [f"c.CourseDirectory.course_id = {COURSE_ID!r}", f"c.Exchange.root = {str(exchange)!r}"]
    (folder / "nbgrader_config.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
    hidden = HIDDEN[role]
    extensions = {f"nbgrader.server_extensions.{n}": False for n in hidden["server"]}
    if role == "instructor":  # formgrader names a student without names by the id (autograder/server_extensions/)
        extensions["formgrader_names"] = True
    server = {
        "ServerApp": {"jpserver_extensions": extensions},
        "LabApp": {"news_url": None, "check_for_updates_class": "jupyterlab.NeverCheckForUpdate"},
    }
    (folder / "jupyter_server_config.json").write_text(json.dumps(server, indent=2), encoding="utf-8")
    (folder / "labconfig").mkdir(exist_ok=True)
    page = {"disabledExtensions": {f"@jupyter/nbgrader:{n}": True for n in hidden["lab"]}}
    # no "get notified about Jupyter news?" prompt at every first login (news_url above only empties the feed)
    page["disabledExtensions"]["@jupyterlab/apputils-extension:announcements"] = True
    (folder / "labconfig" / "page_config.json").write_text(json.dumps(page, indent=2), encoding="utf-8")
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


# -- the instructor's course --------------------------------------------------------------------
def tracked_files() -> list[str]:
    """The repository's files as git knows them (what a clone has), or everything but outputs without git."""
    if (REPO / ".git").exists() and shutil.which("git"):
        out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
        return [name for name in out.decode().split("\0") if name and (REPO / name).is_file()]
    skip = {".venv", ".git", "node_modules", "artifacts", "__pycache__"}
    return [str(p.relative_to(REPO)) for p in REPO.rglob("*")
            if p.is_file() and not skip & set(p.relative_to(REPO).parts)]


def copy_course(instructor: str, venv: Path) -> Path:
    """The instructor's own copy of the course (a fresh one each set-up), owned by them."""
    entry = pwd.getpwnam(instructor)
    dest = Path(entry.pw_dir) / COURSE_FOLDER
    shutil.rmtree(dest, ignore_errors=True)
    for name in tracked_files():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)
    (dest / ".venv").symlink_to(venv)
    for path in [dest, *dest.rglob("*")]:
        os.lchown(path, entry.pw_uid, entry.pw_gid)
    return dest


# -- the whole class ----------------------------------------------------------------------------
def prepare(hub_dir: Path, instructor: str, students: list[str], venv: Path, port: int) -> dict:
    check_machine(venv)
    hub_dir.mkdir(parents=True, exist_ok=True)
    hub_dir.chmod(0o755)
    exchange = hub_dir / "exchange"
    exchange.mkdir(exist_ok=True)
    exchange.chmod(0o777 | stat.S_ISVTX)
    passwords = {name: create_account(name) for name in [instructor, *students]}
    secret = hub_dir / "passwords"
    secret.write_text("".join(f"{n} {p}\n" for n, p in passwords.items()), encoding="utf-8")
    secret.chmod(0o600)
    # JupyterHub's database (its users' tokens) for root only: SQLite keeps an empty file's mode.
    database = hub_dir / "jupyterhub.sqlite"
    database.touch()
    database.chmod(0o600)

    course = copy_course(instructor, venv)
    write_role_config(hub_dir / "config" / "student", "student", exchange, None)
    write_role_config(hub_dir / "config" / "instructor", "instructor", exchange,
                      course / "autograder" / "nbgrader_config.py")
    settings = {"hub_dir": str(hub_dir), "venv": str(venv), "port": port, "instructor": instructor,
                "students": students, "course": str(course), "course_id": COURSE_ID}
    (hub_dir / SETTINGS).write_text(json.dumps(settings, indent=2), encoding="utf-8")

    # The assignment goes out as the instructor would send it: make publish in their copy.
    publish_env = {"NBGRADER_EXCHANGE": str(exchange), "LINEAR_COURSE_OFFLINE": "1"}
    run("make", "publish", user=instructor, cwd=course, env=publish_env)
    say(f"class ready in {hub_dir}: instructor {instructor}, students {', '.join(students)}; "
        f"passwords in {secret} (root only):")
    for name, password in passwords.items():
        print(f"    {name:12} {password}")
    return settings


def remove(hub_dir: Path) -> None:
    settings_file = hub_dir / SETTINGS
    if not settings_file.exists():
        say(f"nothing to remove: {settings_file} does not exist")
        return
    settings = json.loads(settings_file.read_text(encoding="utf-8"))
    for name in [settings["instructor"], *settings["students"]]:
        remove_account(name)
    shutil.rmtree(hub_dir)
    say(f"removed the accounts and {hub_dir}")


def start(hub_dir: Path) -> None:
    """Start JupyterHub on the prepared class (replaces this process)."""
    settings = json.loads((hub_dir / SETTINGS).read_text(encoding="utf-8"))
    jupyterhub = Path(settings["venv"]) / "bin" / "jupyterhub"
    env = {**os.environ, "LINEAR_HUB_DIR": str(hub_dir)}
    say(f"JupyterHub on http://127.0.0.1:{settings['port']}/ (Ctrl+C stops it)")
    os.chdir(hub_dir)
    os.execve(jupyterhub, [str(jupyterhub), "-f", str(HERE / "jupyterhub_config.py")], env)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["prepare", "start", "remove"],
                        help="prepare: accounts, exchange, settings, published assignment; start: prepare, then "
                             "run JupyterHub; remove: delete the accounts and the hub folder")
    parser.add_argument("--hub-dir", type=Path, default=Path(os.environ.get("LINEAR_HUB_DIR", DEFAULT_HUB_DIR)))
    parser.add_argument("--instructor", default="instructor")
    parser.add_argument("--students", default="alice bob", help="account names, separated by spaces")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--venv", type=Path, default=Path(sys.prefix))
    args = parser.parse_args(argv)
    hub_dir = args.hub_dir.absolute()
    if args.command == "remove":
        remove(hub_dir)
        return
    prepare(hub_dir, args.instructor, args.students.split(), args.venv.absolute(), args.port)
    if args.command == "start":
        start(hub_dir)


if __name__ == "__main__":
    main()
