"""The process that runs the graded checks, started by runner.py as `python -s -P -B child.py`.

It imports the student's code, so the runner trusts nothing it says blindly (runner.py
explains what the runner verifies). Before any student code runs, this file:
1. reads its settings as one JSON line from stdin, the per-run signing key included:
   never in the environment or on the command line, which student code could read;
2. limits memory (RLIMIT_DATA), the size of files it may write and core dumps;
3. puts only the checks and a folder that holds just `linear_exercises` on sys.path,
   and registers `linear_exercises` as a package whose __init__ is not run: the checks of
   one exercise import only that exercise's file, so a file that crashes, hangs or
   calls os._exit at import costs only its own exercise;
4. imports torch, pytest and the checks' helpers, and records their namespaces
   (guard.Snapshot), to detect monkeypatching afterwards;
5. installs guard.audit_hook (sys.addaudithook: it cannot be removed) which refuses,
   while student code is on the stack, to spawn processes, to load ctypes, to walk
   the object graph or other frames, to open the result pipe or /proc, or to write
   outside the scratch folder.
Then it runs pytest with report_plugin.Reporter, which signs every result line, and
leaves with os._exit so that nothing the student registered with atexit runs later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import resource
import sys
from pathlib import Path

CHECKS_DIR = Path(__file__).resolve().parent


def _limit(settings: dict) -> None:
    memory = int(settings.get("memory_mb", 0)) * 2**20
    if memory:
        resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    fsize = int(settings.get("file_mb", 0)) * 2**20
    if fsize:
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _register_package(package_dir: Path) -> None:
    """linear_exercises as a package whose submodules import on demand, __init__ not run.

    Names the real __init__ re-exports (`from linear_exercises import manual_linear`)
    are served lazily, from its `_EXPORTS` table and `from .x import y` lines read
    with ast (not executed), so that such an import in a student's file still works.
    """
    import ast
    import importlib
    import importlib.machinery
    import types

    exports: dict[str, str] = {}
    init = package_dir / "__init__.py"
    try:
        tree = ast.parse(init.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        tree = ast.Module(body=[], type_ignores=[])
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            exports.update({a.asname or a.name: node.module for a in node.names})
        elif (isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "_EXPORTS" for t in node.targets)
              and isinstance(node.value, ast.Dict)):
            try:
                table = ast.literal_eval(node.value)
            except ValueError:
                continue
            exports.update({name: module for module, names in table.items() for name in names})

    package = types.ModuleType("linear_exercises", "The student's exercises (its __init__ is not run here).")
    spec = importlib.machinery.ModuleSpec("linear_exercises", None, is_package=True)
    spec.submodule_search_locations = [str(package_dir)]
    package.__spec__, package.__path__ = spec, [str(package_dir)]
    package.__file__, package.__package__ = str(init), "linear_exercises"

    def __getattr__(name):  # noqa: N807 - module-level __getattr__
        if name in exports:
            return getattr(importlib.import_module(f"linear_exercises.{exports[name]}"), name)
        raise AttributeError(f"module 'linear_exercises' has no attribute {name!r}")

    package.__getattr__ = __getattr__
    sys.modules["linear_exercises"] = package


def _prepare() -> None:
    """Import everything the checks rely on, before any student code can run."""
    sys.path[:] = [str(CHECKS_DIR), *[p for p in sys.path if p and Path(p).resolve() != CHECKS_DIR]]
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401
    import numpy  # noqa: F401
    import pytest  # noqa: F401
    import pytest_timeout  # noqa: F401
    import torch  # noqa: F401
    import torch.nn.functional  # noqa: F401
    try:  # the weight-visualization checks use make_grid
        import torchvision.utils  # noqa: F401
    except ImportError:
        pass

    import guard  # noqa: F401
    import report_plugin  # noqa: F401
    import support  # noqa: F401  (the helpers every check imports)


def _run(settings: dict, signer, report_fd: int) -> None:
    """Limit this process, register the student's package, run pytest, report, and leave."""
    import guard
    import pytest
    import report_plugin
    import torch

    _limit(settings)
    package_dir = Path(settings["package_dir"])
    _register_package(package_dir)
    threads = int(settings.get("threads", 0))
    if threads:
        torch.set_num_threads(threads)

    student_dirs = [str(package_dir), str(package_dir.resolve())]
    snapshot = guard.Snapshot(["builtins", "math", "torch", "torch.nn", "torch.nn.functional", "torch.nn.init",
                               "torch.linalg", "torch.testing", "numpy", "pytest", "_pytest.outcomes",
                               "_pytest.runner", "_pytest.reports", "_pytest.python", "_pytest.skipping",
                               "pytest_timeout", "support", "report_plugin", "guard", "hmac", "json", "os"],
                              classes=[torch.Tensor, torch._C.TensorBase, torch.nn.Module, torch.nn.Linear,
                                       torch.nn.Parameter])
    policy = guard.Policy(student_dirs=student_dirs, scratch_dir=os.getcwd(),
                          protected_dirs=[str(CHECKS_DIR), *settings.get("protected_dirs", [])])

    def write(record: dict, _seq=[0], _out=os.fdopen(report_fd, "w", encoding="utf-8", closefd=False)) -> None:
        # Only the plugin, called by pytest, may write: a call with student code on the
        # stack is refused and recorded.
        if policy.student_on_stack():
            policy.note("the result writer was called from your code")
            return
        record["seq"] = _seq[0]
        _seq[0] += 1
        data = json.dumps(record, sort_keys=True)
        mac = signer.copy()
        mac.update(data.encode())
        _out.write(f"{data}\t{mac.hexdigest()}\n")
        _out.flush()

    sys.addaudithook(policy.audit_hook)
    reporter = report_plugin.Reporter(write, snapshot=snapshot, policy=policy,
                                      import_timeout=float(settings.get("import_timeout", 0)))
    try:
        exit_code = pytest.main(settings["args"], plugins=[reporter])
    except BaseException as exc:  # noqa: BLE001 - whatever the student raised, the report ends
        reporter.note(f"the test run stopped: {type(exc).__name__}")
        exit_code = 3
    reporter.finish(int(exit_code))
    sys.stdout.flush()
    os._exit(0)


