"""Nothing lost: the journal of finished notebooks, and the lock that keeps one run per OUT.

``OUT/journal.jsonl`` gets one line per finished notebook as soon as its result is in (and
its autograded notebook and gradebook rows are written). A run that stops halfway (Ctrl-C,
a crash, a lost machine) is resumed by running the same command again: every notebook whose
file and course are unchanged since its journal line is taken from the journal, not regraded.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path
from typing import IO, Any


class Journal:
    """Append-only JSON lines, one per finished notebook; the last line for a key wins."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[tuple[str, str], dict[str, Any]] = {}
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                    self.entries[(entry["student"], entry["lesson"])] = entry
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut short by a crash: that notebook is graded again
        self._handle: IO[str] | None = None

    def done(self, key: tuple[str, str], digest: str, fingerprint: str) -> dict[str, Any] | None:
        """The entry of ``key`` if it was graded from the same file with the same course, else None."""
        entry = self.entries.get(key)
        if entry and entry.get("digest") == digest and entry.get("fingerprint") == fingerprint:
            return entry
        return None

    def append(self, entry: dict[str, Any]) -> None:
        if self._handle is None:
            self._handle = open(self.path, "a", encoding="utf-8")  # noqa: SIM115  (closed in close())
        self._handle.write(json.dumps(entry) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self.entries[(entry["student"], entry["lesson"])] = entry

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


class GradingLocked(RuntimeError):
    """Another grading run holds OUT."""


class OutLock:
    """An exclusive lock on ``OUT/.lock`` for the length of a run (released even if the process dies)."""

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / ".lock"
        self._handle: IO[str] | None = None

    def __enter__(self) -> OutLock:
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise GradingLocked(
                f"another grading run is using {self.path.parent} ({holder}); wait for it to "
                "finish, or grade into another OUT folder"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}")
        handle.flush()
        self._handle = handle
        return self

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
