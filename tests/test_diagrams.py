"""rnncourse.diagrams: the unrolled SimpleRNN of lesson 01, the LSTM and GRU cells and the stacked layers of
lesson 02, the conv + LSTM and the bidirectional GRU of lesson 04, the windows of stateful TBPTT of lesson 05.

The tests read what was drawn: the text labels (in the lessons' notation), the boxes, circles and
arrows, and where each arrow starts and ends. For the two cells they rebuild the computation from
the arrows alone, as nested expressions, and compare it with the lesson's equations. The TBPTT
windows' token labels are compared with the reference answer of lesson 05's ``make_windows`` exercise, and
the shapes written on the model diagrams with the shapes Keras gives the same layers.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import re  # noqa: E402
from collections import Counter  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch  # noqa: E402
from matplotlib.path import Path  # noqa: E402

from rnncourse.checks.l05_language_model.make_windows import reference as make_windows  # noqa: E402
from rnncourse.diagrams import (  # noqa: E402
    conv_pool_steps,
    draw_bidirectional_pooling,
    draw_conv_pooling,
    draw_gru_cell,
    draw_lstm_cell,
    draw_return_sequences,
    draw_tbptt_windows,
    draw_unrolled_rnn,
)

TOLERANCE = 0.05  # inches: an arrowhead's tip stops a little short of its end point (more so on thick lines)
SIGMA, TANH = r"$\sigma$", r"$\tanh$"
DASH = "\N{EN DASH}"
SHAPES = [(3, 3, 4), (2, 4, 3), (1, 2, 5), (4, 1, 2), (6, 2, 1)]  # (batch_size, num_windows, window)


pytestmark = pytest.mark.usefixtures("close_figures")  # tests/conftest.py


def texts(ax, gid):
    return [text.get_text() for text in ax.texts if text.get_gid() == gid]


def patches(ax, gid, kind=object):
    return [patch for patch in ax.patches if patch.get_gid() == gid and isinstance(patch, kind)]


def arrows(ax, gid=None):
    return [p for p in ax.patches if isinstance(p, FancyArrowPatch) and (gid is None or p.get_gid() == gid)]


def polyline(arrow):
    """The points of an arrow's shaft in data coordinates, without its head."""
    path = arrow.get_path()
    moves = np.flatnonzero(path.codes == Path.MOVETO)
    stop = moves[1] if len(moves) > 1 else len(path.vertices)
    return path.vertices[:stop]


def box_edges(box):
    return box.get_x(), box.get_x() + box.get_width(), box.get_y(), box.get_y() + box.get_height()


def on_box_edge(point, box):
    left, right, bottom, top = box_edges(box)
    x, y = point
    inside_outer = left - TOLERANCE <= x <= right + TOLERANCE and bottom - TOLERANCE <= y <= top + TOLERANCE
    inside_inner = left + TOLERANCE < x < right - TOLERANCE and bottom + TOLERANCE < y < top - TOLERANCE
    return inside_outer and not inside_inner


def on_circle(point, circle):
    return abs(np.hypot(*(np.asarray(point) - circle.center)) - circle.get_radius()) <= TOLERANCE


def is_dashed(arrow):
    return arrow.get_linestyle() not in ("-", "solid")


def rnn_labels(prefix, steps):
    return [f"${prefix}_{{{t}}}$" for t in steps]


def boxes_by_prefix(ax, prefix):
    return {p.get_gid(): p for p in ax.patches if isinstance(p, FancyBboxPatch) and p.get_gid().startswith(prefix)}


def arrows_by_prefix(ax, prefix):
    return {p.get_gid(): p for p in ax.patches if isinstance(p, FancyArrowPatch) and p.get_gid().startswith(prefix)}


def token_range(tokens):
    return f"t{tokens[0]}" if len(tokens) == 1 else f"t{tokens[0]}{DASH}t{tokens[-1]}"


def reference_windows(batch_size, num_windows, window):
    """The reference's (inputs, targets) for a stream of distinct tokens 0, 1, ... just long enough."""
    stream = np.arange(batch_size * num_windows * window + 1)
    inputs, targets = make_windows(stream, batch_size, window)
    assert inputs.shape == (num_windows, batch_size, window)  # the picture's stream fills every window
    return inputs, targets


# --- draw_unrolled_rnn ----------------------------------------------------------------------


@pytest.mark.parametrize("num_steps", [1, 3, 4, 12])
def test_unrolled_rnn_labels_every_step_in_lesson_01_notation(num_steps):
    ax = draw_unrolled_rnn(num_steps)
    steps = range(1, num_steps + 1)
    assert sorted(texts(ax, "input")) == sorted(rnn_labels("x", steps))
    assert sorted(texts(ax, "state")) == sorted(rnn_labels("a", range(num_steps + 1)))  # a_0 ... a_T, once each
    assert sorted(texts(ax, "output")) == sorted(rf"$\hat{{y}}_{{{t}}}$" for t in steps)
    weights = Counter(texts(ax, "weight"))
    assert weights == {"$W_a$": num_steps, "$W_x$": num_steps}  # W_a on every arrow into a cell, W_x below
    assert texts(ax, "activation") == [TANH] * num_steps
    assert len(patches(ax, "cell", FancyBboxPatch)) == num_steps
    # The lesson's update, with its bias b (not b_a) and a_0 = 0, is the title.
    assert r"$a_t = \tanh(W_a\, a_{t-1} + W_x\, x_t + b)$" in ax.get_title() and "$a_0 = 0$" in ax.get_title()
    assert not ax.axison


def test_unrolled_rnn_grows_with_the_number_of_steps():
    counts = {}
    for num_steps in (2, 3, 6):
        ax = draw_unrolled_rnn(num_steps)
        counts[num_steps] = Counter(arrow.get_gid() for arrow in arrows(ax))
        # T inputs, T + 1 state arrows (a_0 -> cell 1 ... cell T -> a_T), T outputs.
        assert counts[num_steps] == {"input": num_steps, "recurrent": num_steps + 1, "output": num_steps}
    assert sum(counts[2].values()) < sum(counts[3].values()) < sum(counts[6].values())
    assert "$x_{3}$" not in texts(draw_unrolled_rnn(2), "input")
    assert "$x_{3}$" in texts(draw_unrolled_rnn(3), "input")


