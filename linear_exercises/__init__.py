"""linear_exercises: the graded exercises of the PyTorch linear-layers course.

Exercises: the files named in the export block below (`make stubs` writes it from the course's exercise table);
check one with check("manual_linear"), all with check().
Provided helpers: data.py (load_digits), training.py (train, accuracy, make_mlp),
calibration.py (expected_calibration_error, reliability_bins),
needs.py (needs: lesson cells that wait for an exercise let Run All go on).
"""


import sys
from importlib import import_module

from .check import check, launch_checks

if sys.argv[:1] == ["-m"]:  # `python -m linear_exercises` (a terminal self-check) is importing this package:
    launch_checks()  # its sandbox imports torch meanwhile, while the exercise files below do here
from .needs import NotDone, needs

# Each exercise file is imported on its own, so that a mistake in one (a syntax error,
# say) leaves the others usable; the error comes back when you use the broken one.
# BEGIN EXERCISE EXPORTS (make stubs writes this block from the exercise table)
_EXPORTS = {
    "manual_linear": ("manual_linear", "ManualLinear",),
    "param_count": ("linear_param_count", "count_parameters",),
    "initialization": ("SCHEMES", "init_linear_", "init_model_",),
    "weight_viz": ("weight_grid", "plot_weight_templates",),
    "low_rank": ("LowRankLinear",),
    "backward": ("linear_backward", "LinearFunction",),
    "lora": ("LoRALinear", "lora_param_count",),
}
# END EXERCISE EXPORTS
IMPORT_ERRORS: dict[str, BaseException] = {}
for _module, _names in _EXPORTS.items():
    try:
        _loaded = import_module(f".{_module}", __name__)
    except Exception as _error:
        IMPORT_ERRORS[_module] = _error
        if isinstance(_error, ModuleNotFoundError) and _error.name in ("torch", "numpy", "matplotlib"):
            continue  # not this file's fault: check() says in one line what to install
        print(f"linear_exercises/{_module}.py could not be imported: {type(_error).__name__}: {_error}")
        continue
    globals().update({_name: getattr(_loaded, _name) for _name in _names})

__all__ = ["NotDone", "check", "needs", *(name for names in _EXPORTS.values() for name in names)]
