#!/usr/bin/env python3
"""End-to-end check of the chat and the kiosk in a real terminal (tmux), as a patient would use them.

    python scripts/e2e_tmux.py            # both sizes, chat and kiosk
Prints each check and exits non-zero if any fails. Needs tmux. Runs with a temporary HOME, so it
can also check that nothing a kiosk patient typed reaches the disk.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PY = sys.executable
FAILS: list[str] = []


def check(ok: bool, what: str) -> None:
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        FAILS.append(what)


class Tmux:
    def __init__(self, name: str, cmd: str, width: int, height: int, env: dict[str, str]) -> None:
        self.name = name
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
        subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", str(width), "-y", str(height),
                        f"env {exports} {cmd}; echo EXITED-$?; sleep 30"], check=True)
        subprocess.run(["tmux", "set-option", "-t", name, "history-limit", "5000"], capture_output=True)

    def keys(self, *keys: str, literal: bool = False, pause: float = 0.4) -> None:
        args = ["tmux", "send-keys", "-t", self.name] + (["-l"] if literal else []) + list(keys)
        subprocess.run(args, check=True)
        time.sleep(pause)

    def type(self, text: str, pause: float = 0.8) -> None:
        self.keys(text, literal=True, pause=0.1)
        self.keys("Enter", pause=pause)

    def screen(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True).stdout

    def scrollback(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-S", "-", "-E", "-", "-t", self.name],
                              capture_output=True, text=True).stdout

    def wait_for(self, text: str, seconds: float = 10) -> bool:
        end = time.time() + seconds
        while time.time() < end:
            if text in self.screen():
                return True
            time.sleep(0.2)
        return False

    def kill(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def flat(s: str) -> str:
    return " ".join(s.replace("│", " ").split())


def chat(width: int, height: int, env: dict[str, str]) -> None:
    t = Tmux(f"chat{width}", f"{PY} -m chatbot --no-history", width, height, env)
    try:
        check(t.wait_for("ask ›"), f"chat {width}x{height}: welcome and prompt shown")
        s = t.screen()
        check("Welcome to" in s and "not medical advice" in flat(s), "chat: welcome has the disclaimer")
        t.type("how long does the drip take")
        check("40 minutes to 1 hour" in flat(t.scrollback()), "chat: answer quoted")
        check("Source:" in t.scrollback(), "chat: source shown")
        t.type("/more")
        check("Quote 4" in t.scrollback(), "chat: /more shows further passages")
        t.type("/sources")
        check("Articles I quote from" in t.scrollback(), "chat: /sources")
        t.type("can i drive home after my infusion")
        check("couldn't find an answer" in flat(t.scrollback()), "chat: helpful no-answer")
        t.type("[bold red]x[/bold red]")
        check("[bold red]x[/bold red]" in t.scrollback(), "chat: markup shown literally")
        t.keys("half typed", literal=True, pause=0.2)
        t.keys("C-c", pause=0.5)
        t.type("what is ketamine")
        check("dissociative anesthetic" in flat(t.scrollback()), "chat: Ctrl-C cleared the line and chat goes on")
        t.type("I want to end it all")
        check("Get help now" in t.scrollback() and "988" in t.scrollback(), "chat: emergency shown")
        t.type("/quit", pause=1.5)
        check("EXITED-0" in t.screen(), "chat: /quit leaves cleanly")
        check("Traceback" not in t.scrollback(), "chat: no traceback anywhere")
    finally:
        t.kill()


def kiosk(width: int, height: int, env: dict[str, str], home: Path) -> None:
    from chatbot.adminpass import make_hash

    cfg = home / "kiosk.toml"
    cfg.write_text(f'kiosk_admin_hash = "{make_hash("staff pass 42", iterations=1000)}"\n'
                   "kiosk_idle_timeout = 6\nkiosk_countdown = 4\n", encoding="utf-8")
    t = Tmux(f"kiosk{width}", f"{PY} -m chatbot --config {cfg} kiosk", width, height, env)
    secret = "zebra-marmalade my private question"
    try:
        check(t.wait_for("Your question"), f"kiosk {width}x{height}: welcome shown")
        check("1." in t.screen() and "not medical advice" in flat(t.screen()), "kiosk: numbered questions, disclaimer")
        for key in ("C-c", "C-d", "C-z", "C-\\", "Escape"):
            t.keys(key)
            check("Your question" in t.screen() and "EXITED" not in t.screen(), f"kiosk: {key} does not leave")
        for word in ("exit", "quit", "/quit"):
            t.type(word)
            check("EXITED" not in t.screen() and "stays on" in t.screen(), f"kiosk: typing {word!r} does not leave")
        t.keys("x" * 3000, literal=True, pause=0.5)
        t.keys("Enter", pause=1)
        check("EXITED" not in t.screen() and "Your question" in t.screen(), "kiosk: a huge paste does not leave")
        t.type("2")
        check("Quote 1" in t.screen() and "You asked" in t.screen(), "kiosk: a number asks that question")
        check("PgUp" in t.screen() or height >= 40, "kiosk: long answer offers paging")
        t.type(secret)
        check("zebra-marmalade" in t.screen(), "kiosk: the patient's question is on screen")
        time.sleep(3)
        check("Starting over" in t.screen(), "kiosk: countdown visible before the time-out")
        time.sleep(5)
        check("Welcome to" in t.screen(), "kiosk: welcome back after the time-out")
        check("zebra-marmalade" not in t.scrollback(), "kiosk: question gone from screen and scrollback")
        t.type("/staff-exit")
        t.type("wrong passphrase")
        check("not right" in t.screen() and "EXITED" not in t.screen(), "kiosk: a wrong passphrase does not leave")
        t.type("/staff-exit")
        t.type("staff pass 42", pause=1.5)
        check("EXITED-0" in t.screen(), "kiosk: the staff passphrase leaves")
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
        for w, h in sizes:
            chat(w, h, env)
        for w, h in sizes:
            kiosk(w, h, env, home)
    print(f"{len(FAILS)} failed" if FAILS else "all end-to-end checks passed")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    raise SystemExit(main())
