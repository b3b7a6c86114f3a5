"""Per-client rate limiting: a token bucket for each client address, kept in memory, bounded in size.

Each worker process keeps its own buckets (the server shares no state), so with N workers a client
can get up to N times the rate in the worst case; a clinic that needs one exact limit across
machines sets it in its reverse proxy as well.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

MAX_CLIENTS = 10_000  # buckets kept; the least recently seen client is forgotten first


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: float = 0.0  # seconds until one more request would be allowed


class RateLimiter:
    """``per_minute`` requests a minute from one client, with bursts of up to ``burst``."""

    def __init__(self, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic,
                 max_clients: int = MAX_CLIENTS) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(max(1, burst))
        self.clock = clock
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client -> (tokens, at)

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def check(self, client: str) -> Decision:
        """Take one token from ``client``'s bucket, if it has one."""
        if not self.enabled:
            return Decision(True)
        now = self.clock()
        tokens, at = self._buckets.pop(client, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        self._buckets[client] = (tokens, now)  # now the most recently seen
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return Decision(True) if allowed else Decision(False, (1.0 - tokens) / self.rate)

    def __len__(self) -> int:
        return len(self._buckets)
