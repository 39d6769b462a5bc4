"""Fast mode and sizes: one place, read-only, full mode by default."""

import pytest

from rnncourse import config
from rnncourse.course import LESSON_IDS


def test_fast_mode_follows_the_environment(monkeypatch):
    monkeypatch.setenv("RNNCOURSE_FAST", "1")
    assert config.is_fast() and config.mode() == "fast"
    for off in ("", "0", "false", "no"):
        monkeypatch.setenv("RNNCOURSE_FAST", off)
        assert not config.is_fast()
    monkeypatch.delenv("RNNCOURSE_FAST")
    assert config.mode() == "full"


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_every_lesson_has_sizes_and_fast_is_smaller(lesson, monkeypatch):
    monkeypatch.setenv("RNNCOURSE_FAST", "0")
    full = dict(config.sizes(lesson))
    monkeypatch.setenv("RNNCOURSE_FAST", "1")
    fast = dict(config.sizes(lesson))
    assert full.keys() == fast.keys() and full

    def at_most(fast_value, full_value):  # a tuple (seeds, lags) is at most another when it is a subset
        if isinstance(full_value, tuple):
            return set(fast_value) <= set(full_value)
        return fast_value <= full_value

    assert all(at_most(fast[k], full[k]) for k in full), {k: (fast[k], full[k]) for k in full}
    assert any(fast[k] != full[k] for k in full)


def test_sizes_are_read_only_and_unknown_lessons_fail_clearly():
    with pytest.raises(TypeError):
        config.sizes("01_gradients")["seq_len"] = 3  # type: ignore[index]
    with pytest.raises(KeyError, match="unknown lesson '05_x'; known lessons: 01_gradients"):
        config.sizes("05_x")


