"""Where the chat keeps what it may keep (input history, opt-in unanswered questions): the user's
state folder. The kiosk never calls into this module."""

from __future__ import annotations

import os
from pathlib import Path

APP = "ketamine-faq-chatbot"


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / APP
