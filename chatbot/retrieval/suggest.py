"""Suggested questions: never the question just answered or one equivalent to it, no near-duplicates,
and (per conversation) a rotation so that the same few do not follow every answer.

Two questions are equivalent when their best passage is the same, when they share most of their
analysed words, or when their wording is nearly the same. The pool is the engine's own suggestions
(the articles' question headings it answers confidently), de-duplicated once per engine.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

if TYPE_CHECKING:
    from chatbot.engine import Engine
    from chatbot.models import Answer

SIMILAR_TERMS = 0.6  # Jaccard overlap of analysed words
SIMILAR_WORDING = 85.0  # rapidfuzz token_set_ratio


@dataclass(frozen=True)
class Candidate:
    question: str
    terms: frozenset[str]
    best: int  # id of the passage it is answered with, -1 if none


def _similar(a_terms: frozenset[str], a_text: str, b_terms: frozenset[str], b_text: str) -> bool:
    if a_terms and b_terms and len(a_terms & b_terms) / len(a_terms | b_terms) >= SIMILAR_TERMS:
        return True
    return fuzz.token_set_ratio(a_text.lower(), b_text.lower()) >= SIMILAR_WORDING


_POOLS: weakref.WeakKeyDictionary[Engine, tuple[tuple[str, ...], tuple[Candidate, ...]]] = weakref.WeakKeyDictionary()


def pool(engine: Engine) -> tuple[Candidate, ...]:
    """The engine's suggestions without near-duplicates (the first of each group is kept)."""
    questions = engine.suggestions()  # by keyword search until the sentence model is ready, then final
    cached = _POOLS.get(engine)
    if cached is not None and cached[0] == questions:
        return cached[1]
    kept: list[Candidate] = []
    for q in questions:
        r = engine.retrieve(q, semantic=False)  # the welcome screen never waits for the model
        c = Candidate(q, frozenset(r.terms), r.ranked[0].passage.id if r.ranked else -1)
        if not any(c.best == k.best and c.best >= 0 or _similar(c.terms, q, k.terms, k.question) for k in kept):
            kept.append(c)
    found = tuple(kept)
    _POOLS[engine] = (questions, found)
    return found


def equivalent(c: Candidate, question: str, terms: Iterable[str], best: int) -> bool:
    """Would suggesting ``c`` ask again what was just asked (or answered)?"""
    return (best >= 0 and c.best == best) or _similar(c.terms, c.question, frozenset(terms), question)


def _best(answer: Answer) -> int:
    return answer.hits[0].passage.id if answer.hits else -1


def related(engine: Engine, answer: Answer, preferred: Iterable[str] = (), n: int = 3) -> tuple[str, ...]:
    """Up to ``n`` suggestions for ``answer``: ``preferred`` first (in order), then the pool."""
    cands = {c.question: c for c in pool(engine)}
    order = list(dict.fromkeys([q for q in preferred if q in cands] + list(cands)))
    best = _best(answer)
    out = [q for q in order if not equivalent(cands[q], answer.question, answer.terms, best)]
    return tuple(out[:n])


class Rotation:
    """One conversation's suggestions: relevant ones first, but those shown least recently win."""

    def __init__(self, engine: Engine, n: int = 3) -> None:
        self.engine = engine
        self.n = n
        self.turn = 0
        self.shown: dict[str, int] = {}  # question -> the turn it was last shown

    def pick(self, answer: Answer | None = None) -> tuple[str, ...]:
        if answer is None:
            order = [c.question for c in pool(self.engine)]
        else:
            order = list(related(self.engine, answer, answer.suggestions, n=len(pool(self.engine))))
        rank = {q: i for i, q in enumerate(order)}
        chosen = sorted(order, key=lambda q: (self.shown.get(q, -1), rank[q]))[:self.n]
        chosen.sort(key=lambda q: rank[q])
        self.turn += 1
        for q in chosen:
            self.shown[q] = self.turn
        return tuple(chosen)
