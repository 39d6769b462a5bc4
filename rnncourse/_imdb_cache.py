"""The cache of prepared IMDB arrays (behind :func:`rnncourse.data.load_imdb`).

One uncompressed ``.npz`` per source and parameters, written atomically and never trusted
when read back: its arrays must match the SHA-256 stored inside, and their dtypes and shapes
are checked. ``data/README.md`` documents the file names, the key and the rules. Use
:mod:`rnncourse.data`, not this module: its names may change.
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

from ._imdb_reviews import LABEL_DTYPE, SPLITS
from .tokenizer import INDEX_DTYPE

#: Bump when the cleaning, tokenizer, split or array layout changes: old cache files are
#: then ignored (they are keyed by this number) and can be removed with ``make clean-data``.
CACHE_VERSION = 1

#: Environment variable: the folder of the cache files (default ``<project root>/data/cache``).
DATA_DIR_ENV = "RNNCOURSE_DATA_DIR"

_PROJECT_ROOT = Path(__file__).resolve().parent.parent
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


def write_cache(path: Path, arrays: Mapping[str, np.ndarray], meta: Mapping[str, object]) -> None:
    """Write atomically (temporary file + os.replace); warn instead of failing.

    Called by ``load_imdb``: the warning points at its caller (``stacklevel=3``).
    """
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
