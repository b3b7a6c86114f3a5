"""Static token vectors: the sentence model's meaning at the cost of a table look-up, for big libraries.

Running the sentence model over every passage takes about 15 ms a passage on two cores, so a library
of 100,000 passages would take half an hour to index. For a library over ``semantic_max_passages``
the chatbot uses instead one vector per WordPiece token, taken from the model itself: each of its
30,522 tokens is run through it once, alone (``[CLS] token [SEP]``), which takes about 15 s and is
cached as data under the model's checksum. A text's vector is then the sum of its tokens' vectors,
each weighted by the token's inverse document frequency in the library (so "the" and "ketamine"
count for little in a ketamine library), scaled to unit length. This is the idea of Model2Vec
(Tulkens and van Dongen, 2024), without its extra training. It understands far less than the model
run in full (the ranking model has coefficients of its own for it, "static"), but far more than no
model at all: "can i get behind the wheel" still finds the paragraph about driving.

A token's row depends on that token alone, so rows are derived when first needed: those of the
library's own tokens when its vectors are built (a few thousand, a few seconds), a question's other
tokens when it is asked (a handful, a few milliseconds). The table in the cache keeps every row
derived so far and which ones they are.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

TABLE_FORMAT = 2
T = TypeVar("T")
BATCH = 1024
Progress = Callable[[int, int], None]  # (done, total)


@dataclass
class TokenTable:
    """What the cache holds: one vector per token id (float16); rows not derived yet are zero."""

    model_checksum: str
    vectors: np.ndarray
    known: np.ndarray | None = None  # uint8 per token: 1 where the row is derived (None: every row)


def _special(tokenizer: Any) -> tuple[int, int]:
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    if cls_id is None or sep_id is None:
        raise ValueError("the tokenizer has no [CLS] or [SEP] token")
    return int(cls_id), int(sep_id)


def derive_rows(model: Any, ids: np.ndarray, progress: Progress | None = None,
                special: tuple[int, int] | None = None) -> np.ndarray:
    """The rows of the token table for ``ids``: each token run through the model alone, its output
    at its own position, float16. (Its output at its own position finds passages better than the
    pooled output of [CLS] token [SEP]: hit@3 0.52 against 0.46 on our labelled questions.)"""
    cls_id, sep_id = special or _special(model._tokenizer)
    ids = np.asarray(ids, dtype=np.int64)
    out = np.zeros((len(ids), model.dim), dtype=np.float32)
    for start in range(0, len(ids), BATCH):
        part = ids[start : start + BATCH]
        x = np.stack([np.full(len(part), cls_id), part, np.full(len(part), sep_id)], axis=1)
        out[start : start + len(part)] = model.hidden(x, np.ones_like(x))[:, 1]
        if progress is not None:
            progress(start + len(part), len(ids))
    return out.astype(np.float16)


def derive_table(model: Any) -> np.ndarray:
    """Every token of the model's vocabulary: (vocabulary size, dim) float16."""
    return derive_rows(model, np.arange(model._tokenizer.get_vocab_size(), dtype=np.int64))


def _cached(path: Path | None, cls: type[T], stamps: dict[str, str], valid: Callable[[T], bool],
            make: Callable[[], T]) -> T:
    """``cls`` from the data-only cache file ``path`` if it is there and ``valid``; else made and saved
    (a missing, corrupt or foreign file is made afresh; a read-only cache only costs the next start)."""
    from chatbot.infra import store

    if path is not None:
        try:
            cached = store.load(path, cls, stamps)
            if valid(cached):
                return cached
        except Exception:
            pass
    made = make()
    if path is not None:
        try:
            store.save(path, made, stamps)
        except Exception:
            pass
    return made


def _table_path(model: Any, cache_folder: Path | None) -> Path | None:
    return cache_folder / f"tokens-{model.checksum[:16]}.npz" if cache_folder is not None else None


