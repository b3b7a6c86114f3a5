"""The kiosk state machine (idle timer, reset, admin exit, wrong passphrase) and its screen,
driven through prompt-toolkit pipe input."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from kiosk_driver import drive, entered, swallowed
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from chatbot.frontends.adminpass import check, make_hash
from chatbot.frontends.kiosk import KioskApp
from chatbot.frontends.kiosk_core import KioskCore

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
    for word in ("exit", "quit", "/quit"):
        assert core.submit(word) == "blocked" and not core.exit_requested


def test_numbers_ask_suggested_questions(core) -> None:
    assert core.submit("1") == "answered"
    assert core.screen.answer.question == core.suggestions[0]


def test_numbers_refer_to_the_list_on_screen(core) -> None:
    core.submit("how long does the drip take")
    on_screen = core.screen.choices
    assert on_screen and on_screen != tuple(core.suggestions[:len(on_screen)])
    assert core.submit("2") == "answered" and core.screen.answer.question == on_screen[1]
    n = len(core.screen.choices)
    assert core.submit(str(n + 1)) == "bad_number" and core.hint == f"Please type a number from 1 to {n}."
    assert core.screen.kind == "answer"  # the list stays on screen
    core.submit("more")
    assert core.submit("1") == "bad_number" and "No numbered list" in core.hint


@pytest.mark.parametrize("odd", ["²", "①", "٣", "1²", "0", "99999999999999999999"])
def test_odd_digits_never_crash(core, odd: str) -> None:
    assert core.submit(odd) != "error"


def test_admin_exit_and_wrong_passphrase(core) -> None:
    assert core.submit("/staff-exit") == "admin_prompt"
    assert core.submit("wrong") == "admin_denied" and not core.exit_requested
    assert core.submit("/staff-exit") == "admin_wait"  # a growing delay before the next try
    core.clock.now += 2
    assert core.submit("/staff-exit") == "admin_prompt"
    assert core.submit("correct horse") == "admin_exit" and core.exit_requested


def test_wrong_passphrases_wait_longer_each_time(core) -> None:
    waits = []
    for _ in range(4):
        core.submit("/staff-exit")
        assert core.submit("wrong") == "admin_denied"
        waits.append(core.admin_locked_until - core.clock.now)
        assert core.submit("/staff-exit") == "admin_wait"
        core.clock.now += waits[-1]
    assert waits == sorted(waits) and waits[0] < waits[-1]
    assert core.submit("/staff-exit") == "admin_prompt"  # no sleep: the clock alone decides


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 1e-9, 1e308, 0, -5, 9.9, 86_401])
def test_timeouts_are_validated(engine, settings, bad: float) -> None:
    from chatbot.errors import UsageError

    with pytest.raises(UsageError):
        KioskCore(engine, settings, idle_timeout=bad)


def test_admin_exit_needs_a_configured_hash(engine, settings) -> None:
    core = KioskCore(engine, settings, idle_timeout=120)
    assert core.submit("/staff-exit") == "admin_unavailable" and not core.exit_requested


def test_huge_input_is_refused(core) -> None:
    assert core.submit("x" * 100_000) == "invalid" and core.screen.kind == "answer"


def test_the_whole_typed_text_reaches_the_engine(core, monkeypatch) -> None:
    """The kiosk keeps the engine's limit plus a margin, so a crisis sentence after 1,000 characters
    is still safety-checked by the engine (it is not cut to a few hundred characters first)."""
    seen = []
    real = core.engine.ask
    monkeypatch.setattr(core.engine, "ask", lambda text: seen.append(text) or real(text))
    tail = " I am going to kill myself tonight"
    drive(core, [("x " * 550 + tail + "\r", entered(1))])
    assert seen and seen[0].endswith("kill myself tonight") and len(seen[0]) > 1000
    drive(core, [("y" * 1_000_000 + "\r", entered(1))])
    assert len(seen[1]) == core.limit


def test_a_huge_paste_is_dropped_before_parsing(core) -> None:
    app = drive(core, [("z" * 500_000 + "\r", entered(1))])
    assert app.input.dropped > 400_000 and len(core.screen.answer.question) <= 300


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
    # the paste was capped at the input limit and answered like any other line (too long)
    assert core.screen.kind == "answer" and core.screen.answer.status == "invalid"


def later(core, app_condition):
    """A step condition that moves the injected clock on each time it is polled."""
    def condition(app) -> bool:
        core.clock.now += 30
        return app_condition(app)
    return condition


def test_idle_timeout_clears_unsent_text_on_the_welcome(core) -> None:
    app = drive(core, [("my private words", lambda app: app.buffer.text == "my private words"),
                       ("", later(core, lambda app: app.buffer.text == ""))])
    assert app.buffer.text == "" and core.screen.kind == "welcome"
    assert not any("private" in line for line in app.lines)


def test_a_paste_start_without_end_is_discarded(core) -> None:
    app = drive(core, [("\x1b[200~half a paste", lambda app: app.input.paste_pending()),
                       ("", later(core, lambda app: not app.input.paste_pending())),
                       ("hello", lambda app: app.buffer.text == "hello")])
    assert "half" not in app.buffer.text


def test_idle_timeout_discards_a_pending_paste(core) -> None:
    app = drive(core, [("what is ketamine\r", entered(1)), ("\x1b[200~secret", lambda app: app.input.paste_pending()),
                       ("", lambda app: app.input.paste_pending())])
    core.clock.now += 1000
    assert core.tick(pending=app.pending())
    app.wipe()
    assert not app.input.paste_pending()


def test_an_error_in_a_key_handler_returns_to_the_welcome(core, tmp_path, monkeypatch) -> None:
    core.error_log = tmp_path / "errors.log"

    def boom(line: str) -> str:
        raise ValueError(f"invalid literal for int() with base 10: {line!r}")

    monkeypatch.setattr(core, "submit", boom)
    app = drive(core, [("what is ketamine\r", lambda app: app.errors >= 1)])
    assert core.screen.kind == "welcome" and "Welcome" in "\n".join(app.lines)
    log = core.error_log.read_text()
    assert "ValueError" in log and "kiosk.py" in log and "ketamine" not in log


def test_odd_digits_through_the_app(core) -> None:
    app = drive(core, [("²\r", entered(1)), ("①\r", entered(2))])
    assert app.errors == 0 and "Traceback" not in "\n".join(app.lines)


def test_a_paste_is_one_event_not_thousands_of_keys() -> None:
    from prompt_toolkit.key_binding import KeyPress
    from prompt_toolkit.keys import Keys

    from chatbot.frontends.keyinput import coalesce

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


class SizedOutput(DummyOutput):
    def __init__(self, rows: int, columns: int) -> None:
        super().__init__()
        self.rows, self.columns = rows, columns

    def get_size(self):
        from prompt_toolkit.data_structures import Size

        return Size(rows=self.rows, columns=self.columns)


def plain(lines: list[str]) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(lines))


@pytest.mark.parametrize("width", [40, 60, 80])
def test_redraw_on_resize_and_the_crisis_line_is_never_cut(core, width: int) -> None:
    from chatbot.safety.crisis import banner

    out = SizedOutput(24, 120)
    with create_pipe_input() as pipe:
        app = KioskApp(core, input=pipe, output=out)
        out.rows, out.columns = 20, width
        app._body()  # what prompt-toolkit calls to draw: it notices the new size
        text = plain(app.lines)
        assert max(len(line) for line in text.splitlines()) <= width
        flat = " ".join(text.replace("│", " ").split())
        assert banner(core.settings) in flat


def test_header_fits(core) -> None:
    with create_pipe_input() as pipe:
        app = KioskApp(core, input=pipe, output=DummyOutput())
        for width in (40, 60, 80):
            assert len(app.header_text(width)) <= width
        assert "new" in app.header_text(80)


def test_kiosk_wording_says_more_not_slash_more(core) -> None:
    with create_pipe_input() as pipe:
        app = KioskApp(core, input=pipe, output=SizedOutput(24, 80))
        core.submit("how long does the drip take")
        app.redraw()
        text = plain(app.lines)
        assert "type more" in text and "/more" not in text


def test_without_a_terminal_the_kiosk_exits_with_one_line(tmp_path) -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "chatbot", "kiosk"], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "terminal" in proc.stderr and proc.stdout.strip() == ""


@pytest.mark.parametrize("width", [40, 60, 80])
def test_the_status_line_fits(core, width: int) -> None:
    with create_pipe_input() as pipe:
        app = KioskApp(core, input=pipe, output=SizedOutput(20, width))
        assert len(app.status_text(width)) <= width
        core.submit("how long does the drip take")
        app.redraw()
        core.clock.now += 110  # the countdown and the paging together
        assert len(app.status_text(width)) <= width and "Starting over" in app.status_text(width)


def test_a_huge_bracketed_paste_is_capped_as_it_arrives(core) -> None:
    app = drive(core, [("\x1b[200~" + "w" * 500_000 + "\x1b[201~\r", entered(1))])
    assert app.input.dropped > 400_000 and core.screen.answer.status == "invalid"


def test_a_fresh_kiosk_offers_only_questions_it_answers(settings) -> None:
    from chatbot.articles.knowledge import open_knowledge
    from chatbot.engine import Engine

    engine = Engine(open_knowledge(None, settings), settings)  # its model still loading
    core = KioskCore(engine, settings, idle_timeout=120)
    assert engine.semantic.ready() and core.screen.choices
    for number, question in enumerate(core.screen.choices, 1):
        assert core.engine.ask(question).status == "answered", question
        assert core.submit(str(number)) == "answered"
        core.reset()


@pytest.mark.parametrize("length", [1_300, 5_000, 19_000])
def test_a_long_paste_that_ends_with_a_crisis_sentence_gets_the_panel(core, length: int) -> None:
    story = ("my pain started after a car accident and nothing has helped since then. " * 400)[:length]
    app = drive(core, [(story + " i have decided to kill myself tonight\r", entered(1))])
    assert app.input.dropped == 0
    answer = core.screen.answer
    assert answer.status == "emergency" and answer.notices[0].kind == "emergency"


def test_the_kiosk_keeps_at_least_20000_characters_for_the_safety_check(core) -> None:
    assert core.limit >= 20_000


def test_a_passphrase_typed_during_the_wait_is_never_searched_or_shown(core, monkeypatch) -> None:
    asked = []
    real = core.engine.ask
    monkeypatch.setattr(core.engine, "ask", lambda text: asked.append(text) or real(text))
    for guess in ("guess1", "guess2", "guess3"):  # a patient tries
        core.submit("/staff-exit")
        core.submit(guess)
    core.clock.now += 1  # staff arrive while the delay still runs
    assert core.submit("/staff-exit") == "admin_wait" and core.screen.kind == "admin"
    assert core.submit("correct horse") == "admin_wait" and not core.exit_requested
    assert asked == [] and "correct horse" not in core.screen.text
    core.clock.now += 3600
    assert core.submit("correct horse") == "admin_exit" and core.exit_requested
    assert asked == []


@pytest.mark.parametrize(("rows", "columns"), [(20, 60), (24, 80)])
def test_each_kiosk_answer_fits_its_screen_and_numbers_ask_only_what_is_shown(core, rows: int, columns: int) -> None:
    with create_pipe_input() as pipe:
        app = KioskApp(core, input=pipe, output=SizedOutput(rows, columns))
        # an advice box with a quote, an advice box without one, and plain answers
        for q in ("can i take ketamine with my oxycodone", "can i keep taking my oxycodone with it",
                  "is it the same as special k", "what is ketamine", "how long does the drip take"):
            core.submit(q)
            app.redraw()
            assert len(app.lines) <= app.page(), (q, plain(app.lines))
            text = plain(app.lines)
            assert core.settings.disclaimer_short in text
            if core.screen.answer is not None and core.screen.answer.hits:
                assert "Quote 1 · Source:" in text or "type more to read it" in text
            else:
                assert "I couldn't find an answer" in text
            shown = core.screen.shown or 0
            assert all(f"{i}. " in text for i in range(1, shown + 1)) and f"{shown + 1}. " not in text
        if shown < len(core.screen.choices):
            assert core.submit(str(shown + 1)) == "bad_number"


def test_help_shows_the_numbered_questions_again(core) -> None:
    core.submit("what is ketamine")
    assert core.submit("help") == "help" and core.screen.kind == "help"
    assert core.screen.choices == tuple(core.suggestions) and core.screen.choices
    with create_pipe_input() as pipe:
        app = KioskApp(core, input=pipe, output=SizedOutput(24, 80))
        text = plain(app.lines)
        assert "1. " + core.suggestions[0][:30] in text and "more" in text and "new" in text
    assert core.submit("1") == "answered" and core.screen.answer.question == core.suggestions[0]


@pytest.mark.parametrize("goodbye", ["bye", "goodbye", "ok bye", "thanks bye", "Bye!"])
def test_a_goodbye_starts_a_fresh_welcome_and_never_leaves(core, goodbye: str) -> None:
    core.submit("how long does the drip take")
    assert core.submit(goodbye) == "reset"
    assert core.screen.kind == "welcome" and not core.exit_requested and "Take care" in core.hint
    assert core.screen.answer is None and core.submit("more") == "no_more"


def test_a_goodbye_in_the_running_kiosk_wipes_the_screen(core) -> None:
    app = drive(core, [("what is ketamine\r", entered(1)), ("ok bye\r", entered(2))])
    assert core.screen.kind == "welcome" and not core.exit_requested
    assert "Welcome to" in plain(app.lines) and "anesthetic" not in plain(app.lines)
