"""A content digest that is cheap to import (start-up time matters for `chatbot ask`)."""

from __future__ import annotations

from typing import Any


def blake2b(data: bytes = b"", digest_size: int = 20) -> Any:
    try:  # the built-in module directly: importing hashlib also loads OpenSSL, which start-up can skip
        from _blake2 import blake2b as impl
    except ImportError:
        from hashlib import blake2b as impl
    return impl(data, digest_size=digest_size)
