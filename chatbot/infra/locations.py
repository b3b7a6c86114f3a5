"""Where things are: the bundled articles, the index cache, and the chat's state folder.

Kept free of heavy imports: every command asks this module first. The kiosk never writes to the
state folder (only its error log, which holds no patient words).
"""

from __future__ import annotations

import os
from pathlib import Path

APP = "ketamine-faq-chatbot"
ARTICLE_SUFFIXES = (".txt", ".md")


def bundled_corpus_dir() -> Path:
    """The articles shipped with the package (or the source tree's corpus/ when run from a checkout)."""
    here = Path(__file__).resolve().parent.parent  # the package folder
    for candidate in (here / "bundled_corpus", here.parent / "corpus"):  # installed, then a checkout
        if (candidate / "metadata.toml").is_file():
            return candidate
    from chatbot.errors import CorpusError

    raise CorpusError("the bundled articles are missing from this installation; reinstall the package")


def cache_dir(configured: str = "") -> Path:
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / APP


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / APP
