"""rnncourse.plots for lesson 05: the windows of stateful TBPTT, perplexity by epoch, next-word distributions.

The diagram is read like the ones of tests/test_plots_diagrams.py: by the gids of its boxes, texts
and arrows and by where each arrow starts and ends; its token labels are compared with the
reference answer of the ``make_windows`` exercise. The two data plots are read from their lines,
bars and texts.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import re  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402
from matplotlib.path import Path  # noqa: E402

from rnncourse.checks.l05_language_model.make_windows import reference as make_windows  # noqa: E402
from rnncourse.plots import (  # noqa: E402
    draw_tbptt_windows,
    plot_next_word_distributions,
    plot_perplexity_by_epoch,
)

TOLERANCE = 0.05  # inches: an arrowhead's tip stops a little short of its end point
DASH = "\N{EN DASH}"
SHAPES = [(3, 3, 4), (2, 4, 3), (1, 2, 5), (4, 1, 2), (6, 2, 1)]  # (batch_size, num_windows, window)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def texts(ax, gid):
    return [text.get_text() for text in ax.texts if text.get_gid() == gid]


def boxes(ax, prefix):
    return {p.get_gid(): p for p in ax.patches if isinstance(p, FancyBboxPatch) and p.get_gid().startswith(prefix)}


def arrows(ax, prefix):
    return {p.get_gid(): p for p in ax.patches if isinstance(p, FancyArrowPatch) and p.get_gid().startswith(prefix)}


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


def token_range(tokens):
    return f"t{tokens[0]}" if len(tokens) == 1 else f"t{tokens[0]}{DASH}t{tokens[-1]}"


def reference_windows(batch_size, num_windows, window):
    """The reference's (inputs, targets) for a stream of distinct tokens 0, 1, ... just long enough."""
    stream = np.arange(batch_size * num_windows * window + 1)
    inputs, targets = make_windows(stream, batch_size, window)
    assert inputs.shape == (num_windows, batch_size, window)  # the picture's stream fills every window
    return inputs, targets


# --- draw_tbptt_windows ----------------------------------------------------------------------


@pytest.mark.parametrize(("batch_size", "num_windows", "window"), SHAPES)
def test_tbptt_windows_hold_the_tokens_of_the_make_windows_reference(batch_size, num_windows, window):
    ax = draw_tbptt_windows(batch_size=batch_size, num_windows=num_windows, window=window)
    inputs, _ = reference_windows(batch_size, num_windows, window)
    cells = boxes(ax, "window-")
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
    cells = boxes(ax, "window-")
    state = arrows(ax, "state-arrow-")
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
    tokens = boxes(ax, "stream-token-")
    assert len(tokens) == length
    order = sorted(range(length), key=lambda i: tokens[f"stream-token-{i}"].get_x())
    assert order == list(range(length))  # t0, t1, ... from left to right
    assert [texts(ax, f"stream-token-{i}") for i in range(length)] == [[f"t{i}"] for i in range(length)]
    row_fills = [to_rgba(boxes(ax, f"window-{b}-0")[f"window-{b}-0"].get_facecolor()) for b in range(batch_size)]
    assert len(set(row_fills)) == batch_size
    for b in range(batch_size):
        for token in inputs[:, b].ravel():
            assert to_rgba(tokens[f"stream-token-{token}"].get_facecolor()) == row_fills[b]
        # The bracket under row b spans exactly its tokens.
        (bracket,) = arrows(ax, f"stream-row-{b}").values()
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
    assert len(boxes(ax, "window-")) == 9 and len(arrows(ax, "state-arrow-")) == 6
    width, height = ax.figure.get_size_inches()
    assert 8.5 <= width <= 11 and 3.5 <= height <= 5.5
    _, given = plt.subplots()
    assert draw_tbptt_windows(batch_size=2, num_windows=2, window=2, ax=given) is given
    assert len(boxes(given, "window-")) == 4


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


# --- plot_perplexity_by_epoch ----------------------------------------------------------------

BASELINES = {"unigram (add-k)": 403.5, "bigram (add-k)": 231.7}


