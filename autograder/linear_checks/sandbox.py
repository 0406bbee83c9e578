"""Where the student's code runs: a bubblewrap sandbox with one long-lived zygote inside.

The grader (this side) never imports a student's file. It starts a sandbox once
(`Sandbox()`), which imports torch once, and then opens one `Run` per exercise of a
submission: a process forked inside the sandbox that holds only that submission's
files and answers requests with plain data (evaluator.py, wire.py).

What the sandbox defends against (bubblewrap, Debian package `bubblewrap`):
- reading or writing anything of the course: only the interpreter, the virtual
  environment and this folder's evaluator code are visible, read-only; the student's
  files are copies in a private tmpfs; the reference solutions, the hidden checks,
  the gradebook and other students' files are not there at all;
- the network (a new network namespace with no interfaces up);
- other processes: new pid, ipc, uts and user namespaces, all capabilities dropped,
  a new session (no terminal injection); it dies with the grader;
- one run harming the next: each run is a fresh fork; when it ends, the zygote kills
  every other process in the namespace and wipes the tmpfs before the next run;
  the run process cannot fork, exec, ptrace or signal others (confine.py);
- time: every request has a deadline kept here, outside; when it passes, the run is
  killed, and if the zygote does not confirm within seconds the whole sandbox is.
What it does not defend against: a kernel exploit; CPU and memory contention with
other runs on the machine (rlimits bound memory and CPU time per run); a student who
copies someone else's code.

Without bubblewrap (`isolate=False`), the zygote is a plain child process: the run
processes keep their limits and seccomp filter but see the whole file system. Self-
checks allow that (a student only cheats themselves); class grading refuses it unless
the instructor says so explicitly (course.py autograde --no-sandbox).
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path


from linear_checks import wire

HERE = Path(__file__).resolve().parent
START_TIMEOUT = 120.0  # seconds for the zygote to import torch (a cold disk cache can be slow)
CONFIRM_TIMEOUT = 10.0  # seconds for the zygote to confirm that a run has ended


class SandboxUnavailable(RuntimeError):
    """Bubblewrap is missing or cannot create namespaces here."""


class Deadline(Exception):
    """A request to the student's code did not finish in time."""


class Ended(Exception):
    """The run process ended (os._exit, a crash, a limit) before answering."""


def bubblewrap() -> str | None:
    return shutil.which("bwrap")


def _python_paths() -> list[str]:
    """The standard library and the environment's site-packages: no current folder, no .pth hooks."""
    paths = sysconfig.get_paths()
    stdlib = paths["stdlib"]
    found = [stdlib, os.path.join(stdlib, "lib-dynload"), paths["purelib"], paths["platlib"]]
    return [p for i, p in enumerate(found) if p not in found[:i] and os.path.isdir(p)]


# Imports that take long (torchvision: about 1.3 s, matplotlib.pyplot: 0.3 s) and that a
# submission may need (weight_viz draws with pyplot; the reference tiles with torchvision's
# make_grid). The zygote imports them once, so that the runs it forks have them: before it
# says it is ready when a sandbox is made with preload=SLOW_IMPORTS (class grading), else when
# it is first idle after a run (a student's check(): the first call answers sooner, and later
# calls find them loaded). Until then a run whose files name one imports it itself, before it
# is confined (zygote._mentioned).
SLOW_IMPORTS = ("matplotlib.pyplot", "torchvision.utils")

CODE_IN_SANDBOX = "/opt/linear_checks"  # where this folder's evaluator code appears inside the sandbox


