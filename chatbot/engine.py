"""Question -> Answer: input checks, safety first, then retrieval, confidence and composition.

Every front end (ask, batch, chat, kiosk, eval) calls ``Engine.ask`` and nothing else, so the safety
rules run on every question in every mode.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

from chatbot.articles.knowledge import KnowledgeBase
from chatbot.config import Settings
from chatbot.models import Answer, Hit, Notice
from chatbot.retrieval.dense import Background, DenseScores
from chatbot.retrieval.ranking import RankingModel, candidates
from chatbot.retrieval.suggest import related
from chatbot.safety import Safety, SafetyResult, Verdict
from chatbot.safety.crisis import message_values
from chatbot.text.analysis import Analyzer, SpellingCorrector, load_vocabulary, words

_WORD = r"[^\W_]+(?:['’][^\W_]+)?"  # compiled on first use: JSON output never highlights


def clean_question(raw: str, keep_lines: bool = False) -> str:
    """The question with control, format and escape characters removed and spaces collapsed
    (``keep_lines``: line breaks kept, so that safety can read each line as a sentence)."""
    out = []
    for ch in raw:
        cat = unicodedata.category(ch)
        if keep_lines and ch == "\n":
            out.append("\n")
        elif cat in ("Cc", "Zl", "Zp"):
            out.append(" ")
        elif cat in ("Cf", "Cs", "Co", "Cn"):
            continue
        else:
            out.append(ch)
    text = "".join(out)
    if keep_lines:
        return "\n".join(" ".join(line.split()) for line in text.split("\n") if line.strip())
    return " ".join(text.split())


# A message longer than this is safety-checked on its first and last halves of this size: a crisis
# sentence is found wherever a person would put it, and a pasted book cannot stall the check.
SAFETY_SCAN = 200_000


def safety_text(raw: str) -> str:
    if len(raw) > SAFETY_SCAN:
        raw = raw[:SAFETY_SCAN // 2] + "\n" + raw[-SAFETY_SCAN // 2:]
    return clean_question(raw, keep_lines=True)


@dataclass(frozen=True)
class Retrieval:
    ranked: tuple[Hit, ...]
    coverage: tuple[float, ...]
    terms: tuple[str, ...]
    confidence: float = 0.0  # probability that the first passage answers the question
    top_score: float = 0.0  # BM25 score of the first passage
    semantic: bool = False


_CLAUSES = re.compile(r"[,;:.!?]+\s+|\s+(?:but|so|because|and then)\s+")


def clauses(question: str) -> list[str]:
    """The parts of a question of several clauses ("my back is killing me, can ketamine help?")."""
    parts = [p.strip() for p in _CLAUSES.split(question) if p and len(p.split()) >= 3]
    return parts if len(parts) > 1 else []


class Engine:
    def __init__(self, kb: KnowledgeBase, settings: Settings | None = None,
                 safety: Safety | None = None, semantic: Background | None = None,
                 cache_folder: Path | None | bool = True, ranking: RankingModel | None = None) -> None:
        """``semantic``: the sentence model loading in the background (default: start loading it now,
        unless the settings turn it off). ``cache_folder``: where passage vectors are cached (True:
        the settings' cache folder if it is safe to use; None or False: none)."""
        self.kb = kb
        self.settings = settings or Settings()
        # the knowledge base carries the vocabulary it was built with: no second parse at start-up
        vocabulary = kb.vocabulary or load_vocabulary(self.settings.vocabulary or None)
        self.analyzer = Analyzer(vocabulary, kb.stopwords or None, kb.terms)
        self.speller = SpellingCorrector(kb.corpus_words, self.analyzer.known_words())
        if safety is None:
            safety = Safety.load(self.settings.safety_rules or None)
        self.safety = safety
        self.safety.rules.known_words = self.speller.known
        self.ranking = ranking or RankingModel.load()
        if semantic is None:
            folder: Path | None = None
            if cache_folder is True:
                from chatbot.articles.knowledge import default_cache_dir, usable_cache_dir

                folder = usable_cache_dir(default_cache_dir(self.settings))[0]
            elif isinstance(cache_folder, Path):
                folder = cache_folder
            # over semantic_max_passages, the model's static token vectors (chatbot/retrieval/static.py): running
            # the model over every passage of a big library would take far too long
            semantic = Background(kb, folder, enabled=self.settings.semantic,
                                  static=len(kb.texts) > self.settings.semantic_max_passages)
        self.semantic = semantic
        self.values = message_values(self.settings)  # every number and "call"/"text" from settings
        self.safety.rules.check_messages(self.values)
        self._unknown_weight = math.log(kb.index.n_docs + 1)
        self._suggestions: tuple[str, ...] | None = None
        self._suggestions_final = False
        self._keyword_pool: tuple[str, ...] | None = None
        self._suggestion_terms: dict[str, frozenset[str]] | None = None

    @property
    def search_mode(self) -> str:
        """"hybrid" (keywords and meaning) or "keyword" (the sentence model could not be used)."""
        if not self.semantic.ready():
            return "hybrid"  # still loading: a question that needs it will wait for it
        return "hybrid" if self.semantic.scorer is not None else "keyword"

    @property
    def search_problem(self) -> str | None:
        """Why the chatbot answers with keyword search only, if it does (one line)."""
        return None if self.search_mode == "hybrid" else self.semantic.problem

    # -- retrieval -----------------------------------------------------------------------------
    def query_units(self, question: str) -> list[tuple[str, ...]]:
        return self.analyzer.query_units(self.speller.correct_all(words(question)))

    def query_terms(self, question: str) -> list[str]:
        return [t for unit in self.query_units(question) for t in unit]

    def _dense(self, texts: list[str], semantic: bool) -> list[DenseScores | None]:
        """Semantic scores for each text, from one batch through the model (None: keyword search)."""
        scorer = self.semantic.get() if semantic and self.settings.semantic else None
        if scorer is None:
            return [None] * len(texts)
        try:
            return list(scorer.scores_many(texts))
        except Exception:  # a model that fails on a text: keyword search answers this one
            return [None] * len(texts)

    def retrieve(self, question: str, semantic: bool = True,
                 dense: DenseScores | None | bool = True) -> Retrieval:
        """Candidates by BM25 and by meaning, fused and ordered, with the probability that the first
        one answers the question. ``semantic=False`` uses keyword search only (and never waits);
        ``dense`` may bring the question's semantic scores already computed."""
        units = self.query_units(question)
        terms = list(dict.fromkeys(t for unit in units for t in unit))
        asked = self.analyzer.asked_definition(question)
        if dense is True:
            dense = self._dense([question], semantic)[0]
        elif dense is False:
            dense = None
        if not units and dense is None:
            return Retrieval((), (), ())
        c = candidates(self.kb.index, units, terms + ([asked] if asked else []), self._unknown_weight, dense)
        if not len(c.ids):
            return Retrieval((), (), tuple(terms), semantic=dense is not None)
        mode = self.ranking.mode_of(c)
        order = mode.order(c)
        fused = mode.fused(c)
        hits = tuple(Hit(self.kb.passage(int(c.ids[i])), float(fused[i])) for i in order)
        return Retrieval(hits, tuple(float(c.coverage[i]) for i in order), tuple(terms),
                         mode.probability(c, order[0]), float(c.bm25_raw[order[0]]), dense is not None)

    def best_retrieval(self, question: str, semantic: bool = True) -> Retrieval:
        """The whole question, or the one of its clauses that the articles answer best."""
        parts = clauses(question)[:3]
        if semantic and not self.semantic.ready():
            # while the model loads, the work that does not need it: the words of the question (this
            # warms the stemmer and the spelling caches) and the suggestions by keyword search
            for text in (question, *parts):
                self.query_units(text)
            self.suggestions()
        # one batch through the model: the question, its clauses, and (once) the suggestions to confirm
        pending = self._keyword_suggestions() if semantic and not self._suggestions_final else ()
        scores = self._dense([question, *parts, *pending], semantic)
        if pending and self.semantic.ready() and scores[0] is not None:
            self._set_suggestions(self._confirmed(pending, scores[1 + len(parts):]), final=True)
        scores = scores[: 1 + len(parts)]
        r = self.retrieve(question, semantic, scores[0] if scores[0] is not None else False)
        for part, dense in zip(parts, scores[1:], strict=True):
            rc = self.retrieve(part, semantic, dense if dense is not None else False)
            if rc.ranked and rc.confidence > r.confidence:
                r = rc
        return r

    def confident(self, r: Retrieval) -> bool:
        s = self.settings
        return bool(r.ranked) and r.confidence >= s.min_confidence \
            and (s.min_coverage <= 0 or r.coverage[0] > s.min_coverage) and r.top_score >= s.min_score

    def _select(self, r: Retrieval) -> tuple[tuple[Hit, ...], tuple[Hit, ...]]:
        """Up to three passages to quote (best first), and the rest for /more."""
        n = max(1, self.settings.max_passages)
        more = tuple(h for h, cov in zip(r.ranked[n:], r.coverage[n:], strict=True) if cov > 0 or r.semantic)
        return r.ranked[:n], more

    # -- suggestions ---------------------------------------------------------------------------
    def suggestions(self) -> tuple[str, ...]:
        """Questions (from the articles' own question headings) that the engine answers: by keyword
        search while the sentence model is loading (never waiting for it), then by the search that
        answers them once it is ready."""
        ready = self.semantic.ready()
        if self._suggestions is not None and (self._suggestions_final or not ready):
            return self._suggestions
        good = self._keyword_suggestions()
        if ready:  # all of them through the model in one batch
            good = self._confirmed(good, self._dense(list(good), True))
        self._set_suggestions(good, final=ready)
        return good

    def _set_suggestions(self, questions: tuple[str, ...], final: bool) -> None:
        self._suggestions, self._suggestions_final, self._suggestion_terms = questions, final, None

    def _keyword_suggestions(self) -> tuple[str, ...]:
        if self._keyword_pool is None:
            self._keyword_pool = tuple(q for q in self.kb.question_headings if self.safety.rules.check(q) == Verdict()
                                       and self.confident(self.retrieve(q, semantic=False)))
        return self._keyword_pool

    def _confirmed(self, questions: tuple[str, ...], dense: list[DenseScores | None]) -> tuple[str, ...]:
        return tuple(q for q, d in zip(questions, dense, strict=True)
                     if self.confident(self.retrieve(q, dense=d if d is not None else False)))

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
        return self.safety.rules.message(name, self.values)

    def _no_answer_text(self) -> str:
        return "I couldn't find an answer to that in the clinic's articles. " + self.settings.staff_hint

    def ask(self, raw: str) -> Answer:
        disclaimer = self.settings.disclaimer
        if not isinstance(raw, str):
            raw = str(raw)
        question = clean_question(raw)
        if not any(ch.isalnum() for ch in question):
            return Answer(question, "invalid", disclaimer,
                          message="Please type a question in words, for example: "
                                  "\"How long does an infusion take?\"")
        # the whole message is checked for safety, whatever its length, before anything else
        check = self.safety.check(safety_text(raw))
        crisis = self._crisis_notices(check)
        if len(raw) > self.settings.max_question_chars:
            return Answer(clean_question(raw[:200]) + "…", "emergency" if check.emergency else "invalid",
                          disclaimer, notices=crisis,
                          message=f"That message is too long ({len(raw):,} characters). Please ask one "
                                  f"question of at most {self.settings.max_question_chars:,} characters.")
        if check.emergency:
            return Answer(question, "emergency", disclaimer, notices=crisis)
        try:
            return self._answer(question, check, crisis)
        except Exception:
            if not crisis:
                raise  # the front end logs it and recovers
            # the crisis message is never lost to a failure in the search after it
            return Answer(question, "no_answer", disclaimer, notices=crisis, message=self._no_answer_text())

    def _answer(self, question: str, check: SafetyResult, crisis: tuple[Notice, ...]) -> Answer:
        disclaimer = self.settings.disclaimer
        verdict = check.verdict
        notices = crisis + self._notices(check)
        if check.smalltalk and not check.soft_smalltalk:
            return self._smalltalk(question, check.smalltalk, notices)
        # a crisis message is never held back while the sentence model is still loading
        r = self.best_retrieval(question, semantic=not (crisis and not self.semantic.ready()))
        if verdict.out_of_scope and not self.confident(r):  # the clinic's own articles win when they answer
            notices += (Notice("out_of_scope", self.message(verdict.out_of_scope)),)
            return Answer(question, "no_answer", disclaimer, notices=notices,
                          message=self.message(verdict.out_of_scope), suggestions=self.suggestions()[:3])
        if check.smalltalk and not (self.confident(r) and r.confidence > check.smalltalk_score):
            # small talk by the classifier's reading ("nice to meet you"): answered from the articles
            # only when they are surer that they answer it than the classifier is that it is small talk
            return self._smalltalk(question, check.smalltalk, notices)
        if not self.confident(r):
            return Answer(question, "no_answer", disclaimer, notices=notices, message=self._no_answer_text(),
                          suggestions=self.suggestions()[:3], terms=r.terms, confidence=r.confidence,
                          search=self._search_of(r))
        shown, more = self._select(r)
        answer = Answer(question, "answered", disclaimer, hits=shown, notices=notices, more=more,
                        suggestions=self._related(r.terms, shown, more), terms=r.terms,
                        confidence=r.confidence, search=self._search_of(r))
        # never the question just answered or one equivalent to it, no near-duplicates
        return replace(answer, suggestions=related(self, answer, answer.suggestions))

    def _search_of(self, r: Retrieval) -> str:
        return "hybrid" if r.semantic else "keyword"

    def _smalltalk(self, question: str, kind: str, notices: tuple[Notice, ...]) -> Answer:
        return Answer(question, "smalltalk", self.settings.disclaimer, notices=notices, message=self.message(kind),
                      suggestions=self.suggestions()[:3])

    def _crisis_notices(self, check: SafetyResult) -> tuple[Notice, ...]:
        """The crisis message for an emergency (rules) or an alarm (classifier), with a Spanish line
        when the message reads as Spanish."""
        topic = check.crisis
        if topic is None:
            return ()
        text = self.message(topic)
        if check.language == "es":
            text += "\n" + self.message("crisis_es")
        return (Notice("emergency", text),)

    def _notices(self, check: SafetyResult) -> tuple[Notice, ...]:
        notices: list[Notice] = []
        verdict = check.verdict
        if check.flagged:
            pass  # the crisis message already leads
        elif verdict.mention == "suicide":
            notices.append(Notice("emergency", self.message("mention_suicide")))
        elif verdict.mention:
            notices.append(Notice("safety_info", self.message(f"mention_{verdict.mention}")))
        if check.advice:
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
