"""BM25 over passages: an inverted index that reproduces rank-bm25's ``BM25Plus`` scores exactly.

Why BM25Plus: ``BM25Okapi`` floors the IDF of any term found in more than half the passages to
``epsilon * mean IDF``, so on a small corpus a word in 31 of 60 passages can outweigh one in 20 of
60. BM25Plus's IDF, ``log((N + 1) / df)``, is positive and falls steadily with document frequency.
Its ``delta`` adds ``idf * delta`` to every passage for each query term known to the corpus: the
same for all passages, so it shifts scores but never changes their order; ``matched`` scores below
leave it out. k1 = 1.2 (a paragraph that says a word twice is not twice as relevant) and b = 0.75.

rank-bm25 visits every passage for every query term; here each term keeps a postings list (the
passages that contain it and their precomputed term weight), so a question costs time in proportion
to the passages that share its words. ``tests/test_index.py`` checks parity with rank-bm25.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass
class BM25Index:
    """Postings for every term, stored as flat arrays sliced by ``offsets``."""

    vocab: dict[str, int]
    idf: np.ndarray  # float64, one per term
    offsets: np.ndarray  # int64, len(vocab) + 1
    post_docs: np.ndarray  # int32 passage ids, ascending within a term
    post_weight: np.ndarray  # float64: tf * (k1 + 1) / (k1 * norm(d) + tf)
    post_mask: np.ndarray  # uint64: bit i set when the term is in sentence i of the passage (0-63)
    doc_len: np.ndarray  # int32
    n_docs: int
    avgdl: float
    k1: float
    b: float
    delta: float

    @classmethod
    def build(cls, documents: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75,
              delta: float = 1.0, sentence_masks: Sequence[dict[str, int]] | None = None) -> BM25Index:
        """Index token lists; ``sentence_masks[d]`` maps a term to the sentences of passage d holding it."""
        if not documents:
            raise ValueError("cannot index an empty corpus")
        vocab: dict[str, int] = {}
        docs_of: list[array] = []
        tfs_of: list[array] = []
        masks_of: list[array] = []
        doc_len = np.zeros(len(documents), dtype=np.int32)
        for d, doc in enumerate(documents):
            doc_len[d] = len(doc)
            masks = sentence_masks[d] if sentence_masks is not None else {}
            for term, tf in Counter(doc).items():
                tid = vocab.get(term)
                if tid is None:
                    tid = vocab[term] = len(vocab)
                    docs_of.append(array("i"))
                    tfs_of.append(array("i"))
                    masks_of.append(array("Q"))
                docs_of[tid].append(d)
                tfs_of[tid].append(tf)
                masks_of[tid].append(masks.get(term, 0))
        n = len(documents)
        avgdl = float(doc_len.sum()) / n
        df = np.fromiter((len(x) for x in docs_of), dtype=np.int64, count=len(docs_of))
        offsets = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(df, out=offsets[1:])
        post_docs = np.empty(int(offsets[-1]), dtype=np.int32)
        tf_all = np.empty(int(offsets[-1]), dtype=np.float64)
        post_mask = np.empty(int(offsets[-1]), dtype=np.uint64)
        for tid in range(len(vocab)):
            lo, hi = offsets[tid], offsets[tid + 1]
            post_docs[lo:hi] = np.frombuffer(docs_of[tid], dtype=np.int32)
            tf_all[lo:hi] = np.frombuffer(tfs_of[tid], dtype=np.int32)
            post_mask[lo:hi] = np.frombuffer(masks_of[tid], dtype=np.uint64)
        del docs_of, tfs_of, masks_of
        norm = k1 * (1 - b + b * doc_len.astype(np.float64) / avgdl)
        post_weight = (tf_all * (k1 + 1)) / (norm[post_docs] + tf_all)
        idf = np.log((n + 1) / df.astype(np.float64))
        return cls(vocab, idf, offsets, post_docs, post_weight, post_mask, doc_len, n, avgdl, k1, b, delta)

    def check(self) -> None:
        """Raise ``ValueError`` unless the arrays are consistent (types, lengths, ranges, finite)."""
        v, n = len(self.vocab), self.n_docs
        expected = {"idf": ("f", (v,)), "offsets": ("i", (v + 1,)), "doc_len": ("i", (n,))}
        for name, (kind, shape) in expected.items():
            a = getattr(self, name)
            if a.dtype.kind != kind or a.shape != shape:
                raise ValueError(f"index {name} has the wrong type or length")
        total = int(self.offsets[-1]) if v else 0
        for name, kind in (("post_docs", "i"), ("post_weight", "f"), ("post_mask", "u")):
            a = getattr(self, name)
            if a.dtype.kind != kind or a.shape != (total,):
                raise ValueError(f"index {name} has the wrong type or length")
        if int(self.offsets[0]) != 0 or (np.diff(self.offsets) < 0).any():
            raise ValueError("index offsets are not ascending")
        if total and (int(self.post_docs.min()) < 0 or int(self.post_docs.max()) >= n):
            raise ValueError("index passage ids out of range")
        if sorted(self.vocab.values()) != list(range(v)):
            raise ValueError("index vocabulary ids are not 0..n-1")
        numbers = (self.avgdl, self.k1, self.b, self.delta)
        if not (np.isfinite(self.idf).all() and np.isfinite(self.post_weight).all()
                and all(np.isfinite(x) for x in numbers)):
            raise ValueError("index holds a value that is not finite")

    def term_idf(self, term: str) -> float | None:
        tid = self.vocab.get(term)
        return None if tid is None else float(self.idf[tid])

    def matched_scores(self, query: Sequence[str]) -> np.ndarray:
        """BM25Plus scores without the constant ``delta`` part: 0 for passages sharing no term."""
        scores = np.zeros(self.n_docs, dtype=np.float64)
        for term in query:
            tid = self.vocab.get(term)
            if tid is None:
                continue
            lo, hi = self.offsets[tid], self.offsets[tid + 1]
            scores[self.post_docs[lo:hi]] += self.idf[tid] * self.post_weight[lo:hi]
        return scores

    def constant(self, query: Sequence[str]) -> float:
        """What BM25Plus adds to every passage: ``idf * delta`` for each known query term."""
        return sum(float(self.idf[self.vocab[t]]) * self.delta for t in query if t in self.vocab)

    def get_scores(self, query: Sequence[str]) -> np.ndarray:
        """Exactly ``rank_bm25.BM25Plus(documents, k1, b, delta).get_scores(query)``."""
        return self.matched_scores(query) + self.constant(query)

    def contains(self, term: str, doc: int) -> bool:
        return self.sentence_masks(term, np.asarray([doc], dtype=np.int32))[0] >= 0

    def sentence_masks(self, term: str, docs: np.ndarray) -> list[int]:
        """For each of ``docs`` (ascending or not): the term's sentence mask there, or -1 if absent."""
        tid = self.vocab.get(term)
        if tid is None:
            return [-1] * len(docs)
        lo, hi = int(self.offsets[tid]), int(self.offsets[tid + 1])
        plist = self.post_docs[lo:hi]
        pos = np.searchsorted(plist, docs)
        pos_c = np.minimum(pos, hi - lo - 1)
        found = plist[pos_c] == docs
        masks = self.post_mask[lo:hi][pos_c]
        return [int(m) if f else -1 for m, f in zip(masks.tolist(), found.tolist(), strict=True)]

    def top(self, scores: np.ndarray, k: int) -> list[int]:
        """Ids of the k best positive scores, best first (ties: lower id first)."""
        k = min(k, self.n_docs)
        if k <= 0:
            return []
        if self.n_docs > 4 * k:
            cand = np.argpartition(-scores, k - 1)[:k]
        else:
            cand = np.arange(self.n_docs)
        order = sorted(cand.tolist(), key=lambda d: (-scores[d], d))[:k]
        return [d for d in order if scores[d] > 0]

