"""What the kiosk draws: the header, the answer or welcome body (drawn for the terminal's size, and
again after a resize), the one status line, and paging. ``KioskApp`` (kiosk.py) handles keys and the
session; this part only reads its state."""

from __future__ import annotations

import io
import os
from typing import TYPE_CHECKING, Any, Literal

from prompt_toolkit.buffer import Buffer
from prompt_toolkit.formatted_text import ANSI, FormattedText
from rich.console import Console
from rich.text import Text

from chatbot.frontends.render import (
    KIOSK_MORE,
    WAIT_LINE,
    AnswerView,
    Fitted,
    answer_renderable,
    shorten,
    suggestion_slot,
    welcome_renderable,
)
from chatbot.safety.crisis import banner

if TYPE_CHECKING:
    from chatbot.frontends.keyinput import CoalescingInput
    from chatbot.frontends.kiosk_core import KioskCore

MORE_HINT = KIOSK_MORE


class KioskView:
    """The drawing half of the kiosk application."""

    core: KioskCore
    question_window: Any
    secret_window: Any
    app: Any
    buffer: Buffer
    secret: Buffer
    input: CoalescingInput
    notice: str
    lines: list[str]
    offset: int
    drawn_for: tuple[int, int]
    redraws: int

    # -- layout ----------------------------------------------------------------------
    def input_area(self) -> Any:
        from prompt_toolkit.filters import Condition
        from prompt_toolkit.layout import ConditionalContainer, HSplit

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

    def header_text(self, width: int) -> str:
        """The clinic's name and how to start over, shortened to fit ``width``."""
        name = self.core.settings.clinic_name
        for text in (f" {name} · ketamine for chronic pain · type 'new' to start over",
                     f" {name} · type 'new' to start over", f" {name}"):
            if len(text) <= width:
                return text
        return shorten(text, width)

    def _header(self) -> FormattedText:
        return FormattedText([("bold", self.header_text(self.size()[1]))])

    def _prompt_label(self) -> FormattedText:
        return FormattedText([("bold", "Your question › ")])

    def _body(self) -> ANSI:
        if getattr(self, "busy", False):
            return ANSI(WAIT_LINE)
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
        elif not first and self.core.screen.choices[:self.core.screen.shown]:
            first = ["Type a question and press Enter, or a number to ask a suggested question.",
                     "Type a question, or a number, and press Enter.", "Type a question, then Enter."]
        elif not first:
            first = ["Type a question and press Enter, or 'new' to start over.", "Type a question, then Enter."]
        for f in first or [""]:
            for pg in paging or [""]:
                text = " " + "  |  ".join(x for x in (f, pg) if x)
                if len(text) <= width:
                    return text
        return " " + shorten((first or paging)[-1], max(1, width - 1))

    def _status(self) -> FormattedText:
        return FormattedText([("", self.status_text(self.size()[1]))])

    def redraw(self) -> None:
        rows, cols = self.size()
        color: Literal["standard"] | None = None if os.environ.get("NO_COLOR") else "standard"
        console = Console(file=io.StringIO(), width=cols, force_terminal=color is not None,
                          color_system=color, highlight=False, markup=False, emoji=False)
        core, screen = self.core, self.core.screen
        s = core.settings
        height = self.page()
        if screen.kind == "welcome":
            view: Any = welcome_renderable(s.clinic_name, s.disclaimer, screen.choices, banner(s), numbered=True,
                                           boxed=False, height=height)
            console.print(view)
            screen.shown = len(view.suggested)
        elif screen.kind == "help":
            fitted = Fitted([[Text(screen.text)], suggestion_slot("Try asking:", screen.choices, True)], height)
            console.print(fitted)
            screen.shown = len(screen.choices) - fitted.drew(1)
        elif screen.kind == "answer" and screen.answer is not None:
            view = answer_renderable(screen.answer, core.engine.highlights, show_question=True,
                                     suggestions=screen.choices, numbered=True, disclaimer=s.disclaimer_short,
                                     more=MORE_HINT, height=height)
            console.print(view)
            if isinstance(view, AnswerView):
                screen.shown, screen.quote_cut = len(view.suggested), view.quote_cut
        elif screen.kind == "more" and screen.answer is not None:
            page = answer_renderable(screen.answer, core.engine.highlights, show_question=True, hits=screen.hits,
                                     first_number=screen.first_number, suggestions=(), disclaimer=s.disclaimer_short,
                                     more=MORE_HINT, more_left=screen.more_left, height=height)
            console.print(page)
            screen.hidden = page.drew(1) if isinstance(page, Fitted) else 0
        elif screen.kind == "admin":
            console.print(Text(screen.text or "Staff exit: type the passphrase and press Enter."))
        else:
            console.print(Text(screen.text))
        self.lines = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
        self.drawn_for = (rows, cols)
        self.offset = 0
        self.redraws += 1
