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
import signal
import sys
from collections.abc import Callable
from typing import Any

from prompt_toolkit.application import Application
from prompt_toolkit.buffer import Buffer
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.keys import Keys
from prompt_toolkit.layout import HSplit, Layout, VSplit, Window
from prompt_toolkit.layout.controls import BufferControl, FormattedTextControl
from prompt_toolkit.layout.processors import PasswordProcessor

from chatbot.config import Settings
from chatbot.engine import Engine
from chatbot.errors import UsageError
from chatbot.frontends.keyinput import CoalescingInput
from chatbot.frontends.kiosk_core import KioskCore, check_timeout
from chatbot.frontends.kiosk_view import KioskView
from chatbot.frontends.render import WAIT_LINE

WIPE = "\x1b[3J\x1b[2J\x1b[H"  # erase scrollback, erase screen, cursor home
SWALLOWED_KEYS = ("c-c", "c-d", "c-z", "c-\\", "escape", "c-q", "c-s", "c-v", "c-x", "c-y", "f1", "f10")


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


class KioskApp(KioskView):
    def __init__(self, core: KioskCore, input: Any = None, output: Any = None) -> None:
        self.core = core
        self.offset = 0
        self.lines: list[str] = []
        self.drawn_for: tuple[int, int] = (0, 0)  # the size self.lines were drawn for
        self.notice = ""
        self.keys_swallowed = 0  # counters: what the app has processed (tests wait on them)
        self.lines_entered = 0
        self.lines_done = 0  # lines whose outcome is on screen (a question may be answered after a wait)
        self.busy = False  # a question is waiting for the articles to be ready
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
        self.lines_done = self.lines_entered  # the line that failed is done with
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
        if self.busy:  # still getting the articles ready for the last question: this line waits too
            self.lines_done += 1
            return
        admin = self.core.screen.kind == "admin"
        line = self.secret.text if admin else self.buffer.text
        self.buffer.reset()
        self.secret.reset()
        self.notice = ""
        if not admin and line.strip() and not self.core.engine.semantic.ready():
            # the first question may wait for the sentence model and the passage vectors: answered
            # off the event loop, with a calm line on screen meanwhile
            self.busy = True
            self.notice = WAIT_LINE
            self.app.invalidate()
            self.app.create_background_task(self._submit_later(line))
            return
        self._show(self.core.submit(line))

    async def _submit_later(self, line: str) -> None:
        try:
            outcome = await asyncio.get_running_loop().run_in_executor(None, self.core.submit, line)
            self.notice = ""
            self._show(outcome)
        except Exception as exc:
            self.recover(exc)
        finally:
            self.busy = False
            self.app.invalidate()

    def _show(self, outcome: str) -> None:
        """Draw what a submitted line did."""
        self.lines_done += 1
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
    from rich.console import Console

    # the first welcome waits (a little) for the sentence model: never a silent screen meanwhile
    with Console(highlight=False, markup=False, emoji=False).status(WAIT_LINE, spinner="dots"):
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
