"""api.breaker.CircuitBreaker: fail fast after a store failure, probe, recover."""

from __future__ import annotations

import time

import pytest

from api.breaker import CircuitBreaker
from graph.errors import StoreUnavailable


def _down():
    raise StoreUnavailable("gone")


def test_a_failure_opens_the_breaker_then_a_probe_closes_it():
    breaker = CircuitBreaker(seconds=0.2)
    calls = []
    with pytest.raises(StoreUnavailable, match="gone"):
        breaker.call(_down)
    with pytest.raises(StoreUnavailable, match="marked down"):  # fails fast, fn not called
        breaker.call(lambda: calls.append(1))
    assert calls == []
    time.sleep(0.25)
    assert breaker.call(lambda: "back") == "back"
    assert breaker.call(lambda: "still") == "still"


def test_a_failed_probe_keeps_it_open():
    breaker = CircuitBreaker(seconds=0.1)
    with pytest.raises(StoreUnavailable):
        breaker.call(_down)
    time.sleep(0.15)
    with pytest.raises(StoreUnavailable, match="gone"):
        breaker.call(_down)
    with pytest.raises(StoreUnavailable, match="marked down"):
        breaker.call(lambda: None)


def test_other_errors_do_not_open_it():
    breaker = CircuitBreaker(seconds=60)
    with pytest.raises(ValueError):
        breaker.call(lambda: int("x"))
    assert breaker.call(lambda: 1) == 1
