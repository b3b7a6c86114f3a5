"""Static token vectors for a big library (chatbot/retrieval/static.py): what they are, their cache, and their use."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from chatbot.engine import Engine
from chatbot.infra import store
from chatbot.retrieval.static import TABLE_FORMAT, StaticModel, TokenTable, derive_table, static_scorer_parts, token_table


@pytest.fixture(scope="module")
def model():
    from chatbot.retrieval.semantic import load_model

    return load_model()


class FakeModel:
    """The real tokenizer, and a made-up network: the hidden state of a token is a function of its id."""

    def __init__(self, real) -> None:
        self._tokenizer = real._tokenizer
        self.dim = 8
        self.checksum = "f" * 64
        self.name = "fake"
        self.runs = 0

    def hidden(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        self.runs += 1
        return np.sin(ids[:, :, None] * (np.arange(self.dim) + 1.0)).astype(np.float32)


def test_each_token_gets_its_own_output(model) -> None:
    fake = FakeModel(model)
    table = derive_table(fake)
    assert table.shape == (model._tokenizer.get_vocab_size(), 8) and table.dtype == np.float16
    tid = model._tokenizer.token_to_id("pain")
    np.testing.assert_allclose(table[tid], np.sin(tid * (np.arange(8) + 1.0)), atol=1e-3)


def test_the_table_is_cached_and_a_damaged_cache_is_derived_again(model, tmp_path: Path) -> None:
    fake = FakeModel(model)
    first = token_table(fake, tmp_path)
    runs = fake.runs
    again = token_table(fake, tmp_path)
    assert fake.runs == runs and np.array_equal(first, again)  # from the cache, not run again
    (cached,) = tmp_path.glob("tokens-*.npz")
    cached.write_bytes(cached.read_bytes()[:1000])
    assert np.array_equal(token_table(fake, tmp_path), first) and fake.runs > runs
    other = FakeModel(model)
    other.checksum = "e" * 64  # another model: its own table, never this one
    store.save(tmp_path / f"tokens-{other.checksum[:16]}.npz", TokenTable(fake.checksum, first),
               {"format": str(TABLE_FORMAT), "model": fake.checksum})
    before = other.runs
    token_table(other, tmp_path)
    assert other.runs > before


def test_rare_tokens_weigh_more_and_vectors_are_unit_length(model) -> None:
    fake = FakeModel(model)
    texts = ["pain relief", "pain dose", "pain bladder"]
    idf = StaticModel.token_idf(fake, texts)
    tok = model._tokenizer
    assert None not in (tok.token_to_id("bladder"), tok.token_to_id("pain"))
    assert idf[tok.token_to_id("bladder")] > idf[tok.token_to_id("pain")]
    static = StaticModel(fake, derive_table(fake), idf)
    v = static.encode(["bladder problems", ""])
    assert np.linalg.norm(v[0]) == pytest.approx(1.0, abs=1e-5) and not v[1].any()
    assert static.checksum != fake.checksum and static.static
    with pytest.raises(ValueError):
        StaticModel(fake, derive_table(fake), idf[:10])


def test_a_library_over_the_limit_is_searched_with_static_vectors(tmp_path: Path, settings, small_kb, model) -> None:
    small = replace(settings, semantic_max_passages=1, min_confidence=0.0, cache_dir=str(tmp_path / "cache"))
    kb = small_kb
    cache = tmp_path / "vectors"
    cache.mkdir(mode=0o700)
    e = Engine(kb, small, cache_folder=cache)
    scorer = e.semantic.get()
    assert scorer is not None and scorer.static and scorer.memory is None
    # meaning without a shared word: the static vectors put driving first, and the engine answers
    cosine = scorer.scores("is it ok to get behind the wheel afterwards").cosine
    assert "drive" in kb.texts[int(np.argmax(cosine))]
    answer = e.ask("is it ok to get behind the wheel afterwards")
    assert answer.status == "answered" and "drive" in answer.hits[0].passage.text
    assert e.search_mode == "hybrid" and e.semantic.static
    # a second start reads the library's token weights and vectors from the cache
    assert list(cache.glob("static-*.npz")) and list(cache.glob("tokens-*.npz"))
    fast, vectors = static_scorer_parts(kb, model, cache)
    np.testing.assert_allclose(vectors, scorer.vectors)
    np.testing.assert_allclose(fast.encode(["drive"]), scorer.model.encode(["drive"]))
