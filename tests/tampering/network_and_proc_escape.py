"""Class 3: tries the network, the host's processes through /proc, and a new namespace."""
TARGET, MUST_MENTION = "initialization.py", ""
import os as _os  # noqa: E402
import socket as _socket  # noqa: E402

for _addr in (("127.0.0.1", 8888), ("10.0.0.1", 80), ("pypi.org", 443)):
    try:
        _socket.create_connection(_addr, timeout=1).close()
    except OSError:
        pass
for _pid in range(1, 50):
    try:
        _os.listdir(_os.path.join("/proc", str(_pid), "root"))  # the host's file system, if pids leaked
        _os.readlink(_os.path.join("/proc", str(_pid), "cwd"))
    except OSError:
        pass
try:
    _os.unshare(0x10000000)  # CLONE_NEWUSER
except (AttributeError, OSError):
    pass
