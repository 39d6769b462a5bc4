"""IMDB review texts and the course's train/test split (behind :mod:`rnncourse.data`).

Reads the packaged CSV or an official ``aclImdb`` folder into two :class:`Split` objects:
cleaned texts, labels and the SHA-256 digests the order is sorted by. The split rule of the
packaged reviews (duplicates stay in train; per label, the unique texts with the smallest
digests go to test) is documented in ``data/README.md``. Use :mod:`rnncourse.data`, not
this module: its names may change.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import sources
from .sources import DataSourceError
from .tokenizer import clean_text

#: The splits, in the order every function returns them.
SPLITS = ("train", "test")
#: One review in ``TEST_DIVISOR`` of each label goes to the test split (12,500 // 5 = 2,500).
TEST_DIVISOR = 5
#: The dtype of every label array (``keras.datasets.imdb``'s).
LABEL_DTYPE = np.int64

EXPECTED_SOURCE = (
    "an aclImdb folder (with train/pos, train/neg, test/pos and test/neg holding .txt reviews; "
    "the folder that contains aclImdb/ also works) or Keras's imdb.npz file"
)
ACL_SUBDIRS = ("train/pos", "train/neg", "test/pos", "test/neg")


@dataclass(frozen=True)
class Split:
    """One split: texts in the fixed order, their labels and their SHA-256 digests."""

    texts: tuple[str, ...]
    labels: np.ndarray  # int64, read-only
    digests: tuple[str, ...]


def digest(text: str) -> str:
    """SHA-256 hex digest of a cleaned text (UTF-8): what the split and its order use."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_labels(labels: np.ndarray, where: str) -> None:
    """Raise :class:`DataSourceError` unless every label is 0 or 1; ``where`` names the file."""
    bad = np.setdiff1d(np.unique(labels), [0, 1])
    if bad.size:
        raise DataSourceError(
            f"{where} has labels {bad.tolist()}; expected only 0 (negative) and 1 (positive). "
            f"The file is not an IMDB reviews file in the expected format."
        )


def _sorted_split(texts: Sequence[str], labels: Sequence[int], digests: Sequence[str], indices: Iterable[int]) -> Split:
    order = sorted(indices, key=lambda i: (digests[i], labels[i]))
    y = np.array([labels[i] for i in order], dtype=LABEL_DTYPE)
    y.flags.writeable = False
    return Split(tuple(texts[i] for i in order), y, tuple(digests[i] for i in order))


def split_packaged(texts: list[str], labels: list[int]) -> dict[str, Split]:
    """The course's split: see data/README.md."""
    digests = [digest(t) for t in texts]
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
                f"pip install --force-reinstall {sources.IMDB_REVIEWS.requirement}"
            )
        test.extend(unique[:n_test])
    test_set = set(test)
    train = [i for i in range(len(texts)) if i not in test_set]
    return {"train": _sorted_split(texts, labels, digests, train), "test": _sorted_split(texts, labels, digests, test)}


def read_packaged(path: Path) -> dict[str, Split]:
    """Both splits of the packaged CSV at ``path`` (already verified against its checksum)."""
    import pandas as pd  # imported lazily: keeps `import rnncourse.data` light

    requirement = sources.IMDB_REVIEWS.requirement
    try:
        frame = pd.read_csv(
            path, usecols=["text", "label", "source"], dtype={"text": str, "source": str}, keep_default_na=False
        )
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataSourceError(
            f"Cannot read the IMDB reviews CSV {path}: {exc}. Expected columns text,label,source. "
            f"Reinstall the package: pip install --force-reinstall {requirement}"
        ) from exc
    imdb = frame[frame["source"] == "imdb"]
    if imdb.empty:
        raise DataSourceError(
            f"The reviews CSV {path} has no rows with source == 'imdb'. Reinstall the package: "
            f"pip install --force-reinstall {requirement}"
        )
    labels = imdb["label"].to_numpy()
    check_labels(labels, f"The reviews CSV {path}")
    texts = [clean_text(t) for t in imdb["text"].tolist()]
    return split_packaged(texts, [int(y) for y in labels])


# --------------------------------------------------------------------------------------
# aclImdb folder
# --------------------------------------------------------------------------------------


def acl_root(path: Path, origin: str) -> Path:
    """The ``aclImdb`` folder at ``path`` or inside it; ``origin`` says where ``path`` came from."""
    for root in (path, path / "aclImdb"):
        if (root / "train").is_dir() or (root / "test").is_dir():
            missing = [sub for sub in ACL_SUBDIRS if not (root / sub).is_dir()]
            if missing:
                raise DataSourceError(
                    f"The aclImdb folder {str(root)!r} (from {origin}) is incomplete: missing "
                    f"{', '.join(missing)}. Expected {EXPECTED_SOURCE}; extract "
                    f"aclImdb_v1.tar.gz again."
                )
            return root
    raise DataSourceError(
        f"The folder {str(path)!r} (from {origin}) is not an aclImdb folder: it has no train/ "
        f"or test/ subfolder (nor an aclImdb/ subfolder). Expected {EXPECTED_SOURCE}."
    )


def _acl_files(root: Path, sub: str) -> list[os.DirEntry[str]]:
    with os.scandir(root / sub) as it:
        files = sorted((e for e in it if e.name.endswith(".txt") and e.is_file()), key=lambda e: e.name)
    if not files:
        raise DataSourceError(
            f"The aclImdb folder {str(root / sub)!r} holds no .txt reviews. Expected "
            f"{EXPECTED_SOURCE}; extract aclImdb_v1.tar.gz again."
        )
    return files


def acl_fingerprint(root: Path) -> str:
    """What identifies an aclImdb folder's content in cache keys: its files' names, sizes, times."""
    # Hashing 50,000 files would take longer than preparing the data; names, sizes and
    # modification times identify the content well enough for a cache key.
    h = hashlib.sha256()
    for sub in ACL_SUBDIRS:
        for entry in _acl_files(root, sub):
            st = entry.stat()
            h.update(f"{sub}/{entry.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return "stat:" + h.hexdigest()


def read_acl(root: Path) -> dict[str, Split]:
    """The official split of an aclImdb folder, as it is (25,000 + 25,000), cleaned and sorted."""
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
        digests = [digest(t) for t in texts]
        splits[split] = _sorted_split(texts, labels, digests, range(len(texts)))
    return splits
