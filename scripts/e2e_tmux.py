#!/usr/bin/env python3
"""End-to-end check of the chat and the kiosk in a real terminal (tmux), as a patient would use them.

    python scripts/e2e_tmux.py            # both sizes, chat and kiosk
Prints each check and exits non-zero if any fails. Needs tmux. Runs with a temporary HOME, so it
can also check that nothing a kiosk patient typed reaches the disk.
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


def check(ok: bool, what: str) -> None:
    print(("ok   " if ok else "FAIL ") + what)
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
        tmux("new-session", "-d", "-s", name, "-x", str(width), "-y", str(height),
             f"env {exports} {cmd}; echo EXITED-$?; sleep 600", check=True)
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

    def kill(self) -> None:
        tmux("kill-session", "-t", self.name)


def flat(s: str) -> str:
    return " ".join(s.replace("│", " ").split())


def chat(width: int, height: int, env: dict[str, str]) -> None:
    t = Tmux(f"chat{width}", f"{PY} -m chatbot --no-history", width, height, env)
    try:
        check(t.wait_for("ask ›"), f"chat {width}x{height}: welcome and prompt shown")
        s = t.screen()
        check("Welcome to" in s and "not medical advice" in flat(s), "chat: welcome has the disclaimer")
        check(t.submit("how long does the drip take"), "chat: an answer, then the prompt again")
        check("40 minutes to 1 hour" in flat(t.scrollback()), "chat: answer quoted")
        check("Source:" in t.scrollback(), "chat: source shown")
        t.submit("/more")
        check("Quote 4" in t.scrollback(), "chat: /more shows further passages")
        t.submit("/sources")
        check("Articles I quote from" in t.scrollback(), "chat: /sources")
        t.submit("can i drive home after my infusion")
        check("couldn't find an answer" in flat(t.scrollback()), "chat: helpful no-answer")
        t.submit("[bold red]x[/bold red]")
        check("[bold red]x[/bold red]" in t.scrollback(), "chat: markup shown literally")
        t.keys("half typed", literal=True)
        check(t.wait(lambda: "half typed" in t.screen()), "chat: typing shows on the prompt line")
        t.keys("C-c")
        check(t.wait(lambda: "half typed" not in t.screen().splitlines()[-1]), "chat: Ctrl-C cleared the line")
        t.submit("what is ketamine")
        check("dissociative anesthetic" in flat(t.scrollback()), "chat: Ctrl-C cleared the line and chat goes on")
        t.submit("I want to end it all")
        check("Get help now" in t.scrollback() and "988" in t.scrollback(), "chat: emergency shown")
        t.keys("/quit", literal=True)
        t.keys("Enter")
        check(t.wait_for("EXITED-0"), "chat: /quit leaves cleanly")
        check("Traceback" not in t.scrollback(), "chat: no traceback anywhere")
    finally:
        t.kill()


def kiosk(width: int, height: int, env: dict[str, str], home: Path) -> None:
    from chatbot.adminpass import make_hash

    cfg = home / "kiosk.toml"
    cfg.write_text(f'kiosk_admin_hash = "{make_hash("staff pass 42", iterations=1000)}"\n'
                   "kiosk_idle_timeout = 10\nkiosk_countdown = 4\n", encoding="utf-8")
    t = Tmux(f"kiosk{width}", f"{PY} -m chatbot --config {cfg} kiosk", width, height, env)
    secret = "zebra-marmalade my private question"
    try:
        check(t.wait_for("Your question"), f"kiosk {width}x{height}: welcome shown")
        check("1." in t.screen() and "not medical advice" in flat(t.screen()), "kiosk: numbered questions, disclaimer")
        for key in ("C-c", "C-d", "C-z", "C-\\", "Escape"):
            t.keys(key)
            check(t.wait_for("stays open") and "EXITED" not in t.screen(), f"kiosk: {key} does not leave")
        for word in ("exit", "quit", "/quit"):
            t.enter("new", "Type a number")
            check(t.enter(word, "stays on") and "EXITED" not in t.screen(), f"kiosk: typing {word!r} does not leave")
        t.keys("x" * 3000, literal=True)
        t.keys("Enter")
        check(t.wait_for("You asked") and "EXITED" not in t.screen() and "Your question" in t.screen(),
              "kiosk: a huge paste does not leave")
        check(t.enter("2", "Quote 1") and "You asked" in t.screen(), "kiosk: a number asks that question")
        check("PgUp" in t.screen() or height >= 40, "kiosk: long answer offers paging")
        check(t.enter(secret, "zebra-marmalade"), "kiosk: the patient's question is on screen")
        check(t.wait_for("Starting over"), "kiosk: countdown visible before the time-out")
        check(t.wait_for("Welcome to"), "kiosk: welcome back after the time-out")
        check("zebra-marmalade" not in t.scrollback(), "kiosk: question gone from screen and scrollback")
        t.enter("/staff-exit", "type the passphrase")
        check(t.enter("wrong passphrase", "not right") and "EXITED" not in t.screen(),
              "kiosk: a wrong passphrase does not leave")
        t.enter("/staff-exit", "type the passphrase")
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
        sizes = [(80, 24), (120, 40)]
        try:
            for w, h in sizes:
                chat(w, h, env)
            for w, h in sizes:
                kiosk(w, h, env, home)
        finally:
            tmux("kill-server")
    print(f"{len(FAILS)} failed" if FAILS else "all end-to-end checks passed")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    raise SystemExit(main())
