"""Messages in other languages read a sentence at a time as well as whole (chatbot/safety/multilingual.py
``sentences``, ``Safety._margin``): a crisis sentence beside a clinic question is diluted in the whole
message's vector."""

from __future__ import annotations

import numpy as np
import pytest

from chatbot.safety.multilingual import MAX_SENTENCES, READ_CHARS, sentences
from tests.bank_examples import SAFETY, bank_example, labels

# Polish, written for this test: "What time do you open on Saturday? [crisis sentence]"
QUESTION = "O której otwieracie w sobotę"
CRISIS = "Nie chcę już dłużej żyć"
MESSAGE = f"{QUESTION}? {CRISIS}."


def test_sentences_of_a_message() -> None:
    assert sentences("ya no quiero vivir") == []  # one sentence: the whole message is enough
    assert sentences(MESSAGE) == [QUESTION + "?", CRISIS + "."]  # with their marks: a question stays one
    assert sentences("もう疲れた。死にたい。") == ["もう疲れた。", "死にたい。"]  # CJK full stops
    assert sentences("我想死。你们几点开门？") == ["我想死。", "你们几点开门？"]  # three characters can say it
    assert sentences("متى تفتحون؟ أريد أن أموت") == ["متى تفتحون؟", "أريد أن أموت"]  # Arabic question mark
    assert sentences("میں مرنا چاہتا ہوں۔ آپ کب کھلتے ہیں؟") == ["میں مرنا چاہتا ہوں۔", "آپ کب کھلتے ہیں؟"]  # Urdu
    assert sentences("ok. ya. quiero morir") == []  # parts under four letters are not sentences
    many = [f"frase numero {i}." for i in range(30)]
    half = MAX_SENTENCES // 2
    assert sentences(" ".join(many)) == many[:half] + many[-half:]  # of a long message, the first and last


@pytest.fixture(scope="module")
def vectors() -> tuple[np.ndarray, np.ndarray]:
    """A bank vector far from every emergency, and one of an emergency (well past the panel point)."""
    emergency = labels()[0]
    assert SAFETY.bank is not None
    point, discount = SAFETY.bank.panel, SAFETY.bank.discount
    far = bank_example(lambda i, s: not emergency[i] and s[3] < point - 0.05, 97)
    near = bank_example(lambda i, s: bool(emergency[i]) and s[3] > point + discount + 0.02, 97)
    return far, near


@pytest.fixture(autouse=True)
def bank_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """The n-gram model reads no alarm (it knows some Polish): only the bank's reading decides."""
    monkeypatch.setattr(SAFETY, "_alarm", lambda *a, **k: (None, None, 0.0))


def _reader(crisis_vector: np.ndarray, other: np.ndarray):
    asked: list[str] = []

    def read(text: str) -> np.ndarray:
        asked.append(text)
        return crisis_vector if text.startswith(CRISIS) else other
    return read, asked


def test_a_crisis_sentence_beside_a_question_gets_the_panel(vectors) -> None:
    far, near = vectors
    read, asked = _reader(near, far)
    result = SAFETY.check(MESSAGE, None, read)
    assert result.language == "pl" and result.flagged == "suicide" and not result.verdict.emergency
    assert asked == [MESSAGE, QUESTION + "?", CRISIS + "."]  # the whole message first, then each sentence


def test_no_sentence_near_an_emergency_no_panel(vectors) -> None:
    far, _ = vectors
    read, _ = _reader(far, far)
    result = SAFETY.check(MESSAGE, None, read)
    assert not result.flagged and not result.emergency


def test_a_sentence_counts_less_its_discount() -> None:
    assert SAFETY.bank is not None and SAFETY.bank.discount > 0
    emergency = labels()[0]
    point, discount = SAFETY.bank.panel, SAFETY.bank.discount
    # an emergency example whose alarm passes the point, but not by the discount
    close = bank_example(lambda i, s: bool(emergency[i]) and point < s[3] < point + discount - 0.002, 7)
    far = bank_example(lambda i, s: not emergency[i] and s[3] < point - 0.05, 97)
    read, _ = _reader(close, far)
    assert not SAFETY.check(MESSAGE, None, read).flagged  # as a sentence it falls short
    assert SAFETY.check(CRISIS, None, lambda text: close).flagged  # as the whole message it would not


def test_a_sentence_the_model_cannot_read_leaves_the_whole_message_reading(vectors) -> None:
    far, near = vectors

    def read(text: str) -> np.ndarray | None:
        return near if text == MESSAGE else None
    assert SAFETY.check(MESSAGE, None, read).flagged == "suicide"


def test_a_sentence_never_lowers_the_whole_messages_alarm(vectors) -> None:
    far, near = vectors

    def read(text: str) -> np.ndarray:
        return near if text == MESSAGE else far
    assert SAFETY.check(MESSAGE, None, read).flagged == "suicide"


def test_a_long_paste_is_read_in_parts_the_model_can_take(vectors) -> None:
    """The model is never given more than READ_CHARS characters at once; a crisis sentence at the start
    of a long paste of questions is still read on its own."""
    far, near = vectors
    paste = f"{CRISIS}. " + " ".join(f"{QUESTION} numer {i}?" for i in range(40)) + " " + "x" * 5000
    read, asked = _reader(near, far)
    assert SAFETY.check(paste, None, read).flagged == "suicide"
    assert max(len(t) for t in asked) <= READ_CHARS and asked[0] == paste[:READ_CHARS]
    assert len(asked) == 1 + MAX_SENTENCES


def test_a_vector_that_is_not_finite_is_not_read(vectors) -> None:
    far, near = vectors
    nan = np.full_like(far, np.nan)

    def read(text: str) -> np.ndarray:
        return nan if text == MESSAGE else (near if text.startswith(CRISIS) else far)
    result = SAFETY.check(MESSAGE, None, read)
    assert not result.flagged  # not read at all: the rules, the n-gram model and the crisis line stand
    assert SAFETY._margin(MESSAGE, read, each_sentence=True).alarm == float("-inf")
