"""Class 6 and 3: sixteen busy threads (to slow every other student graded beside it), a 1 GiB System V segment and a POSIX queue left for the next student, a memfd beyond the memory limit, a million files in /tmp; then wrong answers."""
TARGET, MUST_MENTION = "param_count.py", ""
import ctypes as _ctypes  # noqa: E402
import os as _os  # noqa: E402
import threading as _threading  # noqa: E402

_libc = _ctypes.CDLL(None, use_errno=True)


def _spin():
    while True:
        pass


def _try(f):
    try:
        f()
    except BaseException:
        pass


for _ in range(16):
    _try(lambda: _threading.Thread(target=_spin, daemon=True).start())
_try(lambda: _libc.shmget(0x5eed, 2**30, 0o1666))
_try(lambda: _libc.mq_open(b"/note", _os.O_CREAT | _os.O_RDWR, 0o666, None))
_try(lambda: _os.ftruncate(_os.memfd_create("big"), 3 * 2**30))
for _i in range(1_000_000):
    try:
        open(f"/tmp/f{_i}", "w").close()
    except OSError:
        break


def linear_param_count(in_features, out_features, bias=True):
    return -1


def count_parameters(model, trainable_only=True):
    return 0
