"""rnncourse.plots.plot_history: training and validation curves, one colour per model."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rnncourse.plots import plot_history  # noqa: E402

HISTORIES = {
    "small": {"loss": [0.69, 0.55, 0.41], "val_loss": [0.68, 0.60, 0.62]},
    "big": {"loss": [0.70, 0.50, 0.30], "val_loss": [0.66, 0.58, 0.70], "accuracy": [0.5, 0.7, 0.9]},
}


def test_one_solid_training_and_one_dashed_validation_line_per_model():
    ax = plot_history(HISTORIES, metric="loss", title="study")
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"small (train)", "small (validation)", "big (train)", "big (validation)"}
    np.testing.assert_array_equal(lines["big (train)"].get_xdata(), [1, 2, 3])  # epochs count from 1
    np.testing.assert_allclose(lines["big (validation)"].get_ydata(), [0.66, 0.58, 0.70])
    assert lines["small (train)"].get_linestyle() == "-" and lines["small (validation)"].get_linestyle() == "--"
    assert lines["small (train)"].get_color() == lines["small (validation)"].get_color()
    assert lines["small (train)"].get_color() != lines["big (train)"].get_color()
    assert ax.get_title() == "study" and ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"
    plt.close("all")


def test_epoch_ticks_are_whole_numbers():
    _, ax = plt.subplots()
    plot_history({"two epochs": {"loss": [0.7, 0.6], "val_loss": [0.7, 0.65]}}, ax=ax)
    ax.figure.canvas.draw()
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks), ticks
    plt.close("all")


def test_a_history_without_validation_draws_training_only():
    ax = plot_history({"big": HISTORIES["big"]}, metric="accuracy")
    assert [line.get_label() for line in ax.get_lines()] == ["big (train)"]
    plt.close("all")


def test_a_missing_metric_names_what_the_history_has():
    with pytest.raises(KeyError, match=r"'small' has no 'accuracy'; it has \['loss', 'val_loss'\]"):
        plot_history(HISTORIES, metric="accuracy")
    plt.close("all")
