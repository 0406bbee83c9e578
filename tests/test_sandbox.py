"""The sandbox holds: student code cannot read or change the course, reach the network, or outlive its deadline.

These run a probe as the student's exercise file in the same sandbox the grader uses.
Without bubblewrap they skip, unless LINEAR_REQUIRE_SANDBOX=1 (.ci/run sets it): then they fail.
"""

from __future__ import annotations

import os
import shutil
import time

import pytest

from conftest import REPO
from linear_checks.sandbox import Deadline, Sandbox

pytestmark = pytest.mark.skipif(
    not shutil.which("bwrap") and os.environ.get("LINEAR_REQUIRE_SANDBOX") != "1",
    reason="bubblewrap is not installed (apt-get install bubblewrap)")


@pytest.fixture(scope="module")
def box():
    sandbox = Sandbox(isolate=True)
    sandbox.start()
    yield sandbox
    sandbox.close()


def _ask(box, source: str, call: str = "probe", timeout: float = 20.0):
    """Run `source` as manual_linear.py in a fresh run; the plain-data answer of calling `call`()."""
    run = box.run({"manual_linear.py": source.encode()}, "manual_linear.py")
    run.deadline = time.monotonic() + timeout
    try:
        run.request({"op": "import", "target": 0})
        fn = run.request({"op": "getattr", "target": 0, "name": call})
        return run.request({"op": "call", "target": fn.number})
    finally:
        run.close(kill=True)


PROBE = '''
import os, socket, subprocess
def _try(f):
    try:
        return "ok: " + repr(f())[:200]
    except BaseException as e:
        return "refused: " + type(e).__name__
def probe(paths, grader_pid):
    out = {}
    for p in paths:
        out["read " + p] = _try(lambda: open(p, "rb").read(10))
        out["write " + p] = _try(lambda: open(p, "ab").write(b"x"))
        if os.path.dirname(p) not in ("/etc", "/root"):  # the interpreter's own folders exist there
            out["list " + os.path.dirname(p)] = _try(lambda: os.listdir(os.path.dirname(p)))
    out["network"] = _try(lambda: socket.create_connection(("127.0.0.1", 22), timeout=1))
    out["network out"] = _try(lambda: socket.create_connection(("1.1.1.1", 53), timeout=1))
    out["fork"] = _try(os.fork)
    out["exec"] = _try(lambda: subprocess.run(["true"]))
    out["kill grader"] = _try(lambda: os.kill(grader_pid, 0))
    out["kill all"] = _try(lambda: os.kill(-1, 0))
    out["write /usr"] = _try(lambda: open("/usr/evil", "w"))
    return out
'''


def test_student_code_cannot_reach_the_course_the_network_or_other_processes(box, tmp_path):
    other_student = tmp_path / "staged" / "bob" / "linear_layers" / "linear_exercises" / "manual_linear.py"
    other_student.parent.mkdir(parents=True)
    other_student.write_text("secret = 'bob'\n")
    gradebook = tmp_path / "gradebook.db"
    gradebook.write_bytes(b"SQLite format 3\0")
    paths = [str(REPO / "solutions" / "linear_exercises" / "manual_linear.py"),
             str(REPO / "autograder" / "hidden_checks" / "manual_linear.py"),
             str(REPO / "autograder" / "source" / "linear_layers" / "linear_layers.ipynb"),
             str(other_student), str(gradebook), "/etc/passwd", os.path.expanduser("~/.bashrc")]
    run = box.run({"manual_linear.py": PROBE.encode()}, "manual_linear.py")
    run.deadline = time.monotonic() + 30
    try:
        run.request({"op": "import", "target": 0})
        fn = run.request({"op": "getattr", "target": 0, "name": "probe"})
        from linear_checks.student import _to_wire
        out = run.request({"op": "call", "target": fn.number, "args": _to_wire([paths, os.getpid()])})
    finally:
        run.close(kill=True)
    allowed = [k for k, v in out.items() if v.startswith("ok")]
    assert not allowed, f"the sandbox allowed: {allowed}\n{out}"
    assert other_student.read_text() == "secret = 'bob'\n" and gradebook.read_bytes() == b"SQLite format 3\0"


def test_a_hang_that_blocks_signals_is_ended_from_outside_and_the_sandbox_goes_on(box):
    hang = ("import signal\nsignal.pthread_sigmask(signal.SIG_BLOCK, set(signal.Signals) - {signal.SIGKILL, signal.SIGSTOP})\n"
            "signal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
            "def probe():\n    while True:\n        pass\n")
    start = time.monotonic()
    with pytest.raises(Deadline):
        _ask(box, hang, timeout=2)
    assert time.monotonic() - start < 15
    assert _ask(box, "def probe():\n    return 41 + 1\n") == 42


