"""Keras's ``imdb.npz`` as a source of :func:`rnncourse.data.load_imdb` (behind :mod:`rnncourse.data`).

The file stores word *ranks* (1 = most frequent word) in ragged object arrays. It is read
with a restricted unpickler that only rebuilds numpy arrays, so a tampered file cannot run
code, and its ranks are remapped to the course's convention (rank ``r`` -> index ``r + 1``).
``data/README.md`` documents the rules. Use :mod:`rnncourse.data`, not this module: its
names may change.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ._imdb_reviews import LABEL_DTYPE, SPLITS, check_labels
from .sources import DataSourceError, sha256_file
from .tokenizer import OOV_INDEX, OOV_TOKEN, PAD_INDEX, PAD_TOKEN, RESERVED_TOKENS, pad_flat

#: Keras's word index, looked for next to the ``.npz``.
KERAS_WORD_INDEX = "imdb_word_index.json"
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


def fingerprint(path: Path) -> str:
    """What identifies the ``.npz`` (and the word index next to it) in cache keys: their SHA-256."""
    result = sha256_file(path)
    index_path = path.with_name(KERAS_WORD_INDEX)
    if index_path.is_file():
        result += ":" + sha256_file(index_path)
    return result


def read_keras_npz(path: Path) -> dict[str, np.ndarray]:
    """The arrays of the ``.npz`` at ``path``; :class:`DataSourceError` if it is not Keras's imdb.npz."""
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


def build_from_npz(
    path: Path, num_words: int | None, maxlen: int, padding: str, truncating: str
) -> dict[str, np.ndarray]:
    """The full-size arrays :func:`rnncourse.data.load_imdb` returns, from Keras's imdb.npz.

    Called as ``load_imdb -> _build_arrays -> build_from_npz``: the missing-word-index
    warning points at the caller of ``load_imdb`` (``stacklevel=4``).
    """
    arrays = read_keras_npz(path)
    raw: dict[str, list[np.ndarray]] = {}
    labels: dict[str, np.ndarray] = {}
    for split in SPLITS:
        seqs = [np.asarray(s, dtype=np.int64).ravel() for s in arrays[f"x_{split}"]]
        y = np.asarray(arrays[f"y_{split}"]).astype(LABEL_DTYPE).ravel()
        if len(seqs) != len(y):
            raise DataSourceError(
                f"{path}: x_{split} has {len(seqs)} rows but y_{split} has "
                f"{len(y)}. The file is corrupt; download it again."
            )
        check_labels(y, str(path))
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
        out[f"x_{split}"] = pad_flat(flat, lengths, maxlen, padding, truncating)
        out[f"y_{split}"] = labels[split][order]
    index_path = path.with_name(KERAS_WORD_INDEX)
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
            f"Put Keras's {KERAS_WORD_INDEX} (keras.datasets.imdb.get_word_index() downloads it) "
            f"next to {path.name} to get the words.",
            UserWarning,
            stacklevel=4,
        )
    out["words"] = np.array(words, dtype=str)
    out["indices"] = np.array(indices, dtype=np.int64)
    return out
