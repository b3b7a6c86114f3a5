"""One normalisation before safety, shared by both tiers (rules and classifier).

People in crisis, and people testing the chatbot, write "k1ll mys3lf", "s-u-i-c-i-d-e", "killl
myselff", Cyrillic look-alike letters or fullwidth text. The safety check sees through all of that:

1. Unicode NFKC (fullwidth and compatibility forms become plain letters);
2. a confusables fold: Cyrillic and Greek letters that look like Latin ones become Latin;
3. zero-width, format and control characters are removed (inside a word they split nothing);
4. accents removed, lower case, straight quotes;
5. digits used as letters inside a word ("k1ll", "l1fe", "su1c1de") become letters;
6. words joined by underscores are split, letters split by spaces, dots, hyphens or underscores
   ("s-u-i-c-i-d-e", "k i l l") are joined;
7. letter repeats are squeezed ("killl" -> "kill", "diiie" -> "die"), choosing a real word when
   one is possible.

The original text is kept for display; only the safety check reads this form.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from itertools import product

# Cyrillic and Greek letters that are drawn like Latin letters (lower case after casefold).
_CONFUSABLES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "һ": "h", "ӏ": "l",
    "ɡ": "g", "ɑ": "a", "ı": "i", "ȷ": "j", "ℓ": "l", "ϲ": "c", "ԛ": "q", "ԝ": "w", "ѵ": "v", "ь": "b",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "ω": "w", "γ": "y", "ς": "c", "σ": "o", "μ": "u", "ϳ": "j",
    "’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "“": '"', "”": '"', "—": " ", "–": " ", "‐": "-",
})
# Digits and signs that stand for letters when they sit inside a word.
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a", "$": "s", "!": "i"}
_LEET_RE = re.compile(r"(?<=[a-z])[013457@$!8]+(?=[a-z])|(?<=[a-z][a-z])[0134]\b")
_SPLIT_LETTERS = re.compile(r"\b(?:[a-z][ .\-_*]{1,2}){2,}[a-z]\b")
_REPEATS = re.compile(r"([a-z])\1{2,}")
_DOUBLES = re.compile(r"([a-z])\1")


def _strip_invisible(text: str) -> str:
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\t\n\r\v\f" or cat in ("Zl", "Zp", "Zs"):
            out.append(" ")
        elif cat in ("Cc", "Cf", "Cs", "Co", "Cn", "Mn", "Me"):
            continue  # controls, zero-width joiners, soft hyphens, directional marks, accents
        else:
            out.append(ch)
    return "".join(out)


def fold(text: str) -> str:
    """Steps 1 to 4: NFKC, look-alike letters, invisible characters, accents and case."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_CONFUSABLES)
    text = unicodedata.normalize("NFKD", text)
    return _strip_invisible(text).translate(_CONFUSABLES)


def _join_split_letters(m: re.Match[str]) -> str:
    return re.sub(r"[ .\-_*]", "", m.group(0))


def _squeeze(word: str, known: Callable[[str], bool], critical: Callable[[str], bool]) -> str:
    """Letter runs of three or more are cut to two; then, if the word is not a real one, try each
    doubled letter as single or double and keep the first real word found. A word that only had
    doubles ("myselff") is changed only into one of the ``critical`` words ("myself"): "ssri" stays."""
    tripled = _REPEATS.search(word) is not None
    word = _REPEATS.sub(r"\1\1", word)
    if not tripled:
        known = critical
    if known(word):
        return word
    runs = list(_DOUBLES.finditer(word))
    if not runs or len(runs) > 4:
        return word
    for choice in product((1, 2), repeat=len(runs)):
        parts, last = [], 0
        for m, n in zip(runs, choice, strict=True):
            parts.append(word[last:m.start()] + m.group(1) * n)
            last = m.end()
        candidate = "".join(parts) + word[last:]
        if candidate != word and known(candidate):
            return candidate
    return word


def normalise(text: str, known: Callable[[str], bool] | None = None,
              critical: Callable[[str], bool] | None = None) -> str:
    """The text the safety tiers read: folded, de-disguised, lower case, single spaces."""
    text = fold(text)
    text = _LEET_RE.sub(lambda m: "".join(_LEET.get(c, c) for c in m.group(0)), text)
    text = text.replace("_", " ")
    text = _SPLIT_LETTERS.sub(_join_split_letters, text)
    is_known = known or (lambda w: False)
    is_critical = critical or (lambda w: False)
    if _REPEATS.search(text) or critical is not None:
        text = re.sub(r"[a-z]+", lambda m: _squeeze(m.group(0), is_known, is_critical)
                      if _DOUBLES.search(m.group(0)) else m.group(0), text)
    return " ".join(text.split())
