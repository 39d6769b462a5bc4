"""The caches of prepared IMDB data (behind :mod:`rnncourse.data`).

* the arrays of :func:`rnncourse.data.load_imdb`: one ``.npz`` per source and parameters;
* the cleaned review texts of :func:`rnncourse.data.load_imdb_reviews`: one ``.npz`` per
  source (reading and cleaning the packaged CSV took about 1 s of CPU in every process that
  needed the texts: lesson 04's kernel, and each grading worker's checks).

Each file is uncompressed, written atomically and never trusted when read back: its arrays
must match the SHA-256 stored inside, and their dtypes and shapes are checked.
``data/README.md`` documents the file names, the keys and the rules. Use :mod:`rnncourse.data`,
not this module: its names may change.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ._imdb_reviews import LABEL_DTYPE, SPLITS, Split
from .tokenizer import INDEX_DTYPE

#: Bump when the cleaning, tokenizer, split or array layout changes: old cache files are
#: then ignored (they are keyed by this number) and can be removed with ``make clean-data``.
CACHE_VERSION = 1

#: Environment variable: the folder of the cache files (default ``<project root>/data/cache``).
DATA_DIR_ENV = "RNNCOURSE_DATA_DIR"

_PROJECT_ROOT = Path(__file__).resolve().parent.parent
_CHECKSUM_KEY = "payload_sha256"
_ARRAY_KEYS = ("x_train", "y_train", "x_test", "y_test", "words", "indices")
# Per split: the cleaned texts as one UTF-8 byte string and where each text ends in it, the
# labels, and the SHA-256 digests (hex, as bytes) that order the split.
_TEXT_KEYS = tuple(f"{split}_{part}" for split in SPLITS for part in ("utf8", "ends", "labels", "digests"))
_DIGEST_DTYPE = np.dtype("S64")


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


def _payload_sha256(arrays: Mapping[str, np.ndarray], keys: tuple[str, ...] = _ARRAY_KEYS) -> str:
    h = hashlib.sha256()
    for name in keys:
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}\n".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def cache_path(kind: str, fingerprint: str, params: Mapping[str, object]) -> Path:
    """The cache file of a source (its kind and content fingerprint) and ``load_imdb``'s parameters."""
    key = json.dumps(
        {"cache_version": CACHE_VERSION, "source_kind": kind, "source": fingerprint, **params},
        sort_keys=True,
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    words = "all" if params["num_words"] is None else params["num_words"]
    return cache_dir() / f"imdb-{kind}-w{words}-l{params['maxlen']}-{digest}.npz"


def read_cache(path: Path, maxlen: int) -> dict[str, np.ndarray]:
    """Load and verify a cache file; raise on any problem."""
    with np.load(path, allow_pickle=False) as f:
        arrays = {name: f[name] for name in (*_ARRAY_KEYS, _CHECKSUM_KEY)}
    if str(arrays[_CHECKSUM_KEY]) != _payload_sha256(arrays):
        raise ValueError("payload checksum mismatch")
    for split in SPLITS:
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.dtype != INDEX_DTYPE or x.ndim != 2 or x.shape[1] != maxlen:
            raise ValueError(f"x_{split} has dtype {x.dtype} and shape {x.shape}")
        if y.dtype != LABEL_DTYPE or y.shape != (x.shape[0],):
            raise ValueError(f"y_{split} has dtype {y.dtype} and shape {y.shape}")
    if arrays["words"].ndim != 1 or arrays["words"].shape != arrays["indices"].shape:
        raise ValueError("words and indices disagree")
    return arrays


def texts_cache_path(kind: str, fingerprint: str) -> Path:
    """The file of a source's cleaned texts (its kind and content fingerprint)."""
    key = json.dumps({"cache_version": CACHE_VERSION, "source_kind": kind, "source": fingerprint, "texts": True})
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir() / f"imdb-{kind}-texts-{digest}.npz"


def _texts_payload(splits: Mapping[str, Split]) -> dict[str, np.ndarray]:
    payload: dict[str, np.ndarray] = {}
    for split in SPLITS:
        part = splits[split]
        encoded = [text.encode("utf-8") for text in part.texts]
        payload[f"{split}_utf8"] = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        payload[f"{split}_ends"] = np.cumsum([len(b) for b in encoded], dtype=np.int64)
        payload[f"{split}_labels"] = np.asarray(part.labels, dtype=LABEL_DTYPE)
        payload[f"{split}_digests"] = np.array([d.encode("ascii") for d in part.digests], dtype=_DIGEST_DTYPE)
    return payload


def read_texts_cache(path: Path) -> dict[str, Split]:
    """Load and verify a texts cache file; raise on any problem."""
    with np.load(path, allow_pickle=False) as f:
        arrays = {name: f[name] for name in (*_TEXT_KEYS, _CHECKSUM_KEY)}
    if str(arrays[_CHECKSUM_KEY]) != _payload_sha256(arrays, _TEXT_KEYS):
        raise ValueError("payload checksum mismatch")
    splits = {}
    for split in SPLITS:
        utf8, ends, labels, digests = (arrays[f"{split}_{part}"] for part in ("utf8", "ends", "labels", "digests"))
        if utf8.dtype != np.uint8 or utf8.ndim != 1 or ends.dtype != np.int64 or ends.ndim != 1:
            raise ValueError(f"the {split} texts have dtypes {utf8.dtype}/{ends.dtype}")
        if (
            labels.dtype != LABEL_DTYPE
            or digests.dtype != _DIGEST_DTYPE
            or not (labels.shape == digests.shape == ends.shape)
        ):
            raise ValueError(f"the {split} labels or digests disagree with its texts")
        bounds = np.concatenate([[0], ends])
        if np.any(np.diff(bounds) < 0) or bounds[-1] != utf8.size:
            raise ValueError(f"the {split} text ends are out of order")
        blob = utf8.tobytes()
        cuts = bounds.tolist()
        texts = tuple(blob[start:end].decode("utf-8") for start, end in zip(cuts, cuts[1:]))
        labels.flags.writeable = False
        splits[split] = Split(texts, labels, tuple(d.decode("ascii") for d in digests.tolist()))
    return splits


def write_texts_cache(path: Path, splits: Mapping[str, Split], meta: Mapping[str, object]) -> None:
    """Write a source's cleaned texts atomically; warn instead of failing (as :func:`write_cache`)."""
    _write(path, _texts_payload(splits), _TEXT_KEYS, meta, stacklevel=3)


def write_cache(path: Path, arrays: Mapping[str, np.ndarray], meta: Mapping[str, object]) -> None:
    """Write atomically (temporary file + os.replace); warn instead of failing.

    Called by ``load_imdb``: the warning points at its caller.
    """
    _write(path, arrays, _ARRAY_KEYS, meta, stacklevel=4)


def _write(
    path: Path, arrays: Mapping[str, np.ndarray], keys: tuple[str, ...], meta: Mapping[str, object], stacklevel: int
) -> None:
    payload = {name: arrays[name] for name in keys}
    payload[_CHECKSUM_KEY] = np.array(_payload_sha256(payload, keys))
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
            stacklevel=stacklevel,
        )
