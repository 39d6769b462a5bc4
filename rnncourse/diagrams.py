"""The diagrams the lessons draw, with matplotlib patches and mathtext only (no data).

* :func:`draw_unrolled_rnn`: a SimpleRNN unrolled in time, with the backward (BPTT) path (lesson 01);
* :func:`draw_lstm_cell` and :func:`draw_gru_cell`: one step of Keras's LSTM and GRU cells (lesson 02);
* :func:`draw_return_sequences`: stacked recurrent layers and the shapes they hand on (lesson 02);
* :func:`draw_conv_pooling` and :func:`draw_bidirectional_pooling`: lesson 04's conv + LSTM model, whose
  Conv1D and MaxPooling1D shorten the sequence, and its final model's bidirectional GRU pooled over time,
  each with the shapes Keras gives (:func:`conv_pool_steps`, :func:`shape_label`);
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
    the top. With ``show_backward`` the loss :math:`L = \sum_t \ell_t` (or :math:`L = \ell_T`
    with one output) is drawn above the outputs and the path of its gradient in backpropagation
    through time is drawn dashed. As in d2l's BPTT section, two gradients are kept apart: the
    *direct* term :math:`\partial \ell_t / \partial a_t`, which enters each state that has an
    output straight from its own loss term (the dashed arrow from :math:`L`, labelled so, gid
    ``"gradient"``), and the *total* gradient
    :math:`\partial L / \partial a_t = \partial \ell_t / \partial a_t +
    (\partial a_{t+1} / \partial a_t)^\top \partial L / \partial a_{t+1}`, which is what
    reaches :math:`a_t` once the step after it has sent its share back (labelled under every
    cell, gid ``"total"``; the title states the recursion). The dashed arrows from step to step,
    each labelled with its Jacobian :math:`\partial a_t / \partial a_{t-1}`, carry the total
    gradient back, down to :math:`a_0`.

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
        terms = [f"\\ell_{{{t}}}" for t in with_output]
        terms = terms if len(terms) <= 2 else [terms[0], r"\dots", terms[-1]]
        loss = f"$L = {' + '.join(terms)}$"
        _text(ax, (loss_left + loss_right) / 2, y_loss, loss, "loss")
        for t in with_output:
            x = centre(t)
            _line(ax, [(x, y_output + 0.17), (x, y_loss - loss_h / 2)], "loss")
            down = [(x + 0.22, y_loss - loss_h / 2), (x + 0.22, y_cell + cell_h / 2)]
            _line(ax, down, "backward", color=_BACKWARD, dashed=True)
            label = rf"$\partial \ell_{{{t}}} / \partial a_{{{t}}}$"  # the direct term only
            y_label = (y_cell + cell_h / 2 + y_output) / 2 - 0.05
            _text(ax, x + 0.28, y_label, label, "gradient", ha="left", fontsize=9, color=_BACKWARD)
        # ... the total gradient of each state (direct term + what the next step sends back) ...
        for t in range(1, steps + 1):
            total = rf"$\partial L / \partial a_{{{t}}}$"
            _text(
                ax,
                centre(t) - 0.07,
                y_cell - cell_h / 2 - 0.04,
                total,
                "total",
                ha="right",
                va="top",
                fontsize=9,
                color=_BACKWARD,
            )
        # ... flows back from a_t to a_{t-1} through the Jacobian of every step, down to a_0.
        for t in range(steps, 0, -1):
            end = x_first + 0.05 if t == 1 else centre(t - 1) + half
            _line(ax, [(centre(t) - half, y_back), (end, y_back)], "backward", color=_BACKWARD, dashed=True)
            jacobian = rf"$\dfrac{{\partial a_{{{t}}}}}{{\partial a_{{{t - 1}}}}}$"
            x_label = (end + centre(t) - half) / 2
            _text(ax, x_label, y_back - 0.05, jacobian, "gradient", va="top", fontsize=9, color=_BACKWARD)

    title = r"A SimpleRNN unrolled in time: $a_t = \tanh(W_a\, a_{t-1} + W_x\, x_t + b)$, $a_0 = 0$"
    if show_backward:
        title += (
            "\ndashed: the gradient of $L$, back through time; "
            r"$\partial L/\partial a_t = \partial \ell_t/\partial a_t$"
            r" + $(\partial a_{t+1}/\partial a_t)^{\top}\, \partial L/\partial a_{t+1}$"
        )
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


# ---------------------------------------------------------------------------------------------
# Shapes through a model: return_sequences for stacking (lesson 02), the conv front end that
# shortens the sequence and the final model's bidirectional GRU pooled over time (lesson 04).
# Every shape label is computed from the arguments, with Keras's rules; the tests compare them
# with the shapes Keras itself gives the same layers.
# ---------------------------------------------------------------------------------------------

_SEQUENCE_FILL = "#dbe9f6"  # a sequence (batch, steps, features)
_VECTOR_FILL = "#fde3c8"  # one vector per review (batch, features)
_BACKWARD_FILL = "#d5efd7"  # the backward GRU
_SHAPE_COLOR = "#1f4e79"  # the shape labels


def shape_label(*dims: int | str) -> str:
    """``"(batch, 300, 50)"`` for ``shape_label("batch", 300, 50)``: a tensor's shape as Keras prints it."""
    return "(" + ", ".join(str(d) for d in dims) + ")"


