"""Lets each tile pick its own colour limits (min..max), so white no longer means zero."""
TARGET, MUST_MENTION = "weight_viz.py", "symmetric around zero"
MISCONCEPTION = "asymmetric_colour_scale"  # what the grader must recognise (linear_checks/misconceptions.py)

_reference_plot = plot_weight_templates  # noqa: F821


def plot_weight_templates(weight, image_shape, titles=None, ncols=None, cmap="RdBu_r"):
    fig = _reference_plot(weight, image_shape, titles, ncols, cmap)
    for ax in fig.axes:
        for image in ax.get_images():
            data = image.get_array()
            image.set_clim(float(data.min()), float(data.max()))
    return fig
