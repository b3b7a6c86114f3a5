"""Normalisation, tokens, stop words, stemming, patient vocabulary and spelling."""

from __future__ import annotations

import pytest

from chatbot.errors import ConfigError
from chatbot.text.analysis import Analyzer, SpellingCorrector, Vocabulary, normalize, words

A = Analyzer()


@pytest.mark.parametrize("raw,expected", [
    ("Ketamine’s “club drug” reputation", ["ketamine", "club", "drug", "reputation"]),
    ("don't WON’T", ["dont", "wont"]),
    ("café naïve", ["cafe", "naive"]),
    ("ｋｅｔａｍｉｎｅ", ["ketamine"]),
    ("take-home N-methyl-D-aspartate", ["take", "home", "methyl", "aspartate"]),
])
def test_words(raw: str, expected: list[str]) -> None:
    assert words(raw) == expected


def test_normalize_straightens_quotes() -> None:
    assert normalize("It’s “fine”") == "it's \"fine\""


@pytest.mark.parametrize("a,b", [
    ("opiates", "opioids"), ("infusions", "infusion"), ("addictive", "addiction"),
    ("nauseous", "nausea"), ("weed", "cannabis"), ("anaesthesia", "anesthetic"), ("relieve", "relief"),
])
def test_equivalent_words_share_a_term(a: str, b: str) -> None:
    assert A.document_terms(a) == A.document_terms(b)


@pytest.mark.parametrize("patient,article_word", [
    ("can i get hooked", "addiction"), ("how long does the drip take", "infusion"),
    ("does it make me throw up", "nausea"), ("is weed better", "cannabis"),
    ("will insurance pay", "coverage"), ("top ups", "booster"),
])
def test_patient_vocabulary_reaches_article_words(patient: str, article_word: str) -> None:
    assert A.document_terms(article_word)[0] in A.query_terms(words(patient))


def test_stop_words_dropped_but_meaningful_words_kept() -> None:
    terms = A.query_terms(words("what is the thing about it really"))
    assert terms == []
    assert A.query_terms(words("after")) and A.query_terms(words("without"))


def test_phrases_become_units() -> None:
    units = A.query_units(words("how long does the drip take"))
    assert len(units) == 2 and "infus" in units[1]


def test_definitions() -> None:
    assert A.asked_definition("What's ketamine?") == "def:ketamin"
    assert A.asked_definition("what even is ketamine") == "def:ketamin"
    assert A.asked_definition("how does ketamine work") is None
    assert A.defined_terms("Ketamine is a dissociative anesthetic.") == ["def:ketamin"]


@pytest.mark.parametrize("typo,fixed", [
    ("fibromyalga", "fibromyalgia"), ("ketamin", "ketamine"), ("infusoin", "infusion"),
    ("nausia", "nausea"),
])
def test_spelling(typo: str, fixed: str) -> None:
    sc = SpellingCorrector({"fibromyalgia": 3, "ketamine": 90, "infusion": 40, "nausea": 2}, set())
    assert sc.correct(typo) == fixed


def test_spelling_leaves_short_and_unrelated_words() -> None:
    sc = SpellingCorrector({"ketamine": 90, "weeks": 4}, set())
    assert sc.correct("rice") == "rice"
    assert sc.correct("laptop") == "laptop"
    assert sc.correct("weekly") == "weekly"


def test_bad_vocabulary_file_is_a_clear_error() -> None:
    with pytest.raises(ConfigError):
        Vocabulary.parse("[patient]\n'a b c d e f' = 'x'", "test.toml")
    with pytest.raises(ConfigError):
        Vocabulary.parse("not toml [", "test.toml")
