"""Messages in other languages read a sentence at a time as well as whole (chatbot/safety/multilingual.py
``sentences``, ``Safety._margin``): a crisis sentence beside a clinic question is diluted in the whole
message's vector."""

from __future__ import annotations

import numpy as np
import pytest

from chatbot.safety.multilingual import MAX_SENTENCES, sentences
from tests.bank_examples import SAFETY, bank_example, labels

# Polish, written for this test: "What time do you open on Saturday? [crisis sentence]"
QUESTION = "O której otwieracie w sobotę"
CRISIS = "Nie chcę już dłużej żyć"
MESSAGE = f"{QUESTION}? {CRISIS}."


def test_sentences_of_a_message() -> None:
    assert sentences("ya no quiero vivir") == []  # one sentence: the whole message is enough
    assert sentences(MESSAGE) == [QUESTION, CRISIS]
    assert sentences("もう疲れた。死にたい。") == ["もう疲れた", "死にたい"]  # CJK full stops
    assert sentences("متى تفتحون؟ أريد أن أموت") == ["متى تفتحون", "أريد أن أموت"]  # Arabic question mark
    assert sentences("ok. ya. quiero morir") == []  # parts under four characters are not sentences
    many = ". ".join(f"frase numero {i}" for i in range(30))
    assert sentences(many) == [f"frase numero {i}" for i in range(30 - MAX_SENTENCES, 30)]  # the last ones


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
        return crisis_vector if text == CRISIS else other
    return read, asked


def test_a_crisis_sentence_beside_a_question_gets_the_panel(vectors) -> None:
    far, near = vectors
    read, asked = _reader(near, far)
    result = SAFETY.check(MESSAGE, None, read)
    assert result.language == "pl" and result.flagged == "suicide" and not result.verdict.emergency
    assert asked == [MESSAGE, QUESTION, CRISIS]  # the whole message first, then each sentence


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
