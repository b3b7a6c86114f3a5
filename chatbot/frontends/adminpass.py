"""The kiosk's staff passphrase: stored only as a salted PBKDF2-SHA256 hash in the settings file.

Make one with ``chatbot admin-hash`` and put the printed line in settings as ``kiosk_admin_hash``.
"""

from __future__ import annotations

import hashlib
import hmac
import os

ITERATIONS = 200_000


def make_hash(passphrase: str, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", passphrase.encode("utf-8"), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


def check(passphrase: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
        if scheme != "pbkdf2_sha256":
            return False
        got = hashlib.pbkdf2_hmac("sha256", passphrase.encode("utf-8"), bytes.fromhex(salt), int(iterations))
        return hmac.compare_digest(got.hex(), digest)
    except (ValueError, TypeError):
        return False
