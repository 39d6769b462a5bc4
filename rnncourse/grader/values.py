"""Plain values between the student's kernel and the grading harness, and nothing else.

Both sides of a call (:mod:`.kernel_side` in the student's kernel, :mod:`.harness` in the
grader) write values with :func:`encode` and read them with :func:`decode`. A value becomes a
JSON description plus files in one folder:

* ``None``, bools, ints, floats and strings as JSON;
* lists, tuples and dicts of values, tagged (``{"t": "tuple", "v": [...]}``);
* numpy arrays and scalars as ``.npy`` files, read with ``allow_pickle=False`` (numbers, bools
  and text only);
* Keras models and layers as ``.keras`` archives, read with ``safe_mode=True`` after their
  config was checked (Keras classes only, no Lambda);
* a training ``History`` as its ``history``, ``params`` and ``epoch``;
* towards the kernel only, the course's own GloVe vectors by name (:func:`course_data_spec`):
  the kernel loads them itself, as the student's cells already did.

Anything else is written as ``{"t": "opaque", "type": <its class name>}`` and read back as an
empty :class:`Opaque` object of that name, so a check can say "most_similar returned a MyList".
Never pickle, never an object the student built: :func:`decode` builds every object itself,
from data it checked against :class:`Limits` (sizes, nesting, names). The kernel side is the
student's interpreter, so whatever it writes is treated as hostile input.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import secrets
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from typing import Any

#: The numpy dtype kinds that may cross: bool, signed and unsigned ints, floats, complex, text.
ARRAY_KINDS = frozenset("biufcUS")
_FILE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}\.(npy|keras|txt)$")
_TYPE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,59}$")
_FLAT = (str, int, bool, type(None))  # the items of a "flat" list: JSON carries each exactly as it is


class ValueRejected(ValueError):
    """What came across is not a plain value within the limits; the message says why, in one sentence."""


class CourseDataUnavailable(ValueRejected):
    """The kernel could not produce the course data a request named; the harness then sends the values."""


@dataclass(frozen=True)
class Limits:
    """How much one message may hold. Generous for honest answers, small against a flood."""

    max_depth: int = 32  # nesting of lists, tuples and dicts
    max_items: int = 1_000_000  # values in one message, all levels together
    max_string: int = 2_000_000  # characters in one string
    max_json_bytes: int = 64 * 1024**2  # the description file
    max_file_bytes: int = 512 * 1024**2  # one .npy or .keras file
    max_total_bytes: int = 1024**3  # all files of one message
    max_archive_bytes: int = 1024**3  # a .keras archive, unpacked


DEFAULT_LIMITS = Limits()


class Opaque:
    """Stands for a value that may not cross; only its class name came across."""

    type_name = "object"

    def __repr__(self) -> str:
        return f"<a {self.type_name}>"


def opaque(type_name: str) -> Opaque:
    """An empty object whose class is called ``type_name`` (so ``type(x).__name__`` reads right)."""
    name = type_name if _TYPE_NAME.match(type_name or "") else "object"
    return type(name, (Opaque,), {"type_name": name})()


# ------------------------------------------------------------------ writing
KEEP_MIN_BYTES = 1 << 20  # a read-only array this large is sent to a kernel once per notebook
KEEP_MIN_ITEMS = 10_000  # and so is a flat list this long (GloVe's 400,000 words)
_TOKEN = re.compile(r"^[0-9a-f]{16}$")


# ------------------------------------------------------------------ the course's own data, by name
# Lesson 03's checks pass the packaged GloVe vectors (400,000 words, an 80 MB matrix) to the
# student's functions. Sent as values, they cost about a second per notebook and several copies
# of 80 MB; the kernel has them already (the student's cells load them with the same package).
# So the harness names them, with a fingerprint, and the kernel side hands out its own: the
# read-only matrix itself (as a check passes it in JupyterLab) and a fresh list of the words.
# Whatever the kernel does with them changes only the inputs of the student's own answers.


def _glove_fingerprint(words: Any, matrix: Any) -> dict[str, Any]:
    import numpy as np

    return {
        "words": [len(words), words[0], words[len(words) // 2], words[-1]] if len(words) else [0],
        "shape": list(matrix.shape),
        "dtype": matrix.dtype.str,
        "sample": repr(float(np.asarray(matrix[:: max(1, len(matrix) // 97)], dtype=np.float64).sum())),
    }


def course_data_spec(value: Any) -> dict[str, Any] | None:
    """``{"t": "course", ...}`` when ``value`` is the default GloVe words or matrix this process loaded."""
    import sys

    glove = sys.modules.get("rnncourse.glove")
    loaded = glove.loaded_default_vectors() if glove is not None else None
    if loaded is None:
        return None
    words, matrix = loaded
    if value is matrix:
        name = "glove.matrix"
    elif type(value) in (list, tuple) and len(value) == len(words) and tuple(value) == words:
        name = "glove.words"  # the same strings (a C loop that stops at the first difference: 2 ms, not 0.2 s)
    else:
        return None
    fingerprint = _glove_fingerprint(words, matrix)
    return {"t": "course", "name": name, "tuple": type(value) is tuple, "fingerprint": fingerprint}


def _course_data(spec: dict[str, Any]) -> Any:
    """The kernel's own copy of the data ``spec`` names; :class:`CourseDataUnavailable` if it differs."""
    name = spec.get("name")
    if name not in ("glove.matrix", "glove.words"):
        raise ValueRejected("the request names course data the kernel does not know")
    try:
        from .. import glove

        words, matrix = glove.load_glove_matrix()
    except Exception:  # noqa: BLE001  (any failure: the harness sends the values instead)
        raise CourseDataUnavailable("the kernel could not load the GloVe vectors") from None
    if _glove_fingerprint(words, matrix) != spec.get("fingerprint"):
        raise CourseDataUnavailable("the kernel's GloVe vectors differ from the grader's")
    if name == "glove.matrix":
        return matrix  # read-only, as in JupyterLab
    return tuple(words) if spec.get("tuple") is True else words  # load_glove_matrix: a fresh list


