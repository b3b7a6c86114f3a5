"""Is this a real English word? A well-kept frequency list decides, so that spelling correction
never rewrites a correctly spelt word ("breath" into "breathe", "heard" into "hard").

The list is pyspellchecker's English word-frequency file (MIT licence), read once on first use
and only the words seen at least ``MIN_COUNT`` times are kept, which drops most typos that the raw
list carries.
"""

from __future__ import annotations

import functools
import gzip
import json

MIN_COUNT = 20


@functools.cache
def english_words() -> frozenset[str]:
    """The words of the frequency list (empty if the package is missing: nothing is then known)."""
    try:
        from importlib.resources import files

        data = files("spellchecker").joinpath("resources/en.json.gz").read_bytes()
        counts = json.loads(gzip.decompress(data))
    except (ImportError, OSError, ValueError, ModuleNotFoundError):
        return frozenset()
    return frozenset(w for w, n in counts.items() if isinstance(n, int) and n >= MIN_COUNT and w.isalpha())


def is_english(word: str) -> bool:
    return word in english_words()