def conv_pool_steps(num_steps: int, kernel_size: int, pool_size: int, padding: str = "valid") -> tuple[int, int]:
    """The steps after ``Conv1D(kernel_size, padding=padding)`` and after ``MaxPooling1D(pool_size)``.

    ``"valid"`` (Keras's default) keeps only the windows that fit inside the sequence:
    ``num_steps - kernel_size + 1`` steps; ``"same"`` pads so that there are ``num_steps``. The
    pooling (strides = ``pool_size``, padding ``"valid"``) keeps ``steps // pool_size``.

    Raises
    ------
    ValueError
        If ``padding`` is neither ``"valid"`` nor ``"same"``, or a stage would have no step left.
    TypeError
        If a size is not an int.
    """
    steps = _positive_int(num_steps, "num_steps", 10**9)
    kernel = _positive_int(kernel_size, "kernel_size", 10**9)
    pool = _positive_int(pool_size, "pool_size", 10**9)
    if padding not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same'; got {padding!r}")
    conv = steps - kernel + 1 if padding == "valid" else steps
    if conv < 1:
        raise ValueError(f"a 'valid' Conv1D with kernel_size={kernel} needs at least {kernel} steps; got {steps}")
    if conv // pool < 1:
        raise ValueError(f"MaxPooling1D({pool}) needs at least {pool} steps; the Conv1D leaves {conv}")
    return conv, conv // pool


