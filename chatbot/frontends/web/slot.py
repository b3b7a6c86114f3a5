"""A worker's one engine: built once, on a thread of its own, and then every question is answered on
that same thread, one at a time.

Building off the event loop lets the worker answer /healthz (and say "not ready" on /readyz) while
the articles and the safety rules load. One thread for the engine means the engine is never called
from two threads at once, and the event loop stays free for connections, limits and static files
while a question is being answered. ``Engine.ask`` is CPU work under the interpreter lock, so more
threads would not answer faster; more workers do.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from chatbot.engine import Engine

LOG = logging.getLogger("chatbot.web")
T = TypeVar("T")
POLL = 0.02  # seconds between looks at a build that is still running


class EngineSlot:
    def __init__(self, build: Callable[[], Engine]) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="engine")
        self._future: Future[Engine] = self._pool.submit(build)
        self._future.add_done_callback(_report)

    @property
    def state(self) -> str:
        """"loading", "ready" or "failed"."""
        if not self._future.done():
            return "loading"
        return "failed" if self._future.exception() is not None else "ready"

    @property
    def error(self) -> BaseException | None:
        return self._future.exception() if self._future.done() else None

    def engine(self) -> Engine | None:
        return self._future.result() if self.state == "ready" else None

    async def wait(self, timeout: float) -> Engine | None:
        """The engine once it is built, waiting up to ``timeout`` seconds; None if it is not (yet)."""
        deadline = time.monotonic() + timeout
        while self.state == "loading" and time.monotonic() < deadline:
            await asyncio.sleep(POLL)
        return self.engine()

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """``fn(*args)`` on the engine's thread, after the questions before it."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _report(future: Future[Engine]) -> None:
    """One line in the log when the engine could not be built (the worker then stays not ready)."""
    if not future.cancelled() and future.exception() is not None:
        exc = future.exception()
        LOG.error("this worker cannot answer questions: %s: %s", type(exc).__name__, exc)
