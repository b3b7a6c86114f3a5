"""Labelled patient questions as a memory: a new question is compared with questions we have labelled.

Patients ask the same things in many words. For the bundled articles we keep about two thousand
questions written in patients' words, each labelled either with the passages that answer it or as
one the articles do not answer ("can i drive home after", "will it show on a drug test"). Their
sentence-model vectors ship in ``data/question_memory.npz``, written by ``scripts/fit_retrieval.py``
(data only, no pickle, checked against the model's checksum). For a new question ``QuestionMemory``
measures, by cosine similarity:

- for each passage, how close the nearest labelled question that this passage answers is;
- how close the nearest question the articles do not answer is, and the nearest answerable one;
- the share of unanswerable questions among the nearest few (weighted by closeness).

The ranking code fuses the first into the passage order and gives them all to the abstention model.
The labels are bound to passage content, not to one library: an answerable question's passages are
the ones holding its gold phrases, found again in whatever library is loaded. So the memory survives
a clinic adding or editing articles: labels whose passages are gone are left out, and so is a
question the labelled articles did not answer when a new passage is nearer to it than any of the
labelled ones (the clinic's new article may answer it; see ``QuestionMemory.settled``). A library
that holds too few of the labelled answers is searched without it (hybrid search with its own
coefficients), never with labels that may be wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from chatbot.data import DATA_DIR
from chatbot.text.phrases import answering_passages, norm  # noqa: F401 (used here and by scripts/fit_retrieval.py)

if TYPE_CHECKING:
    from chatbot.articles.knowledge import KnowledgeBase

MEMORY_FILE = "question_memory.npz"
MEMORY_FORMAT = 1
MIN_FOUND = 0.8  # the share of answerable labels whose passages must be found for the memory to be used
MAX_REBIND_PASSAGES = 20_000  # above this the gold phrases are not searched again (start-up time)
NEAREST = 7  # how many nearest labelled questions the unanswerable share is taken over
SHARPNESS = 10.0  # weight of a neighbour: exp(SHARPNESS * cosine)


@dataclass
class LabelledQuestions:
    """What ``question_memory.npz`` holds."""

    corpus_digest: str  # chatbot.articles.knowledge.vectors_digest of the passages the labels are about
    model_checksum: str
    questions: list[str]
    gold: list[list[str]]  # normalised gold phrases; empty: the articles do not answer it
    answers: list[list[int]]  # the passages that hold a gold phrase (of the corpus of corpus_digest)
    vectors: np.ndarray  # float16, one unit-length row per question


@dataclass(frozen=True)
class MemoryScores:
    passage: np.ndarray  # per passage: cosine of the nearest labelled question it answers (0: none)
    abstain: float  # cosine of the nearest question the articles do not answer
    best: float  # cosine of the nearest answerable question
    abstain_share: float  # closeness-weighted share of unanswerable ones among the NEAREST
    new: np.ndarray | None = None  # per passage: not in the articles the questions were labelled on


class QuestionMemory:
    """Labelled question vectors bound to one knowledge base's passages."""

    def __init__(self, vectors: np.ndarray, answers: list[list[int]], n_passages: int) -> None:
        """``answers[k]``: the passages that answer labelled question k (empty: none do)."""
        if len(vectors) != len(answers) or not len(vectors):
            raise ValueError("one list of answering passages per labelled question, and at least one question")
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.answerable = np.asarray([bool(a) for a in answers])
        self.n_passages = n_passages
        pairs = [(k, p) for k, ps in enumerate(answers) for p in ps]
        self._q = np.asarray([k for k, _ in pairs], dtype=np.int64)
        self._p = np.asarray([p for _, p in pairs], dtype=np.int64)
        if len(self._p) and (self._p.min() < 0 or self._p.max() >= n_passages):
            raise ValueError("a labelled answer points outside the passages")

        self.new_passages: np.ndarray | None = None  # passages that are not in the labelled articles

    def __len__(self) -> int:
        return len(self.vectors)

    def settled(self, passage_vectors: np.ndarray) -> QuestionMemory:
        """Without the unanswerable labels that a new passage may answer: those to which a passage
        not in the labelled articles is nearer than any labelled passage is. (A question the bundled
        articles did not answer, "where do I park", may be just what a clinic's new page answers.)"""
        new = self.new_passages
        if new is None or not new.any() or new.all() or self.answerable.all():
            return self
        sims = self.vectors[~self.answerable] @ np.asarray(passage_vectors, dtype=np.float32).T
        stale = sims[:, new].max(axis=1) >= sims[:, ~new].max(axis=1)
        if not stale.any():
            return self
        keep = np.ones(len(self.vectors), dtype=bool)
        keep[np.flatnonzero(~self.answerable)[stale]] = False
        answers: list[list[int]] = [[] for _ in range(len(self.vectors))]
        for q, p in zip(self._q.tolist(), self._p.tolist(), strict=True):
            answers[q].append(p)
        out = QuestionMemory(self.vectors[keep], [a for a, k in zip(answers, keep, strict=True) if k], self.n_passages)
        out.new_passages = new
        return out

    def similarities(self, query: np.ndarray) -> np.ndarray:
        return np.asarray(self.vectors @ np.asarray(query, dtype=np.float32), dtype=np.float64)

    def scores(self, query: np.ndarray, allowed: np.ndarray | None = None,
               sims: np.ndarray | None = None) -> MemoryScores:
        """The memory's measurements for a question vector; ``allowed`` (a mask over the labelled
        questions) leaves some out, as cross-validation must."""
        s = self.similarities(query) if sims is None else sims
        ok = np.ones(len(s), dtype=bool) if allowed is None else allowed
        passage = np.zeros(self.n_passages)
        use = ok[self._q]
        if use.any():
            np.maximum.at(passage, self._p[use], s[self._q[use]])
        yes, no = ok & self.answerable, ok & ~self.answerable
        best = float(max(0.0, s[yes].max())) if yes.any() else 0.0
        abstain = float(max(0.0, s[no].max())) if no.any() else 0.0
        pool = np.flatnonzero(ok)
        share = 0.0
        if len(pool):
            k = min(NEAREST, len(pool))
            near = pool[np.argpartition(-s[pool], k - 1)[:k]]
            w = np.exp(SHARPNESS * (s[near] - s[near].max()))
            share = float((w * ~self.answerable[near]).sum() / w.sum())
        return MemoryScores(np.maximum(passage, 0.0), abstain, best, share, self.new_passages)


