"""Per-client rate limiting: bursts, the steady rate, other clients untouched, bounded memory."""

from __future__ import annotations

import pytest

from chatbot.frontends.web.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_the_steady_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=30, burst=3, clock=clock)
    assert [limiter.check("a").allowed for _ in range(4)] == [True, True, True, False]
    refused = limiter.check("a")
    assert not refused.allowed and refused.retry_after == pytest.approx(2.0)  # one token every 2 s
    clock.now += 2.0
    assert limiter.check("a").allowed and not limiter.check("a").allowed
    clock.now += 600
    assert [limiter.check("a").allowed for _ in range(4)] == [True, True, True, False]  # refilled to the burst only


def test_clients_have_their_own_buckets() -> None:
    limiter = RateLimiter(per_minute=1, burst=1, clock=Clock())
    assert limiter.check("a").allowed and not limiter.check("a").allowed
    assert limiter.check("b").allowed


def test_zero_turns_it_off() -> None:
    limiter = RateLimiter(per_minute=0, burst=1, clock=Clock())
    assert not limiter.enabled and all(limiter.check("a").allowed for _ in range(1000)) and len(limiter) == 0


def test_memory_is_bounded_forgetting_the_least_recently_seen() -> None:
    limiter = RateLimiter(per_minute=1, burst=1, clock=Clock(), max_clients=100)
    limiter.check("first")
    for i in range(1000):
        limiter.check(f"client-{i}")
    assert len(limiter) == 100
    assert limiter.check("client-999").allowed is False  # still remembered
    assert limiter.check("first").allowed  # forgotten, so a fresh bucket
