"""Issue 24, items 3 and 4: big libraries finish, once. The full model's vectors are built in
checkpoints: a stopped build goes on from the last one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from chatbot.retrieval import dense


class CountingModel:
    """A stand-in model (fast and exact): a text's vector from its hash; it can be told to crash."""

    name, dim, checksum = "counting", 16, "c" * 64

    def __init__(self, crash_after: int | None = None) -> None:
        self.encoded: list[str] = []
        self.crash_after = crash_after

    def encode(self, texts: list[str]) -> np.ndarray:
        if self.crash_after is not None and len(self.encoded) >= self.crash_after:
            raise RuntimeError("the model's process died")
        self.encoded += texts
        out = np.stack([np.random.default_rng(abs(hash(t)) % 2**32).normal(size=self.dim) for t in texts])
        return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


def test_a_stopped_build_goes_on_from_its_checkpoint(small_kb, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(dense, "CHUNK", 2)
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    texts, many = dense.texts_to_encode(small_kb)
    total = len(texts) + len(many)
    assert total >= 5
    stopped = CountingModel(crash_after=2)
    with pytest.raises(RuntimeError):
        dense.passage_vectors(small_kb, stopped, cache)  # type: ignore[arg-type]
    assert len(stopped.encoded) == 2 and not list(cache.glob("vec-*.npz"))
    again = CountingModel()
    done = dense.passage_vectors(small_kb, again, cache)  # type: ignore[arg-type]
    assert len(again.encoded) == total - 2  # the first checkpoint was not encoded again
    whole = CountingModel().encode(texts + [s for _, s in many])
    np.testing.assert_allclose(np.vstack([done.vectors, done.sentence_vectors]), whole, atol=1e-6)
    assert list(cache.glob("vec-*.npz")) and not list(cache.glob("vecparts-*"))  # checkpoints folded in
