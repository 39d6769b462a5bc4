"""Exercise ``clip_functions``: gradient clipping by norm and by value, in numpy.

``clip_by_norm(gradient, max_norm)`` rescales a gradient longer than ``max_norm`` to that length
and returns any other unchanged; ``clip_by_value(gradient, clip_min, clip_max)`` clips each entry
into ``[clip_min, clip_max]``. The references are ``tf.clip_by_norm`` and ``tf.clip_by_value``.
Each function has its own check; :func:`check_clip_functions` runs both, as the test cells do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._core import as_array, call_student, expect_close, expect_shape, fail, hidden_seed, report_pass

NAME = "clip_functions"


def check_clip_functions(
    clip_by_norm: Callable[..., Any],
    clip_by_value: Callable[..., Any],
    *,
    seed: int = 0,
    size: int | None = None,
    edge_cases: bool = False,
    clip_min: float = -0.5,
    clip_max: float = 1.0,
    visible: bool = True,
) -> None:
    """The exercise's two functions: :func:`check_clip_by_norm`, then :func:`check_clip_by_value`.

    Each prints its own line. ``size=None`` keeps each check's own default length (6 and 8);
    ``edge_cases`` goes to ``check_clip_by_norm``, ``clip_min`` and ``clip_max`` to
    ``check_clip_by_value``. Each check derives its own hidden seed from ``seed``.
    """
    __tracebackhide__ = True
    sizes: dict[str, Any] = {} if size is None else {"size": size}
    check_clip_by_norm(clip_by_norm, seed=seed, edge_cases=edge_cases, visible=visible, **sizes)
    check_clip_by_value(clip_by_value, seed=seed, clip_min=clip_min, clip_max=clip_max, visible=visible, **sizes)


def check_clip_by_norm(
    clip_by_norm: Callable[..., Any],
    *,
    seed: int = 0,
    size: int = 6,
    edge_cases: bool = False,
    visible: bool = True,
) -> None:
    """Compare ``clip_by_norm(gradient, max_norm)`` with ``tf.clip_by_norm``.

    ``edge_cases=True`` (the hidden test) adds a gradient whose norm equals ``max_norm`` and a
    zero gradient: both must come back unchanged, the zero one without a division by zero.
    """
    __tracebackhide__ = True
    seed = hidden_seed(seed, "clip_by_norm", visible=visible)  # the course secret, at grading
    import tensorflow as tf

    name = "clip_by_norm"
    rng = np.random.default_rng(seed)
    grad = rng.normal(size=size) * 3.0
    norm = float(np.linalg.norm(grad))
    cases = [
        (grad, norm / 4, "a gradient longer than max_norm"),
        (grad, norm * 2, "a gradient shorter than max_norm"),
    ]
    if edge_cases:
        cases += [
            (grad, norm, "a gradient whose norm equals max_norm"),
            (np.zeros(size), 1.0, "a zero gradient"),
        ]
    for gradient, max_norm, case in cases:
        with np.errstate(divide="ignore", invalid="ignore"):  # a 0/0 shows up as NaN, named below
            got = as_array(call_student(clip_by_norm, gradient.copy(), max_norm, name=name), name=name)
        expected = tf.clip_by_norm(tf.constant(gradient), max_norm).numpy()
        expect_shape(got, gradient.shape, name=name, meaning="the gradient's shape")
        if not np.allclose(got, expected, rtol=1e-6, atol=1e-9):
            if case == "a zero gradient" and not np.all(np.isfinite(got)):
                fail(
                    f"{name} returned NaN for {case}: it divided by the norm 0.",
                    hint="a gradient with norm <= max_norm comes back unchanged; divide only when you rescale.",
                )
            if np.allclose(got, np.clip(gradient, -max_norm, max_norm)):
                fail(
                    f"{name} clipped each entry separately, which is clipping by value.",
                    hint="rescale the whole vector: g * max_norm / ||g|| when ||g|| > max_norm.",
                )
            if case != "a gradient longer than max_norm":
                fail(
                    f"{name} changed {case}; it must come back unchanged.",
                    hint="only rescale when the norm exceeds max_norm.",
                )
            expect_close(
                got,
                expected,
                name=name,
                rtol=1e-6,
                atol=1e-9,
                hint="g * max_norm / ||g|| when ||g|| > max_norm, otherwise g; the direction must not change.",
            )
    report_pass(name, visible=visible, detail="matches tf.clip_by_norm")


def check_clip_by_value(
    clip_by_value: Callable[..., Any],
    *,
    seed: int = 0,
    size: int = 8,
    clip_min: float = -0.5,
    clip_max: float = 1.0,
    visible: bool = True,
) -> None:
    """Compare ``clip_by_value(gradient, clip_min, clip_max)`` with ``tf.clip_by_value``."""
    __tracebackhide__ = True
    seed = hidden_seed(seed, "clip_by_value", visible=visible)  # the course secret, at grading
    import tensorflow as tf

    name = "clip_by_value"
    if not clip_min < clip_max:
        raise ValueError(f"clip_min must be below clip_max; got {clip_min} and {clip_max}")
    rng = np.random.default_rng(seed)
    grad = rng.normal(size=size) * 2.0
    got = as_array(call_student(clip_by_value, grad.copy(), clip_min, clip_max, name=name), name=name)
    expected = tf.clip_by_value(tf.constant(grad), clip_min, clip_max).numpy()
    expect_shape(got, grad.shape, name=name, meaning="the gradient's shape")
    if not np.allclose(got, expected):
        if np.allclose(got, np.clip(grad, clip_max, clip_min)):
            fail(f"{name} swapped clip_min and clip_max.", hint="values below clip_min become clip_min.")
        if np.allclose(got, np.clip(grad, -clip_max, clip_max)) or np.allclose(got, np.clip(grad, clip_min, -clip_min)):
            fail(
                f"{name} clipped into a symmetric range, but [clip_min, clip_max] = [{clip_min}, {clip_max}].",
                hint="use clip_min as the lower bound and clip_max as the upper bound, as given.",
            )
        expect_close(
            got,
            expected,
            name=name,
            hint="every entry below clip_min becomes clip_min, every entry above clip_max becomes clip_max.",
        )
    report_pass(name, visible=visible, detail="matches tf.clip_by_value")