def test_unrolled_rnn_with_only_the_last_output():
    ax = draw_unrolled_rnn(5, outputs="last")
    assert texts(ax, "output") == [r"$\hat{y}_{5}$"]
    assert len(arrows(ax, "output")) == 1
    assert len(arrows(ax, "input")) == 5 and len(arrows(ax, "recurrent")) == 6


@pytest.mark.parametrize("outputs", ["all", "last"])
def test_unrolled_rnn_arrows_start_and_end_at_cells_and_labels(outputs):
    ax = draw_unrolled_rnn(4, outputs=outputs, show_backward=True)
    cells = sorted(patches(ax, "cell", FancyBboxPatch), key=lambda box: box.get_x())
    (loss,) = patches(ax, "loss", FancyBboxPatch)
    labels = {
        text.get_text(): text.get_position() for text in ax.texts if text.get_gid() in ("state", "input", "output")
    }

    def near_label(point, label):
        return np.hypot(*(np.asarray(point) - labels[label])) < 0.3

    for index, cell in enumerate(cells, start=1):
        left, right, bottom, top = box_edges(cell)
        (into,) = [a for a in arrows(ax, "input") if left < polyline(a)[0][0] < right]
        assert near_label(polyline(into)[0], f"$x_{{{index}}}$") and on_box_edge(polyline(into)[-1], cell)
        (recurrent,) = [a for a in arrows(ax, "recurrent") if on_box_edge(polyline(a)[-1], cell)]
        start = polyline(recurrent)[0]
        assert near_label(start, "$a_{0}$") if index == 1 else on_box_edge(start, cells[index - 2])
        (back,) = [a for a in arrows(ax, "backward") if on_box_edge(polyline(a)[0], cell) and polyline(a)[-1][0] < left]
        end = polyline(back)[-1]
        assert near_label(end, "$a_{0}$") if index == 1 else on_box_edge(end, cells[index - 2])
    (last_state,) = [a for a in arrows(ax, "recurrent") if on_box_edge(polyline(a)[0], cells[-1])]
    assert near_label(polyline(last_state)[-1], "$a_{4}$")
    for arrow in arrows(ax, "output"):
        (cell,) = [cell for cell in cells if on_box_edge(polyline(arrow)[0], cell)]
        assert near_label(polyline(arrow)[-1], rf"$\hat{{y}}_{{{cells.index(cell) + 1}}}$")
    for arrow in arrows(ax, "loss"):
        assert on_box_edge(polyline(arrow)[-1], loss)
    for arrow in arrows(ax, "backward"):
        if polyline(arrow)[0][1] > cells[0].get_y() + cells[0].get_height():  # from L down into a state
            assert on_box_edge(polyline(arrow)[0], loss) and any(on_box_edge(polyline(arrow)[-1], c) for c in cells)


def test_unrolled_rnn_backward_path_is_dashed_and_labelled_with_the_jacobians():
    plain = draw_unrolled_rnn(3)
    assert not any(is_dashed(arrow) for arrow in arrows(plain))
    assert texts(plain, "gradient") == [] and texts(plain, "loss") == []

    for outputs, with_output in [("all", [1, 2, 3]), ("last", [3])]:
        ax = draw_unrolled_rnn(3, outputs=outputs, show_backward=True)
        dashed = [arrow for arrow in arrows(ax) if is_dashed(arrow)]
        assert dashed == arrows(ax, "backward")
        assert len(dashed) == 3 + len(with_output)  # a_3 -> a_2 -> a_1 -> a_0, and L into each output's state
        jacobians = {rf"$\dfrac{{\partial a_{{{t}}}}}{{\partial a_{{{t - 1}}}}}$" for t in (1, 2, 3)}
        direct = {rf"$\partial \ell_{{{t}}} / \partial a_{{{t}}}$" for t in with_output}
        assert set(texts(ax, "gradient")) == jacobians | direct
        assert texts(ax, "loss") == (
            ["$L = \\ell_{1} + \\dots + \\ell_{3}$"] if outputs == "all" else ["$L = \\ell_{3}$"]
        )
        # The forward picture is unchanged underneath.
        assert sorted(texts(ax, "state")) == sorted(texts(plain, "state"))
        # Backward arrows point backward: right to left, or down from the loss.
        for arrow in dashed:
            (x0, y0), (x1, y1) = polyline(arrow)[0], polyline(arrow)[-1]
            assert x1 < x0 or (x1 == pytest.approx(x0) and y1 < y0)


def test_unrolled_rnn_separates_the_direct_term_from_the_total_gradient():
    """d2l's BPTT: dl_t/da_t enters from the loss; dL/da_t (direct + from step t+1) is what a_t passes back."""
    for outputs, with_output in [("all", [1, 2, 3, 4]), ("last", [4])]:
        ax = draw_unrolled_rnn(4, outputs=outputs, show_backward=True)
        cells = sorted(patches(ax, "cell", FancyBboxPatch), key=lambda box: box.get_x())
        # The arrows from the loss carry the direct term of the state they enter, and only that.
        direct = {text.get_text(): text.get_position() for text in ax.texts if text.get_gid() == "gradient"}
        from_loss = [a for a in arrows(ax, "backward") if polyline(a)[0][1] > box_edges(cells[0])[3]]
        assert len(from_loss) == len(with_output)
        for arrow in from_loss:
            (t,) = [i + 1 for i, cell in enumerate(cells) if on_box_edge(polyline(arrow)[-1], cell)]
            label = rf"$\partial \ell_{{{t}}} / \partial a_{{{t}}}$"
            assert np.hypot(*(np.asarray(direct[label]) - polyline(arrow).mean(axis=0))) < 0.5
            assert label.replace(r"\ell", "L") not in direct  # not the total gradient
        # Every state, with an output or not, has a total gradient: its label sits at its cell.
        totals = [text for text in ax.texts if text.get_gid() == "total"]
        assert sorted(t.get_text() for t in totals) == sorted(rnn_labels(r"\partial L / \partial a", range(1, 5)))
        for t, cell in enumerate(cells, start=1):
            (label,) = [text for text in totals if text.get_text() == rf"$\partial L / \partial a_{{{t}}}$"]
            left, right, bottom, _ = box_edges(cell)
            x, y = label.get_position()
            assert left - 0.1 <= x <= right and bottom - 0.3 < y <= bottom
        title = ax.get_title()
        assert r"$\partial L/\partial a_t = \partial \ell_t/\partial a_t$" in title
        assert r"$(\partial a_{t+1}/\partial a_t)^{\top}\, \partial L/\partial a_{t+1}$" in title
    assert texts(draw_unrolled_rnn(3), "total") == []


