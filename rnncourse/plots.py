"""The plots of data shared by the lessons (matplotlib only).

* :func:`plot_norms_by_step`: gradient norms by time step (lessons 01 and 02);
* :func:`plot_history`: training and validation curves, one colour per model (lesson 04);
* :func:`pca_project` and :func:`plot_words_2d`: word vectors in two dimensions, labels nudged apart
  by :func:`spread_labels` (lesson 03);
* :func:`plot_perplexity_by_epoch` and :func:`plot_next_word_distributions`: lesson 05.

The drawn diagrams (the unrolled SimpleRNN, the LSTM and GRU cells, the TBPTT windows) are in
:mod:`rnncourse.diagrams`; the plots here use its ``_new_or_given_axes`` and ``_text``.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .diagrams import _new_or_given_axes, _text

if TYPE_CHECKING:
    from matplotlib.axes import Axes


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


def _text_extents(texts: Sequence[Any], renderer: Any) -> np.ndarray:
    """The display-space boxes (x0, y0, x1, y1) of the texts alone (an annotation's arrow left out)."""
    from matplotlib.text import Text

    return np.array([Text.get_window_extent(text, renderer).extents for text in texts], dtype=np.float64)


def spread_labels(
    texts: Sequence[Any],
    *,
    markers: Any = None,
    marker_radius: float = 4.0,
    padding: float = 2.0,
    max_rounds: int = 300,
) -> np.ndarray:
    """Nudge overlapping annotations apart, deterministically; return their offsets in points.

    ``texts`` are annotations placed with ``textcoords="offset points"`` on one figure. Each round
    finds every pair whose boxes (grown by ``padding`` pixels) overlap and pushes the two apart
    along the axis where they overlap less, each by half the overlap (ties and equal positions
    broken by their order in ``texts``), until no pair overlaps or ``max_rounds`` have run. The
    points the labels annotate do not move. ``markers`` (data coordinates, shape ``(n, 2)``), if
    given, are squares of half-width ``marker_radius`` pixels that a label is pushed off (alone:
    a marker does not move); label pairs come first, so two labels never end up overlapping to
    clear a marker.

    The boxes are measured in the figure's current layout; a label placement survives changes of
    the figure's size only approximately.
    """
    if not texts:
        return np.zeros((0, 2))
    figure = texts[0].figure
    figure.draw_without_rendering()  # applies the autoscaled limits, so positions are final
    renderer = figure.canvas.get_renderer()
    to_points = 72.0 / figure.dpi
    offsets = np.array([text.xyann for text in texts], dtype=np.float64)
    obstacles = np.zeros((0, 4))
    if markers is not None:
        centres = texts[0].axes.transData.transform(np.asarray(markers, dtype=np.float64).reshape(-1, 2))
        obstacles = np.hstack([centres - marker_radius, centres + marker_radius])
    for round_index in range(max_rounds):
        boxes = _text_extents(texts, renderer)
        boxes[:, :2] -= padding
        boxes[:, 2:] += padding
        moves = np.zeros_like(offsets)
        if round_index < max_rounds // 2:  # the markers only in the first half: labels apart is what counts
            for i, j in np.argwhere(
                (
                    np.minimum(boxes[:, None, 2], obstacles[None, :, 2])
                    > np.maximum(boxes[:, None, 0], obstacles[None, :, 0])
                )
                & (
                    np.minimum(boxes[:, None, 3], obstacles[None, :, 3])
                    > np.maximum(boxes[:, None, 1], obstacles[None, :, 1])
                )
            ):
                overlap_x = min(boxes[i, 2], obstacles[j, 2]) - max(boxes[i, 0], obstacles[j, 0])
                overlap_y = min(boxes[i, 3], obstacles[j, 3]) - max(boxes[i, 1], obstacles[j, 1])
                axis = 1 if overlap_y <= overlap_x else 0
                sign = (
                    1.0 if boxes[i, axis] + boxes[i, axis + 2] >= obstacles[j, axis] + obstacles[j, axis + 2] else -1.0
                )
                moves[i, axis] += sign * ((overlap_y if axis else overlap_x) + 0.5)
        for i in range(len(texts)):
            for j in range(i + 1, len(texts)):
                overlap_x = min(boxes[i, 2], boxes[j, 2]) - max(boxes[i, 0], boxes[j, 0])
                overlap_y = min(boxes[i, 3], boxes[j, 3]) - max(boxes[i, 1], boxes[j, 1])
                if overlap_x <= 0 or overlap_y <= 0:
                    continue
                centre_i, centre_j = boxes[i, :2] + boxes[i, 2:], boxes[j, :2] + boxes[j, 2:]
                axis = 1 if overlap_y <= overlap_x else 0  # the cheaper direction, vertical on a tie
                step = (overlap_y if axis else overlap_x) / 2 + 0.5
                sign = 1.0 if centre_j[axis] >= centre_i[axis] else -1.0  # j above (or right of) i moves up
                moves[j, axis] += sign * step
                moves[i, axis] -= sign * step
        if not moves.any():
            break
        offsets += moves * to_points
        for text, offset in zip(texts, offsets):
            text.xyann = tuple(offset)
    return offsets


def plot_words_2d(
    words: Sequence[str],
    vectors: Any,
    groups: Sequence[str] | None = None,
    *,
    title: str = "Word vectors, first two principal components",
    spread: bool = True,
    ax: Any = None,
) -> Any:
    """Scatter plot of word vectors projected to 2-D with :func:`pca_project`, each point labelled.

    Each label starts 4 points right of and 3 points above its point; with ``spread`` (the default)
    :func:`spread_labels` then nudges the labels apart until no two overlap, and a label that had
    to move more than 8 points from its start gets a thin line to its point.

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
    spread : bool, default True
        Nudge overlapping labels apart.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes, so a lesson can add to it; ``ax.texts`` are the labels, in the order of ``words``.
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
    colours = {group: f"C{index}" for index, group in enumerate(dict.fromkeys(labels))}
    for group, colour in colours.items():
        rows = [i for i, g in enumerate(labels) if g == group]
        ax.scatter(coords[rows, 0], coords[rows, 1], color=colour, label=group or None, s=30)
    start = (4.0, 3.0)
    annotations = [
        ax.annotate(word, coords[i], textcoords="offset points", xytext=start, fontsize=9, color=colours[labels[i]])
        for i, word in enumerate(words)
    ]
    ax.set_xlabel("principal component 1")
    ax.set_ylabel("principal component 2")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    if groups is not None:
        ax.legend(loc="best", fontsize=9)
    if spread:
        offsets = spread_labels(annotations, markers=coords)
        for annotation in annotations:  # drawn again, in the same order, at their new places
            annotation.remove()
        for i, offset in enumerate(offsets):
            arrow = None
            if np.hypot(*(offset - start)) > 8:  # far from its point: a leader line says whose label it is
                arrow = {"arrowstyle": "-", "color": colours[labels[i]], "linewidth": 0.6, "shrinkA": 0, "shrinkB": 3}
            ax.annotate(
                words[i],
                coords[i],
                textcoords="offset points",
                xytext=tuple(offset),
                fontsize=9,
                color=colours[labels[i]],
                arrowprops=arrow,
            )
    return ax


# ---------------------------------------------------------------------------------------------
# Lesson 05: the validation perplexity by epoch and the next-word distributions.
# ---------------------------------------------------------------------------------------------


def plot_perplexity_by_epoch(
    perplexities: Sequence[float],
    baselines: Mapping[str, float],
    *,
    label: str = "GRU language model",
    ax: Axes | None = None,
) -> Axes:
    """Validation perplexity per epoch, against the baselines' perplexities as dashed lines.

    Used by lesson 05, section 5 (training the GRU language model).

    ``perplexities[i]`` is drawn at epoch ``i + 1`` (markers and a line, gid ``"perplexity"``,
    labelled ``label``). Each baseline is a horizontal dashed line (gid ``"baseline"``) at its
    value, in the legend as its name and value, such as ``"bigram (add-k) 231.7"``. The x ticks are
    whole epochs; the y-axis is logarithmic when the largest value shown is more than 10 times the
    smallest.

    Parameters
    ----------
    perplexities : sequence of float
        The model's validation perplexity after each epoch (at least one, each finite and positive).
    baselines : mapping of str to float
        Name and perplexity of each baseline (may be empty).
    label : str, default "GRU language model"
        The model's name in the legend.
    ax : matplotlib Axes, optional
        Where to draw; a new 7 x 3.8 inch figure by default.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes, so a lesson can add to it.

    Raises
    ------
    ValueError
        If ``perplexities`` is empty or not one-dimensional, or a value is not finite and positive.
    """
    from matplotlib.ticker import MaxNLocator

    values = np.asarray(perplexities, dtype=np.float64)
    if values.ndim != 1 or len(values) == 0:
        raise ValueError(f"perplexities must be a non-empty sequence of numbers; got shape {values.shape}")
    if not np.all(np.isfinite(values) & (values > 0)):
        raise ValueError(f"perplexities must be finite and positive; got {values.tolist()}")
    levels = {name: float(value) for name, value in baselines.items()}
    for name, value in levels.items():
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"baseline {name!r} must be a finite, positive perplexity; got {value}")

    ax = _new_or_given_axes(ax, (7.0, 3.8), "plot_perplexity_by_epoch")
    epochs = np.arange(1, len(values) + 1)
    (line,) = ax.plot(epochs, values, marker="o", linewidth=2, color="C0", label=label)
    line.set_gid("perplexity")
    for index, (name, value) in enumerate(levels.items(), start=1):
        baseline = ax.axhline(value, linestyle="--", linewidth=1.5, color=f"C{index}", label=f"{name} {value:.1f}")
        baseline.set_gid("baseline")
    shown = np.concatenate([values, list(levels.values())])
    if shown.max() / shown.min() > 10:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no "epoch 1.5"
    ax.set_ylabel("perplexity (validation)")
    ax.set_title("Validation perplexity by epoch (lower is better)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return ax


def plot_next_word_distributions(
    distributions: Mapping[str, Sequence[float]],
    words: Sequence[str],
    *,
    top: int = 12,
    ax: Axes | None = None,
) -> Axes:
    """Grouped bars: the probability of the most likely next words under several distributions.

    Used by lesson 05, section 7 (sampling with a temperature).

    ``distributions`` maps a label such as ``"T = 0.5"`` to a probability vector over the
    vocabulary ``words``. The ``top`` words most likely under the *first* distribution are shown,
    most likely first (ties in vocabulary order), one group of bars per word, one bar and colour
    per distribution (``ax.containers[j]`` is distribution ``j``, labelled with its key). A note in
    the upper left (gid ``"rest-mass"``) gives, for each distribution, the probability of all the
    other words.

    Parameters
    ----------
    distributions : mapping of str to sequence of float
        At least one; each as long as ``words``, finite, non-negative and summing to 1 (within 1e-6).
    words : sequence of str
        The vocabulary, in the order of the probability vectors.
    top : int, default 12
        How many words to show (all of them if the vocabulary is smaller).
    ax : matplotlib Axes, optional
        Where to draw; a new 8 x 4.2 inch figure by default.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes, so a lesson can add to it.

    Raises
    ------
    ValueError
        If there is no distribution, ``top`` is not positive, or a distribution (named in the message)
        has the wrong length or is not a probability vector.
    TypeError
        If ``top`` is not an int.
    """
    if isinstance(top, bool) or not isinstance(top, numbers.Integral):
        raise TypeError(f"top must be an int; got {type(top).__name__}")
    if top < 1:
        raise ValueError(f"top must be at least 1; got {top}")
    if not distributions:
        raise ValueError("distributions is empty; give at least one probability vector")
    vectors: dict[str, np.ndarray] = {}
    for name, raw in distributions.items():
        probs = np.asarray(raw, dtype=np.float64)
        if probs.ndim != 1 or len(probs) != len(words):
            raise ValueError(f"distribution {name!r} has shape {probs.shape}, but there are {len(words)} words")
        if not np.all(np.isfinite(probs)) or np.any(probs < 0):
            raise ValueError(f"distribution {name!r} has probabilities that are negative, infinite or NaN")
        if abs(probs.sum() - 1.0) > 1e-6:
            raise ValueError(f"distribution {name!r} sums to {probs.sum():.8g}, not 1")
        vectors[name] = probs

    shown = np.argsort(-next(iter(vectors.values())), kind="stable")[: min(int(top), len(words))]
    ax = _new_or_given_axes(ax, (8.0, 4.2), "plot_next_word_distributions")
    positions = np.arange(len(shown))
    width = 0.8 / len(vectors)
    rest_lines = [f"probability outside these {len(shown)} words:"]
    for index, (name, probs) in enumerate(vectors.items()):
        offset = (index - (len(vectors) - 1) / 2) * width
        ax.bar(positions + offset, probs[shown], width=width, color=f"C{index}", label=name)
        rest_lines.append(f"{name}: {max(1.0 - float(probs[shown].sum()), 0.0):.3f}")
    ax.set_xticks(positions)
    ax.set_xticklabels([words[i] for i in shown], rotation=45, ha="right")
    ax.set_xlim(-0.6, len(shown) - 0.4)
    highest = max(float(probs[shown].max()) for probs in vectors.values())
    ax.set_ylim(0, max(highest, 1e-12) * (1.3 + 0.1 * len(vectors)))  # room for the note and the legend
    _text(ax, 0.02, 0.97, "\n".join(rest_lines), "rest-mass", ha="left", va="top", fontsize=9, transform=ax.transAxes)
    ax.set_ylabel("probability")
    ax.set_title(f"The {len(shown)} most likely next words under {next(iter(vectors))}, and their probabilities")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(loc="upper right")
    return ax
