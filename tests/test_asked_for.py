"""What a question asks for (chatbot/retrieval/asked.py) and the abstention feature made of it: a
passage that says nothing of the kind asked for counts against answering. Questions written for
these tests."""

from __future__ import annotations

import json

import pytest

from chatbot.data import DATA_DIR
from chatbot.retrieval.asked import kinds_asked, unsupplied
from chatbot.retrieval.ranking import FEATURES, MEMORY_FEATURES, RankingModel


def names(question: str) -> set[str]:
    return {k.name for k in kinds_asked(question)}


@pytest.mark.parametrize("question, kinds", [
    ("how much does a nerve block cost without insurance", {"cost"}),
    ("is the infusion covered by medicare", {"cost"}),
    ("what percentage of people get relief from the injection", {"odds"}),
    ("whats the success rate", {"odds"}),
    ("how long does the numbness last", {"duration"}),
    ("are you open on saturdays", {"opening"}),
    ("where do i park", {"place"}),
    ("is it safe if im pregnant", {"pregnancy"}),
    ("can i have a glass of wine the night after", {"alcohol"}),
    ("can i drive myself home after the procedure", {"driving"}),
    ("i take warfarin, do i need to stop it before the injection", {"blood thinners"}),
    ("will the steroid mess with my blood sugar, im diabetic", {"diabetes"}),
    ("im allergic to iodine, is that a problem", {"allergy"}),
    ("how long will i be off work and how much will it cost", {"duration", "work", "cost"}),
    ("can i have a shower the day after the block", {"bathing"}),
    ("im flying to spain next week, is that ok after the pump surgery", {"travel"}),
    ("when can i go back to the gym", {"exercise"}),
    ("will i need a sick note for my employer", {"work"}),
    ("can i eat breakfast before the procedure", {"eating"}),
    ("there's a small chance i'm pregnant, does that matter for the x-ray", {"pregnancy"}),  # not the odds
    ("what should i eat or drink before the procedure", {"eating"}),  # not alcohol
])
def test_what_a_question_asks_for(question: str, kinds: set[str]) -> None:
    assert names(question) == kinds


@pytest.mark.parametrize("question", [
    "what is a radiofrequency ablation",
    "does the injection hurt",
    "can this medicine affect my sex drive",  # not driving
    "is my appointment on monday still going ahead",  # not the opening hours
    "where will the needle go in",  # the body, not the building
    "how do doctors work out what kind of pain i have",  # not exercise
    "what happens if i run out of my tablets",  # not running
    "im running out of my medication",
    "should the injection site be covered afterwards",  # not insurance
    "any chance of an earlier appointment",  # not the odds
    "can this address my anxiety as well",  # not the building
    "what time of day should i take it",  # not the opening hours
    "how long is the needle",  # a length, not a duration
])
def test_a_word_in_passing_asks_for_nothing_more(question: str) -> None:
    assert names(question) == set()


def test_a_passage_supplies_or_does_not() -> None:
    texts = ["The procedure costs $450, and most insurance plans cover it.",
             "The procedure takes about twenty minutes and you go home the same day.",
             "Tell the nurse if you are pregnant or breastfeeding."]
    assert unsupplied(kinds_asked("how much does it cost"), texts).tolist() == [0.0, 1.0, 1.0]
    assert unsupplied(kinds_asked("how long does it take"), texts).tolist() == [1.0, 0.0, 1.0]
    assert unsupplied(kinds_asked("is it ok while pregnant"), texts).tolist() == [1.0, 1.0, 0.0]
    # two kinds: a passage must have both
    assert unsupplied(kinds_asked("how long does it take and what does it cost"), texts).tolist() == [1.0, 1.0, 1.0]
    assert unsupplied((), texts).tolist() == [0.0, 0.0, 0.0]


def test_the_fitted_model_counts_an_unsupplied_passage_against_answering() -> None:
    """The direction is learned, not set: if the fit ever stopped finding that a passage without
    the price rarely answers a question about the price, this fails."""
    data = json.loads((DATA_DIR / "retrieval_model.json").read_text())
    for mode, feats in (("hybrid", FEATURES), ("memory", MEMORY_FEATURES)):
        assert data[mode]["coef"][list(feats).index("unsupplied")] < 0, mode


def test_search_measures_it_on_the_candidates(tmp_path, settings) -> None:
    """Through the engine's own search: a question about the price finds the procedure page and the
    fees page; only the procedure page is marked, and the fees page is judged likelier to answer."""
    from dataclasses import replace

    from chatbot.articles.knowledge import open_knowledge
    from chatbot.engine import Engine

    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "block.txt").write_text(
        "Lumbar sympathetic nerve block\n\nA lumbar sympathetic nerve block is an injection of local "
        "anaesthetic next to the sympathetic nerves in the lower back. It can ease burning leg pain.\n",
        encoding="utf-8")
    (folder / "fees.txt").write_text(
        "Fees for self-paying patients\n\nA lumbar sympathetic nerve block costs $650 for patients "
        "paying for themselves; most insurance plans cover it after prior authorisation.\n", encoding="utf-8")
    local = replace(settings, semantic=False)
    search = Engine(open_knowledge(folder, local), local).search
    question = "how much does a lumbar sympathetic nerve block cost"
    units = search.query_units(question)
    terms = list(dict.fromkeys(t for unit in units for t in unit))
    from chatbot.retrieval.ranking import candidates
    c = candidates(search.kb.index, units, terms, search.unknown_weight, None, article_of=search.kb.article_of,
                   asked=kinds_asked(question), texts=search.kb.texts)
    assert c.unsupplied is not None
    marked = {search.kb.texts[int(p)].startswith("A lumbar sympathetic nerve block is"): float(u)
              for p, u in zip(c.ids, c.unsupplied, strict=True)}
    assert marked == {True: 1.0, False: 0.0}
    model = RankingModel.load()
    proc, fees = sorted(range(len(c.ids)),
                        key=lambda i: not search.kb.texts[int(c.ids[i])].startswith("A lumbar sympathetic nerve block is"))
    assert model.probability(c, fees) > model.probability(c, proc)
    assert model.probability(c, proc) < model.probability(replace(c, unsupplied=None), proc)
