"""linear_exercises: the graded exercises of the PyTorch linear-layers course.

Exercises (edit these files; check them with check("manual_linear") or check()):
    1. manual_linear.py   manual_linear, ManualLinear
    2. param_count.py     linear_param_count, count_parameters
    3. initialization.py  init_linear_ (and init_model_)
    4. weight_viz.py      weight_grid, plot_weight_templates
    5. low_rank.py        LowRankLinear
Provided helpers: data.py (load_digits), training.py (train, accuracy, make_mlp).
"""


from .exercises import EXERCISES
from .initialization import SCHEMES, init_linear_, init_model_
from .low_rank import LowRankLinear
from .manual_linear import ManualLinear, manual_linear
from .param_count import count_parameters, linear_param_count
from .weight_viz import plot_weight_templates, weight_grid

__all__ = [
    "EXERCISES",
    "SCHEMES",
    "LowRankLinear",
    "ManualLinear",
    "check",
    "count_parameters",
    "init_linear_",
    "init_model_",
    "linear_param_count",
    "manual_linear",
    "plot_weight_templates",
    "weight_grid",
]