def test_unrolled_rnn_draws_on_a_given_axes():
    _, ax = plt.subplots()
    assert draw_unrolled_rnn(2, ax=ax) is ax
    assert len(patches(ax, "cell")) == 2


def test_unrolled_rnn_new_figure_is_about_nine_by_three_inches():
    width, height = draw_unrolled_rnn(4).figure.get_size_inches()
    assert 8.5 <= width <= 9.5 and 2.5 <= height <= 3.5


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"num_steps": 0}, ValueError, "num_steps must be between 1 and 12; got 0"),
        ({"num_steps": 13}, ValueError, "num_steps must be between 1 and 12; got 13"),
        ({"num_steps": -2}, ValueError, "num_steps must be between 1 and 12; got -2"),
        ({"num_steps": 2.5}, TypeError, "num_steps must be an int; got float"),
        ({"num_steps": True}, TypeError, "num_steps must be an int; got bool"),
        ({"outputs": "first"}, ValueError, "outputs must be 'all' or 'last'; got 'first'"),
        ({"show_backward": "yes"}, TypeError, "show_backward must be True or False; got 'yes'"),
        ({"ax": "axes"}, TypeError, "draw_unrolled_rnn: ax must be a matplotlib Axes or None; got str"),
    ],
)
def test_unrolled_rnn_rejects_invalid_arguments(kwargs, error, message):
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        draw_unrolled_rnn(**kwargs)
    assert plt.get_fignums() == []  # nothing half-drawn is left behind


def test_unrolled_rnn_accepts_a_numpy_integer():
    assert len(texts(draw_unrolled_rnn(np.int64(2)), "input")) == 2


# --- draw_lstm_cell and draw_gru_cell: what is drawn -----------------------------------------


def test_lstm_cell_shows_exactly_three_gates_and_the_candidate():
    ax = draw_lstm_cell()
    assert sorted(texts(ax, "gate")) == ["$f_t$", "$i_t$", "$o_t$"]
    assert texts(ax, "candidate") == [r"$\tilde c_t$"]
    assert len(patches(ax, "gate", FancyBboxPatch)) == 3 and len(patches(ax, "candidate", FancyBboxPatch)) == 1
    assert Counter(texts(ax, "activation")) == {SIGMA: 3, TANH: 1}
    assert sorted(texts(ax, "name")) == ["candidate", "forget", "input", "output"]
    assert sorted(texts(ax, "input")) == ["$c_{t-1}$", "$h_{t-1}$", "$x_t$"]
    assert sorted(texts(ax, "output")) == ["$c_t$", "$h_t$"]
    # One W (for x_t) and one U (for h_{t-1}) per box, in the lesson's subscripts i, f, c, o.
    assert sorted(texts(ax, "weight")) == sorted(f"${m}_{{{g}}}$" for m in "WU" for g in "ifco")
    assert Counter(texts(ax, "op")) == {r"$\odot$": 3, "$+$": 1, TANH: 1}
    assert not ax.axison


def test_lstm_cell_state_runs_straight_from_c_prev_to_c_t():
    ax = draw_lstm_cell()
    line = sorted(arrows(ax, "cell_state"), key=lambda arrow: polyline(arrow)[0][0])
    assert len(line) == 3
    points = np.concatenate([polyline(arrow) for arrow in line])
    assert np.ptp(points[:, 1]) == pytest.approx(0)  # one horizontal line
    position = {text.get_text(): np.asarray(text.get_position()) for text in ax.texts}
    assert np.hypot(*(points[0] - position["$c_{t-1}$"])) < 0.3
    assert np.hypot(*(points[-1] - position["$c_t$"])) < 0.3
    # It is broken only by the forget product and the addition, in that order: c_t = f_t * c_{t-1} + ...
    ops = [op for op in patches(ax, "op", Circle) if abs(op.center[1] - points[0, 1]) < 1e-9]
    symbols = {tuple(np.round(text.get_position(), 6)): text.get_text() for text in ax.texts if text.get_gid() == "op"}
    assert [symbols[tuple(np.round(op.center, 6))] for op in sorted(ops, key=lambda op: op.center[0])] == [
        r"$\odot$",
        "$+$",
    ]
    for left, right in zip(line, line[1:]):
        (joint,) = [op for op in ops if on_circle(polyline(left)[-1], op)]
        assert on_circle(polyline(right)[0], joint)


def test_gru_cell_shows_two_gates_and_the_candidate_and_no_cell_state():
    ax = draw_gru_cell()
    assert sorted(texts(ax, "gate")) == ["$r_t$", "$z_t$"]
    assert texts(ax, "candidate") == [r"$\tilde h_t$"]
    assert len(patches(ax, "gate", FancyBboxPatch)) == 2 and len(patches(ax, "candidate", FancyBboxPatch)) == 1
    assert Counter(texts(ax, "activation")) == {SIGMA: 2, TANH: 1}
    assert sorted(texts(ax, "name")) == ["candidate", "reset", "update"]
    assert sorted(texts(ax, "input")) == ["$h_{t-1}$", "$x_t$"]
    assert texts(ax, "output") == ["$h_t$"]
    assert arrows(ax, "cell_state") == []
    assert not any("c_" in text.get_text() or "c}" in text.get_text() for text in ax.texts)
    # reset_after=True: the reset gate multiplies U_h h_{t-1} + b'_h, a box of its own.
    assert texts(ax, "linear") == [r"$U_h\, h_{t-1} + b'_{h}$"]
    assert sorted(texts(ax, "weight")) == sorted(["$W_{z}$", "$U_{z}$", "$W_{r}$", "$U_{r}$", "$W_{h}$"])
    assert Counter(texts(ax, "op")) == {r"$\odot$": 3, "$+$": 1, "$1-$": 1}
    assert "reset_after=True" in ax.get_title()
    assert not ax.axison


