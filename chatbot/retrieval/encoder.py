"""The sentence model in a process of its own, behind a watchdog.

onnxruntime is native code: a damaged install dies of SIGBUS on import, a CPU without the wheel's
instructions of SIGILL, a bug of SIGSEGV or abort(), and a hang in it cannot be interrupted from
Python. So the chatbot never loads it: ``IsolatedModel`` starts a child process
(``python -m chatbot.retrieval.encoder``) that loads, checks and runs the model, and talks to it over
two pipes. The chatbot's process never imports onnxruntime or tokenizers; the safety check, the
rules and every crisis message run there without waiting for, or dying with, the model.

Why a plain ``subprocess`` with a small pipe protocol, not ``multiprocessing``:

* ``multiprocessing`` with 'spawn' or 'forkserver' runs the parent's ``__main__`` again in the
  child: ``python -m chatbot`` would start the command line a second time. Its ``Connection``
  pickles every message, its exit handler joins (or terminates and then joins) every child at
  exit, and 'forkserver' adds a server process and a socket.
* with ``subprocess`` the child's environment is set exactly (``ORT_DISABLE_TELEMETRY=1`` before
  anything imports onnxruntime), the only channel is the child's stdin and stdout, every read and
  write of the parent has a deadline (``select``), and a crash is seen as the child's exit status
  (-11 is SIGSEGV, -7 SIGBUS), which becomes the one line the user sees.

The protocol: each message is a 4-byte length, a JSON header (ASCII, so any string survives) and
the raw bytes of the numeric arrays the header lists (dtype and shape). No pickle, either way.

The watchdog: every request has a deadline (``REQUEST_WAIT`` seconds plus its size at a rate far
below the slowest machine's), and loading one (``LOAD_LIMIT``). A child that misses a deadline is
killed (SIGKILL), as is one whose process the chatbot leaves: at exit it is killed, never joined,
so ``ask`` ends as soon as its answer is printed. Once the child has failed, this object is done
with: every later call raises ``SemanticModelUnavailable`` with the one line saying why, and the
search answers with keywords. ``background.Background`` starts a new child a minute later, at most
three times (a hang on a busy machine may not happen again; a crash most likely will).

``IsolatedModel`` is what ``semantic.SemanticModel`` describes (``name``, ``checksum``, ``dim``,
``encode``, ``encode_query``), plus ``hidden``, ``token_ids`` and a ``_tokenizer`` that tokenizes in
the child: what ``static.py`` needs of ``semantic.OnnxMiniLM``.

Test-only fault injection: the child honours ``CHATBOT_MODEL_FAULT`` (``hang-load``,
``hang-encode``, ``crash-load:SIGSEGV``, ``crash-encode:SIGBUS``, ...), so that the tests can make
the model hang or die where a real one would.
"""

from __future__ import annotations

import json
import os
import select
import signal
import struct
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from chatbot.retrieval.semantic import BASE_MODEL, MAX_TOKENS, SemanticModelUnavailable

#: seconds any request may take beyond its size (a question takes 6 ms; a machine under load, 100 ms)
REQUEST_WAIT = 4.0
#: characters a second the slowest acceptable machine still encodes (this one: about 17,000)
MIN_RATE = 2_000.0
#: seconds the child may take to start, load, check and self-test the model (here: under a second)
LOAD_LIMIT = 30.0
LATE_GRACE = 2.0  # seconds a caller past the load limit still waits for the child's first message
#: a bulk call (building vectors) is sent in requests of at most this many texts and characters, so
#: that a question waits for at most one of them
BULK_TEXTS, BULK_CHARS = 32, 12_000
#: calls of at most this many texts are a question's: they go before any waiting bulk request
INTERACTIVE_TEXTS = 8
FAULT_ENV = "CHATBOT_MODEL_FAULT"
_LEN = struct.Struct("<I")
_MAX_HEADER = 256 * 1024 * 1024
_FALLBACK = "answering with keyword search only"
#: a model process that failed is started again after RETRY_AFTER seconds, at most RESTARTS times; one
#: that worked for HEALTHY seconds before it failed gets its RESTARTS tries again (``Restarts``)
RETRY_AFTER, RESTARTS, HEALTHY = 60.0, 3, 3600.0


