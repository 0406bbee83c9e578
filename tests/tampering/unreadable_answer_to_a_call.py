"""Class 14: answers to the checks' calls that the grader's JSON reader raises on.

After the import, the run's answers are replaced: an integer of 5,001 digits (json.loads
raises ValueError: Python's limit on the digits of an int) and a list nested 200,000
deep (RecursionError), in turn. The grader's reader turns both into "not plain data"
(WireError): that check fails, the run is closed and the next check starts a fresh one.
The same answer to the import request, and a next student graded in the same sandbox, are
in tests/test_tampering.py.
"""
TARGET, MUST_MENTION = "param_count.py", "not plain data"
import os as _os  # noqa: E402
import struct as _struct  # noqa: E402
import sys as _sys  # noqa: E402

_count = [0]


def _send(fd, obj):
    _count[0] += 1
    data = (b'{"value":' + b"7" * 5000 + b"}") if _count[0] % 2 else (b'{"value":' + b"[" * 200_000 + b"]" * 200_000 + b"}")
    view = memoryview(_struct.pack(">I", len(data)) + data)
    while view:
        view = view[_os.write(fd, view):]


_sys.modules["wire"].send = _send  # from the next answer on (this import's answer is already on its way)
