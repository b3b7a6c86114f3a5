"""The engine end to end: JSON contract, statuses, verbatim quotes, knowing when not to answer."""

from __future__ import annotations

import json

import pytest

from chatbot.engine import clean_question
from chatbot.models import STATUSES
from tests.conftest import seed_text


def test_json_contract(engine) -> None:
    data = json.loads(json.dumps(engine.ask("How long does an infusion take?").to_dict()))
    assert set(data) >= {"question", "status", "passages", "notices", "disclaimer"}
    assert data["status"] == "answered" and 1 <= len(data["passages"]) <= 3
    p = data["passages"][0]
    assert set(p) >= {"text", "score", "source"}
    assert set(p["source"]) >= {"title", "publisher", "section", "path", "paragraph"}
    assert p["source"]["path"].startswith("corpus/") and isinstance(p["source"]["paragraph"], int)


@pytest.mark.parametrize("question", ["What is ketamine?", "can i get hooked on ketamine", "drip how long",
                                      "does insurance cover it", "fibromyalga and ketamin"])
def test_answers_quote_whole_verbatim_paragraphs(engine, question: str) -> None:
    seeds = " ".join(seed_text().split())
    answer = engine.ask(question)
    assert answer.status == "answered"
    for hit in answer.hits:
        assert " ".join(hit.passage.text.split()) in seeds
        assert hit.passage.text.rstrip()[-1] in ".!?)”\""


@pytest.mark.parametrize("question", [
    "can i drive home after my infusion?", "what is phantom limb pain?", "can i eat before my infusion",
    "what vitamins are good for joints",
])
def test_knows_when_not_to_answer(engine, question: str) -> None:
    answer = engine.ask(question)
    assert answer.status == "no_answer" and not answer.hits
    assert "staff" in answer.message.lower()
    assert answer.suggestions


def test_suggestions_are_answered(engine) -> None:
    suggestions = engine.suggestions()
    assert len(suggestions) >= 3
    for q in suggestions:
        assert engine.ask(q).status == "answered"


def test_disclaimer_on_every_status(engine) -> None:
    for q in ["what is ketamine", "I want to die", "hello", "", "how do i cook rice"]:
        assert engine.ask(q).disclaimer


@pytest.mark.parametrize("raw", ["", "   ", "\x00\x01", "???", "\u202e\u200b"])
def test_empty_or_symbol_only_is_invalid(engine, raw: str) -> None:
    answer = engine.ask(raw)
    assert answer.status == "invalid" and answer.message


def test_too_long_is_invalid_with_clear_message(engine) -> None:
    answer = engine.ask("pain " * 5_000)  # 25,000 characters: past the limit and past a kiosk paste
    assert answer.status == "invalid" and "too long" in answer.message
    assert len(answer.question) < 300


def test_control_and_escape_characters_removed() -> None:
    assert clean_question("what\x1b[2J is\x07 ketamine\u202e?") == "what [2J is ketamine?"
    assert "\x1b" not in clean_question("\x1b]0;title\x07hi")


def test_personal_advice_then_general_information(engine) -> None:
    answer = engine.ask("how much ketamine should i get for my pain")
    assert answer.notices[0].kind == "personal_advice"
    assert "clinician" in answer.notices[0].text


def test_statuses_are_known(engine) -> None:
    for q in ["hi", "what is ketamine", "I want to die", "", "what's the weather"]:
        assert engine.ask(q).status in STATUSES


def test_more_holds_further_passages(engine) -> None:
    answer = engine.ask("does ketamine help nerve pain")
    assert answer.status == "answered" and answer.more
    shown = {h.passage.id for h in answer.hits}
    assert not shown & {h.passage.id for h in answer.more}


def test_highlights_cover_question_words(engine) -> None:
    answer = engine.ask("is oral ketamine effective")
    text = answer.hits[0].passage.text
    spans = engine.highlights(text, answer.terms)
    assert any(text[a:b].lower() == "oral" for a, b in spans)
