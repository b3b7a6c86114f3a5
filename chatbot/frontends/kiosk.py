"""Kiosk mode: a full-screen prompt-toolkit application on a shared waiting-room terminal.

No key leaves it: Ctrl-C, Ctrl-D, Ctrl-Z, Ctrl-\\ and Escape are swallowed (the terminal is in raw
mode, so they arrive as keys, not signals, and the signals are ignored as well). Staff leave with the
configured command and passphrase, or by a signal from the system (SIGTERM, SIGHUP). After the idle
time-out the screen, the terminal's scrollback, unsent text and any pending paste are wiped and the
welcome returns. The screen is drawn for the terminal's current size, again after every resize, so
the crisis line is wrapped, never cut. A key handler that fails is logged (type and place only) and
the kiosk returns to the welcome: a patient never sees a traceback.
"""

from __future__ import annotations

import asyncio
import functools
import io
import os
import signal
import sys
from collections.abc import Callable
from typing import Any, Literal

from prompt_toolkit.application import Application
from prompt_toolkit.buffer import Buffer
from prompt_toolkit.formatted_text import ANSI, FormattedText
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.keys import Keys
from prompt_toolkit.layout import HSplit, Layout, VSplit, Window
from prompt_toolkit.layout.controls import BufferControl, FormattedTextControl
from prompt_toolkit.layout.processors import PasswordProcessor
from rich.console import Console
from rich.text import Text

from chatbot.config import Settings
from chatbot.engine import Engine
from chatbot.errors import UsageError
from chatbot.frontends.keyinput import CoalescingInput
from chatbot.frontends.kiosk_core import KioskCore, check_timeout
from chatbot.frontends.render import answer_renderable, welcome_renderable
from chatbot.safety.crisis import banner

WIPE = "\x1b[3J\x1b[2J\x1b[H"  # erase scrollback, erase screen, cursor home
SWALLOWED_KEYS = ("c-c", "c-d", "c-z", "c-\\", "escape", "c-q", "c-s", "c-v", "c-x", "c-y", "f1", "f10")
MORE_HINT = "type more to read them"


def guarded(method: Callable[..., None]) -> Callable[..., None]:
    """A key handler that cannot put a traceback on screen: any error is logged (type and place) and
    the kiosk goes back to the welcome."""

    @functools.wraps(method)
    def run(self: KioskApp, *args: Any) -> None:
        try:
            method(self, *args)
        except Exception as exc:
            self.recover(exc)

    return run


