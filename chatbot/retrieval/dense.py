"""Semantic scores beside BM25: one vector per passage, cosine similarity with the question.

``DenseScorer`` is the small interface the ranking code sees (``scores(question)`` and ``name``);
which model makes the vectors is hidden behind it. The passage vectors are computed once per
knowledge base and model, and cached as data only (``store``: JSON + arrays, no pickle) under a key
that includes the model's checksum, so a cache built with another model is rebuilt, never served.

The model and the vectors are loaded off the key path by ``chatbot.retrieval.background``.
"""

from __future__ import annotations

from collections.abc import Callable
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


def _vectors_path(kb: KnowledgeBase, model: SemanticModel, cache_folder: Path | None, digest: str) -> Path | None:
    return cache_folder / f"vec-{digest[:32]}-{model.checksum[:16]}.npz" if cache_folder is not None else None


def cached_passage_vectors(kb: KnowledgeBase, model: SemanticModel, cache_folder: Path | None,
                           shipped: bool = True) -> PassageVectors | None:
    """The passages' vectors if the user's cache (or, for the bundled articles, the package) holds
    them for this knowledge base and this model; else None (nothing is computed)."""
    from chatbot.articles.knowledge import vectors_digest
    from chatbot.infra import store

    digest = vectors_digest(kb)
    stamps = {"format": str(VECTORS_FORMAT), "model": model.checksum}
    # the user's cache first, then the vectors shipped for the bundled articles
    for candidate in (_vectors_path(kb, model, cache_folder, digest), DATA_DIR / BUNDLED if shipped else None):
        if candidate is None:
            continue
        try:
            cached = store.load(candidate, PassageVectors, stamps)
            if _valid(cached, kb, model, digest):
                return cached
        except Exception:  # missing, corrupt, tampered or foreign: try the next, or compute afresh
            pass
    return None


def texts_to_encode(kb: KnowledgeBase) -> tuple[list[str], list[tuple[int, str]]]:
    """What the model must encode for a knowledge base: each passage (with its heading), and each
    sentence of four words or more of a passage that has several (with its passage)."""
    from chatbot.articles.cleaning import sentences
    from chatbot.articles.knowledge import passage_texts

    split = [sentences(t) for t in kb.texts]
    many = [(i, s) for i, parts in enumerate(split) if len(parts) > 1 for s in parts if len(s.split()) >= 4]
    return passage_texts(kb), many


@dataclass
class PartialVectors:
    """A checkpoint of a build: the vectors of ``texts[start:start + len(vectors)]`` of one build."""

    build_digest: str  # of the model and of every text of the build, in order
    chunk_digest: str  # of this chunk's texts
    start: int
    vectors: np.ndarray


CHUNK = 512  # texts a checkpoint holds (about 20 s of work here)


def _digest(*parts: str) -> str:
    from chatbot.infra.digest import blake2b

    h = blake2b(digest_size=20)
    for p in parts:
        h.update(p.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return str(h.hexdigest())


def encode_resumable(model: SemanticModel, texts: list[str], folder: Path | None,
                     progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """``model.encode(texts)``, checkpointed: every ``CHUNK`` texts are saved (atomically, data only)
    under ``folder``, so that a build that is stopped (the process killed, the machine turned off)
    goes on from its last checkpoint the next time, never from nothing. ``progress(done, total)``."""
    from chatbot.infra import store

    build = _digest(model.checksum, str(len(texts)), *texts)
    stamps = {"format": str(VECTORS_FORMAT), "model": model.checksum, "build": build}
    out = np.zeros((len(texts), model.dim), dtype=np.float32)
    done = 0
    for start in range(0, len(texts), CHUNK):
        chunk = texts[start : start + CHUNK]
        chunk_digest = _digest(*chunk)
        path = folder / f"part-{start // CHUNK:05d}.npz" if folder is not None else None
        vectors = None
        if path is not None:
            try:
                part = store.load(path, PartialVectors, stamps)
                v = part.vectors
                if (part.build_digest == build and part.chunk_digest == chunk_digest and part.start == start
                        and v.dtype == np.float32 and v.shape == (len(chunk), model.dim) and np.all(np.isfinite(v))
                        and np.all(np.abs(np.linalg.norm(v, axis=1) - 1.0) < 1e-3)):
                    vectors = v
            except Exception:  # not there yet, or damaged: encoded (again)
                pass
        if vectors is None:
            vectors = np.asarray(model.encode(chunk), dtype=np.float32)
            if path is not None:
                try:
                    from chatbot.infra.safefile import private_folder

                    private_folder(folder)  # type: ignore[arg-type]
                    store.save(path, PartialVectors(build, chunk_digest, start, vectors), stamps)
                except Exception:
                    pass  # a read-only cache: this build cannot be resumed, but it still finishes
        out[start : start + len(chunk)] = vectors
        done += len(chunk)
        if progress is not None:
            progress(done, len(texts))
    return out


def checkpoint_folder(kb: KnowledgeBase, model: SemanticModel, cache_folder: Path | None) -> Path | None:
    """Where the checkpoints of this library's build under this model are kept."""
    from chatbot.articles.knowledge import vectors_digest

    if cache_folder is None:
        return None
    return cache_folder / f"vecparts-{vectors_digest(kb)[:32]}-{model.checksum[:16]}"


def passage_vectors(kb: KnowledgeBase, model: SemanticModel, cache_folder: Path | None,
                    shipped: bool = True, progress: Callable[[int, int], None] | None = None) -> PassageVectors:
    """The passages' (and their sentences') vectors, from the cache when it is for this knowledge
    base and this model; else computed (resumably: see ``encode_resumable``) and cached."""
    import shutil

    from chatbot.articles.knowledge import vectors_digest
    from chatbot.infra import store

    found = cached_passage_vectors(kb, model, cache_folder, shipped)
    if found is not None:
        return found
    digest = vectors_digest(kb)
    stamps = {"format": str(VECTORS_FORMAT), "model": model.checksum}
    path = _vectors_path(kb, model, cache_folder, digest)
    parts = checkpoint_folder(kb, model, cache_folder)
    texts, many = texts_to_encode(kb)
    everything = encode_resumable(model, texts + [s for _, s in many], parts, progress)
    vectors, sentence_vectors = everything[: len(texts)], everything[len(texts):]
    sentence_of = np.asarray([i for i, _ in many], dtype=np.int32)
    result = PassageVectors(kb.key, model.checksum, vectors, digest, sentence_vectors, sentence_of)
    if path is not None:
        try:
            store.save(path, result, stamps)
            if parts is not None:
                shutil.rmtree(parts, ignore_errors=True)  # the checkpoints are in the finished file now
        except Exception:
            pass  # a read-only cache still answers; only the next start is slower
    return result
