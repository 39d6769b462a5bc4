"""Exercise ``train_memory_model``: compile and train a model on the long-lag task, settings chosen by the student.

``train_memory_model(model, x, y, epochs)`` compiles ``model`` with an optimizer, a loss and the
accuracy metric of the student's choosing, fits it for ``epochs`` epochs and returns it. The check
builds a fresh gated model and a long-lag task of its own, calls the function, and grades the
outcome: the accuracy on sequences the student's code never saw. It names a loss that does not
fit a sigmoid output, and when the accuracy falls short it says what the chosen settings did (how
many updates of what size, or a loss that blew up).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._core import call_student, fail, report_pass

NAME = "train_memory_model"

_LOSS_HINT = (
    "a 0/1 label and one sigmoid output: the loss is the negative log-likelihood of that label under the predicted "
    "probability (Keras's probabilistic losses)."
)
# What is wrong with a loss, for the losses a student is likely to try on a sigmoid output.
_WRONG_LOSSES = {
    "mean_squared_error": "it measures the probability's distance to the label as a number; through the sigmoid its "
    "gradient carries a factor sigmoid'(z), which vanishes when the output is confidently wrong",
    "mean_absolute_error": "it measures the probability's distance to the label as a number; its gradient has the "
    "same size for a nearly right and a badly wrong prediction, times a sigmoid'(z) that vanishes when the output "
    "is confidently wrong",
    "categorical_crossentropy": "it normalises the outputs over the units, and one unit divided by itself is 1: the "
    "loss is 0 for every sequence and nothing is learned",
    "sparse_categorical_crossentropy": "it expects one output unit per class, here two",
    "hinge": "it expects labels of -1 and +1 and a raw score, not a 0/1 label and a probability",
    "squared_hinge": "it expects labels of -1 and +1 and a raw score, not a 0/1 label and a probability",
}
_ALIASES = {
    "mse": "mean_squared_error",
    "MeanSquaredError": "mean_squared_error",
    "mae": "mean_absolute_error",
    "MeanAbsoluteError": "mean_absolute_error",
    "BinaryCrossentropy": "binary_crossentropy",
    "BinaryFocalCrossentropy": "binary_focal_crossentropy",
    "CategoricalCrossentropy": "categorical_crossentropy",
    "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy",
    "Hinge": "hinge",
    "SquaredHinge": "squared_hinge",
}
_RIGHT_LOSSES = ("binary_crossentropy", "binary_focal_crossentropy")


def _loss_name(loss: Any) -> str:
    """'binary_crossentropy' for the string, the function or the class instance."""
    if isinstance(loss, str):
        name = loss
    else:
        name = getattr(loss, "name", None) or getattr(loss, "__name__", None) or type(loss).__name__
    return _ALIASES.get(name, name)


def _from_logits(loss: Any) -> bool:
    if isinstance(loss, str):
        return False
    value = getattr(loss, "from_logits", None)
    if value is None:
        value = (getattr(loss, "_fn_kwargs", None) or {}).get("from_logits", False)
    return bool(value)


def _settings(optimizer: Any, batch_size: int | None, updates: int | None) -> str:
    """The optimizer's settings, in words: 'Adam, learning rate 0.01, clipnorm 1, batches of 32 (160 updates)'."""
    parts = [type(optimizer).__name__]
    try:
        parts.append(f"learning rate {float(np.asarray(optimizer.learning_rate)):g}")
    except (TypeError, ValueError):  # a schedule: leave it out
        pass
    for clip in ("clipnorm", "global_clipnorm", "clipvalue"):
        value = getattr(optimizer, clip, None)
        if value is not None:
            parts.append(f"{clip} {float(value):g}")
    if not any(getattr(optimizer, clip, None) is not None for clip in ("clipnorm", "global_clipnorm", "clipvalue")):
        parts.append("no clipping")
    text = ", ".join(parts)
    if batch_size is not None:
        text += f", batches of {batch_size}"
    if updates is not None:
        text += f" ({updates} updates in all)"
    return text


