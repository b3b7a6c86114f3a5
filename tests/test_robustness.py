"""Hostile questions, broken articles, stale and corrupt caches, concurrent starts, privacy."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from chatbot.articles.knowledge import open_knowledge
from chatbot.cli import main
from chatbot.config import Settings
from tests.conftest import REPO, seed_text

HOSTILE = [
    "", "   ", "\t", "\x00", "what\x00 is ketamine", "\x07\x08\x0b\x0c", "\x1b[2J\x1b[H clear the screen",
    "\x1b]0;owned\x07 window title", "\x1b]8;;http://evil.example\x07click\x1b]8;;\x07", "\x9b31m c1 csi",
    "[bold red]x[/bold red]", "[link=file:///etc/passwd]x[/link]", "\u202eenimatek si tahw", "\u200b\u200d\u2060",
    "🙂💉 is ketamine safe? 🤔", "ke\u0301tami\u0308ne", "𝓀𝑒𝓉𝒶𝓂𝒾𝓃𝑒", "{0} {1} %s %d {{7*7}} ${jndi:ldap://x}",
    "<script>alert(1)</script>", "'; DROP TABLE answers; --", "..\\..\\etc\\passwd", "pain " * 40_000,
    "a" * 200_000, "\ud800 lone surrogate", "\r\r\r", "\u00a0\u3000", "？？？", "ketamine" * 500,
]


def run_cli(argv: list[str], stdin: bytes | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "chatbot", *argv], input=stdin, capture_output=True,
                          env={**os.environ, **(env or {})}, cwd=REPO, timeout=120)


@pytest.mark.parametrize("question", HOSTILE)
def test_every_hostile_question_gets_a_status_and_a_disclaimer(engine, question: str) -> None:
    answer = engine.ask(question)
    data = json.loads(json.dumps(answer.to_dict()))
    assert data["status"] in ("answered", "no_answer", "emergency", "smalltalk", "invalid")
    assert data["disclaimer"]
    assert "\x1b" not in data["question"] and "\x9b" not in data["question"] and "\x00" not in data["question"]
    if data["status"] == "invalid":
        assert answer.message


def test_hostile_file_through_batch_json(tmp_path: Path) -> None:
    lines = [q.replace("\r", " ") for q in HOSTILE if q.strip(" \t\r\u00a0\u3000")]
    raw = b"\n".join(q.encode("utf-8", "surrogatepass") for q in lines)
    raw += b"\n\xff\xfe invalid utf-8 \xc3\x28 bytes\n"
    proc = run_cli(["batch", "--json", "-"], stdin=raw)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode("utf-8").splitlines()
    nonblank = [line for line in raw.split(b"\n") if line.decode("utf-8", "replace").strip()]
    assert len(out) == len(nonblank)
    for line in out:
        data = json.loads(line)
        assert data["status"] and data["disclaimer"]
    assert b"\x1b" not in proc.stdout


def test_escapes_never_reach_the_terminal_in_rich_output() -> None:
    proc = run_cli(["ask", "\x1b[2J\x1b]0;owned\x07what is ketamine"], env={"TERM": "dumb"})
    assert proc.returncode == 0
    assert b"\x1b]0;" not in proc.stdout and b"\x1b[2J" not in proc.stdout


def test_markup_in_a_question_is_literal() -> None:
    proc = run_cli(["ask", "[bold red]x[/bold red]"], env={"NO_COLOR": "1"})
    assert b"[bold red]x[/bold red]" in proc.stdout and b"\x1b[" not in proc.stdout


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=400))
def test_property_any_text(engine, text: str) -> None:
    answer = engine.ask(text)
    data = json.loads(json.dumps(answer.to_dict(), ensure_ascii=False))
    assert data["status"] in ("answered", "no_answer", "emergency", "smalltalk", "invalid") and data["disclaimer"]
    flat = " ".join(seed_text().split())
    for p in data["passages"]:
        assert " ".join(p["text"].split()) in flat and p["source"]["path"]


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["ketamine", "pain", "infusion", "hooked", "drip", "die", "my", "dose", "?", "🙂",
                                 "\x1b", "[b]", "insurance", "kill", "time", "opioids"]), max_size=12))
def test_property_word_salad(engine, words: list[str]) -> None:
    answer = engine.ask(" ".join(words))
    assert answer.disclaimer and answer.status
    assert len(answer.hits) <= 3


# -- broken articles -----------------------------------------------------------------------------
def make_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "good.txt").write_text("Ketamine infusions\n\nKetamine infusions for pain usually take about forty "
                                     "minutes in a quiet room at the clinic.\n", encoding="utf-8")
    (folder / "latin1.txt").write_bytes("Caf\xe9 article about pain relief and ketamine.".encode("latin-1"))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "noise.txt").write_bytes(bytes(range(256)) * 10)
    (folder / "huge.md").write_bytes(b"word " * 1_200_000)
    (folder / "folder.txt").mkdir()
    (folder / "metadata.toml").write_text("this is [not toml", encoding="utf-8")
    return folder


def test_broken_articles_are_skipped_with_one_line_each(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    proc = run_cli(["--corpus", str(folder), "ask", "--json", "how long do infusions take"],
                   env={"XDG_CACHE_HOME": str(tmp_path / "c")})
    assert proc.returncode == 0
    err = proc.stderr.decode()
    for name in ("latin1.txt", "empty.txt", "noise.txt", "huge.md", "folder.txt", "metadata.toml"):
        assert name in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 6
    data = json.loads(proc.stdout)
    assert data["status"] == "answered" and data["passages"][0]["source"]["path"] == "articles/good.txt"
    assert data["passages"][0]["source"]["title"] == "Ketamine infusions"


@pytest.mark.parametrize("problem", ["missing", "empty", "file"])
def test_unusable_folder_is_an_error_not_a_traceback(tmp_path: Path, problem: str) -> None:
    target = tmp_path / "articles"
    if problem == "empty":
        target.mkdir()
    elif problem == "file":
        target.write_text("x")
    proc = run_cli(["--corpus", str(target), "ask", "hello there"])
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert err.startswith("chatbot: ") and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_plain_folder_without_metadata_takes_titles_from_text_or_name(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "01_side-effects.md").write_text("Nausea is common after a ketamine infusion and passes within hours.\n")
    (folder / "faq.txt").write_text("# Our FAQ\n\nKetamine infusions are given in the clinic over forty minutes.\n")
    kb = open_knowledge(folder, Settings(cache_dir=str(tmp_path / "c")))
    titles = {a.title for a in kb.articles}
    assert titles == {"Side effects", "Our FAQ"}
    assert all(a.publisher == "not stated in the article" for a in kb.articles)


def test_bad_settings_file_is_one_line(tmp_path: Path, capsys) -> None:
    cfg = tmp_path / "s.toml"
    cfg.write_text("clinic_name = [1, 2]\n")
    assert main(["--config", str(cfg), "ask", "hi"]) == 2
    assert "clinic_name" in capsys.readouterr().err
    cfg.write_text("no_such_setting = 1\n")
    assert main(["--config", str(cfg), "ask", "hi"]) == 2
    cfg.write_text("broken = \n")
    assert main(["--config", str(cfg), "ask", "hi"]) == 2


# -- caches --------------------------------------------------------------------------------------
def test_corrupt_cache_is_rebuilt_not_served(tmp_path: Path) -> None:
    s = Settings(cache_dir=str(tmp_path))
    kb = open_knowledge(None, s)
    files = list(tmp_path.glob("kb-*.npz"))
    assert len(files) == 1
    files[0].write_bytes(b"\x80\x05garbage that is not a pickle")
    again = open_knowledge(None, s)
    assert again.texts == kb.texts
    files[0].write_bytes(pickle.dumps({"something": "else"}))
    assert open_knowledge(None, s).texts == kb.texts


def test_edited_article_is_never_served_stale(tmp_path: Path) -> None:
    folder = tmp_path / "a"
    folder.mkdir()
    article = folder / "one.txt"
    article.write_text("Infusions\n\nA ketamine infusion takes forty minutes at this clinic.\n")
    s = Settings(cache_dir=str(tmp_path / "cache"))
    assert "forty" in open_knowledge(folder, s).texts[0]
    article.write_text("Infusions\n\nA ketamine infusion takes ninety minutes at this clinic.\n")
    assert "ninety" in open_knowledge(folder, s).texts[0]


def test_two_processes_starting_at_once_do_not_break_each_other(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    procs = [subprocess.Popen([sys.executable, "-m", "chatbot", "ask", "--json", "what is ketamine"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO) for _ in range(4)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1] for o in outs]
    assert all(json.loads(o[0])["status"] == "answered" for o in outs)
    caches = list((tmp_path / "cache").rglob("kb-*.npz"))
    assert len(caches) == 1 and not list((tmp_path / "cache").rglob(".store-*"))
    assert open_knowledge(None, Settings(cache_dir=str(caches[0].parent))).texts


def test_read_only_cache_folder_still_answers(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    kb = open_knowledge(None, Settings(cache_dir=str(blocked / "sub")))
    assert len(kb) > 10


# -- privacy -------------------------------------------------------------------------------------
def test_kiosk_session_writes_nothing_the_patient_typed(tmp_path: Path) -> None:
    """A whole kiosk session with a temporary home: no file anywhere under it holds the words."""
    script = f"""
