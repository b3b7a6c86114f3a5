"""Issue 24, items 8 and 9: settings and rule messages that could write escape sequences, the word-list
cache, a full disk under the chat history, temporary files left by a killed write, and the question
memory's checksum. Each attack runs the ``chatbot`` command as a user would, in a subprocess with a
timeout, under its own HOME and XDG folders (see conftest)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from chatbot.config import load_settings
from chatbot.errors import ConfigError
from tests.conftest import REPO

HANG = 90  # a hang is a timeout; a pass takes a few seconds
DATA = REPO / "chatbot" / "data"
OSC52 = "\\u001b]52;c;aGVsbG8=\\u0007"  # as written in TOML: a clipboard write
OSC0 = "\\u001b]0;owned\\u0007"  # a window-title change


def run_cli(argv: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "chatbot", *argv], input=b"", capture_output=True,
                          env={**os.environ, **(env or {})}, cwd=REPO, timeout=HANG)


# -- 1. settings and the messages a clinic writes for patients ----------------------------------------
def _rules_copy(tmp_path: Path, old: str, new: str) -> Path:
    text = (DATA / "safety.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "my-safety.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("message, old, new", [
    ("suicide", 'suicide = """Please {crisis_contacts}', f'suicide = """Please {OSC52}{OSC0}{{crisis_contacts}}'),
    ("crisis_line", 'crisis_line = """If you ever', 'crisis_line = """\\u009d0;owned\\u009cIf you ever'),
    ("greeting", 'greeting = """Hello.', 'greeting = """Hello.\\u001b[2J\\u202e'),
])
def test_escape_sequences_in_a_clinics_rule_messages_never_reach_the_terminal(
        tmp_path: Path, message: str, old: str, new: str) -> None:
    rules = _rules_copy(tmp_path, old, new)
    cfg = tmp_path / "settings.toml"
    cfg.write_text(f'safety_rules = "{rules.name}"\n', encoding="utf-8")
    questions = tmp_path / "questions.txt"  # a crisis, small talk and a question: one process asks all three
    questions.write_text("I want to kill myself\nhello\nhow long does an infusion take\n", encoding="utf-8")
    proc = run_cli(["--config", str(cfg), "batch", str(questions)])
    assert b"\x1b" not in proc.stdout and b"\xc2\x9d" not in proc.stdout, proc.stdout
    assert b"\x1b" not in proc.stderr
    err = proc.stderr.decode()
    assert proc.returncode == 2 and str(rules) in err and repr(message) in err and "escape sequences" in err, err


@pytest.mark.parametrize("body, setting", [
    ('clinic_name = "Riverside\\u200f Pain"\n', "'clinic_name'"),
    ('crisis_line_name = "Lifeline\\u200e"\n', "'crisis_line_name'"),
    ('disclaimer = "Not advice.\\u061c\\nCall 911."\n', "'disclaimer'"),
    ('[[crisis_lines]]\nrole = "emergency"\nname = "Emergency\\u200f"\nnumber = "999"\n', "crisis_lines entry 1"),
])
def test_bidirectional_marks_in_settings_shown_to_patients_are_refused(tmp_path: Path, body: str, setting: str) -> None:
    cfg = tmp_path / "settings.toml"
    cfg.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match="bidirectional marks") as caught:
        load_settings(cfg)
    assert setting in str(caught.value)
    proc = run_cli(["--config", str(cfg), "ask", "I want to kill myself"])
    assert proc.returncode == 2 and not proc.stdout and setting in proc.stderr.decode()


def test_the_bundled_rules_and_settings_pass_the_same_check(tmp_path: Path) -> None:
    cfg = tmp_path / "settings.toml"
    cfg.write_text('clinic_name = "Riverside Pain Care"\n', encoding="utf-8")
    proc = run_cli(["--config", str(cfg), "ask", "I want to kill myself"])
    assert proc.returncode == 0 and b"Riverside" not in proc.stderr and b"\x1b" not in proc.stdout


# -- 2. the word-list cache ------------------------------------------------------------------------
def _ask_json(question: str) -> dict:
    import json

    proc = run_cli(["ask", "--json", question])
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _batch_json(home: Path, questions: list[str]) -> list[dict]:
    import json

    path = home / "questions.txt"
    path.write_text("\n".join(questions) + "\n", encoding="utf-8")
    proc = run_cli(["batch", "--json", str(path)])
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.decode().splitlines() if line.strip()]


def _word_cache(home: Path) -> Path:
    """Where the word-list cache is (a first run writes it): the same name for every planted file."""
    _ask_json("hello")
    found = [p for p in (home / "cache").rglob("words-en-*") if not p.name.startswith(".tmp-")]
    assert len(found) == 1, found
    return found[0]


def test_a_fifo_planted_as_the_word_list_cache_does_not_hang_start_up(own_home: Path) -> None:
    path = _word_cache(own_home)
    path.unlink()
    os.mkfifo(path)
    answer = _ask_json("I want to kill myself")  # a hang is a timeout
    assert answer["status"] == "emergency"


@pytest.mark.parametrize("planted", ["garbage", "data-only", "data-only-with-typos"])
def test_a_damaged_or_planted_word_list_cache_never_weakens_a_rule_emergency(own_home: Path, planted: str) -> None:
    import numpy as np

    from chatbot.text.wordlist import _digest, _package_words

    path = _word_cache(own_home)
    if planted == "garbage":
        path.write_bytes(os.urandom(4096))
    else:  # a well-formed array of digests, as the old cache held: "misspellings" marked as English
        typos = "sucide suicde mysefl overdsoe unconcious breating colapsed unresponsve".split()
        words = _package_words() if planted == "data-only-with-typos" else [f"w{i}" for i in range(20_000)]
        digests = np.unique(np.array([_digest(w) for w in words + typos], dtype=np.uint64))
        with path.open("wb") as fh:
            np.save(fh, digests, allow_pickle=False)
    # one process reads the planted file once and judges every message with what it made of it
    messages = ["I want to kill myself", "i want to commit sucide", "i took an overdsoe",
                "my husband is unconcious and not breating"]
    for message, answer in zip(messages, _batch_json(own_home, messages), strict=True):
        assert answer["status"] == "emergency" and answer["notices"][0]["kind"] == "emergency", (message, answer)
    # and the file was rebuilt from the package, not left for the next run
    from importlib import metadata

    from chatbot.infra import store
    from chatbot.text.wordlist import StoredWords, _stamps

    stored = store.load(path, StoredWords, _stamps(metadata.version("pyspellchecker")))
    assert _digest("breath") in stored.digests and _digest("sucide") not in stored.digests


# -- 3. a full disk under the chat history ---------------------------------------------------------
HISTORY_LINE = "Your conversation history could not be saved"


def _chat(engine, settings, keys: str) -> str:
    import io

    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput
    from rich.console import Console

    from chatbot.frontends.repl import run_chat

    console = Console(file=io.StringIO(), width=100, color_system=None)
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        assert run_chat(engine, settings, console, history=True, input=pipe, output=DummyOutput()) == 0
    return " ".join(console.file.getvalue().replace("│", " ").replace("┃", " ").split())  # type: ignore[attr-defined]


# Ctrl-D at the end: the chat ends on the old code too (its "thanks bye" failed to write and went on)
QUESTIONS = "what is ketamine\rhow long does the drip take\rcan i get hooked on this\rthanks bye\r\x04"


def test_a_full_disk_under_the_history_costs_one_calm_line_never_an_answer(engine, settings, monkeypatch) -> None:
    import errno

    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, fh) -> None:
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc: object) -> None:
            self.fh.close()

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    def fdopen(fd, mode="r", *args, **kwargs):  # only the history's appends fail, as on a full disk
        fh = real_fdopen(fd, mode, *args, **kwargs)
        return FullDisk(fh) if mode == "ab" else fh

    monkeypatch.setattr(os, "fdopen", fdopen)
    out = _chat(engine, settings, QUESTIONS)
    assert "dissociative anesthetic" in out and "40 minutes to 1 hour" in out  # every answer shown
    assert out.count(HISTORY_LINE) == 1, out
    assert "something went wrong" not in out
    assert "Take care" in out  # "thanks bye" still ends the chat


def test_a_history_folder_turned_read_only_costs_one_calm_line(engine, settings, monkeypatch) -> None:
    """The folder is made read-only (EROFS) after the chat has opened its history: every later open
    fails. Simulated, because the tests may run as root, who can write to a read-only folder."""
    import errno

    from chatbot.frontends import history

    real_open = os.open
    opened: list[str] = []

    def read_only(path, flags, *args, **kwargs):
        if str(path).endswith("history") and flags & os.O_WRONLY:
            opened.append(str(path))
            if len(opened) > 1:  # the first open is the chat's start-up check
                raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(history.os, "open", read_only)
    out = _chat(engine, settings, QUESTIONS)
    assert len(opened) > 1  # the writes were tried
    assert "dissociative anesthetic" in out and "40 minutes to 1 hour" in out
    assert out.count(HISTORY_LINE) == 1 and "something went wrong" not in out and "Take care" in out


# -- 4. temporaries left by a write that was killed --------------------------------------------------
def test_stale_temporaries_are_removed_at_start_up_from_every_folder_written_atomically(
        tmp_path: Path, own_home: Path) -> None:
    import time

    from chatbot.infra.locations import cache_dir, state_dir
    from chatbot.infra.safefile import TMP_PREFIX, TMP_SUFFIX

    index_cache = tmp_path / "clinic-cache"
    cfg = tmp_path / "settings.toml"
    cfg.write_text(f'cache_dir = "{index_cache}"\n', encoding="utf-8")
    first = run_cli(["--config", str(cfg), "ask", "how long does the drip take"])  # the caches are written
    assert first.returncode == 0, first.stderr
    folders = {"index cache": index_cache, "checkpoints": index_cache / "vecparts-0123-4567",
               "word-list cache": cache_dir(), "state (history, unanswered)": state_dir()}
    stale, fresh = {}, []
    for what, folder in folders.items():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = folder / f"{TMP_PREFIX}k1lled{TMP_SUFFIX}"  # the pattern atomic_write's mkstemp uses
        path.write_bytes(b"half a file")
        two_hours_ago = time.time() - 7200  # older than remove_stale_temporaries' limit (an hour)
        os.utime(path, (two_hours_ago, two_hours_ago))
        stale[what] = path
        young = folder / f"{TMP_PREFIX}wr1ting{TMP_SUFFIX}"  # another process may be writing it now
        young.write_bytes(b"being written")
        fresh.append(young)
    second = run_cli(["--config", str(cfg), "ask", "how long does the drip take"])  # everything cached
    assert second.returncode == 0, second.stderr
    assert [what for what, path in stale.items() if path.exists()] == []
    assert all(path.exists() for path in fresh)


# -- 5. the question memory's checksum ----------------------------------------------------------------
def test_a_tampered_question_memory_fails_its_checksum_and_the_chatbot_answers_without_it(
        tmp_path: Path, engine, monkeypatch, capsys) -> None:
    """The tampered copy is a well-formed store file (its own digests recomputed, so only the sha256
    in the card can tell): every labelled question marked as one the articles do not answer."""
    import dataclasses
    import json
    import shutil

    from chatbot.cli import main
    from chatbot.data import DATA_DIR
    from chatbot.infra import store
    from chatbot.retrieval import memory
    from chatbot.retrieval.semantic import WEIGHTS

    shipped = memory.load_labelled(DATA_DIR / memory.MEMORY_FILE, WEIGHTS.sha256)
    tampered = dataclasses.replace(shipped, gold=[[] for _ in shipped.gold], answers=[[] for _ in shipped.answers])
    data = tmp_path / "data"
    data.mkdir()
    store.save(data / memory.MEMORY_FILE, tampered, {"format": str(memory.MEMORY_FORMAT), "model": WEIGHTS.sha256})
    shutil.copy(DATA_DIR / "retrieval_model.json", data)  # the card, with the shipped file's sha256
    monkeypatch.setattr(memory, "DATA_DIR", data)

    used, why = memory.bind(engine.kb, WEIGHTS.sha256)
    assert used is None and "failed its checksum" in why
    assert main(["ask", "--json", "how long does the drip take"]) == 0  # never a crash
    out, err = capsys.readouterr()
    assert json.loads(out)["status"] == "answered"
    assert err.count("question memory") == 1 and "checksum" in err, err

    monkeypatch.setattr(memory, "DATA_DIR", DATA_DIR)  # the shipped file passes the same check
    used, why = memory.bind(engine.kb, WEIGHTS.sha256)
    assert used is not None and "labelled questions" in why
