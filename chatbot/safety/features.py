"""Features of the safety classifier: hashed word, word-pair and character n-grams.

The same function turns a message into features when the model is trained
(``scripts/train_safety.py``) and when it is scored, so the two can never drift apart. Hashing
(CRC-32 into ``2**BITS`` buckets) needs no vocabulary file: the weights are one dense array.
Character n-grams inside each word make the model tolerant of typos it has never seen
("suicidle", "overdosd"); word pairs catch phrases ("end it", "not wake"). Words are runs of letters
of any script, so that a run of Chinese or Japanese characters (written without spaces) is read by
its character n-grams.
"""

from __future__ import annotations

import re
import zlib

import numpy as np

from chatbot.safety.textnorm import normalise
from chatbot.text.wordlist import is_english

BITS = 17
DIM = 1 << BITS
CHAR_NGRAMS = (2, 3, 4, 5)
_WORD = re.compile(r"[\w']+")  # letters of any script: a message in Hindi or Chinese has features too


def prepared(message: str) -> str:
    """The classifier's view of a message: the shared safety normalisation, then words only."""
    return " ".join(_WORD.findall(normalise(message, is_english)))


def tokens(text: str) -> list[str]:
    """Feature strings of an already prepared text."""
    words = text.split()
    out = [f"w:{w}" for w in words]
    out += [f"b:{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    for w in words:
        padded = f" {w} "
        for n in CHAR_NGRAMS:
            if n > len(padded):
                break
            out += [f"c:{padded[i:i + n]}" for i in range(len(padded) - n + 1)]
    return out


def vector(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Sparse feature vector of a prepared text: bucket ids and L2-normalised log counts."""
    counts: dict[int, int] = {}
    for t in tokens(text):
        h = zlib.crc32(t.encode("utf-8")) & (DIM - 1)
        counts[h] = counts.get(h, 0) + 1
    if not counts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    val = np.log1p(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))
    val /= np.float32(np.sqrt(float(val @ val)))
    return idx, val
