"""Which language a message is in: English (typos, slang and keywords included) or not."""

from __future__ import annotations

import pytest

from chatbot.safety.language import reading


@pytest.mark.parametrize("text", [
    "how meny infusons wil i ned", "r u open on memorial day", "ketamine infusion cost", "kms", "ok thanks",
    "hydrocodone dosage", "does ketamine help depression", "can i bring my blanket?", "lol", "hola",
    "im at the clinic and my mom is not breathing", "wanna kms rn",
])
def test_english_stays_english(text: str) -> None:
    assert reading(text) == "en"


@pytest.mark.parametrize("text, lang", [
    ("quiero morir, no aguanto mas", "es"), ("la ketamina es segura para el dolor", "es"),
    ("je veux mourir", "fr"), ("ich will nicht mehr leben", "de"), ("eu quero morrer", "pt"),
    ("chce umrzeć, nie mam po co żyć", "pl"), ("tôi muốn chết", "vi"), ("mwen vle mouri", "ht"),
    ("gusto ko nang mamatay", "tl"),
    ("我想死", "other"), ("死にたい", "other"), ("죽고 싶어요", "other"), ("أريد أن أموت", "other"),
    ("मैं मरना चाहता हूँ", "other"), ("я хочу умереть", "other"),
])
def test_other_languages_are_told_apart(text: str, lang: str) -> None:
    assert reading(text) == lang


def test_the_articles_own_words_count_as_english() -> None:
    assert reading("ketamin fibromyalga crps") == "xx"
    assert reading("ketamin fibromyalga crps", known=lambda w: w in {"crps", "fibromyalga"}) == "en"


@pytest.mark.parametrize("message", ["où se trouve la clinique", "cuántas sesiones necesito", "需要预约吗",
                                     "сколько сеансов нужно", "예약은 어떻게 하나요"])
def test_an_ordinary_question_in_another_language_gets_the_crisis_line_and_a_reply_never_the_panel(engine, message: str) -> None:
    answer = engine.ask(message)
    kinds = [n.kind for n in answer.notices]
    assert answer.status == "no_answer" and "emergency" not in kinds and "crisis_line" in kinds
    assert "only answer questions written in English" in answer.message


@pytest.mark.parametrize("message", ["quiero quitarme la vida", "je n'ai plus envie de vivre", "我想结束自己的生命",
                                     "мне незачем жить", "死んでしまいたい、もう限界"])
def test_a_crisis_in_another_language_is_never_small_talk_and_always_shows_the_numbers(engine, message: str) -> None:
    answer = engine.ask(message)
    assert answer.status != "smalltalk"
    assert any(n.kind in ("emergency", "crisis_line") and "988" in n.text for n in answer.notices)


@pytest.mark.parametrize("message", [
    "does ketamine help my back pain as well as my depression",
    "are the nerve blocks as good as the epidural for sciatica",
])
def test_english_sharing_small_words_with_portuguese_stays_english(message: str) -> None:
    assert reading(message) == "en"


@pytest.mark.parametrize("message", ["dove posso lasciare la macchina?", "quanto dura una seduta di solito",
                                     "mon mari ne respire plus", "manman m pa ka respire"])
def test_short_messages_in_other_languages_are_not_read_as_english(message: str) -> None:
    assert reading(message) != "en"


@pytest.mark.parametrize(("message", "sure"), [
    ("to uz nechci dal zit, je to k nicemu", False),  # Czech: "to" is a common English word
    ("main bahut thak gayi hoon, ab aur nahi", False),  # romanised Hindi
    ("is the clinic open on monday", True),
    ("how long dose it take to start wrking", True),  # typos stay English
    ("can i bring my own blanket and headphones", True),
])
def test_a_message_is_surely_english_only_with_a_common_english_word_and_half_its_words_english(message, sure) -> None:
    from chatbot.safety import Safety
    from chatbot.safety.language import surely_english

    assert surely_english(message, Safety.load().rules._known) is sure
