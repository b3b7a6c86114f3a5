"""Safety, checked before any article is searched: two tiers over one normalisation, and a second
opinion for the second tier.

- Tier 1, ``rules``: readable patterns for every row of the category table. A hit is an emergency:
  the crisis message, nothing quoted; unless it is a general question ([asked]) or the classifier
  doubts it, when the answer follows the crisis panel.
- Tier 2, ``classifier``: a model trained on reviewed example messages, the safety net for what the
  rules' authors did not think of. Its alarm is confirmed by ``second`` (a head on the sentence
  model's vector of the same sentence) before it becomes the full crisis panel; in the middle band
  it becomes one calm line with the crisis numbers after the answer. Either way the question is
  still answered, so a false alarm costs a line, not the answer.
- For a message in another language, ``bank``: how near a multilingual model's vector of the
  message is to emergencies among examples (``multilingual.py``), which knows languages and phrasings the rules and the n-gram
  model were never given.

``Safety.check`` combines them into one ``SafetyResult``; ``reading`` says which language the
message is in (the articles and the sentence model read English; Spanish gets a crisis line in
Spanish).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from chatbot.errors import ConfigError
from chatbot.safety.classifier import Prediction, SafetyClassifier
from chatbot.safety.language import reading, surely_english
from chatbot.safety.multilingual import DIM, READ_CHARS, UNREAD, Bank, Reading, sentences
from chatbot.safety.rules import SafetyRules, Verdict, without
from chatbot.safety.second import Points, SecondOpinion

__all__ = ["Safety", "SafetyResult", "SafetyRules", "SafetyClassifier", "SecondOpinion", "Verdict", "Prediction"]

SMALLTALK_WORDS = 5
# a message about the asker or someone close: "mum feels queasy on her gabapentin, should she keep
# taking it?", "would a 70-year-old with dementia be able to have it?" (A5 of the table: relatives)
_PERSONAL = re.compile(r"\b(i|im|i'm|me|my|mine|myself|we|us|our|ours|he|she|him|her|his|hers"
                       r"|mum|mom|mother|dad|father|husband|wife|partner|son|daughter|kids?|child|children"
                       r"|baby|toddler|teen|teenager|grandma|grandpa|granny|nan|nana|grandmother|grandfather"
                       r"|boyfriend|girlfriend|fiance|fiancee|brother|sister|aunt|uncle)\b"
                       r"|\b\d{1,3} ?(-|\s)?(yo|y/o|yr old|year old|years old)\b")
# At or above this joined score, an alarm stands even on a sentence the rules read as an idiom or as
# history ("my back is killing me and i want it to end" is both).
CONFIDENT_ALARM = 0.95
# A rule hit that the classifier scores below this still gets the full panel, with the answer after it
# rather than held back (chosen on blind sets A-C, where no emergency the rules caught scored under 0.3).
RULE_DOUBT = 0.2
# An English message that only the models read as an emergency gets the calm line instead of the full
# panel when its multilingual vector is this far nearer to ordinary examples than to emergencies (the
# bank's margin): sadness or anger said plainly ("I'm heartbroken I can't pick up my grandbaby").
# Chosen on the development sets (training/rules_dev): no emergency there had a margin under -0.017.
ENGLISH_DOUBT = -0.02
# An alarm only just past the panel point (a joined score under WEAK_ALARM) needs the bank to agree a
# little: below WEAK_DOUBT it also becomes the calm line. Chosen on the development sets, where the
# models' alarms on 290 English messages put no emergency in this corner and 35 other messages.
WEAK_ALARM = 0.85
WEAK_DOUBT = -0.005
# At or above this joined score the bank's doubt does not apply: the n-gram model and the sentence
# model are both all but certain. Chosen on the development sets (dev14-dev18, r14, r15, training/
# rules_dev): of the 92 English model alarms the bank turned into the calm line, the two emergencies
# ("i'd just like the tunnel to end", a farewell to a wife) scored 0.991 and one of 90 others did.
SURE_ALARM = 0.99
# A message in another language that only the n-gram model flags (it was given a few dozen examples of
# most languages) gets the calm line instead of the panel when the multilingual model, which reads the
# language, puts it at least this far below the bank's panel point: "Kliniğin otoparkı var mı?", "M ka
# kondi lakay mwen apre?". Chosen on the development sets (training/rules_dev, 3,324 messages not surely
# English): no emergency the n-gram model alone flagged was under -0.019; 24 other messages were.
FOREIGN_DOUBT = -0.03
# An English message about the asker that the n-gram model reads as possibly a personal decision
# (advice probability from ADVICE_BAND up to its threshold) is read by the multilingual model too: the
# advice notice when its vector is at least ENGLISH_ADVICE nearer to the bank's personal decisions
# than to its other examples. Chosen on the development sets (training/rules_dev).
ADVICE_BAND = 0.1
ENGLISH_ADVICE = 0.0
Embed = Callable[[str], "np.ndarray | None"]  # a sentence's vector from the sentence model, if it can be had


@dataclass(frozen=True)
class SafetyResult:
    verdict: Verdict  # what the rules said
    emergency: str | None = None  # rules: crisis message only, nothing quoted
    flagged: str | None = None  # the models, sure: the full crisis panel first, then the answer
    line: str | None = None  # the models, unsure; or a crisis topic told calmly: one crisis line after the answer
    advice: bool = False
    smalltalk: str | None = None
    soft_smalltalk: bool = False  # the classifier's guess only: the articles are searched first
    language: str = "en"  # "en", or the language the message seems to be in (see safety.language)
    score: float = 0.0  # the joined emergency score (the n-gram model's alone when there is no vector)
    smalltalk_score: float = 0.0  # the classifier's small-talk probability
    comfort: bool = False  # distress without danger ("my pain is killing me"): one warm line first

    @property
    def crisis(self) -> str | None:
        """The topic of the full crisis panel, if the message gets one."""
        return self.emergency or self.flagged

    @property
    def readable(self) -> bool:
        """Whether the message is in a language the articles can answer (English)."""
        return self.language == "en"


class Safety:
    def __init__(self, rules: SafetyRules, classifier: SafetyClassifier, second: SecondOpinion,
                 bank: Bank | None = None) -> None:
        self.rules = rules
        self.classifier = classifier
        self.second = second
        self.bank = bank  # nearest examples for the multilingual model (messages in other languages); None: not asked
        self.problem: str | None = None  # one line, when a part could not be used (the bank found damaged)

    @classmethod
    def load(cls, rules_path: str | Path | None = None) -> Safety:
        """All tiers; a tier that cannot load raises ConfigError (never a silent 'no safety')."""
        from chatbot.text.wordlist import english_words

        if not english_words():  # the normalisation and the classifier's features depend on it
            raise ConfigError("the English word list (package pyspellchecker) is missing or unreadable; "
                              "reinstall the chatbot")
        return cls(SafetyRules.load(rules_path), SafetyClassifier.load(), SecondOpinion.load(), Bank.load())

    def check(self, message: str, embed: Embed | None = None, multilingual: Embed | None = None) -> SafetyResult:
        """``embed``: the sentence model, for the second opinion on an alarm of the classifier (asked
        only then; without it, or for a message not in English, the classifier is held to a
        stricter bar on its own). ``multilingual``: the multilingual model, asked about every message
        in another language (or not surely English) that the rules did not flag: the panel when the
        message is near enough to emergencies among the bank's examples, the advice notice when it is
        near enough to personal decisions."""
        text = self.rules.prepare(message)
        verdict = self.rules.check(message, text)
        language = reading(message, self.rules._known)
        if verdict.asked and self.rules.asked is not None and not self.rules.asked.what_to_do(message):
            # a general question on a risk ([asked]): the calm form, unless the models read an emergency
            verdict = replace(verdict, emergency=None, mention=verdict.emergency, asked=False)
        if verdict.emergency:
            # the full panel either way; the answer is held back only when the rule hit is not a general
            # question, one sentence raised it, and the classifier does not doubt it (English: it reads English best)
            doubt = verdict.asked or verdict.joined \
                or (language == "en" and self.classifier.predict(message).emergency < RULE_DOUBT)
            return SafetyResult(verdict, emergency=None if doubt else verdict.emergency,
                                flagged=verdict.emergency if doubt else None, advice=verdict.advice,
                                language=language, score=1.0)
        if verdict.smalltalk:
            return SafetyResult(verdict, smalltalk=verdict.smalltalk, language=language)
        p = self.classifier.predict(message)
        flagged, line, score = self._alarm(message, text, p, embed if language == "en" else None, language == "en")
        decision = False
        personal = _PERSONAL.search(text) is not None
        if multilingual is not None and self.bank is not None:
            other = language != "en" or not surely_english(message, self.rules._known)
            english_alarm = bool(flagged) and language == "en"
            unsure_advice = language == "en" and personal and not verdict.advice \
                and p.advice >= ADVICE_BAND and not self.classifier.is_advice(p)
            if other or english_alarm or unsure_advice:
                margins = self._margin(message, multilingual, each_sentence=other)  # one reading serves all
                if english_alarm and score < SURE_ALARM \
                        and (margins.margin < ENGLISH_DOUBT or (margins.margin < WEAK_DOUBT and score < WEAK_ALARM)):
                    flagged, line = None, flagged  # a third opinion: far from every emergency the bank holds
                if other:
                    nearest, decision = self._nearest(margins)
                    if flagged and not nearest and language != "en" and score < SURE_ALARM \
                            and margins is not UNREAD and margins.alarm < self.bank.panel + FOREIGN_DOUBT:
                        flagged, line = None, flagged  # the model that reads the language disagrees
                    flagged = flagged or nearest
                elif unsure_advice:
                    decision = margins.decision >= ENGLISH_ADVICE
        # the classifier's reading of a personal decision counts only for a message about the asker or
        # someone close: "Is ketamine the right option for you?" (an article's heading) is a general question
        advice = verdict.advice or decision or (self.classifier.is_advice(p) and (language != "en" or personal))
        # distress without danger: a warm line, and for pain past bearing the calm crisis line too
        comfort = verdict.distress is not None and not flagged
        if comfort and verdict.distress == "severe" and not line:
            line = "suicide"
        smalltalk = None
        if not flagged and not line and not comfort and not advice and not verdict.out_of_scope and language == "en" \
                and len(text.split()) <= SMALLTALK_WORDS and self.classifier.is_smalltalk(p):
            smalltalk = "capabilities"
        return SafetyResult(verdict, flagged=flagged, line=line, advice=advice, smalltalk=smalltalk,
                            soft_smalltalk=smalltalk is not None, language=language, score=score,
                            smalltalk_score=p.smalltalk, comfort=comfort)

    def _stands(self, text: str, embed: Embed | None, english: bool) -> bool:
        """Whether the models still raise the full panel on a text (a sentence with its idioms taken out)."""
        if not text.strip():
            return False  # the sentence was nothing but the idiom
        p = self.classifier.predict(text)
        if p.emergency < self.second.joined.line:
            return False
        score, points = self._joined(p, text, embed, english)
        return score >= points.panel

    def _joined(self, p: Prediction, message: str, embed: Embed | None, english: bool) -> tuple[float, Points]:
        """The second opinion's joined score of the classifier's alarm, on the vector of the sentence
        that raised it (none when the sentence model cannot give one), and the points it is held to."""
        vector = embed(p.part or message) if embed is not None else None
        if vector is not None and vector.shape != (self.second.dim,):
            vector = None
        return self.second.score(p.emergency, vector, english=english)

    def _nearest(self, reading: Reading) -> tuple[str | None, bool]:
        """(the panel's topic if the message's alarm is high enough, whether it is near enough to
        personal decisions); (None, False) when the model could not be asked."""
        assert self.bank is not None
        # the panel of the topic of the nearest emergencies: the n-gram model does not read this language
        return (reading.topic if reading.alarm >= self.bank.panel else None), reading.decided >= self.bank.advice

    def _margin(self, message: str, multilingual: Embed, each_sentence: bool = False) -> Reading:
        """The bank's reading of the message; ``UNREAD`` when the model or the bank cannot be used
        (``problem`` says why). ``each_sentence``: a message of several sentences also has each read on
        its own; the best one's alarm, less the bank's discount, and its topic stand when higher."""
        assert self.bank is not None

        def read(text: str) -> np.ndarray | None:
            v = multilingual(text[:READ_CHARS])
            return v if v is not None and v.shape == (DIM,) and np.all(np.isfinite(v)) else None
        vector = read(message)
        if vector is None:
            return UNREAD
        try:
            result = self.bank.score(vector)
            for part in sentences(message) if each_sentence else ():
                v = read(part)
                if v is not None:
                    one = self.bank.score(v)
                    # a sentence can only raise the alarm, never lower it
                    if one.alarm - self.bank.discount > result.alarm:
                        result = result._replace(topic=one.topic, alarm=one.alarm - self.bank.discount)
            return result
        except ConfigError as exc:
            self.problem = str(exc)
            return UNREAD

    def _alarm(self, message: str, text: str, p: Prediction, embed: Embed | None,
               english: bool = True) -> tuple[str | None, str | None, float]:
        """(panel topic, crisis-line topic, score) for the classifier's reading of the message."""
        if p.emergency < min(self.second.alone.line, self.second.joined.line):
            return None, None, p.emergency  # nothing to confirm: the model is not asked
        score, points = self._joined(p, message, embed, english)
        if score >= points.panel:
            # judged on the sentence that raised the alarm: told as history, an idiom or pain past
            # bearing, it is calm
            part = self.rules.prepare(p.part) if p.part and p.part != message else text
            calm = self.rules.told_as_history(part) or self.rules.distress.level(part) is not None
            if not calm and score < CONFIDENT_ALARM and (rest := without(self.rules.idioms, part)) is not None:
                # an idiom is calm only when it is what raised the alarm: "scared out of my mind for
                # tomorrow", not "worried sick, this is probably goodbye"
                calm = not self._stands(rest, embed, english)
            return (None, p.topic, score) if calm and score < CONFIDENT_ALARM else (p.topic, None, score)
        if score >= points.line:
            return None, p.topic, score
        return None, None, score
