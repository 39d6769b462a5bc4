"""rnncourse.grader.values: what may cross between the student's kernel and the harness, and how it is read.

The reading side treats every byte as hostile: each test writes what a student's kernel could
write (a pickle in an .npy, a planted link, a Lambda layer, a flood of items) and expects one
:class:`ValueRejected` with a sentence, never an object the student built and never a crash.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from rnncourse.grader.values import (
    ANSWER,
    DEFAULT_LIMITS,
    Limits,
    Opaque,
    Reader,
    ValueRejected,
    Writer,
    check_keras_archive,
)


def _round_trip(tmp_path: Path, value, *, limits: Limits = DEFAULT_LIMITS, same=None, args=None, open_files=False):
    writer = Writer(str(tmp_path))
    spec = writer.encode(value, same=same)
    (tmp_path / ANSWER).write_text(json.dumps({"value": spec}), encoding="utf-8")
    with Reader(str(tmp_path), limits, open_files=open_files) as reader:
        return reader.decode(reader.message()["value"], args=args)


def _answer(tmp_path: Path, spec, files: dict[str, bytes] | None = None, limits: Limits = DEFAULT_LIMITS):
    for name, data in (files or {}).items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / ANSWER).write_text(json.dumps({"value": spec}), encoding="utf-8")
    with Reader(str(tmp_path), limits) as reader:
        return reader.decode(reader.message()["value"])


def test_plain_values_come_back_equal_and_of_the_same_types(tmp_path):
    value = {
        "ints": [1, -2, 3],
        "floats": (0.5, float("nan"), float("inf")),
        "text": "naïve",
        "none": None,
        "flag": True,
        ("a", 1): {"nested": [[1, 2], (3,)]},
    }
    got = _round_trip(tmp_path, value)
    assert type(got["floats"]) is tuple and np.isnan(got["floats"][1]) and got["floats"][2] == float("inf")
    assert got[("a", 1)] == {"nested": [[1, 2], (3,)]} and type(got[("a", 1)]["nested"][1]) is tuple
    assert got["ints"] == [1, -2, 3] and got["text"] == "naïve" and got["none"] is None and got["flag"] is True


def test_a_long_flat_list_crosses_as_one_json_list_and_keeps_its_type(tmp_path):
    words = [f"w{i}" for i in range(1000)]
    spec = Writer(str(tmp_path)).encode(words)
    assert spec["t"] == "flat"  # one list, read without a decode per item (400,000 GloVe words)
    assert _round_trip(tmp_path, words) == words
    got = _round_trip(tmp_path, tuple(range(100)) + (None, True, "x"))
    assert type(got) is tuple and got[:3] == (0, 1, 2) and got[-3:] == (None, True, "x")
    mixed = [1.5] + list(range(100))  # a float may be nan: the general path keeps it exact
    assert Writer(str(tmp_path)).encode(mixed)["t"] == "list" and _round_trip(tmp_path, mixed) == mixed


def test_large_read_only_values_go_to_a_kernel_once_and_come_out_as_fresh_copies(tmp_path):
    from rnncourse.grader.values import KEEP_MIN_ITEMS

    matrix = np.arange(400_000, dtype=np.float32).reshape(8000, 50)
    matrix.setflags(write=False)
    words = [f"w{i}" for i in range(KEEP_MIN_ITEMS)]
    sent: dict = {}  # the harness's record of what this kernel holds
    kernel_kept: dict = {}  # the kernel's

    def call(folder, *values):
        folder.mkdir()
        specs = [Writer(str(folder), kept=sent).encode(v) for v in values]
        (folder / ANSWER).write_text(json.dumps({"v": specs}), encoding="utf-8")
        with Reader(str(folder), open_files=True, kept=kernel_kept) as reader:
            return specs, [reader.decode(spec) for spec in reader.message()["v"]]

    specs, (got_matrix, got_words) = call(tmp_path / "one", matrix, list(words))
    assert specs[0]["t"] == "array" and specs[1]["t"] == "flat" and len(kernel_kept) == 2
    got_matrix *= 0  # the student's function changes its copy in place
    got_words[0] = "changed"
    specs, (again_matrix, again_words) = call(tmp_path / "two", matrix, list(words))
    assert [s["t"] for s in specs] == ["kept", "kept"] and not list((tmp_path / "two").glob("*.npy"))
    assert np.array_equal(again_matrix, matrix) and again_matrix.flags.writeable and again_words == words
    other = words[:-1] + ["different"]  # same length, other items: sent again
    specs, (got_other,) = call(tmp_path / "three", other)
    assert specs[0]["t"] == "flat" and got_other == other
    writable = np.zeros((1000, 1000))  # may change between calls: always sent
    assert call(tmp_path / "four", writable)[0][0]["t"] == "array"
    kernel_kept.clear()  # a restarted kernel, or a student's code that emptied the store
    with pytest.raises(ValueRejected, match="no longer in the kernel"):
        call(tmp_path / "five", matrix)
    (tmp_path / "six").mkdir()
    with pytest.raises(ValueRejected, match="may not cross"):  # the harness never accepts the tag
        _answer(tmp_path / "six", {"t": "kept", "k": "0123456789abcdef"})


def test_the_course_glove_vectors_go_to_a_kernel_by_name_and_are_checked_there(tmp_path):
    from rnncourse import glove
    from rnncourse.grader.values import CourseDataUnavailable

    words, matrix = glove.load_glove_matrix()
    kernel_kept: dict = {}

    def call(folder, *values, course_data=True, edit=lambda spec: None):
        folder.mkdir()
        specs = [Writer(str(folder), kept={}, course_data=course_data).encode(v) for v in values]
        for spec in specs:
            edit(spec)
        (folder / ANSWER).write_text(json.dumps({"v": specs}), encoding="utf-8")
        with Reader(str(folder), open_files=True, kept=kernel_kept) as reader:
            return specs, [reader.decode(spec) for spec in reader.message()["v"]]

    specs, (got_words, got_matrix, got_tuple) = call(tmp_path / "one", list(words), matrix, tuple(words))
    assert [s["t"] for s in specs] == ["course"] * 3 and not list((tmp_path / "one").glob("*.npy"))
    assert got_matrix is matrix and not got_matrix.flags.writeable  # the kernel's own, read-only
    assert got_words == words and type(got_tuple) is tuple and got_tuple == tuple(words)
    assert call(tmp_path / "two", list(words))[1][0] is not got_words  # a fresh list each time
    rebuilt = [f"{word} "[:-1] for word in words]  # the same strings, other objects: still the course's words
    assert rebuilt[0] is not words[0] and call(tmp_path / "two-b", rebuilt)[0][0]["t"] == "course"
    # Not the course's own object: sent as values.
    copy = matrix.copy()
    copy.setflags(write=False)
    assert call(tmp_path / "three", copy, words[:-1] + ["other"])[0][0]["t"] == "array"
    assert call(tmp_path / "four", matrix, course_data=False)[0][0]["t"] == "array"

    def other_vectors(spec):
        spec["fingerprint"]["sample"] = "1.5"

    with pytest.raises(CourseDataUnavailable, match="differ"):
        call(tmp_path / "five", matrix, edit=other_vectors)
    (tmp_path / "six").mkdir()
    with pytest.raises(ValueRejected, match="may not cross"):  # the harness never reads course data by name
        _answer(tmp_path / "six", specs[1])


def test_arrays_scalars_and_texts_keep_dtype_and_shape(tmp_path):
    arr = np.arange(12, dtype=np.float32).reshape(3, 4)
    texts = np.array(["a good film", "a bad one"], dtype=object)
    got = _round_trip(tmp_path, (arr, np.float32(2.5), np.int64(7), texts))
    assert got[0].dtype == np.float32 and got[0].shape == (3, 4) and np.array_equal(got[0], arr)
    assert type(got[1]) is np.float32 and got[1] == 2.5 and type(got[2]) is np.int64
    assert got[3].dtype == object and list(got[3]) == ["a good film", "a bad one"]


def test_unknown_objects_cross_as_their_class_name_only(tmp_path):
    class MyList(list):
        pass

    class Liar:
        def __eq__(self, other):
            return True

    got = _round_trip(tmp_path, [MyList([1]), Liar(), np.arange(3).view(np.matrix)])
    assert [type(g).__name__ for g in got] == ["MyList", "Liar", "matrix"]
    assert all(isinstance(g, Opaque) for g in got) and got[1] != 1  # an empty object: no __eq__ of the student's


def test_the_same_object_as_an_argument_is_named_as_such(tmp_path):
    argument = [1, 2]
    got = _round_trip(tmp_path, (argument, 3), same={id(argument): 0}, args=["the harness's own"])
    assert got == ("the harness's own", 3)


def test_keras_models_cross_with_their_compile_settings_and_history(tmp_path):
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01, clipnorm=1.0), loss="mse")
    model.fit(np.ones((8, 4)), np.ones((8, 1)), epochs=2, verbose=0)
    got = _round_trip(tmp_path, model)
    assert [type(layer).__name__ for layer in got.layers] == ["Dense", "Dense"]
    assert all(np.array_equal(a, b) for a, b in zip(got.get_weights(), model.get_weights()))
    assert float(got.optimizer.clipnorm) == 1.0 and np.isclose(float(np.asarray(got.optimizer.learning_rate)), 0.01)
    assert got.history.epoch == [0, 1] and len(got.history.history["loss"]) == 2


def test_an_open_text_file_crosses_only_towards_the_kernel(tmp_path):
    source = tmp_path / "glove.txt"
    source.write_text("the 0.1 0.2\nof 0.3 0.4\n", encoding="utf-8")
    folder = tmp_path / "call"
    folder.mkdir()
    with open(source, encoding="utf-8") as lines:
        kernel_side = _round_trip(folder, lines, open_files=True)
        assert lines.read() == "the 0.1 0.2\nof 0.3 0.4\n"  # the harness's file was not consumed
    assert list(kernel_side) == ["the 0.1 0.2\n", "of 0.3 0.4\n"]
    kernel_side.close()
    with pytest.raises(ValueRejected, match="textfile"):
        _answer(folder, {"t": "textfile", "f": "v1.txt"})


def _npy(arr: np.ndarray, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, arr, allow_pickle=allow_pickle)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("spec", "files", "message"),
    [
        ({"t": "array", "f": "x.npy"}, {"x.npy": _npy(np.array([{"a": 1}], dtype=object), True)}, "Python objects"),
        ({"t": "array", "f": "x.npy"}, {"x.npy": _npy(np.zeros(2, dtype=[("a", "f4")]))}, "may not cross"),
        ({"t": "array", "f": "x.npy"}, {"x.npy": b"\x93NUMPY garbage"}, "could not be read"),
        ({"t": "array", "f": "../x.npy"}, {}, "file name"),
        ({"t": "array", "f": "gone.npy"}, {}, "missing"),
        ({"t": "pickle", "v": "gASVAAAAAAAAAAA="}, {}, "may not cross"),
        ({"t": "dict", "k": [{"t": "list", "v": []}], "v": [1]}, {}, "dict key"),
        ({"t": "dict", "k": [1, 2], "v": [1]}, {}, "pair up"),
        ({"t": "arg", "i": 0}, {}, "argument that was not passed"),
        ({"t": "float", "v": "1e999999"}, {}, "special float"),
        ({"t": "texts", "shape": [3], "v": ["a"]}, {}, "as many texts"),
        (
            {"t": "history", "history": 3, "params": {"t": "dict", "k": [], "v": []}, "epoch": {"t": "list", "v": []}},
            {},
            "History",
        ),
        ({"v": 1}, {}, "malformed"),
        ({"t": "flat", "v": ["a", {"t": "pickle"}]}, {}, "other than strings"),
        ({"t": "flat", "v": "abc"}, {}, "other than strings"),
    ],
)
def test_malformed_or_forbidden_values_are_rejected_with_a_sentence(tmp_path, spec, files, message):
    with pytest.raises(ValueRejected, match=message):
        _answer(tmp_path, spec, files)


def test_limits_on_size_nesting_and_count(tmp_path):
    (tmp_path / "big.npy").write_bytes(_npy(np.zeros(1000)))
    with pytest.raises(ValueRejected, match="more than the limit"):
        _answer(tmp_path, {"t": "array", "f": "big.npy"}, limits=Limits(max_file_bytes=4000))
    deep: object = 1
    for _ in range(50):
        deep = {"t": "list", "v": [deep]}
    with pytest.raises(ValueRejected, match="nested more than 32 levels"):
        _answer(tmp_path, deep)
    with pytest.raises(ValueRejected, match="more than 100 items"):
        _answer(tmp_path, {"t": "list", "v": list(range(200))}, limits=Limits(max_items=100))
    with pytest.raises(ValueRejected, match="characters"):
        _answer(tmp_path, "x" * 50, limits=Limits(max_string=10))
    with pytest.raises(ValueRejected, match="more than 100 items"):
        _answer(tmp_path, {"t": "flat", "v": list(range(200))}, limits=Limits(max_items=100))
    with pytest.raises(ValueRejected, match="characters"):
        _answer(tmp_path, {"t": "flat", "v": ["x" * 50]}, limits=Limits(max_string=10))


def test_a_planted_link_is_not_followed(tmp_path):
    secret = tmp_path / "secret.npy"
    secret.write_bytes(_npy(np.arange(3)))
    folder = tmp_path / "call"
    folder.mkdir()
    os.symlink(secret, folder / "x.npy")
    with pytest.raises(ValueRejected, match="could not be opened"):
        _answer(folder, {"t": "array", "f": "x.npy"})
    os.symlink(tmp_path / "elsewhere.json", folder / "link.json")
    os.rename(folder / "link.json", folder / "answer.json")
    with pytest.raises(ValueRejected, match="could not be opened"), Reader(str(folder)) as reader:
        reader.message()
    linked = tmp_path / "linked"
    os.symlink(folder, linked)
    with pytest.raises(ValueRejected, match="replaced or removed"):
        Reader(str(linked))


def _archive(config: dict, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("metadata.json", "{}")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_keras_archives_naming_other_code_are_refused_before_keras_reads_them(tmp_path):
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(lambda x: x * 2)])
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(ValueRejected, match="Lambda"):
        check_keras_archive((tmp_path / "lambda.keras").read_bytes())
    foreign = {
        "module": "keras",
        "class_name": "Sequential",
        "config": {"layers": [{"module": "os", "class_name": "system"}]},
    }
    with pytest.raises(ValueRejected, match="module 'os'"):
        check_keras_archive(_archive(foreign))
    with pytest.raises(ValueRejected, match="unpacks to more"):
        check_keras_archive(_archive({"module": "keras"}, {"big.bin": b"0" * 5000}), Limits(max_archive_bytes=1000))
    with pytest.raises(ValueRejected, match="not a valid"):
        check_keras_archive(b"PK not a zip")
    (tmp_path / "m.keras").write_bytes((tmp_path / "lambda.keras").read_bytes())
    with pytest.raises(ValueRejected, match="Lambda"):
        _answer(tmp_path, {"t": "keras", "f": "m.keras"})


def test_the_kernels_snapshot_of_a_large_argument_reuses_its_buffer_and_sees_every_change():
    """kernel_side._unchanged_test: a large array is copied into a kept buffer, NaN equals NaN, and
    two arguments of one shape in one call get a buffer each."""
    from rnncourse.grader import kernel_side

    matrix = np.full((1000, 300), 1.0)  # 2.4 MB: over the buffer threshold
    matrix[0, 0] = np.nan
    free = kernel_side._BUFFERS.setdefault((matrix.shape, matrix.dtype.str), [])
    free.clear()
    unchanged, release = kernel_side._unchanged_test(matrix)
    assert unchanged()  # the NaN is where it was: unchanged
    release()
    assert len(free) == 1
    buffer = free[0]
    unchanged, release = kernel_side._unchanged_test(matrix)
    other = matrix.copy()
    other_unchanged, other_release = kernel_side._unchanged_test(other)
    assert not free  # the kept buffer went to the first argument, a new one to the second
    other[5, 5] = 7.0
    assert unchanged() and not other_unchanged()
    matrix[0, 0] = 0.0  # the NaN replaced: a change
    assert not unchanged()
    release()
    other_release()
    assert len(free) == 2 and any(b is buffer for b in free)
    small = np.zeros(3)
    unchanged, release = kernel_side._unchanged_test(small)
    small[1] = 1.0
    assert not unchanged()
    release()
    free.clear()


def test_the_kernels_change_test_on_lists_and_dicts_compares_items_by_identity():
    """kernel_side._unchanged_test: a list or dict of plain items is unchanged only if every item is
    the very object it was (an equal copy counts as a change); one holding anything else always goes back."""
    from rnncourse.grader import kernel_side

    words = [f"w{i}" for i in range(1000)]
    unchanged, _ = kernel_side._unchanged_test(words)
    assert unchanged()
    words[500] = "".join(["w", "500"])  # equal, but not the same object
    assert not unchanged()
    unchanged, _ = kernel_side._unchanged_test(words)
    words.append("more")
    assert not unchanged()
    unchanged, _ = kernel_side._unchanged_test(words)
    words.pop()
    words.pop()
    words.append("w999")  # same length again, another object at the end
    assert not unchanged()
    table = {"a": 1, "b": "x"}
    unchanged, _ = kernel_side._unchanged_test(table)
    assert unchanged()
    table["b"] = "y"
    assert not unchanged()
    assert kernel_side._unchanged_test([1, [2]])[0] is None  # nested: always sent back
    assert kernel_side._unchanged_test({"a": [1]})[0] is None
