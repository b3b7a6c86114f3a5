"""One answer, one screen (issue 25): `ask` at 80 columns prints at most 22 lines an answer, the chat
at 60x20 keeps each answer within the screen with its prompt, and what a patient must see is always
there: the notices, the best quote (or how to read it) with its labelled source, the short disclaimer."""

from __future__ import annotations

import io
import json

import pytest
from conftest import REPO, render_text
from rich.console import Console

from chatbot.frontends.render import ASK_LINES, ask_renderable, source_line
from chatbot.frontends.repl import ChatState, handle_line, welcome_renderable
from chatbot.retrieval.suggest import Rotation
from chatbot.safety.crisis import banner

PROBES = REPO / "tests" / "data" / "probes"
# answers that took more than 22 lines from `ask` before issue 25 (the advice box, a long quote)
TALL = ["can i keep taking my oxycodone with it", "is it the same as special k", "will i be able to enjoy my days again",
        "why wont the clinic just give me ketamine to take at home", "would ketamine be a good option for me"]


def real_questions(n: int = 30) -> list[str]:
    """Real-style patient questions: the tall ones above, then held-out probes (not shared/eval files)."""
    qs = list(TALL)
    for name in ("real2_holdout.jsonl", "paraphrase_holdout.jsonl", "questions_holdout.jsonl"):
        for line in (PROBES / name).read_text(encoding="utf-8").splitlines():
            if line.strip() and len(qs) < n:
                qs.append(json.loads(line)["question"])
    return qs


def flat(text: str) -> str:
    return " ".join(text.replace("┃", " ").replace("│", " ").split())


def test_ask_at_80_columns_is_at_most_22_lines_and_keeps_what_must_be_seen(engine, settings) -> None:
    heights = {}
    for q in real_questions():
        answer = engine.ask(q)
        out = render_text(ask_renderable(answer, engine.highlights, settings.disclaimer_short, ASK_LINES), 80)
        heights[q] = len(out.splitlines())
        text = flat(out)
        assert out.rstrip().endswith(settings.disclaimer_short), q
        assert "/more" not in out, q  # ask has no /more
        for notice in answer.notices:
            assert flat(notice.text)[:60] in text, q
        if answer.hits:
            assert "Quote 1 · " + source_line(answer.hits[0].passage.source)[:40] in text, q
    assert max(heights.values()) <= 22, {q: h for q, h in heights.items() if h > 22}


def test_without_a_limit_these_answers_are_taller_than_22_lines(engine, settings) -> None:
    """The questions above do need the fitting: drawn with no limit, some take more than 22 lines."""
    tall = [q for q in TALL
            if len(render_text(ask_renderable(engine.ask(q), engine.highlights, settings.disclaimer_short, None),
                               80).splitlines()) > 22]
    assert len(tall) >= 2, tall


def chat_console(width: int, height: int) -> Console:
    return Console(file=io.StringIO(), width=width, height=height, color_system=None)


@pytest.mark.parametrize(("width", "height"), [(60, 20), (80, 24)])
def test_each_chat_answer_fits_the_screen_with_its_prompt(engine, settings, width: int, height: int) -> None:
    state = ChatState(rotation=Rotation(engine.suggester))
    for q in real_questions(20) + ["I want to end it all", "hello", "what is the weather tomorrow"]:
        console = chat_console(width, height)
        assert handle_line(q, engine, settings, console, state)
        out = console.file.getvalue()  # type: ignore[attr-defined]
        assert len(out.splitlines()) + 2 <= height, (q, out)
        assert out.rstrip().endswith(settings.disclaimer_short) or state.last.status == "smalltalk", q
        if state.last.status == "emergency":
            assert "Get help now" in out


def test_more_after_a_shortened_quote_shows_it_in_full_first(engine, settings) -> None:
    state = ChatState(rotation=Rotation(engine.suggester))
    console = chat_console(60, 20)
    handle_line("should i try ketamine for my fibromyalgia", engine, settings, console, state)  # advice box, long quote
    assert state.quote_cut and "type /more to read it all" in console.file.getvalue()  # type: ignore[attr-defined]
    more = chat_console(60, 40)
    handle_line("/more", engine, settings, more, state)
    best = state.last.hits[0].passage.text
    assert "Quote 1 · Source:" in more.file.getvalue() and flat(best) in flat(more.file.getvalue())  # type: ignore[attr-defined]


@pytest.mark.parametrize(("width", "height"), [(60, 20), (80, 24)])
def test_the_welcome_fits_with_its_title_and_crisis_line(settings, width: int, height: int) -> None:
    qs = ["What is Ketamine and How Does it Work for Chronic Pain?", "How Many Ketamine Infusions for Chronic Pain?",
          "Oral Ketamine for Chronic Pain: Is It Effective?", "How long does an infusion take?"]
    view = welcome_renderable(settings.clinic_name, settings.disclaimer, qs, banner(settings),
                              extra="Type /help for commands, /quit to leave.", height=height - 1)
    out = render_text(view, width)
    assert len(out.splitlines()) <= height - 1 and "Welcome to" in out.splitlines()[1]
    assert banner(settings) in flat(out) and flat(settings.disclaimer) in flat(out)
    assert len(view.suggested) >= 1 and all(q in flat(out) for q in view.suggested)
