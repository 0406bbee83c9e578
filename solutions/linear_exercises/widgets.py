"""Interactive tools for the lesson notebooks (provided, not graded).

Three widgets, each with plain functions underneath that work without a notebook
front end (tests and scripts can call them directly):

transformation_explorer(W, b)
    Sliders for the four entries of a 2x2 weight W and the two entries of a bias b.
    The plot shows a grid, the unit square, the unit circle and the basis vectors
    e1, e2 before and after x -> W x + b; the readout gives det(W) and what it means.
    Plain functions: transform_points, describe_map, draw_transformation.

forward_pass_calculator(W, b, x)
    Sliders for the input x of a small layer; shows every y_i = sum_j w_ij x_j + b_i
    being added up one product at a time.
    Plain functions: forward_pass_steps, format_forward_pass.

bias_boundary_demo()
    A two-class data set that no line through the origin can separate, with sliders
    for w1, w2 and b, the line w . x + b = 0 and the accuracy it gets.
    Plain functions: bias_dataset, boundary_accuracy, best_accuracy_through_origin,
    draw_boundary.

Each widget function returns an object that shows itself when it is the last
expression of a cell; its `.widget` is the ipywidgets container and `.sliders` maps
each slider's description ("w11", "b1", ...) to the slider. Building one draws it once,
so it also runs where no front end is attached (nbclient, nbconvert --execute).
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ArrayLike = Sequence[float] | np.ndarray
SLIDER_WIDTH = "440px"  # sliders this wide move by about 0.01 per pixel over -2..2

# ---------------------------------------------------------------------------------------
# Plain functions: the geometry of a 2-D affine map
# ---------------------------------------------------------------------------------------


def _as_matrix(W: ArrayLike) -> np.ndarray:
    W = np.asarray(W, dtype=float)
    if W.shape != (2, 2):
        raise ValueError(f"W must be 2x2, got shape {W.shape}")
    return W


def _as_bias(b: ArrayLike | None) -> np.ndarray:
    if b is None:
        return np.zeros(2)
    b = np.asarray(b, dtype=float)
    if b.shape != (2,):
        raise ValueError(f"b must have 2 entries, got shape {b.shape}")
    return b


def transform_points(W: ArrayLike, b: ArrayLike | None, pts: ArrayLike) -> np.ndarray:
    """Apply x -> W x + b to each row of pts (N, 2); returns an (N, 2) array.

    Points are rows, as in a batch for nn.Linear, so this is pts @ W.T + b.
    """
    W, b = _as_matrix(W), _as_bias(b)
    pts = np.asarray(pts, dtype=float)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"pts must have shape (N, 2), got {pts.shape}")
    return pts @ W.T + b


def _fixed(value: float, digits: int) -> str:
    """value with `digits` decimals, but never "-0.000": a non-zero value that would round
    to zero is shown as, say, -1.0e-04, and zero as 0.000."""
    text = f"{value:.{digits}f}"
    if float(text) != 0:
        return text
    return f"{value:.1e}" if value != 0 else f"{0.0:.{digits}f}"


@dataclass(frozen=True)
class MapInfo:
    """What det(W) says about the map x -> W x + b.

    det: the determinant; area_factor: |det|, how much every area is scaled;
    reflects: det < 0 (orientation flips); collapses: det = 0 (space is squashed onto a
    line or a point, W has no inverse); keeps_area: |det| = 1.
    """

    det: float
    area_factor: float
    reflects: bool
    collapses: bool
    keeps_area: bool

    def sentence(self) -> str:
        """A one-line explanation of the map, for readouts."""
        if self.collapses:
            return ("det = 0: the plane collapses onto a line or a point. Information is "
                    "lost and W has no inverse.")
        parts = [f"areas are scaled by |det| = {_fixed(self.area_factor, 2)}"]
        if self.keeps_area:
            parts[0] = "areas are kept (|det| = 1)"
        parts.append("orientation flips: a reflection" if self.reflects else "orientation is kept")
        return "; ".join(parts) + "."


def describe_map(W: ArrayLike, tol: float = 1e-6) -> MapInfo:
    """det(W) and what it means: reflects (det < 0), collapses (det = 0), keeps area (|det| = 1).

    tol decides when a determinant counts as 0 or |det| as 1 (slider values are floats).
    """
    W = _as_matrix(W)
    det = float(W[0, 0] * W[1, 1] - W[0, 1] * W[1, 0])
    collapses = abs(det) <= tol
    return MapInfo(
        det=0.0 if collapses else det,
        area_factor=0.0 if collapses else abs(det),
        reflects=det < -tol,
        collapses=collapses,
        keeps_area=abs(abs(det) - 1.0) <= tol,
    )


def _circle(n: int = 121) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n)
    return np.stack([np.cos(t), np.sin(t)], axis=1)


_SQUARE = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], dtype=float)


def draw_transformation(ax, W: ArrayLike, b: ArrayLike | None = None, lim: float = 4.0,
                        grid_range: int = 3, legend: bool = True, title: str | None = None) -> None:
    """Draw the grid, unit square, unit circle and e1, e2 before (grey) and after W x + b.

    ax: a matplotlib Axes; lim: the half-width of the square view; grid_range: the grid
    covers [-grid_range, grid_range]^2; legend, title: whether to add a legend, and a
    title to use instead of the default one.
    """
    W, b = _as_matrix(W), _as_bias(b)
    ks = np.arange(-grid_range, grid_range + 1, dtype=float)
    for k in ks:  # grid lines x = k and y = k, before and after (an affine map keeps lines)
        for line in (np.array([[k, -grid_range], [k, grid_range]]),
                     np.array([[-grid_range, k], [grid_range, k]])):
            ax.plot(line[:, 0], line[:, 1], color="0.85", lw=0.8, zorder=1)
            img = transform_points(W, b, line)
            ax.plot(img[:, 0], img[:, 1], color="tab:purple", lw=0.8, alpha=0.45, zorder=2)

    circle = _circle()
    ax.plot(circle[:, 0], circle[:, 1], color="0.6", lw=1.2, ls="--", zorder=3)
    ax.fill(_SQUARE[:, 0], _SQUARE[:, 1], color="0.75", alpha=0.35, zorder=3)
    img_circle = transform_points(W, b, circle)
    img_square = transform_points(W, b, _SQUARE)
    ax.plot(img_circle[:, 0], img_circle[:, 1], color="tab:orange", lw=1.8, zorder=4,
            label="image of the unit circle")
    ax.fill(img_square[:, 0], img_square[:, 1], color="tab:green", alpha=0.35, zorder=4,
            label="image of the unit square")

    arrow = dict(length_includes_head=True, head_width=0.12, head_length=0.18, zorder=6)
    for vec, color in ((np.array([1.0, 0.0]), "tab:red"), (np.array([0.0, 1.0]), "tab:blue")):
        ax.arrow(0, 0, vec[0], vec[1], color=color, alpha=0.35, width=0.02, **arrow)
        image = W @ vec  # the arrow from the image of 0 (= b) to the image of the tip
        if np.hypot(*image) > 1e-9:
            ax.arrow(b[0], b[1], image[0], image[1], color=color, width=0.035, **arrow)
    ax.plot([], [], color="tab:red", lw=2.5, label="e1 and W e1")
    ax.plot([], [], color="tab:blue", lw=2.5, label="e2 and W e2")
    ax.plot([0], [0], "o", color="0.4", ms=4, zorder=7)
    ax.plot([b[0]], [b[1]], "o", color="black", ms=5, zorder=7, label="image of the origin (= b)")

    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ticks = np.arange(-np.floor(lim), np.floor(lim) + 1)
    ax.set_xticks(ticks)
    ax.set_yticks(ticks)
    ax.set_aspect("equal")
    ax.set_xlabel("coordinate 1", fontsize=8)
    ax.set_ylabel("coordinate 2", fontsize=8)
    ax.axhline(0, color="0.5", lw=0.6, zorder=0)
    ax.axvline(0, color="0.5", lw=0.6, zorder=0)
    if legend:
        ax.legend(loc="lower left", fontsize=7, framealpha=0.85)
    ax.set_title(title if title is not None else "grey: before, colour: after  x \u21a6 W x + b",
                 fontsize=9)


def _readout_html(W: np.ndarray, b: np.ndarray) -> str:
    info = describe_map(W)
    flags = []
    if info.reflects:
        flags.append("reflects")
    if info.collapses:
        flags.append("collapses")
    if info.keeps_area:
        flags.append("keeps area")
    flag_text = ", ".join(flags) if flags else "none"
    return (
        "<div style='font-family: monospace; line-height: 1.5'>"
        f"W = [[{_fixed(W[0, 0], 2)}, {_fixed(W[0, 1], 2)}], [{_fixed(W[1, 0], 2)}, {_fixed(W[1, 1], 2)}]]<br>"
        f"b = [{_fixed(b[0], 2)}, {_fixed(b[1], 2)}]<br>"
        f"<b>det(W) = {_fixed(info.det, 3)}</b><br>"
        f"flags: {flag_text}</div>"
        f"<div style='max-width: {SLIDER_WIDTH}'>{html.escape(info.sentence())}</div>"
    )


# ---------------------------------------------------------------------------------------
# Plain functions: the forward pass of a small layer, one product at a time
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One product w_ij * x_j and the running sum after adding it."""

    j: int  # 0-based input index
    weight: float
    x: float
    product: float
    running: float


