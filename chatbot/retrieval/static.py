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
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

TABLE_FORMAT = 1
T = TypeVar("T")
BATCH = 1024


@dataclass
class TokenTable:
    """What the cache holds: one vector per token id (float16)."""

    model_checksum: str
    vectors: np.ndarray


def derive_table(model: Any) -> np.ndarray:
    """Every token of the model's vocabulary run through it alone, its output at its own position:
    (vocabulary size, dim) float16. (Its output at its own position finds passages better than the
    pooled output of [CLS] token [SEP]: hit@3 0.52 against 0.46 on our labelled questions.)"""
    tokenizer = model._tokenizer
    size = tokenizer.get_vocab_size()
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    if cls_id is None or sep_id is None:
        raise ValueError("the tokenizer has no [CLS] or [SEP] token")
    out = np.zeros((size, model.dim), dtype=np.float32)
    for start in range(0, size, BATCH):
        ids = np.arange(start, min(size, start + BATCH), dtype=np.int64)
        x = np.stack([np.full(len(ids), cls_id), ids, np.full(len(ids), sep_id)], axis=1)
        out[start : start + len(ids)] = model.hidden(x, np.ones_like(x))[:, 1]
    return out.astype(np.float16)


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


def token_table(model: Any, cache_folder: Path | None) -> np.ndarray:
    """The token table, from the cache when it was made by this model; else derived (and cached)."""
    shape = (model._tokenizer.get_vocab_size(), model.dim)
    path = cache_folder / f"tokens-{model.checksum[:16]}.npz" if cache_folder is not None else None
    table = _cached(path, TokenTable, {"format": str(TABLE_FORMAT), "model": model.checksum},
                    lambda t: (t.model_checksum == model.checksum and t.vectors.dtype == np.float16
                               and t.vectors.shape == shape and bool(np.all(np.isfinite(t.vectors)))),
                    lambda: TokenTable(model.checksum, derive_table(model)))
    return table.vectors


def _token_ids(tokenizer: Any, texts: Sequence[str], chunk: int = 2_000) -> Iterator[np.ndarray]:
    """Each text's token ids, tokenized a chunk at a time: the tokenizer's objects for 100,000
    passages at once would take a gigabyte."""
    for start in range(0, len(texts), chunk):
        for enc in tokenizer.encode_batch(list(texts[start : start + chunk]), add_special_tokens=False):
            yield np.asarray(enc.ids, dtype=np.int64)


class StaticModel:
    """The SemanticModel interface (chatbot/retrieval/semantic.py) over static token vectors weighted by IDF."""

    static = True  # the ranking model's "static" coefficients apply

    def __init__(self, model: Any, table: np.ndarray, idf: np.ndarray) -> None:
        """``idf``: each token's weight, from the library's passages (``token_idf``)."""
        if table.ndim != 2 or idf.shape != (len(table),) or not np.all(np.isfinite(idf)):
            raise ValueError("token weights do not fit the token table")
        self._tokenizer = model._tokenizer
        self._table = table.astype(np.float32)
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
            v = self._idf[ids] @ self._table[ids]
            norm = float(np.linalg.norm(v))
            if norm > 0 and math.isfinite(norm):
                out[row] = v / norm
        return out

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


@dataclass
class StaticVectors:
    """What the cache holds for one library: its token weights and its passages' static vectors."""

    texts_digest: str
    model_checksum: str
    idf: np.ndarray
    vectors: np.ndarray


def static_scorer_parts(kb: Any, model: Any, cache_folder: Path | None) -> tuple[StaticModel, np.ndarray]:
    """The static model for this library and its passages' vectors, from the cache when it is for
    these passages and this model (no pass over the library at a warm start)."""
    from chatbot.articles.knowledge import passage_texts, texts_digest

    table = token_table(model, cache_folder)
    digest = texts_digest(kb.texts, kb.sections)
    path = cache_folder / f"static-{digest[:32]}-{model.checksum[:16]}.npz" if cache_folder is not None else None

    def make() -> StaticVectors:
        texts = passage_texts(kb)
        idf = StaticModel.token_idf(model, texts)
        return StaticVectors(digest, model.checksum, idf, StaticModel(model, table, idf).encode(texts))

    found = _cached(path, StaticVectors, {"format": str(TABLE_FORMAT), "model": model.checksum},
                    lambda v: (v.texts_digest == digest and v.model_checksum == model.checksum
                               and v.vectors.dtype == np.float32 and v.vectors.shape == (len(kb.texts), model.dim)
                               and v.idf.shape == (len(table),) and bool(np.all(np.isfinite(v.vectors)))),
                    make)
    return StaticModel(model, table, found.idf), found.vectors
