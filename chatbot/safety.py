"""Safety rules, checked before retrieval: emergencies, personal medical decisions, out of scope,
small talk. The rules are data (``data/safety.toml``); this module only reads and applies them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chatbot.analysis import normalize
from chatbot.data import DATA_DIR
from chatbot.errors import ConfigError

EMERGENCY_TOPICS = ("suicide", "overdose", "medical", "harm")


@dataclass(frozen=True)
class Verdict:
    """What the safety rules say about one question."""

    emergency: str | None = None  # topic: the crisis message leads and nothing is quoted
    mention: str | None = None  # topic mentioned in a plain question: a what-to-do line, then answer
    advice: bool = False
    out_of_scope: str | None = None  # "out_of_scope" or "clinic_info"
    smalltalk: str | None = None  # greeting | thanks | goodbye | capabilities


Compiler = Callable[[str], "re.Pattern[str]"]


class SafetyRules:
    def __init__(self, data: dict[str, Any], origin: str = "data/safety.toml", compile: Compiler = re.compile) -> None:

        def _alternation(patterns: list[str]) -> re.Pattern[str] | None:
            return compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None

        try:
            self.messages: dict[str, str] = {k: str(v).strip() for k, v in data["messages"].items()}
            rewrites = sorted(data.get("rewrite", {}).items(), key=lambda kv: -len(kv[0]))
            self._rewrites = {normalize(k): v for k, v in rewrites}
            self._rewrite_re = compile(
                r"(?<![\w'])(" + "|".join(re.escape(normalize(k)) for k, _ in rewrites) + r")(?![\w'])"
            ) if rewrites else None
            self.critical = sorted(set(data.get("spelling", {}).get("words", [])))
            self.emergency: dict[str, re.Pattern[str]] = {}
            for entry in data.get("emergency", []):
                topic = entry["topic"]
                if topic not in EMERGENCY_TOPICS:
                    raise ValueError(f"unknown emergency topic {topic!r}")
                pat = _alternation(list(entry["patterns"]))
                if pat is not None:
                    self.emergency[topic] = pat
            self.topics = [(t["topic"], compile(t["pattern"])) for t in data.get("topic", [])]
            self.personal = compile(data["personal"]["pattern"])
            self.hypothetical = compile(data["hypothetical"]["pattern"])
            self.advice = _alternation(list(data.get("advice", {}).get("patterns", [])))
            self.out_of_scope = _alternation(list(data.get("out_of_scope", {}).get("patterns", [])))
            self.clinic_info = _alternation(list(data.get("clinic_info", {}).get("patterns", [])))
            self.smalltalk = [(k, compile(v)) for k, v in data.get("smalltalk", {}).items()]
        except (KeyError, TypeError, ValueError, re.error) as exc:
            raise ConfigError(f"safety rules {origin} are unusable: {exc}") from None
        self._spell_cache: dict[str, str] = {}
        self.known_words: set[str] = set()  # words that are spelt right: no correction needed

    @classmethod
    def load(cls, path: str | Path | None = None, compile: Compiler = re.compile,
             parse: Callable[[str], Any] | None = None) -> SafetyRules:
        try:
            if path:
                text = Path(path).read_text(encoding="utf-8")
            else:
                text = (DATA_DIR / "safety.toml").read_text(encoding="utf-8")
            if parse is None:
                import tomllib

                parse = tomllib.loads
            data = parse(text)
            return cls(data, str(path or "data/safety.toml"), compile)
        except (OSError, UnicodeDecodeError, ValueError) as exc:  # TOMLDecodeError is a ValueError
            raise ConfigError(f"cannot read safety rules {path or 'data/safety.toml'}: {exc}") from None

    # -- normalising ---------------------------------------------------------------------------
    def _spell(self, word: str) -> str:
        if len(word) < 5 or not word.isalpha() or word in self.known_words:
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

    def prepare(self, question: str) -> str:
        """Lower case, straight quotes, slang spelled out, critical words' typos corrected."""
        text = normalize(question)
        text = re.sub(r"[^\w'\s-]", " ", text)
        text = " ".join(text.split())
        if self._rewrite_re is not None:
            text = self._rewrite_re.sub(lambda m: self._rewrites[m.group(1)], text)
        return " ".join(self._spell(w) for w in text.split())

    # -- judging -------------------------------------------------------------------------------
    def check(self, question: str) -> Verdict:
        text = self.prepare(question)
        for topic, pattern in self.emergency.items():
            if pattern.search(text):
                return Verdict(emergency=topic)
        mention = None
        for topic, pattern in self.topics:
            if pattern.search(text):
                personal = self.personal.search(text) is not None
                what_if = self.hypothetical.search(text) is not None
                # a bare mention ("chest pain", "suicidal thoughts") is taken as happening now
                if not what_if or (personal and topic == "suicide"):
                    return Verdict(emergency=topic)
                mention = topic
                break
        for kind, pattern in self.smalltalk:
            if pattern.fullmatch(text):
                return Verdict(mention=mention, smalltalk=kind)
        advice = self.advice is not None and self.advice.search(text) is not None
        scope = None
        if self.clinic_info is not None and self.clinic_info.search(text):
            scope = "clinic_info"
        elif self.out_of_scope is not None and self.out_of_scope.search(text):
            scope = "out_of_scope"
        return Verdict(mention=mention, advice=advice, out_of_scope=scope)

    def message(self, name: str, values: dict[str, str]) -> str:
        template = self.messages.get(name, "")
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            return template
