"""Plotting helpers shared by the lessons (matplotlib only)."""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
    from matplotlib.text import Text


def plot_norms_by_step(
    series: Mapping[str, Sequence[float]],
    *,
    title: str,
    xlabel: str = "time step t",
    ylabel: str = "gradient norm",
    logy: bool = True,
    first_step: int = 0,
    ax: Any = None,
) -> Any:
    """One line per named series of norms against the step index, on a log scale by default.

    ``first_step`` is the step number of each series' first entry (1 for Jacobian powers W^1...).

    Returns the matplotlib Axes, so a lesson can add to it.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.8))
    for label, raw_values in series.items():
        values = np.asarray(raw_values, dtype=np.float64)
        steps = np.arange(first_step, first_step + len(values))
        ax.plot(steps, values, label=label, linewidth=2)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return ax


def plot_history(
    histories: Mapping[str, Mapping[str, Sequence[float]]],
    *,
    metric: str = "loss",
    title: str | None = None,
    ax: Any = None,
) -> Any:
    """Training and validation curves of one metric for one or more Keras histories.

    ``histories`` maps a model name to ``history.history``. Solid lines are training,
    dashed lines validation (when present). Epochs count from 1 and the ticks are whole
    epochs.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.8))
    for index, (label, history) in enumerate(histories.items()):
        color = f"C{index}"
        if metric not in history:
            raise KeyError(f"history of {label!r} has no {metric!r}; it has {sorted(history)}")
        train = np.asarray(history[metric], dtype=np.float64)
        epochs = np.arange(1, len(train) + 1)
        ax.plot(epochs, train, color=color, label=f"{label} (train)")
        if f"val_{metric}" in history:
            ax.plot(epochs, history[f"val_{metric}"], color=color, linestyle="--", label=f"{label} (validation)")
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no "epoch 1.5"
    ax.set_ylabel(metric)
    ax.set_title(title or metric)
    ax.grid(True, alpha=0.3)
    ax.legend()
    return ax


def pca_project(vectors: Any, num_components: int = 2) -> np.ndarray:
    """Coordinates of row vectors on their first principal components (numpy SVD, no sklearn).

    The rows are centred on their mean; the principal directions are the right singular
    vectors of the centred matrix, largest singular value first. Each direction's sign is
    fixed so that its largest-magnitude entry is positive, so the picture does not flip
    from one machine (or BLAS library) to another.

    Parameters
    ----------
    vectors : array_like of shape (n, d)
        One vector per row, e.g. word vectors; needs ``n >= 2``.
    num_components : int, default 2
        How many components to keep (at most ``min(n, d)``).

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``(n, num_components)``: the coordinates of each row.

    Raises
    ------
    ValueError
        If ``vectors`` is not a 2-d array with at least two rows, or ``num_components`` is out of range.
    """
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"pca_project needs a 2-d array with at least two rows; got shape {x.shape}")
    if not 1 <= num_components <= min(x.shape):
        raise ValueError(f"num_components must be between 1 and {min(x.shape)}; got {num_components}")
    centred = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    directions = vt[:num_components]
    signs = np.sign(directions[np.arange(num_components), np.argmax(np.abs(directions), axis=1)])
    directions = directions * np.where(signs == 0, 1.0, signs)[:, None]
    return centred @ directions.T