import os, sys, threading, time
os.environ["HOME"] = {str(tmp_path)!r}
for v in ("XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME"):
    os.environ.pop(v, None)
sys.path.insert(0, {str(REPO)!r})
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from chatbot.config import Settings
from chatbot.engine import Engine
from chatbot.frontends.kiosk import KioskApp
from chatbot.frontends.kiosk_core import KioskCore
from chatbot.articles.knowledge import open_knowledge
from chatbot.infra.locations import state_dir
s = Settings(record_unanswered=True)
core = KioskCore(Engine(open_knowledge(None, s), s), s, 120, error_log=state_dir() / "kiosk-errors.log")
with create_pipe_input() as pipe:
    app = KioskApp(core, input=pipe, output=DummyOutput())
    def feed():
        lines = ["zebramarmalade how long is the drip\\r", "quokkapassword i want to die\\r",
                 "wombatsecret my phone is 5551234567\\r", "new\\r"]
        for i, k in enumerate(lines):
            pipe.send_text(k)
            end = time.monotonic() + 60
            while app.lines_entered <= i and time.monotonic() < end:
                time.sleep(0.005)
        app.app.loop.call_soon_threadsafe(lambda: app.app.exit(result=0))
    threading.Thread(target=feed).start()
    app.run()
print("done", core.screen.kind)
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert "done welcome" in proc.stdout, proc.stderr
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written  # the index cache was written, so the search below looked at real files
    for p in written:
        data = p.read_bytes()
        for word in (b"zebramarmalade", b"quokkapassword", b"wombatsecret", b"5551234567"):
            assert word not in data, p


def test_fuzz_script_runs_and_reports_its_count() -> None:
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "fuzz.py"), "--seconds", "3"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no failure" in proc.stdout and "tried" in proc.stdout
