"""Tier 1 of safety, the readable rules: emergencies, personal medical decisions, out of scope,
small talk. The rules are data (``data/safety.toml``); this module only reads and applies them, to
text that ``textnorm`` has already stripped of disguises."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from chatbot.data import DATA_DIR
from chatbot.errors import ConfigError
from chatbot.safety.language import reading
from chatbot.safety.textnorm import fold, normalise
from chatbot.text.wordlist import is_english

EMERGENCY_TOPICS = ("suicide", "overdose", "medical", "harm")


@dataclass(frozen=True)
class Verdict:
    """What the safety rules say about one question."""

    emergency: str | None = None  # topic: the crisis message leads and nothing is quoted
    history: bool = False  # an emergency topic, but told as past history: answered, with a crisis line
    mention: str | None = None  # topic mentioned in a plain question: a what-to-do line, then answer
    advice: bool = False
    out_of_scope: str | None = None  # "out_of_scope" or "clinic_info"
    smalltalk: str | None = None  # greeting | thanks | goodbye | capabilities
    distress: str | None = None  # "pain" (a warm line) or "severe" (a warm line and the calm crisis line)
    # the emergency rule matched only in a general question about nobody in particular ("what does an
    # anaphylactic reaction look like"): the crisis panel still leads, and the question is answered after it
    asked: bool = False
    # the emergency rule matched only across sentences, none raising it on its own ("Is it normal to
    # have suicidal thoughts? I've read a few articles"): the crisis panel leads, the answer follows it
    joined: bool = False


Compiler = Callable[[str], "re.Pattern[str]"]


class Alternation:
    """One list of patterns, joined into two regular expressions: the alternatives written in ASCII
    letters only (English, and the languages written in Latin letters once accents are folded), tried
    on every message, and those with a letter outside ASCII (Chinese, Russian, Arabic...), tried only
    on a message that has one. Most messages are English; they are spared the other scripts' patterns,
    which have no word boundary to start from and would be tried at every letter. The second is
    compiled the first time a message needs it (compiling every script's patterns is a third of the
    rules' start-up, and an English question never needs them)."""

    def __init__(self, ascii: re.Pattern[str] | None = None, other: str | None = None,
                 compile: Compiler = re.compile) -> None:
        self.ascii = ascii
        self._other_source = other
        self._other: re.Pattern[str] | None = None
        self._compile = compile
        self._lock = threading.Lock()

    @property
    def other(self) -> re.Pattern[str] | None:
        if self._other is None and self._other_source is not None:
            with self._lock:
                if self._other is None:
                    self._other = self._compile(self._other_source)
        return self._other

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if self.ascii is not None:
            yield from self.ascii.finditer(text)
        if self._other_source is not None and not text.isascii():
            yield from self.other.finditer(text)  # type: ignore[union-attr]

    def search(self, text: str) -> re.Match[str] | None:
        return next(self.finditer(text), None)


@dataclass(frozen=True)
class Asked:
    """[asked] in the rules: when a sentence that set off an emergency rule is a general question."""

    topics: frozenset[str]  # the emergency topics it may apply to (never thoughts of suicide)
    question: re.Pattern[str]  # on the sentence as typed, lower case: it is asked
    person: re.Pattern[str]  # on the prepared sentence: someone it could be happening to
    keep: re.Pattern[str]  # on the prepared sentence: it is happening now, or it asks how much it takes
    acting: re.Pattern[str] | None = None  # on the message as typed, lower case: it asks what to do

    def general(self, topic: str | None, typed: str, prepared: str) -> bool:
        return topic in self.topics and self.question.search(typed.strip().lower()) is not None \
            and self.person.search(prepared) is None and self.keep.search(prepared) is None

    def what_to_do(self, typed: str) -> bool:
        """"How do you do CPR?", "what to do if someone has a seizure": it may be happening now."""
        return self.acting is None or self.acting.search(typed.strip().lower()) is not None


@dataclass(frozen=True)
class Distress:
    """Distress without danger (``[distress]``): pain told as hyperbole, or as more than a person can
    bear. Never an emergency on its own; the emergency rules are judged first."""

    pain: Alternation | None = None  # "my back is killing me": a warm line
    severe: Alternation | None = None  # "I can't take this pain anymore": the calm crisis line too
    search: str = ""  # searched with a message that asks nothing else, so that the quote is about relief

    def level(self, text: str) -> str | None:
        """"severe", "pain" or None for a prepared message."""
        if self.severe is not None and self.severe.search(text):
            return "severe"
        if self.pain is not None and self.pain.search(text):
            return "pain"
        return None


_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")
# Letters with a stroke have no accent to strip: people who type without diacritics write d and l.
_STROKES = str.maketrans({"đ": "d", "ł": "l"})
# Indic vowel signs that take up space (Mc): kept, so that "मरना" stays one word; the others (Mn)
# are removed by ``fold``, in the message and in the patterns alike.
_VOWEL_SIGNS = "".join(c for c in map(chr, range(0x900, 0xE00)) if unicodedata.category(c) == "Mc")
_NOT_WORD = re.compile(r"[^\w'\s" + _VOWEL_SIGNS + r"-]")
# Languages written in Latin letters that ``reading`` recognises: English slang and typo fixes are
# not applied to them ("od" is Polish for "from", "convulsioni" is not a typo of "convulsing").
_OTHER_LATIN = frozenset(("es", "fr", "pt", "de", "it", "pl", "tl", "ht", "vi", "ro", "tr", "nl", "id", "so", "sw",
                          "cs", "hu", "yo", "pa"))


def fold_letters(text: str) -> str:
    """Text as the rules read its letters: ``textnorm.fold`` (look-alikes, accents, case; Hangul as
    jamo, Japanese without voicing marks) and stroked letters without the stroke."""
    return fold(text).translate(_STROKES)


# A pattern's tokens: an escape, a [class], a bracket or bar, or a run of anything else.
_TOKENS = re.compile(r"\\.|\[(?:\\.|[^\]\\])*\]|[()|]|[^\\\[()|]+|.", re.DOTALL)
# What ``fold_pattern`` changes: a [class] with letters outside ASCII, or such a letter (escapes are kept).
_PATTERN_LETTERS = re.compile(r"(\\.)|(\[(?:\\.|[^\]\\])*\])|([^\x00-\x7f])", re.DOTALL)


def _top_level(pattern: str) -> list[str]:
    """The pattern's alternatives at the top level ("a|b(c|d)" -> ["a", "b(c|d)"])."""
    out, depth, start = [], 0, 0
    for m in _TOKENS.finditer(pattern):
        c = m.group()
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            out.append(pattern[start:m.start()])
            start = m.end()
    out.append(pattern[start:])
    return out


def _non_capturing(pattern: str) -> str:
    """"(a|b)" -> "(?:a|b)": nothing reads the groups, and a plain group lets the engine reject an
    alternative on its first letter instead of entering it (several times faster on a long list)."""
    return "".join("(?:" if m.group() == "(" and not pattern.startswith("?", m.end()) else m.group()
                   for m in _TOKENS.finditer(pattern))


@lru_cache(maxsize=8192)
def _fold_letter(letter: str) -> str:
    return fold_letters(letter)


def _fold_piece(m: re.Match[str]) -> str:
    escape, klass, letter = m.groups()
    if escape:
        return escape
    if klass:
        if klass.isascii():
            return klass
        out = []
        for c in klass:
            folded = _fold_letter(c) if not c.isascii() else c
            if len(folded) > 1:
                raise ValueError(f"{c!r} inside [...] folds to {len(folded)} letters: write an alternation")
            out.append(folded)
        return "".join(out)
    folded = _fold_letter(letter)
    quantified = m.string[m.end():m.end() + 1] in ("*", "+", "?", "{")
    return f"(?:{folded})" if quantified and len(folded) != 1 else folded


def fold_pattern(pattern: str) -> str:
    """The pattern with each letter outside ASCII folded as the message is (``fold_letters``), so that
    patterns are written as people type ("quiero morir", "죽고 싶어", "хочу умереть") and match the
    prepared message. A letter that folds to several ("싶" into three jamo) and has a quantifier after
    it becomes a group; in a [class] it is an error."""
    return pattern if pattern.isascii() else _PATTERN_LETTERS.sub(_fold_piece, pattern)


def _folding(compile: Compiler) -> Compiler:
    return lambda pattern: compile(fold_pattern(pattern))


def _word_start_first(alternatives: list[str]) -> str:
    """One alternation of the top-level alternatives (their groups already non-capturing), with those
    that begin at a word boundary behind a single shared ``\\b``: the engine then tries them only where
    a word starts, not at every letter. The matches are the same as those of the alternatives joined
    with "|"."""
    at_word, others = [], []
    for alt in alternatives:
        (at_word.append(alt[2:]) if alt.startswith("\\b") else others.append(alt))
    parts = [r"\b(?:" + "|".join(f"(?:{a})" for a in at_word) + ")"] if at_word else []
    return "|".join(parts + [f"(?:{a})" for a in others])


_LIST_NAME = re.compile(r"(?<!\(\?)(?<!\(\?P)<([a-z_]+)>")  # <medicine>; not (?<!...) nor (?P<name>...)


def named_lists(lists: dict[str, Any]) -> dict[str, str]:
    """The ``[lists]`` table as groups: each list's entries joined as ``(a|b|...)``; an entry may
    name an earlier list."""
    out: dict[str, str] = {}
    for name, entries in lists.items():
        if not isinstance(entries, list) or not entries:
            raise ValueError(f"[lists] {name} must be a list of patterns")
        out[name] = "(" + "|".join(expand(str(e), out) for e in entries) + ")"
    return out


def expand(pattern: str, lists: dict[str, str]) -> str:
    """``pattern`` with each ``<name>`` of a list replaced by that list's group (other text untouched)."""
    return _LIST_NAME.sub(lambda m: lists.get(m.group(1), m.group(0)), pattern)


def joined(patterns: list[str], compile: Compiler, check_each: bool) -> Alternation | None:
    """The patterns (folded) as one ``Alternation``; ``check_each``: compile every pattern alone
    first, and the other scripts' alternation now, so that an error names its pattern at load."""
    if not patterns:
        return None
    folded = [fold_pattern(p) for p in patterns]
    for p, f in zip(patterns, folded, strict=True) if check_each else ():  # each alone first: an error names it
        try:
            compile(f)
        except re.error as exc:
            raise ValueError(f"pattern {p!r}: {exc}") from None
    alternatives = [a for f in folded for a in _top_level(_non_capturing(f))]
    ascii_only = [a for a in alternatives if a.isascii()]
    others = [a for a in alternatives if not a.isascii()]
    other = _word_start_first(others) if others else None
    if other is not None and check_each:
        compile(other)  # a clinic's own rules: every error at load, never at a patient's message
    return Alternation(compile(_word_start_first(ascii_only)) if ascii_only else None, other, compile)


class SafetyRules:
    def __init__(self, data: dict[str, Any], origin: str = "data/safety.toml", compile: Compiler = re.compile,
                 check_each: bool = True) -> None:
        """``check_each``: compile every pattern alone too, so that a broken one is named and cannot hide
        inside the joined alternation. Only the bundled rules skip it (half the start-up time of the
        rules); the test suite checks each of their patterns alone."""
        self.origin = origin
        plain, compile = compile, _folding(compile)  # every pattern is read folded, as the message is

        def _alternation(patterns: list[str]) -> Alternation | None:
            return joined([expand(p, lists) for p in patterns], plain, check_each)

        try:
            lists = named_lists(data.get("lists", {}))
            self.messages: dict[str, str] = {k: str(v).strip() for k, v in data["messages"].items()}
            for k, v in data.get("translations", {}).items():  # lines in other languages, e.g. crisis_es
                self.messages.setdefault(k, str(v).strip())
            rewrites = sorted(data.get("rewrite", {}).items(), key=lambda kv: -len(kv[0]))
            self._rewrites = {normalise(k): v for k, v in rewrites}
            self._rewrite_re = compile(
                r"(?<![\w'])(" + "|".join(re.escape(normalise(k)) for k, _ in rewrites) + r")(?![\w'])"
            ) if rewrites else None
            self.critical = sorted(set(data.get("spelling", {}).get("words", [])))
            self.emergency: dict[str, Alternation] = {}
            for entry in data.get("emergency", []):
                topic = entry["topic"]
                if topic not in EMERGENCY_TOPICS:
                    raise ValueError(f"unknown emergency topic {topic!r}")
                if topic in self.emergency:
                    raise ValueError(f"a second [[emergency]] block for topic {topic!r}: merge its patterns "
                                     "into the first (a second block would silently replace it)")
                pat = _alternation(list(entry["patterns"]))
                if pat is not None:
                    self.emergency[topic] = pat
            self.topics = [(t["topic"], compile(t["pattern"])) for t in data.get("topic", [])]
            if len({t for t, _ in self.topics}) != len(self.topics):
                raise ValueError("two [[topic]] blocks for the same topic")
            history = data.get("history", {})
            self.past = compile(history["past"]) if history.get("past") else None
            self.now = compile(history["now"]) if history.get("now") else None
            person = data["personal"]  # a person word, or a suicide topic said as ongoing: one pattern
            self.personal = compile("|".join(p for p in (person["pattern"], person.get("ongoing")) if p))
            asked = data.get("asked")
            self.asked = Asked(frozenset(asked["topics"]) - {"suicide"}, compile(asked["question"]),
                               compile(asked["person"]), compile(asked["keep"]),
                               compile(asked["acting"]) if asked.get("acting") else None) if asked else None
            self.hypothetical = compile(data["hypothetical"]["pattern"])
            self.advice = _alternation(list(data.get("advice", {}).get("patterns", [])))
            self.out_of_scope = _alternation(list(data.get("out_of_scope", {}).get("patterns", [])))
            self.clinic_info = _alternation(list(data.get("clinic_info", {}).get("patterns", [])))
            self.smalltalk = [(k, compile(v)) for k, v in data.get("smalltalk", {}).items()]
            self.idioms = _alternation(list(data.get("idiom", {}).get("patterns", [])))
            self.benign = _alternation(list(data.get("benign", {}).get("patterns", [])))
            distress = data.get("distress", {})
            self.distress = Distress(_alternation(list(distress.get("patterns", []))),
                                     _alternation(list(distress.get("severe", []))),
                                     str(distress.get("search", "")).strip())
        except (KeyError, TypeError, ValueError, re.error) as exc:
            raise ConfigError(f"safety rules {origin} are unusable: {exc}") from None
        self._spell_cache: dict[str, str] = {}
        self._critical_set = frozenset(self.critical)
        self.known_words: set[str] = set()  # words that are spelt right: no correction needed

    @classmethod
    def load(cls, path: str | Path | None = None, compile: Compiler = re.compile,
             parse: Callable[[str], Any] | None = None) -> SafetyRules:
        try:
            if path:
                from chatbot.infra.safefile import read_text

                text = read_text(path, 4 << 20, "safety rules file")  # regular files only: a FIFO cannot hang
            else:
                text = (DATA_DIR / "safety.toml").read_text(encoding="utf-8")
                compile = _bundled(text, compile)
            import tomllib

            return cls((parse or tomllib.loads)(text), str(path or "data/safety.toml"), compile, check_each=bool(path))
        except (OSError, UnicodeDecodeError, ValueError) as exc:  # TOMLDecodeError is a ValueError
            raise ConfigError(f"cannot read safety rules {path or 'data/safety.toml'}: {exc}") from None

    # -- normalising ---------------------------------------------------------------------------
    def _spell(self, word: str) -> str:
        if len(word) < 5 or not word.isalpha() or word in self.known_words or is_english(word):
            return word
        hit = self._spell_cache.get(word)
        if hit is None:
            from rapidfuzz import process
            from rapidfuzz.distance import OSA

            limit = 1 if len(word) < 8 else 2
            found = process.extractOne(word, self.critical, scorer=OSA.distance, score_cutoff=limit)
            hit = found[0] if found is not None and found[0][0] == word[0] else word
            if len(self._spell_cache) < 50_000:
                self._spell_cache[word] = hit
        return hit

    def _known(self, word: str) -> bool:
        return word in self.known_words or is_english(word) or word in self._critical_set

    def prepare(self, question: str) -> str:
        """Disguises removed, lower case, no accents; slang spelled out and critical words' typos
        corrected, unless the message reads as another language written in Latin letters."""
        text = normalise(question, self._known, self._critical_set.__contains__).translate(_STROKES)
        text = " ".join(_NOT_WORD.sub(" ", text).split())
        if reading(question, self._known) in _OTHER_LATIN:
            return text  # another language: English slang and typo fixes would only garble it
        if self._rewrite_re is not None:
            text = self._rewrite_re.sub(lambda m: self._rewrites[m.group(1)], text)
        return " ".join(self._spell(w) for w in text.split())

    # -- judging -------------------------------------------------------------------------------
    def told_as_history(self, text: str, start: int = 0, end: int | None = None, whole: bool = False) -> bool:
        """"I had a heart attack in 2019, can I have ketamine?": the event at ``text[start:end]`` is
        past, not now. A past marker near it (within 60 characters) and no present marker close to
        it (within 20; anywhere in the message when ``whole``, as for thoughts of suicide) make it
        history; "again", "tonight", "still want to" keep it present."""
        if self.past is None:
            return False
        end = len(text) if end is None else end
        near = text[max(0, start - 60):end + 60]
        if self.past.search(near) is None:
            return False
        close = text if whole else text[max(0, start - 20):end + 20]
        return self.now is None or self.now.search(close) is None

    def idiom(self, text: str) -> bool:
        """A figure of speech with a crisis word in it ("my back is killing me", "dying to know")."""
        return self.idioms is not None and self.idioms.search(text) is not None

    def check(self, question: str, prepared: str | None = None) -> Verdict:
        """The whole message, and each of its sentences on its own: an emergency in any sentence is
        an emergency, whatever history or questions the other sentences hold. ``prepared``: the
        whole message already through ``prepare``, if the caller has it. When every sentence that
        raised it is a general question ([asked]), the verdict says so (``asked``)."""
        prepared = self.prepare(question) if prepared is None else prepared
        whole = self.check_prepared(prepared)
        parts = [p for p in _SENTENCE_END.split(question) if p.strip()]
        if not whole.emergency and len(parts) < 2:
            return whole
        if len(parts) < 2:
            parts, texts, verdicts = [question], [prepared], [whole]
        else:
            texts = [self.prepare(p) for p in parts]
            verdicts = [self.check_prepared(t) for t in texts]
        alarms = [(p, t, v) for p, t, v in zip(parts, texts, verdicts, strict=True) if v.emergency]
        if not alarms:
            return replace(whole, joined=whole.emergency is not None)  # only in the whole (or none at all)
        for typed, text, verdict in alarms:
            if self.asked is None or not self.asked.general(verdict.emergency, typed, text) \
                    or reading(typed, self._known) != "en":
                return verdict
        return replace(alarms[0][2], asked=True)

    def check_prepared(self, text: str) -> Verdict:
        """Every match of every emergency pattern is judged: one told as history ("back in 2016 I
        overdosed") never hides another that is happening now ("my son is unconscious"). A match inside
        an ordinary phrase ([benign]: "can't breathe through my nose") or a harm idiom is set aside."""
        past: str | None = None
        ordinary = _spans(self.benign, text)
        for topic, alternation in self.emergency.items():
            for m in alternation.finditer(text):
                if topic in ("medical", "overdose", "suicide") and \
                        self.told_as_history(text, m.start(), m.end(), whole=topic == "suicide"):
                    past = past or topic
                    continue
                if _covered(ordinary, m) or topic == "harm" and _inside(self.idioms, text, m):
                    continue
                return Verdict(emergency=topic)
        mention, history = past, past is not None
        what_if = self.hypothetical.search(text) is not None
        personal = self.personal.search(text) is not None
        for topic, pattern in self.topics:
            for m in (m for m in pattern.finditer(text) if not _covered(ordinary, m)):
                told_past = self.told_as_history(text, m.start(), m.end(), whole=topic == "suicide")
                # a bare mention ("chest pain", "suicidal thoughts") is taken as happening now
                if (not what_if or (personal and topic == "suicide")) and not told_past:
                    return Verdict(emergency=topic)
                mention = mention or topic
                history = history or told_past
        return self._rest(text, mention, history)

    def _rest(self, text: str, mention: str | None, history: bool = False) -> Verdict:
        """Everything but an emergency: small talk, personal advice, out of scope."""
        for kind, pattern in self.smalltalk:
            if pattern.fullmatch(text):
                return Verdict(mention=mention, smalltalk=kind)
        advice = self.advice is not None and self.advice.search(text) is not None
        scope = None
        if self.clinic_info is not None and self.clinic_info.search(text):
            scope = "clinic_info"
        elif self.out_of_scope is not None and self.out_of_scope.search(text):
            scope = "out_of_scope"
        return Verdict(mention=mention, advice=advice or history, out_of_scope=scope, history=history,
                       distress=self.distress.level(text))

    def check_messages(self, values: dict[str, str]) -> None:
        check_messages(self.messages, self.origin, values)

    def message(self, name: str, values: dict[str, str]) -> str:
        return _fill(self.messages.get(name, ""), values)


def _bundled(text: str, compile: Compiler) -> Compiler:
    """For the bundled rules, their programs as shipped compiled (chatbot/infra/regexcache.py)."""
    if compile is not re.compile:
        return compile
    from chatbot.infra.regexcache import Precompiled

    return Precompiled.shipped(text).compile


def _fill(template: str, values: dict[str, str]) -> str:
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return template


def _spans(alternation: Alternation | None, text: str) -> list[tuple[int, int]]:
    return [m.span() for m in alternation.finditer(text)] if alternation is not None else []


def without(alternation: Alternation | None, text: str) -> str | None:
    """The text without what the alternation matches (spaces tidied), or None when it matches nothing:
    a sentence with its idioms taken out is what an alarm must stand on ("worried sick, this is goodbye")."""
    spans = _spans(alternation, text)
    if not spans:
        return None
    kept, at = [], 0
    for start, end in sorted(spans):
        kept.append(text[at:max(at, start)])
        at = max(at, end)
    return " ".join(" ".join([*kept, text[at:]]).split())


def _inside(alternation: Alternation | None, text: str, m: re.Match[str]) -> bool:
    """Whether a match of the alternation near ``m`` overlaps it: a harm match that is part of a figure
    of speech ("my boss is going to kill me"), not one beside it ("scared to death, he said he will kill me")."""
    lo = max(0, m.start() - 30)
    return any(start + lo < m.end() and end + lo > m.start() for start, end in _spans(alternation, text[lo:m.end() + 40]))


def _covered(spans: list[tuple[int, int]], m: re.Match[str]) -> bool:
    """Whether this match ends (or starts) inside an ordinary phrase of [benign]: "my son will not
    respond" inside "will not respond to my texts"."""
    return any(lo < m.end() <= hi or lo <= m.start() < hi for lo, hi in spans)


def check_messages(messages: dict[str, str], origin: str, values: dict[str, str]) -> None:
    """Every crisis and notice message exists, is not empty and fills in from the settings: a
    clinic's own copy of the rules that lacks one is an error at start-up, never an empty or
    half-filled crisis message in front of a patient. Every message is shown as written, so none may
    hold an escape sequence, a control character or a bidi override or mark."""
    from chatbot.infra.sanitise import safe_to_show

    for name, text in messages.items():
        if not safe_to_show(text, multiline=True):
            raise ConfigError(f"safety rules {origin}: the message {name!r} holds control characters, "
                              "escape sequences or bidirectional marks")
    for name in (*EMERGENCY_TOPICS, *(f"mention_{t}" for t in EMERGENCY_TOPICS if t != "harm"),
                 "personal_advice", "crisis_es", "out_of_scope", "clinic_info", "crisis_line", "unreadable"):
        template = messages.get(name, "").strip()
        if not template:
            raise ConfigError(f"safety rules {origin}: the message {name!r} is missing or empty")
        try:
            template.format(**values)
        except (KeyError, IndexError, ValueError) as exc:
            raise ConfigError(f"safety rules {origin}: the message {name!r} has a placeholder "
                              f"that the settings do not fill: {exc}") from None
