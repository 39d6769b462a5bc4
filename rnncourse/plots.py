"""Plotting helpers shared by the lessons (matplotlib only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


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
