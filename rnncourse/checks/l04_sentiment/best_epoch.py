"""Exercise ``best_epoch``: the epoch with the lowest validation loss, the notebook's exercise 3 (a).

Exercise 3, reading learning curves, has two parts: (a) ``best_epoch(history)`` returns the epoch,
counted from 1, at which ``history["val_loss"]`` is lowest (the first one on a tie, as
``np.argmin`` gives); (b) is ``diagnose``. The check feeds made-up histories, and names the typical
mistakes: a 0-based epoch, the last of tied epochs, the training loss, the maximum.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._core import as_int, call_each, call_student, fail, hidden_seed, report_pass
from ._common import and_list, history_from

NAME = "best_epoch"


def _best_epoch_cases(seed: int) -> list[dict[str, list[float]]]:
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(4):
        epochs = int(rng.integers(4, 9))
        train = np.sort(rng.uniform(0.05, 0.7, size=epochs))[::-1]
        val = rng.uniform(0.3, 0.7, size=epochs)
        cases.append(history_from(train, val))
    # The minimum at the first epoch, and at the last one.
    cases.append(history_from([0.6, 0.4, 0.2, 0.1], [0.40, 0.45, 0.50, 0.60]))
    cases.append(history_from([0.6, 0.5, 0.45, 0.42], [0.62, 0.55, 0.50, 0.48]))
    # A tie: epochs 2 and 4 share the lowest validation loss; the answer is the first (np.argmin).
    # Neither the last tied epoch nor its 0-based index is where another recognised mistake points.
    cases.append(history_from([0.65, 0.5, 0.4, 0.32, 0.27, 0.24], [0.55, 0.41, 0.47, 0.41, 0.44, 0.52]))
    return cases


def check_best_epoch(best_epoch: Callable[..., Any], *, seed: int = 0, visible: bool = True) -> None:
    """``best_epoch(history)``: the 1-based epoch with the lowest validation loss."""
    __tracebackhide__ = True
    seed = hidden_seed(seed, "best_epoch", visible=visible)  # the course secret, at grading
    name = "best_epoch"
    cases = list(_best_epoch_cases(seed))
    given = [{k: list(v) for k, v in history.items()} for history in cases]
    answering = call_each(best_epoch, [((g,), {}) for g in given])  # at grading: one request for all
    for history, argument in zip(cases, given):
        val = np.asarray(history["val_loss"])
        want = int(np.argmin(val)) + 1
        got = as_int(call_student(answering, argument, name=name), name=name)
        if got == want:
            continue
        shown = ", ".join(f"{v:.3f}" for v in val)
        tied = [int(i) + 1 for i in np.flatnonzero(val == val.min())]
        if len(tied) > 1 and got in tied[1:]:
            fail(
                f"{name} returned {got} for val_loss = [{shown}]: epochs {and_list(tied)} tie for "
                f"the lowest validation loss ({val.min():.3f}); expected the first of them, epoch {want}.",
                hint="on a tie, return the first epoch with the lowest loss, as numpy's argmin does (in a loop, "
                "replace the best epoch only when the loss is strictly lower). Keras's "
                "EarlyStopping agrees: an equal loss later on is no improvement.",
            )
        if got == want - 1:
            fail(
                f"{name} returned {got} for val_loss = [{shown}]; expected epoch {want}.",
                hint="epochs are counted from 1: the first epoch is epoch 1, while Python's indices start at 0.",
            )
        if got == int(np.argmin(history["loss"])) + 1 or got == int(np.argmin(history["loss"])):
            fail(
                f"{name} returned {got}, where the *training* loss is lowest; expected {want}, "
                f"where the validation loss (val_loss = [{shown}]) is lowest.",
                hint="read the validation loss: the training loss keeps falling when a model overfits.",
            )
        if got in (int(np.argmax(val)) + 1, int(np.argmax(val))):
            fail(
                f"{name} returned {got}, where the validation loss is highest; expected {want}.",
                hint="look for the minimum, not the maximum.",
            )
        fail(
            f"{name} returned {got} for val_loss = [{shown}]; expected epoch {want}.",
            hint="the answer is the 1-based epoch at which the validation loss is smallest.",
        )
    report_pass(name, visible=visible)
