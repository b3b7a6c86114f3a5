"""Real-word typos ("how long dose it take"): the swaps in data/confusions.toml and where they apply."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chatbot.errors import ConfigError
from chatbot.text.analysis import Analyzer
from chatbot.text.confusions import Confusions, load_confusions
from chatbot.text.wordlist import is_english

REPO = Path(__file__).resolve().parent.parent


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
