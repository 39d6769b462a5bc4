"""Exercise ``build_classifier``: predict the classifier's size, then build it from what it must do.

The exercise describes the lesson's review classifier by its job, not by its layers: an embedding
(from scratch, or GloVe frozen or fine-tuned), ``num_units`` word detectors that look at one word
vector at a time with the same weights at every position, each detector's strongest response
anywhere in the review, and one probability. The student decides which layers do that, and first
predicts, in ``classifier_parameters(num_words, maxlen, embedding_dim, num_units, trainable)``, how
many trainable and non-trainable parameters the model has.

The check verifies consequences rather than a layer list: the prediction against the arithmetic
(named mistakes: weights counted per position, a frozen embedding counted as trainable or left out,
biases left out, ...), and also at a size no model can be built at, so the prediction cannot come
from building one; the model's parameter counts against the same arithmetic and Keras's own
counts; that the model's answer does not change when a review's words are reordered, or when a word
occurs twice instead of another (a maximum ignores both, an average or a per-position layer does
not); and the Embedding's size, initial weights and trainable flag.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._core import CheckFailure, activation_name, as_array, as_int, call_each, call_student, fail, report_pass
from .._errors import exception_summary
from .._keras import model_layers

NAME = "build_classifier"

# (num_words, maxlen, embedding_dim, num_units) of the size no model can be built at: the embedding
# alone would hold 3e14 float32 weights (over a petabyte), an allocation refused at once. The visible
# check and the hidden test use different ones.
UNBUILDABLE = {True: (1_000_000_000_000, 200, 300, 64), False: (2_000_000_000_000, 150, 200, 48)}


def expected_counts(
    num_words: int, maxlen: int, embedding_dim: int, num_units: int, trainable: bool
) -> tuple[int, int]:
    """(trainable, non-trainable) parameters of the described model; ``maxlen`` does not enter."""
    embedding = num_words * embedding_dim
    detectors = embedding_dim * num_units + num_units  # one kernel and bias, shared by every position
    output = num_units + 1
    return (embedding + detectors + output, 0) if trainable else (detectors + output, embedding)


def _split(trainable: bool, embedding: int, rest: int) -> tuple[int, int]:
    return (embedding + rest, 0) if trainable else (rest, embedding)


#: Each known wrong prediction: what it says, and a hint. ``formula(n, L, d, u, trainable)``.
_PREDICTION_MISTAKES: dict[str, tuple[Callable[[int, int, int, int, bool], tuple[int, int]], str]] = {
    "counts the word detectors' weights once per position (maxlen times)": (
        lambda n, L, d, u, t: _split(t, n * d, L * (d * u + u) + u + 1),
        "a layer applied to every word vector uses the same weights at every position: how many weights does "
        "one detector need for one word vector?",
    ),
    "gives the output layer one weight per position and detector, as if it read the whole sequence": (
        lambda n, L, d, u, t: _split(t, n * d, d * u + u + L * u + 1),
        "after the pooling, each review is num_units numbers, whatever its length.",
    ),
    "counts the embedding as maxlen x embedding_dim, the size of one review's vectors": (
        lambda n, L, d, u, t: _split(t, L * d, d * u + u + u + 1),
        "the embedding stores a vector for every word of the vocabulary, not for every position of a review.",
    ),
    "leaves out the biases": (
        lambda n, L, d, u, t: _split(t, n * d, d * u + u),
        "each detector and the output unit also have a bias.",
    ),
    "counts the frozen embedding as trainable": (
        lambda n, L, d, u, t: (n * d + d * u + u + u + 1, 0),
        "a frozen layer's weights still exist, but training does not change them: Keras counts them as non-trainable.",
    ),
    "leaves the frozen embedding out": (
        lambda n, L, d, u, t: _split(t, n * d, d * u + u + u + 1) if t else (d * u + u + u + 1, 0),
        "frozen weights are still weights of the model: they count as non-trainable parameters.",
    ),
    "returns (non-trainable, trainable), the wrong order": (
        lambda n, L, d, u, t: expected_counts(n, L, d, u, t)[::-1],
        "return the trainable count first.",
    ),
}


def _as_counts(value: Any, *, name: str) -> tuple[int, int]:
    __tracebackhide__ = True
    if isinstance(value, np.ndarray) or not isinstance(value, (tuple, list)) or len(value) != 2:
        fail(
            f"{name} returned {type(value).__name__} {value!r:.80}; expected a tuple of two whole numbers "
            "(trainable, non_trainable).",
            hint="return the two counts as a tuple, the trainable one first.",
        )
    return as_int(value[0], name=f"{name}: the trainable count"), as_int(
        value[1], name=f"{name}: the non-trainable count"
    )


def _check_prediction(classifier_parameters: Callable[..., Any], sizes: tuple[int, int, int, int]) -> None:
    __tracebackhide__ = True
    name = "classifier_parameters"
    n, L, d, u = sizes
    cases = (True, False)
    answering = call_each(classifier_parameters, [((n, L, d, u, t), {}) for t in cases])  # one request
    got = {t: _as_counts(call_student(answering, n, L, d, u, t, name=name), name=name) for t in cases}
    want = {t: expected_counts(n, L, d, u, t) for t in cases}
    if got == want:
        return
    for mistake, (formula, hint) in _PREDICTION_MISTAKES.items():
        wrong = {t: formula(n, L, d, u, t) for t in cases}
        if wrong != want and all(got[t] == wrong[t] for t in cases if got[t] != want[t]):
            t = next(t for t in cases if got[t] != want[t])
            fail(
                f"{name} {mistake}: for num_words={n}, maxlen={L}, embedding_dim={d}, num_units={u}, "
                f"trainable={t} it predicted {got[t]}; the model described has {want[t]} (trainable, non-trainable).",
                hint=hint,
            )
    t = next(t for t in cases if got[t] != want[t])
    fail(
        f"{name}(num_words={n}, maxlen={L}, embedding_dim={d}, num_units={u}, trainable={t}) predicted {got[t]}; "
        f"the model described has {want[t]} (trainable, non-trainable).",
        hint="count layer by layer: the embedding table, the detectors (weights and biases), the pooling, the "
        "output unit; then ask which of them training changes.",
    )


def _check_unbuildable(classifier_parameters: Callable[..., Any], visible: bool) -> None:
    __tracebackhide__ = True
    name = "classifier_parameters"
    n, L, d, u = UNBUILDABLE[visible]
    for trainable in (False, True):
        try:
            answer = classifier_parameters(n, L, d, u, trainable)
        except CheckFailure:  # the grader's call itself failed (time limit, kernel gone): its own message
            raise
        except Exception as exc:  # noqa: BLE001  (building such a model fails: say why)
            problem = f"{type(exc).__name__}: {exception_summary(exc)}"
        else:
            problem = ""
        if problem:  # raised outside the except block: one message, no chained traceback
            fail(
                f"{name}(num_words={n:,}, maxlen={L}, embedding_dim={d}, num_units={u}, trainable={trainable}) "
                f"failed ({problem[:160]}). No model that size can be built, but its parameter counts are "
                "arithmetic of the four sizes.",
                hint="predict the counts from the layers' weight shapes instead of building a model.",
            )
        got = _as_counts(answer, name=name)
        want = expected_counts(n, L, d, u, trainable)
        if got != want:
            fail(
                f"{name}(num_words={n:,}, maxlen={L}, embedding_dim={d}, num_units={u}, trainable={trainable}) "
                f"returned {got}; expected {want}. Your prediction matched on small sizes: does it use a float "
                "or a fixed-size integer that rounds?",
                hint="return Python ints computed with integer arithmetic.",
            )


def _params(weights: list[Any]) -> int:
    return sum(int(np.prod(w.shape)) for w in weights)


def _check_one_classifier(
    build_classifier: Callable[..., Any],
    *,
    num_words: int,
    maxlen: int,
    embedding_dim: int,
    num_units: int,
    matrix: np.ndarray | None,
    trainable: bool,
    seed: int,
) -> None:
    __tracebackhide__ = True
    import keras

    name = "build_classifier"
    how = f"embedding_matrix={'None' if matrix is None else 'a matrix'}, trainable={trainable}"
    model = call_student(
        build_classifier,
        num_words,
        maxlen,
        embedding_dim,
        embedding_matrix=None if matrix is None else matrix.copy(),
        trainable=trainable,
        num_units=num_units,
        name=name,
    )
    if not isinstance(model, keras.Model):
        fail(
            f"{name} returned a {type(model).__name__}; expected a keras.Model.",
            hint="build the model with Keras's Sequential or functional API, and return the model itself.",
        )
    if not model.built or not getattr(model, "inputs", None):
        fail(
            f"{name}({how}) returned a model that is not built: Keras does not know its input shape.",
            hint="Keras 3 ignores the Embedding's input_length (it only warns); section 5 shows how a Keras 3 "
            "model learns its input shape from the start.",
        )
    try:
        out = model(np.ones((3, maxlen), dtype=np.int32))
    except Exception as exc:  # noqa: BLE001
        fail(
            f"the model failed on a batch of word indices of shape (3, {maxlen}): {type(exc).__name__}: "
            f"{exception_summary(exc)}",
            hint="the model reads maxlen word indices per review; section 5's Keras 3 model starts the same way.",
        )
    layers = model_layers(model, flatten=True)
    embeddings = [layer for layer in layers if isinstance(layer, keras.layers.Embedding)]
    if len(embeddings) != 1:
        fail(
            f"{name} built a model with {len(embeddings)} Embedding layers; expected exactly one.",
            hint="one table of word vectors, read right after the input (section 5).",
        )
    emb = embeddings[0]
    if (emb.input_dim, emb.output_dim) != (num_words, embedding_dim):
        fail(
            f"the Embedding layer is Embedding({emb.input_dim}, {emb.output_dim}); expected "
            f"Embedding(num_words, embedding_dim) = Embedding({num_words}, {embedding_dim}).",
            hint="its first size is the number of word indices, its second the length of a word's vector.",
        )
    weights = as_array(emb.embeddings, name="the Embedding layer's weights")
    if matrix is not None:
        if not np.allclose(weights, matrix, rtol=1e-6, atol=1e-6):
            fail(
                f"{name}({how}): the Embedding layer's initial weights are not embedding_matrix.",
                hint="an Embedding's starting weights come from its initializer; section 2's small layer and "
                "section 5's model start from a given matrix.",
            )
    elif np.all(weights == 0):
        fail(
            f"{name}({how}): the Embedding layer starts at all zeros.",
            hint="without an embedding matrix the vectors start small and random: Keras's default does that.",
        )
    if bool(emb.trainable) is not trainable:
        fail(
            f"{name}({how}) built an Embedding layer with trainable={bool(emb.trainable)}.",
            hint="the trainable argument of build_classifier says whether training may change the word vectors; "
            "a layer has a flag for that (section 5).",
        )
    shape = tuple(np.shape(out))
    if shape != (3, 1):
        fail(
            f"the model's output has shape {shape}; expected (batch, 1) = (3, 1).",
            hint="the model answers one probability per review.",
        )
    if activation_name(layers[-1]) != "sigmoid":
        fail(
            f"the last layer's activation is {activation_name(layers[-1]) or 'missing'}; expected sigmoid.",
            hint="one probability of 'positive' from one unit: which activation maps any number into (0, 1)?",
        )
    # Behaviour: the same words in another order, and the same words with other counts.
    rng = np.random.default_rng(seed + 101)
    reviews = np.stack([rng.choice(np.arange(1, num_words), size=maxlen - 1, replace=False) for _ in range(3)])
    twice_first = np.concatenate([reviews[:, :1], reviews], axis=1)  # word 0 twice, word 1 once
    twice_second = np.concatenate([reviews[:, :1], reviews[:, 1:2], reviews[:, 1:]], axis=1)  # word 1 twice
    base = as_array(model(twice_first), name="the model's output")
    reordered = as_array(model(twice_first[:, ::-1].copy()), name="the model's output")
    recounted = as_array(model(twice_second), name="the model's output")
    if not np.allclose(base, reordered, rtol=1e-5, atol=1e-6):
        fail(
            f"{name}({how}): the model's output changed when the words of a review were reversed (the same "
            f"words, another order: {float(base[0, 0]):.6f} became {float(reordered[0, 0]):.6f}). A detector's "
            "strongest response anywhere in the review does not depend on where a word stands; a layer that "
            "reads positions in order, or gives each position its own weights, does.",
            hint="which Keras layer keeps, for each detector, its largest value over the positions?",
        )
    if not np.allclose(base, recounted, rtol=1e-5, atol=1e-6):
        fail(
            f"{name}({how}): the model's output changed when one word occurred twice instead of another (the same "
            f"words, other counts: {float(base[0, 0]):.6f} became {float(recounted[0, 0]):.6f}). The strongest "
            "response does not depend on how often a word occurs; an average over the positions does.",
            hint="which Keras layer keeps, for each detector, its largest value over the positions?",
        )
    # Structure that behaviour cannot see: the detectors act on each word before the pooling.
    per_word = [
        layer
        for layer in layers
        if not isinstance(layer, keras.layers.Embedding)
        and layer.weights
        and tuple(layer.output.shape)[1:] == (maxlen, num_units)
    ]
    if not per_word:
        fail(
            f"{name}: no layer with num_units={num_units} outputs is applied to every word before the pooling.",
            hint="the detectors must see one word vector at a time: the layer's output has a value per position "
            "and detector, (batch, maxlen, num_units).",
        )
    if activation_name(per_word[0]) != "relu":
        fail(
            f"the per-word layer uses activation {activation_name(per_word[0]) or 'none'}; expected relu.",
            hint="a detector responds with zero or a positive strength: the exercise names that activation.",
        )
    want = expected_counts(num_words, maxlen, embedding_dim, num_units, trainable)
    got = (_params(model.trainable_weights), _params(model.non_trainable_weights))
    if got != want:
        fail(
            f"{name}({how}) built a model with {got[0]:,} trainable and {got[1]:,} non-trainable parameters; the "
            f"model described has {want[0]:,} and {want[1]:,}.",
            hint="compare your model's summary with your prediction, layer by layer: an extra layer, or one "
            "with other sizes, shows up there.",
        )


def check_build_classifier(
    build_classifier: Callable[..., Any],
    classifier_parameters: Callable[..., Any],
    *,
    num_words: int = 40,
    maxlen: int = 12,
    embedding_dim: int = 6,
    num_units: int = 4,
    seed: int = 0,
    visible: bool = True,
) -> None:
    """``classifier_parameters(num_words, maxlen, embedding_dim, num_units, trainable)`` predicts
    ``(trainable, non_trainable)``; ``build_classifier(num_words, maxlen, embedding_dim, embedding_matrix,
    trainable, num_units)`` builds the model.

    Checks the prediction against the arithmetic, then builds the three variants of the lesson (from
    scratch, frozen and fine-tuned GloVe) and checks each one's parameter counts, its behaviour (the
    same output for the same words in another order or with other counts), its Embedding and its
    sigmoid output; last, the prediction at a size no model can be built at.
    """
    __tracebackhide__ = True
    sizes = (num_words, maxlen, embedding_dim, num_units)
    _check_prediction(classifier_parameters, sizes)
    matrix = np.random.default_rng(seed).normal(size=(num_words, embedding_dim)).astype(np.float32)
    matrix[0] = 0.0
    for emb_matrix, trainable in ((None, True), (matrix, False), (matrix, True)):
        _check_one_classifier(
            build_classifier,
            num_words=num_words,
            maxlen=maxlen,
            embedding_dim=embedding_dim,
            num_units=num_units,
            matrix=emb_matrix,
            trainable=trainable,
            seed=seed,
        )
    _check_unbuildable(classifier_parameters, visible)
    report_pass(
        "build_classifier",
        visible=visible,
        detail="the prediction, and the from-scratch, frozen and fine-tuned models' sizes and behaviour",
    )
