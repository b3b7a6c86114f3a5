"""Tier 1 of safety, the readable rules: emergencies, personal medical decisions, out of scope,
small talk. The rules are data (``data/safety.toml``); this module only reads and applies them, to
text that ``textnorm`` has already stripped of disguises."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chatbot.data import DATA_DIR
from chatbot.errors import ConfigError
from chatbot.safety.textnorm import normalise
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


Compiler = Callable[[str], "re.Pattern[str]"]


@dataclass(frozen=True)
class Distress:
    """Distress without danger (``[distress]``): pain told as hyperbole, or as more than a person can
    bear. Never an emergency on its own; the emergency rules are judged first."""

    pain: re.Pattern[str] | None = None  # "my back is killing me": a warm line
    severe: re.Pattern[str] | None = None  # "I can't take this pain anymore": the calm crisis line too
    search: str = ""  # searched with a message that asks nothing else, so that the quote is about relief

    def level(self, text: str) -> str | None:
        """"severe", "pain" or None for a prepared message."""
        if self.severe is not None and self.severe.search(text):
            return "severe"
        if self.pain is not None and self.pain.search(text):
            return "pain"
        return None


_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")


def _pieces(pattern: str) -> Iterator[tuple[int, str, bool]]:
    """The pattern as (position, piece, structural): an escape ("\\(") is one piece and never
    structural, and nothing inside a character class is structural."""
    in_class, i = False, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            yield i, pattern[i:i + 2], False
            i += 2
            continue
        structural = not in_class
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        yield i, c, structural
        i += 1


def _top_level(pattern: str) -> list[str]:
    """The pattern's alternatives at the top level ("a|b(c|d)" -> ["a", "b(c|d)"])."""
    out, depth, start = [], 0, 0
    for i, c, structural in _pieces(pattern):
        if not structural:
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
    out.append(pattern[start:])
    return out


def _non_capturing(pattern: str) -> str:
    """"(a|b)" -> "(?:a|b)": nothing reads the groups, and a plain group lets the engine reject an
    alternative on its first letter instead of entering it (several times faster on a long list)."""
    return "".join("(?:" if structural and c == "(" and not pattern.startswith("?", i + 1) else c
                   for i, c, structural in _pieces(pattern))


def _word_start_first(patterns: list[str]) -> str:
    """One alternation of all patterns, its groups non-capturing, with the alternatives that begin at a
    word boundary behind a single shared ``\\b``: the engine then tries them only where a word starts,
    not at every letter. The matches are the same as those of the patterns joined with "|"."""
    at_word, others = [], []
    for p in patterns:
        for alt in _top_level(_non_capturing(p)):
            (at_word.append(alt[2:]) if alt.startswith("\\b") else others.append(alt))
    parts = [r"\b(?:" + "|".join(f"(?:{a})" for a in at_word) + ")"] if at_word else []
    return "|".join(parts + [f"(?:{a})" for a in others])


class SafetyRules:
    def __init__(self, data: dict[str, Any], origin: str = "data/safety.toml", compile: Compiler = re.compile,
                 check_each: bool = True) -> None:
        """``check_each``: compile every pattern alone too, so that a broken one is named and cannot hide
        inside the joined alternation. Only the bundled rules skip it (half the start-up time of the
        rules); the test suite checks each of their patterns alone."""
        self.origin = origin

        def _alternation(patterns: list[str]) -> re.Pattern[str] | None:
            if not patterns:
                return None
            for p in patterns if check_each else ():  # each pattern alone first: an error names it
                try:
                    compile(p)
                except re.error as exc:
                    raise ValueError(f"pattern {p!r}: {exc}") from None
            return compile(_word_start_first(patterns))

        try:
            self.messages: dict[str, str] = {k: str(v).strip() for k, v in data["messages"].items()}
            for k, v in data.get("translations", {}).items():  # lines in other languages, e.g. crisis_es
                self.messages.setdefault(k, str(v).strip())
            rewrites = sorted(data.get("rewrite", {}).items(), key=lambda kv: -len(kv[0]))
            self._rewrites = {normalise(k): v for k, v in rewrites}
            self._rewrite_re = compile(
                r"(?<![\w'])(" + "|".join(re.escape(normalise(k)) for k, _ in rewrites) + r")(?![\w'])"
            ) if rewrites else None
            self.critical = sorted(set(data.get("spelling", {}).get("words", [])))
            self.emergency: dict[str, re.Pattern[str]] = {}
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
            self.personal = compile(data["personal"]["pattern"])
            self.hypothetical = compile(data["hypothetical"]["pattern"])
            self.advice = _alternation(list(data.get("advice", {}).get("patterns", [])))
            self.out_of_scope = _alternation(list(data.get("out_of_scope", {}).get("patterns", [])))
            self.clinic_info = _alternation(list(data.get("clinic_info", {}).get("patterns", [])))
            self.smalltalk = [(k, compile(v)) for k, v in data.get("smalltalk", {}).items()]
            self.idioms = _alternation(list(data.get("idiom", {}).get("patterns", [])))
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
            if parse is None:
                import tomllib

                parse = tomllib.loads
            data = parse(text)
            return cls(data, str(path or "data/safety.toml"), compile, check_each=bool(path))
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
        """Disguises removed, lower case, slang spelled out, critical words' typos corrected."""
        text = normalise(question, self._known, self._critical_set.__contains__)
        text = re.sub(r"[^\w'\s-]", " ", text)
        text = " ".join(text.split())
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
        whole message already through ``prepare``, if the caller has it."""
        whole = self.check_prepared(self.prepare(question) if prepared is None else prepared)
        if whole.emergency:
            return whole
        parts = [p for p in _SENTENCE_END.split(question) if p.strip()]
        if len(parts) > 1:
            for part in parts:
                verdict = self.check_prepared(self.prepare(part))
                if verdict.emergency:
                    return verdict
        return whole

    def check_prepared(self, text: str) -> Verdict:
        """Every match of every emergency pattern is judged: one told as history ("back in 2016 I
        overdosed") never hides another that is happening now ("my son is unconscious")."""
        past: str | None = None
        for topic, pattern in self.emergency.items():
            for m in pattern.finditer(text):
                if topic in ("medical", "overdose", "suicide") and \
                        self.told_as_history(text, m.start(), m.end(), whole=topic == "suicide"):
                    past = past or topic
                    continue
                if topic == "harm" and self.idiom(text[max(0, m.start() - 30):m.end() + 40]):
                    continue  # "my boss will kill me if I'm late"
                return Verdict(emergency=topic)
        mention, history = past, past is not None
        what_if = self.hypothetical.search(text) is not None
        personal = self.personal.search(text) is not None
        for topic, pattern in self.topics:
            for m in pattern.finditer(text):
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
        template = self.messages.get(name, "")
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            return template


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