def plot_words_2d(
    words: Sequence[str],
    vectors: Any,
    groups: Sequence[str] | None = None,
    *,
    title: str = "Word vectors, first two principal components",
    ax: Any = None,
) -> Any:
    """Scatter plot of word vectors projected to 2-D with :func:`pca_project`, each point labelled.

    Parameters
    ----------
    words : sequence of str
        The label of each row of ``vectors``.
    vectors : array_like of shape (n, d)
        The word vectors (the PCA is fitted on exactly these rows).
    groups : sequence of str, optional
        A group name per word; each group gets its own colour and a legend entry.
    title : str
        The plot's title.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes, so a lesson can add to it.
    """
    import matplotlib.pyplot as plt

    coords = pca_project(vectors, 2)
    if len(words) != len(coords):
        raise ValueError(f"{len(words)} words but {len(coords)} vectors")
    if groups is not None and len(groups) != len(words):
        raise ValueError(f"{len(groups)} group names but {len(words)} words")
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 5.5))
    labels = list(groups) if groups is not None else [""] * len(words)
    for index, group in enumerate(dict.fromkeys(labels)):
        rows = [i for i, g in enumerate(labels) if g == group]
        ax.scatter(coords[rows, 0], coords[rows, 1], color=f"C{index}", label=group or None, s=30)
        for i in rows:
            ax.annotate(words[i], coords[i], textcoords="offset points", xytext=(4, 3), fontsize=9, color=f"C{index}")
    ax.set_xlabel("principal component 1")
    ax.set_ylabel("principal component 2")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    if groups is not None:
        ax.legend(loc="best", fontsize=9)
    return ax


# ---------------------------------------------------------------------------------------------
# Diagrams: an unrolled SimpleRNN (lesson 01) and one LSTM and one GRU cell (lesson 02), drawn
# with matplotlib patches and mathtext only. Coordinates are in inches of the default figure, so
# text sizes (in points) and shapes keep their proportions. Every patch and text carries a gid
# naming its role ("gate", "op", "backward", ...): the lessons do not need it, the tests do.
# ---------------------------------------------------------------------------------------------

MAX_UNROLLED_STEPS = 12  # more steps than this no longer fit a notebook's width legibly

_INK = "0.15"  # lines and text
_BACKWARD = "#c0392b"  # the gradient's path (BPTT)
_CELL_FILL = "#dbe9f6"  # SimpleRNN cells
_GATE_FILL = "#fde3c8"  # sigmoid gates
_CANDIDATE_FILL = "#d5efd7"  # tanh candidates
_LINEAR_FILL = "#eeeeee"  # the GRU's recurrent product U_h h_{t-1} + b'_h
_BACKGROUND = "#f7f7f7"  # inside an LSTM or GRU cell
_HALO = _BACKGROUND  # a line that crosses another one (no junction) is drawn with a halo of the background


def _new_or_given_axes(ax: Axes | None, figsize: tuple[float, float], function: str) -> Axes:
    """The Axes to draw on: a new figure of ``figsize`` when ``ax`` is None."""
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
        return ax
    if not isinstance(ax, Axes):
        raise TypeError(f"{function}: ax must be a matplotlib Axes or None; got {type(ax).__name__}")
    return ax


def _finish_diagram(ax: Axes, xlim: tuple[float, float], ylim: tuple[float, float], title: str) -> Axes:
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=11)
    ax.axis("off")
    return ax


def _text(ax: Axes, x: float, y: float, label: str, gid: str, **kwargs: Any) -> Text:
    options: dict[str, Any] = {"ha": "center", "va": "center", "fontsize": 12, "color": _INK, "zorder": 6}
    options.update(kwargs)
    text = ax.text(x, y, label, **options)
    text.set_gid(gid)
    return text


def _box(
    ax: Axes,
    center: tuple[float, float],
    size: tuple[float, float],
    gid: str,
    facecolor: str,
    *,
    rounding: float = 0.08,
    **kwargs: Any,
) -> FancyBboxPatch:
    """A rounded rectangle whose edges lie exactly at center +- size / 2."""
    from matplotlib.patches import FancyBboxPatch

    (x, y), (width, height) = center, size
    options: dict[str, Any] = {"edgecolor": _INK, "linewidth": 1.2, "zorder": 4}
    options.update(kwargs)
    box = FancyBboxPatch(
        (x - width / 2, y - height / 2),
        width,
        height,
        boxstyle=f"round,pad=0,rounding_size={rounding}",
        facecolor=facecolor,
        gid=gid,
        **options,
    )
    ax.add_patch(box)
    return box


def _op(ax: Axes, center: tuple[float, float], label: str, radius: float = 0.2) -> Circle:
    """A pointwise operation: a small white circle with its symbol."""
    from matplotlib.patches import Circle

    circle = Circle(center, radius, facecolor="white", edgecolor=_INK, linewidth=1.2, zorder=4, gid="op")
    ax.add_patch(circle)
    _text(ax, center[0], center[1], label, "op", fontsize=13 if len(label) == 1 else 10)
    return circle