@dataclass(frozen=True)
class OutputSteps:
    """How y_i is built: the products of row i with x, then the bias."""

    i: int  # 0-based output index
    terms: tuple[Term, ...]
    dot: float  # sum of the products (row i . x)
    bias: float
    y: float  # dot + bias


def forward_pass_steps(W: ArrayLike, x: ArrayLike, b: ArrayLike | None = None) -> list[OutputSteps]:
    """The computation of y = W x + b written out term by term.

    W: (m, n); x: (n,); b: (m,) or None. Returns one OutputSteps per output y_i; the
    y values equal W @ x + b.
    """
    W = np.asarray(W, dtype=float)
    x = np.asarray(x, dtype=float)
    if W.ndim != 2 or x.shape != (W.shape[1],):
        raise ValueError(f"W of shape {W.shape} needs x of shape ({W.shape[1] if W.ndim == 2 else '?'},), "
                         f"got {x.shape}")
    m = W.shape[0]
    b = np.zeros(m) if b is None else np.asarray(b, dtype=float)
    if b.shape != (m,):
        raise ValueError(f"b must have shape ({m},), got {b.shape}")
    steps = []
    for i in range(m):
        running, terms = 0.0, []
        for j in range(W.shape[1]):
            product = float(W[i, j] * x[j])
            running += product
            terms.append(Term(j, float(W[i, j]), float(x[j]), product, running))
        steps.append(OutputSteps(i, tuple(terms), running, float(b[i]), running + float(b[i])))
    return steps