def _bwrap_command(binds: list[str], tmpfs_mb: int) -> list[str]:
    """bwrap's arguments: a read-only root holding /usr, the binds and this folder; a private /tmp."""
    cmd = [bubblewrap(), "--unshare-all", "--die-with-parent", "--new-session", "--as-pid-1",
           "--cap-drop", "ALL", "--uid", "65534", "--gid", "65534", "--clearenv",
           # the tmpfs first: binds that live under /tmp (a venv there, say) stay visible above it
           "--size", str(tmpfs_mb * 2**20), "--tmpfs", "/tmp", "--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            cmd += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            cmd += ["--ro-bind", str(path), str(path)]
    for etc in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime"):
        cmd += ["--ro-bind-try", etc, etc]
    for path in binds:
        cmd += ["--ro-bind", path, path]
    cmd += ["--ro-bind", str(HERE), CODE_IN_SANDBOX, "--proc", "/proc", "--dev", "/dev",
            "--size", str(16 * 2**20), "--tmpfs", "/dev/shm",
            "--remount-ro", "/dev",  # bubblewrap's /dev is a tmpfs no run wipes: only /tmp and /dev/shm are writable
            "--remount-ro", "/", "--chdir", "/tmp"]
    return cmd


class Sandbox:
    """One zygote (inside bubblewrap when isolate=True), reused for many runs, one at a time."""

    def __init__(self, isolate: bool = True, threads: int = 1, memory_mb: int = 2048, cpu_seconds: int = 120,
                 file_mb: int = 16, tmpfs_mb: int = 64, preload: tuple[str, ...] = (),
                 preload_when_idle: tuple[str, ...] = SLOW_IMPORTS):
        if isolate and not bubblewrap():
            raise SandboxUnavailable("bubblewrap (bwrap) is not installed: apt-get install bubblewrap")
        self.isolate = isolate
        self.threads = threads
        self.preload = tuple(preload)
        self.preload_when_idle = tuple(m for m in preload_when_idle if m not in self.preload)
        self.limits = {"memory_mb": memory_mb, "cpu_seconds": cpu_seconds, "file_mb": file_mb}
        self.tmpfs_mb = tmpfs_mb
        self.proc: subprocess.Popen | None = None
        self.ctrl: socket.socket | None = None
        self.restarts = 0
        self.own_dir: str | None = None
        self.log = None
        self.ready = False

    @property
    def level(self) -> str:
        """In words, for feedback: how the student's code was isolated."""
        from linear_checks import confine

        seccomp = " and a seccomp filter" if confine.seccomp_available() else ""
        if self.isolate:
            return f"bubblewrap sandbox (no network, only your files), process limits{seccomp}"
        return f"no sandbox (process limits{seccomp} only)"

    # -- the zygote --------------------------------------------------------------------------
    def start(self) -> None:
        """Launch the sandbox if it is not running, and wait until its zygote is ready."""
        if self.proc is None or self.proc.poll() is not None:
            self.launch()
        if self.ready:
            return
        ready, _, _ = select.select([self.ctrl], [], [], START_TIMEOUT)
        message = self.ctrl.recv(1 << 16) if ready else b""
        if not message:
            err = self._stderr_tail()
            self.close()
            raise SandboxUnavailable("the sandbox did not start" + (f": {err}" if err else ""))
        self.ready = True

    def launch(self) -> None:
        """Start the sandbox without waiting for it (it imports torch meanwhile); start() waits."""
        self.close()
        self.ready = False
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        binds = sorted({sys.base_prefix, sys.prefix, *_python_paths()})
        binds = [b for b in binds if not any(b != o and Path(b).is_relative_to(o) for o in binds)]
        # top folders of /tmp that hold a bind (a virtual environment under /tmp): never wiped
        keep = sorted({str(Path("/tmp", Path(b).relative_to("/tmp").parts[0])) for b in binds
                       if Path(b).is_relative_to("/tmp") and b != "/tmp"})
        config = {"paths": _python_paths(), "threads": self.threads, "preload": list(self.preload),
                  "preload_when_idle": list(self.preload_when_idle), "run_dir": "/tmp/run", "wipe": ["/tmp", "/dev/shm"], "keep": keep}
        if not self.isolate:  # a private folder on the machine's own /tmp
            self.own_dir = tempfile.mkdtemp(prefix="linear-checks-")
            config.update(run_dir=os.path.join(self.own_dir, "run"), wipe=[])
        python = os.path.abspath(sys.executable)  # bwrap runs it from another folder
        code = Path(CODE_IN_SANDBOX) if self.isolate else HERE
        args = [python, "-I", "-S", "-B", str(code / "zygote.py"), str(child.fileno()), json.dumps(config)]
        env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
               "MPLCONFIGDIR": "/tmp/matplotlib", "OMP_NUM_THREADS": str(self.threads),
               "MKL_NUM_THREADS": str(self.threads), "PYTHONHASHSEED": "0"}
        if self.isolate:
            cmd = _bwrap_command(binds, self.tmpfs_mb)
            for key, value in env.items():
                cmd += ["--setenv", key, value]
            args = cmd + args
        else:
            env["MPLCONFIGDIR"] = os.environ.get("MPLCONFIGDIR", "")
            env = {k: v for k, v in env.items() if v}
        self.log = tempfile.TemporaryFile()  # the zygote's own stderr (a pipe could fill up and block it)
        self.proc = subprocess.Popen(args, pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self.log, env=env,
                                     start_new_session=True, cwd="/tmp" if not self.isolate else None)
        child.close()
        self.ctrl = parent

    def _stderr_tail(self) -> str:
        if self.log is None:
            return ""
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace").strip()[-500:]

    def close(self) -> None:
        """Kill the sandbox and everything in it."""
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.proc.wait()
            self.proc = None
        if self.log is not None:
            self.log.close()
            self.log = None
        if self.ctrl is not None:
            self.ctrl.close()
            self.ctrl = None
        if self.own_dir:
            shutil.rmtree(self.own_dir, ignore_errors=True)
            self.own_dir = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    # -- runs -------------------------------------------------------------------------------------
    def run(self, files: dict[str, bytes], module: str) -> Run:
        """A fresh process in the sandbox holding these files (name -> content) of linear_exercises/."""
        self.start()
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        try:
            socket.send_fds(self.ctrl, [b'{"op": "run"}'], [to_child_r, from_child_w])
        except OSError:
            for fd in (to_child_r, to_child_w, from_child_r, from_child_w):
                os.close(fd)
            self.close()
            raise
        os.close(to_child_r)
        os.close(from_child_w)
        run = Run(self, to_child_w, from_child_r)
        run.send({"files": {name: base64.b64encode(data).decode() for name, data in files.items()},
                  "module": module, "limits": self.limits})
        return run

    def finish(self, kill: bool) -> int | None:
        """Wait until the zygote says the run is over (asking it to kill the run first if kill); its exit status.

        If the zygote does not answer in time, the whole sandbox is killed (and restarted on the next run).
        """
        if self.ctrl is None:
            return None
        try:
            if kill:
                self.ctrl.send(b'{"op": "kill"}')
            deadline = time.monotonic() + CONFIRM_TIMEOUT
            while True:
                ready, _, _ = select.select([self.ctrl], [], [], max(0.0, deadline - time.monotonic()))
                if not ready:
                    raise TimeoutError
                message = self.ctrl.recv(1 << 16)
                if not message:
                    raise EOFError
                answer = json.loads(message)
                if "done" in answer:
                    return answer["done"]
        except (OSError, EOFError, TimeoutError, ValueError):
            self.close()
            self.restarts += 1
            return None


