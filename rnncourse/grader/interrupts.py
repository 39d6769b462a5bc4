"""How a run stops: Ctrl-C and `kill` wait until what is being written is written whole.

The grader stops on Ctrl-C (SIGINT) and on `kill` or a CI timeout (SIGTERM, turned into the same
KeyboardInterrupt by ``rnncourse.grader.__main__``). Wherever a half-done write would lose
something (one notebook's files, gradebook rows and journal line; a regrade that takes a
submission's hand grades out of the gradebook and puts them back), the signal waits for the end
of the block. Without this, a Ctrl-C inside a gradebook write printed SQLAlchemy's traceback and
the notebook being recorded was lost.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)  # Ctrl-C, and `kill` or a CI timeout


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C and `kill` until the block is done, then raise the first one again.

    The signal is raised again under the handlers in place before the block, so the run stops as it
    would have, one write later. Blocks nest. Usable as a decorator: ``@interrupts_deferred()``.
    Outside the main thread, where Python cannot set handlers, the block runs as it is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous = {number: signal.signal(number, lambda number, frame: held.append(number)) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if held:
        signal.raise_signal(held[0])
