"""Loading the sentence model and the passage vectors off the key path.

The model runs in a process of its own (``chatbot.retrieval.encoder``): a crash or a hang in its
native runtime costs the semantic scores, never the chatbot. ``Background`` starts it and gets the
passage vectors ready on a thread, so that an emergency or a greeting is answered at once; a
question that needs the articles waits for them only while they make progress: after ``STALL``
seconds without any, it is answered with keyword search and the one line saying why, and so is
every question after it until the model is ready (if ever). ``preload_model`` starts the child even
earlier, before the articles and the safety rules are read.

A model whose process crashed, hung or could not load is started again, off the key path, on a
question at least ``RETRY_AFTER`` seconds later, at most ``RESTARTS`` times: one stall on a busy
machine must not leave a kiosk that runs all day on keyword search. The question that starts it is
answered with keyword search; the questions after it use the model again once it is ready (a big
library starts again from its static vectors, and the full ones are built after them as at start-up).

Which vectors: the full model's when they are cached (or shipped, for the bundled articles) or quick
to make; over ``semantic_max_passages`` passages, static token vectors (chatbot/retrieval/static.py);
in between, for a library whose full vectors are not built yet, the static ones at once (a few
seconds) and a note saying so, while a long-lived process (chat, kiosk, batch) builds the full ones
in the background, resumably, and switches to them when they are done. ``chatbot index`` builds
them ahead of time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chatbot.retrieval.dense import DenseScorer, cached_passage_vectors, passage_vectors, texts_to_encode
from chatbot.retrieval.encoder import Restarts
from chatbot.retrieval.semantic import SemanticModelUnavailable

if TYPE_CHECKING:
    from chatbot.articles.knowledge import KnowledgeBase
    from chatbot.retrieval.encoder import IsolatedModel

LOAD_TIMEOUT = 120.0  # the longest a question waits for vectors being built (while they make progress)
STALL = 5.0  # a question waits at most this long without any progress: then keyword search
#: full vectors are made at once (in a question's wait) when there are at most this many characters
#: to encode (about 10 s here); a bigger library gets static vectors first
INLINE_CHARS = 160_000
#: seconds after the static vectors are ready before a long-lived process starts building the full
#: ones (a one-question `ask` has long finished by then)
UPGRADE_DELAY = 10.0
_FALLBACK = "answering with keyword search only"

_PRELOAD: dict[str, Any] = {}
_PRELOAD_LOCK = threading.Lock()


def start_model(threads: int = 1) -> IsolatedModel:
    """A new child process loading the model (returns at once)."""
    from chatbot.retrieval.encoder import IsolatedModel

    try:
        return IsolatedModel(threads)
    except OSError as exc:
        raise SemanticModelUnavailable(f"semantic model process could not be started ({type(exc).__name__}); "
                                       f"{_FALLBACK}") from None


def preload_model() -> None:
    """Start the model's process now, before the articles and the safety rules are read (they do
    not need it): a one-question process then waits for it far less."""
    with _PRELOAD_LOCK:
        if _PRELOAD:
            return
        try:
            _PRELOAD["model"] = start_model()
        except SemanticModelUnavailable as exc:
            _PRELOAD["problem"] = str(exc)


def _take_preload() -> tuple[IsolatedModel | None, str | None]:
    """The preloaded model's process (or why it could not start), once, if one was started."""
    with _PRELOAD_LOCK:
        return _PRELOAD.pop("model", None), _PRELOAD.pop("problem", None)


def discard_preload() -> None:
    """Stop a preloaded model that no engine took (the start-up failed before one was made)."""
    model, _ = _take_preload()
    if model is not None:
        model.close()


def full_vectors_chars(kb: KnowledgeBase) -> int:
    """How many characters the full model must read for this library (passages and sentences)."""
    texts, many = texts_to_encode(kb)
    return sum(map(len, texts)) + sum(len(s) for _, s in many)


def static_note(n: int) -> str:
    return (f"the sentence vectors of these {n:,} passages are not built yet: searching with the model's "
            f"static token vectors meanwhile (`chatbot index` builds them once)")


