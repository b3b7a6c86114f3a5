"""Loading the sentence model and the passage vectors off the key path.

``Background`` loads them on a thread, so that an emergency or a greeting is answered at once while
the model is still loading; only a question that needs the articles waits. ``preload_model`` starts
the model's own loading even earlier, before the articles and the safety rules are read.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from chatbot.retrieval.dense import DenseScorer, passage_vectors

if TYPE_CHECKING:
    from chatbot.articles.knowledge import KnowledgeBase
    from chatbot.retrieval.semantic import SemanticModel

LOAD_TIMEOUT = 120.0
EXIT_WAIT = 30.0

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