def test_child_env_quiet_tensorflow_this_python_first_and_fast_mode_as_asked():
    import os
    import sys
    from pathlib import Path

    bindir = str(Path(sys.executable).parent)
    base = {"PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "0", "RNNCOURSE_FAST": "0", "KEEP": "me"}
    env = config.child_env(base)
    assert env["PATH"] == bindir + os.pathsep + "/usr/bin:/bin"
    assert env["TF_CPP_MIN_LOG_LEVEL"] == "3" and env["TF_ENABLE_ONEDNN_OPTS"] == "0"
    assert env["RNNCOURSE_FAST"] == "1" and env["KEEP"] == "me"
    assert env["MPLBACKEND"] == config.INLINE_BACKEND
    assert base["RNNCOURSE_FAST"] == "0" and "MPLBACKEND" not in base  # the base is not changed
    assert "RNNCOURSE_FAST" not in config.child_env(base, fast=False)
    assert config.child_env(base, fast=None)["RNNCOURSE_FAST"] == "0"
    assert "RNNCOURSE_FAST" not in config.child_env({"PATH": "/bin"}, fast=None)
    # PATH already starting with this Python's folder is kept; MPLBACKEND of the base wins; extra goes last.
    env = config.child_env({"PATH": env["PATH"], "MPLBACKEND": "agg"}, extra={"RNNCOURSE_FAST": "x"})
    assert env["PATH"] == bindir + os.pathsep + "/usr/bin:/bin"
    assert env["MPLBACKEND"] == "agg" and env["RNNCOURSE_FAST"] == "x"
    assert config.child_env()["HOME"] == os.environ["HOME"]  # default base: this process's environment


def test_tensorflow_runs_each_op_on_one_thread_and_ops_side_by_side_unless_told_otherwise():
    import os
    import subprocess
    import sys

    threads = {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": str(len(os.sched_getaffinity(0)))}
    assert dict(config.TF_THREADS_ENV) == threads
    env = config.child_env({"PATH": "/bin"})
    assert {name: env[name] for name in threads} == threads
    assert config.child_env({"PATH": "/bin", "TF_NUM_INTRAOP_THREADS": "4"})["TF_NUM_INTRAOP_THREADS"] == "4"
    # `import rnncourse` sets them in a notebook's own process too (a kernel started by hand, or
    # `make lab`), and TensorFlow reads them: it starts one "tf_Compute" thread per inter-op
    # thread, and its intra-op threads (beyond the calling one) carry the process's name.
    probe = (
        "import collections, os, rnncourse, tensorflow as tf; x = tf.ones((64, 64)); (x @ x).numpy();"
        "tasks = os.listdir('/proc/self/task');"
        "names = collections.Counter(open(f'/proc/self/task/{t}/comm').read().strip() for t in tasks);"
        "print(names['tf_Compute'], names['python'])"
    )

    def pools(**chosen: str) -> list[int]:
        env = {name: value for name, value in os.environ.items() if name not in threads} | chosen
        out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
        return [int(count) for count in out.stdout.split()]

    inter, python_threads = pools()
    assert inter == len(os.sched_getaffinity(0))
    assert pools(TF_NUM_INTRAOP_THREADS="3", TF_NUM_INTEROP_THREADS="3") == [3, python_threads + 2]


def test_the_grader_environments_are_small_and_explicit(tmp_path, monkeypatch):
    """The sandboxed kernel's and the nbgrader worker's environments, pinned variable by variable."""
    import sys
    from pathlib import Path

    from rnncourse.grader import process, sandbox

    path = str(Path(sys.executable).parent) + ":/usr/local/bin:/usr/bin:/bin"
    quiet = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}
    base = {"LANG": "de_DE.UTF-8", "SECRET": "x", "TF_NUM_INTRAOP_THREADS": "2", "TF_CPP_MIN_LOG_LEVEL": "0"}
    assert sandbox.kernel_env(tmp_path, base) == {
        "PATH": path,
        "LANG": "de_DE.UTF-8",
        "HOME": str(tmp_path),
        "TMPDIR": "/tmp",
        "RNNCOURSE_FAST": "1",
        "MPLBACKEND": config.INLINE_BACKEND,
        "MPLCONFIGDIR": str(tmp_path / ".matplotlib"),
        "IPYTHONDIR": str(tmp_path / ".ipython"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "TF_NUM_INTRAOP_THREADS": "2",  # the instructor's setting wins
        "TF_NUM_INTEROP_THREADS": config.TF_THREADS_ENV["TF_NUM_INTEROP_THREADS"],
        "OPENBLAS_NUM_THREADS": "1",  # one BLAS thread per grading process (sandbox.GRADING_BLAS_ENV)
        **quiet,
    }
    kept = sandbox.kernel_env(tmp_path, {"RNNCOURSE_FAST": "0", "MPLBACKEND": "agg"})
    assert kept["RNNCOURSE_FAST"] == "0" and kept["MPLBACKEND"] == "agg"
    assert sandbox.kernel_env(tmp_path, {"OPENBLAS_NUM_THREADS": "2"})["OPENBLAS_NUM_THREADS"] == "2"
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setenv("RNNCOURSE_DATA_DIR", "/data")
    monkeypatch.setenv("MPLBACKEND", "agg")
    assert process.worker_env(tmp_path) == {
        "PATH": path,
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "RNNCOURSE_FAST": "1",
        "MPLBACKEND": config.INLINE_BACKEND,
        "PYTHONDONTWRITEBYTECODE": "1",
        "JUPYTER_PLATFORM_DIRS": "1",
        "IPYTHONDIR": str(tmp_path / ".ipython"),
        "RNNCOURSE_DATA_DIR": "/data",
        "MALLOC_MMAP_THRESHOLD_": str(32 * 1024 * 1024),
        "MALLOC_TRIM_THRESHOLD_": str(512 * 1024 * 1024),
        "MALLOC_TOP_PAD_": str(64 * 1024 * 1024),
        "OPENBLAS_NUM_THREADS": "1",
        **config.TF_THREADS_ENV,
        **quiet,
    }
    assert not any(name.startswith("MALLOC_") for name in sandbox.kernel_env(tmp_path, process.worker_env(tmp_path)))
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")  # the instructor's setting wins, in the kernel too
    assert sandbox.kernel_env(tmp_path, process.worker_env(tmp_path))["OPENBLAS_NUM_THREADS"] == "4"


def test_recorded_bench_reads_a_section_with_its_date_and_fails_clearly(tmp_path):
    path = tmp_path / "results.json"
    path.write_text('{"machine": {"date": "2026-12-02"}, "a": {"x": 1}, "b": {"x": 2, "date": "2026-12-03"}}')
    assert config.recorded_bench("a", path) == {"date": "2026-12-02", "x": 1}
    assert config.recorded_bench("b", path)["date"] == "2026-12-03"  # a section's own date wins
    with pytest.raises(LookupError, match="no 'c' section; run `make bench`"):
        config.recorded_bench("c", path)
    with pytest.raises(LookupError, match="cannot read .*run `make bench`"):
        config.recorded_bench("a", tmp_path / "missing.json")
    assert "best_test_accuracy" in config.recorded_bench("lesson04_variants")  # the committed file


def test_every_record_a_lesson_reads_carries_its_own_date():
    """A later partial `make bench` run changes the machine's date, not the date a lesson prints."""
    import json
    import re

    from rnncourse import course

    results = json.loads(config.BENCH_RESULTS.read_text(encoding="utf-8"))
    keys = set()
    for lesson in course.available_lessons():
        keys |= set(re.findall(r'recorded_bench\(\\"([a-z0-9_]+)\\"', course.solution_path(lesson).read_text()))
    assert {"lesson04_final", "lesson05_language_model"} <= keys
    for key in sorted(keys):
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(results[key].get("date"))), key
