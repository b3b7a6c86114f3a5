"""The bundled safety tiers, loaded once for the tests of what the multilingual bank says about
English messages (tests/test_english_doubt.py, tests/test_english_advice.py), and bank examples picked by that."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

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
