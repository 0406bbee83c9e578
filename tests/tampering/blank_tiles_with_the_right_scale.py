"""Class 11: one blank 1x1 image per unit, with the shared symmetric limits and a diverging colormap.

Nothing of the weight is drawn (no reshape, no tile shows a value), yet the shared-scale
check reads only each image's colour limits and the colormap check only its colormap's name.
"""
TARGET, MUST_MENTION = "weight_viz.py", ""


def plot_weight_templates(weight, image_shape, titles=None, ncols=None, cmap="bwr"):  # noqa: F811
    import matplotlib.pyplot as plt

    v = float(weight.detach().abs().max())
    fig, axes = plt.subplots(1, weight.shape[0], squeeze=False)
    for ax in axes[0]:
        ax.imshow([[0.0]], cmap="bwr", vmin=-v, vmax=v)
    return fig
