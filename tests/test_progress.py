"""Progress on every wait over a second (issue 25): a new library of 1,000 passages shows a calm status
line within 1 s of the question in a real terminal (tmux), the kiosk keeps drawing while a question
waits, and `ask` writes its status to standard error only when that is a terminal."""

from __future__ import annotations

import os
import random
import shlex
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from kiosk_driver import drive, entered, wait_until
from test_kiosk import Clock

from chatbot.frontends.kiosk_core import KioskCore
from chatbot.frontends.render import WAIT_LINE
from tests.conftest import REPO

QUESTION = "how long does an infusion take"
WORDS = ("infusion ketamine relief pain session clinic nurse dose hour minutes week patient treatment "
         "nerve chronic effect side nausea drive home rest water food appointment monitor blood pressure "
         "comfortable dizzy calm music blanket chair room visit follow plan doctor record response").split()


def library(folder: Path, passages: int = 1000) -> Path:
    """``passages`` short, distinct paragraphs in 50 articles: small enough (about 130,000 characters)
    that the sentence vectors are made while the first question waits, as for a real new library."""
    rng = random.Random(25)
    folder.mkdir()
    per = passages // 50
    for a in range(50):
        paras = []
        for p in range(per):
            words = [rng.choice(WORDS) for _ in range(14)] + [f"item{a}x{p}"]
            paras.append(" ".join(words).capitalize() + ".")
        (folder / f"article_{a:02d}.txt").write_text(f"Article {a} about infusions\n\n" + "\n\n".join(paras) + "\n",
                                                     encoding="utf-8")
    return folder


class Terminal:
    """A private tmux server (its own socket, so one test's closing server never meets the next test's)
    holding one 80x24 session."""

    count = 0

    def __init__(self, env: dict[str, str]) -> None:
        Terminal.count += 1
        self.socket, self.env = f"chatbot-progress-{os.getpid()}-{Terminal.count}", env

    def tmux(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True)

    def start(self, argv: list[str]) -> Terminal:
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in self.env.items())
        command = " ".join(shlex.quote(a) for a in [sys.executable, "-m", "chatbot", *argv])
        made = self.tmux("new-session", "-d", "-s", "main", "-x", "80", "-y", "24",
                         f"env -u COLUMNS -u LINES {exports} {command}; echo EXITED-$?; sleep 600")
        assert made.returncode == 0, f"tmux could not start a session: {made.stderr}"
        return self

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "main").stdout

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "main", "-l", text)
        self.tmux("send-keys", "-t", "main", "Enter")


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    return wait_until(condition, timeout=seconds, poll=0.02)


@pytest.fixture
def terminal(tmp_path: Path):
    """Start a command in a private tmux server at 80x24, with its own home and an empty cache."""
    env = {"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_STATE_HOME": str(tmp_path / "state"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "TERM": "xterm-256color", "PYTHONPATH": str(REPO)}
    started: list[Terminal] = []

    def start(argv: list[str]) -> Terminal:
        started.append(Terminal(env).start(argv))
        return started[-1]

    yield start
    for term in started:
        term.tmux("kill-server")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_a_new_library_of_1000_passages_shows_a_status_within_a_second_of_the_question(tmp_path, terminal) -> None:
    folder = library(tmp_path / "articles")
    term = terminal(["--no-history", "--corpus", str(folder)])
    assert wait_for(lambda: "ask ›" in term.screen(), 120), term.screen()
    term.type(QUESTION)
    asked = time.monotonic()
    assert wait_for(lambda: WAIT_LINE in term.screen(), 5), term.screen()
    seen = time.monotonic() - asked
    assert seen <= 1.0, f"the status line came {seen:.2f} s after the question"
    # and it goes once the answer is there (a transient line, not left in the transcript)
    assert wait_for(lambda: term.screen().count("ask ›") >= 2 or "EXITED" in term.screen(), 180), term.screen()
    assert "Quote 1 · Source:" in term.screen() and WAIT_LINE not in term.screen()


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_ask_shows_its_status_on_a_terminal_while_it_waits(tmp_path, terminal) -> None:
    folder = library(tmp_path / "articles")
    term = terminal(["--corpus", str(folder), "ask", QUESTION])
    # a start-up on a busy machine can take a while; the status must be there before the answer is
    assert wait_for(lambda: WAIT_LINE in term.screen() or "EXITED" in term.screen(), 120), term.screen()
    assert WAIT_LINE in term.screen(), term.screen()
    assert wait_for(lambda: "EXITED-0" in term.screen(), 180), term.screen()
    assert "You asked" in term.screen() and WAIT_LINE not in term.screen()


def test_ask_writes_no_status_when_standard_error_is_not_a_terminal(tmp_path) -> None:
    folder = library(tmp_path / "articles", passages=200)
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    proc = subprocess.run([sys.executable, "-m", "chatbot", "--corpus", str(folder), "ask", QUESTION],
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=180)
    assert proc.returncode == 0 and "You asked" in proc.stdout
    assert WAIT_LINE not in proc.stderr and "\x1b" not in proc.stderr and WAIT_LINE not in proc.stdout


class NotReady:
    """The engine's background loading, held "not ready" until the test lets it go."""

    def __init__(self, real) -> None:
        self.real, self.go = real, threading.Event()

    def ready(self) -> bool:
        return self.go.is_set()

    def __getattr__(self, name: str):
        return getattr(self.real, name)


def test_the_kiosk_shows_one_moment_while_a_question_waits_and_then_the_answer(engine, settings, monkeypatch) -> None:
    core = KioskCore(engine, settings, idle_timeout=120, clock=Clock())
    held = NotReady(engine.semantic)
    release = threading.Event()
    real_ask = engine.ask

    def slow_ask(text: str):
        release.wait(30)
        held.go.set()
        return real_ask(text)

    monkeypatch.setattr(engine, "semantic", held)
    monkeypatch.setattr(engine, "ask", slow_ask)
    seen: list[str] = []

    def waiting_shown(app) -> bool:
        if app.busy and WAIT_LINE in str(app._body().value):
            seen.append(app.status_text(80))
            release.set()
            return True
        return False

    app = drive(core, [(QUESTION + "\r", waiting_shown), ("", entered(1))])
    assert seen and WAIT_LINE in seen[0]  # the status line says it too
    assert core.screen.kind == "answer" and not app.busy and "Quote 1" in "\n".join(app.lines)
