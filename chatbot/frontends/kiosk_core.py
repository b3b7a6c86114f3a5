"""The kiosk's state machine, free of any terminal: what a submitted line does, idle time-out,
starting over for a new patient, and the staff exit. ``kiosk.py`` draws it on screen.

Nothing a patient types is kept beyond the current screen: no history, no log, no file.
"""

from __future__ import annotations

import math
import os
import re
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from chatbot.config import Settings
from chatbot.engine import Engine
from chatbot.errors import UsageError
from chatbot.frontends.adminpass import check
from chatbot.frontends.render import MORE_PAGE, further_hits
from chatbot.frontends.repl import GOODBYE
from chatbot.models import Answer, Hit
from chatbot.retrieval.suggest import Rotation, pool

NEW_PATIENT = {"new", "new patient", "/new", "start over", "restart", "reset", "clear", "home", "menu"}
LEAVE_WORDS = {"exit", "quit", "/quit", "/exit", "logout", "log out", "close", "q", ":q", ":wq"}
MORE_WORDS = {"/more", "more", "tell me more"}
HELP_WORDS = {"help", "/help", "?", "/?", "help me", "help please", "what can i ask", "what can you do"}
KIOSK_HELP = ("Type a question in your own words and press Enter, or type the number of a question below. "
              "Type 'more' after an answer to read further passages, and 'new' to start over.")
GOODBYE_HINT = "Take care. The screen has started over for the next patient."
INPUT_MARGIN = 200  # the input keeps this much beyond the engine's limit, so that it is all safety-checked
SAFETY_PASTE = 20_000  # and at least this much of a paste: a crisis sentence at the end of a long paste is read
MIN_TIMEOUT, MAX_TIMEOUT = 10.0, 86_400.0
ADMIN_DELAY_CAP = 300.0  # the longest wait after wrong staff passphrases, in seconds
NUMBER = re.compile(r"[0-9]{1,4}")  # ASCII digits only: '²' and '①' are not numbers to int()


def input_limit(settings: Settings) -> int:
    """How many characters the kiosk's input keeps: the engine's limit plus a margin, and at least
    SAFETY_PASTE. The whole of it goes to the engine, which safety-checks it before saying it is too
    long (a patient who pastes a long story that ends "and tonight I will end it" gets the panel)."""
    return max(settings.max_question_chars + INPUT_MARGIN, SAFETY_PASTE)