class Writer:
    """Encodes values into a folder: the description is JSON, arrays and models are files.

    ``kept`` (the harness's, one per kernel) remembers the large values this kernel already
    holds: a read-only array (the same object) or a long flat list (the same items) goes once,
    and later calls name it by a token. The kernel hands out a fresh copy each time, so what a
    student's function does to its argument never reaches the next call. With ``course_data``
    (the harness's requests), the course's GloVe vectors go by name (:func:`course_data_spec`).
    """

    def __init__(
        self,
        folder: str,
        prefix: str = "v",
        kept: dict[Any, tuple[Any, str]] | None = None,
        *,
        course_data: bool = False,
    ) -> None:
        self.folder, self.prefix, self.count, self.kept = folder, prefix, 0, kept
        self.course_data = course_data

    def _keep(self, key: Any, value: Any, same: Any) -> tuple[str, bool]:
        """``(token, already_sent)`` for a value the kernel may keep."""
        assert self.kept is not None
        known = self.kept.get(key)
        if known is not None and (known[0] is value or same(known[0])):
            return known[1], True
        token = secrets.token_hex(8)
        self.kept[key] = (value, token)
        return token, False

    def _file(self, suffix: str) -> tuple[str, str]:
        self.count += 1
        name = f"{self.prefix}{self.count}{suffix}"
        return name, os.path.join(self.folder, name)

    def encode(self, value: Any, *, same: dict[int, int] | None = None, depth: int = 0) -> Any:
        """The JSON description of ``value``; ``same`` maps ``id(obj)`` to an argument's index."""
        if same and id(value) in same and not isinstance(value, (bool, int, float, str, type(None))):
            return {"t": "arg", "i": same[id(value)]}
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, float)) and type(value) in (int, float):
            return {"t": "float", "v": repr(value)} if isinstance(value, float) and not math.isfinite(value) else value
        if depth > 64:
            return {"t": "opaque", "type": "deeply_nested"}
        if type(value) in (list, tuple):
            named = course_data_spec(value) if self.course_data and len(value) >= KEEP_MIN_ITEMS else None
            if named is not None:  # before the per-item type test below, which costs 0.2 s on GloVe's words
                return named
            if len(value) > 64 and all(type(v) in _FLAT for v in value):
                # 400,000 GloVe words in one list: one JSON list, read back without a call per item
                spec: dict[str, Any] = {"t": "flat", "tuple": type(value) is tuple}
                if self.kept is not None and len(value) >= KEEP_MIN_ITEMS:
                    items = tuple(value)
                    token, sent = self._keep(("flat", len(items), hash(items)), items, items.__eq__)
                    if sent:
                        return {**spec, "t": "kept", "k": token}
                    spec["keep"] = token
                return {**spec, "v": list(value)}
            return {"t": type(value).__name__, "v": [self.encode(v, same=same, depth=depth + 1) for v in value]}
        if type(value) is dict:
            keys = [self.encode(k, depth=depth + 1) for k in value]
            return {"t": "dict", "k": keys, "v": [self.encode(v, same=same, depth=depth + 1) for v in value.values()]}
        return self._encode_object(value)

    def _encode_object(self, value: Any) -> Any:
        import numpy as np

        module = type(value).__module__ or ""
        if isinstance(value, (np.ndarray, np.generic)) or (
            module.startswith(("tensorflow", "keras")) and hasattr(value, "numpy") and hasattr(value, "shape")
        ):
            arr = value if isinstance(value, (np.ndarray, np.generic)) else np.asarray(value.numpy())
            if type(arr) not in (np.ndarray,) and not isinstance(arr, np.generic):
                return {"t": "opaque", "type": type(value).__name__}
            if (
                type(arr) is np.ndarray
                and arr.dtype.kind == "O"
                and arr.size <= 10**6
                and all(type(item) is str for item in arr.flat)
            ):  # texts, as the checks of lesson 04 pass them: sent as strings, rebuilt as they were
                return {"t": "texts", "shape": list(arr.shape), "v": [str(item) for item in arr.flat]}
            if np.asarray(arr).dtype.kind not in ARRAY_KINDS:
                return {"t": "opaque", "type": f"{type(value).__name__}_of_{np.asarray(arr).dtype.kind}"}
            if np.asarray(arr).nbytes > DEFAULT_LIMITS.max_file_bytes:
                return {"t": "opaque", "type": "array_too_large_to_grade"}
            if self.course_data and type(arr) is np.ndarray and arr.nbytes >= KEEP_MIN_BYTES:
                named = course_data_spec(arr)
                if named is not None:
                    return named
            keep = None
            if (
                self.kept is not None
                and type(arr) is np.ndarray
                and not arr.flags.writeable
                and arr.nbytes >= KEEP_MIN_BYTES
            ):  # read-only: the same object still holds the same numbers
                keep, sent = self._keep(("array", id(arr)), arr, lambda known: False)
                if sent:
                    return {"t": "kept", "k": keep}
            name, path = self._file(".npy")
            np.save(path, np.asarray(arr), allow_pickle=False)
            kind = "scalar" if isinstance(arr, np.generic) else "array"
            return {"t": kind, "f": name, "keep": keep} if keep else {"t": kind, "f": name}
        if isinstance(value, io.TextIOWrapper) and value.readable() and not value.closed:
            # An open text file a check passes (lesson 03's GloVe lines): its content from here on.
            position = value.tell()
            text = value.read()
            value.seek(position)
            name, path = self._file(".txt")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
            return {"t": "textfile", "f": name}
        if module.startswith("keras"):
            import keras

            if isinstance(value, keras.callbacks.History):
                return {
                    "t": "history",
                    "history": self.encode(dict(value.history or {})),
                    "params": self.encode(dict(value.params or {})),
                    "epoch": self.encode(list(value.epoch or [])),
                }
            if isinstance(value, keras.layers.Layer):
                name, path = self._file(".keras")
                keras.saving.save_model(value, path)
                spec: dict[str, Any] = {"t": "keras", "f": name}
                history = getattr(value, "history", None)
                if isinstance(history, keras.callbacks.History):  # what fit left on a model
                    spec["history"] = self.encode(history)
                return spec
        return {"t": "opaque", "type": type(value).__name__}


