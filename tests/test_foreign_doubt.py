"""A message in another language that only the n-gram model flags: the multilingual model, which reads
the language, can turn the panel into the calm line (FOREIGN_DOUBT); it never lowers a rule's panel."""

from __future__ import annotations

import numpy as np
import pytest

from chatbot.safety import FOREIGN_DOUBT, SURE_ALARM
from chatbot.safety.language import reading
from tests.bank_examples import SAFETY, bank_example, labels, models_alarm

MESSAGE = "¿La clínica tiene estacionamiento? ¿Cuánto cuesta?"


@pytest.fixture(scope="module")
def vectors() -> tuple[np.ndarray, np.ndarray]:
    """A bank vector well below the panel point (an ordinary example), and one just under it."""
    assert SAFETY.bank is not None
    panel, emergency = SAFETY.bank.panel, labels()[0]
    far = bank_example(lambda i, r: not emergency[i] and r.alarm < panel + FOREIGN_DOUBT - 0.02, 53)
    close = bank_example(lambda i, r: panel + FOREIGN_DOUBT + 0.005 < r.alarm < panel - 0.005, 7)
    return far, close


def test_the_message_is_read_as_another_language() -> None:
    assert reading(MESSAGE, SAFETY.rules._known) == "es"


def test_far_below_the_panel_point_the_alarm_becomes_the_calm_line(monkeypatch, vectors) -> None:
    models_alarm(monkeypatch)
    result = SAFETY.check(MESSAGE, None, lambda text: vectors[0])
    assert result.flagged is None and result.line == "suicide"


def test_close_to_the_panel_point_the_panel_stands(monkeypatch, vectors) -> None:
    models_alarm(monkeypatch)
    assert SAFETY.check(MESSAGE, None, lambda text: vectors[1]).flagged == "suicide"


@pytest.mark.parametrize("multilingual", [None, lambda text: None, lambda text: np.zeros(3, dtype=np.float32)])
def test_without_the_multilingual_model_the_panel_stands(monkeypatch, multilingual) -> None:
    models_alarm(monkeypatch)
    assert SAFETY.check(MESSAGE, None, multilingual).flagged == "suicide"


def test_an_alarm_the_ngram_model_is_all_but_sure_of_keeps_the_panel(monkeypatch, vectors) -> None:
    models_alarm(monkeypatch, SURE_ALARM)
    assert SAFETY.check(MESSAGE, None, lambda text: vectors[0]).flagged == "suicide"


def test_a_rule_emergency_in_another_language_is_never_stepped_down(vectors) -> None:
    result = SAFETY.check("quiero matarme, ya no aguanto", None, lambda text: vectors[0])
    assert result.emergency == "suicide" or result.flagged == "suicide"
