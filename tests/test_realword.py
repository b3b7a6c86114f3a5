"""Real-word typos ("how long dose it take"): the swaps in data/confusions.toml, where they apply,
and the search that keeps a swapped reading only when the articles do not clearly prefer the typed one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import chatbot.retrieval.search as search
from chatbot.errors import ConfigError
from chatbot.retrieval.search import TYPED_MARGIN, typed_clearly_better
from chatbot.text.analysis import Analyzer
from chatbot.text.confusions import Confusions, load_confusions
from chatbot.text.wordlist import is_english

REPO = Path(__file__).resolve().parent.parent
NONE = Confusions({})
# words that say how soon relief comes (a passage on how long it lasts has none of them)
ONSET = {"rapid", "rapidly", "quick", "quickly", "immediate", "immediately", "soon", "fast", "faster", "onset", "within"}


def swaps_off(monkeypatch: pytest.MonkeyPatch, confusions: Confusions = NONE) -> None:
    monkeypatch.setattr(search, "load_confusions", lambda: confusions)


# -- the data ------------------------------------------------------------------------------------

def test_every_swap_is_between_two_real_words_that_are_searched_differently() -> None:
    analyzer = Analyzer()
    swaps = [s for group in load_confusions().swaps.values() for s in group]
    assert len(swaps) >= 20
    for s in swaps:
        # a real word on both sides: the spelling corrector leaves both alone, which is why a swap is needed
        assert is_english(s.typed) and is_english(s.meant), s
        # a pair of stop words would change no search term ("their"/"there"): left out of the file
        assert analyzer.term(s.typed) != analyzer.term(s.meant), s


@pytest.mark.parametrize("text", [
    "[swap]\ntyped = 'dose'\nmeant = 'does'\n",  # a table, not a list of tables
    "[[swap]]\ntyped = 'dose'\n",  # no word meant
    "[[swap]]\ntyped = 'dose'\nmeant = 'dose'\n",
    "[[swap]]\ntyped = 'Dose'\nmeant = 'does'\n",
    "[[swap]]\ntyped = 'dose'\nmeant = 'does'\nbefore = 'how'\n",
    "[[swap]]\ntyped = 'dose'\nmeant = 'does'\nafter = ['it', 3]\n",
    "[[swap]]\ntyped = 'dose'\nmeant = 'does'\nwhen = ['it']\n",
    "[[swaps]]\ntyped = 'dose'\nmeant = 'does'\n",
])
def test_a_broken_confusions_file_is_one_clear_error(text: str) -> None:
    with pytest.raises(ConfigError, match="confusions test are unusable"):
        Confusions.parse(text, "test")


# -- where a swap applies --------------------------------------------------------------------------

@pytest.mark.parametrize("typed,meant", [
    ("how long dose it take to start working", "how long does it take to start working"),
    ("Dose insurance pay for the infusions?", "Does insurance pay for the infusions?"),
    ("my knee is bad. dose ketamine help with that", "my knee is bad. does ketamine help with that"),
    ("what is the usual does for nerve pain", "what is the usual dose for nerve pain"),
    ("is it made form the same stuff as anesthesia", "is it made from the same stuff as anesthesia"),
    ("how long to recover form one session", "how long to recover from one session"),
    ("what from does the ketamine come in", "what form does the ketamine come in"),
    ("will i loose weight on it", "will i lose weight on it"),
    ("any side affects i should watch for", "any side effects i should watch for"),
    ("can the drip effect my blood pressure", "can the drip affect my blood pressure"),
    ("how long before it wears of", "how long before it wears off"),
    ("could it help me get of opioids", "could it help me get off opioids"),
    ("is that quiet a common reaction", "is that quite a common reaction"),
    ("can you advice me on driving home", "can you advise me on driving home"),
    ("not sure weather or not to try it", "not sure whether or not to try it"),
    ("my friend past out in the chair", "my friend passed out in the chair"),
    ("will it give me my live back", "will it give me my life back"),
    ("do you except medicare", "do you accept medicare"),
])
def test_a_real_word_typo_is_swapped_where_its_neighbours_say_so(typed: str, meant: str) -> None:
    assert load_confusions().rewrite(typed) == meant


@pytest.mark.parametrize("question", [
    "what dose do people get",
    "what form does it come in",
    "how do they decide the dose",
    "how do you dose it for someone my size",
    "is it the same from one clinic to the next",
    "is a different form of ketamine easier",
    "can it lead to loose stools",
    "what effect does it have on the brain",
    "does cold weather or rain make the pain worse",
    "in damp weather it hurts more",
    "i want my life back",
    "what do you advise for the nausea",
    "how long does the effect last",
    "is it quite safe",
])
def test_a_correct_question_is_left_as_typed(question: str) -> None:
    assert load_confusions().rewrite(question) is None


def test_no_sentence_of_the_articles_would_be_swapped() -> None:
    """The bundled articles and the other clinics' pages are edited English: any swap there would
    be a false alarm."""
    files = sorted((REPO / "corpus").glob("*.txt")) + sorted((REPO / "tests" / "data" / "libraries").glob("*/*.txt"))
    sentences = [s for f in files for s in re.split(r"(?<=[.!?])\s+|\n+", f.read_text(encoding="utf-8")) if s.strip()]
    assert len(sentences) > 1000
    assert [s for s in sentences if load_confusions().rewrite(s)] == []


# -- the search ------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed,swapped,kept", [
    (0.59, 0.55, False),  # a true typo: both readings about equally answerable -> the swapped one
    (0.97, 0.95, False),
    (0.83, 0.44, True),  # a swap that makes no sense -> the typed one
    (0.55, 0.44, False),  # 0.11 lower, but not 2.5 times lower in odds
    (0.99, 0.88, True),
    (0.40, 0.90, False),
])
def test_the_typed_reading_is_kept_only_when_clearly_better(typed: float, swapped: float, kept: bool) -> None:
    assert typed_clearly_better(typed, swapped) is kept


def test_the_issue_example_gets_the_passage_on_how_soon_it_works(engine, monkeypatch: pytest.MonkeyPatch) -> None:
    question = "how long dose it take to start working"
    answer = engine.ask(question)
    first = answer.hits[0].passage.text
    assert answer.status == "answered" and answer.question == question
    assert ONSET & set(re.findall(r"[a-z]+", first.lower())), first
    assert first in engine.kb.texts  # quoted word for word


def test_the_word_meant_finds_the_passage_the_typed_word_misses(engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """"affects" read as "effects": the side effects, not whatever "affects" matches. (The issue's own
    example, "how long dose it take", is now found either way: the question memory knows it.)"""
    question = "what are the long term affects"
    first = engine.ask(question).hits[0].passage.text
    assert {"side", "effects"} <= set(re.findall(r"[a-z]+", first.lower())), first
    swaps_off(monkeypatch)
    unswapped = engine.ask(question).hits[0].passage.text
    assert unswapped != first, "the test no longer tells the readings apart"


@pytest.mark.parametrize("typed,right", [
    ("how long dose it take to start working", "how long does it take to start working"),
    ("is it made form the same stuff as anesthesia", "is it made from the same stuff as anesthesia"),
    ("what are the long term affects", "what are the long term effects"),
    ("how long before it wears of", "how long before it wears off"),
    ("dose insurance pay for any of this", "does insurance pay for any of this"),
])
def test_a_typo_is_answered_like_the_question_spelt_right(engine, typed: str, right: str) -> None:
    a, b = engine.ask(typed), engine.ask(right)
    assert [h.passage.text for h in a.hits] == [h.passage.text for h in b.hits]
    assert a.question == typed


def test_both_readings_and_their_clauses_go_through_the_model_in_one_batch(
        engine, monkeypatch: pytest.MonkeyPatch) -> None:
    batches: list[list[str]] = []
    real = engine.search.dense

    def spy(texts: list[str], semantic: bool):
        batches.append(list(texts))
        return real(texts, semantic)

    monkeypatch.setattr(engine.search, "dense", spy)
    question = "i have had migraines for years, dose ketamine help them"
    engine.search.best_retrieval(question, extra=("is the infusion painful",))
    assert batches == [[question, "i have had migraines for years", "dose ketamine help them",
                        "i have had migraines for years, does ketamine help them", "i have had migraines for years",
                        "does ketamine help them", "is the infusion painful"]]


def test_a_swap_works_with_keyword_search_only(engine) -> None:
    r, _ = engine.search.best_retrieval("how long dose it take to start working", semantic=False)
    assert r.query == "how long does it take to start working"


@pytest.mark.parametrize("question", [
    "what dose do people get",
    "what form does it come in",
    "is the infusion painful",  # no confusable word at all
])
def test_a_correct_question_is_answered_exactly_as_before(engine, monkeypatch: pytest.MonkeyPatch,
                                                          question: str) -> None:
    engine.ask(question)  # the suggestions are confirmed once, on the first question
    texts: list[list[str]] = []
    real = engine.search.dense

    def spy(batch: list[str], semantic: bool):
        texts.append(list(batch))
        return real(batch, semantic)

    monkeypatch.setattr(engine.search, "dense", spy)
    with_swaps = engine.ask(question).to_dict()
    swaps_off(monkeypatch)
    assert engine.ask(question).to_dict() == with_swaps
    assert texts[0] == texts[1]  # the same batch through the model: nothing extra to pay


def test_a_wrong_swap_is_not_kept_when_the_articles_clearly_prefer_the_typed_question(
        engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Even a swap that fires where it should not ("dose" -> "does" anywhere) leaves a question
    alone when the articles answer it as typed clearly better."""
    question = "what dose do people get"
    before = engine.ask(question).to_dict()
    r, _ = engine.search.best_retrieval(question)
    everywhere = Confusions.parse("[[swap]]\ntyped = 'dose'\nmeant = 'does'\n", "test")
    assert everywhere.rewrite(question) == "what does do people get"
    swaps_off(monkeypatch, everywhere)
    swapped = engine.search.retrieve("what does do people get")
    assert r.confidence - swapped.confidence >= TYPED_MARGIN  # the guard has something to guard
    assert engine.search.best_retrieval(question)[0].query == question
    assert engine.ask(question).to_dict() == before
