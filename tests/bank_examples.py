"""The bundled safety tiers, loaded once for the tests of what the multilingual bank says about
a message (tests/test_english_doubt.py, tests/test_foreign_doubt.py, tests/test_english_advice.py),
bank examples picked by that, and an alarm of the models to set before it."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from chatbot.safety import Safety
from chatbot.safety.multilingual import Reading

SAFETY = Safety.load()


def labels() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The bank's (emergency, topic, advice) label of every example."""
    assert SAFETY.bank is not None
    _, emergency, topic, advice = SAFETY.bank._read()
    return emergency, topic, advice


def bank_example(want: Callable[[int, Reading], bool], step: int) -> np.ndarray:
    """The first example (every ``step``-th) for which ``want(index, its bank scores)`` holds."""
    assert SAFETY.bank is not None
    bank = SAFETY.bank._read()[0]
    for i in range(0, len(bank), step):
        if want(i, SAFETY.bank.score(bank[i])):
            return bank[i]
    raise AssertionError("no example of the bank fits")


def models_alarm(monkeypatch: pytest.MonkeyPatch, score: float = 0.9) -> None:
    """The models alone (not the rules) read the message as thoughts of suicide, with this joined score."""
    monkeypatch.setattr(SAFETY, "_alarm", lambda *a, **k: ("suicide", None, score))
