"""Suggested questions: never the question just answered or one equivalent to it, no near-duplicates,
and (per conversation) a rotation so that the same few do not follow every answer.

Two questions are equivalent when their best passage is the same, when they share most of their
analysed words, or when their wording is nearly the same. The pool is ``Suggestions``: the articles'
question headings that the search answers confidently, de-duplicated once.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from chatbot.retrieval.dense import DenseScores
from chatbot.retrieval.search import Search

if TYPE_CHECKING:
    from chatbot.models import Answer, Hit

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


class Suggestions:
    """Questions (from the articles' own question headings) that the search answers: by keyword
    search while the sentence model is loading (never waiting for it), then by the search that
    answers them once it is ready. ``plain`` tells which headings may be suggested at all (not ones
    the safety rules would stop)."""

    def __init__(self, search: Search, plain: Callable[[str], bool]) -> None:
        self.search = search
        self.plain = plain
        self._questions: tuple[str, ...] | None = None
        self._final = False
        self._keyword_pool: tuple[str, ...] | None = None
        self._terms: dict[str, frozenset[str]] | None = None

    def questions(self) -> tuple[str, ...]:
        ready = self.search.semantic.ready()
        if self._questions is not None and (self._final or not ready or self.search.semantic.scorer is None):
            return self._questions  # final, or no model to confirm them with yet
        good = self.keyword()
        final = False
        if ready:  # all of them through the model in one batch (final only if the model answered)
            scores = self.search.dense(list(good), True)
            good, final = self._confirmed(good, scores), all(d is not None for d in scores)
        self._set(good, final=final)
        return good

    def pending(self, semantic: bool) -> tuple[str, ...]:
        """The questions still to confirm with the model (to be sent in the question's batch)."""
        return self.keyword() if semantic and not self._final else ()

    def confirm(self, pending: tuple[str, ...], scores: list[DenseScores | None]) -> None:
        """Keep the ``pending`` questions that the search with the model answers; final from then on."""
        if pending and self.search.semantic.ready() and all(d is not None for d in scores):
            self._set(self._confirmed(pending, scores), final=True)

    def _set(self, questions: tuple[str, ...], final: bool) -> None:
        self._questions, self._final, self._terms = questions, final, None

    def keyword(self) -> tuple[str, ...]:
        if self._keyword_pool is None:
            self._keyword_pool = tuple(q for q in self.search.kb.question_headings if self.plain(q)
                                       and self.search.confident(self.search.retrieve(q, semantic=False)))
        return self._keyword_pool

    def _confirmed(self, questions: tuple[str, ...], dense: list[DenseScores | None]) -> tuple[str, ...]:
        return tuple(q for q, d in zip(questions, dense, strict=True)
                     if self.search.confident(self.search.retrieve(q, dense=d if d is not None else False)))

    def for_answer(self, terms: tuple[str, ...], shown: tuple[Hit, ...], more: tuple[Hit, ...]) -> tuple[str, ...]:
        """Up to three suggested questions: first those whose section the further passages come from,
        then the others, leaving out the one just asked."""
        if self._terms is None:
            self._terms = {q: frozenset(self.search.query_terms(q)) for q in self.questions()}
        asked = frozenset(terms)
        shown_sections = {h.passage.source.section for h in shown}
        out: dict[str, None] = {}
        for hit in more:
            sec = hit.passage.source.section
            if sec and sec not in shown_sections:
                for q in self._terms:
                    if q in sec:
                        out.setdefault(q, None)
        for q, qterms in self._terms.items():
            if len(out) >= 3:
                break
            if qterms != asked:
                out.setdefault(q, None)
        return tuple(out)[:3]


_POOLS: weakref.WeakKeyDictionary[Suggestions, tuple[tuple[str, ...], tuple[Candidate, ...]]] = \
    weakref.WeakKeyDictionary()


def pool(suggestions: Suggestions) -> tuple[Candidate, ...]:
    """The suggestions without near-duplicates (the first of each group is kept)."""
    questions = suggestions.questions()  # by keyword search until the sentence model is ready, then final
    cached = _POOLS.get(suggestions)
    if cached is not None and cached[0] == questions:
        return cached[1]
    kept: list[Candidate] = []
    for q in questions:
        r = suggestions.search.retrieve(q, semantic=False)  # the welcome screen never waits for the model
        c = Candidate(q, frozenset(r.terms), r.ranked[0].passage.id if r.ranked else -1)
        if not any(c.best == k.best and c.best >= 0 or _similar(c.terms, q, k.terms, k.question) for k in kept):
            kept.append(c)
    found = tuple(kept)
    _POOLS[suggestions] = (questions, found)
    return found


def equivalent(c: Candidate, question: str, terms: Iterable[str], best: int) -> bool:
    """Would suggesting ``c`` ask again what was just asked (or answered)?"""
    return (best >= 0 and c.best == best) or _similar(c.terms, c.question, frozenset(terms), question)


def _best(answer: Answer) -> int:
    return answer.hits[0].passage.id if answer.hits else -1


def related(suggestions: Suggestions, answer: Answer, preferred: Iterable[str] = (), n: int = 3) -> tuple[str, ...]:
    """Up to ``n`` suggestions for ``answer``: ``preferred`` first (in order), then the pool."""
    cands = {c.question: c for c in pool(suggestions)}
    order = list(dict.fromkeys([q for q in preferred if q in cands] + list(cands)))
    best = _best(answer)
    out = [q for q in order if not equivalent(cands[q], answer.question, answer.terms, best)]
    return tuple(out[:n])


class Rotation:
    """One conversation's suggestions: relevant ones first, but those shown least recently win."""

    def __init__(self, suggestions: Suggestions, n: int = 3) -> None:
        self.suggestions = suggestions
        self.n = n
        self.turn = 0
        self.shown: dict[str, int] = {}  # question -> the turn it was last shown

    def pick(self, answer: Answer | None = None) -> tuple[str, ...]:
        if answer is None:
            order = [c.question for c in pool(self.suggestions)]
        else:
            order = list(related(self.suggestions, answer, answer.suggestions, n=len(pool(self.suggestions))))
        rank = {q: i for i, q in enumerate(order)}
        chosen = sorted(order, key=lambda q: (self.shown.get(q, -1), rank[q]))[:self.n]
        chosen.sort(key=lambda q: rank[q])
        self.turn += 1
        for q in chosen:
            self.shown[q] = self.turn
        return tuple(chosen)
