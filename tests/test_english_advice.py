"""The multilingual model's reading of a personal decision in English: asked only when the n-gram
model is unsure (its advice probability between ADVICE_BAND and its threshold) and the message is
about the asker or someone close; the advice notice when the vector is near the bank's decisions."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from chatbot.safety import ADVICE_BAND, ENGLISH_ADVICE
from tests.bank_examples import SAFETY, bank_example, labels

# written for this test: a dose question about the asker that names no rule's form
PERSONAL = "the lozenges wear off by lunch for me, could I split them into two halves"
GENERAL = "do lozenges wear off faster than tablets in general"
RELATIVE = "grandpa is 91 and on a blood thinner, could the clinic still do the block"


@pytest.fixture(scope="module")
def vectors() -> tuple[np.ndarray, np.ndarray]:
    """A bank vector near the personal decisions (by the margin), and one far from them."""
    emergency, _, advice = labels()
    near = bank_example(lambda i, scores: bool(advice[i]) and scores[2] > ENGLISH_ADVICE + 0.02, 53)
    far = bank_example(lambda i, scores: not advice[i] and not emergency[i] and scores[2] < ENGLISH_ADVICE - 0.02, 53)
    return near, far


def _unsure(monkeypatch: pytest.MonkeyPatch, probability: float) -> None:
    real = SAFETY.classifier.predict
    monkeypatch.setattr(SAFETY.classifier, "predict", lambda message: replace(real(message), advice=probability))


def _band() -> float:
    threshold = SAFETY.classifier.thresholds["advice"]
    assert threshold > ADVICE_BAND
    return (ADVICE_BAND + threshold) / 2


def test_unsure_and_near_the_decisions_gets_the_notice(monkeypatch, vectors) -> None:
    _unsure(monkeypatch, _band())
    assert SAFETY.check(PERSONAL, None, lambda text: vectors[0]).advice


def test_unsure_and_far_from_the_decisions_gets_none(monkeypatch, vectors) -> None:
    _unsure(monkeypatch, _band())
    assert not SAFETY.check(PERSONAL, None, lambda text: vectors[1]).advice


def test_a_general_question_is_not_read_as_a_decision(monkeypatch, vectors) -> None:
    # no person in it: the multilingual model is not even asked
    _unsure(monkeypatch, _band())
    calls: list[str] = []

    def model(text: str) -> np.ndarray:
        calls.append(text)
        return vectors[0]

    assert not SAFETY.check(GENERAL, None, model).advice and calls == []


def test_below_the_band_the_model_is_not_asked(monkeypatch, vectors) -> None:
    _unsure(monkeypatch, ADVICE_BAND / 2)
    calls: list[str] = []

    def model(text: str) -> np.ndarray:
        calls.append(text)
        return vectors[0]

    assert not SAFETY.check(PERSONAL, None, model).advice and calls == []


@pytest.mark.parametrize("multilingual", [None, lambda text: None])
def test_without_the_multilingual_model_the_classifier_decides(monkeypatch, multilingual) -> None:
    _unsure(monkeypatch, _band())
    assert not SAFETY.check(PERSONAL, None, multilingual).advice
    _unsure(monkeypatch, 0.99)
    assert SAFETY.check(PERSONAL, None, multilingual).advice


def test_a_relative_counts_as_personal(monkeypatch) -> None:
    # the classifier's own reading of a decision counts for someone close, not only for "I"
    _unsure(monkeypatch, 0.99)
    assert SAFETY.check(RELATIVE, None, None).advice
    assert not SAFETY.check("Is ketamine the right option for you?", None, None).advice


def test_english_reads_the_decision_margin_not_the_other_languages_decision_alarm(monkeypatch, vectors) -> None:
    """The English point (ENGLISH_ADVICE) was set on the margin alone; the heads are for other languages."""
    from chatbot.safety.multilingual import Reading

    _unsure(monkeypatch, _band())
    assert SAFETY.bank is not None
    high, low = ENGLISH_ADVICE + 0.05, ENGLISH_ADVICE - 0.5
    monkeypatch.setattr(SAFETY.bank, "score", lambda v: Reading(-1.0, "suicide", high, -1.0, low))
    assert SAFETY.check(PERSONAL, None, lambda text: vectors[0]).advice
    monkeypatch.setattr(SAFETY.bank, "score", lambda v: Reading(-1.0, "suicide", low, -1.0, high))
    assert not SAFETY.check(PERSONAL, None, lambda text: vectors[0]).advice
