"""Crisis lines for any clinic: every number and every "call" or "text" a patient sees comes from the
settings. With the shipped UK example no US number or wording appears anywhere on screen."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import REPO, render_text
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from chatbot.config import CrisisLine, load_settings
from chatbot.engine import Engine
from chatbot.errors import ConfigError
from chatbot.frontends.kiosk import KioskApp
from chatbot.frontends.kiosk_core import KioskCore
from chatbot.frontends.render import answer_renderable, welcome_renderable
from chatbot.frontends.repl import about_text, emergency_line
from chatbot.safety.crisis import banner, message_values

UK = REPO / "examples" / "settings-uk.toml"
US_WORDING = re.compile(r"\b911\b|\b988\b|poison control|1-800|suicide & crisis lifeline", re.IGNORECASE)
CRISES = ["I want to kill myself", "i took too many pills", "I think I'm having a heart attack",
          "i want to hurt someone", "my child swallowed my pills", "I want to die", "i cant go on anymore"]
MENTIONS = ["is an overdose of ketamine possible", "can ketamine cause suicidal thoughts",
            "what if i get chest pain during the infusion"]


@pytest.fixture(scope="module")
def uk(engine, settings):
    s = replace(load_settings(UK), cache_dir=settings.cache_dir)
    return Engine(engine.kb, s), s


def test_uk_example_has_the_uk_lines(uk) -> None:
    _, s = uk
    assert [(x.name, x.number, x.reach) for x in s.crisis_lines] == [
        ("emergency services", "999", "call"), ("NHS 111", "111", "call"),
        ("Samaritans", "116 123", "call"), ("Shout", "85258", "text")]


def test_no_us_number_or_wording_anywhere_a_patient_looks(uk) -> None:
    engine, s = uk
    seen = [banner(s), emergency_line(s), s.disclaimer, s.disclaimer_short, about_text(s).plain]
    seen.append(render_text(welcome_renderable(s.clinic_name, s.disclaimer, engine.suggestions(), banner(s)), 40))
    for q in CRISES + MENTIONS + ["hello", "what is ketamine", "where do i park", "what's the weather"]:
        answer = engine.ask(q)
        seen.append(render_text(answer_renderable(answer, disclaimer=s.disclaimer_short), 60))
        seen.extend(n.text for n in answer.notices)
        seen.append(answer.message + answer.disclaimer)
    with create_pipe_input() as pipe:  # the kiosk's own screens
        core = KioskCore(engine, s, idle_timeout=120)
        app = KioskApp(core, input=pipe, output=DummyOutput())
        seen.extend(app.lines)
        core.submit("I want to die")
        app.redraw()
        seen.extend(app.lines)
    for text in seen:
        assert not US_WORDING.search(text), text
    crisis = " ".join(n.text for n in engine.ask("I want to kill myself").notices)
    assert "call 116 123 (Samaritans" in crisis and "text SHOUT to 85258" in crisis and "999" in crisis
    assert "text 116 123" not in crisis  # Samaritans is a phone line


def test_every_crisis_message_template_is_filled_from_settings(uk) -> None:
    engine, s = uk
    values = message_values(s)
    for name in engine.safety.rules.messages:
        text = engine.safety.rules.message(name, values)
        assert "{" not in text and "}" not in text, name
        assert not US_WORDING.search(text), name


def test_us_defaults_are_unchanged_in_substance(engine) -> None:
    crisis = " ".join(n.text for n in engine.ask("I want to kill myself").notices)
    assert "call or text 988 (988 Suicide & Crisis Lifeline" in crisis and "call 911" in crisis
    overdose = " ".join(n.text for n in engine.ask("i took too many pills").notices)
    assert overdose.startswith("Call 911 now") and "call 1-800-222-1222 (Poison Control" in overdose


@pytest.mark.parametrize("body, problem", [
    ('[[crisis_lines]]\nrole = "crisis"\nname = "X"\nnumber = "112"\n', 'role = "emergency"'),
    ('[[crisis_lines]]\nrole = "emergency"\nname = "X"\nnumber = ""\n', "must not be empty"),
    ('[[crisis_lines]]\nrole = "emergency"\nname = "X"\nnumber = "112"\nreach = "fax"\n', "call, text or both"),
    ('[[crisis_lines]]\nrole = "boss"\nname = "X"\nnumber = "112"\n', "role must be"),
    ('[[crisis_lines]]\nrole = "emergency"\nname = "X"\nnumber = "112"\nphone = "2"\n', "unknown key 'phone'"),
    ('crisis_lines = "999"\n', "list of [[crisis_lines]]"),
    ('[[crisis_lines]]\nrole = "emergency"\nname = "X"\nnumber = "\u200b\u2800\u3164"\n', "is not a number a person can dial"),
    ('[[crisis_lines]]\nrole = "emergency"\nname = "X"\nnumber = "call us"\n', "is not a number a person can dial"),
    ('[[crisis_lines]]\nrole = "emergency"\nname = "\u2800"\nnumber = "999"\n', "must not be empty"),
    ('[[crisis_lines]]\nrole = "emergency"\nname = "X\\u001b]52;c;aGk=\\u0007"\nnumber = "999"\n', "escape sequences"),
    ('emergency_number = "\u200b"\n', "must not be empty"),
    ('crisis_line = "9 8 8 x"\n', "must be a number a person can dial"),
    ('disclaimer_short = ""\n', "'disclaimer_short' must not be empty"),
    ('disclaimer_short = "\u3164\u2800 "\n', "'disclaimer_short' must not be empty"),
])
def test_bad_crisis_lines_are_one_clear_error(tmp_path: Path, body: str, problem: str) -> None:
    path = tmp_path / "s.toml"
    path.write_text(body)
    with pytest.raises(ConfigError, match=re.escape(problem)):
        load_settings(path)


def test_reach_words_follow_the_setting(settings) -> None:
    lines = (CrisisLine("emergency", "e", "112"), CrisisLine("crisis", "Line A", "100", "both"),
             CrisisLine("crisis", "Line B", "200", "text"))
    s = replace(settings, crisis_lines=lines)
    assert banner(s) == ("In danger or thinking of harming yourself? Call 112 now, or call or text 100 (Line A), "
                         "or text 200 (Line B).")
    assert message_values(s)["poison_contact"] == "call 112"  # no poison line: the emergency number
