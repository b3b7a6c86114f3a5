"""The ASGI application of `chatbot serve`: the JSON API, the chat page, health and readiness.

    POST /api/ask    {"question": "..."} -> exactly the JSON of `chatbot ask --json`
    GET  /           the chat page;  POST / (a form, works without JavaScript) -> the page with the answer
    POST /fragment   the same form -> only the answer section (what chat.js swaps in)
    GET  /healthz    200 while the process serves
    GET  /readyz     200 once the articles and the safety rules are loaded (the sentence model may
                     still be loading: a question that needs it waits for it), else 503

The app keeps nothing between requests but its engine and the rate limiter's counters: no
sessions, no cookies, no questions (unless the clinic turns on the masked unanswered record).
Questions are rate-limited per client (429) and bodies are size-limited (413) before any is read.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib.resources import files
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from chatbot.config import Settings
from chatbot.frontends.web import page
from chatbot.frontends.web.accesslog import AccessLog
from chatbot.frontends.web.headers import SecurityHeaders
from chatbot.frontends.web.options import WebOptions
from chatbot.frontends.web.ratelimit import RateLimiter
from chatbot.frontends.web.slot import EngineSlot
from chatbot.models import Answer

if TYPE_CHECKING:
    from chatbot.engine import Engine

LOG = logging.getLogger("chatbot.web")
READY_WAIT = 10.0  # seconds a question waits for a worker that is still loading, before a 503
ROUTES = ("/", "/fragment", "/api/ask", "/healthz", "/readyz", "/static/chat.css", "/static/chat.js")
FORM_TYPE = "application/x-www-form-urlencoded"
STARTING = "The chatbot is starting up. Please try again in a moment."
BROKEN = "Sorry, something went wrong with that question. Please try again, or ask the clinic staff."


class Refused(Exception):
    """A request that is answered with an error (status, message, extra headers) instead of an answer."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def _static(name: str) -> tuple[bytes, str]:
    body = (files("chatbot.frontends.web") / "static" / name).read_bytes()
    return body, hashlib.sha256(body).hexdigest()[:16]


