"""Semantic scores beside BM25: one vector per passage, cosine similarity with the question.

``DenseScorer`` is the small interface the ranking code sees (``scores(question)`` and ``name``);
which model makes the vectors is hidden behind it. The passage vectors are computed once per
knowledge base and model, and cached as data only (``store``: JSON + arrays, no pickle) under a key
that includes the model's checksum, so a cache built with another model is rebuilt, never served.

The model and the vectors are loaded off the key path by ``chatbot.retrieval.background``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from chatbot.articles.knowledge import KnowledgeBase
    from chatbot.retrieval.memory import MemoryScores, QuestionMemory
    from chatbot.retrieval.semantic import SemanticModel

from chatbot.data import DATA_DIR

VECTORS_FORMAT = 1
BUNDLED = "bundled_vectors.npz"  # the vectors of the bundled articles (scripts/embed_bundled.py)


@dataclass
class PassageVectors:
    """What the cache holds: the vectors of one knowledge base under one model."""

    kb_key: str
    model_checksum: str
    vectors: np.ndarray = field(metadata={"rows": "passages"})
    texts_digest: str = ""
    sentence_vectors: np.ndarray | None = None  # one row per sentence of every passage
    sentence_of: np.ndarray | None = None  # the passage of each sentence (int32, ascending)


class DenseScores(NamedTuple):
    """What the sentence model says of one question."""

    cosine: np.ndarray  # per passage
    sentence: np.ndarray  # per passage: its closest sentence (or the passage itself)
    memory: MemoryScores | None = None  # the labelled questions' measurements, when they apply
    static: bool = False  # from static token vectors (chatbot/retrieval/static.py), not the model run in full


class DenseScorer:
    """Cosine similarity of a question with every passage, and with the passage's closest sentence
    (a long paragraph that answers in one sentence is not diluted by the rest), and the labelled
    question memory's measurements (chatbot/retrieval/memory.py) when it applies. Vectors are unit length."""

    def __init__(self, model: SemanticModel, vectors: np.ndarray, sentence_vectors: np.ndarray | None = None,
                 sentence_of: np.ndarray | None = None, memory: QuestionMemory | None = None) -> None:
        self.model = model
        self.vectors = vectors
        self.sentence_vectors = sentence_vectors
        self.sentence_of = sentence_of
        self.memory = memory.settled(vectors) if memory is not None else None
        self.static = getattr(model, "static", False)
        if sentence_of is not None and len(sentence_of):
            self._starts = np.flatnonzero(np.r_[True, np.diff(sentence_of) != 0])
            self._owners = sentence_of[self._starts]

    @property
    def name(self) -> str:
        return self.model.name

    def scores(self, question: str) -> DenseScores:
        """Passage cosine, best sentence cosine and the memory's measurements."""
        return self.scores_many([question])[0]

    def scores_many(self, texts: list[str]) -> list[DenseScores]:
        """``scores`` for several texts, encoded in one batch."""
        return [self.scores_of(q) for q in self.model.encode(texts)]

    def scores_of(self, q: np.ndarray, allowed: np.ndarray | None = None) -> DenseScores:
        """``scores`` for a question vector (``allowed``: which labelled questions the memory may use)."""
        passage = np.asarray(self.vectors @ q, dtype=np.float64)
        best = passage.copy()
        if self.sentence_vectors is not None and self.sentence_of is not None and len(self.sentence_of):
            per_sentence = self.sentence_vectors @ q
            best[self._owners] = np.maximum(best[self._owners], np.maximum.reduceat(per_sentence, self._starts))
        return DenseScores(passage, best, self.memory.scores(q, allowed) if self.memory is not None else None,
                           self.static)


def _valid(v: PassageVectors, kb: KnowledgeBase, model: SemanticModel, digest: str) -> bool:
    a = v.vectors
    if v.model_checksum != model.checksum or v.texts_digest != digest:
        return False
    if a.dtype != np.float32 or a.shape != (len(kb.texts), model.dim) or not np.all(np.isfinite(a)):
        return False
    norms = np.linalg.norm(a, axis=1)
    if not np.all(np.abs(norms - 1.0) < 1e-3):
        return False
    sv, so = v.sentence_vectors, v.sentence_of
    if sv is None or so is None:
        return False
    return bool(sv.dtype == np.float32 and sv.shape == (len(so), model.dim) and np.all(np.isfinite(sv))
                and (not len(so) or (so.min() >= 0 and so.max() < len(kb.texts) and np.all(np.diff(so) >= 0))))


def passage_vectors(kb: KnowledgeBase, model: SemanticModel, cache_folder: Path | None,
                    shipped: bool = True) -> PassageVectors:
    """The passages' (and their sentences') vectors, from the cache when it is for this knowledge
    base and this model."""
    from chatbot.articles.knowledge import passage_texts, texts_digest
    from chatbot.infra import store

    digest = texts_digest(kb.texts, kb.sections)
    stamps = {"format": str(VECTORS_FORMAT), "model": model.checksum}
    path = cache_folder / f"vec-{digest[:32]}-{model.checksum[:16]}.npz" if cache_folder is not None else None
    # the user's cache first, then the vectors shipped for the bundled articles
    for candidate in (path, DATA_DIR / BUNDLED if shipped else None):
        if candidate is None:
            continue
        try:
            cached = store.load(candidate, PassageVectors, stamps)
            if _valid(cached, kb, model, digest):
                return cached
        except Exception:  # missing, corrupt, tampered or foreign: try the next, or compute afresh
            pass
    from chatbot.articles.cleaning import sentences

    texts = passage_texts(kb)
    split = [sentences(t) for t in kb.texts]
    many = [(i, s) for i, parts in enumerate(split) if len(parts) > 1 for s in parts if len(s.split()) >= 4]
    vectors = model.encode(texts).astype(np.float32)
    sentence_vectors = model.encode([s for _, s in many]).astype(np.float32)
    sentence_of = np.asarray([i for i, _ in many], dtype=np.int32)
    result = PassageVectors(kb.key, model.checksum, vectors, digest, sentence_vectors, sentence_of)
    if path is not None:
        try:
            store.save(path, result, stamps)
        except Exception:
            pass  # a read-only cache still answers; only the next start is slower
    return result
