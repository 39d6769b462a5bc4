"""Exercise ``train_memory_model``: compile and train a gated model on the long-lag task.

``train_memory_model(model, x, y, epochs)`` compiles ``model`` with Adam(learning_rate=0.01,
clipnorm=1.0) and binary cross-entropy, fits it for ``epochs`` epochs in batches of 32 and
returns it. The check reads what was done from the model and grades its accuracy on a test set
of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._core import call_student, fail, report_pass

NAME = "train_memory_model"


MEMORY_LEARNING_RATE = 0.01  # the exercise's Adam learning rate
MEMORY_CLIPNORM = 1.0  # the exercise's clipnorm
MEMORY_BATCH_SIZE = 32


def _loss_name(loss: Any) -> str:
    """'binary_crossentropy' for the string, the function or the class instance."""
    if isinstance(loss, str):
        return loss
    name = getattr(loss, "name", None) or getattr(loss, "__name__", None) or type(loss).__name__
    return {"BinaryCrossentropy": "binary_crossentropy"}.get(name, name)


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

    The check builds the model and the data itself (a long-lag task of ``seq_len`` steps), calls
    the student's function, then reads what it did from the model: that it was compiled with
    Adam(learning_rate=0.01, clipnorm=1.0) and binary cross-entropy, trained for ``epochs``
    epochs in batches of 32, and that it reaches ``min_accuracy`` on a test set the student's
    code never saw. Nothing the student types can stand in for the accuracy.
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
        fail(f"{name} returned None.", hint="end with `return model` after model.fit(...).")
    if returned is not model:
        fail(
            f"{name} returned a {type(returned).__name__}, not the model it was given.",
            hint="compile and fit the model passed in, then return that same model.",
        )
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not getattr(model, "compiled", False):
        fail(f"{name} did not compile the model.", hint="call model.compile(optimizer=..., loss=..., metrics=...).")
    if not isinstance(optimizer, keras.optimizers.Adam):
        fail(
            f"{name} compiled with {type(optimizer).__name__}; the exercise asks for Adam.",
            hint="the optimizer is an object you pass to compile; its learning rate and clipping are arguments of "
            "that object (Keras's optimizers documentation, or section 4's clipping demo).",
        )
    learning_rate = float(np.asarray(optimizer.learning_rate))
    if not np.isclose(learning_rate, MEMORY_LEARNING_RATE):
        fail(
            f"{name} used Adam's learning rate {learning_rate:g}; the exercise asks for {MEMORY_LEARNING_RATE}.",
            hint="the optimizer is an object you pass to compile; its learning rate and clipping are arguments of "
            "that object (Keras's optimizers documentation, or section 4's clipping demo).",
        )
    if optimizer.clipnorm is None or not np.isclose(float(optimizer.clipnorm), MEMORY_CLIPNORM):
        fail(
            f"{name} compiled Adam with clipnorm={optimizer.clipnorm}; the exercise asks for {MEMORY_CLIPNORM}.",
            hint="pass clipnorm=1.0 to the optimizer: it clips each weight's gradient (section 4).",
        )
    loss = _loss_name(getattr(model, "loss", None))
    if loss != "binary_crossentropy":
        fail(
            f"{name} compiled with the loss {loss!r}; a 0/1 label with a sigmoid output needs binary cross-entropy.",
            hint='loss="binary_crossentropy".',
        )
    history = getattr(model, "history", None)
    trained_epochs = len(getattr(history, "epoch", []) or [])
    if trained_epochs == 0 or all(np.array_equal(a, b) for a, b in zip(initial, model.get_weights())):
        fail(f"{name} did not train the model: its weights are unchanged.", hint="call model.fit(x, y, ...).")
    if trained_epochs != epochs:
        fail(
            f"{name} trained for {trained_epochs} epochs; it was asked for epochs = {epochs}.",
            hint="pass epochs=epochs to model.fit, and call fit once.",
        )
    params = getattr(history, "params", None)
    steps = params.get("steps") if isinstance(params, dict) else None
    expected_steps = -(-num_train // MEMORY_BATCH_SIZE)
    if steps is not None and steps != expected_steps:
        fail(
            f"{name} took {steps} steps per epoch on {num_train} sequences; batches of "
            f"{MEMORY_BATCH_SIZE} give {expected_steps}.",
            hint=f"pass batch_size={MEMORY_BATCH_SIZE} to model.fit.",
        )
    probabilities = np.asarray(model.predict(x_test, verbose=0), dtype=np.float64).reshape(-1)
    accuracy = float(np.mean((probabilities > 0.5) == (y_test == 1)))
    if accuracy < min_accuracy:
        fail(
            f"{name}: the trained {cell} scored {accuracy:.3f} on the check's own test set; expected at "
            f"least {min_accuracy}.",
            hint="fit on (x, y) as given, with no validation split and no other changes to the data.",
        )
    report_pass(name, visible=visible, detail=f"the check's {cell} reached {accuracy:.3f} on unseen sequences")
