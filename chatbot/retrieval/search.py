"""Searching the articles: a question's words and meaning -> ranked passages with a confidence.

``Search`` holds what a search needs (the knowledge base, the text analysis, the ranking model and
the sentence model loading in the background) and answers ``best_retrieval``: the question, or the
clause of it that the articles answer best, with the probability that the first passage answers it.
A question with a real-word typo ("how long dose it take") is also searched with the word swapped,
and that reading is kept unless the articles clearly prefer the typed one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from chatbot.articles.knowledge import KnowledgeBase
from chatbot.config import Settings
from chatbot.models import Hit
from chatbot.retrieval.asked import kinds_asked
from chatbot.retrieval.background import Background
from chatbot.retrieval.dense import DenseScores
from chatbot.retrieval.ranking import RankingModel, candidates
from chatbot.text.analysis import Analyzer, SpellingCorrector, load_vocabulary, words
from chatbot.text.confusions import load_confusions
from chatbot.text.phrases import answering_passages, norm

_WORD = r"[^\W_]+(?:['’][^\W_]+)?"  # compiled on first use: JSON output never highlights
_CLAUSES = re.compile(r"[,;:.!?]+\s+|\s+(?:but|so|because|and then)\s+")
# A question whose neighbouring words mark a real-word typo ("dose it", chatbot/text/confusions.py) is
# searched both ways, and the swapped reading is kept unless the typed one beats it by TYPED_MARGIN
# in probability *and* TYPED_ODDS times in odds. The words' grammar, not the score, says which word
# was meant; the score only vetoes a swap that makes no sense. Measured on 17 typos written for this
# (most are in tests/test_realword.py): both readings are about equally answerable, the swapped one between 0.07
# lower and 0.11 higher ("how long dose it take to start working": 0.59 as typed, 0.55 swapped, and
# only the swapped one finds the passage on how soon it works, so "the swap must score clearly
# higher" would never fix it); a swap that makes no sense costs about 0.4 and 6 times in odds
# ("what dose do people get" read as "does": 0.83 -> 0.44; "what form does it come in" as "from":
# 0.62 -> 0.23). 0.10 is above the largest loss on a true typo; 2.5 times in odds (about one nat)
# keeps a 0.11 loss in mid-range (0.55 -> 0.44 is 1.6 times) from counting, but not one at the top
# (0.99 -> 0.88).
TYPED_MARGIN = 0.10
TYPED_ODDS = 2.5
# A question this close (cosine of the sentence model's vectors) to one that staff reviewed
# (reviewed_questions.toml) gets the reviewed answer: its passage first, or "not in the articles".
# Paraphrases of one short question are about 0.85-0.95 apart; two different questions on one
# subject ("how long does the infusion take" / "how long does the relief last") about 0.6-0.8.
REVIEWED_MATCH = 0.86


@dataclass(frozen=True)
class Retrieval:
    ranked: tuple[Hit, ...]
    coverage: tuple[float, ...]
    terms: tuple[str, ...]
    confidence: float = 0.0  # probability that the first passage answers the question
    top_score: float = 0.0  # BM25 score of the first passage
    semantic: bool = False
    query: str = ""  # the text searched: the question, a clause of it, or either with a typo swapped


def _plain(text: str) -> str:
    """A question as compared with a reviewed one word for word: lower case, words only."""
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


def typed_clearly_better(typed: float, swapped: float) -> bool:
    """Do the articles answer the question as typed clearly better than with its typo swapped?"""
    def odds(p: float) -> float:
        return p / max(1.0 - p, 1e-9)

    return typed - swapped >= TYPED_MARGIN and odds(typed) >= TYPED_ODDS * odds(swapped)


def clauses(question: str) -> list[str]:
    """The parts of a question of several clauses ("my back is killing me, can ketamine help?")."""
    parts = [p.strip() for p in _CLAUSES.split(question) if p and len(p.split()) >= 3]
    return parts if len(parts) > 1 else []


class Search:
    def __init__(self, kb: KnowledgeBase, settings: Settings, semantic: Background,
                 ranking: RankingModel | None = None) -> None:
        self.kb = kb
        self.settings = settings
        # the knowledge base carries the vocabulary it was built with: no second parse at start-up
        vocabulary = kb.vocabulary or load_vocabulary(settings.vocabulary or None)
        self.analyzer = Analyzer(vocabulary, kb.stopwords or None, kb.terms)
        self.speller = SpellingCorrector(kb.corpus_words, self.analyzer.known_words())
        self.ranking = ranking or RankingModel.load()
        self.semantic = semantic
        self.unknown_weight = math.log(kb.index.n_docs + 1)
        self._reviewed: tuple[object, np.ndarray] | None = None  # (the model, the reviewed questions' vectors)
        self._reviewed_plain = {_plain(q): k for k, q in enumerate(kb.reviewed_questions)}
        # the passages holding each reviewed answer's words, found once (the knowledge base kept only
        # the reviewed questions whose words are in a passage); empty for "not answered"
        self._reviewed_ids = answering_passages([[norm(a)] if a else [] for a in kb.reviewed_answers], kb.texts) \
            if kb.reviewed_questions else []

    @property
    def mode(self) -> str:
        """"hybrid" (keywords and meaning) or "keyword" (the sentence model could not be used)."""
        if not self.semantic.ready():
            return "hybrid"  # still loading: a question that needs it will wait for it
        return "hybrid" if self.semantic.scorer is not None else "keyword"

    @property
    def problem(self) -> str | None:
        """Why the chatbot answers with keyword search only, if it does (one line)."""
        return None if self.mode == "hybrid" else self.semantic.problem

    def query_units(self, question: str) -> list[tuple[str, ...]]:
        return self.analyzer.query_units(self.speller.correct_all(words(question)))

    def query_terms(self, question: str) -> list[str]:
        return [t for unit in self.query_units(question) for t in unit]

    def dense(self, texts: list[str], semantic: bool) -> list[DenseScores | None]:
        """Semantic scores for each text, from one batch through the model (None: keyword search)."""
        scorer = self.semantic.get() if semantic and self.settings.semantic else None
        if scorer is None:
            return [None] * len(texts)
        try:
            return list(scorer.scores_many(texts))
        except Exception:  # a model that fails on a text: keyword search answers this one
            return [None] * len(texts)

    def vector(self, text: str) -> np.ndarray | None:
        """The sentence model's unit vector of ``text`` (None: the model cannot be used)."""
        scorer = self.semantic.get() if self.settings.semantic else None
        if scorer is None or scorer.static:  # static token vectors are not the model's sentence vectors
            return None
        try:
            return np.asarray(scorer.model.encode([text])[0], dtype=np.float32)
        except Exception:  # a model that fails on a text: the caller goes without
            return None

    def retrieve(self, question: str, semantic: bool = True,
                 dense: DenseScores | None | bool = True) -> Retrieval:
        """Candidates by BM25 and by meaning, fused and ordered, with the probability that the first
        one answers the question. ``semantic=False`` uses keyword search only (and never waits);
        ``dense`` may bring the question's semantic scores already computed."""
        units = self.query_units(question)
        terms = list(dict.fromkeys(t for unit in units for t in unit))
        asked = self.analyzer.asked_definition(question)
        if dense is True:
            dense = self.dense([question], semantic)[0]
        elif dense is False:
            dense = None
        if not units and dense is None:
            return Retrieval((), (), (), query=question)
        c = candidates(self.kb.index, units, terms + ([asked] if asked else []), self.unknown_weight, dense,
                       article_of=self.kb.article_of, asked=kinds_asked(question), texts=self.kb.texts)
        if not len(c.ids):
            return Retrieval((), (), tuple(terms), semantic=dense is not None, query=question)
        mode = self.ranking.mode_of(c)
        order = mode.order(c)
        fused = mode.fused(c)
        hits = tuple(Hit(self.kb.passage(int(c.ids[i])), float(fused[i])) for i in order)
        return Retrieval(hits, tuple(float(c.coverage[i]) for i in order), tuple(terms),
                         self.ranking.probability(c, order[0]), float(c.bm25_raw[order[0]]), dense is not None, question)

    def best_retrieval(self, question: str, semantic: bool = True,
                       extra: tuple[str, ...] = ()) -> tuple[Retrieval, list[DenseScores | None]]:
        """The whole question, or the one of its clauses that the articles answer best (read with a
        real-word typo swapped, when its words mark one and the articles do not clearly prefer it as
        typed); and the semantic scores of the ``extra`` texts, computed in the same batch through the model."""
        texts = [question, *clauses(question)[:3]]
        swapped = load_confusions().rewrite(question)  # None for almost every question: nothing more to do
        n = len(texts)
        if swapped is not None:
            texts += [swapped, *clauses(swapped)[:3]]
        scores = self.dense([*texts, *extra], semantic)
        extra_scores: list[DenseScores | None] = scores[len(texts):] if scores[0] is not None else [None] * len(extra)
        r = self._best(texts[:n], scores[:n], semantic)
        if swapped is not None:
            rs = self._best(texts[n:], scores[n:len(texts)], semantic)
            if rs.ranked and not (r.ranked and typed_clearly_better(r.confidence, rs.confidence)):
                r = rs
        return self.with_reviewed(question, r, semantic), extra_scores

    def reviewed_match(self, question: str, semantic: bool = True) -> int | None:
        """The reviewed question that ``question`` asks again (the same words, or by the sentence
        model a paraphrase of it), if any."""
        if not self.kb.reviewed_questions:
            return None
        same = self._reviewed_plain.get(_plain(question))
        if same is not None or not semantic:
            return same
        scorer = self.semantic.get() if self.settings.semantic else None
        if scorer is None or scorer.static:
            return None
        try:
            if self._reviewed is None or self._reviewed[0] is not scorer.model:
                self._reviewed = (scorer.model, np.asarray(scorer.model.encode(self.kb.reviewed_questions), dtype=np.float32))
            q = np.asarray(scorer.model.encode([question])[0], dtype=np.float32)
        except Exception:  # a model that fails on a text: the articles' own answer stands
            return None
        sims = self._reviewed[1] @ q
        k = int(np.argmax(sims))
        return k if float(sims[k]) >= REVIEWED_MATCH else None

    def with_reviewed(self, question: str, r: Retrieval, semantic: bool = True) -> Retrieval:
        """``r``, or the answer staff reviewed for this question: the passages holding its words
        first (confidence 1), or none when staff marked it as not answered by the articles."""
        k = self.reviewed_match(question, semantic)
        if k is None:
            return r
        ids = self._reviewed_ids[k]
        if not ids:  # staff marked it as not answered by the articles
            return Retrieval((), (), r.terms, 0.0, 0.0, r.semantic, r.query)
        top = max((h.score for h in r.ranked), default=0.0) + 1.0
        first = [Hit(self.kb.passage(i), top) for i in ids]
        rest = [(h, c) for h, c in zip(r.ranked, r.coverage, strict=True) if h.passage.id not in ids]
        return Retrieval(tuple(first) + tuple(h for h, _ in rest), (1.0,) * len(first) + tuple(c for _, c in rest),
                         r.terms, 1.0, max(r.top_score, self.settings.min_score), r.semantic, r.query)

    def _best(self, texts: list[str], scores: list[DenseScores | None], semantic: bool) -> Retrieval:
        """The retrieval of the first text (a question), unless one of the others (its clauses) has
        passages and a higher confidence."""
        r = self.retrieve(texts[0], semantic, scores[0] if scores[0] is not None else False)
        for part, dense in zip(texts[1:], scores[1:], strict=True):
            rc = self.retrieve(part, semantic, dense if dense is not None else False)
            if rc.ranked and rc.confidence > r.confidence:
                r = rc
        return r

    def warm(self, question: str) -> None:
        """The work on a question that does not need the model (its words: this warms the stemmer
        and the spelling caches), done while the model loads."""
        for text in (question, *clauses(question)[:3]):
            self.query_units(text)
        swapped = load_confusions().rewrite(question)
        for text in (swapped, *clauses(swapped)[:3]) if swapped else ():
            self.query_units(text)

    def confident(self, r: Retrieval) -> bool:
        s = self.settings
        return bool(r.ranked) and r.confidence >= s.min_confidence \
            and (s.min_coverage <= 0 or r.coverage[0] > s.min_coverage) and r.top_score >= s.min_score

    def select(self, r: Retrieval) -> tuple[tuple[Hit, ...], tuple[Hit, ...]]:
        """Up to three passages to quote (best first), and the rest for /more."""
        n = max(1, self.settings.max_passages)
        more = tuple(h for h, cov in zip(r.ranked[n:], r.coverage[n:], strict=True) if cov > 0 or r.semantic)
        return r.ranked[:n], more

    def highlights(self, text: str, terms: tuple[str, ...]) -> list[tuple[int, int]]:
        """Character spans of the words in ``text`` that match the question's terms."""
        if not terms:
            return []
        wanted = set(terms)
        spans = []
        for m in re.finditer(_WORD, text):
            for w in words(m.group(0)):
                if self.analyzer.term(w) in wanted:
                    spans.append((m.start(), m.end()))
                    break
        return spans
