"""Building hundreds of thousands of records at once.

Python's cyclic garbage collector runs a full collection each time enough new objects survive,
and each full collection walks every object alive: at national scale the estate's 800,000
records. Loading or scheduling an estate makes no reference cycles, so the collector is paused
while it runs (reference counting still frees everything as usual).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block; restore it as it was after.

    >>> with collector_paused():
    ...     gc.isenabled()
    False
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
