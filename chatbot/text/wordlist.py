"""Is this a real English word? A well-kept frequency list decides, so that spelling correction
never rewrites a correctly spelt word ("breath" into "breathe", "heard" into "hard").

The list is pyspellchecker's English word-frequency file (MIT licence); only the words seen at
least ``MIN_COUNT`` times are kept, which drops most typos that the raw list carries. Parsing its
160,000 entries takes a tenth of a second, so the kept words are also cached, as data only: a sorted
array of their 64-bit digests (``.npy``, loaded with ``allow_pickle=False``) keyed by the package
version. A missing, foreign or damaged cache is rebuilt from the package.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
from pathlib import Path

import numpy as np

MIN_COUNT = 20
_FORMAT = 1


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
    return usable / f"words-en-{version}-{MIN_COUNT}-{_FORMAT}.npy" if usable is not None else None


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
        try:
            a = np.load(path, allow_pickle=False)
            if a.dtype == np.uint64 and a.ndim == 1 and len(a) > 10_000 and bool(np.all(a[1:] > a[:-1])):
                return WordSet(a)
        except (OSError, ValueError):
            pass
    try:
        words = _package_words()
    except Exception:
        return WordSet(np.zeros(0, dtype=np.uint64))
    digests = np.unique(np.fromiter((_digest(w) for w in words), dtype=np.uint64, count=len(words)))
    if path is not None:
        try:
            from chatbot.infra.safefile import atomic_write

            atomic_write(path, lambda fh: np.save(fh, digests, allow_pickle=False))
        except OSError:
            pass
    return WordSet(digests)


def is_english(word: str) -> bool:
    return word in english_words()
