"""A real dask cluster on 127.0.0.1 for tests and benchmarks: `dask scheduler` and N `dask worker` processes.

    with LoopbackCluster(workers=2, folder=tmp) as cluster:
        cluster.address          # tcp://127.0.0.1:port, for course.py autograde --scheduler
        cluster.kill(0)          # SIGKILL worker 0: its nanny, worker process, sandbox and kernels
        cluster.memory()         # bytes per live worker, its child processes included

These are the stock commands an instructor runs on their hosts (README.md, "Grading on a
dask cluster"); each process starts in `folder`, which holds no course files, and its
output goes to a log file there.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

DASK = Path(sys.executable).parent / "dask"


class LoopbackCluster:
    def __init__(self, workers: int, folder: Path):
        self.n, self.folder = workers, Path(folder)
        self.procs: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []
        self.address = ""

    def _start(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "wb")
        proc = subprocess.Popen([str(DASK), *args], cwd=self.folder, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        log.close()
        self.procs.append(proc)
        return proc

    def __enter__(self) -> LoopbackCluster:
        self.folder.mkdir(parents=True, exist_ok=True)
        info = self.folder / "scheduler.json"
        info.unlink(missing_ok=True)
        try:
            self._start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", "0",
                        "--dashboard-address", "127.0.0.1:0", "--scheduler-file", str(info))
            deadline = time.monotonic() + 60
            while not info.exists():
                if time.monotonic() > deadline or self.procs[0].poll() is not None:
                    raise RuntimeError(f"dask scheduler did not start; see {self.folder / 'scheduler.log'}")
                time.sleep(0.1)
            self.address = json.loads(info.read_text())["address"]
            self.workers = [self._start(f"worker{i}", "worker", self.address, "--nthreads", "1", "--host",
                                        "127.0.0.1", "--no-dashboard", "--name", f"w{i}") for i in range(self.n)]
        except BaseException:
            self.__exit__()
            raise
        return self

    def kill(self, index: int) -> None:
        _kill(self.workers[index])

    def memory(self) -> list[int]:
        """Resident memory of each live worker: the nanny's children (worker process, sandbox, kernel)."""
        import psutil

        out = []
        for proc in self.workers:
            if proc.poll() is None:
                tree = psutil.Process(proc.pid).children(recursive=True)
                out.append(sum(p.memory_info().rss for p in tree if p.is_running()))
        return out

    def __exit__(self, *exc) -> None:
        for proc in reversed(self.procs):
            _kill(proc)


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)
