"""Question -> Answer, the pipeline only: clean -> safety -> retrieve -> compose.

Every front end (ask, batch, chat, kiosk, eval) calls ``Engine.ask`` and nothing else, so the safety
rules run on every question in every mode. The stages live elsewhere: ``safety`` (the crisis check),
``retrieval.search`` (ranked passages and confidence), ``retrieval.suggest`` (suggested questions),
``retrieval.background`` (the sentence model, loaded off the key path) and ``compose`` (the answer).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from pathlib import Path

import numpy as np

from chatbot.articles.knowledge import KnowledgeBase
from chatbot.compose import Composer
from chatbot.config import Settings
from chatbot.models import Answer, Notice
from chatbot.retrieval.background import Background
from chatbot.retrieval.multilingual import Multilingual
from chatbot.retrieval.ranking import RankingModel
from chatbot.retrieval.search import Retrieval, Search
from chatbot.retrieval.suggest import Suggestions, related
from chatbot.safety import Safety, SafetyResult, Verdict
from chatbot.text.analysis import Analyzer


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


# Whether a message asks something of its own (then its distress is not searched as a wish for relief).
_ASKS = re.compile(r"\?|(?:^|[,.;:!]|\b(?:and|but|so|also)\b)\s*(?:how|what|when|where|why|which|who|can|could|does|"
                   r"do|is|are|will|would|should|may)\b"
                   r"|\b(?:can|could|does|do|will|would|should|is|are) (?:i|you|it|ketamine|this|that|they|we|there)\b",
                   re.IGNORECASE)


# A message longer than this is safety-checked on its first and last halves of this size: a crisis
# sentence is found wherever a person would put it, and a pasted book cannot stall the check.
SAFETY_SCAN = 200_000


def safety_text(raw: str) -> str:
    if len(raw) > SAFETY_SCAN:
        raw = raw[:SAFETY_SCAN // 2] + "\n" + raw[-SAFETY_SCAN // 2:]
    return clean_question(raw, keep_lines=True)


class Engine:
    def __init__(self, kb: KnowledgeBase, settings: Settings | None = None,
                 safety: Safety | None = None, semantic: Background | None = None,
                 cache_folder: Path | None | bool = True, ranking: RankingModel | None = None) -> None:
        """``semantic``: the sentence model loading in the background (default: start loading it now,
        unless the settings turn it off). ``cache_folder``: where passage vectors are cached (True:
        the settings' cache folder if it is safe to use; None or False: none)."""
        self.kb = kb
        self.settings = settings or Settings()
        if safety is None:
            safety = Safety.load(self.settings.safety_rules or None)
        self.safety = safety
        if semantic is None:
            semantic = self._background(kb, cache_folder)
        self.semantic = semantic
        self.multilingual = Multilingual(enabled=self.settings.multilingual)
        self.search = Search(kb, self.settings, semantic, ranking)
        self.safety.rules.known_words = self.search.speller.known
        self.suggester = Suggestions(self.search, lambda q: self.safety.rules.check(q) == Verdict())
        self.compose = Composer(self.settings, self.safety.rules.message)
        self.safety.rules.check_messages(self.compose.values)

    def _background(self, kb: KnowledgeBase, cache_folder: Path | None | bool) -> Background:
        folder: Path | None = None
        if cache_folder is True:
            from chatbot.articles.knowledge import default_cache_dir
            from chatbot.infra.safefile import usable_cache_dir

            folder = usable_cache_dir(default_cache_dir(self.settings))[0]
        elif isinstance(cache_folder, Path):
            folder = cache_folder
        # over semantic_max_passages, the model's static token vectors (chatbot/retrieval/static.py):
        # running the model over every passage of a big library would take far too long
        return Background(kb, folder, enabled=self.settings.semantic,
                          static=len(kb.texts) > self.settings.semantic_max_passages)

    # -- what the front ends read ----------------------------------------------------------------
    @property
    def search_mode(self) -> str:
        return self.search.mode

    @property
    def search_problem(self) -> str | None:
        return self.search.problem

    @property
    def analyzer(self) -> Analyzer:
        return self.search.analyzer

    def suggestions(self) -> tuple[str, ...]:
        return self.suggester.questions()

    def retrieve(self, question: str, semantic: bool = True) -> Retrieval:
        return self.search.retrieve(question, semantic)

    def highlights(self, text: str, terms: tuple[str, ...]) -> list[tuple[int, int]]:
        return self.search.highlights(text, terms)

    def message(self, name: str) -> str:
        return self.compose.message(name)

    def best_retrieval(self, question: str, semantic: bool = True) -> Retrieval:
        """The search, with the suggestions confirmed (once) in the same batch through the model."""
        if semantic and not self.semantic.ready():
            # while the model loads, the work that does not need it: the question's words, and the
            # suggestions by keyword search
            self.search.warm(question)
            self.suggester.questions()
        pending = self.suggester.pending(semantic)
        r, scores = self.search.best_retrieval(question, semantic, pending)
        self.suggester.confirm(pending, scores)
        return r

    # -- the pipeline ----------------------------------------------------------------------------
    def ask(self, raw: str) -> Answer:
        if not isinstance(raw, str):
            raw = str(raw)
        question = clean_question(raw)
        if not any(ch.isalnum() for ch in question):
            return self.compose.invalid(question)
        # the whole message is checked for safety, whatever its length, before anything else
        check = self.safety.check(safety_text(raw), self._embed, self.multilingual.vector)
        crisis = self.compose.crisis_notices(check)
        if len(raw) > self.settings.max_question_chars:
            return self.compose.too_long(clean_question(raw[:200]) + "…", len(raw), bool(check.emergency), crisis)
        if check.emergency:
            return self.compose.emergency(question, crisis)
        try:
            return self._answer(question, check, crisis)
        except Exception:
            if not crisis and not check.line:
                raise  # the front end logs it and recovers
            # a crisis message (the panel or the calm line) is never lost to a failure in the search after it
            return self.compose.no_answer(question, crisis + self.compose.notices(check))

    def _embed(self, text: str) -> np.ndarray | None:
        """The sentence model's vector of ``text``, for the safety second opinion (None: no model)."""
        return self.search.vector(text)

    def _answer(self, question: str, check: SafetyResult, crisis: tuple[Notice, ...]) -> Answer:
        verdict = check.verdict
        notices = crisis + self.compose.notices(check)
        if not check.readable:
            return self.compose.unreadable(question, notices)
        if check.smalltalk and not check.soft_smalltalk:
            return self.compose.smalltalk(question, check.smalltalk, notices, self.suggestions())
        # distress that asks nothing else ("my pain is killing me") is searched as a wish for relief
        relief = self.safety.rules.distress.search
        # (with the full panel too, when a model raised it: the panel leads, and the answer still helps)
        query = f"{question}. {relief}" if check.verdict.distress and relief and not _ASKS.search(question) else question
        # a crisis message is never held back while the sentence model is still loading
        r = self.best_retrieval(query, semantic=not (crisis and not self.semantic.ready()))
        confident = self.search.confident(r)
        if verdict.out_of_scope and not confident:  # the clinic's own articles win when they answer
            return self.compose.out_of_scope(question, verdict.out_of_scope, notices, self.suggestions())
        if check.smalltalk and not (confident and r.confidence > check.smalltalk_score):
            # small talk by the classifier's reading ("nice to meet you"): answered from the articles
            # only when they are surer that they answer it than the classifier is that it is small talk
            return self.compose.smalltalk(question, check.smalltalk, notices, self.suggestions())
        search = "hybrid" if r.semantic else "keyword"
        if not confident:
            return self.compose.no_answer(question, notices, self.suggestions(), terms=r.terms,
                                          confidence=r.confidence, search=search)
        shown, more = self.search.select(r)
        answer = Answer(question, "answered", self.settings.disclaimer, hits=shown, notices=notices, more=more,
                        suggestions=self.suggester.for_answer(r.terms, shown, more), terms=r.terms,
                        confidence=r.confidence, search=search)
        # never the question just answered or one equivalent to it, no near-duplicates
        return replace(answer, suggestions=related(self.suggester, answer, answer.suggestions))
