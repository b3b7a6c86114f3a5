"""Opt-in record of unanswered questions: chat only, masked, listed by frequency."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from chatbot.cli import main
from chatbot.frontends.repl import run_chat
from chatbot.infra.locations import state_dir
from chatbot.infra.unanswered import FILE, anonymise, most_frequent


def test_anonymise_masks_contact_details() -> None:
    text = anonymise("Call me on 555-123-4567 or mail jo.doe@example.com, patient 123456")
    assert "555" not in text and "example.com" not in text and "123456" not in text
    assert "[number]" in text and "[email]" in text


def test_chat_records_only_when_switched_on_and_lists_most_frequent(engine, settings, capsys) -> None:
    path = state_dir() / FILE
    path.unlink(missing_ok=True)
    on = replace(settings, record_unanswered=True)
    for s, keys in ((settings, "can i drive home after my infusion\r/quit\r"),
                    (on, "can i drive home after my infusion\rcan i drive home after my infusion\r"
                         "what is phantom limb pain\rwhat is ketamine\r/quit\r")):
        with create_pipe_input() as pipe:
            pipe.send_text(keys)
            run_chat(engine, s, Console(file=io.StringIO()), history=False, input=pipe, output=DummyOutput())
    rows = most_frequent()
    assert rows[0] == ("can i drive home after my infusion", 2)
    assert ("what is ketamine", 1) not in rows and len(rows) == 2
    assert main(["unanswered"]) == 0
    assert "drive home" in capsys.readouterr().out
    assert main(["unanswered", "--clear"]) == 0 and not path.exists()


@pytest.mark.parametrize("unit", ["a", "é", "1", "my name is jane, call 555 123 4567, jane@x.com "])
def test_masking_time_grows_linearly_with_the_question(unit: str) -> None:
    """A 30,000-character question took 16-50 s to mask (the e-mail pattern was quadratic on a long
    word); measured as a ratio, never as a wall-clock bound: ten times the text, at most 30 times the
    time (quadratic would be about 100)."""
    import time

    def cost(n: int) -> float:
        text = (unit * n)[:n]
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            anonymise(text)
            best = min(best, time.perf_counter() - t)
        return best

    small, large = cost(3_000), cost(30_000)
    assert large <= 30 * max(small, 1e-4), (small, large)