class Background:
    """Loads the model and the passage vectors on a thread; ``get`` waits for them (or for the reason
    they cannot be had, in which case the engine answers with keyword search only)."""

    def __init__(self, kb: KnowledgeBase, cache_folder: Path | None, enabled: bool = True,
                 why_not: str = "semantic search is turned off in the settings", static: bool = False,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """``static``: use the model's static token vectors (chatbot/retrieval/static.py), for a big library.
        ``clock``: when a failed model may be started again (injectable for the tests)."""
        self.scorer: DenseScorer | None = None
        self.problem: str | None = None if enabled else why_not
        self.memory_note = "not loaded"  # the labelled question memory: how many, or why not used
        self.memory_problem: str | None = None  # one line when its file could not be trusted (tampered, damaged)
        self.static = self._static_at_start = static
        self.note: str | None = None  # one line when the vectors in use are not the best for this library
        self.model: IsolatedModel | None = None
        self._done = threading.Event()
        self._gave_up = False
        self._late = False  # the problem is only that the model was late (cleared when it arrives)
        self._cv = threading.Condition()
        self._progress = time.monotonic()
        self.tries = Restarts(clock)  # when a failed model may be started again
        self._restarting = False
        self.restart_thread: threading.Thread | None = None  # the last restart (the tests wait for it)
        self._source = (kb, cache_folder)
        if not enabled:
            self._done.set()
            return
        self._preloaded = _take_preload()  # taken now: a preload is for the engine made right after it
        self._thread = threading.Thread(target=self._load, args=(kb, cache_folder), name="semantic-model", daemon=True)
        self._thread.start()

    # -- progress and failure, from the model's process --------------------------------------------
    def _heard(self) -> None:
        with self._cv:
            self._progress = time.monotonic()
            self._cv.notify_all()

    def _failed(self, line: str) -> None:
        """The model's process crashed, hung or cannot be used: keyword search from now on."""
        with self._cv:
            self.scorer = None
            if self.problem is None or self._late or self._restarting:
                self.problem, self._late = line, False
            self.tries.failed()
            self._done.set()
            self._cv.notify_all()

    def _use(self, scorer: DenseScorer, model: IsolatedModel) -> None:
        with self._cv:
            if model.problem is not None:  # it failed meanwhile: _failed has said why
                raise SemanticModelUnavailable(model.problem)
            self.scorer = scorer
            self.tries.working()
            if self._late or self._restarting:
                self.problem, self._late = None, False

    # -- loading -------------------------------------------------------------------------------
    def _load(self, kb: KnowledgeBase, cache_folder: Path | None) -> None:
        """Start (or, after a failure, start again) the model, then make or read the passage vectors."""
        upgrade = False
        model: IsolatedModel | None = None
        try:
            from chatbot.retrieval.memory import UNUSABLE, bind
            from chatbot.retrieval.semantic import WEIGHTS

            # read while the model is still loading in its process: the labelled questions are
            # stamped with the pinned weights' checksum (read again below for a model of another one)
            early = None if self.static else bind(kb, WEIGHTS.sha256)
            preloaded, problem = self._preloaded
            self._preloaded = (None, None)
            if problem:
                raise SemanticModelUnavailable(problem)
            model = preloaded if preloaded is not None else start_model()
            self.model = model
            model.on_progress(self._heard)
            model.on_failure(self._failed)
            model.wait_loaded()
            if not self.static:
                v = cached_passage_vectors(kb, model, cache_folder)
                if v is None and full_vectors_chars(kb) <= INLINE_CHARS:
                    v = passage_vectors(kb, model, cache_folder, progress=lambda done, total: self._heard())
                if v is not None:
                    memory, self.memory_note = (early if early is not None and model.checksum == WEIGHTS.sha256
                                                else bind(kb, model.checksum))
                    if memory is None and self.memory_note.startswith(UNUSABLE):
                        self.memory_problem = f"question memory not used: {self.memory_note}"
                    self._use(DenseScorer(model, v.vectors, v.sentence_vectors, v.sentence_of, memory), model)
                    return
                # too big to encode while a question waits: static vectors now, the full ones later
                self.static, self.note, upgrade = True, static_note(len(kb.texts)), True
            self._use(self._static_scorer(kb, model, cache_folder), model)
            self.memory_note = "not used with static token vectors"
        except SemanticModelUnavailable as exc:
            upgrade = False
            self._could_not_start(str(exc), model)
        except Exception as exc:  # never a traceback: keyword search still answers
            upgrade = False
            self._could_not_start(f"semantic search could not start ({type(exc).__name__}); {_FALLBACK}", model)
        finally:
            with self._cv:
                self._restarting = False
                self._done.set()
                self._cv.notify_all()
        if upgrade and model is not None:
            self._upgrade(kb, model, cache_folder)

    def _could_not_start(self, line: str, model: IsolatedModel | None) -> None:
        if model is not None:
            model.close()  # it may have loaded: a later step failed (no process left running unused)
        self._failed(line)

    def _restart(self) -> None:
        """Start a failed model again, on a thread of its own, if it is time (see the module's docstring)."""
        with self._cv:
            if self.scorer is not None or self._restarting or not self.tries.take():
                return
            self._restarting = True
            old, self.model = self.model, None
            self.static, self.note = self._static_at_start, None  # a big library: static vectors, then the full ones
        if old is not None:
            old.close()
        self.restart_thread = threading.Thread(target=self._load, args=self._source, name="model-restart", daemon=True)
        self.restart_thread.start()

    def _static_scorer(self, kb: KnowledgeBase, model: IsolatedModel, cache_folder: Path | None) -> DenseScorer:
        from chatbot.retrieval.static import static_scorer_parts

        fast, vectors = static_scorer_parts(kb, model, cache_folder, lambda step, done, total: self._heard())
        return DenseScorer(fast, vectors)

    def _upgrade(self, kb: KnowledgeBase, model: IsolatedModel, cache_folder: Path | None) -> None:
        """In a process that lives on (chat, kiosk, batch): build the full vectors in the background,
        in small requests that questions go before, checkpointed, then use them."""
        if threading.Event().wait(UPGRADE_DELAY) or model.problem is not None:
            return
        try:
            from chatbot.retrieval.memory import UNUSABLE, bind

            v = passage_vectors(kb, model, cache_folder)
            memory, note = bind(kb, model.checksum)
            scorer = DenseScorer(model, v.vectors, v.sentence_vectors, v.sentence_of, memory)
            self._use(scorer, model)
            self.memory_note, self.static, self.note = note, False, None
            if memory is None and note.startswith(UNUSABLE):
                self.memory_problem = f"question memory not used: {note}"
        except Exception:
            pass  # the static vectors go on answering; the checkpoints are kept for the next run

    # -- waiting -------------------------------------------------------------------------------
    def _wait(self, timeout: float) -> bool:
        """Wait for the loading to end: at most ``timeout`` seconds, and at most ``STALL`` seconds
        without progress from the model. True if it has ended."""
        deadline = time.monotonic() + timeout
        with self._cv:
            while not self._done.is_set():
                now = time.monotonic()
                limit = min(deadline, self._progress + STALL)
                if now >= limit:
                    break
                self._cv.wait(limit - now)
            return self._done.is_set()

    def ready(self) -> bool:
        return self._done.is_set() or self._gave_up

    def wait_ready(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the loading to end (less if the model makes no
        progress), without giving up on it after."""
        return self._gave_up or self._wait(timeout)

    def get(self, timeout: float = LOAD_TIMEOUT) -> DenseScorer | None:
        """The scorer, waiting for it once at most: after one time-out, no more waiting (keyword
        search until the model is ready, if it ever is)."""
        if self._done.is_set():
            if self.scorer is None:
                self._restart()
            return self.scorer
        if self._gave_up:
            return None
        if self._wait(timeout):
            return self.scorer
        with self._cv:
            if self._done.is_set():
                return self.scorer
            self._gave_up = True
            self.problem, self._late = f"semantic model took too long to load; {_FALLBACK}", True
        return None