def format_forward_pass(steps: Sequence[OutputSteps]) -> str:
    """The steps as plain text, one block per output (1-based indices, as in y_i)."""
    lines = []
    for s in steps:
        i = s.i + 1
        formula = " + ".join(f"w{i}{t.j + 1}*x{t.j + 1}" for t in s.terms)
        lines.append(f"y{i} = {formula} + b{i}")
        for n, t in enumerate(s.terms):
            sign = " " if n == 0 else "+"
            left = f"   {sign} ({t.weight:+.2f}) * ({t.x:+.2f}) = {t.product:+7.3f}"
            lines.append(f"{left:<34}running sum {t.running:+8.3f}")
        left = f"   + b{i} = {s.bias:+.2f}"
        lines.append(f"{left:<34}{f'y{i} =':>11} {s.y:+8.3f}")
        lines.append("")
    lines.append("y = [" + ", ".join(f"{s.y:.3f}" for s in steps) + "]")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# Plain functions: a decision boundary with and without bias
# ---------------------------------------------------------------------------------------


def bias_dataset(n_per_class: int = 50, seed: int = 0, spread: float = 0.35) -> tuple[np.ndarray, np.ndarray]:
    """Two blobs on the same ray from the origin: class 0 near (1, 1), class 1 near (3, 3).

    The blobs lie along the same ray from the origin, so a line through the origin can
    only split them unevenly: the best such line gets 65% of the points right
    (best_accuracy_through_origin; chance is 50%). The line x1 + x2 = 4 (w = (1, 1),
    b = -4), which needs a bias, gets all of them right.
    Returns X (2 * n_per_class, 2) float and y (2 * n_per_class,) int in {0, 1}.
    """
    rng = np.random.default_rng(seed)
    x0 = rng.normal([1.0, 1.0], spread, size=(n_per_class, 2))
    x1 = rng.normal([3.0, 3.0], spread, size=(n_per_class, 2))
    X = np.concatenate([x0, x1])
    y = np.concatenate([np.zeros(n_per_class, dtype=int), np.ones(n_per_class, dtype=int)])
    return X, y