def _shown_steps(value: Any) -> int:
    """``shown_steps`` as an int between 2 and 6, or a clear error."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"shown_steps must be an int; got {type(value).__name__}")
    if not 2 <= int(value) <= 6:
        raise ValueError(f"shown_steps must be between 2 and 6; got {int(value)}")
    return int(value)


def _step_columns(num_steps: int, shown: int) -> list[int | None]:
    """The steps drawn as columns: all of them, or the first ``shown - 1``, an ellipsis (None) and the last."""
    if num_steps <= shown:
        return list(range(1, num_steps + 1))
    return [*range(1, shown), None, num_steps]


def draw_conv_pooling(
    num_steps: int,
    embedding_dim: int,
    filters: int,
    kernel_size: int,
    pool_size: int,
    num_units: int,
    *,
    padding: Literal["valid", "same"] = "valid",
    ax: Axes | None = None,
) -> Axes:
    r"""Lesson 04's conv + LSTM model (``models.build_conv_lstm``): how Conv1D and MaxPooling1D shorten the sequence.

    One row per stage, top to bottom: the word indices, the embedding, ``Conv1D(filters,
    kernel_size, padding=padding)``, ``MaxPooling1D(pool_size)``, ``LSTM(num_units)`` (its last
    state only) and ``Dense(1, sigmoid)``. A sequence is a bar whose length is proportional to its
    number of steps (to scale: the stages that shorten the time axis give shorter bars), a vector a
    small box; beside each, its shape ``(batch, steps, channels)`` as Keras computes it
    (:func:`conv_pool_steps`). Between the rows, a note says what the layer does to the steps,
    with the numbers (``"296 // 4 = 74 steps"``).

    Every artist carries a gid: ``"stage-<name>"`` for a bar or box, ``"layer-<name>"`` for the
    layer's name, ``"shape-<name>"`` for its shape, ``"note-<name>"`` for the note under it, with
    ``<name>`` one of ``input, embedding, conv, pool, lstm, dense``; arrows are ``"flow"``.

    Parameters
    ----------
    num_steps : int
        Tokens per review (``maxlen``).
    embedding_dim, filters, kernel_size, pool_size, num_units : int
        The embedding's width and the arguments of the layers, as passed to ``build_conv_lstm``.
    padding : {"valid", "same"}, default "valid"
        The Conv1D's padding (the lesson's model uses Keras's default, ``"valid"``).
    ax : matplotlib Axes, optional
        Where to draw; a new figure of about 10 x 5 inches by default.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes, with its axis turned off.

    Raises
    ------
    ValueError, TypeError
        As :func:`conv_pool_steps`, or if a size is not a positive int or ``ax`` not an Axes.
    """
    conv_steps, pooled_steps = conv_pool_steps(num_steps, kernel_size, pool_size, padding)
    steps = int(num_steps)
    width_dim = _positive_int(embedding_dim, "embedding_dim", 10**9)
    channels = _positive_int(filters, "filters", 10**9)
    units = _positive_int(num_units, "num_units", 10**9)
    kernel, pool = int(kernel_size), int(pool_size)

    x_bar, bar_width, bar_h, pitch = 3.0, 5.0, 0.3, 0.78  # bars start at x_bar; num_steps fills bar_width
    per_step = bar_width / steps
    x_shape = x_bar + bar_width + 0.25
    ax = _new_or_given_axes(ax, (10.0, 5.4), "draw_conv_pooling")

    dropped = kernel - 1 if padding == "valid" else 0
    stages: list[tuple[str, str, int | None, str, str]] = [  # name, layer, steps (None: a vector), shape, note
        ("input", "word indices", steps, shape_label("batch", steps), "one index per token"),
        ("embedding", f"Embedding (width {width_dim})", steps, shape_label("batch", steps, width_dim), ""),
        (
            "conv",
            f"Conv1D({channels}, {kernel}, '{padding}')",
            conv_steps,
            shape_label("batch", conv_steps, channels),
            f"each step reads {kernel} neighbouring steps; '{padding}': {steps} \N{MINUS SIGN} {dropped} = "
            f"{conv_steps} steps" + (" (the windows that fit)" if padding == "valid" else " (zeros padded)"),
        ),
        (
            "pool",
            f"MaxPooling1D({pool})",
            pooled_steps,
            shape_label("batch", pooled_steps, channels),
            f"the max of every {pool} steps: {conv_steps} // {pool} = {pooled_steps} steps",
        ),
        (
            "lstm",
            f"LSTM({units})",
            None,
            shape_label("batch", units),
            f"reads {pooled_steps} steps instead of {steps}; returns its last state only",
        ),
        ("dense", "Dense(1, sigmoid)", None, shape_label("batch", 1), "P(positive) per review"),
    ]
    bottom = 0.0
    for row, (name, layer, length, shape, note) in enumerate(stages):
        y = -row * pitch
        if length is None:
            _box(ax, (x_bar + 0.3, y), (0.6, bar_h), f"stage-{name}", _VECTOR_FILL, rounding=0.04)
        else:
            fill = "white" if name == "input" else _SEQUENCE_FILL
            offset = (kernel - 1) / 2 * per_step if name in ("conv", "pool") and padding == "valid" else 0.0
            size = (length * per_step, bar_h)
            _box(ax, (x_bar + offset + size[0] / 2, y), size, f"stage-{name}", fill, rounding=0.04)
        _text(ax, x_bar - 0.3, y, layer, f"layer-{name}", ha="right", fontsize=10)
        _text(ax, x_shape, y, shape, f"shape-{name}", ha="left", fontsize=10, color=_SHAPE_COLOR)
        if row > 0:
            _line(ax, [(x_bar - 0.15, y + pitch - bar_h / 2), (x_bar - 0.15, y + bar_h / 2)], "flow")
        if note:
            _text(ax, x_bar, y - bar_h / 2 - 0.06, note, f"note-{name}", ha="left", va="top", fontsize=8, color="0.35")
        bottom = y - pitch / 2 - 0.15
    title = (
        "The conv + LSTM model: Conv1D and MaxPooling1D shorten the sequence the LSTM reads\n"
        "(bars to scale: length = number of steps)"
    )
    return _finish_diagram(ax, (0.0, 10.0), (bottom, bar_h / 2 + 0.1), title)


def draw_bidirectional_pooling(
    num_steps: int,
    input_features: int,
    num_units: int,
    *,
    pooling: Sequence[str] = ("max", "mean"),
    shown_steps: int = 4,
    ax: Axes | None = None,
) -> Axes:
    r"""Lesson 04's final model (``models.build_final_rnn``) after its conv front end: a BiGRU pooled over time.

    Bottom to top: the inputs :math:`x_1 \dots x_T` (the output of the conv front end, shape
    ``(batch, T, input_features)``); the forward GRU, whose state :math:`\overrightarrow{h}_t`
    passes from left to right; the backward GRU, :math:`\overleftarrow{h}_t` from right to left;
    their states concatenated at every step, :math:`[\overrightarrow{h}_t; \overleftarrow{h}_t]`,
    shape ``(batch, T, 2 num_units)`` (``Bidirectional(GRU(num_units, return_sequences=True))``);
    the global pooling over the time axis (``GlobalMaxPooling1D``, ``GlobalAveragePooling1D``),
    each ``(batch, 2 num_units)``; their ``Concatenate`` (with two poolings) and ``Dense(1,
    sigmoid)``. With more than ``shown_steps`` steps the first ``shown_steps - 1`` and the last
    are drawn, with an ellipsis between them.

    Gids: ``"input"``, ``"forward"``, ``"backward"`` and ``"concat"`` (a box or label per drawn
    step), ``"forward-state"`` and ``"backward-state"`` (the arrows between steps), ``"pool-max"``,
    ``"pool-mean"``, ``"concatenate"``, ``"dense"`` (boxes and their labels), ``"shape-<stage>"``
    (the shape of stage ``input, forward, backward, concat, pool-max, pool-mean, concatenate,
    dense``), ``"flow"`` for the other arrows, ``"ellipsis"``.

    Parameters
    ----------
    num_steps : int
        Steps the GRUs read (for lesson 04: what :func:`conv_pool_steps` leaves of the review).
    input_features : int
        Features per step (the Conv1D's filters).
    num_units : int
        Each GRU's state size.
    pooling : sequence of {"max", "mean"}, default ("max", "mean")
        The global poolings, in the order they are concatenated.
    shown_steps : int, default 4
        How many step columns to draw, between 2 and 6.
    ax : matplotlib Axes, optional
        Where to draw; a new figure of about 10 x 6.5 inches by default.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes, with its axis turned off.

    Raises
    ------
    ValueError
        If ``pooling`` is empty, repeats a name or names another one, or ``shown_steps`` is out of range.
    TypeError
        If a size is not an int or ``ax`` not an Axes.
    """
    steps = _positive_int(num_steps, "num_steps", 10**9)
    features = _positive_int(input_features, "input_features", 10**9)
    units = _positive_int(num_units, "num_units", 10**9)
    shown = _shown_steps(shown_steps)
    poolings = list(pooling)
    if not poolings or len(set(poolings)) != len(poolings) or not set(poolings) <= {"max", "mean"}:
        raise ValueError(f"pooling must name 'max', 'mean' or both, once each; got {pooling!r}")

    columns = _step_columns(steps, shown)
    pitch, cell_w, cell_h = 1.35, 0.8, 0.42
    x_first = 3.2
    xs = [x_first + i * pitch for i in range(len(columns))]
    x_mid = (xs[0] + xs[-1]) / 2
    y_in, y_fwd, y_bwd, y_cat, y_bus, y_pool, y_join, y_dense = 0.0, 0.85, 1.75, 2.65, 3.25, 3.8, 4.65, 5.45
    x_shape = 0.2
    ax = _new_or_given_axes(ax, (10.0, 6.6), "draw_bidirectional_pooling")

    def ellipsis(x: float, y: float) -> None:
        _text(ax, x, y, "\N{MIDLINE HORIZONTAL ELLIPSIS}", "ellipsis", fontsize=16)

    for x, t in zip(xs, columns):
        if t is None:
            for y in (y_in, y_fwd, y_bwd, y_cat):
                ellipsis(x, y)
            continue
        _text(ax, x, y_in, f"$x_{{{t}}}$", "input")
        _box(ax, (x, y_fwd), (cell_w, cell_h), "forward", _SEQUENCE_FILL)
        _text(ax, x, y_fwd, r"GRU $\rightarrow$", "forward", fontsize=9)
        _box(ax, (x, y_bwd), (cell_w, cell_h), "backward", _BACKWARD_FILL)
        _text(ax, x, y_bwd, r"GRU $\leftarrow$", "backward", fontsize=9)
        # the concatenated state: forward half, backward half
        _box(ax, (x - cell_w / 4, y_cat), (cell_w / 2, cell_h), "concat", _SEQUENCE_FILL, rounding=0.03)
        _box(ax, (x + cell_w / 4, y_cat), (cell_w / 2, cell_h), "concat", _BACKWARD_FILL, rounding=0.03)
        _text(ax, x - cell_w / 4, y_cat, rf"$\overrightarrow{{h}}_{{{t}}}$", "concat", fontsize=10)
        _text(ax, x + cell_w / 4, y_cat, rf"$\overleftarrow{{h}}_{{{t}}}$", "concat", fontsize=10)
        # x_t goes to both GRUs: up into the forward cell, and round its right side into the backward one.
        y_low, y_high = y_fwd + cell_h / 2 + 0.17, y_fwd + cell_h / 2 + 0.31  # between the two GRU rows
        _line(ax, [(x, y_in + 0.17), (x, y_fwd - cell_h / 2)], "flow")
        right = x + cell_w / 2 + 0.12
        branch = [
            (x, y_in + 0.32),
            (right, y_in + 0.32),
            (right, y_low),
            (x + 0.2, y_low),
            (x + 0.2, y_bwd - cell_h / 2),
        ]
        _line(ax, branch, "flow", halo=True, linewidth=1.0)
        _dot(ax, (x, y_in + 0.32))
        # each GRU's state at step t goes up into its half of the concatenation (the forward one round the left)
        left = x - cell_w / 2 - 0.12
        y_gap = (y_bwd + cell_h / 2 + y_cat - cell_h / 2) / 2
        route = [(x - 0.25, y_fwd + cell_h / 2), (x - 0.25, y_high), (left, y_high), (left, y_gap)]
        route += [(x - cell_w / 4, y_gap), (x - cell_w / 4, y_cat - cell_h / 2)]
        _line(ax, route, "flow", halo=True, linewidth=1.0, color="C0")
        _line(
            ax,
            [(x + cell_w / 4, y_bwd + cell_h / 2), (x + cell_w / 4, y_cat - cell_h / 2)],
            "flow",
            linewidth=1.0,
            color="C2",
        )
        # every step's concatenated state goes up to the bus the poolings read
        _line(ax, [(x, y_cat + cell_h / 2), (x, y_bus)], "flow", head=False, linewidth=1.0)
        _dot(ax, (x, y_bus))
    # The states along time: forward left to right, backward right to left.
    for i in range(len(columns) - 1):
        a, b = xs[i], xs[i + 1]
        left_edge = a + (0.15 if columns[i] is None else cell_w / 2)
        right_edge = b - (0.15 if columns[i + 1] is None else cell_w / 2)
        _line(ax, [(left_edge, y_fwd), (right_edge, y_fwd)], "forward-state", color="C0", linewidth=1.8)
        _line(ax, [(right_edge, y_bwd), (left_edge, y_bwd)], "backward-state", color="C2", linewidth=1.8)
    _line(ax, [(xs[0], y_bus), (xs[-1], y_bus)], "flow", head=False, linewidth=1.0)

    # Global pooling over time, the concatenation, the output.
    pool_w, pool_h = 2.3, 0.45
    names = {"max": "GlobalMaxPooling1D", "mean": "GlobalAveragePooling1D"}
    pool_xs = [x_mid] if len(poolings) == 1 else [x_mid - 1.5, x_mid + 1.5]
    for x, kind in zip(pool_xs, poolings):
        _box(ax, (x, y_pool), (pool_w, pool_h), f"pool-{kind}", _VECTOR_FILL)
        _text(ax, x, y_pool, names[kind], f"pool-{kind}", fontsize=9)
        _line(ax, [(x, y_bus), (x, y_pool - pool_h / 2)], "flow")
        _dot(ax, (x, y_bus))
    top = y_pool + pool_h / 2
    if len(poolings) == 2:
        _box(ax, (x_mid, y_join), (1.6, pool_h), "concatenate", _VECTOR_FILL)
        _text(ax, x_mid, y_join, "Concatenate", "concatenate", fontsize=9)
        for x in pool_xs:
            _line(ax, [(x, top), (x, y_join), (x_mid + (0.8 if x > x_mid else -0.8), y_join)], "flow")
        top = y_join + pool_h / 2
    _box(ax, (x_mid, y_dense), (1.6, pool_h), "dense", "white")
    _text(ax, x_mid, y_dense, "Dense(1, sigmoid)", "dense", fontsize=9)
    _line(ax, [(x_mid, top), (x_mid, y_dense - pool_h / 2)], "flow")

    # The shapes, on the left of each row.
    def shape(y: float, stage: str, label: str, what: str) -> None:
        _text(ax, x_shape, y, f"{what}\n{label}", f"shape-{stage}", ha="left", fontsize=9, color=_SHAPE_COLOR)

    shape(y_in, "input", shape_label("batch", steps, features), f"{steps} steps in")
    shape(y_fwd, "forward", shape_label("batch", steps, units), f"forward GRU({units})")
    shape(y_bwd, "backward", shape_label("batch", steps, units), f"backward GRU({units})")
    shape(y_cat, "concat", shape_label("batch", steps, 2 * units), "concatenated, every step")
    pooled = 2 * units
    for x, kind in zip(pool_xs, poolings):  # beside its box: the left one on its left, the right one on its right
        on_right = len(poolings) == 2 and x > x_mid
        x_label = x + pool_w / 2 + 0.1 if on_right else x - pool_w / 2 - 0.1
        label = f"{kind} over the {steps} steps\n{shape_label('batch', pooled)}"
        _text(
            ax,
            x_label,
            y_pool,
            label,
            f"shape-pool-{kind}",
            ha="left" if on_right else "right",
            fontsize=9,
            color=_SHAPE_COLOR,
        )
    if len(poolings) == 2:
        shape(y_join, "concatenate", shape_label("batch", 2 * pooled), "max and mean side by side")
    shape(y_dense, "dense", shape_label("batch", 1), "P(positive)")
    title = (
        f"Bidirectional(GRU({units}, return_sequences=True)) pooled over time:\n"
        "every step's state counts, not only the last"
    )
    return _finish_diagram(ax, (0.0, max(xs[-1] + 1.0, x_mid + 4.1)), (-0.35, y_dense + 0.4), title)


def draw_return_sequences(
    layers: Sequence[tuple[str, int, bool]],
    *,
    num_steps: int,
    input_features: int,
    dense_units: int = 1,
    dense_activation: str = "sigmoid",
    shown_steps: int = 4,
    ax: Axes | None = None,
) -> Axes:
    r"""Stacked recurrent layers unrolled in time, with the shape each one hands to the next (lesson 02).

    ``layers`` lists the recurrent layers bottom to top as ``(kind, units, return_sequences)``, e.g.
    ``[("GRU", 128, True), ("LSTM", 64, False)]``; a ``Dense(dense_units, dense_activation)`` is on
    top. Each recurrent layer is a row of cells, one per drawn step, its state passing from left to
    right. A layer with ``return_sequences=True`` hands its state at **every** step up to the next
    layer: one arrow per step, shape ``(batch, T, units)``. With ``return_sequences=False`` only
    the **last** step's state goes up, shape ``(batch, units)``. (A last layer that returns its
    sequence gives the Dense layer every step: ``(batch, T, dense_units)``.) With more than
    ``shown_steps`` steps the first ``shown_steps - 1`` and the last are drawn, with an ellipsis.

    Gids: ``"input"`` (the :math:`x_t` labels), ``"layer-<i>"`` (the cells of recurrent layer i
    and its name), ``"state-<i>"`` (its arrows along time), ``"up-<i>"`` (the arrows from layer i
    to what is above it, i = 0 for the inputs), ``"shape-<i>"`` (the shape on those arrows:
    ``"shape-0"`` the input's, ``"shape-<i>"`` layer i's output), ``"dense"`` and ``"shape-dense"``,
    ``"ellipsis"``.

    Parameters
    ----------
    layers : sequence of (str, int, bool)
        Kind (``"SimpleRNN"``, ``"GRU"`` or ``"LSTM"``), units and ``return_sequences`` of each
        recurrent layer, bottom first; at most 4. Every layer but the last must return sequences
        (a recurrent layer reads a sequence).
    num_steps : int
        T, the sequence length.
    input_features : int
        Features per step of the input.
    dense_units : int, default 1
    dense_activation : str, default "sigmoid"
    shown_steps : int, default 4
        How many step columns to draw, between 2 and 6.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default (about 10 inches wide).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes, with its axis turned off.

    Raises
    ------
    ValueError
        If ``layers`` is empty or longer than 4, a kind is unknown, a layer below another does not
        return sequences, or ``shown_steps`` is out of range.
    TypeError
        If a size is not an int, a ``return_sequences`` not a bool, or ``ax`` not an Axes.
    """
    stack = list(layers)
    if not 1 <= len(stack) <= 4:
        raise ValueError(f"layers must hold between 1 and 4 recurrent layers; got {len(stack)}")
    specs: list[tuple[str, int, bool]] = []
    for index, spec in enumerate(stack):
        kind, units, return_sequences = spec
        if kind not in ("SimpleRNN", "GRU", "LSTM"):
            raise ValueError(f"layer {index}: kind must be 'SimpleRNN', 'GRU' or 'LSTM'; got {kind!r}")
        if not isinstance(return_sequences, bool):
            raise TypeError(f"layer {index}: return_sequences must be True or False; got {return_sequences!r}")
        if index < len(stack) - 1 and not return_sequences:
            raise ValueError(
                f"layer {index} ({kind}) feeds another recurrent layer, so it needs return_sequences=True: "
                "a recurrent layer reads a sequence (batch, T, features)"
            )
        specs.append((kind, _positive_int(units, f"layer {index} units", 10**9), return_sequences))
    steps = _positive_int(num_steps, "num_steps", 10**9)
    features = _positive_int(input_features, "input_features", 10**9)
    dense = _positive_int(dense_units, "dense_units", 10**9)
    shown = _shown_steps(shown_steps)

    columns = _step_columns(steps, shown)
    pitch, cell_w, cell_h, row_pitch = 1.35, 0.8, 0.42, 1.15
    x_first, x_shape = 3.6, 0.2
    xs = [x_first + i * pitch for i in range(len(columns))]
    x_last = xs[-1]
    y_in = 0.0
    rows = [0.9 + i * row_pitch for i in range(len(specs))]
    y_dense = rows[-1] + row_pitch
    ax = _new_or_given_axes(ax, (10.0, 1.6 + row_pitch * (len(specs) + 1)), "draw_return_sequences")

    def up_arrow(x: float, y_from: float, y_to: float, gid: str) -> None:
        _line(ax, [(x, y_from), (x, y_to)], gid)

    # Inputs: every step goes up into the first layer.
    for x, t in zip(xs, columns):
        if t is None:
            _text(ax, x, y_in, "\N{MIDLINE HORIZONTAL ELLIPSIS}", "ellipsis", fontsize=16)
        else:
            _text(ax, x, y_in, f"$x_{{{t}}}$", "input")
            up_arrow(x, y_in + 0.17, rows[0] - cell_h / 2, "up-0")
    _text(
        ax,
        x_shape,
        (y_in + rows[0]) / 2,
        f"input\n{shape_label('batch', steps, features)}",
        "shape-0",
        ha="left",
        fontsize=9,
        color=_SHAPE_COLOR,
    )

    for index, ((kind, units, return_sequences), y) in enumerate(zip(specs, rows), start=1):
        for x, t in zip(xs, columns):
            if t is None:
                _text(ax, x, y, "\N{MIDLINE HORIZONTAL ELLIPSIS}", "ellipsis", fontsize=16)
                continue
            _box(ax, (x, y), (cell_w, cell_h), f"layer-{index}", _SEQUENCE_FILL)
            _text(ax, x, y, kind, f"layer-{index}", fontsize=9)
        for i in range(len(columns) - 1):
            a = xs[i] + (0.15 if columns[i] is None else cell_w / 2)
            b = xs[i + 1] - (0.15 if columns[i + 1] is None else cell_w / 2)
            _line(ax, [(a, y), (b, y)], f"state-{index}", color="C0")
        name = f"{kind}({units},\nreturn_sequences={return_sequences})"
        _text(ax, xs[0] - cell_w / 2 - 0.12, y, name, f"layer-{index}", ha="right", fontsize=8, color="0.25")
        y_next = rows[index] - cell_h / 2 if index < len(specs) else y_dense - cell_h / 2
        if return_sequences:
            for x, t in zip(xs, columns):
                if t is not None:
                    up_arrow(x, y + cell_h / 2, y_next, f"up-{index}")
            shape = shape_label("batch", steps, units)
            what = f"every step: {steps} states"
        else:
            up_arrow(x_last, y + cell_h / 2, y_next, f"up-{index}")
            shape = shape_label("batch", units)
            what = "the last state only"
        _text(
            ax,
            x_shape,
            y + row_pitch / 2,
            f"{what}\n{shape}",
            f"shape-{index}",
            ha="left",
            fontsize=9,
            color=_SHAPE_COLOR,
        )

    last_sequences = specs[-1][2]
    dense_left = xs[0] - cell_w / 2 if last_sequences else x_last - 1.0
    dense_right = x_last + cell_w / 2 if last_sequences else x_last + 1.0
    _box(ax, ((dense_left + dense_right) / 2, y_dense), (dense_right - dense_left, cell_h), "dense", _VECTOR_FILL)
    _text(ax, (dense_left + dense_right) / 2, y_dense, f"Dense({dense}, {dense_activation})", "dense", fontsize=9)
    dense_shape = shape_label("batch", steps, dense) if last_sequences else shape_label("batch", dense)
    _text(
        ax, x_shape, y_dense + 0.45, f"output\n{dense_shape}", "shape-dense", ha="left", fontsize=9, color=_SHAPE_COLOR
    )
    title = "Stacking recurrent layers: return_sequences=True hands the next layer every step"
    return _finish_diagram(ax, (0.0, x_last + 1.2), (-0.35, y_dense + 0.8), title)