LEAVE = """
import ctypes, mmap, os, threading, time
libc = ctypes.CDLL(None, use_errno=True)
def _try(f):
    try:
        result = f()
        return "refused" if result == -1 else "made"  # libc calls answer -1 when refused
    except BaseException:
        return "refused"
def probe():
    return {
        "file in scratch": _try(lambda: open('/tmp/run/scratch/planted.py', 'w').write('x = 1')),
        "file in /tmp": _try(lambda: open('/tmp/planted.txt', 'w').write('x')),
        "file in /dev/shm": _try(lambda: open('/dev/shm/planted', 'w').write('x')),
        "folder": _try(lambda: os.mkdir('/tmp/run/scratch/d')),
        "thread": _try(lambda: threading.Thread(target=time.sleep, args=(60,)).start()),
        "System V shared memory": _try(lambda: libc.shmget(0x5eed, 2**30, 0o1666)),
        "System V message queue": _try(lambda: libc.msgget(0x5eed, 0o1666)),
        "System V semaphore": _try(lambda: libc.semget(0x5eed, 1, 0o1666)),
        "POSIX message queue": _try(lambda: libc.mq_open(b"/planted", os.O_CREAT | os.O_RDWR, 0o666, None)),
        "memfd": _try(lambda: os.memfd_create("planted")),
        "shared anonymous memory": _try(lambda: mmap.mmap(-1, 2**30)),
    }
"""


def test_a_run_makes_no_thread_file_or_ipc_object(box):
    """A run is one thread and makes nothing that could outlive it or escape its memory limit (confine.py)."""
    made = {what: result for what, result in _ask(box, LEAVE).items() if result != "refused"}
    assert not made, f"a run could make: {made}"


def test_one_run_leaves_nothing_for_the_next(box):
    _ask(box, LEAVE)
    look = ("import os\n"
            "def probe():\n"
            "    ipc = [open('/proc/sysvipc/' + k).read().splitlines()[1:] for k in ('shm', 'msg', 'sem')]\n"
            "    return [os.listdir('/tmp/run/scratch'), os.listdir('/dev/shm'), ipc,\n"
            "            sorted(p for p in os.listdir('/proc') if p.isdigit())]\n")
    scratch, shm, ipc, pids = _ask(box, look)
    assert scratch == [] and shm == [] and ipc == [[], [], []], (scratch, shm, ipc)
    assert len(pids) == 2, f"processes left in the sandbox: {pids}"  # the zygote and this run


def test_memory_and_disk_are_limited(box):
    hog = ("def probe():\n"
           "    out = []\n"
           "    try:\n"
           "        blocks = [bytearray(2**30) for _ in range(8)]\n"
           "        out.append('8 GiB allocated')\n"
           "    except MemoryError:\n"
           "        out.append('memory refused')\n"
           "    try:\n"
           "        with open('big', 'wb') as f:\n"
           "            for _ in range(1024):\n"
           "                f.write(bytes(2**20))\n"
           "        out.append('1 GiB written')\n"
           "    except OSError:\n"
           "        out.append('disk refused')\n"
           "    return out\n")
    assert _ask(box, hog) == ["memory refused", "disk refused"]


def test_slow_imports_load_before_ready_for_grading_and_when_idle_for_a_self_check():
    """sandbox.SLOW_IMPORTS: preloaded for class grading; a self-check's sandbox loads them after its first run."""
    from linear_checks.sandbox import SLOW_IMPORTS

    # the module names are split so that this file does not name them (a file that does gets them at once)
    loaded = ("import sys\ndef probe():\n"
              "    return [n for n in ('matplot' + 'lib.pyplot', 'torch' + 'vision.utils') if n in sys.modules]\n")
    grading = Sandbox(isolate=True, preload=SLOW_IMPORTS)
    self_check = Sandbox(isolate=True)
    try:
        grading.start()
        self_check.start()
        assert set(SLOW_IMPORTS) == {"matplotlib.pyplot", "torchvision.utils"}
        assert _ask(grading, loaded) == list(SLOW_IMPORTS)
        assert _ask(self_check, loaded) == []  # the first call does not wait for them
        deadline = time.monotonic() + 30
        while _ask(self_check, loaded) != list(SLOW_IMPORTS) and time.monotonic() < deadline:
            time.sleep(1)  # idle: the zygote imports them now
        assert _ask(self_check, loaded) == list(SLOW_IMPORTS)
    finally:
        grading.close()
        self_check.close()


def test_a_file_that_names_matplotlib_can_draw_on_a_fresh_self_check_sandbox():
    """Before the idle import, a run whose file names matplotlib imports it before it is confined: a confined run
    could not write matplotlib's font cache."""
    draws = ("import matplotlib.pyplot as plt\ndef probe():\n    fig = plt.figure(figsize=(1, 1))\n"
             "    fig.canvas.draw()\n    return fig.canvas.buffer_rgba().shape[2]\n")
    with Sandbox(isolate=True) as box:
        assert _ask(box, draws) == 4