def partial_table(model: Any, cache_folder: Path | None, ids: np.ndarray | None = None,
                  progress: Progress | None = None) -> TokenTable:
    """The token table with (at least) the rows of ``ids`` derived (None: every row): the rows
    cached for this model, and the missing ones derived now and added to the cache."""
    from chatbot.infra import store

    size = model._tokenizer.get_vocab_size()
    shape = (size, model.dim)
    path = _table_path(model, cache_folder)
    stamps = {"format": str(TABLE_FORMAT), "model": model.checksum}
    table: TokenTable | None = None
    if path is not None:
        try:
            found = store.load(path, TokenTable, stamps)
            known = found.known
            if (found.model_checksum == model.checksum and found.vectors.dtype == np.float16
                    and found.vectors.shape == shape and bool(np.all(np.isfinite(found.vectors)))
                    and (known is None or (known.shape == (size,) and known.dtype == np.uint8))):
                table = found
        except Exception:  # missing, damaged or foreign: derived afresh
            pass
    if table is None:
        table = TokenTable(model.checksum, np.zeros(shape, dtype=np.float16), np.zeros(size, dtype=np.uint8))
    wanted = np.arange(size, dtype=np.int64) if ids is None else np.unique(np.asarray(ids, dtype=np.int64))
    missing = wanted[:0] if table.known is None else wanted[table.known[wanted] == 0]  # None: every row is there
    if len(missing):
        vectors = np.array(table.vectors)  # writable: a loaded array may not be
        vectors[missing] = derive_rows(model, missing, progress)
        known = np.ones(size, dtype=np.uint8) if table.known is None else np.array(table.known)
        known[missing] = 1
        table = TokenTable(model.checksum, vectors, None if known.all() else known)
        if path is not None:
            try:
                store.save(path, table, stamps)
            except Exception:
                pass  # a read-only cache still answers; only the next start is slower
    return table


def token_table(model: Any, cache_folder: Path | None) -> np.ndarray:
    """The whole token table, from the cache when it was made by this model; else derived (and cached)."""
    return partial_table(model, cache_folder).vectors


def _token_ids(tokenizer: Any, texts: Sequence[str], chunk: int = 2_000) -> Iterator[np.ndarray]:
    """Each text's token ids, tokenized a chunk at a time: the tokenizer's objects for 100,000
    passages at once would take a gigabyte."""
    for start in range(0, len(texts), chunk):
        for enc in tokenizer.encode_batch(list(texts[start : start + chunk]), add_special_tokens=False):
            yield np.asarray(enc.ids, dtype=np.int64)


class StaticModel:
    """The SemanticModel interface (chatbot/retrieval/semantic.py) over static token vectors weighted by IDF."""

    static = True  # the ranking model's "static" coefficients apply

    def __init__(self, model: Any, table: np.ndarray, idf: np.ndarray, known: np.ndarray | None = None) -> None:
        """``idf``: each token's weight, from the library's passages (``token_idf``). ``known``: which
        rows of ``table`` are derived (None: all); the others are derived through ``model`` when a
        text first uses them."""
        if table.ndim != 2 or idf.shape != (len(table),) or not np.all(np.isfinite(idf)) \
                or (known is not None and known.shape != (len(table),)):
            raise ValueError("token weights do not fit the token table")
        self._model = model
        self._tokenizer = model._tokenizer
        self._table = table.astype(np.float32)
        self._known = None if known is None or known.all() else known.astype(bool)
        self._lock = threading.Lock()
        self._special: tuple[int, int] | None = None
        self._idf = idf.astype(np.float64)
        self._dim = int(model.dim)
        self._checksum = hashlib.sha256(model.checksum.encode() + b"\0static1\0").hexdigest()
        self._base = model.name

    @classmethod
    def token_idf(cls, model: Any, texts: Sequence[str]) -> np.ndarray:
        """Each token's inverse document frequency over ``texts`` (smoothed: unused tokens count most)."""
        size = model._tokenizer.get_vocab_size()
        df = np.zeros(size, dtype=np.float64)
        for ids in _token_ids(model._tokenizer, texts):
            df[np.unique(ids)] += 1
        n = max(1, len(texts))
        return np.log((n + 1) / (df + 1)) + 1.0

    @property
    def name(self) -> str:
        return f"{self._base} (static token vectors)"

    @property
    def checksum(self) -> str:
        """Differs from the model's own: static and full vectors never mix in a cache."""
        return self._checksum

    @property
    def dim(self) -> int:
        return self._dim

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("encode takes a sequence of texts; use encode_query for one text")
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        if not len(texts):
            return out
        for row, ids in enumerate(_token_ids(self._tokenizer, texts)):
            if not len(ids):
                continue
            if self._known is not None:
                self._derive(ids)
            v = self._idf[ids] @ self._table[ids]
            norm = float(np.linalg.norm(v))
            if norm > 0 and math.isfinite(norm):
                out[row] = v / norm
        return out

    def _derive(self, ids: np.ndarray) -> None:
        """Derive the rows of ``ids`` that are not yet in the table (a question's rare words)."""
        known = self._known
        if known is None or known[ids].all():
            return
        with self._lock:
            missing = np.unique(ids[~known[ids]])
            if len(missing):
                self._special = self._special or _special(self._tokenizer)
                self._table[missing] = derive_rows(self._model, missing, special=self._special).astype(np.float32)
                known[missing] = True

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


