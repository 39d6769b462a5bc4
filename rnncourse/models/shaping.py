"""Data shaping for lesson 04: the arrays and texts its models read.

What the networks of :mod:`.builders` are fed, derived from one loaded data set without
reloading it:

* :func:`raw_index_feature`: word indices as one float feature per step (the baseline's input);
* :func:`crop_sequences` and :func:`restrict_vocabulary`: shorter sequences and a smaller
  vocabulary, equal to loading with the smaller ``maxlen`` or ``num_words``;
* :func:`balanced_split`: the label-balanced study and validation sets;
* :func:`adapt_in_batches` and :func:`text_vectorizer`: a ``TextVectorization`` adapted on raw
  texts a batch at a time (the bag of bigrams' vectorizer, Exercise 1's reference).

Used by lesson 04 (``solutions/04_sentiment``), the reference of its check ``make_vectorizer``
(``rnncourse/checks/l04_sentiment/``), and ``make bench`` (``bench/variants.py``,
``bench/final_comparison.py``). TensorFlow and Keras are imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "adapt_in_batches",
    "balanced_split",
    "crop_sequences",
    "raw_index_feature",
    "restrict_vocabulary",
    "text_vectorizer",
]


def raw_index_feature(x: np.ndarray) -> np.ndarray:
    """Word indices as one float feature per time step, the baseline's (naive) input.

    Parameters
    ----------
    x : numpy.ndarray
        Integer word indices of shape ``(n, T)``.

    Returns
    -------
    numpy.ndarray
        ``float32`` array of shape ``(n, T, 1)`` holding the same numbers: index 3,000 is
        read as the magnitude 3000.0, which is exactly what makes the baseline fail.
    """
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x must have shape (n, T); got {x.shape}")
    return x.astype(np.float32)[..., None]


def crop_sequences(x: np.ndarray, maxlen: int) -> np.ndarray:
    """Keep the last ``maxlen`` positions of pre-padded, pre-truncated sequences.

    For arrays from :func:`rnncourse.data.load_imdb` (``padding="pre"``,
    ``truncating="pre"``) this equals loading with the smaller ``maxlen``: both keep each
    review's last ``maxlen`` tokens, with zeros in front of short reviews.
    """
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x must have shape (n, T); got {x.shape}")
    if isinstance(maxlen, bool) or not isinstance(maxlen, (int, np.integer)) or not 1 <= maxlen <= x.shape[1]:
        raise ValueError(f"maxlen must be an int in [1, {x.shape[1]}]; got {maxlen!r}")
    return x[:, x.shape[1] - maxlen :].copy()


def restrict_vocabulary(x: np.ndarray, num_words: int) -> np.ndarray:
    """Map every index ``>= num_words`` to 1 (out-of-vocabulary).

    Indices are ranked by frequency, so this equals loading with the smaller ``num_words``
    (``load_imdb``'s ``num_words`` counts the indices 0 and 1 too).
    """
    if isinstance(num_words, bool) or not isinstance(num_words, (int, np.integer)) or num_words < 3:
        raise ValueError(f"num_words must be an int >= 3; got {num_words!r}")
    out = np.array(x, copy=True)
    out[out >= num_words] = 1
    return out


def balanced_split(labels: np.ndarray, num_first: int, num_last: int) -> tuple[np.ndarray, np.ndarray]:
    """Two disjoint, label-balanced index sets: the first and the last reviews of each label.

    The lesson's study set is ``num_first`` reviews and its validation set ``num_last``
    reviews of the training split. Taking plain slices ``[:n]`` and ``[-m:]`` can give
    skewed labels (the subsets ``load_imdb(num_train=...)`` returns are balanced as a whole,
    not in every slice), so each label contributes half: the first ``num_first // 2`` reviews
    of each label (label 0 gets the extra one when ``num_first`` is odd) form the first set,
    the last ``num_last // 2`` of each label the second.

    Returns
    -------
    first, last : numpy.ndarray
        Sorted ``int64`` row indices into ``labels``, so the split order is kept.

    Raises
    ------
    ValueError
        If a label has too few reviews for both sets without overlap.
    """
    labels = np.asarray(labels)
    first, last = [], []
    for label, (n_first, n_last) in zip(
        (0, 1), (((num_first + 1) // 2, (num_last + 1) // 2), (num_first // 2, num_last // 2))
    ):
        rows = np.flatnonzero(labels == label)
        if n_first + n_last > len(rows):
            raise ValueError(
                f"label {label} has {len(rows)} reviews; {n_first} + {n_last} are needed for two disjoint sets"
            )
        first.append(rows[:n_first])
        last.append(rows[len(rows) - n_last :])
    return np.sort(np.concatenate(first)), np.sort(np.concatenate(last))


def adapt_in_batches(vectorizer: Any, texts: Sequence[str], batch_size: int = 512) -> Any:
    """Adapt a ``TextVectorization`` on ``texts`` a batch at a time; return the vectorizer.

    The vocabulary (and the idf weights of ``output_mode="tf_idf"``) are the same as those of
    ``vectorizer.adapt(texts)``, which converts the whole array at once: for the bag of bigrams
    of lesson 04 (20,000 reviews) that peaked about 1.2 GB higher than batches of 512 when this
    was measured (``tests/test_models.py`` checks that the vocabularies agree).
    """
    import tensorflow as tf

    data = tf.data.Dataset.from_tensor_slices(np.asarray(list(texts), dtype=object)).batch(batch_size)
    vectorizer.adapt(data)
    return vectorizer


def text_vectorizer(texts: Sequence[str], num_words: int, maxlen: int) -> Any:
    """``TextVectorization(max_tokens=num_words, output_sequence_length=maxlen)`` adapted on ``texts``.

    Lesson 04's Exercise 1 (``make_vectorizer``): the default standardisation (lowercase, strip
    punctuation) and whitespace split; index 0 is padding (``''``), 1 unknown (``'[UNK]'``);
    shorter texts are padded at the end, longer ones keep their first ``maxlen`` tokens.
    """
    import keras

    vectorizer = keras.layers.TextVectorization(max_tokens=num_words, output_mode="int", output_sequence_length=maxlen)
    return adapt_in_batches(vectorizer, texts)
