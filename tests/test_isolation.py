"""Issue 24, items 2 and 3: the sentence model runs in a process of its own, so that a model that
hangs (on load, or on a question) costs a few seconds on one question, and a native crash of its
runtime (SIGSEGV, SIGBUS, abort, a damaged onnxruntime) costs the semantic scores, never an answer.
Crisis messages never wait for it, and `ask` ends as soon as its answer is out.

The faults are injected where a real model would fail: inside the model's process
(``CHATBOT_MODEL_FAULT``, honoured by chatbot/retrieval/encoder.py), and for the damaged install by a
truncated copy of onnxruntime's native library put first on the child's path. Every wait is on a
condition; the time limits are generous upper bounds for a busy two-core machine.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from chatbot.articles.knowledge import KnowledgeBase, open_knowledge
from chatbot.config import Settings
from chatbot.engine import Engine
from chatbot.retrieval.background import STALL, Background
from chatbot.retrieval.encoder import FAULT_ENV, HEALTHY, LOAD_LIMIT, REQUEST_WAIT, RESTARTS, RETRY_AFTER
from tests.conftest import REPO

CRISIS = "I want to kill myself"
QUESTION = "how long does an infusion take"
PROMPT = 3.0  # a crisis answer needs no model: milliseconds; this is the limit for the crisis panel
SLACK = 5.0  # on top of a watchdog's own limit, for a busy machine


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return open_knowledge(None, Settings(cache_dir=str(tmp_path_factory.mktemp("kb"))))


def timed(engine: Engine, question: str) -> tuple[str, str, float]:
    start = time.monotonic()
    answer = engine.ask(question)
    return answer.status, answer.search, time.monotonic() - start


def fresh(kb: KnowledgeBase) -> Engine:
    return Engine(kb, Settings(), semantic=Background(kb, None))


def gone(engine: Engine) -> bool:
    model = engine.semantic.model
    return model is not None and model._proc.poll() is not None


def test_a_model_that_hangs_while_loading_costs_one_wait_and_the_kiosk_starts(kb, monkeypatch) -> None:
    from chatbot.frontends.kiosk_core import KioskCore

    monkeypatch.setenv(FAULT_ENV, "hang-load")
    engine = fresh(kb)
    status, _, seconds = timed(engine, CRISIS)
    assert status == "emergency" and seconds < PROMPT
    # the kiosk's first welcome waits for the model only while it makes progress (it was 20 s)
    start = time.monotonic()
    core = KioskCore(engine, Settings(), idle_timeout=60)
    assert time.monotonic() - start < STALL + SLACK and core.screen.kind == "welcome"
    status, search, seconds = timed(engine, QUESTION)
    assert (status, search) == ("answered", "keyword") and seconds < STALL + SLACK
    assert engine.search_problem and "took too long to load" in engine.search_problem
    status, search, seconds = timed(engine, "is ketamine addictive")  # no second wait
    assert search == "keyword" and seconds < PROMPT
    assert timed(engine, CRISIS)[0] == "emergency"
    engine.semantic.model.close()  # type: ignore[union-attr]
    assert gone(engine)


def test_a_model_that_hangs_on_a_question_is_stopped_and_keyword_search_answers(kb, monkeypatch) -> None:
    monkeypatch.setenv(FAULT_ENV, "hang-encode")
    engine = fresh(kb)
    assert engine.semantic._done.wait(LOAD_LIMIT) and engine.semantic.scorer is not None  # it loaded well
    status, _, seconds = timed(engine, CRISIS)
    assert status == "emergency" and seconds < PROMPT
    status, search, seconds = timed(engine, QUESTION)  # its words go to the model, which never answers
    assert (status, search) == ("answered", "keyword") and seconds < REQUEST_WAIT + SLACK
    assert engine.search_problem and "stopped responding" in engine.search_problem
    assert gone(engine)  # the watchdog killed it
    status, search, seconds = timed(engine, "is ketamine addictive")
    assert search == "keyword" and seconds < PROMPT
    assert timed(engine, CRISIS)[0] == "emergency"


@pytest.mark.parametrize("sig", ["SIGSEGV", "SIGBUS", "SIGABRT"])
def test_a_runtime_that_crashes_on_a_question_costs_the_semantic_scores_only(kb, monkeypatch, sig: str) -> None:
    monkeypatch.setenv(FAULT_ENV, f"crash-encode:{sig}")
    engine = fresh(kb)
    assert engine.semantic._done.wait(LOAD_LIMIT) and engine.semantic.scorer is not None
    status, search, seconds = timed(engine, QUESTION)
    assert (status, search) == ("answered", "keyword") and seconds < PROMPT
    assert engine.search_problem == (f"semantic model all-MiniLM-L6-v2 crashed in its runtime ({sig}); "
                                     "answering with keyword search only")
    status, _, seconds = timed(engine, CRISIS)
    assert status == "emergency" and seconds < PROMPT
    assert timed(engine, "is ketamine addictive")[1] == "keyword"


def test_a_runtime_that_crashes_while_loading_costs_the_semantic_scores_only(kb, monkeypatch) -> None:
    monkeypatch.setenv(FAULT_ENV, "crash-load:SIGSEGV")
    engine = fresh(kb)
    assert timed(engine, CRISIS)[0] == "emergency"
    status, search, seconds = timed(engine, QUESTION)
    assert (status, search) == ("answered", "keyword") and seconds < STALL + SLACK
    assert "crashed in its runtime (SIGSEGV)" in (engine.search_problem or "")


# -- the command line, as a patient's terminal runs it ----------------------------------------------
def run(argv: list[str], env: dict[str, str] | None = None,
        timeout: float = 60) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "chatbot", *argv], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, **(env or {})}, timeout=timeout)
    return proc, time.monotonic() - start


def alive_with(tag: str) -> list[int]:
    """The processes (still running) whose environment holds ``tag``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if tag.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.fixture(scope="module")