def test_perplexity_line_per_epoch_and_one_dashed_line_per_baseline():
    ax = plot_perplexity_by_epoch([310.0, 221.4, 190.2, 183.5], BASELINES, label="GRU 128")
    (model,) = [line for line in ax.get_lines() if line.get_gid() == "perplexity"]
    np.testing.assert_array_equal(model.get_xdata(), [1, 2, 3, 4])
    np.testing.assert_allclose(model.get_ydata(), [310.0, 221.4, 190.2, 183.5])
    assert model.get_label() == "GRU 128" and model.get_marker() not in (None, "None", "")
    assert model.get_linestyle() == "-"
    baselines = [line for line in ax.get_lines() if line.get_gid() == "baseline"]
    assert [line.get_label() for line in baselines] == ["unigram (add-k) 403.5", "bigram (add-k) 231.7"]
    for line, value in zip(baselines, BASELINES.values()):
        np.testing.assert_allclose(line.get_ydata(), [value, value])  # horizontal, at the baseline's value
        assert line.get_linestyle() == "--"
    assert len({line.get_color() for line in [model, *baselines]}) == 3
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == ["GRU 128", "unigram (add-k) 403.5", "bigram (add-k) 231.7"]
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "perplexity (validation)"
    assert ax.get_yscale() == "linear"  # 403.5 / 183.5 < 10


def test_perplexity_uses_a_log_scale_when_values_span_more_than_a_factor_10():
    assert plot_perplexity_by_epoch([4000.0, 900.0, 380.0], {}).get_yscale() == "log"
    assert plot_perplexity_by_epoch([900.0, 380.0], {"uniform": 5002.0}).get_yscale() == "log"  # baselines count
    assert plot_perplexity_by_epoch([900.0, 380.0], {"bigram": 95.0}).get_yscale() == "linear"  # 9.47 <= 10
    assert plot_perplexity_by_epoch([200.0], {}).get_yscale() == "linear"


def test_perplexity_epoch_ticks_are_whole_numbers_and_a_given_axes_is_used():
    _, ax = plt.subplots()
    assert plot_perplexity_by_epoch([250.0, 240.0], {"bigram": 231.7}, ax=ax) is ax
    ax.figure.canvas.draw()
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks), ticks