def _dot(ax: Axes, center: tuple[float, float], color: str = _INK) -> Circle:
    """A junction: the line is copied into two branches here."""
    from matplotlib.patches import Circle

    dot = Circle(center, 0.045, facecolor=color, edgecolor="none", zorder=5, gid="junction")
    ax.add_patch(dot)
    return dot


def _line(
    ax: Axes,
    points: Sequence[tuple[float, float]],
    gid: str,
    *,
    head: bool = True,
    color: str = _INK,
    dashed: bool = False,
    halo: bool = False,
    linewidth: float = 1.4,
) -> FancyArrowPatch:
    """A polyline from points[0] to points[-1], with an arrowhead at the end unless ``head`` is False.

    The points are used as given (no shrinking), so a caller puts them on the edges of boxes.
    """
    from matplotlib import patheffects
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path

    arrow = FancyArrowPatch(
        path=Path(np.asarray(points, dtype=np.float64)),
        arrowstyle="-|>" if head else "-",
        mutation_scale=12,
        color=color,
        linewidth=linewidth,
        linestyle="--" if dashed else "-",
        joinstyle="miter",
        capstyle="butt",
        zorder=3 if halo else 2,
        gid=gid,
    )
    if halo:
        arrow.set_path_effects([patheffects.withStroke(linewidth=linewidth + 4, foreground=_HALO)])
    ax.add_patch(arrow)
    return arrow