def check_train_memory_model(
    train_memory_model: Callable[..., Any],
    *,
    seed: int = 0,
    seq_len: int = 20,
    num_units: int = 8,
    num_train: int = 640,
    epochs: int = 8,
    cell: str = "LSTM",
    min_accuracy: float = 0.8,
    visible: bool = True,
) -> None:
    """Train a fresh gated model with ``train_memory_model(model, x, y, epochs)`` and grade the result.

    The check builds the model (a ``cell`` of ``num_units`` units and a sigmoid output) and the
    data itself (a long-lag task of ``seq_len`` steps), calls the student's function, and reads
    what it did from the model: compiled with a loss that fits a sigmoid output, trained for
    ``epochs`` epochs, and reaching ``min_accuracy`` on a test set the student's code never saw.
    The optimizer, learning rate, clipping and batch size are the student's choice; when the
    accuracy falls short, the message says what they amounted to. Nothing the student types can
    stand in for the accuracy.
    """
    __tracebackhide__ = True
    import keras

    from ...gradients import make_long_lag_task

    name = NAME
    x, y = make_long_lag_task(num_train, seq_len, seed=seed)
    x_test, y_test = make_long_lag_task(500, seq_len, seed=seed + 1000)
    keras.utils.set_random_seed(seed)
    layer = {"LSTM": keras.layers.LSTM, "GRU": keras.layers.GRU}[cell]
    model = keras.Sequential(
        [keras.Input(shape=(seq_len, 2)), layer(num_units), keras.layers.Dense(1, activation="sigmoid")]
    )
    initial = [w.copy() for w in model.get_weights()]
    returned = call_student(train_memory_model, model, x, y, epochs, name=name)
    if returned is None:
        fail(f"{name} returned None.", hint="the function returns the model it was given, once it is trained.")
    if returned is not model:
        fail(
            f"{name} returned a {type(returned).__name__}, not the model it was given.",
            hint="compile and fit the model passed in, then return that same model.",
        )
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not getattr(model, "compiled", False):
        fail(f"{name} did not compile the model.", hint="a model is compiled (optimizer, loss, metrics) before fit.")
    raw_loss = getattr(model, "loss", None)
    loss = _loss_name(raw_loss)
    if loss not in _RIGHT_LOSSES:
        why = _WRONG_LOSSES.get(loss, "it is not a loss for a 0/1 label predicted as a probability")
        fail(
            f"{name} compiled with the loss {loss!r}, but the model outputs the probability of a 0/1 label "
            f"through a sigmoid: {why}.",
            hint=_LOSS_HINT,
        )
    if _from_logits(raw_loss):
        fail(
            f"{name} compiled {loss} with from_logits=True, which tells the loss that the model outputs logits; "
            "this model ends in a sigmoid, so its outputs are probabilities already, and the loss would apply a "
            "second sigmoid to them.",
            hint="what from_logits means, in the documentation of Keras's probabilistic losses.",
        )
    history = getattr(model, "history", None)
    trained_epochs = len(getattr(history, "epoch", []) or [])
    if trained_epochs == 0 or all(np.array_equal(a, b) for a, b in zip(initial, model.get_weights())):
        fail(f"{name} did not train the model: its weights are unchanged.", hint="a compiled model learns in fit.")
    if trained_epochs != epochs:
        fail(
            f"{name} trained for {trained_epochs} epochs; it was asked for epochs = {epochs}.",
            hint="the epochs argument of fit, and one call of fit.",
        )
    params = getattr(history, "params", None)
    steps = params.get("steps") if isinstance(params, dict) else None
    steps = steps if isinstance(steps, int) and steps > 0 else None
    batch_size = -(-num_train // steps) if steps else None
    updates = steps * epochs if steps else None
    settings = _settings(optimizer, batch_size, updates)
    losses = np.asarray((getattr(history, "history", None) or {}).get("loss", []), dtype=np.float64)
    weights_finite = all(np.all(np.isfinite(w)) for w in model.get_weights())
    if not weights_finite or (losses.size and not np.all(np.isfinite(losses))):
        fail(
            f"{name}'s training blew up: the loss or the weights became inf or NaN ({settings}).",
            hint="section 4: what caps an update's size, and what a smaller learning rate does.",
        )
    probabilities = np.asarray(model.predict(x_test, verbose=0), dtype=np.float64).reshape(-1)
    accuracy = float(np.mean((probabilities > 0.5) == (y_test == 1)))
    if accuracy < min_accuracy:
        fail(
            f"{name}: the trained {cell} scored {accuracy:.3f} on the check's own test set; expected at least "
            f"{min_accuracy}. Your settings: {settings}. A model that has not found the first bit scores about 0.5.",
            hint="each update moves a weight by about the learning rate (Adam) or the learning rate times the "
            "gradient (SGD), and there are epochs times batches-per-epoch updates: too few or too small ones "
            "do not get there in these epochs. Section 4 shows what keeps a larger learning rate safe. Fit on "
            "(x, y) as given.",
        )
    report_pass(
        name, visible=visible, detail=f"{settings}: the check's {cell} reached {accuracy:.3f} on unseen sequences"
    )