class Run:
    """One process in the sandbox serving one exercise of one submission."""

    def __init__(self, sandbox: Sandbox, out: int, inp: int):
        self.sandbox, self.out, self.inp = sandbox, out, inp
        self.deadline = time.monotonic() + 3600
        self.closed = False
        self.exit_status: int | None = None

    def send(self, obj) -> None:
        try:
            wire.send(self.out, obj)
        except (BrokenPipeError, OSError):
            raise Ended("the process running your code had already ended") from None

    def _wait(self, fd: int) -> None:
        left = self.deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise Deadline()

    def request(self, obj: dict):
        """Send one request; the decoded answer (plain data, Handles, or a Raised instance)."""
        self.send(obj)
        try:
            answer = wire.receive(self.inp, self._wait)
        except EOFError:
            self.close()
            raise Ended(f"the process running your code ended (exit status {self.exit_status})") from None
        if not isinstance(answer, dict) or "value" not in answer:
            raise wire.WireError("an answer without a value")
        import torch

        return wire.decode(answer["value"], torch)

    def close(self, kill: bool = False) -> None:
        if self.closed:
            return
        self.closed = True
        if not kill:
            try:
                wire.send(self.out, {"op": "end"})
            except OSError:
                pass
        for fd in (self.out, self.inp):
            try:
                os.close(fd)
            except OSError:
                pass
        self.exit_status = self.sandbox.finish(kill=kill)