# --- draw_lstm_cell and draw_gru_cell: the arrows are the equations ---------------------------


def computation(ax):
    """Rebuild what each output is computed from, following the arrows alone.

    Nodes are the boxes and pointwise operations (named by the name or symbol inside them), the
    input and output labels, and the junction dots (which only pass a value on). An arrow joins
    the node at its start to the node at its end, and every junction dot that lies on it. The
    result maps each output label to a nested expression such as ``+(⊙(c, forget(h, x)), ...)``,
    arguments sorted; it fails if an arrow starts or ends where there is no node.
    """
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch) and p.get_gid() != "cell"]
    circles = patches(ax, "op", Circle)
    dots = patches(ax, "junction", Circle)
    labels = [text for text in ax.texts if text.get_gid() in ("input", "output")]

    def box_name(box):
        left, right, bottom, top = box_edges(box)
        inside = [t for t in ax.texts if left < t.get_position()[0] < right and bottom < t.get_position()[1] < top]
        names = [t.get_text() for t in inside if t.get_gid() == "name"] or [t.get_text() for t in inside]
        assert len(names) == 1, names
        return names[0]

    def circle_name(circle):
        (name,) = [
            t.get_text() for t in ax.texts if t.get_gid() == "op" and np.allclose(t.get_position(), circle.center)
        ]
        return name

    nodes = [("box", box, box_name(box)) for box in boxes] + [("op", c, circle_name(c)) for c in circles]
    nodes += [("dot", dot, "") for dot in dots] + [("label", text, text.get_text()) for text in labels]

    def node_at(point, end):
        found = []
        for index, (kind, artist, _) in enumerate(nodes):
            if kind == "box" and on_box_edge(point, artist):
                found.append(index)
            elif kind == "op" and on_circle(point, artist):
                found.append(index)
            elif kind == "dot" and np.hypot(*(np.asarray(point) - artist.center)) < 0.06:
                found.append(index)
            elif kind == "label" and artist.get_gid() == ("output" if end else "input"):
                if np.hypot(*(np.asarray(point) - artist.get_position())) < 0.3:
                    found.append(index)
        assert len(found) == 1, f"an arrow {'ends' if end else 'starts'} at {point}, on {len(found)} nodes"
        return found[0]

    def on_segment(point, a, b):
        a, b, p = np.asarray(a), np.asarray(b), np.asarray(point)
        along = np.dot(p - a, b - a) / np.dot(b - a, b - a)
        return 0 < along < 1 and np.hypot(*(a + along * (b - a) - p)) < 1e-6

    predecessors = {index: [] for index in range(len(nodes))}
    for arrow in arrows(ax):
        points = polyline(arrow)
        start, end = node_at(points[0], end=False), node_at(points[-1], end=True)
        passed = [
            index
            for index, (kind, dot, _) in enumerate(nodes)
            if kind == "dot"
            and index not in (start, end)
            and any(on_segment(dot.center, a, b) for a, b in zip(points, points[1:]))
        ]
        predecessors[end].append(start)
        for index in passed:
            predecessors[index].append(start)

    def expression(index, depth=0):
        assert depth < 20, "the arrows form a cycle"
        kind, _, name = nodes[index]
        sources = sorted(expression(p, depth + 1) for p in predecessors[index])
        if kind == "label" and not sources:
            return name.strip("$")
        if kind in ("dot", "label"):
            assert len(sources) == 1, (name, sources)  # a junction or an output passes one value on
            return sources[0]
        return f"{name.strip('$')}({', '.join(sources)})"

    return {nodes[i][2].strip("$"): expression(i) for i in range(len(nodes)) if nodes[i][0] == "label"}


def test_lstm_arrows_follow_the_equations_of_lesson_02():
    result = computation(draw_lstm_cell())
    gate = {name: f"{name}(h_{{t-1}}, x_t)" for name in ("input", "forget", "candidate", "output")}
    # c_t = f_t * c_{t-1} + i_t * c~_t, with every gate and the candidate computed from x_t and h_{t-1}.
    c_t = rf"+(\odot(c_{{t-1}}, {gate['forget']}), \odot({gate['candidate']}, {gate['input']}))"
    # h_t = o_t * tanh(c_t)
    h_t = rf"\odot(\tanh({c_t}), {gate['output']})"
    assert result["c_t"] == c_t
    assert result["h_t"] == h_t
    assert set(result) == {"c_{t-1}", "h_{t-1}", "x_t", "c_t", "h_t"}


def test_gru_arrows_follow_the_equations_of_lesson_02_with_reset_after():
    result = computation(draw_gru_cell())
    z_t = "update(h_{t-1}, x_t)"
    r_t = "reset(h_{t-1}, x_t)"
    # h~_t = tanh(W_h x_t + b_h + r_t * (U_h h_{t-1} + b'_h)): the reset comes after the product.
    recurrent = r"U_h\, h_{t-1} + b'_{h}(h_{t-1})"
    candidate = rf"candidate(\odot({recurrent}, {r_t}), x_t)"
    # h_t = z_t * h_{t-1} + (1 - z_t) * h~_t
    h_t = rf"+(\odot(1-({z_t}), {candidate}), \odot(h_{{t-1}}, {z_t}))"
    assert result["h_t"] == h_t
    assert set(result) == {"h_{t-1}", "x_t", "h_t"}


@pytest.mark.parametrize("draw", [draw_lstm_cell, draw_gru_cell])
def test_cell_diagram_figure_size_axes_and_argument_check(draw):
    ax = draw()
    assert tuple(ax.figure.get_size_inches()) == (8.0, 4.5)
    _, given = plt.subplots()
    assert draw(ax=given) is given
    with pytest.raises(TypeError, match=rf"^{draw.__name__}: ax must be a matplotlib Axes or None; got int$"):
        draw(ax=3)


# --- draw_tbptt_windows ----------------------------------------------------------------------