REQUEST = "request.json"  # what the harness asks, in the call's folder
ANSWER = "answer.json"  # what the kernel answers, in the same folder


def write_message(folder: str, message: dict[str, Any], name: str = ANSWER) -> None:
    """``message`` (already encoded) as ``folder/name``."""
    with open(os.path.join(folder, name), "w", encoding="utf-8") as handle:
        handle.write(json.dumps(message))  # dumps: C encoder (dump streams in pure Python, 5x slower)


# ------------------------------------------------------------------ reading
class Reader:
    """Reads a message written by the other side, trusting nothing in it.

    Files are opened relative to a folder descriptor with ``O_NOFOLLOW`` (a link planted in the
    folder is refused), must be regular files within the size limits, and are read into memory
    before numpy or Keras sees them.
    """

    def __init__(
        self,
        folder: str,
        limits: Limits = DEFAULT_LIMITS,
        *,
        open_files: bool = False,
        kept: dict[str, Any] | None = None,
    ) -> None:
        self.limits, self.open_files = limits, open_files  # open_files: the kernel's side only
        self.kept = kept  # the kernel's side only: values the harness sent once (see Writer)
        self.folder = folder
        self.items = 0
        self.total_bytes = 0
        try:
            self.dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError:
            raise ValueRejected("the folder of the answer was replaced or removed") from None

    def close(self) -> None:
        os.close(self.dir_fd)

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read_bytes(self, name: str, limit: int) -> bytes:
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=self.dir_fd)
        except FileNotFoundError:
            raise ValueRejected(f"the file {name} is missing") from None
        except OSError as exc:
            raise ValueRejected(f"the file {name} could not be opened ({exc.strerror})") from None
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise ValueRejected(f"{name} is not a regular file")
            if info.st_size > limit:
                raise ValueRejected(f"{name} holds {info.st_size:,} bytes, more than the limit of {limit:,}")
            self.total_bytes += info.st_size
            if self.total_bytes > self.limits.max_total_bytes:
                raise ValueRejected(f"the values hold more than {self.limits.max_total_bytes:,} bytes")
            data = handle.read(info.st_size + 1)  # not limit + 1: that would reserve the whole limit
        if len(data) > limit:
            raise ValueRejected(f"{name} grew past the limit of {limit:,} bytes while it was read")
        return data

    def message(self, name: str = ANSWER) -> dict[str, Any]:
        raw = self.read_bytes(name, self.limits.max_json_bytes)
        try:
            message = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise ValueRejected("the answer was not valid JSON") from None
        if not isinstance(message, dict):
            raise ValueRejected("the answer was not a JSON object")
        return message

    def decode(self, spec: Any, *, args: list[Any] | None = None, depth: int = 0) -> Any:
        """The value ``spec`` describes; ``args`` resolves ``{"t": "arg", "i": i}`` to ``args[i]``."""
        self.items += 1
        if self.items > self.limits.max_items:
            raise ValueRejected(f"the value holds more than {self.limits.max_items:,} items")
        if depth > self.limits.max_depth:
            raise ValueRejected(f"the value is nested more than {self.limits.max_depth} levels deep")
        if spec is None or type(spec) in (bool, int, float):
            return spec
        if type(spec) is str:
            if len(spec) > self.limits.max_string:
                raise ValueRejected(f"a string holds more than {self.limits.max_string:,} characters")
            return spec
        if type(spec) is not dict or type(spec.get("t")) is not str:
            raise ValueRejected("the value's description is malformed")
        tag = spec["t"]
        if tag in ("list", "tuple"):
            items = spec.get("v")
            if type(items) is not list:
                raise ValueRejected(f"a {tag} came without its items")
            values = [self.decode(v, args=args, depth=depth + 1) for v in items]
            return values if tag == "list" else tuple(values)
        if tag == "dict":
            keys, entries = spec.get("k"), spec.get("v")
            if type(keys) is not list or type(entries) is not list or len(keys) != len(entries):
                raise ValueRejected("a dict came with keys and values that do not pair up")
            out = {}
            for k, v in zip(keys, entries):
                key = self.decode(k, depth=depth + 1)
                if not _hashable_plain(key):
                    raise ValueRejected("a dict key is not a number, a string or a tuple of them")
                out[key] = self.decode(v, args=args, depth=depth + 1)
            return out
        if tag == "flat":
            return self._remember(spec, self._flat(spec))
        if tag == "kept":
            return self._recall(spec)
        if tag == "course" and self.kept is not None:  # the kernel's side only: see course_data_spec
            return _course_data(spec)
        if tag == "float":
            if spec.get("v") not in ("nan", "inf", "-inf"):
                raise ValueRejected("a special float is not nan, inf or -inf")
            return float(spec["v"])
        if tag in ("array", "scalar"):
            return self._remember(spec, self._array(spec, scalar=tag == "scalar"))
        if tag == "texts":
            return self._texts(spec)
        if tag == "textfile" and self.open_files:
            self.read_bytes(self._file_name(spec), self.limits.max_file_bytes)  # a regular file, in bounds
            return open(os.path.join(self.folder, self._file_name(spec)), encoding="utf-8")  # noqa: SIM115
        if tag == "keras":
            return self._keras(spec)
        if tag == "history":
            return self._history(spec, depth)
        if tag == "arg":
            index = spec.get("i")
            if args is None or type(index) is not int or not 0 <= index < len(args):
                raise ValueRejected("the answer refers to an argument that was not passed")
            return args[index]
        if tag == "opaque":
            return opaque(str(spec.get("type", "object"))[:60])
        raise ValueRejected(f"values of kind {tag[:30]!r} may not cross")

    def _file_name(self, spec: dict[str, Any]) -> str:
        name = spec.get("f")
        if type(name) is not str or not _FILE_NAME.match(name):
            raise ValueRejected("a file name in the answer is not one the grader writes or reads")
        return name

    def _array(self, spec: dict[str, Any], *, scalar: bool) -> Any:
        import numpy as np

        data = self.read_bytes(self._file_name(spec), self.limits.max_file_bytes)
        try:
            arr = np.load(io.BytesIO(data), allow_pickle=False)
        except ValueError as exc:
            raise ValueRejected(
                "an array holds Python objects, which may not cross"
                if "pickle" in str(exc)
                else "an array file could not be read"
            ) from None
        except Exception:  # noqa: BLE001  (any malformed file is a rejection, never a crash)
            raise ValueRejected("an array file could not be read") from None
        if type(arr) is not np.ndarray or arr.dtype.kind not in ARRAY_KINDS or arr.dtype.fields:
            raise ValueRejected(f"arrays of dtype {arr.dtype} may not cross")
        return arr[()] if scalar and arr.ndim == 0 else arr

    def _remember(self, spec: dict[str, Any], value: Any) -> Any:
        """Keep a value the harness marked (the kernel's side); hand out a copy."""
        token = spec.get("keep")
        if self.kept is None or token is None:
            return value
        if type(token) is not str or not _TOKEN.match(token):
            raise ValueRejected("a value's token is malformed")
        import numpy as np

        if type(value) is np.ndarray:
            value.setflags(write=False)
            self.kept[token] = value
            return value.copy()
        self.kept[token] = tuple(value)
        return value

    def _recall(self, spec: dict[str, Any]) -> Any:
        """A value the harness sent earlier in this notebook, as a fresh copy."""
        token = spec.get("k")
        if self.kept is None:
            raise ValueRejected("values of kind 'kept' may not cross")
        if type(token) is not str or token not in self.kept:
            raise ValueRejected("a value the grader sent earlier is no longer in the kernel")
        value = self.kept[token]
        if type(value) is tuple:
            return value if spec.get("tuple") is True else list(value)
        return value.copy()

    def _flat(self, spec: dict[str, Any]) -> Any:
        """A list or tuple of strings, ints, bools and Nones, checked in one pass."""
        items = spec.get("v")
        if type(items) is not list or not all(type(v) in _FLAT for v in items):
            raise ValueRejected("a flat list holds something other than strings, integers, bools and None")
        self.items += len(items)
        if self.items > self.limits.max_items:
            raise ValueRejected(f"the value holds more than {self.limits.max_items:,} items")
        if any(type(v) is str and len(v) > self.limits.max_string for v in items):
            raise ValueRejected(f"a string holds more than {self.limits.max_string:,} characters")
        return tuple(items) if spec.get("tuple") is True else items

    def _texts(self, spec: dict[str, Any]) -> Any:
        import numpy as np

        shape, items = spec.get("shape"), spec.get("v")
        if type(shape) is not list or not all(type(n) is int and n >= 0 for n in shape) or type(items) is not list:
            raise ValueRejected("an array of texts came without its shape or its texts")
        if math.prod(shape) != len(items) or not all(type(t) is str for t in items):
            raise ValueRejected("an array of texts does not hold as many texts as its shape says")
        self.items += len(items)
        if self.items > self.limits.max_items or sum(len(t) for t in items) > self.limits.max_json_bytes:
            raise ValueRejected("an array of texts is too large")
        arr = np.empty(len(items), dtype=object)
        arr[:] = items
        return arr.reshape(shape)

    def _keras(self, spec: dict[str, Any]) -> Any:
        data = self.read_bytes(self._file_name(spec), self.limits.max_file_bytes)
        check_keras_archive(data, self.limits)
        import keras

        with tempfile.TemporaryDirectory(prefix="rnncourse-value-") as private:
            path = os.path.join(private, "value.keras")
            with open(path, "wb") as handle:
                handle.write(data)
            try:
                model = keras.saving.load_model(path, safe_mode=True)
            except Exception as exc:  # noqa: BLE001  (a bad archive fails this value, not the grader)
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
                raise ValueRejected(f"the Keras archive could not be loaded in safe mode ({first})") from None
        if "history" in spec:
            history = self.decode(spec["history"], depth=1)
            if not isinstance(history, keras.callbacks.History):
                raise ValueRejected("a model's training history is not a History")
            model.history = history
        return model

    def _history(self, spec: dict[str, Any], depth: int) -> Any:
        import keras

        history = keras.callbacks.History()
        values = {key: self.decode(spec.get(key), depth=depth + 1) for key in ("history", "params", "epoch")}
        if type(values["history"]) is not dict or type(values["params"]) is not dict:
            raise ValueRejected("a History came without its history and params dicts")
        if type(values["epoch"]) is not list:
            raise ValueRejected("a History came without its list of epochs")
        history.history, history.params, history.epoch = values["history"], values["params"], values["epoch"]
        return history


