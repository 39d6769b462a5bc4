"""Training helpers for lesson 04: train a compiled model, time it, and choose its step size.

* :func:`fit_and_evaluate` and its :class:`TrainResult`: ``model.fit`` timed, then one
  evaluation on the test set;
* :func:`early_stopping`, :func:`epoch_progress`: the callbacks the lesson passes to ``fit``;
* :func:`cosine_schedule`: the final RNN's learning rate, decaying along a half cosine;
* :func:`learning_rate_range_test` and its :class:`RangeTestResult`: Leslie Smith's range test.

Used by lesson 04 (``solutions/04_sentiment``: all of them) and ``make bench``
(``bench/variants.py``: ``fit_and_evaluate``, ``early_stopping``, ``cosine_schedule``;
``bench/final_comparison.py``: ``cosine_schedule``). TensorFlow and Keras are imported inside
the functions.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "RangeTestResult",
    "TrainResult",
    "cosine_schedule",
    "early_stopping",
    "epoch_progress",
    "fit_and_evaluate",
    "learning_rate_range_test",
]


def epoch_progress(name: str, epochs: int) -> Any:
    """A callback that prints one line per finished epoch: ``name: epoch k/epochs, loss ..., accuracy ...``.

    ``model.fit(verbose=0)`` prints nothing for the minute a long fit can take; this tells the
    reader it is running and how it goes (validation figures too, when there are any).
    """
    import keras

    def report(epoch: int, logs: Mapping[str, float] | None) -> None:
        shown = ", ".join(f"{key} {value:.3f}" for key, value in (logs or {}).items() if "loss" in key or "acc" in key)
        print(f"{name}: epoch {epoch + 1}/{epochs}, {shown}", flush=True)

    return keras.callbacks.LambdaCallback(on_epoch_end=report)


def cosine_schedule(learning_rate: float, *, epochs: int, num_train: int, batch_size: int) -> Any:
    """Adam's step size falling from ``learning_rate`` to 0 along a half cosine over the whole training.

    ``keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps)`` with one decay step per
    batch of ``epochs`` epochs over ``num_train`` examples. Large steps early, small steps at the
    end: the last weights sit in a minimum instead of bouncing around it, so the accuracy after
    the last epoch depends less on where the final batch left them. Pass it to
    :func:`.builders.compile_classifier` as ``learning_rate``.
    """
    import keras

    steps = epochs * int(np.ceil(num_train / batch_size))
    if steps < 1:
        raise ValueError(f"need at least one training step; got epochs={epochs}, num_train={num_train}")
    return keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps)


def early_stopping(patience: int) -> Any:
    """Stop when the validation loss has not improved for ``patience`` epochs; keep the best weights.

    ``keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience,
    restore_best_weights=True)``. In Keras 3 the best epoch's weights are restored at the end
    of training whether or not it stopped early.
    """
    import keras

    return keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)


@dataclass(frozen=True)
class TrainResult:
    """What :func:`fit_and_evaluate` measured for one model."""

    params: int
    train_seconds: float
    test_loss: float
    test_accuracy: float
    history: Mapping[str, Sequence[float]] = field(repr=False)


def fit_and_evaluate(
    model: Any,
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    *,
    epochs: int,
    batch_size: int,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    callbacks: Sequence[Any] = (),
) -> TrainResult:
    """Train a compiled ``model``, time ``model.fit`` and evaluate it on ``test``.

    Parameters
    ----------
    model : keras.Model
        Compiled with an ``"accuracy"`` metric (:func:`.builders.compile_classifier`).
    train, test : (x, y)
        Training and test arrays.
    epochs, batch_size : int
        Passed to ``model.fit`` (``verbose=0``, shuffled each epoch).
    validation_data : (x, y), optional
        Evaluated after every epoch; its curves land in ``history`` as ``val_loss`` and
        ``val_accuracy``. Never pass the test set here.
    callbacks : sequence of keras.callbacks.Callback, optional
        Passed to ``model.fit``, e.g. :func:`early_stopping`.

    Returns
    -------
    TrainResult
        Parameter count, wall time of ``model.fit`` in seconds (it includes the first call's
        graph tracing and, with ``validation_data``, the validation after each epoch), test
        loss and accuracy, and ``history.history``.
    """
    x_train, y_train = train
    x_test, y_test = test
    start = time.perf_counter()
    history = model.fit(
        x_train,
        y_train,
        epochs=epochs,
        batch_size=batch_size,
        validation_data=validation_data,
        callbacks=list(callbacks),
        verbose=0,
    )
    seconds = time.perf_counter() - start
    # The training batch size lets evaluate() reuse the function traced for validation.
    test_loss, test_accuracy = model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0)[:2]
    return TrainResult(
        int(model.count_params()), float(seconds), float(test_loss), float(test_accuracy), dict(history.history)
    )


@dataclass(frozen=True)
class RangeTestResult:
    """What :func:`learning_rate_range_test` measured: one learning rate and one loss per step."""

    learning_rates: np.ndarray
    losses: np.ndarray
    diverged: bool = False  # the test stopped early: the loss passed ``divergence`` times its lowest

    @property
    def diverged_at(self) -> float | None:
        """The learning rate of the step at which the loss diverged, or None if it never did."""
        return float(self.learning_rates[-1]) if self.diverged else None

    def smoothed(self, beta: float = 0.9) -> np.ndarray:
        """Bias-corrected exponential moving average of ``losses`` (as fastai's LR finder plots it)."""
        out, average = np.empty_like(self.losses), 0.0
        for step, loss in enumerate(self.losses):
            average = beta * average + (1 - beta) * float(loss)
            out[step] = average / (1 - beta ** (step + 1))
        return out

    def steepest(self, beta: float = 0.9) -> float:
        """The learning rate at which the smoothed loss falls fastest per factor of learning rate.

        Only the steps up to the smoothed loss's lowest point count: after it the loss turns up, and
        a dip on the way to divergence is not a good learning rate (fastai's finder does the same).
        """
        smooth = self.smoothed(beta)
        last = max(int(np.argmin(smooth)), 1) + 1  # through the lowest point, and at least two steps
        slopes = np.gradient(smooth[:last], np.log(self.learning_rates[:last]))
        return float(self.learning_rates[int(np.argmin(slopes))])


def learning_rate_range_test(
    model: Any,
    x: np.ndarray,
    y: np.ndarray,
    *,
    min_learning_rate: float = 1e-5,
    max_learning_rate: float = 1.0,
    batch_size: int = 128,
    num_steps: int | None = None,
    divergence: float = 4.0,
) -> RangeTestResult:
    """Train ``model`` for one pass while the learning rate grows geometrically; record each step's loss.

    Leslie Smith's learning-rate range test (2017; fastai's "LR finder"): step ``k`` of ``n`` uses
    ``min_learning_rate * (max_learning_rate / min_learning_rate) ** (k / (n - 1))``. Where the loss
    falls fastest is a good learning rate; where it shoots up, training diverges. The test stops
    early once the loss exceeds ``divergence`` times the lowest loss seen.

    Parameters
    ----------
    model : keras.Model
        Compiled with an optimizer whose ``learning_rate`` is a plain number (not a schedule).
        The test **changes its weights**: build a fresh model for the real training.
    x, y : numpy.ndarray
        Training data; batches are taken in order, ``batch_size`` rows each, so shuffle first.
    num_steps : int, optional
        Steps of the test (default: as many full batches as ``x`` holds). More steps than full
        batches go round the batches again, so a small data set still gets enough learning rates
        per decade for a slope.

    Returns
    -------
    RangeTestResult
        The learning rate and the training loss (of that batch, before the step) of each step
        taken, and whether the test stopped because the loss diverged.
    """
    full_batches = len(x) // batch_size
    num_steps = full_batches if num_steps is None else num_steps
    if full_batches < 1 or num_steps < 2:
        raise ValueError(
            f"need at least one full batch of {batch_size} rows in x ({len(x)} rows) and num_steps >= 2; "
            f"got num_steps={num_steps}"
        )
    if not 0 < min_learning_rate < max_learning_rate:
        raise ValueError(
            f"need 0 < min_learning_rate < max_learning_rate; got {min_learning_rate}, {max_learning_rate}"
        )
    rates = min_learning_rate * (max_learning_rate / min_learning_rate) ** (np.arange(num_steps) / (num_steps - 1))
    losses: list[float] = []
    diverged = False
    for step, rate in enumerate(rates):
        model.optimizer.learning_rate.assign(float(rate))
        batch = step % full_batches
        rows = slice(batch * batch_size, (batch + 1) * batch_size)
        logs = model.train_on_batch(x[rows], y[rows], return_dict=True)  # metrics reset: this batch only
        losses.append(float(logs["loss"]))
        if not np.isfinite(losses[-1]) or losses[-1] > divergence * min(losses):
            diverged = True
            break
    return RangeTestResult(np.asarray(rates[: len(losses)]), np.asarray(losses), diverged)