class KioskApp:
    def __init__(self, core: KioskCore, input: Any = None, output: Any = None) -> None:
        self.core = core
        self.offset = 0
        self.lines: list[str] = []
        self.drawn_for: tuple[int, int] = (0, 0)  # the size self.lines were drawn for
        self.notice = ""
        self.keys_swallowed = 0  # counters: what the app has processed (tests wait on them)
        self.lines_entered = 0
        self.redraws = 0
        self.errors = 0
        self.buffer = Buffer(multiline=False, on_text_changed=self._capped)
        self.secret = Buffer(multiline=False, on_text_changed=self._capped)
        kb = KeyBindings()
        for key in SWALLOWED_KEYS:
            kb.add(key, eager=True)(self._swallow)
        kb.add("enter")(self._enter)
        kb.add(Keys.BracketedPaste, eager=True)(self._paste)
        kb.add("pageup")(self._page_up)
        kb.add("pagedown")(self._page_down)
        kb.add("up")(self._line_up)
        kb.add("down")(self._line_down)
        header = Window(FormattedTextControl(self._header), height=1, style="reverse")
        body = Window(FormattedTextControl(self._body), wrap_lines=False)
        status = Window(FormattedTextControl(self._status), height=1, style="reverse")
        prompt = VSplit([
            Window(FormattedTextControl(self._prompt_label), dont_extend_width=True),
            Window(BufferControl(self.buffer), height=1),
        ])
        self.question_window = prompt
        self.secret_window = VSplit([
            Window(FormattedTextControl(lambda: "Staff passphrase › "), dont_extend_width=True),
            Window(BufferControl(self.secret, input_processors=[PasswordProcessor()]), height=1),
        ])
        if input is None:
            from prompt_toolkit.input import create_input

            input = create_input()
        self.input = CoalescingInput(input, limit=core.limit)
        self.app: Application[int] = Application(
            layout=Layout(HSplit([header, body, status, self.input_area()])),
            key_bindings=kb, full_screen=True, mouse_support=False, input=self.input, output=output,
        )
        self.app.key_processor.before_key_press += lambda _: self.core.touch()
        self.redraw()

    # -- layout helpers ----------------------------------------------------------------------
    def input_area(self) -> Any:
        from prompt_toolkit.filters import Condition
        from prompt_toolkit.layout import ConditionalContainer

        admin = Condition(lambda: self.core.screen.kind == "admin")
        return HSplit([
            ConditionalContainer(self.question_window, filter=~admin),
            ConditionalContainer(self.secret_window, filter=admin),
        ])

    def size(self) -> tuple[int, int]:
        try:
            s = self.app.output.get_size()
            return max(s.rows, 5), max(s.columns, 10)
        except Exception:
            return 24, 80

    def page(self) -> int:
        return max(1, self.size()[0] - 3)

    def scroll(self, delta: int) -> None:
        self.offset = max(0, min(self.offset + delta, max(0, len(self.lines) - self.page())))

    @guarded
    def _page_up(self, event: Any) -> None:
        self.scroll(-self.page())

    @guarded
    def _page_down(self, event: Any) -> None:
        self.scroll(self.page())

    @guarded
    def _line_up(self, event: Any) -> None:
        self.scroll(-1)

    @guarded
    def _line_down(self, event: Any) -> None:
        self.scroll(1)

    def header_text(self, width: int) -> str:
        """The clinic's name and how to start over, shortened to fit ``width``."""
        name = self.core.settings.clinic_name
        for text in (f" {name} · ketamine for chronic pain · type 'new' to start over",
                     f" {name} · type 'new' to start over", f" {name}"):
            if len(text) <= width:
                return text
        return text[:max(1, width - 1)] + "…"

    def _header(self) -> FormattedText:
        return FormattedText([("bold", self.header_text(self.size()[1]))])

    def _prompt_label(self) -> FormattedText:
        return FormattedText([("bold", "Your question › ")])

    def _body(self) -> ANSI:
        if self.size() != self.drawn_for:  # the terminal was resized: draw again for its new size
            offset = self.offset
            self.redraw()
            self.offset = offset
            self.scroll(0)
        return ANSI("\n".join(self.lines[self.offset:self.offset + self.page()]))

    def pending(self) -> bool:
        """Unsent text, or a paste that has begun: the idle time-out clears these too."""
        return bool(self.buffer.text or self.secret.text) or self.input.paste_pending()

    def status_text(self, width: int) -> str:
        """One status line that fits ``width``: the countdown, hint or notice first, then paging;
        each in a shorter form when the long one does not fit."""
        first: list[str] = []
        remaining = self.core.idle_remaining()
        if (not self.core.at_rest() or self.pending()) and remaining <= self.core.countdown:
            n = max(0, int(remaining + 0.999))
            first = [f"Starting over for the next patient in {n} s - press any key to stay",
                     f"Starting over in {n} s - press a key to stay", f"Starting over in {n} s"]
        elif self.core.hint:
            first = [self.core.hint]
        elif self.notice:
            first = [self.notice]
        paging: list[str] = []
        if len(self.lines) > self.page():
            a, b, n = self.offset + 1, min(len(self.lines), self.offset + self.page()), len(self.lines)
            paging = [f"lines {a}-{b} of {n}: PgUp/PgDn or ↑/↓ to scroll", f"lines {a}-{b} of {n}: PgUp/PgDn",
                      f"{a}-{b}/{n} PgUp/PgDn"]
        elif not first and self.core.screen.choices:
            first = ["Type a question and press Enter, or a number to ask a suggested question.",
                     "Type a question, or a number, and press Enter.", "Type a question, then Enter."]
        elif not first:
            first = ["Type a question and press Enter, or 'new' to start over.", "Type a question, then Enter."]
        for f in first or [""]:
            for pg in paging or [""]:
                text = " " + "  |  ".join(x for x in (f, pg) if x)
                if len(text) <= width:
                    return text
        return " " + (first or paging)[-1][:max(1, width - 1)]

    def _status(self) -> FormattedText:
        return FormattedText([("", self.status_text(self.size()[1]))])

    # -- drawing -----------------------------------------------------------------------------
    def redraw(self) -> None:
        rows, cols = self.size()
        color: Literal["standard"] | None = None if os.environ.get("NO_COLOR") else "standard"
        console = Console(file=io.StringIO(), width=cols, force_terminal=color is not None,
                          color_system=color, highlight=False, markup=False, emoji=False)
        core, screen = self.core, self.core.screen
        s = core.settings
        if screen.kind == "welcome":
            console.print(welcome_renderable(s.clinic_name, s.disclaimer, screen.choices, banner(s),
                                             numbered=True, boxed=False))
        elif screen.kind == "answer" and screen.answer is not None:
            console.print(answer_renderable(screen.answer, core.engine.highlights, show_question=True,
                                            suggestions=screen.choices, numbered=True,
                                            disclaimer=s.disclaimer_short, more_hint=MORE_HINT))
        elif screen.kind == "more" and screen.answer is not None:
            console.print(answer_renderable(screen.answer, core.engine.highlights, show_question=True,
                                            hits=screen.hits, first_number=screen.first_number, suggestions=(),
                                            disclaimer=s.disclaimer_short, more_hint=MORE_HINT,
                                            more_left=screen.more_left))
        elif screen.kind == "admin":
            console.print(Text("Staff exit: type the passphrase and press Enter."))
        else:
            console.print(Text(screen.text))
        self.lines = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
        self.drawn_for = (rows, cols)
        self.offset = 0
        self.redraws += 1

    def wipe(self) -> None:
        """Clear the screen, the terminal's scrollback, unsent text and any pending paste; draw afresh."""
        self.buffer.reset()
        self.secret.reset()
        self.input.discard_paste()
        self.notice = ""
        try:
            self.app.output.write_raw(WIPE)
            self.app.output.flush()
            self.app.renderer.clear()
        except Exception:
            pass
        self.redraw()
        self.app.invalidate()

    # -- events ------------------------------------------------------------------------------
    def recover(self, exc: BaseException) -> None:
        """Log where an error happened (never what was typed) and go back to a clean welcome."""
        self.errors += 1
        self.core.recover(exc)
        try:
            self.wipe()
            self.focus_input()
        except Exception as again:  # drawing itself failed: the outer loop restarts the app
            self.core.log_error(again)

    @guarded
    def _swallow(self, event: Any) -> None:
        self.keys_swallowed += 1
        self.notice = "This terminal stays open. Type 'new' to start over."
        self.app.invalidate()

    def _capped(self, buffer: Buffer) -> None:
        limit = self.core.limit
        if len(buffer.text) > limit:
            buffer.text = buffer.text[:limit]
            buffer.cursor_position = limit
            self.notice = f"Questions are limited to {self.core.settings.max_question_chars} characters."

    @guarded
    def _paste(self, event: Any) -> None:
        """A paste (or a burst of typed characters) in one step: line breaks become spaces, and what
        does not fit under the input limit is dropped at once instead of key by key."""
        buffer = event.current_buffer
        room = max(0, self.core.limit - len(buffer.text))
        text = " ".join(event.data[:room + 1].replace("\r", "\n").split("\n"))
        if len(event.data) > room:
            self.notice = f"Questions are limited to {self.core.settings.max_question_chars} characters."
        buffer.insert_text(text[:room])

    @guarded
    def _enter(self, event: Any) -> None:
        self.lines_entered += 1
        admin = self.core.screen.kind == "admin"
        line = self.secret.text if admin else self.buffer.text
        self.buffer.reset()
        self.secret.reset()
        self.notice = ""
        outcome = self.core.submit(line)
        if outcome == "admin_exit":
            self.wipe()
            self.app.exit(result=0)
            return
        if outcome == "reset":
            self.wipe()
        else:
            self.redraw()
        self.focus_input()

    def focus_input(self) -> None:
        target = self.secret if self.core.screen.kind == "admin" else self.buffer
        try:
            self.app.layout.focus(target)
        except ValueError:
            pass

    async def _watch_idle(self) -> None:
        while True:
            await asyncio.sleep(0.25)
            try:
                self.input.expire_paste()  # a paste start with no end does not lock the keys
                if self.core.tick(pending=self.pending()):
                    self.wipe()
                    self.focus_input()
                self.app.invalidate()
            except Exception as exc:
                self.recover(exc)

    def _loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        self.recover(exc if isinstance(exc, BaseException) else RuntimeError(str(context.get("message", ""))[:80]))

    def run(self) -> int:
        def start() -> None:
            asyncio.get_running_loop().set_exception_handler(self._loop_error)
            self.app.create_background_task(self._watch_idle())

        return int(self.app.run(pre_run=start, set_exception_handler=False) or 0)


