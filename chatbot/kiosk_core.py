"""The kiosk's state machine, free of any terminal: what a submitted line does, idle time-out,
starting over for a new patient, and the staff exit. ``kiosk.py`` draws it on screen.

Nothing a patient types is kept beyond the current screen: no history, no log, no file.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from chatbot.adminpass import check
from chatbot.config import Settings
from chatbot.engine import Engine
from chatbot.models import Answer, Hit

NEW_PATIENT = {"new", "new patient", "/new", "start over", "restart", "reset", "clear", "home", "menu"}
LEAVE_WORDS = {"exit", "quit", "/quit", "/exit", "bye", "logout", "log out", "close", "q", ":q", ":wq"}
MORE_WORDS = {"/more", "more", "tell me more"}
MAX_INPUT = 300


@dataclass
class Screen:
    """What the kiosk shows: the welcome, an answer, a message, or the passphrase prompt."""

    kind: str  # welcome | answer | more | message | admin
    answer: Answer | None = None
    text: str = ""
    first_number: int = 1
    hits: tuple[Hit, ...] = ()


class KioskCore:
    def __init__(self, engine: Engine, settings: Settings, idle_timeout: float,
                 clock: Callable[[], float] = time.monotonic, error_log: Path | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.idle_timeout = idle_timeout
        self.countdown = min(settings.kiosk_countdown, idle_timeout)
        self.clock = clock
        self.error_log = error_log
        self.suggestions = list(engine.suggestions())[:5]
        self.screen = Screen("welcome")
        self.last_activity = clock()
        self.exit_requested = False
        self.failed_admin = 0
        self._more_shown = 0

    # -- activity and time-out ----------------------------------------------------------------
    def touch(self) -> None:
        self.last_activity = self.clock()

    def idle_remaining(self) -> float:
        return self.idle_timeout - (self.clock() - self.last_activity)

    def at_rest(self) -> bool:
        return self.screen.kind == "welcome"

    def tick(self) -> bool:
        """Called often; returns True when the time-out has just wiped the conversation."""
        if self.at_rest() or self.idle_remaining() > 0:
            return False
        self.reset()
        return True

    def reset(self) -> None:
        self.screen = Screen("welcome")
        self._more_shown = 0
        self.touch()

    # -- input -----------------------------------------------------------------------------------
    def submit(self, line: str) -> str:
        """Act on one submitted line; returns what happened (for the screen and the tests)."""
        self.touch()
        if self.screen.kind == "admin":
            return self._passphrase(line)
        text = line.strip()
        command = " ".join(text.lower().split()).rstrip(".!?")
        if not text:
            return "ignored"
        if len(line) > MAX_INPUT:
            self.screen = Screen("message", text=f"Please keep questions under {MAX_INPUT} characters.")
            return "too_long"
        if command in NEW_PATIENT:
            self.reset()
            return "reset"
        if self.settings.kiosk_admin_command and command == self.settings.kiosk_admin_command.lower():
            if not self.settings.kiosk_admin_hash:
                self.screen = Screen("message", text="Staff exit is not configured on this terminal.")
                return "admin_unavailable"
            self.screen = Screen("admin")
            return "admin_prompt"
        if command in LEAVE_WORDS:
            self.screen = Screen("message", text="This terminal stays on for the next patient. "
                                                 "Type 'new' to start over, or ask a question.")
            return "blocked"
        if command in MORE_WORDS:
            return self._more()
        if command.isdigit() and 1 <= int(command) <= len(self.suggestions):
            text = self.suggestions[int(command) - 1]
        try:
            answer = self.engine.ask(text)
        except Exception as exc:  # never let one question take the kiosk down
            self.log_error(exc)
            self.reset()
            return "error"
        self.screen = Screen("answer", answer=answer)
        self._more_shown = 0
        return answer.status

    def _more(self) -> str:
        last = self.screen.answer
        batch = last.more_page(self._more_shown) if last is not None else ()
        if last is None or not batch:
            self.screen = Screen("message", text="There is nothing more to show. Ask another question, "
                                                 "or type 'new' to start over.")
            return "no_more"
        first = len(last.hits) + self._more_shown + 1
        self._more_shown += len(batch)
        self.screen = Screen("more", answer=last, first_number=first, hits=batch)
        return "more"

    def _passphrase(self, line: str) -> str:
        if check(line, self.settings.kiosk_admin_hash):
            self.exit_requested = True
            self.screen = Screen("message", text="Staff exit.")
            return "admin_exit"
        self.failed_admin += 1
        self.screen = Screen("message", text="That passphrase is not right.")
        return "admin_denied"

    def log_error(self, exc: BaseException) -> None:
        """Record where an error happened: the type and the code lines, never the patient's words."""
        if self.error_log is None:
            return
        frames = traceback.extract_tb(exc.__traceback__)
        where = " <- ".join(f"{Path(f.filename).name}:{f.lineno}:{f.name}" for f in reversed(frames))
        try:
            self.error_log.parent.mkdir(parents=True, exist_ok=True)
            with self.error_log.open("a", encoding="utf-8") as fh:
                fh.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {type(exc).__name__} at {where}\n")
        except OSError:
            pass
