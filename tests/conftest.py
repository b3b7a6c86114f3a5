"""Shared fixtures: one engine over the bundled articles, with its cache in a temporary folder."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from rich.console import Console

from chatbot.articles.knowledge import KnowledgeBase, open_knowledge
from chatbot.config import Settings
from chatbot.engine import Engine

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"

#: Scripts that take minutes (refitting a shipped model to check it is reproduced). A test marked
#: ``@pytest.mark.background("name")`` does not run its script itself: as soon as the tests are
#: collected, the scripts start one after another (in this order) in processes of their own, so that
#: they use the second core while the other tests use the first; the marked tests run last and wait
#: for their script to end (the ``background`` fixture). "{out}" is a fresh folder. The fitting scripts
#: run one at a time, each with one thread for its arithmetic: two at once beside the foreground tests
#: put three processes on two cores and made the run longer.
BACKGROUND = {
    "fit_retrieval": ["scripts/fit_retrieval.py", "--out", "{out}/retrieval_model.json"],
    "train_multilingual": ["scripts/train_multilingual.py", "--bank-only", "--out", "{out}"],
    "train_safety": ["scripts/train_safety.py", "--no-cv", "--stored-vectors", "--out", "{out}"],
    # the chat and the kiosk in tmux (70-100 s, nearly all of it waiting on the screen and on the
    # kiosk's idle timer: 8 s of processor time; private tmux socket)
    "e2e_tmux": ["scripts/e2e_tmux.py"],
}
#: Scripts that mostly wait run in a lane of their own, beside the fitting scripts rather than after them.
WAITING = {"e2e_tmux"}
ONE_THREAD = {var: "1" for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
BACKGROUND_TIMEOUT = 1800.0  # seconds one script may take: far beyond its usual 1-5 minutes


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str
    out: Path  # the folder the script wrote into


class BackgroundScripts:
    """The marked tests' scripts, run one after another in each lane (the fitting scripts; those that
    mostly wait) by a thread of its own, each with its output in files (no pipe to fill)."""

    def __init__(self) -> None:
        self.queues: dict[bool, list[str]] = {False: [], True: []}
        self.done: dict[str, threading.Event] = {}
        self.results: dict[str, Finished] = {}
        self.folders: list[Path] = []
        self.current: set[subprocess.Popen[bytes]] = set()
        self.stopping = False
        self.lock = threading.Lock()
        self.threads: dict[bool, threading.Thread] = {}

    def start(self, names: list[str]) -> None:
        with self.lock:
            new = [n for n in names if n not in self.done]
            for name in new:
                self.done[name] = threading.Event()
                self.queues[name in WAITING].append(name)
            for lane, queue in self.queues.items():
                if queue and lane not in self.threads:
                    self.threads[lane] = threading.Thread(target=self._run, args=(lane,), daemon=True,
                                                          name=f"background-scripts-{'waiting' if lane else 'fitting'}")
                    self.threads[lane].start()

    def _run(self, lane: bool) -> None:
        while True:
            with self.lock:
                if not self.queues[lane] or self.stopping:
                    del self.threads[lane]
                    return
                name = self.queues[lane].pop(0)
            try:
                self.results[name] = self._one(name)
            except Exception as exc:  # a test that waits must hear of it, not hang
                self.results[name] = Finished(-1, "", repr(exc), Path(tempfile.gettempdir()))
            self.done[name].set()

    def _one(self, name: str) -> Finished:
        folder = Path(tempfile.mkdtemp(prefix=f"chatbot-{name}-"))
        self.folders.append(folder)
        out = folder / "out"
        out.mkdir()
        env = dict(os.environ, HOME=str(folder), XDG_CACHE_HOME=str(folder / "cache"),
                   XDG_CONFIG_HOME=str(folder / "config"), XDG_STATE_HOME=str(folder / "state"))
        env.pop("CHATBOT_CONFIG", None)
        if name not in WAITING:
            env.update(ONE_THREAD)
        argv = [sys.executable] + [a.format(out=out) if "{out}" in a else str(REPO / a) if a.endswith(".py") else a
                                   for a in BACKGROUND[name]]
        with open(folder / "stdout", "wb") as so, open(folder / "stderr", "wb") as se, self.lock:
            if self.stopping:
                return Finished(-1, "", "stopped", out)
            proc = subprocess.Popen(argv, stdout=so, stderr=se, cwd=REPO, env=env)
            self.current.add(proc)
        try:
            code = proc.wait(timeout=BACKGROUND_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        with self.lock:
            self.current.discard(proc)
        read = lambda f: (folder / f).read_text(encoding="utf-8", errors="replace")  # noqa: E731
        return Finished(code, read("stdout"), read("stderr"), out)

    def wait(self, name: str) -> Finished:
        self.start([name])  # a test run on its own, or a name no test was collected with
        if not self.done[name].wait(BACKGROUND_TIMEOUT * len(BACKGROUND)):
            raise TimeoutError(f"the background script {name} did not end")
        return self.results[name]

    def stop(self) -> None:
        with self.lock:
            self.stopping = True
            running, threads = list(self.current), list(self.threads.values())
        for proc in running:
            if proc.poll() is None:
                proc.kill()
        for thread in threads:
            thread.join(timeout=60)
        for folder in self.folders:
            shutil.rmtree(folder, ignore_errors=True)


_BACKGROUND = BackgroundScripts()


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected what will not run
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.option.collectonly:
        return
    waiting = [item for item in items if item.get_closest_marker("background") is not None]
    # the tests that wait go last, so that nothing else waits behind them
    items[:] = [item for item in items if item.get_closest_marker("background") is None] + waiting
    needed = {m.args[0] for item in waiting for m in item.iter_markers("background")}
    _BACKGROUND.start([name for name in BACKGROUND if name in needed])


def pytest_unconfigure(config: pytest.Config) -> None:
    _BACKGROUND.stop()


@pytest.fixture(scope="session")
def background() -> Callable[[str], Finished]:
    """``background("train_safety")``: waits for that script (started at collection) and returns how it ended."""
    return _BACKGROUND.wait


@pytest.fixture(scope="session", autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Nothing a test does may touch the real user's cache, config or state folders."""
    home = tmp_path_factory.mktemp("home")
    for var, sub in (("XDG_CACHE_HOME", "cache"), ("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state")):
        os.environ[var] = str(home / sub)
    os.environ.pop("CHATBOT_CONFIG", None)


@pytest.fixture(autouse=True)
def own_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own HOME, cache, config and state folders: no test sees another's files."""
    home = tmp_path / "own-home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var, sub in (("XDG_CACHE_HOME", "cache"), ("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state")):
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.delenv("CHATBOT_CONFIG", raising=False)
    return home


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return replace(Settings(), cache_dir=str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Engine:
    return Engine(open_knowledge(None, settings), settings)


@pytest.fixture
def small_kb(tmp_path: Path, settings: Settings) -> KnowledgeBase:
    """Two short articles (driving after an infusion, eating before it), indexed in a private cache."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("Driving after an infusion\n\nDo not drive for the rest of the day after a "
                                  "ketamine infusion. Ask someone to take you home.\n", encoding="utf-8")
    (folder / "b.txt").write_text("Eating before treatment\n\nPlease do not eat for six hours before your "
                                  "infusion. Clear fluids are fine until two hours before.\n", encoding="utf-8")
    return open_knowledge(folder, replace(settings, cache_dir=str(tmp_path / "kbcache")))


def render_text(renderable: object, width: int = 80) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None, force_terminal=False)
    console.print(renderable)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    return str(out)


def seed_text() -> str:
    folder = REPO / "corpus"
    return " ".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt")))
