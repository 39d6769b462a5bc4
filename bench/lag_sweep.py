"""`make bench`, section ``lag_sweep``: lesson 01's lag sweep over several seeds.

Lesson 01's section 5 trains the five models of :func:`rnncourse.gradients.lag_sweep_layers`
(orthogonal SimpleRNN, IRNN, LSTM with Keras's default forget bias, LSTM with chrono's forget
half only, full chrono) once each, at a lag of 100 steps, and reads the outcome as "learns" or
"does not learn". One seed cannot say that, so this section trains every model at
:data:`LAGS` once per seed in :data:`SEEDS`, with the lesson's full-mode sizes, and records each
run's test accuracy and the share of the logit's gradient that reaches step 0 before training.
Seed 0 is the lesson's own run (its sweep cell uses seed 0 for Keras and for the chrono draw).

Training is the reference answer of the lesson's ``train_memory_model`` (Adam at 0.01 with
``clipnorm=1.0``, binary cross-entropy, batches of 32); a model "learned" when its accuracy on
1,000 unseen sequences is at least :data:`LEARNED` (chance is 0.5). Run by ``bench/run.py`` in a
fresh full-mode process; on its own::

    .venv/bin/python -m bench.lag_sweep

prints one JSON object (the ``lesson01_lag_sweep`` section of ``bench/results.json``).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence

LESSON = "01_gradients"
LAGS = (100, 200)  # the lesson runs 100; 200 shows where each remedy still holds
SEEDS = (0, 1, 2, 3, 4)  # Keras's initial weights and batch order, and the chrono draw
NUM_UNITS = 16  # the lesson's state size (section 5)
NUM_TEST = 1000  # unseen sequences each model is scored on, as in the lesson
LEARNED = 0.8  # test accuracy from which a model counts as having learned the task


def train_reference(model, x, y, epochs: int) -> None:
    """The reference answer of lesson 01's ``train_memory_model`` (solutions/01_gradients, Exercise 5b)."""
    import keras

    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.01, clipnorm=1.0),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(x, y, epochs=epochs, batch_size=32, verbose=0)


def main(
    lags: Sequence[int] = LAGS, seeds: Sequence[int] = SEEDS, *, num_train: int | None = None, epochs: int | None = None
) -> dict:
    import keras

    import rnncourse  # noqa: F401  (quiet TensorFlow)
    from rnncourse import config, gradients

    sizes = config.sizes(LESSON, "full")
    num_train = sizes["lag_num_train"] if num_train is None else num_train
    epochs = sizes["lag_sweep_epochs"] if epochs is None else epochs
    start = time.perf_counter()
    runs: dict[str, dict[str, dict]] = {}
    for lag in lags:
        x, y = gradients.make_long_lag_task(num_train, lag, seed=0)
        x_test, y_test = gradients.make_long_lag_task(NUM_TEST, lag, seed=1)
        for seed in seeds:
            for name, recurrent_layer in gradients.lag_sweep_layers(NUM_UNITS, seed=seed).items():
                keras.utils.set_random_seed(seed)
                model = keras.Sequential(
                    [keras.Input(shape=(lag, 2)), recurrent_layer(lag), keras.layers.Dense(1, activation="sigmoid")]
                )
                norms = gradients.input_gradient_norms(gradients.logit_model(model), x_test[0])
                train_reference(model, x, y, epochs)
                accuracy = float(model.evaluate(x_test, y_test, verbose=0)[1])
                run = runs.setdefault(name, {}).setdefault(str(lag), {"test_accuracy": [], "step0_share": []})
                run["test_accuracy"].append(round(accuracy, 4))
                run["step0_share"].append(float(f"{norms[0] / norms[1:].mean():.3g}"))
                print(f"lag {lag} seed {seed} {name}: {accuracy:.3f}", file=sys.stderr, flush=True)
    for per_lag in runs.values():
        for run in per_lag.values():
            run["learned"] = sum(a >= LEARNED for a in run["test_accuracy"])
    return {
        "lags": list(lags),
        "seeds": list(seeds),
        "num_train": num_train,
        "num_test": NUM_TEST,
        "epochs": epochs,
        "num_units": NUM_UNITS,
        "learned_from": LEARNED,
        "training": "Adam 0.01, clipnorm 1.0, binary cross-entropy, batch 32 (lesson 01's reference answer)",
        "runs": runs,
        "seconds": round(time.perf_counter() - start, 1),
    }


if __name__ == "__main__":
    print(json.dumps(main()))