class Restarts:
    """When a model process that failed may be started again: ``RETRY_AFTER`` seconds after the failure,
    at most ``RESTARTS`` times in a run of failures. One stall on a busy machine must not leave a kiosk
    that runs all day without the model, and a model that keeps failing must not be started forever.
    Used by both model wrappers (retrieval/background.py, retrieval/multilingual.py); the caller locks."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._failed_at: float | None = None  # when the model last failed (None: it has not)
        self._working_since: float | None = None  # when the model in use started answering
        self.count = 0  # restarts in this run of failures

    def working(self) -> None:
        if self._working_since is None:
            self._working_since = self._clock()

    def failed(self) -> None:
        self._failed_at = self._clock()
        if self._working_since is not None and self._failed_at - self._working_since >= HEALTHY:
            self.count = 0  # a failure after hours of work: not one of a run of them
        self._working_since = None

    def take(self) -> bool:
        """Whether it is time to start the failed model again (and, if so, count the try)."""
        if self._failed_at is None or self.count >= RESTARTS or self._clock() - self._failed_at < RETRY_AFTER:
            return False
        self.count += 1
        return True


# -- the wire format: length, JSON header, raw arrays ----------------------------------------------
def _frame(header: dict[str, Any], arrays: Sequence[np.ndarray] = ()) -> list[bytes | memoryview]:
    arrays = [np.ascontiguousarray(a) for a in arrays]
    header = {**header, "arrays": [[a.dtype.str, list(a.shape)] for a in arrays]}
    raw = json.dumps(header, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    return [_LEN.pack(len(raw)), raw, *(a.data.cast("B") for a in arrays if a.size)]


def _arrays_of(header: dict[str, Any], read: Callable[[int], bytes]) -> list[np.ndarray]:
    out = []
    for dtype, shape in header.get("arrays", []):
        dt = np.dtype(dtype)
        if dt.kind not in "biuf" or not all(isinstance(n, int) and n >= 0 for n in shape):
            raise ValueError("bad array in message")
        n = int(np.prod(shape, dtype=np.int64)) * dt.itemsize
        out.append(np.frombuffer(read(n), dtype=dt).reshape(shape) if n else np.zeros(shape, dtype=dt))
    return out


def _header_of(raw: bytes) -> dict[str, Any]:
    header = json.loads(raw.decode("ascii"))
    if not isinstance(header, dict):
        raise ValueError("bad message")
    return header


# -- the parent's side ---------------------------------------------------------------------------
class _Timeout(Exception):
    pass


class _Closed(Exception):
    pass


class _Encoding:
    """What ``static.py`` reads of a ``tokenizers.Encoding``: its ids."""

    __slots__ = ("ids",)

    def __init__(self, ids: np.ndarray) -> None:
        self.ids = ids


class RemoteTokenizer:
    """The model's tokenizer, run in the child: ``encode_batch``, ``get_vocab_size``, ``token_to_id``."""

    def __init__(self, model: IsolatedModel) -> None:
        self._model = model

    def encode_batch(self, texts: Sequence[str], add_special_tokens: bool = True) -> list[_Encoding]:
        texts = list(texts)
        if not texts:
            return []
        _, (lengths, ids) = self._model._call({"op": "tokenize", "texts": texts, "special": add_special_tokens},
                                              work=sum(map(len, texts)) / 20, texts=len(texts))
        ends = np.cumsum(lengths)
        return [_Encoding(ids[e - n:e]) for n, e in zip(lengths.tolist(), ends.tolist(), strict=True)]

    def encode(self, text: str) -> _Encoding:
        return self.encode_batch([text])[0]

    def get_vocab_size(self) -> int:
        return self._model.vocab_size

    def token_to_id(self, token: str) -> int | None:
        reply, _ = self._model._call({"op": "token_id", "token": token})
        value = reply.get("value")
        return value if isinstance(value, int) else None


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["ORT_DISABLE_TELEMETRY"] = "1"  # before onnxruntime is imported: no uploader, no device id
    env.setdefault("OMP_NUM_THREADS", "1")
    # the child imports this package from where the parent did (a checkout, or sys.path changed)
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (env.get("PYTHONPATH", ""), here) if p)
    return env


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the child and reap it, never waiting long (an exiting process must not linger)."""
    try:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=2.0)
    except Exception:
        pass
    for stream in (proc.stdin, proc.stdout):
        try:
            if stream is not None:
                stream.close()
        except Exception:
            pass


class _Wire:
    """The pipe half of ``IsolatedModel``: taking turns, sending a request, reading the answer within
    a deadline, and noting that the child has failed."""

    _cv: threading.Condition
    _busy: bool
    _waiting: int
    _dead: str | None
    _proc: subprocess.Popen[bytes]
    _in: int
    _out: int
    _listeners: list[Callable[[], None]]
    _failure_listeners: list[Callable[[str], None]]
    _finalizer: weakref.finalize
    _loaded: threading.Event
    _info: dict[str, Any]
    #: how messages name the model, and what the chatbot does without it
    label = BASE_MODEL
    kind = "semantic model"
    fallback = _FALLBACK

    def _why(self, what: str) -> str:
        return f"{self.kind} {what}; {self.fallback}"

    def wait_loaded(self, timeout: float = LOAD_LIMIT) -> None:
        raise NotImplementedError

    # -- one request at a time, questions first --------------------------------------------------
    @contextmanager
    def _turn(self, bulk: bool) -> Iterator[None]:
        with self._cv:
            if not bulk:
                self._waiting += 1
            try:
                while self._busy or (bulk and self._waiting):
                    self._cv.wait()
            finally:
                if not bulk:
                    self._waiting -= 1
            self._busy = True
        try:
            yield
        finally:
            with self._cv:
                self._busy = False
                self._cv.notify_all()


    def _ended(self) -> str:
        """Why the child's pipe closed: its exit status, a signal's name for a crash."""
        try:
            code = self._proc.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            return self._why(f"{self.label} stopped answering")
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return self._why(f"{self.label} crashed in its runtime ({name})")
        return self._why(f"{self.label} stopped unexpectedly (exit status {code})")

    def _fail(self, line: str) -> None:
        if self._dead is None or self._dead == self._why("was stopped"):
            self._dead = line
        self._finalizer()
        listeners, self._failure_listeners = self._failure_listeners, []
        for listener in listeners:
            try:
                listener(line)
            except Exception:
                pass

    def _heard(self) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:
                pass

    def _call(self, header: dict[str, Any], arrays: Sequence[np.ndarray] = (), work: float = 0.0,
              texts: int = 0) -> tuple[dict[str, Any], list[np.ndarray]]:
        """One request and its answer within the deadline; the child is killed if it misses it."""
        if not self._loaded.is_set() and self._dead is None:
            self.wait_loaded()
        with self._turn(bulk=texts > INTERACTIVE_TEXTS):
            if self._dead is not None:
                raise SemanticModelUnavailable(self._dead)
            deadline = time.monotonic() + REQUEST_WAIT + work / MIN_RATE
            try:
                self._send(_frame(header, arrays), deadline)
                reply, out = self._receive(deadline)
            except _Timeout:
                self._fail(self._why(f"{self.label} stopped responding (no answer in "
                                   f"{REQUEST_WAIT + work / MIN_RATE:.0f} s)"))
                raise SemanticModelUnavailable(self._dead or "") from None
            except (_Closed, ValueError):
                self._fail(self._ended())
                raise SemanticModelUnavailable(self._dead or "") from None
        self._heard()
        if "error" in reply:  # the child is well; this input could not be encoded
            raise RuntimeError(f"the sentence model could not encode this text ({reply['error']})")
        return reply, out

    def _send(self, parts: list[bytes | memoryview], deadline: float) -> None:
        for part in parts:
            view = memoryview(part).cast("B")
            while len(view):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise _Timeout
                _, ready, _ = select.select([], [self._out], [], left)
                if not ready:
                    continue
                try:
                    n = os.write(self._out, view)
                except BlockingIOError:
                    continue
                except OSError:  # EPIPE: the child is gone
                    raise _Closed from None
                view = view[n:]

    def _read(self, n: int, deadline: float) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _Timeout
            ready, _, _ = select.select([self._in], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(self._in, min(n - len(buf), 1 << 22))
            except BlockingIOError:
                continue
            except OSError:
                raise _Closed from None
            if not chunk:
                raise _Closed
            buf += chunk
        return bytes(buf)

    def _receive(self, deadline: float) -> tuple[dict[str, Any], list[np.ndarray]]:
        (size,) = _LEN.unpack(self._read(_LEN.size, deadline))
        if size > _MAX_HEADER:
            raise ValueError("message too large")
        header = _header_of(self._read(size, deadline))
        return header, _arrays_of(header, lambda k: self._read(k, deadline))

    def _about(self, key: str) -> Any:
        if not self._loaded.is_set():
            self.wait_loaded()
        return self._info[key]


class IsolatedModel(_Wire):
    """The sentence model, loaded and run in a child process (see the module's docstring).

    Starting it returns at once; ``wait_loaded`` waits for the child to say that the model is ready
    (or why it cannot be used). Every call is thread-safe and has a deadline.
    """

    static = False

    def __init__(self, threads: int = 1, command: Sequence[str] | None = None) -> None:
        self._cv = threading.Condition()
        self._busy = False
        self._waiting = 0  # questions waiting for their turn (they go before bulk requests)
        self._dead: str | None = None
        self._info: dict[str, Any] = {}
        self._loaded = threading.Event()
        self._listeners: list[Callable[[], None]] = []
        self._failure_listeners: list[Callable[[str], None]] = []
        self.started = time.monotonic()
        cmd = list(command or [sys.executable, "-m", "chatbot.retrieval.encoder", str(max(1, threads))])
        self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=None if os.environ.get("CHATBOT_MODEL_DEBUG") else subprocess.DEVNULL,
                                      env=_child_env(), close_fds=True)
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._in, self._out = self._proc.stdout.fileno(), self._proc.stdin.fileno()
        os.set_blocking(self._in, False)
        os.set_blocking(self._out, False)
        # killed when this object goes, and at the latest when the interpreter exits: never joined
        self._finalizer = weakref.finalize(self, _kill, self._proc)
        self._finalizer.atexit = True
        self._tokenizer = RemoteTokenizer(self)

    # -- life ------------------------------------------------------------------------------------
    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def problem(self) -> str | None:
        """Why the model can no longer be used (one line), or None."""
        return self._dead

    def on_progress(self, listener: Callable[[], None]) -> None:
        """``listener()`` after every answer from the child (progress: the child is alive and working)."""
        self._listeners.append(listener)

    def on_failure(self, listener: Callable[[str], None]) -> None:
        """``listener(line)`` once, when the child crashes, hangs or is found unusable."""
        self._failure_listeners.append(listener)
        if self._dead is not None:
            listener(self._dead)

    def wait_loaded(self, timeout: float = LOAD_LIMIT) -> None:
        """Wait for the child's first message; raise ``SemanticModelUnavailable`` with one line if
        the model cannot be used (it failed its checks, crashed or did not answer in time)."""
        with self._turn(bulk=False):
            if self._dead is None and not self._loaded.is_set():
                try:
                    # the limit counts from the child's start; a caller that comes late (a big library
                    # read for a minute meanwhile) still reads a "ready" that is waiting in the pipe
                    header, _ = self._receive(max(self.started + timeout, time.monotonic() + LATE_GRACE))
                except _Timeout:
                    self._fail(self._why(f"{self.label} took more than {timeout:.0f} s to load"))
                except (_Closed, ValueError):
                    self._fail(self._ended())
                else:
                    if header.get("op") == "ready" and isinstance(header.get("checksum"), str):
                        self._info = header
                        self._loaded.set()
                    else:
                        reason = header.get("reason")
                        self._fail(reason if isinstance(reason, str) and reason
                                   else self._why(f"{self.label} could not be loaded"))
        if self._dead is not None:
            raise SemanticModelUnavailable(self._dead)
        self._heard()

    def loaded(self) -> bool:
        return self._loaded.is_set() and self._dead is None

    def close(self) -> None:
        """Stop the child now (SIGKILL): nothing it holds needs saving, the parent writes every cache."""
        if self._dead is None:
            self._dead = self._why("was stopped")
        self._finalizer()

    # -- the SemanticModel interface -------------------------------------------------------------
    @property
    def name(self) -> str:
        return str(self._about("name"))

    @property
    def checksum(self) -> str:
        return str(self._about("checksum"))

    @property
    def dim(self) -> int:
        return int(self._about("dim"))

    @property
    def vocab_size(self) -> int:
        return int(self._about("vocab_size"))

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("encode takes a sequence of texts; use encode_query for one text")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        start = 0
        while start < len(texts):  # a bulk call in small requests: a question never waits long
            end, chars = start, 0
            while end < len(texts) and (end == start or (end - start < BULK_TEXTS and chars + len(texts[end]) <= BULK_CHARS)):
                chars += len(texts[end])
                end += 1
            part = texts[start:end]
            # the model reads at most MAX_TOKENS tokens of a text: a long one costs no more than that
            work = sum(min(len(t), 4 * MAX_TOKENS) for t in part)
            _, (vectors,) = self._call({"op": "encode", "texts": part, "batch_size": batch_size},
                                       work=work, texts=len(texts))
            if vectors.shape != (len(part), self.dim):
                self._fail(self._why(f"{self.label} gave vectors of the wrong shape"))
                raise SemanticModelUnavailable(self._dead or "")
            out[start:end] = vectors
            start = end
        return out

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def hidden(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The model's last hidden states for these token ids: (batch, tokens, dim)."""
        ids = np.asarray(ids, dtype=np.int64)
        _, (states,) = self._call({"op": "hidden"}, (ids, np.asarray(mask, dtype=np.int64)),
                                  work=ids.size * 4, texts=len(ids))
        return states

    def token_ids(self, text: str) -> list[int]:
        return [int(i) for i in self._tokenizer.encode(text).ids]


# -- the child's side ------------------------------------------------------------------------------
def _fault(where: str) -> None:
    """Test-only: hang or die here, as ``CHATBOT_MODEL_FAULT`` asks (``hang-load``, ``crash-encode:SIGSEGV``…)."""
    fault = os.environ.get(FAULT_ENV, "")
    kind, _, sig = fault.partition(":")
    if kind == f"hang-{where}":
        threading.Event().wait()
    if kind == f"crash-{where}":
        os.kill(os.getpid(), getattr(signal, sig or "SIGSEGV"))


def _watch_parent(parent: int) -> None:
    """End the child if its parent is gone (even while the model is busy or hung)."""
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)


