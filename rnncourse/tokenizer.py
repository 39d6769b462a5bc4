"""The course's tokenizer, and texts as padded rows of word indices.

:func:`clean_text` and :func:`tokenize` are what :mod:`rnncourse.data` applies to every
review; :func:`encode_texts` turns any texts into the index rows that
:func:`rnncourse.data.load_imdb` returns, with the same reserved indices (0 = padding,
1 = out-of-vocabulary) and the same padding as ``keras.utils.pad_sequences``.
``data/README.md`` documents the rules.

>>> from rnncourse.tokenizer import tokenize
>>> tokenize("I didn't like it!<br />10/10")
['i', 'did', "n't", 'like', 'it', '10', '10']

This module does not import TensorFlow.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from itertools import repeat

import numpy as np

__all__ = [
    "INDEX_DTYPE",
    "OOV_INDEX",
    "OOV_TOKEN",
    "PAD_INDEX",
    "PAD_MODES",
    "PAD_TOKEN",
    "RESERVED_TOKENS",
    "TOKEN_PATTERN",
    "check_pad_args",
    "clean_text",
    "encode_texts",
    "pad_flat",
    "tokenize",
]

#: Reserved indices and the names ``word_index`` gives them.
PAD_INDEX = 0
OOV_INDEX = 1
PAD_TOKEN = "[PAD]"
OOV_TOKEN = "[UNK]"
RESERVED_TOKENS = (PAD_TOKEN, OOV_TOKEN)

#: Where zeros go / tokens are cut, as in ``keras.utils.pad_sequences``.
PAD_MODES = ("pre", "post")
#: The dtype of every index row.
INDEX_DTYPE = np.int32

_BR_RE = re.compile(r"<\s*br\s*/?\s*>", re.IGNORECASE)
# Runs of letters/digits (any script; "_" excluded), with English contractions split the way
# GloVe's corpus was tokenised: "didn't" -> "did", "n't"; "it's" -> "it", "'s".
TOKEN_PATTERN = r"[^\W_]+(?=n't\b)|n't\b|'(?:s|re|ve|ll|d|m)\b|[^\W_]+"
_TOKEN_RE = re.compile(TOKEN_PATTERN)
_APOSTROPHES = ("\u2019", "\u2018", "`", "\u00b4")  # ’ ‘ ` ´ are read as '


def clean_text(text: str) -> str:
    """Replace HTML line breaks by spaces and collapse whitespace.

    Parameters
    ----------
    text : str
        A raw review; IMDB reviews contain ``<br />`` (also ``<br/>``, ``<br>``, any case).

    Returns
    -------
    str
        The text with every ``<br>`` variant replaced by a space, runs of whitespace
        collapsed to one space and no leading or trailing whitespace.
    """
    return " ".join(_BR_RE.sub(" ", text).split())


def tokenize(text: str) -> list[str]:
    """Split a text into lowercase word tokens (the course's tokenizer).

    Rules: ``<br />`` line breaks are removed; the text is lowercased; the apostrophes
    ``’ ‘ ` ´`` count as ``'``; a token is a run of letters or digits (any script, no
    ``_``); the contractions ``n't 's 're 've 'll 'd 'm`` become tokens of their own,
    as in the corpus GloVe was trained on, so they get GloVe vectors; every other
    character (punctuation, other apostrophes, symbols) separates tokens.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    list of str
        The tokens in order, e.g. ``tokenize("I didn't like it!<br />10/10")`` is
        ``['i', 'did', "n't", 'like', 'it', '10', '10']``.
    """
    text = _BR_RE.sub(" ", text).lower()
    for apostrophe in _APOSTROPHES:
        if apostrophe in text:
            text = text.replace(apostrophe, "'")
    return _TOKEN_RE.findall(text)


# --------------------------------------------------------------------------------------
# Encoding and padding
# --------------------------------------------------------------------------------------


def check_pad_args(maxlen: int, padding: str, truncating: str) -> None:
    """Raise ``ValueError`` naming the allowed values unless the padding arguments are valid."""
    if isinstance(maxlen, bool) or not isinstance(maxlen, (int, np.integer)) or maxlen < 1:
        raise ValueError(f"maxlen must be a positive int (tokens kept per review); got {maxlen!r}")
    for name, value in (("padding", padding), ("truncating", truncating)):
        if value not in PAD_MODES:
            raise ValueError(f"{name} must be 'pre' or 'post' (as in keras.utils.pad_sequences); got {value!r}")


def pad_flat(flat: np.ndarray, lengths: Sequence[int], maxlen: int, padding: str, truncating: str) -> np.ndarray:
    """Pad/truncate the concatenated sequences ``flat`` like ``keras.utils.pad_sequences``.

    Row ``i`` of the ``int32`` result of shape ``(len(lengths), maxlen)`` holds the ``i``-th
    sequence, the next ``lengths[i]`` values of ``flat``. The arguments are not checked
    (:func:`check_pad_args` does that).
    """
    out = np.zeros((len(lengths), maxlen), dtype=INDEX_DTYPE)
    start = 0
    for row, length in enumerate(lengths):
        stop = start + length
        if length > maxlen:
            seq = flat[stop - maxlen : stop] if truncating == "pre" else flat[start : start + maxlen]
        else:
            seq = flat[start:stop]
        if len(seq):
            if padding == "pre":
                out[row, maxlen - len(seq) :] = seq
            else:
                out[row, : len(seq)] = seq
        start = stop
    return out


def encode_texts(
    texts: Sequence[str],
    word_index: Mapping[str, int],
    maxlen: int,
    *,
    num_words: int | None = None,
    padding: str = "pre",
    truncating: str = "pre",
) -> np.ndarray:
    """Turn texts into a padded index array, exactly as :func:`rnncourse.data.load_imdb` encodes reviews.

    Each text is split with :func:`tokenize`; a token maps to ``word_index[token]``, or to
    1 (out-of-vocabulary) when it is missing or its index is ``>= num_words``.

    Parameters
    ----------
    texts : sequence of str
        The texts (a list, not a single string).
    word_index : mapping of str to int
        Word to index, e.g. the third value returned by :func:`rnncourse.data.load_imdb`.
    maxlen : int
        Length of every output row.
    num_words : int, optional
        If given, indices ``>= num_words`` become 1 (out-of-vocabulary).
    padding, truncating : {"pre", "post"}
        Where zeros are added to short texts / tokens removed from long ones, as in
        ``keras.utils.pad_sequences`` (``"pre"``: at the start).

    Returns
    -------
    numpy.ndarray
        ``int32`` array of shape ``(len(texts), maxlen)``; 0 only as padding.

    Raises
    ------
    TypeError
        If ``texts`` is a single string or holds non-strings.
    ValueError
        If ``maxlen``, ``num_words``, ``padding`` or ``truncating`` is invalid.
    """
    if isinstance(texts, (str, bytes)):
        raise TypeError("texts must be a list of strings, not a single string; wrap it: [text]")
    check_pad_args(maxlen, padding, truncating)
    if num_words is not None and (not isinstance(num_words, (int, np.integer)) or num_words < 2):
        raise ValueError(f"num_words must be None or an int >= 2; got {num_words!r}")
    get = word_index.get
    flat: list[int] = []
    lengths: list[int] = []
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"texts[{i}] has type {type(text).__name__}; every text must be a str")
        tokens = tokenize(text)
        flat.extend(map(get, tokens, repeat(OOV_INDEX)))
        lengths.append(len(tokens))
    ids = np.array(flat, dtype=np.int64)
    if num_words is not None:
        ids[ids >= num_words] = OOV_INDEX
    return pad_flat(ids, lengths, maxlen, padding, truncating)
