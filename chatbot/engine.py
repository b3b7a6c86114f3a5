"""Question -> Answer: input checks, safety first, then retrieval, confidence and composition.

Every front end (ask, batch, chat, kiosk, eval) calls ``Engine.ask`` and nothing else, so the safety
rules run on every question in every mode.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, replace

import numpy as np

from chatbot.analysis import Analyzer, SpellingCorrector, load_vocabulary, words
from chatbot.config import Settings
from chatbot.crisis import message_values
from chatbot.knowledge import KnowledgeBase
from chatbot.models import Answer, Hit, Notice
from chatbot.safety import SafetyRules, Verdict
from chatbot.suggest import related

CANDIDATES = 10
_WORD = r"[^\W_]+(?:['’][^\W_]+)?"  # compiled on first use: JSON output never highlights
# In the closeness re-ranking, even a word found in every passage ("ketamine") counts for this much:
# "ketamine" and "addiction" in one sentence answer "is ketamine addictive?" better than apart.
PROXIMITY_FLOOR = 1.0
PROXIMITY_WEIGHT = 1.0


def clean_question(raw: str) -> str:
    """The question with control, format and escape characters removed and spaces collapsed."""
    out = []
    for ch in raw:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Zl", "Zp"):
            out.append(" ")
        elif cat in ("Cf", "Cs", "Co", "Cn"):
            continue
        else:
            out.append(ch)
    return " ".join("".join(out).split())


@dataclass(frozen=True)
class Retrieval:
    ranked: tuple[Hit, ...]
    coverage: tuple[float, ...]
    terms: tuple[str, ...]

    @property
    def confidence(self) -> float:
        return self.coverage[0] if self.coverage else 0.0


class Engine:
    def __init__(self, kb: KnowledgeBase, settings: Settings | None = None,
                 safety: SafetyRules | None = None) -> None:
        self.kb = kb
        self.settings = settings or Settings()
        # the knowledge base carries the vocabulary it was built with: no second parse at start-up
        vocabulary = kb.vocabulary or load_vocabulary(self.settings.vocabulary or None)
        self.analyzer = Analyzer(vocabulary, kb.stopwords or None, kb.terms)
        self.speller = SpellingCorrector(kb.corpus_words, self.analyzer.known_words())
        if safety is None:
            from chatbot.locations import cache_dir
            from chatbot.regexcache import RegexCache

            regexes = RegexCache(cache_dir(self.settings.cache_dir) / "regex.pickle")
            safety = SafetyRules.load(self.settings.safety_rules or None, regexes.compile, regexes.toml)
            regexes.save()
        self.safety = safety
        self.safety.known_words = self.speller.known
        self.values = message_values(self.settings)  # every number and "call"/"text" from settings
        self._unknown_weight = math.log(kb.index.n_docs + 1)
        self._suggestions: tuple[str, ...] | None = None
        self._suggestion_terms: dict[str, frozenset[str]] | None = None

    # -- retrieval -----------------------------------------------------------------------------
    def query_units(self, question: str) -> list[tuple[str, ...]]:
        return self.analyzer.query_units(self.speller.correct_all(words(question)))

    def query_terms(self, question: str) -> list[str]:
        return [t for unit in self.query_units(question) for t in unit]

    def retrieve(self, question: str, k: int = CANDIDATES) -> Retrieval:
        """BM25 candidates, each with its coverage: the share of the question's units (weighted by
        IDF; a word the articles never use weighs as much as the rarest word) found in it."""
        units = self.query_units(question)
        if not units:
            return Retrieval((), (), ())
        index = self.kb.index
        terms = list(dict.fromkeys(t for unit in units for t in unit))
        asked = self.analyzer.asked_definition(question)
        scores = index.matched_scores(terms + ([asked] if asked else []))
        top = index.top(scores, k)
        weights = []
        for unit in units:
            idfs = [index.term_idf(t) for t in unit]
            known = [x for x in idfs if x is not None]
            weights.append(max(known) if known else self._unknown_weight)
        total = sum(weights) or 1.0
        if not top:
            return Retrieval((), (), tuple(terms))
        # which candidate holds which term, and in which of its sentences: one lookup per term
        cand = np.asarray(top, dtype=np.int32)
        where: dict[str, list[int]] = {}
        for t in terms:
            where[t] = index.sentence_masks(t, cand)
        coverage = {}
        close = {}
        for i, d in enumerate(top):
            covered = 0.0
            per_sentence: dict[int, float] = {}
            near_total = 0.0
            for unit, w in zip(units, weights, strict=True):
                mask = 0
                present = False
                for t in unit:
                    m = where[t][i]
                    if m >= 0:
                        present = True
                        mask |= m
                if present:
                    covered += w
                near = max(w, PROXIMITY_FLOOR)
                near_total += near
                while mask:
                    low = mask & -mask
                    bit = low.bit_length() - 1
                    per_sentence[bit] = per_sentence.get(bit, 0.0) + near
                    mask ^= low
            coverage[d] = covered / total
            close[d] = max(per_sentence.values(), default=0.0) / near_total
        if PROXIMITY_WEIGHT:
            best = float(scores[top[0]]) or 1.0
            top = sorted(top, key=lambda d: (-(scores[d] / best + PROXIMITY_WEIGHT * close[d]), d))
        hits = tuple(Hit(self.kb.passage(d), float(scores[d])) for d in top)
        return Retrieval(hits, tuple(coverage[d] for d in top), tuple(terms))

    def confident(self, r: Retrieval) -> bool:
        return bool(r.ranked) and r.confidence >= self.settings.min_coverage \
            and r.ranked[0].score >= self.settings.min_score

    def _select(self, r: Retrieval) -> tuple[tuple[Hit, ...], tuple[Hit, ...]]:
        """The 1 to 3 passages to quote, and the rest for /more."""
        best = r.ranked[0].score
        chosen = [r.ranked[0]]
        rest = []
        for hit, cov in zip(r.ranked[1:], r.coverage[1:], strict=True):
            if len(chosen) < self.settings.max_passages and hit.score >= self.settings.related_ratio * best \
                    and cov >= 0.75 * self.settings.min_coverage:
                chosen.append(hit)
            elif cov > 0:
                rest.append(hit)
        return tuple(chosen), tuple(rest)

    # -- suggestions ---------------------------------------------------------------------------
    def suggestions(self) -> tuple[str, ...]:
        """Questions (from the articles' own question headings) that the engine answers."""
        if self._suggestions is None:
            good = [q for q in self.kb.question_headings
                    if self.safety.check(q) == Verdict() and self.confident(self.retrieve(q))]
            self._suggestions = tuple(good)
        return self._suggestions

    def _related(self, terms: tuple[str, ...], shown: tuple[Hit, ...], more: tuple[Hit, ...]) -> tuple[str, ...]:
        """Up to three suggested questions: first those whose section the further passages come from,
        then the others, leaving out the one just asked."""
        if self._suggestion_terms is None:
            self._suggestion_terms = {q: frozenset(self.query_terms(q)) for q in self.suggestions()}
        asked = frozenset(terms)
        shown_sections = {h.passage.source.section for h in shown}
        out: dict[str, None] = {}
        for hit in more:
            sec = hit.passage.source.section
            if sec and sec not in shown_sections:
                for q in self._suggestion_terms:
                    if q in sec:
                        out.setdefault(q, None)
        for q, qterms in self._suggestion_terms.items():
            if len(out) >= 3:
                break
            if qterms != asked:
                out.setdefault(q, None)
        return tuple(out)[:3]

    # -- answering -----------------------------------------------------------------------------
    def message(self, name: str) -> str:
        return self.safety.message(name, self.values)

    def _no_answer_text(self) -> str:
        return "I couldn't find an answer to that in the clinic's articles. " + self.settings.staff_hint

    def ask(self, raw: str) -> Answer:
        disclaimer = self.settings.disclaimer
        if not isinstance(raw, str):
            raw = str(raw)
        if len(raw) > self.settings.max_question_chars:
            return Answer(clean_question(raw[:200]) + "…", "invalid", disclaimer,
                          message=f"That message is too long ({len(raw):,} characters). Please ask one "
                                  f"question of at most {self.settings.max_question_chars:,} characters.")
        question = clean_question(raw)
        if not any(ch.isalnum() for ch in question):
            return Answer(question, "invalid", disclaimer,
                          message="Please type a question in words, for example: "
                                  "\"How long does an infusion take?\"")
        verdict = self.safety.check(question)
        if verdict.emergency:
            notice = Notice("emergency", self.message(verdict.emergency))
            return Answer(question, "emergency", disclaimer, notices=(notice,))
        notices = self._notices(verdict)
        if verdict.smalltalk:
            return Answer(question, "smalltalk", disclaimer, notices=notices,
                          message=self.message(verdict.smalltalk), suggestions=self.suggestions()[:3])
        r = self.retrieve(question)
        if verdict.out_of_scope and not self.confident(r):  # the clinic's own articles win when they answer
            notices += (Notice("out_of_scope", self.message(verdict.out_of_scope)),)
            return Answer(question, "no_answer", disclaimer, notices=notices,
                          message=self.message(verdict.out_of_scope), suggestions=self.suggestions()[:3])
        if not self.confident(r):
            return Answer(question, "no_answer", disclaimer, notices=notices, message=self._no_answer_text(),
                          suggestions=self.suggestions()[:3], terms=r.terms, confidence=r.confidence)
        shown, more = self._select(r)
        answer = Answer(question, "answered", disclaimer, hits=shown, notices=notices, more=more,
                        suggestions=self._related(r.terms, shown, more), terms=r.terms,
                        confidence=r.confidence)
        # never the question just answered or one equivalent to it, no near-duplicates
        return replace(answer, suggestions=related(self, answer, answer.suggestions))

    def _notices(self, verdict: Verdict) -> tuple[Notice, ...]:
        notices: list[Notice] = []
        if verdict.mention == "suicide":
            notices.append(Notice("emergency", self.message("mention_suicide")))
        elif verdict.mention:
            notices.append(Notice("safety_info", self.message(f"mention_{verdict.mention}")))
        if verdict.advice:
            notices.append(Notice("personal_advice", self.message("personal_advice")))
        return tuple(notices)

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
