"""Class 2: a thread whose target is a C function keeps writing forged answers to every open descriptor."""
TARGET, MUST_MENTION = "param_count.py", ""
import functools as _functools  # noqa: E402
import itertools as _itertools  # noqa: E402
import json as _json  # noqa: E402
import os as _os  # noqa: E402
import struct as _struct  # noqa: E402
import threading as _threading  # noqa: E402

_frame = _json.dumps({"value": 6585}).encode()
_frame = _struct.pack(">I", len(_frame)) + _frame


def _spray():
    for _ in _itertools.repeat(None, 2000):
        for fd in range(3, 32):
            try:
                _os.write(fd, _frame)
            except OSError:
                pass


_threading.Thread(target=_functools.partial(_spray), daemon=True).start()


def linear_param_count(in_features, out_features, bias=True):
    return 6585


def count_parameters(model, trainable_only=True):
    return 6585
