"""The diagrams the lessons draw, with matplotlib patches and mathtext only (no data).

* :func:`draw_unrolled_rnn`: a SimpleRNN unrolled in time, with the backward (BPTT) path (lesson 01);
* :func:`draw_lstm_cell` and :func:`draw_gru_cell`: one step of Keras's LSTM and GRU cells (lesson 02);
* :func:`draw_tbptt_windows`: a token stream cut into the batches of stateful TBPTT (lesson 05).

The plots of data (gradient norms, training curves, word vectors, perplexity, next-word
probabilities) are in :mod:`rnncourse.plots`, which draws with this module's ``_new_or_given_axes``
and ``_text``.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
    from matplotlib.text import Text


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


# ---------------------------------------------------------------------------------------------
# Lesson 05: the windows of truncated backpropagation through time, in the style of the ones above.
# ---------------------------------------------------------------------------------------------

MAX_TBPTT_ROWS = 6  # rows (batch_size) and windows per row beyond this no longer fit legibly
MAX_TBPTT_WINDOW = 8  # tokens per window
MAX_TBPTT_TOKENS = 48  # tokens in the stream: each one is a box along the top
_ROW_FILLS = ("#dbe9f6", "#fde3c8", "#d5efd7", "#f3d6e6", "#e4dcf3", "#fff1bf")  # one per row
_TARGET_ONLY_FILL = "white"  # the stream's last token: a target, never an input


def _positive_int(value: Any, name: str, maximum: int) -> int:
    """``value`` as an int between 1 and ``maximum`` (numpy integers accepted), or a clear error."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int; got {type(value).__name__}")
    count = int(value)
    if not 1 <= count <= maximum:
        raise ValueError(f"{name} must be between 1 and {maximum}; got {count}")
    return count


def _token_range(first: int, count: int) -> str:
    """``"t4–t7"`` for ``count`` tokens from ``t4`` (``"t4"`` for one token)."""
    return f"t{first}" if count == 1 else f"t{first}\N{EN DASH}t{first + count - 1}"