def draw_unrolled_rnn(
    num_steps: int = 4,
    *,
    outputs: Literal["all", "last"] = "all",
    show_backward: bool = False,
    ax: Axes | None = None,
) -> Axes:
    r"""A SimpleRNN unrolled in time, in the notation of lesson 01.

    One box per time step computes :math:`a_t = \tanh(W_a a_{t-1} + W_x x_t + b)`. The inputs
    :math:`x_1 \dots x_T` enter from below along arrows labelled :math:`W_x`; the states
    :math:`a_0 \to a_1 \to \dots \to a_T` pass from left to right along arrows labelled with the
    one shared :math:`W_a`; the outputs :math:`\hat y_t` (every step, or only the last) leave at
    the top. With ``show_backward`` the loss :math:`L` is drawn above the outputs and the path of
    its gradient in backpropagation through time is drawn dashed: from :math:`L` into each state
    that has an output (labelled :math:`\partial L / \partial a_t`) and back from step to step,
    each dashed arrow labelled with its Jacobian :math:`\partial a_t / \partial a_{t-1}`, down
    to :math:`a_0`.

    Parameters
    ----------
    num_steps : int, default 4
        The number of time steps T, between 1 and 12.
    outputs : {"all", "last"}, default "all"
        ``"all"`` draws an output at every step (``return_sequences=True``, or a loss on every
        state as in exercise 1b); ``"last"`` only at step T (a many-to-one model such as
        ``SimpleRNN`` followed by ``Dense``).
    show_backward : bool, default False
        Also draw the loss and the backward (BPTT) path.
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure, 1.75 inches wide per step plus 2 (9 x 3 inches for
        4 steps, 0.85 inch taller with ``show_backward``).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes, with its axis turned off.

    Raises
    ------
    ValueError
        If ``num_steps`` is not between 1 and 12 or ``outputs`` is not ``"all"`` or ``"last"``.
    TypeError
        If ``num_steps`` is not an int, ``show_backward`` not a bool or ``ax`` not an Axes.
    """
    if isinstance(num_steps, bool) or not isinstance(num_steps, numbers.Integral):
        raise TypeError(f"num_steps must be an int; got {type(num_steps).__name__}")
    if not 1 <= num_steps <= MAX_UNROLLED_STEPS:
        raise ValueError(f"num_steps must be between 1 and {MAX_UNROLLED_STEPS}; got {num_steps}")
    if outputs not in ("all", "last"):
        raise ValueError(f"outputs must be 'all' or 'last'; got {outputs!r}")
    if not isinstance(show_backward, bool):
        raise TypeError(f"show_backward must be True or False; got {show_backward!r}")
    steps = int(num_steps)

    spacing, cell_w, cell_h = 1.75, 0.7, 0.7  # distance between cells, cell size (inches)
    y_cell = 1.3  # centre of the row of cells
    y_input, y_output, y_loss = 0.2, 2.4, 3.15  # centres of the x_t labels, the outputs and L
    y_forward, y_back = y_cell + 0.12, y_cell - 0.2  # heights of the state arrows and the BPTT arrows
    half = cell_w / 2  # from a cell's centre to its left or right edge

    def centre(t: int) -> float:
        return 0.15 + t * spacing

    width = centre(steps) + 1.8
    height = y_loss + 0.3 if show_backward else y_output + 0.2
    ax = _new_or_given_axes(ax, (width, height + 0.5), "draw_unrolled_rnn")
    with_output = range(1, steps + 1) if outputs == "all" else [steps]

    # The state a_0 on the left, a_T on the right; between them one cell per step.
    x_first, x_last = centre(1) - spacing + 0.35, centre(steps) + 1.45
    _text(ax, x_first, (y_forward + y_back) / 2 if show_backward else y_forward, "$a_{0}$", "state", ha="right")
    _text(ax, x_last, y_forward, f"$a_{{{steps}}}$", "state", ha="left")
    for t in range(1, steps + 1):
        x = centre(t)
        _box(ax, (x, y_cell), (cell_w, cell_h), "cell", _CELL_FILL)
        _text(ax, x, y_cell, r"$\tanh$", "activation")
        # The input, through W_x.
        _text(ax, x, y_input, f"$x_{{{t}}}$", "input")
        _line(ax, [(x, y_input + 0.18), (x, y_cell - cell_h / 2)], "input")
        _text(ax, x + 0.07, (y_input + y_cell - cell_h / 2) / 2 + 0.05, "$W_x$", "weight", ha="left", fontsize=10)
        # The previous state, through the shared W_a.
        start = x_first + 0.05 if t == 1 else centre(t - 1) + half
        _line(ax, [(start, y_forward), (x - half, y_forward)], "recurrent")
        middle = (start + x - half) / 2
        if t > 1:
            _text(ax, middle, y_forward + 0.04, f"$a_{{{t - 1}}}$", "state", va="bottom", fontsize=11)
        _text(ax, middle, y_forward - 0.04, "$W_a$", "weight", va="top", fontsize=10)
        if t in with_output:
            _line(ax, [(x, y_cell + cell_h / 2), (x, y_output - 0.2)], "output")
            _text(ax, x, y_output, rf"$\hat{{y}}_{{{t}}}$", "output")
    _line(ax, [(centre(steps) + half, y_forward), (x_last - 0.05, y_forward)], "recurrent")

    if show_backward:
        # The loss, fed by every output; its gradient enters each of those states directly ...
        loss_left = centre(with_output[0]) - 0.4
        loss_right = centre(steps) + 0.4
        loss_h = 0.36
        _box(ax, ((loss_left + loss_right) / 2, y_loss), (loss_right - loss_left, loss_h), "loss", "white")
        _text(ax, (loss_left + loss_right) / 2, y_loss, "$L$", "loss")
        for t in with_output:
            x = centre(t)
            _line(ax, [(x, y_output + 0.17), (x, y_loss - loss_h / 2)], "loss")
            down = [(x + 0.22, y_loss - loss_h / 2), (x + 0.22, y_cell + cell_h / 2)]
            _line(ax, down, "backward", color=_BACKWARD, dashed=True)
            label = rf"$\partial L / \partial a_{{{t}}}$"
            y_label = (y_cell + cell_h / 2 + y_output) / 2 - 0.05
            _text(ax, x + 0.28, y_label, label, "gradient", ha="left", fontsize=9, color=_BACKWARD)
        # ... and flows back from a_t to a_{t-1} through the Jacobian of every step, down to a_0.
        for t in range(steps, 0, -1):
            end = x_first + 0.05 if t == 1 else centre(t - 1) + half
            _line(ax, [(centre(t) - half, y_back), (end, y_back)], "backward", color=_BACKWARD, dashed=True)
            jacobian = rf"$\dfrac{{\partial a_{{{t}}}}}{{\partial a_{{{t - 1}}}}}$"
            x_label = (end + centre(t) - half) / 2
            _text(ax, x_label, y_back - 0.05, jacobian, "gradient", va="top", fontsize=9, color=_BACKWARD)

    title = r"A SimpleRNN unrolled in time: $a_t = \tanh(W_a\, a_{t-1} + W_x\, x_t + b)$, $a_0 = 0$"
    if show_backward:
        title += "\ndashed: the gradient of the loss $L$, back through time"
    return _finish_diagram(ax, (0.0, width), (-0.05, height), title)