def check_timeout(seconds: float, what: str = "the kiosk idle time-out") -> float:
    """A finite number of seconds from 10 s to one day, else a one-line error."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not math.isfinite(seconds) \
            or not MIN_TIMEOUT <= seconds <= MAX_TIMEOUT:
        raise UsageError(f"{what} must be a number of seconds from {MIN_TIMEOUT:.0f} to {MAX_TIMEOUT:.0f} (one day)")
    return float(seconds)


def admin_delay(failures: int) -> float:
    """Seconds to wait before the next passphrase attempt: 0, then 2, 4, 8 … up to five minutes."""
    return 0.0 if failures <= 0 else min(ADMIN_DELAY_CAP, 2.0 ** failures)


@dataclass
class Screen:
    """What the kiosk shows: the welcome, an answer, a message, or the passphrase prompt."""

    kind: str  # welcome | answer | more | message | admin
    answer: Answer | None = None
    text: str = ""
    first_number: int = 1
    hits: tuple[Hit, ...] = ()
    choices: tuple[str, ...] = ()  # the numbered questions on this screen: what typing a number asks
    more_left: bool = False
    # set by the view when it draws the screen for the terminal's size:
    shown: int | None = None  # how many of the choices fit on screen (a number asks only those)
    hidden: int = 0  # on a "more" screen: how many of ``hits`` did not fit (the next "more" starts there)
    quote_cut: bool = False  # on an answer screen: the best passage was shortened ("more" shows it first)


START_WAIT = 20.0  # seconds the kiosk waits at start for the sentence model, for its first suggestions


class KioskCore:
    def __init__(self, engine: Engine, settings: Settings, idle_timeout: float,
                 clock: Callable[[], float] = time.monotonic, error_log: Path | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.idle_timeout = check_timeout(idle_timeout)
        countdown = settings.kiosk_countdown
        if isinstance(countdown, bool) or not isinstance(countdown, int | float) or not math.isfinite(countdown) \
                or countdown < 0:
            raise UsageError("kiosk_countdown must be a finite number of seconds, 0 or more")
        self.countdown = min(float(countdown), self.idle_timeout)
        self.clock = clock
        self.error_log = error_log
        self.limit = input_limit(settings)
        self.rotation = Rotation(engine.suggester, n=3)
        # the first welcome screen offers questions checked by the search that will answer them: the
        # kiosk is started by staff, so it may wait a little for the sentence model (never for ever)
        engine.semantic.wait_ready(START_WAIT)
        self.suggestions = [c.question for c in pool(engine.suggester)][:5]
        self.hint = ""  # one line for the status bar, e.g. "Please type a number from 1 to 3."
        self.last_activity = clock()
        self.exit_requested = False
        self.failed_admin = 0
        self.admin_locked_until = 0.0
        self._more_shown = 0
        self._cut = False
        self.screen = self._welcome()

    # -- activity and time-out ----------------------------------------------------------------
    def touch(self) -> None:
        self.last_activity = self.clock()

    def idle_remaining(self) -> float:
        return self.idle_timeout - (self.clock() - self.last_activity)

    def at_rest(self) -> bool:
        return self.screen.kind == "welcome"

    def tick(self, pending: bool = False) -> bool:
        """Called often; returns True when the time-out has just wiped the conversation. ``pending``:
        text typed (or a paste begun) but not sent, which times out on the welcome screen too."""
        if (self.at_rest() and not pending) or self.idle_remaining() > 0:
            return False
        self.reset()
        return True

    def _welcome(self) -> Screen:
        # the suggestions are checked again once the sentence model is ready (see Engine.suggestions)
        self.suggestions = [c.question for c in pool(self.engine.suggester)][:5]
        return Screen("welcome", choices=tuple(self.suggestions))

    def reset(self) -> None:
        self.screen = self._welcome()
        self.rotation = Rotation(self.engine.suggester, n=3)  # a new patient: nothing carried over
        self._more_shown = 0
        self.hint = ""
        self.touch()

    def recover(self, exc: BaseException) -> None:
        """After an unexpected error anywhere: log where (never what was typed), back to the welcome."""
        self.log_error(exc)
        self.reset()

    # -- input -----------------------------------------------------------------------------------
    def submit(self, line: str) -> str:
        """Act on one submitted line; returns what happened (for the screen and the tests)."""
        self.touch()
        self.hint = ""
        if self.screen.kind == "admin":
            return self._passphrase(line)
        text = line.strip()
        command = " ".join(text.lower().split()).rstrip(".!?")
        if not text:
            return "ignored"
        if command in NEW_PATIENT:
            self.reset()
            return "reset"
        if self.settings.kiosk_admin_command and command == self.settings.kiosk_admin_command.lower():
            if not self.settings.kiosk_admin_hash:
                self.screen = Screen("message", text="Staff exit is not configured on this terminal.")
                return "admin_unavailable"
            return self._admin_prompt()
        if command in HELP_WORDS:
            self.screen = Screen("help", text=KIOSK_HELP, choices=tuple(self.suggestions))
            return "help"
        if command in LEAVE_WORDS:
            self.screen = Screen("message", text="This terminal stays on for the next patient. "
                                                 "Type 'new' to start over, or ask a question.")
            return "blocked"
        if command in MORE_WORDS:
            return self._more()
        if NUMBER.fullmatch(command):
            choices = self.screen.choices[:self.screen.shown]
            if not choices:
                self.hint = "No numbered list here: type your question in words."
                return "bad_number"
            if not 1 <= int(command) <= len(choices):
                self.hint = f"Please type a number from 1 to {len(choices)}."
                return "bad_number"
            text = choices[int(command) - 1]
        try:
            answer = self.engine.ask(text)  # the whole text: the engine safety-checks it before any limit
            picked = self.rotation.pick(answer) if answer.status in ("answered", "no_answer", "smalltalk") else ()
        except Exception as exc:  # never let one question take the kiosk down
            self.recover(exc)
            return "error"
        if not answer.notices and GOODBYE.match(command):
            self.reset()  # a goodbye: a fresh welcome for the next patient, never an exit
            self.hint = GOODBYE_HINT
            return "reset"
        self.screen = Screen("answer", answer=answer, choices=picked)
        self._more_shown = 0
        self._cut = False
        return answer.status

    def _more(self) -> str:
        last = self.screen.answer
        if self.screen.kind == "answer":
            self._cut = self.screen.quote_cut  # then the best passage comes first, in full
        elif self.screen.kind == "more":
            self._more_shown -= self.screen.hidden  # what did not fit on the last page comes next
        further = ((last.hits[:1] if self._cut else ()) + further_hits(last)) if last is not None else ()
        batch = further[self._more_shown:self._more_shown + MORE_PAGE]
        if last is None or not batch:
            self.screen = Screen("message", text="There is nothing more to show. Ask another question, "
                                                 "or type 'new' to start over.")
            return "no_more"
        first = (1 if self._cut else 2) + self._more_shown
        self._more_shown += len(batch)
        self.screen = Screen("more", answer=last, first_number=first, hits=batch,
                             more_left=self._more_shown < len(further))
        return "more"

    def _admin_prompt(self) -> str:
        """The masked passphrase prompt; while a wrong try's delay runs, the prompt says how long to
        wait, so that what staff type next is still read as a passphrase (masked, never searched,
        never shown), not as a patient's question."""
        wait = self.admin_locked_until - self.clock()
        if wait > 0:
            self.screen = Screen("admin", text=f"Staff exit: please wait {math.ceil(wait)} s before "
                                               "trying the passphrase again.")
            return "admin_wait"
        self.screen = Screen("admin")
        return "admin_prompt"

    def _passphrase(self, line: str) -> str:
        command = " ".join(line.lower().split())
        if command == self.settings.kiosk_admin_command.lower() or self.clock() < self.admin_locked_until:
            return self._admin_prompt()  # typed again, or too soon: not a try, and nothing is shown
        if check(line, self.settings.kiosk_admin_hash):
            self.exit_requested = True
            self.screen = Screen("message", text="Staff exit.")
            return "admin_exit"
        self.failed_admin += 1
        wait = admin_delay(self.failed_admin)
        self.admin_locked_until = self.clock() + wait
        self.screen = Screen("message", text=f"That passphrase is not right. The next try is possible in "
                                             f"{math.ceil(wait)} s.")
        return "admin_denied"

    def log_error(self, exc: BaseException) -> None:
        """Record where an error happened: the type and the code lines, never the patient's words."""
        if self.error_log is None:
            return
        frames = traceback.extract_tb(exc.__traceback__)
        where = " <- ".join(f"{Path(f.filename).name}:{f.lineno}:{f.name}" for f in reversed(frames))
        try:
            from chatbot.infra.safefile import private_folder

            private_folder(self.error_log.parent)
            fd = os.open(self.error_log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as fh:
                fh.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {type(exc).__name__} at {where}\n")
        except OSError:
            pass
