"""Text analysis for retrieval: normalise, tokenise, patient vocabulary, spelling, stop words, stemming.

Articles and questions go through the same steps, so that a word in a question meets the same word
in an article. Questions also get the patient vocabulary ("hooked" -> addiction) and spelling
tolerance ("fibromyalga" -> fibromyalgia) against the words the articles actually use.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chatbot.data import DATA_DIR
from chatbot.errors import ConfigError

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "“": '"', "”": '"', "—": " ", "–": " ", "‐": "-"})
MAX_PHRASE = 4
NUMBER_TERM = "qnum"
NUMBER_WORDS = frozenset("""two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty
hundred thousand million millions billion percent half""".split())
_DEFINES_SOURCE = (
    r"(?:^|(?<=[.!?] ))((?:[A-Z][\w’'-]*)(?: [\w’'-]+){0,2}?) (?:is|are) (?:a|an|primarily|essentially|"
    r"basically)\b"
)
_WHAT_IS_SOURCE = (
    r"^(?:so |and |but |ok |okay |hi |hello )?(?:what|wat|whats|what's|wht)(?: even| exactly| actually| really)?"
    r"(?: is| are|s|'s)? (?:a |an |the )?([\w' -]{1,40}?)(?: exactly| anyway| actually)?\s*[?.!]*$"
    r"|^(?:tell me about|define|explain) (?:a |an |the |what )?([\w' -]{1,40}?)(?: is| are)?\s*[?.!]*$"
)


@functools.cache
def _defines() -> re.Pattern[str]:
    return re.compile(_DEFINES_SOURCE)


@functools.cache
def _what_is() -> re.Pattern[str]:
    return re.compile(_WHAT_IS_SOURCE)


def normalize(text: str) -> str:
    """Unicode-normalised, accent-free, lower-case text with straight quotes."""
    if text.isascii():
        return text.lower().replace("`", "'")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.casefold().translate(_QUOTES)


def words(text: str) -> list[str]:
    """Surface words of a text: ``ketamine's`` -> ``ketamine``, ``don't`` -> ``dont``."""
    out = []
    for token in _TOKEN.findall(normalize(text)):
        if token.endswith("'s"):
            token = token[:-2]
        token = token.replace("'", "")
        if len(token) > 1 or token.isdigit():
            out.append(token)
    return out


def _read_data(name: str) -> str:
    return (DATA_DIR / name).read_text(encoding="utf-8")


def load_stopwords() -> frozenset[str]:
    result: set[str] = set()
    for line in _read_data("stopwords.txt").splitlines():
        result.update(line.split("#", 1)[0].split())
    return frozenset(result)


@dataclass(frozen=True)
class Vocabulary:
    """Equivalent words (both sides) and patient phrases (questions only)."""

    equivalents: dict[str, str] = field(default_factory=dict)
    patient: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)

    @staticmethod
    def parse(text: str, origin: str) -> Vocabulary:
        import tomllib

        try:
            data = tomllib.loads(text)
            equivalents: dict[str, str] = {}
            for head, group in data.get("equivalents", {}).items():
                canonical = words(head)[0]
                for member in group:
                    for word in words(member):
                        equivalents[word] = canonical
            patient: dict[tuple[str, ...], tuple[str, ...]] = {}
            for phrase, target in data.get("patient", {}).items():
                key = tuple(words(phrase))
                if not key or len(key) > MAX_PHRASE:
                    raise ValueError(f"patient phrase {phrase!r} must have 1 to {MAX_PHRASE} words")
                patient[key] = tuple(words(str(target)))
            return Vocabulary(equivalents, patient)
        except (tomllib.TOMLDecodeError, ValueError, IndexError, AttributeError, TypeError) as exc:
            raise ConfigError(f"vocabulary {origin} is unusable: {exc}") from None

    def merged(self, other: Vocabulary) -> Vocabulary:
        return Vocabulary({**self.equivalents, **other.equivalents}, {**self.patient, **other.patient})


def load_vocabulary(extra: str | Path | None = None) -> Vocabulary:
    vocab = Vocabulary.parse(_read_data("vocabulary.toml"), "data/vocabulary.toml")
    if extra:
        from chatbot.infra.safefile import MiB, read_text

        try:  # a regular file of at most 4 MiB: a FIFO or a device named here must not hang start-up
            text = read_text(Path(extra), 4 * MiB, "vocabulary file")
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        vocab = vocab.merged(Vocabulary.parse(text, str(extra)))
    return vocab


class Analyzer:
    """Turns article text and questions into BM25 terms."""

    def __init__(self, vocabulary: Vocabulary | None = None, stopwords: Iterable[str] | None = None,
                 known_terms: dict[str, str | None] | None = None) -> None:
        self.vocabulary = vocabulary or load_vocabulary()
        self.stopwords = frozenset(stopwords) if stopwords is not None else load_stopwords()
        self._stemmer: Any = None  # imported on first need: a cached index rarely needs it
        self._term_cache: dict[str, str | None] = dict(known_terms or {})

    @property
    def term_table(self) -> dict[str, str | None]:
        """Every word seen so far and its term: saved with the index so start-up needs no stemmer."""
        return self._term_cache

    def stem(self, word: str) -> str:
        if self._stemmer is None:
            import snowballstemmer

            self._stemmer = snowballstemmer.stemmer("english")
        return str(self._stemmer.stemWord(word))

    def term(self, word: str) -> str | None:
        """The index term for one surface word, or None for a stop word."""
        cached = self._term_cache.get(word, "")
        if cached != "":
            return cached
        result: str | None
        if word in self.stopwords:
            result = None
        else:
            canonical = self.vocabulary.equivalents.get(word, word)
            result = self.stem(canonical)
        if len(self._term_cache) < 200_000:
            self._term_cache[word] = result
        return result

    def terms(self, surface: Iterable[str]) -> list[str]:
        out = []
        for word in surface:
            t = self.term(word)
            if t is not None:
                out.append(t)
        return out

    def document_terms(self, text: str) -> list[str]:
        return self.terms(words(text))

    @staticmethod
    def number_terms(surface: list[str]) -> list[str]:
        """``qnum`` once for a passage that states a number ("4 to 6", "six months", "50%")."""
        return [NUMBER_TERM] if any(w[0].isdigit() or w in NUMBER_WORDS for w in surface) else []

    def expand(self, surface: list[str]) -> list[list[str]]:
        """Group a question's words into units: a patient phrase becomes the article words it stands
        for (longest phrase first); any other word is a unit of its own."""
        patient = self.vocabulary.patient
        out: list[list[str]] = []
        i = 0
        while i < len(surface):
            for size in range(min(MAX_PHRASE, len(surface) - i), 0, -1):
                target = patient.get(tuple(surface[i : i + size]))
                if target is not None:
                    out.append(list(target))
                    i += size
                    break
            else:
                out.append([surface[i]])
                i += 1
        return out

    def query_units(self, surface: list[str]) -> list[tuple[str, ...]]:
        """The question as units of terms: one unit per word or patient phrase, stop words dropped."""
        units: list[tuple[str, ...]] = []
        seen: set[tuple[str, ...]] = set()
        for group in self.expand(surface):
            unit = tuple(dict.fromkeys(self.terms(group)))
            if unit and unit not in seen:
                seen.add(unit)
                units.append(unit)
        return units

    def query_terms(self, surface: list[str]) -> list[str]:
        """Distinct terms of a (spell-corrected) question, in order."""
        seen: dict[str, None] = {}
        for unit in self.query_units(surface):
            for t in unit:
                seen.setdefault(t, None)
        return list(seen)

    # -- definitions ---------------------------------------------------------------------------
    def definition_key(self, subject: str) -> str | None:
        stems = self.terms(words(subject))
        return "def:" + "_".join(stems) if stems and len(stems) <= 3 else None

    def defined_terms(self, text: str) -> list[str]:
        """``def:`` terms for what a paragraph defines ("Ketamine is a dissociative anesthetic")."""
        out = []
        for m in _defines().finditer(text):
            key = self.definition_key(m.group(1))
            if key:
                out.append(key)
        return out

    def asked_definition(self, question: str) -> str | None:
        """The ``def:`` term when a question asks what something is ("what's ketamine?")."""
        m = _what_is().match(normalize(question).strip())
        if not m:
            return None
        return self.definition_key(m.group(1) or m.group(2))

    def known_words(self) -> set[str]:
        """Words that need no spelling correction besides the articles' own."""
        known = set(self.stopwords) | set(self.vocabulary.equivalents)
        for phrase in self.vocabulary.patient:
            known.update(phrase)
        return known


