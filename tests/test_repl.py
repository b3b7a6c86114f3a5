"""The chat loop driven through prompt-toolkit's pipe input, with rich captured at fixed widths."""

from __future__ import annotations

import io

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from chatbot.repl import run_chat


def transcript(engine, settings, keys: str, width: int = 80) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        code = run_chat(engine, settings, console, history=False, input=pipe, output=DummyOutput())
    assert code == 0
    return console.file.getvalue()  # type: ignore[attr-defined]


@pytest.mark.parametrize("width", [60, 80, 120])
def test_welcome_question_sources_more_and_quit(engine, settings, width: int) -> None:
    out = transcript(engine, settings, "how long does the drip take\r/more\r/sources\r/quit\r", width)
    assert "Welcome to" in out and settings.disclaimer[:40] in " ".join(out.split())
    assert "Try asking" in out
    assert "40 minutes to 1 hour" in " ".join(out.replace("│", " ").split())
    assert "Source:" in out and "Quote 4" in out  # /more continues the numbering
    assert "Articles I quote from" in out
    assert "Take care" in out
    assert max(len(line) for line in out.splitlines()) <= width


def test_markup_is_shown_literally(engine, settings) -> None:
    out = transcript(engine, settings, "[bold red]x[/bold red]\r/quit\r")
    assert "[bold red]x[/bold red]" in out or "couldn't find" in out
    out = transcript(engine, settings, "what is [bold]ketamine[/bold]\r/quit\r")
    assert "Traceback" not in out


def test_no_answer_is_helpful(engine, settings) -> None:
    out = transcript(engine, settings, "can i drive home after my infusion\r/quit\r")
    assert "couldn't find an answer" in out and "Questions I can answer" in out


def test_ctrl_c_clears_line_and_ctrl_d_leaves(engine, settings) -> None:
    out = transcript(engine, settings, "half a quest\x03what is ketamine\r\x04")
    assert "dissociative anesthetic" in " ".join(out.replace("│", " ").split())
    assert "Take care" in out


def test_tell_me_more_and_help_and_unknown_command(engine, settings) -> None:
    out = transcript(engine, settings, "tell me more\rdoes ketamine help nerve pain\rtell me more\r/help\r/bogus\r/quit\r")
    assert "Ask a question first" in out
    assert "Quote 4" in out
    assert "/sources" in out and "Unknown command '/bogus'" in out


def test_emergency_in_the_middle_of_a_conversation(engine, settings) -> None:
    out = transcript(engine, settings, "hello\ri dont want to be here anymore\rwhat is ketamine\r/quit\r")
    flat = " ".join(out.replace("│", " ").split())
    assert "Get help now" in flat and "988" in flat
    assert flat.index("Get help now") < flat.index("dissociative anesthetic")