def labelled_passages(texts: list[str]) -> np.ndarray:
    """Which passages are text of the articles the questions were labelled on (the bundled ones)."""
    from chatbot.infra.locations import bundled_corpus_dir

    folder = bundled_corpus_dir()
    raw = norm(" ".join(f.read_text(encoding="utf-8", errors="replace") for f in sorted(folder.glob("*.txt"))))
    return np.asarray([norm(t) in raw for t in texts], dtype=bool)


UNUSABLE = "labelled questions unusable"  # how every note on a memory file that cannot be trusted begins


def recorded_sha256() -> str:
    """The shipped memory's sha256, as ``scripts/fit_retrieval.py`` recorded it in the fitted card
    beside it (``retrieval_model.json``), the way ``safety_model.json`` records the safety weights'."""
    import json

    from chatbot.infra.store import StoreError
    from chatbot.retrieval.ranking import MODEL_FILE

    try:
        value = json.loads((DATA_DIR / MODEL_FILE).read_text(encoding="utf-8"))["memory_sha256"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"no checksum recorded in {MODEL_FILE}: {type(exc).__name__}") from None
    if not isinstance(value, str) or not re.fullmatch(r"[0-9a-f]{64}", value):
        raise StoreError(f"no checksum recorded in {MODEL_FILE}")
    return value


def load_labelled(path: Path | None = None, model_checksum: str = "", sha256: str | None = None) -> LabelledQuestions:
    """The labelled questions in ``path`` (default: the shipped file, which must match the sha256
    its card records: a tampered or damaged copy is never used)."""
    from chatbot.infra import store

    if path is None:
        path, sha256 = DATA_DIR / MEMORY_FILE, sha256 or recorded_sha256()
    return store.load(path, LabelledQuestions, {"format": str(MEMORY_FORMAT), "model": model_checksum}, sha256)


def bind(kb: KnowledgeBase, model_checksum: str, path: Path | None = None) -> tuple[QuestionMemory | None, str]:
    """The memory for this knowledge base, or None and why not (one line)."""
    from chatbot.articles.knowledge import vectors_digest
    from chatbot.infra.store import StoreError

    try:
        labelled = load_labelled(path, model_checksum)
    except StoreError as exc:
        return None, f"{UNUSABLE} ({exc})"
    v = labelled.vectors
    n = len(labelled.questions)
    if v.ndim != 2 or len(v) != n or len(labelled.gold) != n or len(labelled.answers) != n or not np.all(np.isfinite(v)):
        return None, f"{UNUSABLE} (shape)"
    answers = labelled.answers
    note = ""
    if labelled.corpus_digest != vectors_digest(kb):
        # another library: find each answerable label's passages again by its gold phrases
        if len(kb.texts) > MAX_REBIND_PASSAGES:
            return None, "labelled questions not used above 20,000 passages"
        new = ~labelled_passages(kb.texts)
        answered = {p for a in labelled.answers for p in a}
        if int((~new).sum()) < MIN_FOUND * len(answered):  # cheap: most labelled passages are not here
            return None, "labelled questions are about other articles"
        answers = answering_passages(labelled.gold, kb.texts)
        answerable = [k for k, g in enumerate(labelled.gold) if g]
        found = sum(bool(answers[k]) for k in answerable)
        if not answerable or found < MIN_FOUND * len(answerable):
            return None, "labelled questions are about other articles"
        keep = np.asarray([not g or bool(a) for g, a in zip(labelled.gold, answers, strict=True)])
        v, answers = v[keep], [a for a, k in zip(answers, keep, strict=True) if k]
        note = f" ({int((~keep).sum()):,} whose passages are gone left out)" if (~keep).any() else ""
        n = len(v)
    # the passages were found by their gold phrases when the file was written, for exactly these
    # passages (the digest above): nothing to search again at start-up
    elif any(bool(g) != bool(a) for g, a in zip(labelled.gold, labelled.answers, strict=True)):
        return None, f"{UNUSABLE} (an answerable one without its passages)"
    try:
        memory = QuestionMemory(v, answers, len(kb.texts))
        if labelled.corpus_digest != vectors_digest(kb):
            memory.new_passages = new
        return memory, f"{n:,} labelled questions{note}"
    except ValueError as exc:
        return None, f"{UNUSABLE} ({exc})"
