"""Real-word typos: "how long dose it take" is read as "does" where the word's neighbours say so.

The spelling corrector never rewrites a real English word ("dose", "form" and "loose" are real
words). The swaps in ``data/confusions.toml`` do, but only where the word just before and the word
just after fit the other word: "dose it" (a verb's place, before its subject) favours "does", while
"what dose do people get" stays as typed. ``rewrite`` gives the question with such words swapped;
the search decides whether to keep it (``chatbot/retrieval/search.py``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from chatbot.data import DATA_DIR
from chatbot.errors import ConfigError

START, END = "^", "$"  # the start and the end of the question or of one of its clauses
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_BREAK = re.compile(r"[,;:.!?()\"\n]")  # between two words: they are in different clauses


Phrase = tuple[str, ...]


@dataclass(frozen=True)
class Swap:
    """``typed`` may be read as ``meant`` right after a phrase of ``before`` and right before a phrase
    of ``after`` (each one or more words, or START / END alone; an empty set accepts anything)."""

    typed: str
    meant: str
    before: frozenset[Phrase] = frozenset()
    after: frozenset[Phrase] = frozenset()

    def fits(self, preceding: list[str], following: list[str]) -> bool:
        """``preceding`` and ``following``: the words of the same clause before and after the word."""
        return (not self.before or any(_ends(preceding, p) for p in self.before)) and \
            (not self.after or any(_starts(following, p) for p in self.after))


def _ends(words: list[str], phrase: Phrase) -> bool:
    if phrase == (START,):
        return not words
    return len(words) >= len(phrase) and tuple(words[len(words) - len(phrase):]) == phrase


def _starts(words: list[str], phrase: Phrase) -> bool:
    if phrase == (END,):
        return not words
    return tuple(words[:len(phrase)]) == phrase


def _key(token: str) -> str:
    """A token as the swaps spell words: lower case, no apostrophe ("Don't" -> "dont")."""
    return token.lower().replace("'", "").replace("’", "")


def _same_case(model: str, word: str) -> str:
    if len(model) > 1 and model.isupper():
        return word.upper()
    return word[:1].upper() + word[1:] if model[:1].isupper() else word


@dataclass(frozen=True)
class Confusions:
    """The swaps, by the word typed."""

    swaps: dict[str, tuple[Swap, ...]]
    typed: re.Pattern[str] = field(init=False, repr=False, compare=False)  # any of the typed words

    def __post_init__(self) -> None:
        words = "|".join(sorted(self.swaps)) or "(?!)"
        object.__setattr__(self, "typed", re.compile(rf"(?<![^\W_])(?:{words})(?![^\W_])", re.IGNORECASE))

    @staticmethod
    def parse(text: str, origin: str) -> Confusions:
        import tomllib

        try:
            data = tomllib.loads(text)
            unknown = set(data) - {"swap"}
            if unknown:
                raise ValueError(f"unknown table {sorted(unknown)[0]!r}")
            by_word: dict[str, list[Swap]] = {}
            for entry in data.get("swap", []):
                extra = set(entry) - {"typed", "meant", "before", "after"}
                if extra:
                    raise ValueError(f"unknown key {sorted(extra)[0]!r}")
                typed, meant = _word(entry["typed"]), _word(entry["meant"])
                if typed == meant:
                    raise ValueError(f"{typed!r} is swapped for itself")
                swap = Swap(typed, meant, _phrases(entry.get("before", [])), _phrases(entry.get("after", [])))
                by_word.setdefault(typed, []).append(swap)
            return Confusions({w: tuple(s) for w, s in by_word.items()})
        except (tomllib.TOMLDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(f"confusions {origin} are unusable: {exc}") from None

    def rewrite(self, question: str) -> str | None:
        """``question`` with every word that its neighbours mark as a real-word typo swapped for the
        word meant, in the same case ("Dose it hurt?" -> "Does it hurt?"); None when there is none.
        A question without any of the typed words costs one regular-expression search."""
        if not self.typed.search(question):
            return None
        tokens = list(_TOKEN.finditer(question))
        keys = [_key(t.group(0)) for t in tokens]
        if not any(k in self.swaps for k in keys):
            return None
        clause = [0] * len(tokens)  # which clause each word is in
        for i in range(1, len(tokens)):
            clause[i] = clause[i - 1] + bool(_BREAK.search(question, tokens[i - 1].end(), tokens[i].start()))
        out: list[str] = []
        done = 0
        for i, token in enumerate(tokens):
            swaps = self.swaps.get(keys[i])
            if not swaps:
                continue
            preceding = [k for k, c in zip(keys[:i], clause[:i], strict=True) if c == clause[i]]
            following = [k for k, c in zip(keys[i + 1:], clause[i + 1:], strict=True) if c == clause[i]]
            for swap in swaps:
                if swap.fits(preceding, following):
                    out += [question[done:token.start()], _same_case(token.group(0), swap.meant)]
                    done = token.end()
                    break
        if not out:
            return None
        return "".join(out) + question[done:]


def _word(value: object) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[a-z]+", value):
        raise ValueError(f"{value!r} is not one lower-case word")
    return value


def _phrases(values: Iterable[object]) -> frozenset[Phrase]:
    if isinstance(values, str):
        raise ValueError(f"{values!r} must be a list of words or phrases")
    out: set[Phrase] = set()
    for v in values:
        if isinstance(v, str) and v in (START, END):
            out.add((v,))
        elif isinstance(v, str) and v.split():
            out.add(tuple(_word(w) for w in v.split()))
        else:
            raise ValueError(f"{v!r} is not a word or a phrase")
    return frozenset(out)


@functools.cache
def load_confusions() -> Confusions:
    """The bundled swaps (parsed once)."""
    return Confusions.parse((DATA_DIR / "confusions.toml").read_text(encoding="utf-8"), "data/confusions.toml")
