"""A rule hit in another language that the multilingual bank reads as far from every emergency gets the
calm form (``OTHER_RULE_DOUBT`` in chatbot/safety/__init__.py): the rules' general-question logic reads
English only, so a French "what happens if you overdose on ketamine?" met them as an emergency. The
calm form still shows the crisis numbers; an unread message and an English one keep the rules' verdict."""

from __future__ import annotations

import numpy as np
import pytest

from chatbot.safety import OTHER_RULE_DOUBT
from tests.bank_examples import SAFETY, bank_example, labels

# written for this test: "What happens if you overdose on ketamine?" (French), and "I want to kill myself" (Spanish)
QUESTION = "Qu'est-ce qui arrive si on fait une overdose de kétamine ?"
CRISIS = "quiero suicidarme"


@pytest.fixture(scope="module")
def vectors() -> tuple[np.ndarray, np.ndarray]:
    """A bank vector read well under OTHER_RULE_DOUBT, and one of an emergency read past the panel point."""
    emergency = labels()[0]
    assert SAFETY.bank is not None
    far = bank_example(lambda i, s: not emergency[i] and s[3] < OTHER_RULE_DOUBT - 0.02, 97)
    near = bank_example(lambda i, s: bool(emergency[i]) and s[3] > SAFETY.bank.panel + 0.02, 97)
    return far, near


def test_the_rules_read_both_as_emergencies() -> None:
    assert SAFETY.rules.check(QUESTION).emergency == "overdose"
    assert SAFETY.rules.check(CRISIS).emergency == "suicide"


def test_a_rule_hit_the_bank_reads_as_ordinary_gets_the_calm_form(vectors) -> None:
    far, _ = vectors
    result = SAFETY.check(QUESTION, None, lambda text: far)
    assert result.crisis is None and not result.emergency and not result.flagged
    assert result.verdict.mention == "overdose" and result.language == "fr" and not result.readable


def test_a_rule_hit_the_bank_reads_near_emergencies_keeps_the_panel(vectors) -> None:
    _, near = vectors
    assert SAFETY.check(CRISIS, None, lambda text: near).crisis == "suicide"


def test_a_reading_just_over_the_doubt_keeps_the_panel() -> None:
    above = bank_example(lambda i, s: OTHER_RULE_DOUBT + 0.001 < s[3] < OTHER_RULE_DOUBT + 0.01, 7)
    assert SAFETY.check(QUESTION, None, lambda text: above).crisis == "overdose"


def test_without_the_model_the_rules_verdict_stands(vectors) -> None:
    assert SAFETY.check(QUESTION, None, lambda text: None).crisis == "overdose"  # the model could not read it
    assert SAFETY.check(QUESTION, None, None).crisis == "overdose"  # the model is not there at all
    nan = np.full_like(vectors[0], np.nan)
    assert SAFETY.check(QUESTION, None, lambda text: nan).crisis == "overdose"


def test_an_english_rule_hit_is_not_read_by_the_bank(vectors) -> None:
    asked: list[str] = []

    def read(text: str) -> np.ndarray:
        asked.append(text)
        return vectors[0]
    assert SAFETY.check("I want to kill myself", None, read).emergency == "suicide"
    assert asked == []


def test_the_calm_form_shows_the_crisis_numbers(engine, vectors) -> None:
    result = SAFETY.check(QUESTION, None, lambda text: vectors[0])
    notices = engine.compose.notices(result)
    assert [n.kind for n in notices] == ["crisis_line"] and "988" in notices[0].text