class WebApp:
    def __init__(self, build: Callable[[], Engine], settings: Settings, options: WebOptions,
                 ready_wait: float = READY_WAIT) -> None:
        self.settings = settings
        self.options = options
        self.ready_wait = ready_wait
        self.slot = EngineSlot(build)
        self.limiter = RateLimiter(options.rate_per_minute, options.burst)
        self.files = {name: _static(name) for name in ("chat.css", "chat.js")}
        self.assets = page.Assets(css=f"/static/chat.css?v={self.files['chat.css'][1]}",
                                  js=f"/static/chat.js?v={self.files['chat.js'][1]}")

    # -- asking ----------------------------------------------------------------------------------
    async def _body(self, request: Request) -> bytes:
        """The request body, refused with 413 as soon as it is known to be over the limit."""
        limit = self.options.max_body
        too_large = Refused(413, f"That request is too large: this server accepts at most {limit:,} bytes. "
                                 "Please ask a shorter question.")
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            raise too_large
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_large
            chunks.append(chunk)
        return b"".join(chunks)

    def _limit(self, request: Request) -> None:
        client = request.client.host if request.client else "unknown"
        decision = self.limiter.check(client)
        if not decision.allowed:
            wait = max(1, round(decision.retry_after + 0.5))
            raise Refused(429, f"Too many questions at once. Please wait {wait} seconds and ask again.",
                          {"retry-after": str(wait)})

    def _ask_now(self, engine: Engine, question: str) -> Answer:
        """On the engine's thread: the answer, and the masked record of it if the clinic turned that on."""
        answer = engine.ask(question)
        if answer.status == "no_answer" and self.settings.record_unanswered:
            from chatbot.infra.unanswered import record_unanswered

            record_unanswered(answer.question, retention_days=self.settings.unanswered_retention_days)
        return answer

    async def _answer(self, question: str) -> Answer:
        engine = await self.slot.wait(self.ready_wait)
        if engine is None:
            raise Refused(503, STARTING, {"retry-after": "2"})
        try:
            return await self.slot.run(self._ask_now, engine, question)
        except Exception:
            LOG.exception("a question could not be answered")  # the traceback, never the question
            raise Refused(500, BROKEN) from None

    async def _form_question(self, request: Request) -> str:
        self._limit(request)
        body = await self._body(request)
        if request.headers.get("content-type", FORM_TYPE).split(";")[0].strip().lower() != FORM_TYPE:
            raise Refused(415, "Please send the question from the page's form.")
        try:
            fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True, max_num_fields=20)
        except ValueError:
            raise Refused(400, "Please send the question from the page's form.") from None
        return (fields.get("suggestion") or fields.get("question") or [""])[0]

    # -- endpoints -------------------------------------------------------------------------------
    async def api_ask(self, request: Request) -> Response:
        try:
            self._limit(request)
            body = await self._body(request)
            try:
                data = json.loads(body)
            except (ValueError, RecursionError):  # not UTF-8, not JSON, nested past any question's shape
                raise Refused(400, 'The body must be JSON: {"question": "..."}') from None
            if not isinstance(data, dict) or not isinstance(data.get("question"), str):
                raise Refused(400, 'The body must be JSON with a "question" string: {"question": "..."}')
            answer = await self._answer(data["question"])
        except Refused as r:
            return JSONResponse({"error": r.message}, r.status, headers=r.headers)
        return JSONResponse(answer.to_dict())

    async def index(self, request: Request) -> Response:
        if request.method != "POST":
            engine = self.slot.engine()
            suggestions = (await self.slot.run(engine.suggestions))[:4] if engine is not None else ()
            return self._page(page.welcome_html(suggestions))
        try:
            answer = await self._answer(await self._form_question(request))
        except Refused as r:
            return self._page(page.error_html(r.message), r.status, r.headers)
        return self._page(page.answer_html(answer, self.settings))

    async def fragment(self, request: Request) -> Response:
        try:
            answer = await self._answer(await self._form_question(request))
        except Refused as r:
            return HTMLResponse(page.error_html(r.message), r.status, headers=r.headers)
        return HTMLResponse(page.answer_html(answer, self.settings))

    def _page(self, body: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return HTMLResponse(page.page_html(self.settings, body, self.assets), status, headers=headers)

    async def healthz(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(self, request: Request) -> Response:
        state = self.slot.state
        if state != "ready":
            return JSONResponse({"status": state}, 503, headers={"retry-after": "2"})
        engine = self.slot.engine()
        model = "ready" if engine is not None and engine.semantic.ready() else "loading"
        return JSONResponse({"status": "ready", "sentence_model": model})

    async def static(self, request: Request) -> Response:
        name = request.url.path.rsplit("/", 1)[-1]
        body, digest = self.files[name]
        kind = "text/css" if name.endswith(".css") else "text/javascript"
        return Response(body, media_type=f"{kind}; charset=utf-8",
                        headers={"cache-control": "public, max-age=86400", "etag": f'"{digest}"'})

    @asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        yield
        self.slot.close()


def create_app(build: Callable[[], Engine], settings: Settings, options: WebOptions | None = None,
               ready_wait: float = READY_WAIT) -> Any:
    """The app, with ``build()`` making its engine on the engine's thread (it starts at once)."""
    options = options or WebOptions()
    web = WebApp(build, settings, options, ready_wait)
    routes = [
        Route("/", web.index, methods=["GET", "POST"]),
        Route("/fragment", web.fragment, methods=["POST"]),
        Route("/api/ask", web.api_ask, methods=["POST"]),
        Route("/healthz", web.healthz, methods=["GET"]),
        Route("/readyz", web.readyz, methods=["GET"]),
        Route("/static/chat.css", web.static, methods=["GET"]),
        Route("/static/chat.js", web.static, methods=["GET"]),
    ]
    app: Any = SecurityHeaders(Starlette(routes=routes, lifespan=web.lifespan), options.frame_ancestors)
    return AccessLog(app, ROUTES) if options.access_log else app
