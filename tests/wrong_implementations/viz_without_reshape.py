"""Tiles the flat rows as 1 x 784 strips and plots them without reshaping."""
TARGET, MUST_MENTION = "weight_viz.py", "expected shape"
MISCONCEPTION = "tiles_not_reshaped"  # what the grader must recognise (linear_checks/misconceptions.py)


def weight_grid(weight, image_shape, ncols=None, padding=1):
    from torchvision.utils import make_grid

    rows = weight.detach().float()
    ncols = ncols or default_ncols(rows.shape[0])  # noqa: F821
    return make_grid(rows[:, None, None, :], nrow=ncols, padding=padding)[0]


def plot_weight_templates(weight, image_shape, titles=None, ncols=None, cmap="RdBu_r"):
    import matplotlib.pyplot as plt

    v = weight.abs().max().item()
    fig, axes = plt.subplots(1, weight.shape[0], squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.imshow(weight[k].detach()[None, :].numpy(), cmap=cmap, vmin=-v, vmax=v, aspect="auto")
        ax.set_title(str(k) if titles is None else titles[k])
    return fig