def _gate(
    ax: Axes,
    x: float,
    y: float,
    activation: str,
    name: str,
    gid: str,
    *,
    size: tuple[float, float] = (1.0, 0.75),
) -> None:
    """A gate (sigmoid) or candidate (tanh) box: its activation, and its name in small print."""
    _box(ax, (x, y), size, gid, _GATE_FILL if gid == "gate" else _CANDIDATE_FILL)
    _text(ax, x, y + 0.1, activation, "activation", fontsize=13)
    _text(ax, x, y - 0.2, name, "name", fontsize=8, color="0.35")


def _footnote(ax: Axes, x_right: float, label: str) -> None:
    _text(ax, x_right, -1.62, label, "footnote", ha="right", fontsize=8, color="0.35")


def _inputs_to_gates(
    ax: Axes,
    *,
    h_bus: tuple[float, float, float],
    x_bus: float,
    gates: Sequence[tuple[float, float, str, bool, bool]],
) -> None:
    """Risers from the x_t bus and the h_{t-1} bus up into the boxes above them.

    The x_t bus runs at height ``x_bus``; the h_{t-1} bus from x0 to x1 at height y, ``h_bus = (x0, x1, y)``.
    Each entry of ``gates`` is (x, bottom edge, weight subscript, from x_t?, from h_{t-1}?): a riser
    from x_t is the term W x_t of that box's equation, one from h_{t-1} the term U h_{t-1}. The x_t
    risers that cross the h_{t-1} bus have no junction with it: a halo shows that they pass over.
    """
    h_start, h_end, y_h = h_bus
    for x, bottom, subscript, from_x, from_h in gates:
        offset = 0.2 if from_x and from_h else 0.0
        if from_x:
            riser_x = x - offset
            _line(ax, [(riser_x, x_bus), (riser_x, bottom)], "riser", halo=h_start < riser_x < h_end)
            _dot(ax, (riser_x, x_bus))
            _text(ax, riser_x - 0.07, (y_h + bottom) / 2, f"$W_{{{subscript}}}$", "weight", ha="right", fontsize=10)
        if from_h:
            riser_x = x + offset
            _line(ax, [(riser_x, y_h), (riser_x, bottom)], "riser")
            _dot(ax, (riser_x, y_h))
            if from_x:
                _text(ax, riser_x + 0.07, (y_h + bottom) / 2, f"$U_{{{subscript}}}$", "weight", ha="left", fontsize=10)