class SpellingCorrector:
    """Maps a misspelt question word to the nearest word the articles use (or the vocabulary knows)."""

    def __init__(self, corpus_words: dict[str, int], known: set[str]) -> None:
        # most frequent first, so that ties go to the commoner word
        self._choices = sorted(corpus_words, key=lambda w: (-corpus_words[w], w))
        self._choices += sorted(w for w in known if w not in corpus_words and len(w) >= 4)
        self.known = set(corpus_words) | known
        self._cache: dict[str, str] = {}

    @staticmethod
    def max_distance(word: str) -> int:
        if len(word) < 5:
            return 0
        return 1 if len(word) < 8 else 2

    def correct(self, word: str) -> str:
        """The nearest article word, unless ``word`` is known to the articles or a real English word
        ("heard" is never rewritten into "hard"; "fibromyalga" becomes "fibromyalgia")."""
        if word in self.known or not word.isalpha():
            return word
        from chatbot.text.wordlist import is_english

        if is_english(word):
            return word
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        limit = self.max_distance(word)
        best = word
        if limit:
            from rapidfuzz import process
            from rapidfuzz.distance import OSA

            found = process.extractOne(
                word, self._choices, scorer=OSA.distance, score_cutoff=limit,
                processor=None,
            )
            if found is not None and found[0][0] == word[0]:
                best = found[0]
        if len(self._cache) < 100_000:
            self._cache[word] = best
        return best

    def correct_all(self, surface: list[str]) -> list[str]:
        return [self.correct(w) for w in surface]
