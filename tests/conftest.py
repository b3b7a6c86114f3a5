"""Shared fixtures: one engine over the bundled articles, with its cache in a temporary folder."""

from __future__ import annotations

import io
import os
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console

from chatbot.articles.knowledge import KnowledgeBase, open_knowledge
from chatbot.config import Settings
from chatbot.engine import Engine

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


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