def draw_lstm_cell(*, ax: Axes | None = None) -> Axes:
    r"""One step of Keras's LSTM cell, in the notation and equations of lesson 02.

    The inputs :math:`x_t` (from below) and :math:`h_{t-1}` (from the left) feed the three gates,
    drawn as boxes with their sigmoid :math:`\sigma`, the input gate :math:`i_t`, the forget gate
    :math:`f_t` and the output gate :math:`o_t`, and the candidate :math:`\tilde c_t` with its
    :math:`\tanh`; each riser into a box is labelled with its weight, :math:`W` for the term in
    :math:`x_t` and :math:`U` for the term in :math:`h_{t-1}` (the biases :math:`b` are not drawn).
    Along the top, the cell state runs from :math:`c_{t-1}` to :math:`c_t` through the pointwise
    operations of :math:`c_t = f_t \odot c_{t-1} + i_t \odot \tilde c_t`, and
    :math:`h_t = o_t \odot \tanh(c_t)` leaves on the right.

    Parameters
    ----------
    ax : matplotlib Axes, optional
        Where to draw; a new figure of about 8 x 4.5 inches by default.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes, with its axis turned off.

    Raises
    ------
    TypeError
        If ``ax`` is neither None nor a matplotlib Axes.
    """
    ax = _new_or_given_axes(ax, (8.0, 4.5), "draw_lstm_cell")
    y_c, y_mix, y_gate, y_h, y_x = 3.2, 2.2, 0.9, -0.2, -0.7  # heights of the rows (inches)
    gate_w, gate_h = 1.0, 0.75
    top, bottom = y_gate + gate_h / 2, y_gate - gate_h / 2
    x_f, x_i, x_c, x_o, x_sum, x_out, x_right = 1.5, 3.0, 4.5, 6.0, 3.75, 7.25, 9.0
    r = 0.2  # radius of the pointwise operations

    _box(ax, (4.35, 1.3), (8.3, 4.9), "cell", _BACKGROUND, rounding=0.25, zorder=0, linewidth=0.8)
    # Inputs and outputs.
    _text(ax, -0.15, y_c, "$c_{t-1}$", "input", ha="right")
    _text(ax, -0.15, y_h, "$h_{t-1}$", "input", ha="right")
    _text(ax, 0.6, -1.6, "$x_t$", "input")
    _text(ax, x_right + 0.05, y_c, "$c_t$", "output", ha="left")
    _text(ax, x_right + 0.05, y_gate, "$h_t$", "output", ha="left")

    # The cell state: c_t = f_t * c_{t-1} + i_t * c~_t, with no weight matrix on the way.
    _op(ax, (x_f, y_c), r"$\odot$", r)
    _op(ax, (x_sum, y_c), "$+$", r)
    _line(ax, [(-0.1, y_c), (x_f - r, y_c)], "cell_state", color="C0", linewidth=2.2)
    _line(ax, [(x_f + r, y_c), (x_sum - r, y_c)], "cell_state", color="C0", linewidth=2.2)
    _line(ax, [(x_sum + r, y_c), (x_right, y_c)], "cell_state", color="C0", linewidth=2.2)

    # The gates and the candidate, each from W x_t + U h_{t-1} + b.
    _gate(ax, x_f, y_gate, r"$\sigma$", "forget", "gate")
    _gate(ax, x_i, y_gate, r"$\sigma$", "input", "gate")
    _gate(ax, x_c, y_gate, r"$\tanh$", "candidate", "candidate")
    _gate(ax, x_o, y_gate, r"$\sigma$", "output", "gate")
    _line(ax, [(-0.1, y_h), (x_o + 0.2, y_h)], "bus", head=False)
    _line(ax, [(0.6, -1.42), (0.6, y_x), (x_o - 0.2, y_x)], "bus", head=False)
    _inputs_to_gates(
        ax,
        h_bus=(-0.1, x_o + 0.2, y_h),
        x_bus=y_x,
        gates=[(x, bottom, name, True, True) for x, name in [(x_f, "f"), (x_i, "i"), (x_c, "c"), (x_o, "o")]],
    )

    # f_t into the forget product; i_t and c~_t into their product, which is added to the cell state.
    _line(ax, [(x_f, top), (x_f, y_c - r)], "flow")
    _text(ax, x_f + 0.08, (top + y_c) / 2, "$f_t$", "gate", ha="left")
    _op(ax, (x_sum, y_mix), r"$\odot$", r)
    _line(ax, [(x_i, top), (x_i, y_mix), (x_sum - r, y_mix)], "flow")
    _text(ax, x_i - 0.08, (top + y_mix) / 2, "$i_t$", "gate", ha="right")
    _line(ax, [(x_c, top), (x_c, y_mix), (x_sum + r, y_mix)], "flow")
    _text(ax, x_c + 0.08, (top + y_mix) / 2, r"$\tilde c_t$", "candidate", ha="left")
    _line(ax, [(x_sum, y_mix + r), (x_sum, y_c - r)], "flow")

    # h_t = o_t * tanh(c_t).
    tanh_h = 0.36
    _dot(ax, (x_out, y_c), color="C0")
    _box(ax, (x_out, y_mix), (0.72, tanh_h), "op", "white", rounding=0.15)
    _text(ax, x_out, y_mix, r"$\tanh$", "op", fontsize=11)
    _line(ax, [(x_out, y_c), (x_out, y_mix + tanh_h / 2)], "flow")
    _op(ax, (x_out, y_gate), r"$\odot$", r)
    _line(ax, [(x_out, y_mix - tanh_h / 2), (x_out, y_gate + r)], "flow")
    _line(ax, [(x_o + gate_w / 2, y_gate), (x_out - r, y_gate)], "flow")
    _text(ax, (x_o + gate_w / 2 + x_out - r) / 2, y_gate + 0.06, "$o_t$", "gate", va="bottom")
    _line(ax, [(x_out + r, y_gate), (x_right, y_gate)], "flow")

    _footnote(ax, 8.45, r"boxes: activation of (inputs + bias $b$);  $\odot$: element-wise product")
    title = r"One LSTM step: gates $i_t, f_t, o_t$ ($\sigma$), candidate $\tilde c_t$ (tanh)"
    return _finish_diagram(ax, (-0.95, 9.55), (-1.85, 3.85), title)


