"""The first process inside the sandbox: imports torch once, then forks one process per run.

Started by sandbox.py as `python -I -S -B zygote.py CTRL_FD CONFIG_JSON`, inside
bubblewrap as the sandbox's pid 1 (or, for a self-check on a machine without
bubblewrap, as a plain child process). It talks to the grader over CTRL_FD, a
SOCK_SEQPACKET socket: one JSON message per request.

  {"op": "run"} with two file descriptors attached (the run's request and answer pipes)
      -> forks a run process; the reply {"done": exit status} comes when that process
         and everything it left behind are gone, and the scratch folder is wiped;
  {"op": "kill"} while a run is going -> ends it at once (the grader's deadline passed).

A run process first reads {"files": {name: base64}, "module": ..., "limits": ...} from
its request pipe, writes the submission's files under /tmp/run/, then confines itself
(confine.py), and only then imports the student's module and serves the grader's
requests (evaluator.py). No student code ever runs in this process; it refuses ptrace
(not dumpable) and, as pid 1 of its namespace, ignores signals it has no handler for.
"""

from __future__ import annotations

import base64
import ctypes
import importlib
import json
import os
import select
import shutil
import signal
import socket
import sys
import tempfile

RUN_DIR = "/tmp/run"  # where a run's files go; the grader names another one when there is no sandbox
WIPED: list[str] = []  # folders whose whole content goes after each run (inside the sandbox: /tmp, /dev/shm)
KEPT: list[str] = []  # except these (folders under /tmp that hold the interpreter's read-only binds)


def _prepare(config: dict):
    global RUN_DIR
    RUN_DIR = config.get("run_dir", RUN_DIR)
    WIPED[:] = config.get("wipe", [])
    KEPT[:] = config.get("keep", [])
    sys.path[:] = [os.path.dirname(os.path.abspath(__file__)), *config["paths"]]
    os.environ["MPLBACKEND"] = "Agg"  # matplotlib is imported with the slow imports (sandbox.SLOW_IMPORTS)
    import numpy  # noqa: F401
    import torch

    torch.set_num_threads(int(config.get("threads", 1)))
    _import(config.get("preload", []))
    import confine  # noqa: F401
    import evaluator  # noqa: F401
    import wire  # noqa: F401

    return torch


def _import(modules: list[str]) -> None:
    """Import what runs may need (sandbox.SLOW_IMPORTS), so that each forked run has it already."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            pass


def _mentioned(modules: list[str], files: dict) -> list[str]:
    """The modules not imported yet whose package a submitted file names (in any way: an import, a string).

    A run imports these before it is confined: matplotlib writes its font cache on first import,
    and a confined run may create no file.
    """
    text = b"".join(base64.b64decode(data) for data in files.values())
    return [name for name in modules if name not in sys.modules and name.split(".")[0].encode() in text]


def _not_dumpable() -> None:
    PR_SET_DUMPABLE = 4
    try:
        ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _run(torch, inp: int, out: int, later: list[str]) -> None:
    """The run process: set up the submission's files, confine, then serve the grader."""
    import confine
    import evaluator
    import wire

    first = wire.receive(inp)
    package = os.path.join(RUN_DIR, "package", "linear_exercises")
    scratch = os.path.join(RUN_DIR, "scratch")
    os.makedirs(package)
    os.makedirs(scratch)
    for name, data in first["files"].items():
        if "/" in name or name.startswith("."):
            continue
        with open(os.path.join(package, name), "wb") as f:
            f.write(base64.b64decode(data))
        os.chmod(os.path.join(package, name), 0o444)
    os.chmod(package, 0o555)
    null = os.open(os.devnull, os.O_RDONLY)
    output = os.open(os.path.join(RUN_DIR, "output.txt"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(null, 0)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.chdir(scratch)
    # Folders known now, existing: the run may not create files or folders (confine.py), and tempfile would
    # probe by creating one; torch's compiler caches (touched by torchvision's first import) make theirs there.
    tempfile.tempdir = scratch
    os.environ["TORCHINDUCTOR_CACHE_DIR"] = os.environ["TRITON_CACHE_DIR"] = scratch
    _import(_mentioned(later, first["files"]))  # trusted libraries only, before the submission is importable
    sys.path.insert(0, os.path.dirname(package))
    limits = first.get("limits", {})
    confine.set_limits(int(limits.get("memory_mb", 0)), int(limits.get("cpu_seconds", 0)), int(limits.get("file_mb", 0)))
    confine.apply_seccomp()
    evaluator.Evaluator(torch, first["module"]).serve(inp, out)


def _kill_all(child: int) -> None:
    if os.getpid() == 1:  # pid 1 of the sandbox's namespace: everything else in it
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
    else:  # no sandbox: the run process leads its own session
        try:
            os.killpg(child, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, 0)
        except ChildProcessError:
            return


def _wipe() -> None:
    """Remove everything the last run wrote; if that fails, exit (the grader then starts a new sandbox)."""
    tops = [os.path.join(folder, name) for folder in WIPED for name in os.listdir(folder)] or [RUN_DIR]
    tops = [top for top in tops if top not in KEPT]
    for top in tops:
        if os.path.isdir(top) and not os.path.islink(top):
            os.chmod(top, 0o700)
            for root, dirs, _ in os.walk(top):
                for name in dirs:
                    os.chmod(os.path.join(root, name), 0o700, follow_symlinks=False)
            shutil.rmtree(top)
        elif os.path.lexists(top):
            os.unlink(top)
    os.makedirs(RUN_DIR, mode=0o700)


def main() -> None:
    ctrl = socket.socket(fileno=int(sys.argv[1]))
    config = json.loads(sys.argv[2])
    torch = _prepare(config)
    later, served = list(config.get("preload_when_idle", [])), False
    _not_dumpable()
    _wipe()
    ctrl.send(b'{"ready": true}')
    while True:
        if later and served and not select.select([ctrl], [], [], 0.25)[0]:  # idle after a run
            _import(later)
            later = []
        try:
            message, fds, _, _ = socket.recv_fds(ctrl, 1 << 16, 2)
        except OSError:
            return
        if not message:
            return  # the grader is gone
        request = json.loads(message)
        if request.get("op") != "run" or len(fds) != 2:
            for fd in fds:
                os.close(fd)
            continue
        inp, out = fds
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                ctrl.close()
                os.setsid()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                _run(torch, inp, out, later)
            except BaseException:  # noqa: BLE001 - the run ends here, whatever happened
                code = 70
            os._exit(code)
        os.close(inp)
        os.close(out)
        status = _watch(ctrl, pid)
        _kill_all(pid)
        _reap()
        _wipe()
        ctrl.send(json.dumps({"done": status}).encode())
        served = True


def _watch(ctrl: socket.socket, pid: int) -> int:
    """Wait until the run process ends, or the grader says to end it; its exit status."""
    pidfd = os.pidfd_open(pid)
    try:
        while True:
            ready, _, _ = select.select([ctrl, pidfd], [], [])
            if pidfd in ready:
                _, status = os.waitpid(pid, 0)
                return os.waitstatus_to_exitcode(status)
            message = ctrl.recv(1 << 16)
            if not message or json.loads(message).get("op") == "kill":
                _kill_all(pid)
                if not message:
                    _reap()
                    sys.exit(0)
    finally:
        os.close(pidfd)


if __name__ == "__main__":
    main()
