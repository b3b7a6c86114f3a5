"""'I couldn't find an answer' names how to reach the clinic: its number when the settings have one
(issue 25), "ask the staff / call the clinic" without one. The number is checked like a crisis number."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from chatbot.compose import Composer
from chatbot.config import Settings, load_settings
from chatbot.errors import ConfigError


def no_answer(settings: Settings) -> str:
    return Composer(settings, lambda name, values: name).no_answer("can i drive home", ()).message


def test_without_a_number_the_reply_says_ask_the_staff_or_call_the_clinic() -> None:
    text = no_answer(Settings())
    assert text.startswith("I couldn't find an answer") and text.endswith(Settings().staff_hint)
    assert "call the clinic" in text


def test_with_a_number_the_reply_names_it(tmp_path: Path) -> None:
    cfg = tmp_path / "settings.toml"
    cfg.write_text('clinic_name = "Riverside Pain Clinic"\nclinic_phone = "555-010-0100"\n', encoding="utf-8")
    text = no_answer(load_settings(cfg))
    assert "Please ask a member of the clinic staff, or call Riverside Pain Clinic on 555-010-0100." in text


def test_a_clinic_hint_is_kept_and_the_number_added_once() -> None:
    own = replace(Settings(), staff_hint="Please ask at the front desk.", clinic_phone="020 7946 0000")
    assert no_answer(own).endswith("Please ask at the front desk. You can call Ketamine Pain Care on 020 7946 0000.")
    named = replace(own, staff_hint="Please ask at the front desk, or call us on 020 7946 0000.")
    assert no_answer(named).count("0000") == 1


def test_the_engine_says_it(engine, settings) -> None:
    from chatbot.engine import Engine

    phoned = Engine(engine.kb, replace(settings, clinic_phone="555 0100"), semantic=engine.semantic)
    answer = phoned.ask("can i drive home after my infusion")
    assert answer.status == "no_answer" and "555 0100" in answer.message


@pytest.mark.parametrize("bad", ["call us", "12345678901234567890123", "555 0100 ext. 2", "①②③"])
def test_a_number_nobody_can_dial_is_refused(tmp_path: Path, bad: str) -> None:
    cfg = tmp_path / "settings.toml"
    cfg.write_text(f'clinic_phone = "{bad}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="clinic_phone"):
        load_settings(cfg)


def test_a_question_about_practical_arrangements_names_the_number_too(engine, settings) -> None:
    from chatbot.engine import Engine

    phoned = Engine(engine.kb, replace(settings, clinic_phone="555 0100"), semantic=engine.semantic)
    answer = phoned.ask("where do i park my car")
    assert answer.status == "no_answer" and "555 0100" in answer.message
    assert "555 0100" not in engine.ask("where do i park my car").message
