"""The kiosk state machine (idle timer, reset, admin exit, wrong passphrase) and its screen,
driven through prompt-toolkit pipe input."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from kiosk_driver import drive, entered, swallowed
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from chatbot.adminpass import check, make_hash
from chatbot.kiosk import KioskApp
from chatbot.kiosk_core import KioskCore

HASH = make_hash("correct horse", iterations=1000)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def core(engine, settings):
    s = replace(settings, kiosk_admin_hash=HASH)
    return KioskCore(engine, s, idle_timeout=120, clock=Clock())


def test_idle_timeout_resets_after_an_answer(core) -> None:
    assert core.submit("how long does the drip take") == "answered"
    core.clock.now += 100
    assert not core.tick() and core.screen.kind == "answer"
    assert core.idle_remaining() <= core.countdown + 5
    core.clock.now += 21
    assert core.tick() and core.screen.kind == "welcome"


def test_activity_postpones_the_timeout(core) -> None:
    core.submit("what is ketamine")
    core.clock.now += 110
    core.touch()
    core.clock.now += 110
    assert not core.tick()


def test_new_patient_and_leave_words(core) -> None:
    core.submit("what is ketamine")
    assert core.submit("new patient") == "reset" and core.screen.kind == "welcome"
    for word in ("exit", "quit", "/quit", "bye"):
        assert core.submit(word) == "blocked" and not core.exit_requested


def test_numbers_ask_suggested_questions(core) -> None:
    assert core.submit("1") == "answered"
    assert core.screen.answer.question == core.suggestions[0]


def test_admin_exit_and_wrong_passphrase(core) -> None:
    assert core.submit("/staff-exit") == "admin_prompt"
    assert core.submit("wrong") == "admin_denied" and not core.exit_requested
    assert core.submit("/staff-exit") == "admin_prompt"
    assert core.submit("correct horse") == "admin_exit" and core.exit_requested


def test_admin_exit_needs_a_configured_hash(engine, settings) -> None:
    core = KioskCore(engine, settings, idle_timeout=120)
    assert core.submit("/staff-exit") == "admin_unavailable" and not core.exit_requested


def test_huge_input_is_refused(core) -> None:
    assert core.submit("x" * 100_000) == "too_long"


def test_engine_error_is_logged_without_the_words(core, tmp_path, monkeypatch) -> None:
    core.error_log = tmp_path / "errors.log"

    def boom(question: str):
        raise RuntimeError(f"failed on {question}")

    monkeypatch.setattr(core.engine, "ask", boom)
    assert core.submit("my secret question about my dose") == "error"
    assert core.screen.kind == "welcome"
    log = core.error_log.read_text()
    assert "RuntimeError" in log and "secret" not in log and "dose" not in log


def test_passphrase_hash_round_trip() -> None:
    h = make_hash("s3cret pass")
    assert h.startswith("pbkdf2_sha256$") and check("s3cret pass", h) and not check("s3cret", h)
    assert not check("x", "garbage")


def test_escape_keys_do_not_leave(core) -> None:
    steps = [(k, swallowed(i + 1)) for i, k in enumerate(["\x03", "\x04", "\x1a", "\x1c", "\x1b"])]
    steps += [(line, entered(i + 1)) for i, line in enumerate(["exit\r", "quit\r", "/quit\r", "y" * 5000 + "\r"])]
    drive(core, steps)
    assert not core.exit_requested
    # the paste was capped at the input limit and answered like any other line
    assert core.screen.kind == "answer" and len(core.screen.answer.question) <= 300


def test_a_paste_is_one_event_not_thousands_of_keys() -> None:
    from prompt_toolkit.key_binding import KeyPress
    from prompt_toolkit.keys import Keys

    from chatbot.keyinput import coalesce

    keys = [KeyPress(c, c) for c in "ab"] + [KeyPress(Keys.Enter, "\r"), KeyPress("x", "x"), KeyPress(Keys.ControlC, "\x03")]
    out = coalesce(keys)
    assert [(k.key, k.data) for k in out] == [(Keys.BracketedPaste, "ab"), (Keys.Enter, "\r"), ("x", "x"),
                                               (Keys.ControlC, "\x03")]


def test_answer_screen_pages_and_admin_exit_through_the_app(core) -> None:
    drive(core, [("how long does the drip take\r", entered(1)), ("\x1b[6~", lambda app: app.offset > 0 or
                  len(app.lines) <= app.page()), ("/staff-exit\r", entered(2)), ("correct horse\r", entered(3))])
    assert core.exit_requested


def test_lines_are_wiped_on_reset(core) -> None:
    with create_pipe_input() as pipe:
        app = KioskApp(core, input=pipe, output=DummyOutput())
        core.submit("how long does the drip take")
        app.redraw()
        plain = lambda: re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(app.lines))  # noqa: E731
        assert "40 minutes" in plain()
        core.reset()
        app.wipe()
        assert "40 minutes" not in plain() and "Welcome" in plain()
        assert app.buffer.text == ""
