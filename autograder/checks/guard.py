"""What the check process (child.py) does against student code that tampers with the checks.

Policy.audit_hook is a sys.addaudithook hook: Python raises an audit event for many
sensitive operations, and a hook, once added, cannot be removed. While a frame of the
student's code is on the stack, the hook refuses (RuntimeError, noted for the report):
starting processes or sending signals, ctypes, walking the object graph (gc), reading
other frames (sys._getframe, tracebacks' and generators' frames), tracing, sockets,
sqlite, opening file descriptors, /proc or /dev/fd, reading the checks' own files, and
writing outside the scratch folder. Snapshot records the namespaces of torch, pytest,
the checks' helpers and a few types before the student's code runs; any later change
(torch.allclose = lambda *a, **k: True, pytest.fail = print, ...) is reported.

This raises the bar; it is not a sandbox. Python code in one process can in principle
reach anything in it: a student who studies these files could still forge a result.
The runner therefore also checks what it can from outside (runner.py).
"""

from __future__ import annotations

import os
import sys
import threading
import types

# Events refused whenever a student frame is anywhere on the stack.
_ANYWHERE = frozenset({
    "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
    "os.kill", "os.killpg", "signal.pthread_kill", "pty.spawn", "os.startfile",
    "gc.get_objects", "gc.get_referrers", "gc.get_referents",
    "sys.settrace", "sys.setprofile", "sys.addaudithook",
    "socket.__new__", "socket.connect", "socket.bind", "sqlite3.connect", "os.chdir", "os.chmod", "os.chown", "os.link", "os.symlink", "os.rename", "os.remove", "os.rmdir",
    "os.truncate", "shutil.rmtree",
})
# Refused when the code asking is the student's own, looking through the standard modules
# that do it on a caller's behalf (a library loading its extension with ctypes is fine).
_ASKED = frozenset({"sys._getframe", "sys._current_frames", "code.__new__", "function.__new__"})
_FRAME_ATTRIBUTES = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame", "f_back"})
_LOOK_THROUGH = ("/inspect.py", "/traceback.py", "/ctypes/__init__.py", "/ctypes/util.py")
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC


class Policy:
    """Which code is the student's, and the audit hook that holds it back."""

    def __init__(self, student_dirs: list[str], scratch_dir: str, protected_dirs: list[str]):
        self.student_dirs = tuple(os.path.join(d, "") for d in student_dirs)
        self.scratch_dir = os.path.join(os.path.realpath(scratch_dir), "")
        self.protected_dirs = tuple(os.path.join(os.path.realpath(d), "") for d in protected_dirs)
        self.refused: list[str] = []
        self._busy = threading.local()

    def is_student_file(self, filename: str) -> bool:
        """The student's files, and code compiled at run time ("<string>", ...), which student code can make."""
        if filename.startswith("<"):
            return not filename.startswith("<frozen")
        return filename.startswith(self.student_dirs)

    def student_on_stack(self, frame=None) -> bool:
        frame = frame or sys._getframe(1)
        while frame is not None:
            if self.is_student_file(frame.f_code.co_filename):
                return True
            frame = frame.f_back
        return False

    def _asked_by_student(self, frame) -> bool:
        while frame is not None and frame.f_code.co_filename.endswith(_LOOK_THROUGH):
            frame = frame.f_back
        return frame is not None and self.is_student_file(frame.f_code.co_filename)

    def note(self, what: str) -> None:
        if what not in self.refused:
            self.refused.append(what)

    def _open_refused(self, path, mode, flags) -> str:
        if isinstance(path, int):
            return "opening a file descriptor"
        path = os.fsdecode(path) if isinstance(path, bytes) else str(path)
        real = os.path.realpath(path)
        if real.startswith(("/proc/", "/dev/fd/", "/dev/mem", "/dev/kmem")) and not real.startswith("/proc/cpuinfo"):
            return f"opening {path}"
        if real.startswith(self.protected_dirs):
            return "reading the checks' files"
        writing = (any(c in (mode or "") for c in "wax+") if mode is not None
                   else bool((flags or 0) & _WRITE_FLAGS))
        if writing and not (real.startswith(self.scratch_dir) or real == os.devnull):
            return f"writing {path} (only the current folder may be written)"
        return ""

    def audit_hook(self, event: str, args: tuple) -> None:
        if event == "open":
            interesting = True
        elif event == "object.__getattr__":
            interesting = len(args) > 1 and args[1] in _FRAME_ATTRIBUTES
        else:
            interesting = event in _ANYWHERE or event in _ASKED or event.startswith("ctypes.")
        if not interesting or getattr(self._busy, "on", False):
            return
        self._busy.on = True
        try:
            caller = sys._getframe(1)
            if event in _ASKED or event == "object.__getattr__" or event.startswith("ctypes."):
                what = "ctypes" if event.startswith("ctypes.") else (
                    "making code objects" if event.endswith(".__new__") else "looking at other frames")
                reason = what if self._asked_by_student(caller) else ""
            elif not self.student_on_stack(caller):
                reason = ""
            elif event == "open":
                reason = self._open_refused(*args[:3]) if len(args) >= 3 else ""
            else:
                reason = event
        finally:
            self._busy.on = False
        if reason:
            self.note(f"refused: {reason}")
            raise RuntimeError(f"not allowed while the graded checks run: {reason}")


class Snapshot:
    """The namespaces of trusted modules and types, to find what was replaced later."""

    def __init__(self, modules: list[str], classes: list[type]):
        self.saved: dict[str, tuple[dict, dict]] = {}
        for name in modules:
            module = sys.modules.get(name)
            if module is not None:
                self.saved[name] = (vars(module), dict(vars(module)))
        self.type_names = set()
        for cls in classes:
            name = f"{cls.__module__}.{cls.__qualname__}"
            self.type_names.add(name)
            self.saved[name] = (cls.__dict__, dict(cls.__dict__))

    def changes(self, is_student_file=lambda filename: False) -> list[str]:
        """'torch.allclose' for every name whose value is no longer the one recorded.

        A library's own wrapper around the original (torch._dynamo wraps
        torch.manual_seed when it is first imported) is not a change.
        """
        changed = []
        for owner, (live, saved) in self.saved.items():
            for name, value in saved.items():
                now = live.get(name, _MISSING)
                if now is value or _benign(owner, name) or _wraps(now, value, is_student_file):
                    continue
                changed.append(f"{owner}.{name}")
            for name in live.keys() - saved.keys():  # added since: a type's new method, a module's new function
                value = live[name]
                if isinstance(value, types.ModuleType) or _benign(owner, name):
                    continue
                if owner in self.type_names or untrusted(value, is_student_file):
                    changed.append(f"{owner}.{name}")
        return changed


def untrusted(value, is_student_file) -> bool:
    """A function or method whose code is the student's (or was compiled at run time)."""
    code = getattr(value, "__code__", None) or getattr(getattr(value, "__func__", None), "__code__", None)
    return bool(code and is_student_file(code.co_filename))


def _wraps(new, old, is_student_file) -> bool:
    code = getattr(new, "__code__", None)
    if code is None or is_student_file(code.co_filename) or "site-packages" not in code.co_filename:
        return False
    seen = 0
    while new is not None and seen < 5:
        new, seen = getattr(new, "__wrapped__", None), seen + 1
        if new is old:
            return True
    return False


_MISSING = object()


def _benign(owner: str, name: str) -> bool:
    """Entries that change by themselves while tests run."""
    return name.startswith("__") and name in ("__warningregistry__", "__builtins__") or (
        owner == "builtins" and name == "_") or (owner == "os" and name == "environ")