@pytest.mark.parametrize(("batch_size", "num_windows", "window"), SHAPES)
def test_tbptt_windows_hold_the_tokens_of_the_make_windows_reference(batch_size, num_windows, window):
    ax = draw_tbptt_windows(batch_size=batch_size, num_windows=num_windows, window=window)
    inputs, _ = reference_windows(batch_size, num_windows, window)
    cells = boxes_by_prefix(ax, "window-")
    assert len(cells) == batch_size * num_windows
    for b in range(batch_size):
        for k in range(num_windows):
            assert texts(ax, f"window-{b}-{k}") == [token_range(inputs[k, b])]
            left, right, bottom, top = box_edges(cells[f"window-{b}-{k}"])
            # Row b is the b-th line from the top, window k the k-th column from the left.
            if k > 0:
                assert box_edges(cells[f"window-{b}-{k - 1}"])[1] < left
                assert box_edges(cells[f"window-{b}-{k - 1}"])[2] == pytest.approx(bottom)
            if b > 0:
                assert box_edges(cells[f"window-{b - 1}-{k}"])[2] > top
                assert box_edges(cells[f"window-{b - 1}-{k}"])[0] == pytest.approx(left)
    assert [texts(ax, f"row-{b}") for b in range(batch_size)] == [[f"row {b}"] for b in range(batch_size)]
    assert [texts(ax, f"batch-{k}") for k in range(num_windows)] == [[f"batch {k}"] for k in range(num_windows)]
    assert texts(ax, f"row-{batch_size}") == [] and texts(ax, f"batch-{num_windows}") == []
    assert not ax.axison


@pytest.mark.parametrize(("batch_size", "num_windows", "window"), SHAPES)
def test_tbptt_state_arrows_join_window_k_to_window_k_plus_1_of_the_same_row(batch_size, num_windows, window):
    ax = draw_tbptt_windows(batch_size=batch_size, num_windows=num_windows, window=window)
    cells = boxes_by_prefix(ax, "window-")
    state = arrows_by_prefix(ax, "state-arrow-")
    assert sorted(state) == sorted(f"state-arrow-{b}-{k}" for b in range(batch_size) for k in range(num_windows - 1))
    for gid, arrow in state.items():
        b, k = map(int, gid.split("-")[2:])
        start, end = polyline(arrow)[0], polyline(arrow)[-1]
        assert [name for name, cell in cells.items() if on_box_edge(start, cell)] == [f"window-{b}-{k}"]
        assert [name for name, cell in cells.items() if on_box_edge(end, cell)] == [f"window-{b}-{k + 1}"]
        assert end[0] > start[0]  # forward in time
    legend = texts(ax, "state-legend")
    assert (len(legend) == 1 and "state carried" in legend[0]) if num_windows > 1 else legend == []


@pytest.mark.parametrize(("batch_size", "num_windows", "window"), SHAPES)
def test_tbptt_stream_is_coloured_by_the_row_each_token_goes_to(batch_size, num_windows, window):
    ax = draw_tbptt_windows(batch_size=batch_size, num_windows=num_windows, window=window)
    inputs, _ = reference_windows(batch_size, num_windows, window)
    length = batch_size * num_windows * window + 1
    tokens = boxes_by_prefix(ax, "stream-token-")
    assert len(tokens) == length
    order = sorted(range(length), key=lambda i: tokens[f"stream-token-{i}"].get_x())
    assert order == list(range(length))  # t0, t1, ... from left to right
    assert [texts(ax, f"stream-token-{i}") for i in range(length)] == [[f"t{i}"] for i in range(length)]
    row_fills = [
        to_rgba(boxes_by_prefix(ax, f"window-{b}-0")[f"window-{b}-0"].get_facecolor()) for b in range(batch_size)
    ]
    assert len(set(row_fills)) == batch_size
    for b in range(batch_size):
        for token in inputs[:, b].ravel():
            assert to_rgba(tokens[f"stream-token-{token}"].get_facecolor()) == row_fills[b]
        # The bracket under row b spans exactly its tokens.
        (bracket,) = arrows_by_prefix(ax, f"stream-row-{b}").values()
        xs = polyline(bracket)[:, 0]
        centres = {i: tokens[f"stream-token-{i}"].get_x() + tokens[f"stream-token-{i}"].get_width() / 2 for i in order}
        inside = [i for i in range(length) if xs.min() < centres[i] < xs.max()]
        assert inside == sorted(inputs[:, b].ravel().tolist())
        assert texts(ax, f"stream-row-{b}") == [f"row {b}"]
    # The last token is only a target: it belongs to no row.
    assert to_rgba(tokens[f"stream-token-{length - 1}"].get_facecolor()) not in row_fills


@pytest.mark.parametrize(("batch_size", "num_windows", "window"), SHAPES)
def test_tbptt_caption_says_what_a_batch_and_the_targets_are(batch_size, num_windows, window):
    ax = draw_tbptt_windows(batch_size=batch_size, num_windows=num_windows, window=window)
    inputs, targets = reference_windows(batch_size, num_windows, window)
    (caption,) = texts(ax, "caption")
    assert "batch k = column k: one window from every row" in caption
    assert "targets: the same positions + 1" in caption
    assert f"({token_range(inputs[0, 0])} \N{RIGHTWARDS ARROW} {token_range(targets[0, 0])})" in caption
    assert f"t{batch_size * num_windows * window} is only a target" in caption


def test_tbptt_default_figure_and_a_given_axes():
    ax = draw_tbptt_windows()
    assert len(boxes_by_prefix(ax, "window-")) == 9 and len(arrows_by_prefix(ax, "state-arrow-")) == 6
    width, height = ax.figure.get_size_inches()
    assert 8.5 <= width <= 11 and 3.5 <= height <= 5.5
    _, given = plt.subplots()
    assert draw_tbptt_windows(batch_size=2, num_windows=2, window=2, ax=given) is given
    assert len(boxes_by_prefix(given, "window-")) == 4