def draw_tbptt_windows(
    *,
    batch_size: int = 3,
    num_windows: int = 3,
    window: int = 4,
    ax: Axes | None = None,
) -> Axes:
    r"""How a token stream is cut into the batches of stateful truncated backpropagation through time.

    Used by lesson 05, section 4 (before the exercise ``make_windows``), with the layout of its reference
    answer in :mod:`rnncourse.checks.l05_language_model.make_windows`.

    Along the top, the stream :math:`t_0, t_1, \dots` of ``batch_size * num_windows * window + 1``
    tokens, one small box each, coloured by the row it goes to (the last token, white, is only
    ever a target). The stream is cut into ``batch_size`` consecutive rows (a bracket under each
    names it) and each row into ``num_windows`` windows of ``window`` tokens. Below, the grid of
    windows: row ``b`` down, window ``k`` across, each cell labelled with the tokens it holds
    (``"t0–t3"``). Column ``k`` is batch ``k``, one window from every row; an arrow from window
    ``k`` to window ``k + 1`` of the same row shows the state a stateful layer carries from one
    batch to the next. The caption says so, and that the targets are the same positions + 1.

    Every artist carries a gid: ``"stream-token-5"`` (box and label of token 5),
    ``"stream-row-0"`` (bracket and label of row 0 in the stream), ``"row-0"`` (the grid's row
    label), ``"batch-1"`` (the column header of batch 1), ``"window-0-1"`` (box and label of row 0,
    window 1), ``"state-arrow-0-1"`` (from window 1 to window 2 of row 0), ``"state-legend"`` and
    ``"caption"``.

    Parameters
    ----------
    batch_size : int, default 3
        The number of rows, between 1 and 6.
    num_windows : int, default 3
        Windows per row, between 1 and 6.
    window : int, default 4
        Tokens per window, between 1 and 8.
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure as wide as the stream (about 10 x 4.3 inches for the
        defaults).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes, with its axis turned off.

    Raises
    ------
    ValueError
        If an argument is out of its range, or the stream would hold more than 48 tokens.
    TypeError
        If an argument is not an int (numpy integers are ints) or ``ax`` not an Axes.
    """
    rows = _positive_int(batch_size, "batch_size", MAX_TBPTT_ROWS)
    windows = _positive_int(num_windows, "num_windows", MAX_TBPTT_ROWS)
    size = _positive_int(window, "window", MAX_TBPTT_WINDOW)
    row_length = windows * size
    used = rows * row_length
    if used > MAX_TBPTT_TOKENS:
        raise ValueError(
            f"batch_size * num_windows * window must be at most {MAX_TBPTT_TOKENS} to fit the picture; "
            f"got {rows} * {windows} * {size} = {used}"
        )

    # The stream: token pitch, with a small gap between windows and a larger one between rows.
    pitch, token_w, token_h = 0.21, 0.19, 0.26
    window_gap, row_gap = 0.07, 0.22
    x_left = 0.9  # room for the labels on the left

    def token_x(index: int) -> float:
        row, column = divmod(index, row_length) if index < used else (rows - 1, row_length)
        gaps = row * row_gap + (column // size) * window_gap
        return x_left + token_w / 2 + index * pitch + gaps

    # The grid: one cell per (row, window), arrows between neighbouring windows of a row.
    cell_w, cell_h, column_gap, line_gap = 1.0, 0.42, 0.62, 0.2
    y_stream = 0.0
    y_bracket = y_stream - token_h / 2 - 0.1
    y_header = y_bracket - 0.55
    y_first_row = y_header - 0.45

    def cell_x(k: int) -> float:
        return x_left + cell_w / 2 + k * (cell_w + column_gap)

    def cell_y(b: int) -> float:
        return y_first_row - b * (cell_h + line_gap)

    y_caption = cell_y(rows - 1) - cell_h / 2 - 0.3
    right = max(token_x(used) + token_w / 2, cell_x(windows - 1) + cell_w / 2, 7.0) + 0.25  # 7: the caption
    bottom = y_caption - 0.75
    ax = _new_or_given_axes(ax, (right + 0.1, y_stream + token_h / 2 + 0.15 - bottom + 0.5), "draw_tbptt_windows")

    _text(ax, x_left - 0.15, y_stream, "stream", "stream-label", ha="right", fontsize=9)
    for index in range(used + 1):
        fill = _ROW_FILLS[index // row_length] if index < used else _TARGET_ONLY_FILL
        gid = f"stream-token-{index}"
        _box(ax, (token_x(index), y_stream), (token_w, token_h), gid, fill, rounding=0.03, linewidth=0.8)
        _text(ax, token_x(index), y_stream, f"t{index}", gid, fontsize=5)
    for b in range(rows):
        start = token_x(b * row_length) - token_w / 2
        end = token_x((b + 1) * row_length - 1) + token_w / 2
        bracket = [(start, y_bracket + 0.06), (start, y_bracket), (end, y_bracket), (end, y_bracket + 0.06)]
        _line(ax, bracket, f"stream-row-{b}", head=False, linewidth=1.0)
        _text(ax, (start + end) / 2, y_bracket - 0.05, f"row {b}", f"stream-row-{b}", va="top", fontsize=9)

    for k in range(windows):
        _text(ax, cell_x(k), y_header, f"batch {k}", f"batch-{k}", fontsize=10, fontweight="bold")
    for b in range(rows):
        _text(ax, x_left - 0.15, cell_y(b), f"row {b}", f"row-{b}", ha="right", fontsize=10)
        for k in range(windows):
            gid = f"window-{b}-{k}"
            _box(ax, (cell_x(k), cell_y(b)), (cell_w, cell_h), gid, _ROW_FILLS[b])
            _text(ax, cell_x(k), cell_y(b), _token_range(b * row_length + k * size, size), gid, fontsize=10)
            if k + 1 < windows:
                points = [(cell_x(k) + cell_w / 2, cell_y(b)), (cell_x(k + 1) - cell_w / 2, cell_y(b))]
                _line(ax, points, f"state-arrow-{b}-{k}", color="C0", linewidth=1.8)

    if windows > 1:
        legend = (
            "\N{RIGHTWARDS ARROW}  state carried: a stateful layer passes its state along the row, batch k to k + 1"
        )
        _text(ax, x_left, y_caption, legend, "state-legend", ha="left", fontsize=9, color="C0")
    first_target = _token_range(1, size)
    caption = (
        "batch k = column k: one window from every row\n"
        f"targets: the same positions + 1 ({_token_range(0, size)} \N{RIGHTWARDS ARROW} {first_target}); "
        f"t{used} is only a target"
    )
    _text(ax, x_left, y_caption - 0.2, caption, "caption", ha="left", va="top", fontsize=9, linespacing=1.5)
    pieces = f"{windows} window{'s' if windows > 1 else ''} of {size} token{'s' if size > 1 else ''}"
    title = f"Stateful TBPTT: the stream cut into {rows} row{'s' if rows > 1 else ''} (batch_size), each into {pieces}"
    return _finish_diagram(ax, (0.0, right), (bottom, y_stream + token_h / 2 + 0.15), title)
