"""Parity of our inverted index with rank_bm25.BM25Plus, on the real corpus and random corpora."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rank_bm25 import BM25Plus

from chatbot.articles.index import BM25Index


def _check(docs: list[list[str]], queries: list[list[str]], k1: float = 1.2, b: float = 0.75, delta: float = 1.0) -> None:
    ours = BM25Index.build(docs, k1, b, delta)
    ref = BM25Plus(docs, k1=k1, b=b, delta=delta)
    for q in queries:
        a, r = ours.get_scores(q), ref.get_scores(q)
        assert np.max(np.abs(a - r)) <= 1e-9
        assert list(np.argsort(-a, kind="stable")) == list(np.argsort(-r, kind="stable"))


def test_parity_on_the_bundled_articles(engine) -> None:
    from chatbot.articles.knowledge import build
    from chatbot.config import Settings

    kb = build(None, Settings())
    analyzer = engine.analyzer
    docs = [analyzer.document_terms(t) for t in kb.texts]
    questions = ["how long does an infusion last", "is ketamine addictive like opioids", "fibromyalgia crps",
                 "insurance medicare coverage", "what is ketamine", "zzz unknown words only", "pain pain pain"]
    _check(docs, [analyzer.query_terms(q.split()) for q in questions])


@pytest.mark.parametrize("seed", range(8))
def test_parity_on_random_corpora(seed: int) -> None:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(rng.randint(5, 300))]
    docs = [[rng.choice(vocab[: rng.randint(1, len(vocab))]) for _ in range(rng.randint(1, 60))]
            for _ in range(rng.randint(1, 120))]
    queries = [[rng.choice(vocab) for _ in range(rng.randint(1, 6))] + ["absent"] for _ in range(20)]
    k1, b, delta = rng.uniform(0.5, 2.0), rng.uniform(0, 1), rng.choice([0.5, 1.0])
    _check(docs, queries, k1, b, delta)


def test_matched_scores_are_zero_without_shared_terms() -> None:
    idx = BM25Index.build([["a", "b"], ["c"]])
    assert idx.matched_scores(["c"]).tolist()[0] == 0.0
    assert idx.top(idx.matched_scores(["zzz"]), 3) == []
    assert idx.contains("a", 0) and not idx.contains("a", 1)


def test_idf_falls_steadily_with_document_frequency() -> None:
    """The reason for BM25Plus over BM25Okapi (whose floor breaks this on small corpora)."""
    docs = [["common"] * 1 + (["mid"] if i < 20 else []) + (["half"] if i < 31 else []) for i in range(60)]
    idx = BM25Index.build(docs)
    assert idx.term_idf("mid") > idx.term_idf("half") > idx.term_idf("common") > 0
