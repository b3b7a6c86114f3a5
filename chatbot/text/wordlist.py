"""Is this a real English word? A well-kept frequency list decides, so that spelling correction
never rewrites a correctly spelt word ("breath" into "breathe", "heard" into "hard").

The list is pyspellchecker's English word-frequency file (MIT licence); only the words seen at
least ``MIN_COUNT`` times are kept, which drops most typos that the raw list carries. Parsing its
160,000 entries and digesting the kept words takes a quarter of a second, so the kept words are also
cached, as data only: a sorted array of their 64-bit digests, written and read by ``infra.store`` (the
index cache's format: opened only when it is a regular file, never blocking on a FIFO, loaded with
``allow_pickle=False``, every array checked against its recorded dtype, shape and digest, stamped
with the package version). A missing, foreign, damaged or data-only file (one not written by
``store.save``, such as a bare ``.npy``) is rebuilt from the package, never trusted: the safety
rules' spelling correction depends on this list.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MIN_COUNT = 20
_FORMAT = 2  # 1 was a bare .npy, loaded without a manifest


@dataclass(frozen=True)
class StoredWords:
    """What the cache holds: the sorted digests of the kept words."""

    digests: np.ndarray


def _digest(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


class WordSet:
    """Membership by 64-bit digest in a sorted array (a false match is about 1 in 10^14)."""

    def __init__(self, digests: np.ndarray) -> None:
        self.digests = digests

    def __len__(self) -> int:
        return len(self.digests)

    def __bool__(self) -> bool:
        return len(self.digests) > 0

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str) or not len(self.digests):
            return False
        d = np.uint64(_digest(word))
        i = int(np.searchsorted(self.digests, d))
        return i < len(self.digests) and self.digests[i] == d


def _package_words() -> list[str]:
    from importlib.resources import files

    counts = json.loads(gzip.decompress(files("spellchecker").joinpath("resources/en.json.gz").read_bytes()))
    return [w for w, n in counts.items() if isinstance(n, int) and n >= MIN_COUNT and w.isalpha()]


def _cache_path(version: str) -> Path | None:
    from chatbot.infra.locations import cache_dir

    try:
        folder = cache_dir()
        from chatbot.infra.safefile import usable_cache_dir

        usable = usable_cache_dir(folder)[0]
    except Exception:
        return None
    return usable / f"words-en-{version}-{MIN_COUNT}-{_FORMAT}.npz" if usable is not None else None


def _stamps(version: str) -> dict[str, str]:
    return {"pyspellchecker": version, "min_count": str(MIN_COUNT), "format": str(_FORMAT)}


def _sound(a: np.ndarray) -> bool:
    return a.dtype == np.uint64 and a.ndim == 1 and len(a) > 10_000 and bool(np.all(a[1:] > a[:-1]))


def _cached(path: Path, version: str) -> WordSet | None:
    """The cached list when it passes every check of ``store.load`` and is sorted and large enough."""
    from chatbot.infra import store

    try:
        a = store.load(path, StoredWords, _stamps(version)).digests
    except store.StoreError:
        return None
    return WordSet(a) if _sound(a) else None


@functools.cache
def english_words() -> WordSet:
    """The words of the frequency list (empty if the package is missing: nothing is then known)."""
    try:
        from importlib import metadata

        version = metadata.version("pyspellchecker")
    except Exception:
        return WordSet(np.zeros(0, dtype=np.uint64))
    path = _cache_path(version)
    if path is not None:
        found = _cached(path, version)
        if found is not None:
            return found
    try:
        words = _package_words()
    except Exception:
        return WordSet(np.zeros(0, dtype=np.uint64))
    digests = np.unique(np.fromiter((_digest(w) for w in words), dtype=np.uint64, count=len(words)))
    if path is not None:
        try:
            from chatbot.infra import store

            store.save(path, StoredWords(digests), _stamps(version))
        except (OSError, store.StoreError):
            pass
    return WordSet(digests)


def is_english(word: str) -> bool:
    return word in english_words()