def serve(threads: int = 1, loader: Callable[[int], Any] | None = None, why: Callable[[str], str] = str,
          label: str = "") -> int:
    """The child: load the model (``loader``, with ``why`` making the one line of a failure naming
    ``label``; by default the sentence model) and answer its requests until EOF."""
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"  # before onnxruntime is imported
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it stops us
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash leaves no core file behind
    except (ImportError, ValueError, OSError):
        pass
    # the protocol owns the original stdout; anything else that writes to fd 1 goes to stderr
    out_fd = os.dup(1)
    os.dup2(2, 1)
    in_fd = 0
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()

    def read(n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            chunk = os.read(in_fd, n - len(buf))
            if not chunk:
                raise EOFError
            buf += chunk
        return bytes(buf)

    def send(header: dict[str, Any], arrays: Sequence[np.ndarray] = ()) -> None:
        for part in _frame(header, arrays):
            view = memoryview(part).cast("B")
            while len(view):
                view = view[os.write(out_fd, view):]

    _fault("load")
    from chatbot.retrieval.semantic import SemanticModelUnavailable as Unavailable

    if loader is None:  # the sentence model
        from chatbot.retrieval.semantic import BASE_MODEL, _reason, load_model

        loader, why, label = load_model, _reason, BASE_MODEL
    try:
        model: Any = loader(threads)
    except Unavailable as exc:
        send({"op": "failed", "reason": str(exc)})
        return 0
    except Exception as exc:
        send({"op": "failed", "reason": why(f"{label} could not be loaded ({type(exc).__name__})")})
        return 0
    tokenizer: Any = getattr(model, "_tokenizer", None)
    send({"op": "ready", "name": model.name, "checksum": model.checksum, "dim": model.dim,
          "vocab_size": tokenizer.get_vocab_size() if tokenizer is not None else 0, "pid": os.getpid()})
    while True:
        try:
            (size,) = _LEN.unpack(read(_LEN.size))
            header = _header_of(read(size))
            arrays = _arrays_of(header, read)
        except EOFError:
            return 0
        op = header.get("op")
        if op == "quit":
            return 0
        try:
            if op in ("encode", "hidden", "tokenize"):
                _fault("encode")
            if op in ("hidden", "tokenize", "token_id") and tokenizer is None:
                send({"op": "error", "error": "not this model"})
            elif op == "encode":
                send({"op": "vectors"}, [model.encode(list(header["texts"]), int(header.get("batch_size", 32)))])
            elif op == "hidden":
                send({"op": "hidden"}, [np.asarray(model.hidden(arrays[0], arrays[1]), dtype=np.float32)])
            elif op == "tokenize":
                encodings = tokenizer.encode_batch(list(header["texts"]), add_special_tokens=bool(header.get("special")))
                ids = [e.ids for e in encodings]
                flat = np.fromiter((i for row in ids for i in row), dtype=np.int64, count=sum(map(len, ids)))
                send({"op": "tokens"}, [np.asarray([len(r) for r in ids], dtype=np.int64), flat])
            elif op == "token_id":
                send({"op": "token_id", "value": tokenizer.token_to_id(str(header.get("token")))})
            else:
                send({"op": "error", "error": "unknown request"})
        except Exception as exc:  # this input failed; the model is still fine
            send({"op": "error", "error": type(exc).__name__})


if __name__ == "__main__":
    raise SystemExit(serve(int(sys.argv[1]) if len(sys.argv) > 1 else 1))
