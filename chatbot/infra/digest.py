"""A content digest that is cheap to import (start-up time matters for `chatbot ask`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def blake2b(data: bytes = b"", digest_size: int = 20) -> Any:
    try:  # the built-in module directly: importing hashlib also loads OpenSSL, which start-up can skip
        from _blake2 import blake2b as impl
    except ImportError:
        from hashlib import blake2b as impl
    return impl(data, digest_size=digest_size)


def sha256_file(path: Path) -> str:
    """The sha256 of a file, streamed: what a fitted file's card records for the data beside it
    (``safety_model.json`` for the safety weights, ``retrieval_model.json`` for the question memory)."""
    import hashlib

    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_verified(path: Path, sha256: str) -> bytes:
    """A fitted file's bytes, once they match the sha256 its card records (ValueError if not)."""
    import hashlib

    raw = path.read_bytes()
    if hashlib.sha256(raw).hexdigest() != sha256:
        raise ValueError(f"{path.name} does not match its checksum")
    return raw