def test_tbptt_accepts_numpy_integers():
    ax = draw_tbptt_windows(batch_size=np.int64(2), num_windows=np.int32(3), window=np.uint8(2))
    assert texts(ax, "window-1-2") == ["t10\N{EN DASH}t11"]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"batch_size": 0}, ValueError, "batch_size must be between 1 and 6; got 0"),
        ({"batch_size": -1}, ValueError, "batch_size must be between 1 and 6; got -1"),
        ({"num_windows": 7}, ValueError, "num_windows must be between 1 and 6; got 7"),
        ({"window": 9}, ValueError, "window must be between 1 and 8; got 9"),
        ({"window": np.int64(0)}, ValueError, "window must be between 1 and 8; got 0"),
        (
            {"batch_size": 6, "num_windows": 3, "window": 4},
            ValueError,
            "batch_size * num_windows * window must be at most 48 to fit the picture; got 6 * 3 * 4 = 72",
        ),
        ({"window": 2.0}, TypeError, "window must be an int; got float"),
        ({"batch_size": True}, TypeError, "batch_size must be an int; got bool"),
        ({"num_windows": "3"}, TypeError, "num_windows must be an int; got str"),
        ({"ax": "axes"}, TypeError, "draw_tbptt_windows: ax must be a matplotlib Axes or None; got str"),
    ],
)
def test_tbptt_rejects_invalid_arguments(kwargs, error, message):
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        draw_tbptt_windows(**kwargs)
    assert plt.get_fignums() == []  # nothing half-drawn is left behind


# --- shapes through a model: draw_conv_pooling, draw_bidirectional_pooling, draw_return_sequences --------
# The shape labels are compared with the shapes Keras gives the same layers on a batch of 2.

BATCH = 2


def shape_in(label):
    """The ``(batch, ...)`` part of a shape label, as a tuple of ints (``"batch"`` -> BATCH)."""
    (found,) = re.findall(r"\(batch(?:, \d+)*\)", label)
    return tuple(BATCH if part == "batch" else int(part) for part in found.strip("()").split(", "))


def shapes_of(ax, prefix):
    return {
        gid[len(prefix) :]: shape_in(text)
        for gid, text in ((t.get_gid(), t.get_text()) for t in ax.texts)
        if gid and gid.startswith(prefix)
    }


def keras_output_shapes(model, inputs):
    """Each layer's output shape (InputLayer left out), from one call on ``inputs``."""
    import keras

    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    probe = keras.Model(model.inputs, [layer.output for layer in layers])
    return {layer.name: tuple(np.asarray(out).shape) for layer, out in zip(layers, probe([inputs]))}, layers


CONV_CASES = [  # num_steps, embedding_dim, filters, kernel_size, pool_size, num_units
    (300, 50, 64, 5, 4, 64),  # lesson 04's strong model, full mode
    (80, 50, 64, 5, 4, 32),  # fast mode
    (23, 3, 6, 5, 3, 4),  # the hidden test's sizes
    (9, 2, 3, 2, 8, 5),  # the pooling leaves a single step
]


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_pooling_shapes_are_the_shapes_keras_gives_build_conv_lstm(case):
    from rnncourse.models import build_conv_lstm

    num_steps, embedding_dim, filters, kernel_size, pool_size, num_units = case
    model = build_conv_lstm(np.zeros((30, embedding_dim), "float32"), filters, kernel_size, pool_size, num_units)
    shapes, layers = keras_output_shapes(model, np.zeros((BATCH, num_steps), "int32"))
    by_kind = {type(layer).__name__: shapes[layer.name] for layer in layers}
    ax = draw_conv_pooling(num_steps, embedding_dim, filters, kernel_size, pool_size, num_units)
    drawn = shapes_of(ax, "shape-")
    assert drawn == {
        "input": (BATCH, num_steps),
        "embedding": by_kind["Embedding"],
        "conv": by_kind["Conv1D"],
        "pool": by_kind["MaxPooling1D"],
        "lstm": by_kind["LSTM"],
        "dense": by_kind["Dense"],
    }
    assert conv_pool_steps(num_steps, kernel_size, pool_size) == (by_kind["Conv1D"][1], by_kind["MaxPooling1D"][1])
    assert texts(ax, "layer-conv") == [f"Conv1D({filters}, {kernel_size}, 'valid')"]
    assert texts(ax, "layer-pool") == [f"MaxPooling1D({pool_size})"]


def test_conv_pooling_with_same_padding_keeps_the_length_as_keras_does():
    import keras

    model = keras.Sequential(
        [
            keras.Input(shape=(None,), dtype="int32"),
            keras.layers.Embedding(30, 8),
            keras.layers.Conv1D(16, 7, padding="same"),
            keras.layers.MaxPooling1D(3),
            keras.layers.LSTM(5),
            keras.layers.Dense(1),
        ]
    )
    shapes, layers = keras_output_shapes(model, np.zeros((BATCH, 40), "int32"))
    drawn = shapes_of(draw_conv_pooling(40, 8, 16, 7, 3, 5, padding="same"), "shape-")
    assert [drawn[name] for name in ("embedding", "conv", "pool", "lstm", "dense")] == list(shapes.values())
    assert drawn["conv"] == (BATCH, 40, 16) and drawn["pool"] == (BATCH, 13, 16)