def need_terminal() -> None:
    """The kiosk draws on a terminal and reads keys from it; without one it stops with one line."""
    for name, stream in (("input", sys.stdin), ("output", sys.stdout)):
        try:
            ok = stream is not None and stream.isatty()
        except (ValueError, OSError):
            ok = False
        if not ok:
            raise UsageError(f"the kiosk needs a terminal, and standard {name} is not one")


def run_kiosk(engine: Engine, settings: Settings, idle_timeout: float) -> int:
    from chatbot.infra.locations import state_dir

    check_timeout(idle_timeout)
    need_terminal()
    core = KioskCore(engine, settings, idle_timeout, error_log=state_dir() / "kiosk-errors.log")
    for sig in (signal.SIGINT, signal.SIGTSTP, signal.SIGQUIT):
        signal.signal(sig, signal.SIG_IGN)
    stop = {"now": False}

    def leave(signum: int, frame: Any) -> None:
        stop["now"] = True
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, leave)
    signal.signal(signal.SIGHUP, leave)
    try:
        while not core.exit_requested and not stop["now"]:
            try:
                KioskApp(core).run()
            except (SystemExit, KeyboardInterrupt):
                if stop["now"]:
                    break
            except Exception as exc:  # log without the patient's words, then back to the welcome
                core.recover(exc)
    finally:
        import sys

        sys.stdout.write(WIPE)
        sys.stdout.flush()
    return 0
