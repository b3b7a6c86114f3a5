"""The labelled question memory (chatbot/retrieval/memory.py): what it measures, when it is used, and when not."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from chatbot.articles.knowledge import open_knowledge
from chatbot.config import Settings
from chatbot.data import DATA_DIR
from chatbot.engine import Engine
from chatbot.retrieval.background import Background
from chatbot.retrieval.memory import MEMORY_FILE, QuestionMemory, answering_passages, bind, load_labelled, norm


def unit(v: list[float]) -> np.ndarray:
    a = np.asarray(v, dtype=np.float32)
    return a / np.linalg.norm(a)


def test_memory_measures_nearest_answered_and_unanswered_questions() -> None:
    vectors = np.stack([unit([1, 0, 0]), unit([0, 1, 0]), unit([0, 0, 1])])
    m = QuestionMemory(vectors, [[2], [0, 1], []], n_passages=3)
    s = m.scores(unit([1, 0.2, 0]))
    assert s.passage[2] == pytest.approx(float(unit([1, 0.2, 0])[0]), abs=1e-6)
    assert s.passage[2] > s.passage[0] == s.passage[1] > 0
    assert s.abstain == 0.0 and s.best == pytest.approx(s.passage[2])
    near_unanswered = m.scores(unit([0, 0.1, 1]))
    assert near_unanswered.abstain > 0.9 and near_unanswered.abstain_share > 0.5


def test_left_out_questions_are_never_used() -> None:
    vectors = np.stack([unit([1, 0]), unit([0, 1])])
    m = QuestionMemory(vectors, [[0], []], n_passages=1)
    s = m.scores(unit([1, 0]), allowed=np.asarray([False, True]))
    assert s.passage[0] == 0.0 and s.best == 0.0 and s.abstain_share == 1.0


def test_a_label_outside_the_passages_is_refused() -> None:
    with pytest.raises(ValueError):
        QuestionMemory(np.stack([unit([1, 0])]), [[5]], n_passages=2)


def test_gold_phrases_find_their_passages_as_the_referee_matches_them() -> None:
    texts = ["Each infusion lasts \u2014 about 40 minutes.", "Nothing here."]
    assert answering_passages([[norm("lasts - about 40")], []], texts) == [[0], []]


def test_bundled_articles_use_the_memory_and_about_says_so(engine) -> None:
    scorer = engine.semantic.get()
    assert scorer is not None and scorer.memory is not None and len(scorer.memory) > 1000
    assert "labelled questions" in engine.semantic.memory_note
    answer = engine.ask("will i get hooked on this stuff")
    assert answer.status == "answered" and answer.search == "hybrid"


def test_every_labelled_answer_still_finds_its_passage(engine) -> None:
    # the memory is bound by gold phrases: a change to the articles or the cleaning that loses one is
    # caught here, not by a silently smaller memory
    labelled = load_labelled(DATA_DIR / MEMORY_FILE, engine.semantic.get().model.checksum)
    answers = answering_passages(labelled.gold, engine.kb.texts)
    lost = [q for q, g, a in zip(labelled.questions, labelled.gold, answers, strict=True) if g and not a]
    assert not lost
    assert answers == labelled.answers  # the passages stored with them are the ones their gold finds


def test_other_articles_are_searched_without_the_memory(tmp_path: Path, settings: Settings) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("Parking\n\nPatients park free of charge behind the clinic, in bays 1 to 20.\n",
                                  encoding="utf-8")
    kb = open_knowledge(folder, replace(settings, cache_dir=str(tmp_path / "kbcache")))
    e = Engine(kb, settings, cache_folder=None)
    scorer = e.semantic.get()
    assert scorer is not None and scorer.memory is None
    assert "about other articles" in e.semantic.memory_note
    answer = e.ask("where do i park")
    assert answer.status == "answered" and "park free" in answer.hits[0].passage.text


def test_the_memory_survives_a_clinic_adding_an_article(tmp_path: Path, settings: Settings) -> None:
    from chatbot.infra.locations import bundled_corpus_dir

    folder = tmp_path / "articles"
    shutil.copytree(bundled_corpus_dir(), folder)
    (folder / "zz_parking.txt").write_text("Parking at the clinic\n\nPatients park free of charge behind the "
                                           "clinic, in bays 1 to 20, for as long as the infusion takes.\n",
                                           encoding="utf-8")
    kb = open_knowledge(folder, replace(settings, cache_dir=str(tmp_path / "kbcache")))
    e = Engine(kb, settings, cache_folder=None)
    scorer = e.semantic.get()
    assert scorer is not None and scorer.memory is not None, e.semantic.memory_note
    labelled = load_labelled(DATA_DIR / MEMORY_FILE, scorer.model.checksum)
    # every answerable label found its passage again; the unanswerable ones the new page is nearest to
    # (parking questions) are left out, the others kept
    assert int(scorer.memory.answerable.sum()) == sum(bool(g) for g in labelled.gold)
    kept = [q for q, g in zip(labelled.questions, labelled.gold, strict=True) if not g]
    assert 0 < int((~scorer.memory.answerable).sum()) < len(kept)
    # the labels point at the same passages by content, wherever they now are
    for k in np.flatnonzero(scorer.memory.answerable)[:50]:
        mine = {kb.texts[p] for p in scorer.memory._p[scorer.memory._q == k]}
        assert mine and all(any(g in norm(t) for g in labelled.gold[k]) for t in mine)
    assert e.ask("where do i park").hits[0].passage.source.title == "Parking at the clinic"


def test_labels_whose_passages_are_gone_are_left_out(tmp_path: Path, settings: Settings) -> None:
    from chatbot.infra.locations import bundled_corpus_dir

    folder = tmp_path / "articles"
    shutil.copytree(bundled_corpus_dir(), folder)
    text = (folder / "004_631d73aa5d4a67f8.txt").read_text(encoding="utf-8")
    (folder / "004_631d73aa5d4a67f8.txt").write_text(text[: len(text) // 2], encoding="utf-8")
    kb = open_knowledge(folder, replace(settings, cache_dir=str(tmp_path / "kbcache")))
    memory, why = bind(kb, Engine(kb, settings, cache_folder=None).semantic.get().model.checksum)
    assert memory is not None and "left out" in why


@pytest.mark.parametrize("damage", [b"", b"not a zip file", "truncate"])
def test_a_damaged_memory_file_means_hybrid_search_without_it(tmp_path: Path, engine, damage) -> None:
    path = tmp_path / MEMORY_FILE
    if damage == "truncate":
        shutil.copy(DATA_DIR / MEMORY_FILE, path)
        path.write_bytes(path.read_bytes()[:5000])
    else:
        path.write_bytes(damage)
    memory, why = bind(engine.kb, engine.semantic.get().model.checksum, path)
    assert memory is None and "unusable" in why


def test_a_memory_for_another_model_is_not_used(engine) -> None:
    memory, why = bind(engine.kb, "0" * 64)
    assert memory is None and "unusable" in why


def test_without_the_memory_the_engine_still_answers(settings: Settings, monkeypatch) -> None:
    import chatbot.retrieval.memory as memory

    monkeypatch.setattr(memory, "MEMORY_FILE", "no-such-file.npz")
    kb = open_knowledge(None, settings)
    e = Engine(kb, settings, semantic=Background(kb, None))
    answer = e.ask("how long does an infusion take")
    assert answer.status == "answered" and e.semantic.get().memory is None
    assert "unusable" in e.semantic.memory_note


def test_a_passage_of_an_added_article_is_judged_without_the_memory() -> None:
    """No labelled question points to a passage of an article added since the labelling, so the memory's
    measurements would count against it; its probability is the hybrid model's."""
    from chatbot.retrieval.ranking import Candidates, RankingModel

    model = RankingModel.load()
    two = np.ones(2)
    c = Candidates(np.array([0, 1]), two, two * 3.0, two * 0.7, two * 0.75, two * 0.8, two * 0.8, 0.0, 4, True,
                   memory=np.array([0.0, 0.0]), memory_abstain=0.6, memory_best=0.5, memory_share=0.6,
                   article_coverage=two * 0.8, articles=np.array([5, 1]), memory_new=np.array([True, False]))
    plain = replace(c, memory=None, memory_new=None)
    assert model.probability(c, 0) == pytest.approx(model.hybrid.probability(plain, 0))
    assert model.probability(c, 1) == pytest.approx(model.memory.probability(c, 1))
    assert model.probability(c, 0) > model.memory.probability(c, 0)
