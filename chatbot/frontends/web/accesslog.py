"""The access log: one line a request with its method, route, status and time, and never what was
asked. Questions travel in request bodies, which are not logged; a path that is not one of the
app's routes is logged as "(other)", so text typed into an address never reaches the log either,
and neither does a query string.

uvicorn's own access log is turned off, since it writes the whole request line.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

LOGGER = "chatbot.web.access"


class AccessLog:
    def __init__(self, app: Any, routes: Iterable[str], logger: logging.Logger | None = None) -> None:
        self.app = app
        self.routes = frozenset(routes)
        self.log = logger or logging.getLogger(LOGGER)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = [0]

        async def send_noting_status(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            path = scope.get("path", "")
            shown = path if path in self.routes else "(other)"
            method = scope.get("method", "?") if scope.get("method") in ("GET", "HEAD", "POST") else "(other)"
            self.log.info("%s %s %d %.0fms", method, shown, status[0] or 500, (time.perf_counter() - start) * 1000)
