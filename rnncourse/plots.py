"""Plotting helpers shared by the lessons (matplotlib only)."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np


def plot_norms_by_step(series: Mapping[str, Sequence[float]], *, title: str,
                       xlabel: str = "time step t", ylabel: str = "gradient norm",
                       logy: bool = True, first_step: int = 0, ax: Any = None) -> Any:
    """One line per named series of norms against the step index, on a log scale by default.

    ``first_step`` is the step number of each series' first entry (1 for Jacobian powers W^1...).

    Returns the matplotlib Axes, so a lesson can add to it.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.8))
    for label, values in series.items():
        values = np.asarray(values, dtype=np.float64)
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


def plot_history(histories: Mapping[str, Mapping[str, Sequence[float]]], *, metric: str = "loss",
                 title: str | None = None, ax: Any = None) -> Any:
    """Training and validation curves of one metric for one or more Keras histories.

    ``histories`` maps a model name to ``history.history``. Solid lines are training,
    dashed lines validation (when present).
    """
    import matplotlib.pyplot as plt

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
            ax.plot(epochs, history[f"val_{metric}"], color=color, linestyle="--",
                    label=f"{label} (validation)")
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.set_title(title or metric)
    ax.grid(True, alpha=0.3)
    ax.legend()
    return ax
