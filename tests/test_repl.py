"""The chat loop driven through prompt-toolkit's pipe input, with rich captured at fixed widths."""

from __future__ import annotations

import io

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from chatbot.frontends.repl import run_chat


def transcript(engine, settings, keys: str, width: int = 80) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        code = run_chat(engine, settings, console, history=False, input=pipe, output=DummyOutput())
    assert code == 0
    return console.file.getvalue()  # type: ignore[attr-defined]


@pytest.mark.parametrize("width", [60, 80, 120])
def test_welcome_question_sources_more_and_quit(engine, settings, width: int) -> None:
    out = transcript(engine, settings, "how long does the drip take\r/more\r/more\r/sources\r/quit\r", width)
    assert "Welcome to" in out and settings.disclaimer[:40] in " ".join(out.split())
    assert "Try asking" in out
    assert "40 minutes to 1 hour" in " ".join(out.replace("┃", " ").split())
    assert "Quote 1 · Source: " in out and "Quote 2" in out and "Quote 4" in out  # /more continues the numbering
    before_sources = out[:out.index("Articles I quote from")]
    assert "corpus/" not in before_sources and "paragraph " not in before_sources and "not stated" not in before_sources
    assert "Articles I quote from" in out
    assert "Take care" in out
    assert max(len(line) for line in out.splitlines()) <= width


def test_markup_is_shown_literally(engine, settings) -> None:
    out = transcript(engine, settings, "[bold red]x[/bold red]\r/quit\r")
    # echoed literally, or not echoed at all (no answer, or read as small talk: what the chatbot can do)
    assert "[bold red]x[/bold red]" in out or "couldn't find" in out or "I answer questions about" in out
    assert "x" not in [line.strip(" │") for line in out.splitlines()]  # never rendered as markup
    out = transcript(engine, settings, "what is [bold]ketamine[/bold]\r/quit\r")
    assert "Traceback" not in out


def test_no_answer_is_helpful(engine, settings) -> None:
    out = transcript(engine, settings, "can i drive home after my infusion\r/quit\r")
    assert "couldn't find an answer" in out and "Questions I can answer" in out


def test_ctrl_c_clears_line_and_ctrl_d_leaves(engine, settings) -> None:
    out = transcript(engine, settings, "half a quest\x03what is ketamine\r\x04")
    assert "dissociative anesthetic" in " ".join(out.replace("│", " ").replace("┃", " ").split())
    assert "Take care" in out


def test_tell_me_more_and_help_and_unknown_command(engine, settings) -> None:
    out = transcript(engine, settings, "tell me more\rdoes ketamine help nerve pain\rtell me more\r/help\r/bogus\r/quit\r")
    assert "Ask a question first" in out
    assert "Quote 2" in out
    assert "/sources" in out and "Unknown command '/bogus'" in out


def test_emergency_in_the_middle_of_a_conversation(engine, settings) -> None:
    out = transcript(engine, settings, "hello\ri dont want to be here anymore\rwhat is ketamine\r/quit\r")
    flat = " ".join(out.replace("│", " ").replace("┃", " ").split())
    assert "Get help now" in flat and "988" in flat
    assert flat.index("Get help now") < flat.index("dissociative anesthetic")


def test_full_disclaimer_at_the_start_and_in_about_short_after_answers(engine, settings) -> None:
    out = transcript(engine, settings, "what is ketamine\r/about\r/quit\r")
    flat = " ".join(out.replace("│", " ").replace("┃", " ").split())
    assert flat.count(settings.disclaimer) == 2  # the welcome and /about
    answer = flat[flat.index("Quote 1"):flat.index(settings.disclaimer, flat.index("Quote 1"))]
    assert settings.disclaimer_short in answer


def test_out_of_scope_is_said_once(engine, settings) -> None:
    out = transcript(engine, settings, "what's the weather like tomorrow\r/quit\r")
    assert " ".join(out.split()).count("That is outside what I can help with") == 1


def suggested(out: str) -> list[list[str]]:
    """Each "You could also ask" list in a transcript."""
    lists = []
    for block in out.split("You could also ask:")[1:]:
        lines = []
        for line in block.splitlines()[1:]:
            if not line.startswith("  • "):
                break
            lines.append(line[4:].strip())
        lists.append(lines)
    return lists


def test_suggestions_never_repeat_the_question_and_rotate(engine, settings) -> None:
    pool = list(engine.suggestions())
    asked = [pool[0], pool[1], "how long does the drip take", "is ketamine addictive"]
    out = transcript(engine, settings, "".join(q + "\r" for q in asked) + "/quit\r")
    lists = suggested(out)
    assert len(lists) == 4
    assert pool[0] not in lists[0] and pool[1] not in lists[1]
    assert "What Is Ketamine and How Does It Work?" not in lists[0]  # equivalent to pool[0]
    assert len({tuple(x) for x in lists}) > 1  # not the same three after every answer
    for x in lists:
        assert len(set(x)) == len(x)


def test_history_is_private_and_keeps_no_emergency(engine, settings, tmp_path) -> None:
    import os
    import stat

    from chatbot.infra.locations import state_dir

    console = Console(file=io.StringIO(), width=80, color_system=None)
    with create_pipe_input() as pipe:
        pipe.send_text("what is ketamine\ri want to kill myself\rcan ketamine cause suicidal thoughts\r/quit\r")
        run_chat(engine, settings, console, history=True, input=pipe, output=DummyOutput())
    path = state_dir() / "history"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    text = path.read_text()
    assert "what is ketamine" in text and "/quit" in text
    assert "kill myself" not in text and "suicidal" not in text  # an emergency answer or notice: not kept


@pytest.mark.parametrize("goodbye", ["bye", "ok bye", "thanks bye", "Goodbye!"])
def test_a_goodbye_in_words_ends_the_chat_politely(engine, settings, goodbye: str) -> None:
    console = Console(file=io.StringIO(), width=80, color_system=None)
    with create_pipe_input() as pipe:
        # nothing after the goodbye is read: the question typed after it is never answered
        pipe.send_text(f"{goodbye}\rhow long does an infusion take\r")
        run_chat(engine, settings, console, history=False, input=pipe, output=DummyOutput())
    out = console.file.getvalue()
    assert "Take care" in out
    assert "40 minutes" not in out
