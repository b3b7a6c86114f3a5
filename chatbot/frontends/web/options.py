"""The options of `chatbot serve` and their checks: where it listens, how many workers, and the
safe-by-default limits (body size, rate per client, who may frame the page).

This module imports no web library, so that `chatbot --help` stays quick.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_MAX_BODY = 64 * 1024  # bytes: far more than a question of max_question_chars, far less than a flood
DEFAULT_RATE = 30  # questions a minute from one client
DEFAULT_BURST = 10  # questions one client may ask at once before the rate applies
DEFAULT_LIMIT_CONCURRENCY = 200  # open connections per worker before uvicorn answers 503
MAX_WORKERS = 64

# A CSP source expression as a clinic would write one for frame-ancestors: a scheme ("https:"), a
# host with an optional scheme, port and path, or one of two keywords. Nothing that could end the
# directive (";" or ","), quote another keyword or break the header line.
_SOURCE = re.compile(r"(?:[a-z][a-z0-9+.-]*:|(?:[a-z][a-z0-9+.-]*://)?(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*"
                     r"(?::(?:\d{1,5}|\*))?(?:/[A-Za-z0-9._~%!$&'()*+=:@/-]*)?)", re.IGNORECASE)


@dataclass(frozen=True)
class WebOptions:
    """What the app itself needs (uvicorn's options, host, port and workers, stay with the server)."""

    max_body: int = DEFAULT_MAX_BODY
    rate_per_minute: int = DEFAULT_RATE  # 0: no rate limit
    burst: int = DEFAULT_BURST
    frame_ancestors: str = "'none'"
    access_log: bool = True


def frame_ancestors(text: str) -> str:
    """An argparse type: the sources allowed to frame the page, as a CSP ``frame-ancestors`` value."""
    words = text.split()
    if not words:
        raise argparse.ArgumentTypeError("give 'none', 'self' or the clinic's site, e.g. https://clinic.example")
    keywords = {"'none'", "'self'", "none", "self"}
    out = []
    for word in words:
        if word.lower() in keywords:
            out.append(f"'{word.strip(chr(39)).lower()}'")
        elif "'" in word or not _SOURCE.fullmatch(word):
            raise argparse.ArgumentTypeError(f"not a source a page may be framed by: {word!r} "
                                             "(use 'none', 'self', https: or https://clinic.example)")
        else:
            out.append(word)
    if "'none'" in out and len(out) > 1:
        raise argparse.ArgumentTypeError("'none' cannot be combined with other sources")
    return " ".join(out)


def _bounded(name: str, low: int, high: int) -> Callable[[str], int]:
    def check(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{name} must be between {low:,} and {high:,}, not {value:,}")
        return value

    return check


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of `chatbot serve`, added to its parser."""
    s = argparse.SUPPRESS
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; put a public server behind an HTTPS reverse proxy)")
    p.add_argument("--port", type=_bounded("--port", 1, 65535), default=8000, help="port (default 8000)")
    p.add_argument("--workers", type=_bounded("--workers", 1, MAX_WORKERS), default=1,
                   help="worker processes, each with its own engine (default 1; about one per core)")
    p.add_argument("--rate-limit", type=_bounded("--rate-limit", 0, 1_000_000), default=DEFAULT_RATE,
                   metavar="PER_MINUTE", help=f"questions a minute from one client (default {DEFAULT_RATE}; 0: no limit)")
    p.add_argument("--burst", type=_bounded("--burst", 1, 1_000_000), default=DEFAULT_BURST,
                   help=f"questions one client may ask at once before the rate applies (default {DEFAULT_BURST})")
    p.add_argument("--max-body", type=_bounded("--max-body", 1024, 16 * 1024 * 1024), default=DEFAULT_MAX_BODY,
                   metavar="BYTES", help=f"largest request body accepted; larger ones get 413 (default {DEFAULT_MAX_BODY:,})")
    p.add_argument("--frame-ancestors", type=frame_ancestors, default="'none'", metavar="SOURCES",
                   help="sites allowed to show the page in a frame, e.g. https://clinic.example (default: none)")
    p.add_argument("--forwarded-allow-ips", default="127.0.0.1", metavar="IPS",
                   help="reverse proxies whose X-Forwarded-For/-Proto are trusted, comma-separated (default 127.0.0.1)")
    p.add_argument("--limit-concurrency", type=_bounded("--limit-concurrency", 1, 100_000),
                   default=DEFAULT_LIMIT_CONCURRENCY, metavar="N",
                   help=f"open connections per worker before new ones get 503 (default {DEFAULT_LIMIT_CONCURRENCY})")
    p.add_argument("--tls-cert", metavar="FILE", help="serve HTTPS with this certificate (PEM; with --tls-key); "
                   "usually the clinic's reverse proxy does this instead")
    p.add_argument("--tls-key", metavar="FILE", help="the certificate's private key (PEM)")
    p.add_argument("--no-access-log", action="store_true", default=s,
                   help="do not log requests (the log never holds question text either way)")


def web_options(args: argparse.Namespace) -> WebOptions:
    return WebOptions(max_body=args.max_body, rate_per_minute=args.rate_limit, burst=args.burst,
                      frame_ancestors=args.frame_ancestors, access_log=not getattr(args, "no_access_log", False))