def boundary_accuracy(w: ArrayLike, b: float, X: ArrayLike, y: ArrayLike) -> float:
    """Accuracy of the rule "class 1 where w . x + b > 0, else class 0"."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    predicted = (X @ np.asarray(w, dtype=float) + float(b)) > 0
    return float(np.mean(predicted == (y == 1)))


def best_accuracy_through_origin(X: ArrayLike, y: ArrayLike, n_angles: int = 3600) -> float:
    """The best accuracy of any boundary w . x = 0 (no bias), by trying n_angles directions of w."""
    angles = np.linspace(0, 2 * np.pi, n_angles, endpoint=False)
    return max(boundary_accuracy((np.cos(a), np.sin(a)), 0.0, X, y) for a in angles)


def draw_boundary(ax, w: ArrayLike, b: float, X: ArrayLike, y: ArrayLike, lim: float = 5.0,
                  title: str | None = None) -> float:
    """Scatter the two classes, shade where w . x + b > 0 and draw the line w . x + b = 0.

    Returns the accuracy of that boundary.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    w = np.asarray(w, dtype=float)
    xs = np.linspace(-lim, lim, 161)
    gx, gy = np.meshgrid(xs, xs)
    score = w[0] * gx + w[1] * gy + b
    ax.contourf(gx, gy, score > 0, levels=[-0.5, 0.5, 1.5], colors=["tab:blue", "tab:orange"],
                alpha=0.12, zorder=0)
    norm2 = float(w @ w)
    if norm2 > 1e-12:
        p0 = -b * w / norm2  # the point of the line closest to the origin
        d = np.array([-w[1], w[0]]) / np.sqrt(norm2)
        ends = np.stack([p0 - 4 * lim * d, p0 + 4 * lim * d])
        ax.plot(ends[:, 0], ends[:, 1], color="black", lw=2, label="w . x + b = 0", zorder=3)
        # an arrow along w shows which side is called class 1
        ax.arrow(p0[0], p0[1], *(0.8 * w / np.sqrt(norm2)), color="black", width=0.03,
                 head_width=0.15, length_includes_head=True, zorder=4)
    ax.scatter(*X[y == 0].T, s=16, color="tab:blue", edgecolor="white", lw=0.4, label="class 0", zorder=2)
    ax.scatter(*X[y == 1].T, s=16, color="tab:orange", edgecolor="white", lw=0.4, label="class 1", zorder=2)
    ax.plot([0], [0], "k+", ms=10, mew=2, zorder=5, label="origin")
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.legend(loc="lower right", fontsize=7, framealpha=0.85)
    acc = boundary_accuracy(w, b, X, y)
    ax.set_title(title if title is not None else f"w = ({w[0]:.1f}, {w[1]:.1f}), b = {b:.1f}: "
                 f"accuracy {acc:.0%}", fontsize=9)
    return acc


# ---------------------------------------------------------------------------------------
# The widgets
# ---------------------------------------------------------------------------------------


class _Tool:
    """A widget plus its parts; shows itself as the widget in a notebook."""

    def __init__(self, widget, sliders: dict, readout, output=None):
        self.widget = widget
        self.sliders = sliders
        self.readout = readout
        self.output = output

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def values(self) -> dict[str, float]:
        return {name: s.value for name, s in self.sliders.items()}


def _slider(name: str, value: float, lo: float, hi: float, step: float):
    """A wide slider with its value shown at the right end."""
    import ipywidgets as widgets

    s = widgets.FloatSlider(value=value, min=lo, max=hi, step=step, description=name,
                            continuous_update=True, readout=True, readout_format=".2f",
                            layout=widgets.Layout(width=SLIDER_WIDTH),
                            style={"description_width": "3em"})
    s.add_class(f"slider-{name}")
    return s


