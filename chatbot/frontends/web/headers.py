"""Strict response headers on every response: a Content-Security-Policy with no inline script or
style and nothing from another site, no sniffing, no referrer, no caching of answers, and who may
frame the page.

A pure ASGI middleware, so that it also covers Starlette's own error responses (404, 405, 500).
"""

from __future__ import annotations

from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]


def content_security_policy(frame_ancestors: str = "'none'") -> str:
    return "; ".join((
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        f"frame-ancestors {frame_ancestors}",
    ))


def security_headers(frame_ancestors: str = "'none'") -> list[tuple[bytes, bytes]]:
    headers = [
        ("content-security-policy", content_security_policy(frame_ancestors)),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("cross-origin-opener-policy", "same-origin"),
        ("cross-origin-resource-policy", "same-origin"),
        ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    ]
    if frame_ancestors == "'none'":
        headers.append(("x-frame-options", "DENY"))  # for browsers older than frame-ancestors
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]


class SecurityHeaders:
    """Adds the strict headers to every HTTP response; ``Cache-Control: no-store`` unless the app set
    one (the static files do); drops any ``Set-Cookie`` (the server sets none, and never will)."""

    def __init__(self, app: Any, frame_ancestors: str = "'none'") -> None:
        self.app = app
        self.headers = security_headers(frame_ancestors)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                own = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"set-cookie"]
                names = {k.lower() for k, _ in own}
                extra = [(k, v) for k, v in self.headers if k not in names]
                if b"cache-control" not in names:
                    extra.append((b"cache-control", b"no-store"))
                message = {**message, "headers": own + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)
