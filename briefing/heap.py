"""The Python heap during a big step: what was there before it is not scanned again.

At the briefing slot the process already holds hundreds of thousands of long-lived objects
(the day's articles, the name words kept by text, the poll jobs' readings). Each of the
garbage collector's full passes walks all of them, and the slot's steps make millions of
new objects, which set off such passes: on the 10,000-article day they took about 2 s of
the slot's CPU (``bench/daily.py``). ``frozen_heap`` moves the objects alive at its start
out of the collector's view (``gc.freeze``) for the block, and back after it: garbage the
block makes is collected as before; only the objects from before are not walked again.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def frozen_heap() -> Iterator[None]:
    """The objects alive now are left out of garbage collection during the block (they are
    collected again after it). Nesting is harmless: the inner block ends the freeze early,
    which only costs the outer one some collector time."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
