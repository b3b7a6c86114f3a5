"""Semantic scores beside BM25: one vector per passage, cosine similarity with the question.

``DenseScorer`` is the small interface the ranking code sees (``scores(question)`` and ``name``);
which model makes the vectors is hidden behind it. The passage vectors are computed once per
knowledge base and model, and cached as data only (``store``: JSON + arrays, no pickle) under a key
that includes the model's checksum, so a cache built with another model is rebuilt, never served.

``Background`` loads the model and the vectors on a thread, so that an emergency or a greeting is
answered at once while the model is still loading; only a question that needs the articles waits.
"""

from __future__ import annotations

import threading
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
LOAD_TIMEOUT = 120.0
EXIT_WAIT = 30.0
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


def texts_digest(texts: list[str], sections: list[str]) -> str:
    """What the vectors depend on: the passages' text and section headings, in order."""
    import hashlib

    h = hashlib.sha256()
    for t, sec in zip(texts, sections, strict=True):
        h.update(sec.encode("utf-8") + b"\1" + t.encode("utf-8") + b"\0")
    return h.hexdigest()


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
        self.memory = memory
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


def passage_texts(kb: KnowledgeBase) -> list[str]:
    """What a passage's vector is made of: its section heading and its text."""
    return [f"{kb.sections[i]}. {t}" if kb.sections[i] else t for i, t in enumerate(kb.texts)]


def passage_vectors(kb: KnowledgeBase, model: SemanticModel, cache_folder: Path | None,
                    shipped: bool = True) -> PassageVectors:
    """The passages' (and their sentences') vectors, from the cache when it is for this knowledge
    base and this model."""
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


_PRELOAD: dict[str, object] = {}
_PRELOAD_LOCK = threading.Lock()


def preload_model() -> None:
    """Start loading the sentence model now, on a thread, before the articles and the safety rules
    are read (they do not need it): a one-question process then waits for it far less."""
    with _PRELOAD_LOCK:
        if "done" in _PRELOAD:
            return
        done = threading.Event()

        def load() -> None:
            try:
                from chatbot.retrieval.semantic import try_load_model

                _PRELOAD["result"] = try_load_model()
            except Exception as exc:  # never a traceback: keyword search still answers
                _PRELOAD["result"] = (None, f"semantic model could not be loaded ({type(exc).__name__}); "
                                            "answering with keyword search only")
            finally:
                done.set()

        thread = threading.Thread(target=load, name="semantic-preload", daemon=True)
        _PRELOAD["thread"], _PRELOAD["done"] = thread, done
        thread.start()
        import atexit

        atexit.register(thread.join, EXIT_WAIT)


def _model() -> tuple[SemanticModel | None, str | None]:
    """The preloaded model, once, if a preload was started (waiting for it); else a fresh load."""
    with _PRELOAD_LOCK:
        done = _PRELOAD.pop("done", None)
    if isinstance(done, threading.Event):
        done.wait(LOAD_TIMEOUT)
        result = _PRELOAD.pop("result", None)
        if isinstance(result, tuple):
            return result
    from chatbot.retrieval.semantic import try_load_model

    return try_load_model()


class Background:
    """Loads the model and the passage vectors on a thread; ``get`` waits for them (or for the reason
    they cannot be had, in which case the engine answers with keyword search only)."""

    def __init__(self, kb: KnowledgeBase, cache_folder: Path | None, enabled: bool = True,
                 why_not: str = "semantic search is turned off in the settings", static: bool = False) -> None:
        """``static``: use the model's static token vectors (chatbot/retrieval/static.py), for a big library."""
        self.scorer: DenseScorer | None = None
        self.problem: str | None = None if enabled else why_not
        self.memory_note = "not loaded"  # the labelled question memory: how many, or why not used
        self.static = static
        self._done = threading.Event()
        self._gave_up = False
        if not enabled:
            self._done.set()
            return
        self._thread = threading.Thread(target=self._load, args=(kb, cache_folder), name="semantic-model", daemon=True)
        self._thread.start()
        # a process that ends while onnxruntime is still starting up on this thread would abort in
        # its C++ code: let the loading finish first (the answer has been printed already)
        import atexit

        atexit.register(self._thread.join, EXIT_WAIT)

    def _load(self, kb: KnowledgeBase, cache_folder: Path | None) -> None:
        try:
            from chatbot.retrieval.memory import bind
            from chatbot.retrieval.semantic import WEIGHTS

            # read while the model is still loading on the preload thread: the labelled questions are
            # stamped with the pinned weights' checksum (read again below for a model of another one)
            early = None if self.static else bind(kb, WEIGHTS.sha256)
            model, problem = _model()
            if model is None:
                self.problem = problem
                return
            if self.static:
                from chatbot.retrieval.static import static_scorer_parts

                fast, vectors = static_scorer_parts(kb, model, cache_folder)
                self.memory_note = "not used with static token vectors"
                self.scorer = DenseScorer(fast, vectors)
                return
            v = passage_vectors(kb, model, cache_folder)
            memory, self.memory_note = (early if early is not None and model.checksum == WEIGHTS.sha256
                                        else bind(kb, model.checksum))
            self.scorer = DenseScorer(model, v.vectors, v.sentence_vectors, v.sentence_of, memory)
        except Exception as exc:  # never a traceback: keyword search still answers
            self.problem = f"semantic search could not start ({type(exc).__name__}); answering with keyword search only"
            self.scorer = None
        finally:
            self._done.set()

    def ready(self) -> bool:
        return self._done.is_set() or self._gave_up

    def wait_ready(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the loading to end, without giving up on it after."""
        return self._gave_up or self._done.wait(timeout)

    def get(self, timeout: float = LOAD_TIMEOUT) -> DenseScorer | None:
        """The scorer, waiting for it once at most: after one time-out, keyword search from then on."""
        if self._gave_up:
            return None
        if not self._done.wait(timeout):
            self._gave_up = True
            self.problem = "semantic model took too long to load; answering with keyword search only"
            return None
        return self.scorer
