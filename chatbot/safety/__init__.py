"""Safety, checked before any article is searched: two tiers over one normalisation.

- Tier 1, ``rules``: readable patterns for every row of the category table. A hit is an emergency:
  the crisis message, nothing quoted.
- Tier 2, ``classifier``: a model trained on reviewed example messages, the safety net for what the
  rules' authors did not think of. A hit that the rules did not make shows the crisis message
  first and still answers the question, so a false alarm costs one extra line, not the answer.

``Safety.check`` combines them into one ``SafetyResult``; ``language`` says when a crisis message
should carry a line in Spanish.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from chatbot.safety.classifier import Prediction, SafetyClassifier
from chatbot.safety.rules import SafetyRules, Verdict

__all__ = ["Safety", "SafetyResult", "SafetyRules", "SafetyClassifier", "Verdict", "Prediction"]

# Above this, a classifier alarm stands even on a message the rules read as an idiom or as history.
CONFIDENT_ALARM = 0.85
SMALLTALK_WORDS = 5
_SPANISH = frozenset("""que quiero morir estoy mi me ya no aguanto dolor vida matarme suicidarme ayuda puedo
tengo hijo hija esposo esposa mama papa pastillas tome tomé respirar pecho muerto muerta quiere nadie mas
más para con muy por favor hacer daño sangre desmayo""".split())
_WORDS = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class SafetyResult:
    verdict: Verdict  # what the rules said
    emergency: str | None = None  # rules: crisis message only, nothing quoted
    flagged: str | None = None  # classifier only: crisis message first, then the answer
    advice: bool = False
    smalltalk: str | None = None
    soft_smalltalk: bool = False  # the classifier's guess only: the articles are searched first
    language: str = "en"  # "es" when the message reads as Spanish
    score: float = 0.0  # the classifier's emergency probability
    smalltalk_score: float = 0.0  # the classifier's small-talk probability

    @property
    def crisis(self) -> str | None:
        return self.emergency or self.flagged


def language_of(text: str) -> str:
    """ "es" when at least two words, and a fifth of all words, are common Spanish ones."""
    words = [w.lower() for w in _WORDS.findall(text)]
    hits = sum(w in _SPANISH for w in words)
    return "es" if hits >= 2 and hits * 5 >= len(words) else "en"


class Safety:
    def __init__(self, rules: SafetyRules, classifier: SafetyClassifier) -> None:
        self.rules = rules
        self.classifier = classifier

    @classmethod
    def load(cls, rules_path: str | Path | None = None) -> Safety:
        """Both tiers; a tier that cannot load raises ConfigError (never a silent 'no safety')."""
        from chatbot.errors import ConfigError
        from chatbot.text.wordlist import english_words

        if not english_words():  # the normalisation and the classifier's features depend on it
            raise ConfigError("the English word list (package pyspellchecker) is missing or unreadable; "
                              "reinstall the chatbot")
        return cls(SafetyRules.load(rules_path), SafetyClassifier.load())

    def check(self, message: str) -> SafetyResult:
        text = self.rules.prepare(message)
        verdict = self.rules.check(message, text)
        language = language_of(message)
        if verdict.emergency:
            return SafetyResult(verdict, emergency=verdict.emergency, advice=verdict.advice, language=language,
                                score=1.0)
        if verdict.smalltalk:
            return SafetyResult(verdict, smalltalk=verdict.smalltalk, language=language)
        p = self.classifier.predict(message)
        flagged = None
        if self.classifier.is_emergency(p):
            # judged on the sentence that raised the alarm, not on the whole message
            part = self.rules.prepare(p.part) if p.part and p.part != message else text
            calm = self.rules.told_as_history(part) or self.rules.idiom(part)
            if not calm or p.emergency >= CONFIDENT_ALARM:
                flagged = p.topic
        advice = verdict.advice or self.classifier.is_advice(p)
        smalltalk = None
        if not flagged and not advice and not verdict.out_of_scope and len(text.split()) <= SMALLTALK_WORDS \
                and self.classifier.is_smalltalk(p):
            smalltalk = "capabilities"
        return SafetyResult(verdict, flagged=flagged, advice=advice, smalltalk=smalltalk,
                            soft_smalltalk=smalltalk is not None, language=language, score=p.emergency,
                            smalltalk_score=p.smalltalk)