@pytest.mark.parametrize(
    ("padding", "case"), [("valid", CONV_CASES[0]), ("valid", CONV_CASES[2]), ("same", CONV_CASES[1])]
)
def test_conv_pooling_bars_are_to_scale_and_notes_give_the_arithmetic(padding, case):
    num_steps, embedding_dim, filters, kernel_size, pool_size, num_units = case
    ax = draw_conv_pooling(num_steps, embedding_dim, filters, kernel_size, pool_size, num_units, padding=padding)
    conv_steps, pooled = conv_pool_steps(num_steps, kernel_size, pool_size, padding)
    width = {
        name: boxes_by_prefix(ax, f"stage-{name}")[f"stage-{name}"].get_width()
        for name in ("input", "embedding", "conv", "pool")
    }
    assert width["input"] == pytest.approx(width["embedding"])
    assert width["conv"] / width["embedding"] == pytest.approx(conv_steps / num_steps)
    assert width["pool"] / width["embedding"] == pytest.approx(pooled / num_steps)
    assert width["pool"] < width["conv"] <= width["embedding"]
    # Top to bottom in the model's order, an arrow between each two stages.
    ys = [
        boxes_by_prefix(ax, f"stage-{n}")[f"stage-{n}"].get_y()
        for n in ("input", "embedding", "conv", "pool", "lstm", "dense")
    ]
    assert ys == sorted(ys, reverse=True)
    assert len(arrows(ax, "flow")) == 5
    (conv_note,) = texts(ax, "note-conv")
    assert (
        f"{num_steps} \N{MINUS SIGN} {kernel_size - 1 if padding == 'valid' else 0} = {conv_steps} steps" in conv_note
    )
    assert texts(ax, "note-pool") == [
        f"the max of every {pool_size} steps: {conv_steps} // {pool_size} = {pooled} steps"
    ]
    assert f"reads {pooled} steps instead of {num_steps}" in texts(ax, "note-lstm")[0]
    assert not ax.axison


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        ((4, 5, 6, 5, 2, 3), {}, ValueError, "a 'valid' Conv1D with kernel_size=5 needs at least 5 steps; got 4"),
        ((10, 5, 6, 5, 7, 3), {}, ValueError, "MaxPooling1D(7) needs at least 7 steps; the Conv1D leaves 6"),
        ((10, 5, 6, 3, 2, 3), {"padding": "causal"}, ValueError, "padding must be 'valid' or 'same'; got 'causal'"),
        ((10.0, 5, 6, 3, 2, 3), {}, TypeError, "num_steps must be an int; got float"),
        ((10, 5, 0, 3, 2, 3), {}, ValueError, "filters must be between 1 and 1000000000; got 0"),
        ((10, 5, 6, 3, 2, 3), {"ax": 1}, TypeError, "draw_conv_pooling: ax must be a matplotlib Axes or None; got int"),
    ],
)
def test_conv_pooling_rejects_invalid_arguments(args, kwargs, error, message):
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        draw_conv_pooling(*args, **kwargs)


FINAL_CASES = [  # final_maxlen, embedding_dim, final_filters, kernel_size, final_pool_size, final_units
    (400, 50, 32, 5, 8, 32),  # lesson 04's final model, full mode
    (100, 50, 32, 5, 8, 32),  # fast mode
    (12, 4, 3, 3, 5, 2),  # the GRUs read two steps
]


@pytest.mark.parametrize("case", FINAL_CASES)
@pytest.mark.parametrize("pooling", [("max", "mean"), ("max",), ("mean",)])
def test_bidirectional_pooling_shapes_are_the_shapes_keras_gives_build_final_rnn(case, pooling):
    from rnncourse.models import build_final_rnn

    maxlen, embedding_dim, filters, kernel_size, pool_size, units = case
    model = build_final_rnn(np.zeros((30, embedding_dim), "float32"), filters, kernel_size, pool_size, units)
    shapes, layers = keras_output_shapes(model, np.zeros((BATCH, maxlen), "int32"))
    by_kind = {type(layer).__name__: shapes[layer.name] for layer in layers}
    steps = conv_pool_steps(maxlen, kernel_size, pool_size)[1]
    assert by_kind["MaxPooling1D"] == (BATCH, steps, filters)
    ax = draw_bidirectional_pooling(steps, filters, units, pooling=pooling)
    drawn = shapes_of(ax, "shape-")
    expected = {
        "input": by_kind["MaxPooling1D"],
        "forward": by_kind["Bidirectional"][:2] + (by_kind["Bidirectional"][2] // 2,),
        "backward": by_kind["Bidirectional"][:2] + (by_kind["Bidirectional"][2] // 2,),
        "concat": by_kind["Bidirectional"],
        "dense": by_kind["Dense"],
    }
    expected |= {
        f"pool-{kind}": by_kind[{"max": "GlobalMaxPooling1D", "mean": "GlobalAveragePooling1D"}[kind]]
        for kind in pooling
    }
    if len(pooling) == 2:
        expected["concatenate"] = by_kind["Concatenate"]
    assert drawn == expected
    assert [len(texts(ax, f"pool-{kind}")) for kind in ("max", "mean")] == [int(k in pooling) for k in ("max", "mean")]
    assert len(texts(ax, "concatenate")) == (len(pooling) == 2)


@pytest.mark.parametrize(
    ("num_steps", "shown", "labels"),
    [(49, 4, [1, 2, 3, 49]), (3, 4, [1, 2, 3]), (4, 4, [1, 2, 3, 4]), (12, 6, [1, 2, 3, 4, 5, 12])],
)
def test_bidirectional_pooling_runs_forward_and_backward_over_the_drawn_steps(num_steps, shown, labels):
    ax = draw_bidirectional_pooling(num_steps, 8, 4, shown_steps=shown)
    assert texts(ax, "input") == [f"$x_{{{t}}}$" for t in labels]
    assert (texts(ax, "ellipsis") != []) == (num_steps > shown)
    forward, backward = patches(ax, "forward", FancyBboxPatch), patches(ax, "backward", FancyBboxPatch)
    assert len(forward) == len(backward) == len(labels)
    assert max(b.get_y() for b in forward) < min(b.get_y() for b in backward)  # the backward row above
    columns = len(labels) + (num_steps > shown)
    for gid, direction in (("forward-state", 1), ("backward-state", -1)):
        states = arrows(ax, gid)
        assert len(states) == columns - 1
        for arrow in states:
            (x0, y0), (x1, y1) = polyline(arrow)[0], polyline(arrow)[-1]
            assert direction * (x1 - x0) > 0 and y0 == pytest.approx(y1)
    # Each drawn step: the two halves of the concatenation, labelled with that step's two states.
    concat = texts(ax, "concat")
    assert sorted(concat) == sorted(
        [rf"$\overrightarrow{{h}}_{{{t}}}$" for t in labels] + [rf"$\overleftarrow{{h}}_{{{t}}}$" for t in labels]
    )
    assert len(patches(ax, "concat", FancyBboxPatch)) == 2 * len(labels)
    # The pooling reads every step: each box sits above the concatenated states, fed by an arrow from below.
    (pool,) = patches(ax, "pool-max", FancyBboxPatch)
    assert pool.get_y() > max(b.get_y() + b.get_height() for b in patches(ax, "concat", FancyBboxPatch))
    assert any(on_box_edge(polyline(a)[-1], pool) and polyline(a)[0][1] < pool.get_y() for a in arrows(ax, "flow"))
    assert f"max over the {num_steps} steps" in texts(ax, "shape-pool-max")[0]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"pooling": ()}, ValueError, "pooling must name 'max', 'mean' or both, once each; got ()"),
        (
            {"pooling": ("max", "max")},
            ValueError,
            "pooling must name 'max', 'mean' or both, once each; got ('max', 'max')",
        ),
        ({"pooling": ("sum",)}, ValueError, "pooling must name 'max', 'mean' or both, once each; got ('sum',)"),
        ({"shown_steps": 1}, ValueError, "shown_steps must be between 2 and 6; got 1"),
        ({"shown_steps": 7}, ValueError, "shown_steps must be between 2 and 6; got 7"),
        ({"num_units": 2.5}, TypeError, "num_units must be an int; got float"),
    ],
)
def test_bidirectional_pooling_rejects_invalid_arguments(kwargs, error, message):
    arguments = {"num_steps": 10, "input_features": 3, "num_units": 4} | kwargs
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        draw_bidirectional_pooling(**arguments)