def _hashable_plain(key: Any) -> bool:
    if key is None or type(key) in (bool, int, float, str):
        return True
    return type(key) is tuple and all(_hashable_plain(k) for k in key)


def check_keras_archive(data: bytes, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse a ``.keras`` archive that is too big unpacked or names anything but Keras's own classes.

    ``safe_mode=True`` already refuses Lambda layers; this also refuses, before Keras reads it, any
    ``module`` outside ``keras`` (a class or function from another package) and any serialized
    Python code.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ValueRejected("the Keras archive is not a valid .keras file") from None
    if sum(info.file_size for info in infos) > limits.max_archive_bytes:
        raise ValueRejected("the Keras archive unpacks to more than the size limit")
    names = {info.filename for info in infos}
    if "config.json" not in names:
        raise ValueRejected("the Keras archive holds no config.json")
    try:
        config = json.loads(archive.read("config.json").decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ValueRejected("the Keras archive's config.json is not valid JSON") from None
    stack: list[tuple[Any, int]] = [(config, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > 200:
            raise ValueRejected("the Keras archive's config is nested too deeply")
        if isinstance(node, dict):
            module = node.get("module")
            if module is not None and (
                type(module) is not str or not (module == "keras" or module.startswith("keras."))
            ):
                raise ValueRejected(
                    f"the Keras archive names the module {str(module)[:60]!r}; only Keras's own may cross"
                )
            if node.get("class_name") in ("Lambda", "__lambda__") or "function_type" in node:
                raise ValueRejected("the Keras archive holds a Lambda layer or Python code, which may not cross")
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
