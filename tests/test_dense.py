"""Hybrid retrieval: the sentence model's passage vectors, their cache, the shipped vectors of the
bundled articles, the keyword-only fallback, and the fitted ranking model."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from chatbot.articles.knowledge import open_knowledge, vectors_digest
from chatbot.config import Settings
from chatbot.data import DATA_DIR
from chatbot.engine import Engine
from chatbot.infra import store
from chatbot.retrieval.background import Background
from chatbot.retrieval.dense import BUNDLED, VECTORS_FORMAT, PassageVectors, passage_vectors
from chatbot.retrieval.ranking import MODEL_FILE, RankingModel
from chatbot.retrieval.search import clauses

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def model():
    from chatbot.retrieval.semantic import load_model

    return load_model()


def test_shipped_vectors_are_current_and_reproducible(engine, model) -> None:
    kb = engine.kb
    shipped = store.load(DATA_DIR / BUNDLED, PassageVectors, {"format": str(VECTORS_FORMAT), "model": model.checksum})
    assert shipped.texts_digest == vectors_digest(kb), "run scripts/embed_bundled.py"
    fresh = model.encode([f"{kb.sections[i]}. {kb.texts[i]}" if kb.sections[i] else kb.texts[i] for i in range(5)])
    assert np.min(np.sum(fresh * shipped.vectors[:5], axis=1)) > 0.999


def test_vectors_are_cached_and_a_cache_for_another_model_is_not_served(small_kb, model, tmp_path: Path) -> None:
    cache = tmp_path / "vectors"
    cache.mkdir(mode=0o700)
    v = passage_vectors(small_kb, model, cache)
    files = list(cache.glob("vec-*.npz"))
    assert len(files) == 1 and v.vectors.shape == (len(small_kb.texts), model.dim)
    again = passage_vectors(small_kb, model, cache)
    assert np.array_equal(again.vectors, v.vectors)

    class Other:
        name, dim, checksum = "other", model.dim, "0" * 64

        def encode(self, texts):
            out = np.zeros((len(texts), model.dim), dtype=np.float32)
            out[:, 0] = 1.0
            return out

    other = passage_vectors(small_kb, Other(), cache)  # type: ignore[arg-type]
    assert np.allclose(other.vectors[:, 0], 1.0)  # recomputed with the other model, not the cached vectors


def test_tampered_vector_cache_is_recomputed(small_kb, model, tmp_path: Path) -> None:
    cache = tmp_path / "vectors"
    cache.mkdir(mode=0o700)
    passage_vectors(small_kb, model, cache)
    (path,) = cache.glob("vec-*.npz")
    v = store.load(path, PassageVectors, {"format": str(VECTORS_FORMAT), "model": model.checksum})
    v.vectors[:] = 0.0
    store.save(path, v, {"format": str(VECTORS_FORMAT), "model": model.checksum})
    again = passage_vectors(small_kb, model, cache)
    assert np.allclose(np.linalg.norm(again.vectors, axis=1), 1.0, atol=1e-3)


def test_meaning_finds_what_words_miss(small_kb, settings) -> None:
    e = Engine(small_kb, replace(settings, min_confidence=0.0), cache_folder=None)
    assert "drive" in e.ask("can i get behind the wheel afterwards").hits[0].passage.text


def test_hybrid_search_is_used_and_said(engine) -> None:
    answer = engine.ask("what if it doesnt work for me")
    assert engine.search_mode == "hybrid" and answer.to_dict()["search"] == "hybrid"


def test_without_the_model_the_chatbot_answers_with_keywords_and_says_so(settings, monkeypatch) -> None:
    from chatbot.retrieval import background
    from chatbot.retrieval.encoder import IsolatedModel

    # the model's process says, as load_model would, that the model cannot be used
    says = ("import os; from chatbot.retrieval.encoder import _frame; os.write(1, b''.join(_frame({'op': 'failed', "
            "'reason': 'semantic model package x is not installed; answering with keyword search only'})))")
    monkeypatch.setattr(background, "start_model", lambda threads=1: IsolatedModel(command=[sys.executable, "-c", says]))
    kb = open_knowledge(None, settings)
    e = Engine(kb, settings, semantic=Background(kb, None))
    answer = e.ask("how long does the drip take")
    assert answer.status == "answered" and answer.search == "keyword"
    assert e.search_problem == "semantic model package x is not installed; answering with keyword search only"


def test_emergencies_and_smalltalk_do_not_wait_for_the_model(settings) -> None:
    kb = open_knowledge(None, settings)
    never = Background(kb, None, enabled=False)
    never._done.clear()  # a model that never finishes loading
    e = Engine(kb, replace(settings), semantic=never)
    assert e.ask("i want to kill myself").status == "emergency"
    assert e.ask("hello").status == "smalltalk"


def test_a_question_of_two_clauses_is_scored_on_its_best_clause(engine) -> None:
    q = "my back is killing me every morning, can ketamine help back pain?"
    assert clauses(q) == ["my back is killing me every morning", "can ketamine help back pain?"]
    assert engine.best_retrieval(q).confidence > engine.retrieve(q).confidence
    assert engine.safety.check(q).emergency is None


def test_up_to_three_passages_whenever_it_answers(engine) -> None:
    answer = engine.ask("does ketamine help nerve pain")
    assert answer.status == "answered" and len(answer.to_dict()["passages"]) == 3


def test_ranking_model_file_is_checked(tmp_path: Path) -> None:
    from chatbot.errors import ConfigError

    bad = tmp_path / "m.json"
    bad.write_text(json.dumps({"features": ["bias"], "hybrid": {}, "keyword": {}}))
    with pytest.raises(ConfigError):
        RankingModel.load(bad)


@pytest.mark.background("fit_retrieval")
def test_fitting_script_reproduces_the_shipped_ranking_model_and_question_memory(background, model) -> None:
    from chatbot.retrieval.memory import MEMORY_FILE, load_labelled

    proc = background("fit_retrieval")  # scripts/fit_retrieval.py, started at collection (conftest.py)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.out / "retrieval_model.json"
    shipped, fresh = json.loads((DATA_DIR / MODEL_FILE).read_text()), json.loads(out.read_text())
    for mode in ("memory", "hybrid", "keyword"):
        assert shipped[mode]["fusion"] == fresh[mode]["fusion"]
        np.testing.assert_allclose(shipped[mode]["coef"], fresh[mode]["coef"], atol=1e-3)
    old, new = load_labelled(DATA_DIR / MEMORY_FILE, model.checksum), load_labelled(proc.out / MEMORY_FILE, model.checksum)
    assert old.questions == new.questions and old.gold == new.gold and old.answers == new.answers
    assert old.corpus_digest == new.corpus_digest
    np.testing.assert_allclose(old.vectors.astype(np.float32), new.vectors.astype(np.float32), atol=2e-3)


def test_default_threshold_is_a_probability() -> None:
    assert 0.0 < Settings().min_confidence < 1.0


@pytest.mark.parametrize("question", ["ketamine", "pain " * 300, "???", "12345", "¿Cuánto dura una infusión de ketamina?",
                                      "如何治疗慢性疼痛", "ok so", "a"])
def test_odd_questions_get_an_answer_or_a_no_answer_never_an_exception(engine, question: str) -> None:
    answer = engine.ask(question)
    assert answer.status in ("answered", "no_answer", "invalid", "smalltalk", "emergency")
    assert answer.to_dict()["disclaimer"]


def test_about_says_which_search_is_used(engine, settings) -> None:
    from chatbot.frontends.repl import about_text

    engine.ask("how long does the drip take")
    assert "keywords and meaning" in about_text(settings, engine).plain
    kb = engine.kb
    keyword = Engine(kb, replace(settings, semantic=False))
    assert "keywords only" in about_text(settings, keyword).plain


def test_the_fitting_scripts_array_ranking_is_mode_order(monkeypatch) -> None:
    # scripts/fit_retrieval.py scores grid points on padded arrays (Stack) rather than through
    # Mode.order one question at a time; the two must rank alike, ties included
    import importlib.util

    from chatbot.retrieval.ranking import FEATURES, Candidates, Mode

    spec = importlib.util.spec_from_file_location("fit_retrieval", REPO / "scripts" / "fit_retrieval.py")
    fit = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "fit_retrieval", fit)  # its dataclasses look their module up
    spec.loader.exec_module(fit)
    rng = np.random.default_rng(5)

    def coarse(n: int) -> np.ndarray:
        return np.round(rng.random(n), 1)  # rounded, so that ties happen

    items = []
    for k in range(60):
        n = int(rng.integers(1, 15))
        c = Candidates(rng.permutation(40)[:n].astype(np.int32), coarse(n), coarse(n), coarse(n), coarse(n),
                       coarse(n), coarse(n), 0.0, 3, True, coarse(n) if k % 2 else None)
        search = "memory"
        items.append(fit.Item(f"q{k}", k % 5 != 0, {search: c}, {search: rng.random(n) < 0.3}))
    for fusion in [(1.0, 3.0, 6.0, 1.5, 12.0), (1.0, 0.0, 0.0, 1.5, 0.0), (1.0, 1.0, 1.0, 1.0, 1.0)]:
        mode = Mode(fusion, (0.0,) * len(FEATURES))
        ranks = [fit.rank_of(it, "memory", mode) for it in items if it.answerable]
        expected = float(np.mean([1 / r if r else 0.0 for r in ranks]))
        assert fit.Stack(items, "memory").mrr(fusion) == pytest.approx(expected, abs=1e-12)