LESSON_02_STACK = [("GRU", 128, True), ("LSTM", 64, False)]
STACKS = [
    (LESSON_02_STACK, 100, 1),
    ([("LSTM", 8, True), ("GRU", 5, True), ("SimpleRNN", 3, False)], 7, 4),
    ([("GRU", 6, False)], 3, 2),
    ([("LSTM", 4, True)], 5, 3),  # the last layer returns its sequence: Dense at every step
]


def build_stack(stack, num_steps, input_features, dense_units=1):
    import keras

    layers = [keras.Input(shape=(num_steps, input_features))]
    layers += [getattr(keras.layers, kind)(units, return_sequences=seq) for kind, units, seq in stack]
    return keras.Sequential([*layers, keras.layers.Dense(dense_units, activation="sigmoid")])


@pytest.mark.parametrize(("stack", "num_steps", "features"), STACKS)
def test_return_sequences_shapes_are_the_shapes_keras_gives_the_stack(stack, num_steps, features):
    model = build_stack(stack, num_steps, features)
    shapes, _ = keras_output_shapes(model, np.zeros((BATCH, num_steps, features), "float32"))
    ax = draw_return_sequences(stack, num_steps=num_steps, input_features=features)
    drawn = shapes_of(ax, "shape-")
    assert drawn == {
        "0": (BATCH, num_steps, features),
        **{str(i): shape for i, shape in enumerate(list(shapes.values())[:-1], start=1)},
        "dense": list(shapes.values())[-1],
    }
    for index, (kind, units, seq) in enumerate(stack, start=1):
        assert texts(ax, f"layer-{index}")[-1] == f"{kind}({units},\nreturn_sequences={seq})"


@pytest.mark.parametrize(("stack", "num_steps", "features"), STACKS)
def test_return_sequences_hands_up_every_step_or_only_the_last(stack, num_steps, features):
    ax = draw_return_sequences(stack, num_steps=num_steps, input_features=features)
    drawn_steps = min(num_steps, 4)
    assert len(texts(ax, "input")) == drawn_steps and len(arrows(ax, "up-0")) == drawn_steps
    for index, (_, _, seq) in enumerate(stack, start=1):
        cells = sorted(patches(ax, f"layer-{index}", FancyBboxPatch), key=lambda box: box.get_x())
        assert len(cells) == drawn_steps
        up = arrows(ax, f"up-{index}")
        assert len(up) == (drawn_steps if seq else 1)
        starts = [next(i for i, cell in enumerate(cells) if on_box_edge(polyline(a)[0], cell)) for a in up]
        assert sorted(starts) == (list(range(drawn_steps)) if seq else [drawn_steps - 1])  # not seq: the last step
        above = patches(ax, f"layer-{index + 1}", FancyBboxPatch) or patches(ax, "dense", FancyBboxPatch)
        for arrow in up:
            assert any(on_box_edge(polyline(arrow)[-1], box) for box in above)
        assert len(arrows(ax, f"state-{index}")) == drawn_steps - 1 + (num_steps > 4)


def test_return_sequences_for_lesson_02_says_what_each_layer_hands_on():
    ax = draw_return_sequences(LESSON_02_STACK, num_steps=100, input_features=1)
    assert texts(ax, "shape-1") == ["every step: 100 states\n(batch, 100, 128)"]
    assert texts(ax, "shape-2") == ["the last state only\n(batch, 64)"]
    assert texts(ax, "shape-dense") == ["output\n(batch, 1)"]
    assert texts(ax, "dense") == ["Dense(1, sigmoid)"]
    assert texts(ax, "input")[-1] == "$x_{100}$" and texts(ax, "ellipsis")
    assert not ax.axison


@pytest.mark.parametrize(
    ("stack", "kwargs", "error", "message"),
    [
        ([], {}, ValueError, "layers must hold between 1 and 4 recurrent layers; got 0"),
        (
            [("GRU", 4, False), ("LSTM", 3, False)],
            {},
            ValueError,
            "layer 0 (GRU) feeds another recurrent layer, so it needs return_sequences=True: "
            "a recurrent layer reads a sequence (batch, T, features)",
        ),
        ([("Conv1D", 4, False)], {}, ValueError, "layer 0: kind must be 'SimpleRNN', 'GRU' or 'LSTM'; got 'Conv1D'"),
        ([("GRU", 4, 1)], {}, TypeError, "layer 0: return_sequences must be True or False; got 1"),
        ([("GRU", 0, False)], {}, ValueError, "layer 0 units must be between 1 and 1000000000; got 0"),
        ([("GRU", 4, False)], {"shown_steps": 1}, ValueError, "shown_steps must be between 2 and 6; got 1"),
        ([("GRU", 4, False)], {"num_steps": "10"}, TypeError, "num_steps must be an int; got str"),
    ],
)
def test_return_sequences_rejects_invalid_arguments(stack, kwargs, error, message):
    arguments = {"num_steps": 10, "input_features": 2} | kwargs
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        draw_return_sequences(stack, **arguments)
