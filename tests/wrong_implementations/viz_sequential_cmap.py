"""Uses a sequential colormap (viridis), which hides the sign of the weights."""
TARGET, MUST_MENTION = "weight_viz.py", "diverging"
MISCONCEPTION = "sequential_colour_map"  # what the grader must recognise (linear_checks/misconceptions.py)

_reference_plot = plot_weight_templates  # noqa: F821


def plot_weight_templates(weight, image_shape, titles=None, ncols=None, cmap="viridis"):
    return _reference_plot(weight, image_shape, titles, ncols, cmap="viridis")
