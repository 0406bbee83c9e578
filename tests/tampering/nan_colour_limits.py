"""Class 12: colour limits of NaN, which no `if abs(lo + v) > tol: fail(...)` rejects.

plot_weight_templates draws one blank 1x1 image per unit with vmin = vmax = NaN and a
sequential colormap: nothing of the weight, no scale worked out. The shared-scale check
compares each image's limits with ±max|W| by `>` only.
"""
TARGET, MUST_MENTION = "weight_viz.py", ""


def plot_weight_templates(weight, image_shape, titles=None, ncols=None, **kwargs):  # noqa: F811
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, weight.shape[0], squeeze=False)
    for ax in axes[0]:
        ax.imshow([[0.0]], cmap="viridis", vmin=math.nan, vmax=math.nan)
    return fig
