#!/usr/bin/env python3
"""End-to-end check of the chat and the kiosk in a real terminal (tmux), as a patient would use them.

    python scripts/e2e_tmux.py            # 80x24, 60x20 and 120x40, chat and kiosk
    python scripts/e2e_tmux.py --show     # also print each screen, to look at it as a patient would
Prints each check and exits non-zero if any fails. Needs tmux. Runs with a temporary HOME, so it
can also check that nothing a kiosk patient typed reaches the disk. At every size: when an answer
has finished, the best quote's first line and its source are on screen; the crisis line is whole
(wrapped, never cut); the kiosk redraws when its window is resized.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PY = sys.executable
FAILS: list[str] = []
SHOW = "--show" in sys.argv


_LAST = [time.monotonic()]


def check(ok: bool, what: str) -> None:
    now = time.monotonic()
    print(("ok   " if ok else "FAIL ") + what + (f"  ({now - _LAST[0]:.1f} s)" if now - _LAST[0] > 3 else ""), flush=True)
    _LAST[0] = now
    if not ok:
        FAILS.append(what)


SOCKET = f"chatbot-e2e-{os.getpid()}"  # a private tmux server: never a leftover session of another run
WAIT = 30.0  # generous bound for any one condition; a loaded machine is slow, never wrong


def tmux(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True, check=check)


class Tmux:
    def __init__(self, name: str, cmd: str, width: int, height: int, env: dict[str, str]) -> None:
        self.name = name
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        tmux("kill-session", "-t", name)
        last: list[subprocess.CompletedProcess[str]] = []

        def start() -> bool:
            last[:] = [tmux("new-session", "-d", "-s", name, "-x", str(width), "-y", str(height),
                            f"env -u COLUMNS -u LINES {exports} {cmd}; echo EXITED-$?; sleep 600")]
            return last[0].returncode == 0

        # the server of the previous session may still be shutting down (it exits with its last
        # session) and refuse this one: try again until it is gone, up to WAIT
        if not self.wait(start):
            raise subprocess.CalledProcessError(last[0].returncode, last[0].args, last[0].stdout, last[0].stderr)
        tmux("set-option", "-t", name, "history-limit", "5000")

    def keys(self, *keys: str, literal: bool = False) -> None:
        tmux("send-keys", "-t", self.name, *(["-l"] if literal else []), *keys, check=True)

    def screen(self) -> str:
        return tmux("capture-pane", "-p", "-t", self.name).stdout

    def scrollback(self) -> str:
        return tmux("capture-pane", "-p", "-S", "-", "-E", "-", "-t", self.name).stdout

    def wait(self, condition: Callable[[], bool], seconds: float = WAIT) -> bool:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if condition():
                return True
            time.sleep(0.05)
        return condition()

    def wait_for(self, text: str, seconds: float = WAIT, where: str = "screen") -> bool:
        grab = self.screen if where == "screen" else self.scrollback
        return self.wait(lambda: text in grab(), seconds)

    def submit(self, text: str, prompt: str = "ask ›") -> bool:
        """Type a line and press Enter, then wait until the next prompt has appeared (chat)."""
        before = self.scrollback().count(prompt)
        self.keys(text, literal=True)
        self.keys("Enter")
        return self.wait(lambda: self.scrollback().count(prompt) > before or "EXITED-" in self.screen())

    def enter(self, text: str, expect: str, seconds: float = WAIT) -> bool:
        """Type a line and press Enter, then wait until ``expect`` is on screen (kiosk)."""
        self.keys(text, literal=True)
        self.keys("Enter")
        return self.wait_for(expect, seconds)

    def resize(self, width: int, height: int) -> None:
        tmux("resize-window", "-t", self.name, "-x", str(width), "-y", str(height), check=True)

    def show(self, title: str) -> None:
        if SHOW:
            print(f"--- {title} ---\n{self.screen()}")

    def kill(self) -> None:
        tmux("kill-session", "-t", self.name)


def flat(s: str) -> str:
    return " ".join(s.replace("│", " ").replace("┃", " ").split())


def widest(s: str) -> int:
    return max((len(line.rstrip()) for line in s.splitlines()), default=0)


def best_quote(question: str) -> tuple[str, str]:
    """The first words of the best passage for ``question``, and the start of its source line."""
    from chatbot.articles.knowledge import open_knowledge
    from chatbot.config import Settings
    from chatbot.engine import Engine
    from chatbot.frontends.render import source_words

    settings = Settings()
    hit = Engine(open_knowledge(None, settings), settings).ask(question).hits[0]
    return " ".join(hit.passage.text.split()[:5]), " ".join(source_words(hit.passage.source).split()[:3])


def crisis_banner() -> str:
    from chatbot.config import Settings
    from chatbot.safety.crisis import banner

    return banner(Settings())


def quote_and_source_on_screen(t: Tmux, question: str, where: str) -> None:
    first, source = best_quote(question)
    screen = flat(t.screen())
    check(first in screen and f"Quote 1 · Source: {source}" in screen,
          f"{where}: the best quote's first line and its source are on screen when the answer finishes")


def chat(width: int, height: int, env: dict[str, str]) -> None:
    t = Tmux(f"chat{width}", f"{PY} -m chatbot --no-history", width, height, env)
    where = f"chat {width}x{height}"
    try:
        check(t.wait_for("ask ›"), f"{where}: welcome and prompt shown")
        s = t.scrollback()
        check("Welcome to" in s and "not medical advice" in flat(s), f"{where}: welcome has the disclaimer")
        check(crisis_banner() in flat(s) and widest(s) <= width, f"{where}: the crisis line is whole, not cut")
        check(t.submit("how long does the drip take"), f"{where}: an answer, then the prompt again")
        t.show(f"{where}: an answer")
        check("40 minutes to 1 hour" in flat(t.scrollback()), f"{where}: answer quoted")
        quote_and_source_on_screen(t, "how long does the drip take", where)
        check("corpus/" not in t.scrollback() and "not stated" not in t.scrollback(),
              f"{where}: no file names or 'not stated' in an answer")
        # each /more shows what fits one screen (on a small one, one passage of some 700 characters)
        for _ in range(5):
            t.submit("/more")
            if "Quote 4" in t.scrollback() or "no further passages" in flat(t.scrollback()):
                break
        check("Quote 4" in t.scrollback(), f"{where}: /more shows further passages")
        t.submit("/sources")
        check("Articles I quote from" in t.scrollback(), "chat: /sources")
        t.submit("can i drive home after my infusion")
        check("couldn't find an answer" in flat(t.scrollback()), "chat: helpful no-answer")
        t.submit("[bold red]x[/bold red]")
        check("[bold red]x[/bold red]" in t.scrollback(), "chat: markup shown literally")
        t.keys("half typed", literal=True)
        check(t.wait(lambda: "half typed" in t.screen()), "chat: typing shows on the prompt line")
        t.keys("C-c")
        check(t.wait(lambda: t.screen().rstrip().splitlines()[-1].strip() == "ask ›"), "chat: Ctrl-C cleared the line")
        t.submit("what is ketamine")
        check("dissociative anesthetic" in flat(t.scrollback()), "chat: Ctrl-C cleared the line and chat goes on")
        t.submit("I want to end it all")
        t.show(f"{where}: an emergency")
        check("Get help now" in t.scrollback() and "988" in t.scrollback(), "chat: emergency shown")
        check("Get help now" in t.screen() and "988" in flat(t.screen()), f"{where}: the crisis reply is on screen")
        t.keys("/quit", literal=True)
        t.keys("Enter")
        check(t.wait_for("EXITED-0"), "chat: /quit leaves cleanly")
        check("Traceback" not in t.scrollback(), "chat: no traceback anywhere")
    finally:
        t.kill()


def typing_works(t: Tmux) -> bool:
    """Type a letter until it shows on the input line (a stuck paste would swallow it for ever)."""
    def attempt() -> bool:
        t.keys("q", literal=True)
        return t.wait(lambda: "› q" in t.screen(), seconds=0.5)
    return t.wait(attempt)


def staff_prompt(t: Tmux) -> bool:
    """Ask for the staff passphrase until the growing delay after a wrong one has passed."""
    def ready() -> bool:
        t.enter("/staff-exit", "")
        if t.wait(lambda: "type the passphrase" in t.screen() or "please wait" in t.screen()) \
                and "type the passphrase" in t.screen():
            return True
        t.enter("new", "Try asking")
        return False
    return t.wait(ready)


def kiosk(width: int, height: int, env: dict[str, str], home: Path, idle: bool) -> None:
    from chatbot.frontends.adminpass import make_hash

    cfg = home / "kiosk.toml"
    cfg.write_text(f'kiosk_admin_hash = "{make_hash("staff pass 42", iterations=1000)}"\n'
                   "kiosk_idle_timeout = 10\nkiosk_countdown = 4\n", encoding="utf-8")
    t = Tmux(f"kiosk{width}", f"{PY} -m chatbot --config {cfg} kiosk", width, height, env)
    secret = "zebra-marmalade my private question"
    where = f"kiosk {width}x{height}"
    banner = crisis_banner()
    try:
        check(t.wait_for("Your question"), f"{where}: welcome shown")
        t.show(f"{where}: welcome")
        check("1." in t.screen() and "not medical advice" in flat(t.screen()), "kiosk: numbered questions, disclaimer")
        check(banner in flat(t.screen()), f"{where}: the crisis line is whole, not cut")
        check(widest(t.screen().splitlines()[0]) <= width, f"{where}: the header fits")
        for w, h in ((40, 20), (width, height)):
            t.resize(w, h)
            check(t.wait(lambda w=w: w - 8 <= widest(t.screen()) <= w and banner in flat(t.screen())),
                  f"{where}: resized to {w} columns, the kiosk redraws and the crisis line is whole")
        t.show(f"{where}: after resizing to 40 columns and back")
        check(t.enter("how long does the drip take", "Quote 1") and t.wait_for("Your question"),
              f"{where}: an answer")
        t.show(f"{where}: an answer")
        quote_and_source_on_screen(t, "how long does the drip take", where)
        check("type more" in t.screen() and "/more" not in t.screen(), f"{where}: 'more', not '/more'")
        listed = [line.strip()[3:].strip(" │") for line in t.screen().splitlines() if line.strip().startswith("1. ")]
        if listed:  # suggestions are shown only while they fit the screen
            check(t.enter("1", f"You asked: {listed[0][:20]}"), f"{where}: a number asks the question of that number on screen")
            check(t.enter("9", "type a number from 1 to"),
                  f"{where}: an out-of-range number gets 'type a number from 1 to N'")
        else:
            check("or a number" not in t.screen() and t.enter("1", "No numbered list here"),
                  f"{where}: no numbers on screen, so a number asks nothing and says so")
        check(t.enter("²", "Your question") and "Traceback" not in t.screen() and "ENTER" not in t.screen(),
              f"{where}: '²' then Enter: no traceback")
        for key in ("C-c", "C-d", "C-z", "C-\\", "Escape"):
            t.keys(key)
            check(t.wait_for("stays open") and "EXITED" not in t.screen(), f"kiosk: {key} does not leave")
        check(t.enter("help", "Try asking") and "1. " in t.screen(), f"{where}: 'help' shows the numbered questions")
        t.enter("what is ketamine", "Quote 1")
        check(t.enter("ok bye", "Welcome to") and "Take care" in t.screen() and "EXITED" not in t.screen(),
              f"{where}: 'ok bye' starts a fresh welcome, the kiosk stays")
        for word in ("exit", "quit", "/quit"):
            t.enter("new", "Try asking")
            check(t.enter(word, "stays on") and "EXITED" not in t.screen(), f"kiosk: typing {word!r} does not leave")
        t.keys("x" * 3000, literal=True)
        t.keys("Enter")
        check(t.wait_for("You asked") and "EXITED" not in t.screen() and "Your question" in t.screen(),
              "kiosk: a huge paste does not leave")
        t.enter("new", "Try asking")
        check(t.enter("2", "Quote 1") and "You asked" in t.screen(), "kiosk: a number asks that question")
        if idle:
            check(t.enter(secret, "zebra-marmalade"), "kiosk: the patient's question is on screen")
            t.keys("unsent words", literal=True)
            check(t.wait(lambda: "unsent words" in t.screen()), "kiosk: text typed but not sent shows")
            check(t.wait_for("Starting over"), "kiosk: countdown visible before the time-out")
            check(t.wait_for("Welcome to"), "kiosk: welcome back after the time-out")
            check("zebra-marmalade" not in t.scrollback(), "kiosk: question gone from screen and scrollback")
            check("unsent words" not in t.scrollback(), "kiosk: unsent text cleared at the time-out")
        t.keys("Escape", "[", "2", "0", "0", "~", "a", "b", "c")
        check(typing_works(t), f"{where}: a hand-typed paste start (Esc [ 2 0 0 ~) does not lock the keys")
        t.keys("C-u")
        t.enter("new", "Try asking")
        t.enter("/staff-exit", "type the passphrase")
        check(t.enter("wrong passphrase", "not right") and "EXITED" not in t.screen(),
              "kiosk: a wrong passphrase does not leave")
        check(t.enter("/staff-exit", "please wait"), "kiosk: a wait before the next passphrase")
        check(staff_prompt(t), "kiosk: the passphrase prompt after the wait")
        check(t.enter("staff pass 42", "EXITED-0"), "kiosk: the staff passphrase leaves")
        leaked = [str(p) for p in home.rglob("*") if p.is_file() and b"zebra-marmalade" in p.read_bytes()]
        check(not leaked, f"kiosk: nothing the patient typed is on disk {leaked}")
    finally:
        t.kill()


def main() -> int:
    if subprocess.run(["which", "tmux"], capture_output=True).returncode != 0:
        print("tmux is not installed")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        env = {"HOME": tmp, "XDG_CACHE_HOME": f"{tmp}/cache", "XDG_STATE_HOME": f"{tmp}/state",
               "XDG_CONFIG_HOME": f"{tmp}/config", "TERM": "xterm-256color",
               "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
        sizes = [(80, 24), (60, 20), (120, 40)]
        try:
            for w, h in sizes:
                chat(w, h, env)
            for w, h in sizes:
                kiosk(w, h, env, home, idle=(w, h) == (80, 24))
        finally:
            tmux("kill-server")
    print(f"{len(FAILS)} failed: " + "; ".join(FAILS) if FAILS else "all end-to-end checks passed")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    raise SystemExit(main())
