"""rnncourse.plots for lesson 05: perplexity by epoch, next-word distributions.

The two data plots are read from their lines, bars and texts. Lesson 05's diagram, the windows of
stateful TBPTT, is tested in tests/test_diagrams.py.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import re  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from rnncourse.plots import plot_next_word_distributions, plot_perplexity_by_epoch  # noqa: E402

pytestmark = pytest.mark.usefixtures("close_figures")  # tests/conftest.py


def texts(ax, gid):
    return [text.get_text() for text in ax.texts if text.get_gid() == gid]


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
