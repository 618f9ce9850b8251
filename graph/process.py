"""How the build uses its own process: pausing the cyclic garbage collector.

Pure helpers with no store or I/O, so that both the pure core (:mod:`graph.edges`)
and the stores can use them without the core importing the store interface.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator

__all__ = ["gc_paused"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection for the block (store writes, ``build_derived``).

    Building ~1M small rows next to millions of live objects otherwise spends most
    of its time in the collector. The rows hold no cycles; collection resumes after.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