def damaged_onnxruntime(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the installed onnxruntime whose native library is cut in half, as a failed upgrade
    or a bad disk leaves it: loading it dies of SIGBUS (the red team's reproducer)."""
    import importlib.util

    spec = importlib.util.find_spec("onnxruntime")
    assert spec is not None and spec.submodule_search_locations
    real = Path(list(spec.submodule_search_locations)[0])
    root = tmp_path_factory.mktemp("damaged")
    for path in real.rglob("*"):
        target = root / "onnxruntime" / path.relative_to(real)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif "onnxruntime_pybind11_state" in path.name:
            target.parent.mkdir(parents=True, exist_ok=True)
            data = path.read_bytes()
            target.write_bytes(data[: len(data) // 2])
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path)
    return root


def test_a_damaged_onnxruntime_still_answers_crisis_messages_and_questions(damaged_onnxruntime: Path) -> None:
    env = {"PYTHONPATH": str(damaged_onnxruntime)}
    proc, seconds = run(["ask", CRISIS], env)
    assert proc.returncode == 0 and "988" in proc.stdout and seconds < 30, proc.stderr
    proc, _ = run(["ask", "--json", QUESTION], env)
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    assert answer["status"] == "answered" and answer["search"] == "keyword"
    assert re.fullmatch(r"chatbot: warning: semantic model all-MiniLM-L6-v2 crashed in its runtime \(SIG(BUS|SEGV)\); "
                        r"answering with keyword search only\n", proc.stderr), proc.stderr


def test_ask_with_a_hung_model_ends_promptly_and_leaves_no_process(tmp_path: Path) -> None:
    tag = f"CHATBOT_TEST_TAG={uuid.uuid4().hex}"
    key, value = tag.split("=")
    for fault in ("hang-load", "hang-encode"):
        proc, seconds = run(["ask", "--json", QUESTION], {FAULT_ENV: fault, key: value})
        assert proc.returncode == 0 and json.loads(proc.stdout)["search"] == "keyword", proc.stderr
        # start-up, one watchdog wait, and out: no 30 s joins at exit, no native abort
        assert seconds < max(STALL, REQUEST_WAIT) + 3 * SLACK, seconds
        assert "terminate called" not in proc.stderr and "Traceback" not in proc.stderr
        assert alive_with(tag) == []  # the model's process was killed, not left behind


def test_the_chatbots_own_process_never_loads_the_native_runtime() -> None:
    code = ("import sys, contextlib, io; from chatbot.cli import main\n"
            "out = io.StringIO()\n"
            "with contextlib.redirect_stdout(out): main(['ask', '--json', 'what if it doesnt work for me'])\n"
            "print(out.getvalue().strip()); print(sorted(m for m in ('onnxruntime', 'tokenizers') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    answer, modules = proc.stdout.strip().splitlines()
    assert json.loads(answer)["search"] == "hybrid" and modules == "[]", proc.stderr


def test_a_caller_that_comes_after_the_load_limit_still_gets_a_model_that_loaded_in_time() -> None:
    """`chatbot index` starts the model, then reads a big library for longer than the load limit:
    the model's "ready" waits in the pipe and must be read, not called a load that took too long."""
    from chatbot.retrieval.background import start_model

    model = start_model(threads=1)
    try:
        model.started -= 10 * LOAD_LIMIT  # as if the articles had taken five minutes to read
        model.wait_loaded()
        assert model.problem is None
        assert model.encode(["how long does an infusion take"]).shape[0] == 1
    finally:
        model.close()


# -- a failed model is started again, later ------------------------------------------------------
def restarted(engine: Engine) -> None:
    thread = engine.semantic.restart_thread
    assert thread is not None
    thread.join(LOAD_LIMIT + SLACK)
    assert not thread.is_alive()


def test_a_model_that_crashed_is_started_again_on_a_question_a_minute_later(kb, monkeypatch) -> None:
    """A kiosk runs all day: one crash (or one missed deadline on a busy machine) must not leave it on
    keyword search until closing time."""
    from test_kiosk import Clock


    clock = Clock()
    monkeypatch.setenv(FAULT_ENV, "crash-encode:SIGSEGV")
    engine = Engine(kb, Settings(), semantic=Background(kb, None, clock=clock))
    assert engine.semantic._done.wait(LOAD_LIMIT) and engine.semantic.scorer is not None
    assert timed(engine, QUESTION)[1] == "keyword" and engine.search_problem  # it crashed
    monkeypatch.delenv(FAULT_ENV)
    clock.now += RETRY_AFTER - 1
    assert timed(engine, QUESTION)[1] == "keyword" and engine.semantic.tries.count == 0  # not yet
    clock.now += 2
    status, search, seconds = timed(engine, QUESTION)  # starts it again, without waiting for it
    assert (status, search) == ("answered", "keyword") and seconds < PROMPT and engine.semantic.tries.count == 1
    restarted(engine)
    assert timed(engine, QUESTION)[:2] == ("answered", "hybrid") and engine.search_problem is None
    assert timed(engine, CRISIS)[0] == "emergency"
    engine.semantic.model.close()  # type: ignore[union-attr]


def test_a_model_that_keeps_failing_is_tried_three_times_then_left(kb, monkeypatch) -> None:
    from test_kiosk import Clock


    clock = Clock()
    monkeypatch.setenv(FAULT_ENV, "crash-load:SIGABRT")
    engine = Engine(kb, Settings(), semantic=Background(kb, None, clock=clock))
    assert engine.semantic._done.wait(LOAD_LIMIT) and engine.semantic.scorer is None
    for n in range(1, RESTARTS + 1):
        clock.now += RETRY_AFTER
        assert timed(engine, QUESTION)[1] == "keyword" and engine.semantic.tries.count == n
        restarted(engine)
        assert "crashed in its runtime (SIGABRT)" in (engine.search_problem or "")
        assert timed(engine, CRISIS)[0] == "emergency"
    clock.now += 10 * RETRY_AFTER
    assert timed(engine, QUESTION)[1] == "keyword" and engine.semantic.tries.count == RESTARTS


def test_a_big_library_restarted_gets_its_full_vectors_built_again(kb, monkeypatch) -> None:
    """A library whose full vectors were still to be built when the model died starts again from its
    static vectors and builds the full ones after them, as at start-up (not static for the day)."""
    from test_kiosk import Clock

    from chatbot.retrieval import background as bg

    clock = Clock()
    monkeypatch.setattr(bg, "INLINE_CHARS", 0)  # as if it were too big to encode while a question waits
    monkeypatch.setattr(bg, "cached_passage_vectors", lambda *args: None)
    monkeypatch.setattr(bg, "UPGRADE_DELAY", 3600.0)  # the first upgrade has not begun when the model dies
    engine = Engine(kb, Settings(), semantic=Background(kb, None, clock=clock))
    assert engine.semantic._done.wait(LOAD_LIMIT) and engine.semantic.static and engine.semantic.note
    engine.semantic.model._proc.kill()  # type: ignore[union-attr]  # a crash, as SIGKILL
    assert timed(engine, QUESTION)[1] == "keyword"
    monkeypatch.setattr(bg, "UPGRADE_DELAY", 0.0)
    clock.now += RETRY_AFTER
    assert timed(engine, QUESTION)[1] == "keyword" and engine.semantic.tries.count == 1
    restarted(engine)  # the restart's thread goes on to build the full vectors
    assert not engine.semantic.static and engine.semantic.note is None and engine.semantic.scorer is not None
    assert not engine.semantic.scorer.static and timed(engine, QUESTION)[:2] == ("answered", "hybrid")
    engine.semantic.model.close()  # type: ignore[union-attr]


def test_a_model_that_loaded_but_could_not_be_used_is_not_left_running(kb, monkeypatch) -> None:
    from chatbot.retrieval import background as bg

    def broken(*args: object) -> None:
        raise RuntimeError("a cache that cannot be read")

    monkeypatch.setattr(bg, "cached_passage_vectors", broken)
    engine = fresh(kb)
    assert engine.semantic._done.wait(LOAD_LIMIT) and engine.semantic.scorer is None
    assert "could not start (RuntimeError)" in (engine.semantic.problem or "")
    engine.semantic.model._proc.wait(timeout=SLACK)  # type: ignore[union-attr]  # killed, not left running


def test_a_model_that_worked_for_hours_gets_its_tries_back(kb) -> None:
    from test_kiosk import Clock


    clock = Clock()
    engine = Engine(kb, Settings(), semantic=Background(kb, None, clock=clock))
    assert engine.semantic._done.wait(LOAD_LIMIT) and engine.semantic.scorer is not None
    engine.semantic.tries.count = RESTARTS  # as if it had been started again three times already
    clock.now += HEALTHY  # and had worked since, for hours
    engine.semantic.model._proc.kill()  # type: ignore[union-attr]
    assert timed(engine, QUESTION)[1] == "keyword" and engine.semantic.tries.count == 0
    clock.now += RETRY_AFTER
    assert timed(engine, QUESTION)[1] == "keyword" and engine.semantic.tries.count == 1
    restarted(engine)
    assert timed(engine, QUESTION)[1] == "hybrid"
    engine.semantic.model.close()  # type: ignore[union-attr]