def _signer(settings: dict):
    return hmac.new(bytes.fromhex(settings.pop("key")), digestmod=hashlib.sha256)


def main() -> None:
    settings = json.loads(sys.stdin.readline())
    signer = _signer(settings)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)  # nothing more to read; the key has been consumed
    _prepare()
    _run(settings, signer, int(settings["report_fd"]))


def serve(path: str) -> None:
    """A check server: torch, pytest and the rest imported once, one forked process per run.

    The grader starts one per worker (LINEAR_CHECKS_SERVER names its socket) so that a
    submission's checks do not pay the imports again. runner.py connects, sends the
    settings (the key included) with the report pipe and its output file attached
    (SCM_RIGHTS), and gets the forked process's id back. The forked process closes the
    server's socket before any student code runs.
    """
    import signal
    import socket

    _prepare()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped automatically
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(4)
    print("ready", flush=True)
    while True:
        conn, _ = server.accept()
        fds = []
        try:
            data, fds, _, _ = socket.recv_fds(conn, 1 << 16, 2)
            while not data.endswith(b"\n"):
                more = conn.recv(1 << 16)
                if not more:
                    break
                data += more
            settings = json.loads(data)
            report_fd, output_fd = fds
            pid = os.fork()
            if pid == 0:  # the check process
                server.close()
                conn.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                os.setsid()
                os.dup2(output_fd, 1)
                os.dup2(output_fd, 2)
                os.chdir(settings["cwd"])
                signer = _signer(settings)
                _run(settings, signer, report_fd)
            conn.sendall(f"{pid}\n".encode())
        except Exception as exc:  # noqa: BLE001 - a bad request must not stop the server
            try:
                conn.sendall(f"error {type(exc).__name__}\n".encode())
            except OSError:
                pass
        finally:
            for fd in fds:
                os.close(fd)
            conn.close()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve(sys.argv[2])
    else:
        main()
