"""The third opinion for English: an alarm of the models alone becomes the calm line when the
multilingual model puts the message far from every emergency of the bank (ENGLISH_DOUBT)."""

from __future__ import annotations

import numpy as np
import pytest

from chatbot.errors import ConfigError
from chatbot.safety import ENGLISH_DOUBT, SURE_ALARM, WEAK_ALARM, WEAK_DOUBT
from chatbot.safety.multilingual import Reading
from tests.bank_examples import SAFETY, bank_example, labels, models_alarm

MESSAGE = "so sad today, I miss my old life before the pain"


@pytest.fixture(scope="module")
def vectors() -> tuple[np.ndarray, np.ndarray]:
    """A bank vector far from every emergency, and one of an emergency (its own nearest)."""
    emergency = labels()[0]
    far = bank_example(lambda i, scores: not emergency[i] and scores[0] < ENGLISH_DOUBT - 0.02, 97)
    near = bank_example(lambda i, scores: bool(emergency[i]) and scores[0] > 0.05, 97)
    return far, near


def test_far_from_every_emergency_the_alarm_becomes_the_calm_line(monkeypatch, vectors) -> None:
    models_alarm(monkeypatch)  # sure enough for the full panel
    result = SAFETY.check(MESSAGE, None, lambda text: vectors[0])
    assert result.flagged is None and result.line == "suicide"


def test_near_an_emergency_the_panel_stands(monkeypatch, vectors) -> None:
    models_alarm(monkeypatch)
    assert SAFETY.check(MESSAGE, None, lambda text: vectors[1]).flagged == "suicide"


@pytest.mark.parametrize("multilingual", [None, lambda text: None, lambda text: np.zeros(3, dtype=np.float32)])
def test_without_the_multilingual_model_the_panel_stands(monkeypatch, multilingual) -> None:
    # not installed, failed, or a vector of the wrong shape: never a silent step down
    models_alarm(monkeypatch)
    assert SAFETY.check(MESSAGE, None, multilingual).flagged == "suicide"


def test_a_rule_emergency_is_never_stepped_down(vectors) -> None:
    result = SAFETY.check("I want to kill myself", None, lambda text: vectors[0])
    assert result.emergency == "suicide" or result.flagged == "suicide"


def test_a_damaged_bank_keeps_the_panel(monkeypatch, vectors) -> None:
    models_alarm(monkeypatch)
    assert SAFETY.bank is not None

    def damaged(vector: np.ndarray) -> Reading:
        raise ConfigError("the multilingual safety bank is changed or damaged")

    monkeypatch.setattr(SAFETY, "problem", getattr(SAFETY, "problem", None))
    monkeypatch.setattr(SAFETY.bank, "score", damaged)
    assert SAFETY.check(MESSAGE, None, lambda text: vectors[0]).flagged == "suicide"
    assert SAFETY.problem and "damaged" in SAFETY.problem


def test_the_model_is_asked_once_for_an_alarm_not_surely_in_english(monkeypatch, vectors) -> None:
    # both the third opinion and the reading for other languages want the vector: one call serves both
    import chatbot.safety as safety_module

    models_alarm(monkeypatch)
    monkeypatch.setattr(safety_module, "surely_english", lambda message, known: False)
    calls: list[str] = []

    def model(text: str) -> np.ndarray:
        calls.append(text)
        return vectors[0]

    result = SAFETY.check(MESSAGE, None, model)
    assert len(calls) == 1 and result.flagged is None and result.line == "suicide"


@pytest.fixture(scope="module")
def between() -> np.ndarray:
    """A bank vector a little nearer to ordinary examples: between ENGLISH_DOUBT and WEAK_DOUBT."""
    return bank_example(lambda i, scores: ENGLISH_DOUBT + 0.003 < scores[0] < WEAK_DOUBT - 0.003, 7)


@pytest.mark.parametrize("score, panel", [(WEAK_ALARM - 0.1, False), (WEAK_ALARM + 0.05, True)])
def test_a_weak_alarm_needs_the_bank_to_agree(monkeypatch, between, score, panel) -> None:
    # just past the panel point, a message the bank puts a little nearer to ordinary examples gets the
    # calm line; a surer alarm with the same reading keeps the panel
    models_alarm(monkeypatch, score)
    result = SAFETY.check(MESSAGE, None, lambda text: between)
    assert (result.flagged == "suicide") is panel
    assert panel or result.line == "suicide"


@pytest.mark.parametrize("score, panel", [(SURE_ALARM - 0.005, False), (SURE_ALARM, True), (0.999, True)])
def test_an_alarm_both_models_are_all_but_sure_of_keeps_the_panel(monkeypatch, vectors, score, panel) -> None:
    # far from every emergency of the bank, yet the n-gram and the sentence model agree at 0.99 or more
    models_alarm(monkeypatch, score)
    result = SAFETY.check(MESSAGE, None, lambda text: vectors[0])
    assert (result.flagged == "suicide") is panel
    assert panel or result.line == "suicide"