@pytest.mark.parametrize(
    ("perplexities", "baselines", "message"),
    [
        ([], {}, "perplexities must be a non-empty sequence of numbers; got shape (0,)"),
        ([[200.0, 190.0]], {}, "perplexities must be a non-empty sequence of numbers; got shape (1, 2)"),
        ([200.0, float("nan")], {}, "perplexities must be finite and positive; got [200.0, nan]"),
        ([200.0, 0.0], {}, "perplexities must be finite and positive; got [200.0, 0.0]"),
        ([200.0], {"bigram": float("inf")}, "baseline 'bigram' must be a finite, positive perplexity; got inf"),
        ([200.0], {"bigram": -1.0}, "baseline 'bigram' must be a finite, positive perplexity; got -1.0"),
    ],
)
def test_perplexity_rejects_invalid_values(perplexities, baselines, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        plot_perplexity_by_epoch(perplexities, baselines)
    assert plt.get_fignums() == []


# --- plot_next_word_distributions ------------------------------------------------------------

WORDS = ["the", "a", "movie", "film", "<eos>", "[UNK]", "was", "is", "and", "of"]
COLD = np.array([0.30, 0.02, 0.20, 0.05, 0.10, 0.01, 0.15, 0.04, 0.08, 0.05])  # ranks: the movie was eos and ...
HOT = np.array([0.12, 0.09, 0.11, 0.10, 0.10, 0.08, 0.10, 0.09, 0.01, 0.20])  # "of" first, "and" last


def bars(ax):
    """Per container (one per distribution): its label, the bars' centres and their heights."""
    return [
        (container.get_label(), [r.get_x() + r.get_width() / 2 for r in container], [r.get_height() for r in container])
        for container in ax.containers
    ]


def test_bars_show_the_top_words_of_the_first_distribution_in_order():
    ax = plot_next_word_distributions({"T = 0.5": COLD, "T = 1.5": HOT}, WORDS, top=4)
    top_words = ["the", "movie", "was", "<eos>"]  # by COLD, not by HOT (which would start with "of")
    assert [label.get_text() for label in ax.get_xticklabels()] == top_words
    assert all(label.get_rotation() != 0 for label in ax.get_xticklabels())
    index = [WORDS.index(word) for word in top_words]
    drawn = bars(ax)
    assert [label for label, _, _ in drawn] == ["T = 0.5", "T = 1.5"]
    np.testing.assert_allclose(drawn[0][2], COLD[index])
    np.testing.assert_allclose(drawn[1][2], HOT[index])
    # Each word's group of bars sits at its tick, one colour per distribution.
    for _, centres, _ in drawn:
        np.testing.assert_allclose(centres, ax.get_xticks(), atol=0.45)
    assert drawn[0][1][0] < drawn[1][1][0]
    colours = [to_rgba(container[0].get_facecolor()) for container in ax.containers]
    assert colours[0] != colours[1]
    assert all(to_rgba(r.get_facecolor()) == colours[1] for r in ax.containers[1])
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["T = 0.5", "T = 1.5"]
    assert ax.get_ylabel() == "probability"


def test_rest_mass_is_the_probability_outside_the_words_shown():
    ax = plot_next_word_distributions({"T = 0.5": COLD, "T = 1.5": HOT, "T = 1": COLD[::-1]}, WORDS, top=3)
    (note,) = texts(ax, "rest-mass")
    shown = [0, 2, 6]  # the, movie, was
    found = dict(re.findall(r"^(T = [\d.]+): (\d\.\d{3})$", note, flags=re.MULTILINE))
    assert found == {
        "T = 0.5": f"{1 - COLD[shown].sum():.3f}",  # 0.350
        "T = 1.5": f"{1 - HOT[shown].sum():.3f}",  # 0.570
        "T = 1": f"{1 - COLD[::-1][shown].sum():.3f}",  # 0.860
    }
    assert "outside these 3 words" in note


def test_all_words_when_top_exceeds_the_vocabulary_and_ties_keep_vocabulary_order():
    flat = np.full(len(WORDS), 0.1)
    ax = plot_next_word_distributions({"uniform": flat}, WORDS)  # top=12 > 10 words
    assert [label.get_text() for label in ax.get_xticklabels()] == WORDS
    (note,) = texts(ax, "rest-mass")
    assert note.endswith("uniform: 0.000")


def test_next_word_distributions_draw_on_a_given_axes_and_accept_a_numpy_top():
    _, ax = plt.subplots()
    assert plot_next_word_distributions({"T = 1": COLD}, WORDS, top=np.int64(2), ax=ax) is ax
    assert [label.get_text() for label in ax.get_xticklabels()] == ["the", "movie"]


@pytest.mark.parametrize(
    ("distributions", "top", "error", "message"),
    [
        ({}, 12, ValueError, "distributions is empty; give at least one probability vector"),
        (
            {"T = 1": COLD, "T = 2": HOT[:9]},
            12,
            ValueError,
            "distribution 'T = 2' has shape (9,), but there are 10 words",
        ),
        ({"T = 1": COLD * 1.01}, 12, ValueError, "distribution 'T = 1' sums to 1.01, not 1"),
        (
            {"T = 1": np.where(np.arange(10) == 0, np.nan, COLD)},
            12,
            ValueError,
            "distribution 'T = 1' has probabilities that are negative, infinite or NaN",
        ),
        (
            {"T = 0.5": COLD, "greedy": np.r_[1.1, -0.1, np.zeros(8)]},
            12,
            ValueError,
            "distribution 'greedy' has probabilities that are negative, infinite or NaN",
        ),
        ({"T = 1": COLD}, 0, ValueError, "top must be at least 1; got 0"),
        ({"T = 1": COLD}, 2.0, TypeError, "top must be an int; got float"),
    ],
)
def test_next_word_distributions_reject_invalid_arguments(distributions, top, error, message):
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        plot_next_word_distributions(distributions, WORDS, top=top)
    assert plt.get_fignums() == []


def test_a_sum_within_one_millionth_of_1_is_accepted():
    nearly = COLD.copy()
    nearly[0] += 5e-7
    ax = plot_next_word_distributions({"T = 1": nearly}, WORDS, top=1)
    assert ax.containers[0][0].get_height() == pytest.approx(0.3000005)