def render_png(draw, figsize, dpi: int = 90, rect=(0.08, 0.06, 0.88, 0.88)) -> bytes:
    """Draw on a fresh matplotlib Axes with draw(ax) and return the figure as PNG bytes.

    rect: the Axes' (left, bottom, width, height) as fractions of the figure.

    Uses the Agg canvas directly (no pyplot, no figure manager): one render per call,
    which keeps a slider's redraw fast.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes(rect)
    draw(ax)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _show_figure(output, draw, figsize, **kwargs) -> None:
    """Redraw a figure into an Output widget as a static PNG image."""
    from IPython.display import Image, display

    png = render_png(draw, figsize, **kwargs)
    with output:
        output.clear_output(wait=True)
        display(Image(data=png, format="png"))


_COS30, _SIN30 = float(np.cos(np.pi / 6)), float(np.sin(np.pi / 6))  # exact, so det = 1

_PRESETS = {
    "identity": ([[1, 0], [0, 1]], [0, 0]),
    "rotation by 30 degrees": ([[_COS30, -_SIN30], [_SIN30, _COS30]], [0, 0]),
    "scaling diag(2, 0.5)": ([[2, 0], [0, 0.5]], [0, 0]),
    "shear k = 1": ([[1, 1], [0, 1]], [0, 0]),
    "reflection across the y-axis": ([[-1, 0], [0, 1]], [0, 0]),
    "collapse onto a line (det 0)": ([[1, 2], [0.5, 1]], [0, 0]),
    "translation only (W = I, b = (1, 0.5))": ([[1, 0], [0, 1]], [1, 0.5]),
}


def transformation_explorer(W: ArrayLike | None = None, b: ArrayLike | None = None) -> _Tool:
    """Sliders for a 2x2 W (w11, w12, w21, w22) and b (b1, b2) with a live plot and readout.

    W, b: the starting values (identity and zero by default). The readout gives det(W) and
    says whether the map reflects, collapses or keeps area. A drop-down sets presets.
    """
    import ipywidgets as widgets

    W0 = _as_matrix(np.eye(2) if W is None else W)
    b0 = _as_bias(b)
    names = ["w11", "w12", "w21", "w22", "b1", "b2"]
    start = [W0[0, 0], W0[0, 1], W0[1, 0], W0[1, 1], b0[0], b0[1]]
    sliders = {n: _slider(n, float(v), -2.0, 2.0, 0.01) for n, v in zip(names, start)}
    readout = widgets.HTML()
    readout.add_class("explorer-readout")
    output = widgets.Output(layout=widgets.Layout(width="480px", min_height="460px"))
    output.add_class("explorer-plot")
    presets = widgets.Dropdown(options=["(choose a preset)", *_PRESETS], description="preset",
                               layout=widgets.Layout(width="18em"),
                               style={"description_width": "3.5em"})
    state = {"hold": False}

    def current():
        v = {n: s.value for n, s in sliders.items()}
        return (np.array([[v["w11"], v["w12"]], [v["w21"], v["w22"]]]), np.array([v["b1"], v["b2"]]))

    def redraw(*_):
        if state["hold"]:
            return
        Wc, bc = current()
        readout.value = _readout_html(Wc, bc)
        _show_figure(output, lambda ax: draw_transformation(ax, Wc, bc), (5.2, 5.2),
                     rect=(0.11, 0.09, 0.85, 0.85))

    def apply_preset(change):
        if change["new"] not in _PRESETS:
            return
        Wp, bp = _PRESETS[change["new"]]
        state["hold"] = True  # set six sliders, redraw once
        try:
            for n, v in zip(names, [Wp[0][0], Wp[0][1], Wp[1][0], Wp[1][1], bp[0], bp[1]]):
                sliders[n].value = float(v)
        finally:
            state["hold"] = False
        redraw()

    for s in sliders.values():
        s.observe(redraw, names="value")
    presets.observe(apply_preset, names="value")

    controls = widgets.VBox([
        widgets.HTML("<b>W</b> (row 1, then row 2)"),
        sliders["w11"], sliders["w12"], sliders["w21"], sliders["w22"],
        widgets.HTML("<b>b</b>"),
        sliders["b1"], sliders["b2"],
        presets,
        readout,
    ])
    box = widgets.HBox([controls, output], layout=widgets.Layout(flex_flow="row wrap"))
    box.add_class("transformation-explorer")
    redraw()
    tool = _Tool(box, sliders, readout, output)
    tool.redraw = redraw
    tool.presets = presets
    return tool


def forward_pass_calculator(W: ArrayLike | None = None, b: ArrayLike | None = None,
                            x: ArrayLike | None = None) -> _Tool:
    """Sliders for x (x1, x2, ...) of a small layer y = W x + b, and every y_i summed step by step.

    W: (m, n), at most 4 x 4 to stay readable; b: (m,) or None (no bias); x: starting input.
    The defaults are a 2 x 3 layer with easy numbers.
    """
    import ipywidgets as widgets

    W = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]]) if W is None else np.asarray(W, dtype=float)
    if W.ndim != 2 or W.shape[0] > 4 or W.shape[1] > 4:
        raise ValueError(f"W must be a small matrix (at most 4 x 4), got shape {W.shape}")
    m, n = W.shape
    if b is None and W.shape == (2, 3):
        b = [0.5, -1.0]
    b_arr = None if b is None else np.asarray(b, dtype=float)
    x0 = np.array([1.0, 2.0, -1.0]) if x is None and n == 3 else (
        np.ones(n) if x is None else np.asarray(x, dtype=float))
    forward_pass_steps(W, x0, b_arr)  # validates the shapes now, not on the first slider move
    sliders = {f"x{j + 1}": _slider(f"x{j + 1}", float(x0[j]), -3.0, 3.0, 0.5) for j in range(n)}
    readout = widgets.HTML()
    readout.add_class("forward-pass-readout")

    def layer_html():
        rows = "<br>".join("[" + ", ".join(f"{v:+.2f}" for v in row) + "]" for row in W)
        bias = "none" if b_arr is None else "[" + ", ".join(f"{v:+.2f}" for v in b_arr) + "]"
        return (f"<div style='font-family: monospace'><b>W</b> ({m} x {n}):<br>{rows}<br>"
                f"<b>b</b>: {bias}</div>")

    def redraw(*_):
        xv = np.array([sliders[f"x{j + 1}"].value for j in range(n)])
        text = format_forward_pass(forward_pass_steps(W, xv, b_arr))
        readout.value = f"<pre style='line-height: 1.35; margin: 0'>{html.escape(text)}</pre>"

    for s in sliders.values():
        s.observe(redraw, names="value")
    box = widgets.HBox([
        widgets.VBox([widgets.HTML("<b>input x</b>"), *sliders.values(), widgets.HTML(layer_html())]),
        readout,
    ], layout=widgets.Layout(gap="2em"))
    box.add_class("forward-pass-calculator")
    redraw()
    tool = _Tool(box, sliders, readout)
    tool.redraw = redraw
    return tool


def bias_boundary_demo(n_per_class: int = 50, seed: int = 0) -> _Tool:
    """Sliders for w1, w2, b over bias_dataset(); plots w . x + b = 0 and reports accuracy.

    Start at b = 0 (a line through the origin) and try to beat the best accuracy any
    bias-free line can reach; then move b.
    """
    import ipywidgets as widgets

    X, y = bias_dataset(n_per_class, seed)
    best_origin = best_accuracy_through_origin(X, y)
    sliders = {"w1": _slider("w1", 1.0, -2.0, 2.0, 0.1),
               "w2": _slider("w2", 1.0, -2.0, 2.0, 0.1),
               "b": _slider("b", 0.0, -6.0, 6.0, 0.1)}
    readout = widgets.HTML()
    readout.add_class("boundary-readout")
    output = widgets.Output(layout=widgets.Layout(width="430px", min_height="420px"))

    def redraw(*_):
        w = np.array([sliders["w1"].value, sliders["w2"].value])
        bv = sliders["b"].value
        acc = boundary_accuracy(w, bv, X, y)
        note = " (the line goes through the origin)" if abs(bv) < 1e-9 else ""
        readout.value = (f"<div style='max-width: {SLIDER_WIDTH}'><b>accuracy {acc:.0%}</b>{note}<br>"
                         f"best any line through the origin can do: {best_origin:.0%}</div>")
        _show_figure(output, lambda ax: draw_boundary(ax, w, bv, X, y), (4.6, 4.6),
                     rect=(0.13, 0.11, 0.83, 0.82))

    for s in sliders.values():
        s.observe(redraw, names="value")
    box = widgets.HBox([widgets.VBox([*sliders.values(), readout]), output],
                       layout=widgets.Layout(flex_flow="row wrap"))
    box.add_class("bias-boundary-demo")
    redraw()
    tool = _Tool(box, sliders, readout, output)
    tool.redraw = redraw
    tool.data = (X, y)
    return tool
