"""The service's circuit breaker: a store that is down answers 503 fast.

After a failure (:class:`~graph.errors.StoreUnavailable`), calls fail at once for
:data:`BREAKER_SECONDS`; then one call at a time probes whether the store is back
(half-open) while the others keep failing fast; a success closes the breaker.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable, TypeVar

from graph.errors import StoreUnavailable

__all__ = ["CircuitBreaker", "BREAKER_SECONDS"]

log = logging.getLogger(__name__)

T = TypeVar("T")

#: After a store failure, requests fail fast for this long before the next probe.
BREAKER_SECONDS = 2.0


class CircuitBreaker:
    """Fail fast after a StoreUnavailable; let one probe through at a time after
    ``seconds``. Thread-safe."""

    def __init__(self, seconds: float = BREAKER_SECONDS) -> None:
        self.seconds = seconds
        self._probe_lock = threading.Lock()
        self._down_until = 0.0

    def call(self, fn: Callable[[], T]) -> T:
        """``fn()``, unless the store is marked down (then StoreUnavailable at once)."""
        now = time.monotonic()
        probing = False
        if now < self._down_until:
            raise StoreUnavailable("store marked down after a recent failure")
        if self._down_until:
            # Half-open: one request probes, the others keep failing fast.
            if not self._probe_lock.acquire(blocking=False):
                raise StoreUnavailable("store is being probed after a failure")
            probing = True
        try:
            result = fn()
        except StoreUnavailable:
            self._down_until = time.monotonic() + self.seconds
            raise
        finally:
            if probing:
                self._probe_lock.release()
        if self._down_until:
            log.info("store is reachable again")
            self._down_until = 0.0
        return result