def draw_gru_cell(*, ax: Axes | None = None) -> Axes:
    r"""One step of Keras's GRU cell (``reset_after=True``), in the notation and equations of lesson 02.

    The inputs :math:`x_t` (from below) and :math:`h_{t-1}` (from the left) feed the update gate
    :math:`z_t` and the reset gate :math:`r_t`, drawn as boxes with their sigmoid :math:`\sigma`;
    each riser is labelled with its weight, :math:`W` for the term in :math:`x_t` and :math:`U`
    for the term in :math:`h_{t-1}` (the biases :math:`b, b'` are not drawn). As in Keras's
    default form, the reset gate multiplies the recurrent product *after* the matrix:
    :math:`r_t \odot (U_h h_{t-1} + b'_h)` goes into the candidate
    :math:`\tilde h_t = \tanh(W_h x_t + b_h + r_t \odot (U_h h_{t-1} + b'_h))`. Along the top,
    :math:`h_t = z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t` blends the old state with the
    candidate. There is no cell state.

    Parameters
    ----------
    ax : matplotlib Axes, optional
        Where to draw; a new figure of about 8 x 4.5 inches by default.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes, with its axis turned off.

    Raises
    ------
    TypeError
        If ``ax`` is neither None nor a matplotlib Axes.
    """
    ax = _new_or_given_axes(ax, (8.0, 4.5), "draw_gru_cell")
    y_top, y_blend, y_cand, y_gate, y_h, y_x = 3.3, 2.6, 1.8, 0.9, -0.2, -0.7  # heights of the rows (inches)
    gate_w, gate_h = 1.0, 0.75
    top, bottom = y_gate + gate_h / 2, y_gate - gate_h / 2
    x_split, x_z, x_minus, x_r, x_u, x_c, x_sum, x_right = 0.7, 1.6, 2.4, 3.0, 4.5, 6.1, 7.4, 8.95
    r = 0.2  # radius of the pointwise operations

    _box(ax, (4.3, 1.35), (7.9, 4.9), "cell", _BACKGROUND, rounding=0.25, zorder=0, linewidth=0.8)
    _text(ax, -0.15, y_top, "$h_{t-1}$", "input", ha="right")
    _text(ax, 0.3, -1.6, "$x_t$", "input")
    _text(ax, x_right + 0.05, y_top, "$h_t$", "output", ha="left")

    # The state: h_t = z_t * h_{t-1} + (1 - z_t) * h~_t.
    _op(ax, (x_z, y_top), r"$\odot$", r)
    _op(ax, (x_sum, y_top), "$+$", r)
    _line(ax, [(-0.1, y_top), (x_z - r, y_top)], "state", color="C0", linewidth=2.2)
    _line(ax, [(x_z + r, y_top), (x_sum - r, y_top)], "state", color="C0", linewidth=2.2)
    _line(ax, [(x_sum + r, y_top), (x_right, y_top)], "state", color="C0", linewidth=2.2)

    # h_{t-1} is copied down to the gates; x_t comes in from below.
    _dot(ax, (x_split, y_top), color="C0")
    _line(ax, [(x_split, y_top), (x_split, y_h), (x_u, y_h)], "bus", head=False)
    _line(ax, [(0.3, -1.42), (0.3, y_x), (x_c, y_x)], "bus", head=False)

    # The two gates, from W x_t + b + U h_{t-1} + b'; the recurrent product of the candidate.
    _gate(ax, x_z, y_gate, r"$\sigma$", "update", "gate")
    _gate(ax, x_r, y_gate, r"$\sigma$", "reset", "gate")
    linear_w, linear_h = 1.7, 0.5
    _box(ax, (x_u, y_gate), (linear_w, linear_h), "linear", _LINEAR_FILL)
    _text(ax, x_u, y_gate, r"$U_h\, h_{t-1} + b'_{h}$", "linear", fontsize=11)
    _gate(ax, x_c, y_cand, r"$\tanh$", "candidate", "candidate")
    _inputs_to_gates(
        ax,
        h_bus=(x_split, x_u, y_h),
        x_bus=y_x,
        gates=[
            (x_z, bottom, "z", True, True),
            (x_r, bottom, "r", True, True),
            (x_u, y_gate - linear_h / 2, "h", False, True),
            (x_c, y_cand - gate_h / 2, "h", True, False),
        ],
    )

    # Reset after the product: r_t * (U_h h_{t-1} + b'_h) joins W_h x_t + b_h in the candidate.
    _op(ax, (x_u, y_cand), r"$\odot$", r)
    _line(ax, [(x_u, y_gate + linear_h / 2), (x_u, y_cand - r)], "flow")
    _line(ax, [(x_r, top), (x_r, y_cand), (x_u - r, y_cand)], "flow")
    _text(ax, x_r - 0.08, (top + y_cand) / 2, "$r_t$", "gate", ha="right")
    _line(ax, [(x_u + r, y_cand), (x_c - gate_w / 2, y_cand)], "flow")

    # z_t keeps the old state; 1 - z_t lets the candidate in.
    _line(ax, [(x_z, top), (x_z, y_top - r)], "flow")
    _text(ax, x_z - 0.08, (top + y_blend) / 2, "$z_t$", "gate", ha="right")
    _dot(ax, (x_z, y_blend))
    _op(ax, (x_minus, y_blend), r"$1-$", 0.26)
    _line(ax, [(x_z, y_blend), (x_minus - 0.26, y_blend)], "flow")
    _op(ax, (x_sum, y_blend), r"$\odot$", r)
    _line(ax, [(x_minus + 0.26, y_blend), (x_sum - r, y_blend)], "flow")
    _text(ax, (x_minus + x_c) / 2, y_blend + 0.05, "$1 - z_t$", "value", va="bottom", fontsize=11)
    _line(ax, [(x_c + gate_w / 2, y_cand), (x_sum, y_cand), (x_sum, y_blend - r)], "flow")
    _text(ax, x_sum + 0.08, (y_cand + y_blend) / 2 - 0.1, r"$\tilde h_t$", "candidate", ha="left")
    _line(ax, [(x_sum, y_blend + r), (x_sum, y_top - r)], "flow")

    _footnote(ax, 8.2, r"boxes: activation of (inputs + biases $b$, $b'$);  $\odot$: element-wise product")
    title = r"One GRU step (Keras, reset_after=True): gates $z_t, r_t$ ($\sigma$), candidate $\tilde h_t$ (tanh)"
    return _finish_diagram(ax, (-0.95, 9.55), (-1.85, 3.85), title)