@dataclass
class StaticVectors:
    """What the cache holds for one library: its token weights and its passages' static vectors."""

    texts_digest: str
    model_checksum: str
    idf: np.ndarray
    vectors: np.ndarray


def static_path(kb: Any, model: Any, cache_folder: Path | None) -> Path | None:
    """The cache file of a library's static vectors under a model."""
    from chatbot.articles.knowledge import vectors_digest

    if cache_folder is None:
        return None
    return cache_folder / f"static-{vectors_digest(kb)[:32]}-{model.checksum[:16]}.npz"


def static_scorer_parts(kb: Any, model: Any, cache_folder: Path | None,
                        progress: Callable[[str, int, int], None] | None = None) -> tuple[StaticModel, np.ndarray]:
    """The static model for this library and its passages' vectors, from the cache when it is for
    these passages and this model (no pass over the library at a warm start). ``progress(step, done,
    total)`` is told how the build goes: "tokens" (rows of the token table), "passages"."""
    from chatbot.articles.knowledge import passage_texts, vectors_digest

    size = model._tokenizer.get_vocab_size()
    digest = vectors_digest(kb)
    path = static_path(kb, model, cache_folder)

    def tell(step: str) -> Progress | None:
        return None if progress is None else (lambda done, total: progress(step, done, total))

    def make() -> StaticVectors:
        texts = passage_texts(kb)
        idf = StaticModel.token_idf(model, texts)
        used = np.flatnonzero(idf < idf.max())  # the tokens the passages use (the others weigh most)
        table = partial_table(model, cache_folder, used, tell("tokens"))
        static = StaticModel(model, table.vectors, idf, table.known)
        vectors = np.zeros((len(texts), model.dim), dtype=np.float32)
        step = 2_000
        for start in range(0, len(texts), step):
            vectors[start : start + step] = static.encode(texts[start : start + step])
            if progress is not None:
                progress("passages", min(len(texts), start + step), len(texts))
        return StaticVectors(digest, model.checksum, idf, vectors)

    found = _cached(path, StaticVectors, {"format": str(TABLE_FORMAT), "model": model.checksum},
                    lambda v: (v.texts_digest == digest and v.model_checksum == model.checksum
                               and v.vectors.dtype == np.float32 and v.vectors.shape == (len(kb.texts), model.dim)
                               and v.idf.shape == (size,) and bool(np.all(np.isfinite(v.vectors)))),
                    make)
    used = np.flatnonzero(found.idf < found.idf.max())
    table = partial_table(model, cache_folder, used, tell("tokens"))  # from the cache: derived with the vectors
    return StaticModel(model, table.vectors, found.idf, table.known), found.vectors
