"""Set resource limits, then exec a command: the first program inside every grading sandbox.

Run as a plain script (``python -I _limits.py --as N --nproc N --fsize N --cpu N -- cmd ...``)
so that it imports nothing of the course. It runs *inside* bubblewrap's new user namespace:
there RLIMIT_NPROC counts the sandbox's own processes and threads, not every process of the
instructor's account.
"""

from __future__ import annotations

import os
import resource
import sys

LIMITS = {
    "--as": resource.RLIMIT_AS,
    "--nproc": resource.RLIMIT_NPROC,
    "--fsize": resource.RLIMIT_FSIZE,
    "--cpu": resource.RLIMIT_CPU,
}


def main(argv: list[str]) -> None:
    if "--" not in argv:
        raise SystemExit("usage: _limits.py [--as|--nproc|--fsize|--cpu N]... -- command [args]")
    split = argv.index("--")
    options, command = argv[:split], argv[split + 1 :]
    if len(options) % 2 or not command:
        raise SystemExit("usage: _limits.py [--as|--nproc|--fsize|--cpu N]... -- command [args]")
    for flag, value in zip(options[::2], options[1::2]):
        if flag not in LIMITS:
            raise SystemExit(f"_limits.py: unknown option {flag}")
        limit = int(value)
        if limit > 0:  # 0 means: leave this limit alone
            resource.setrlimit(LIMITS[flag], (limit, limit))
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
