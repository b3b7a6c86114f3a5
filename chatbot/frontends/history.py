"""The chat's input history on disk, kept private: a 0600 file in a 0700 folder, and written only
after the answer is known, so that a message that got an emergency answer is never stored.

prompt-toolkit stores a line the moment Enter is pressed; ``PrivateHistory`` keeps it in memory for
the session (up-arrow) and the chat calls ``keep(line)`` once it has seen the answer.

A write that fails (a full disk, a folder made read-only) never costs the patient an answer: ``keep``
returns one calm line to show, the first time only, and the rest of the session is kept in memory.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

from prompt_toolkit.history import FileHistory

from chatbot.infra.safefile import FILE_MODE, private_folder


class PrivateHistory(FileHistory):
    def __init__(self, path: Path) -> None:
        private_folder(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        try:
            os.fchmod(fd, FILE_MODE)
        finally:
            os.close(fd)
        super().__init__(str(path))
        self._last_kept = ""
        self.failed = False

    def store_string(self, string: str) -> None:
        """Called by prompt-toolkit on Enter: nothing is written until ``keep``."""

    def keep(self, line: str) -> str | None:
        """Write one line the chat has decided may be stored. Returns ``NOT_SAVED`` the first time a
        write fails, for the chat to show once; after that nothing is written or returned."""
        if self.failed or not line.strip() or line == self._last_kept:
            return None
        self._last_kept = line
        try:
            fd = os.open(self.filename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
            with os.fdopen(fd, "ab") as fh:
                fh.write(f"\n# {datetime.datetime.now()}\n".encode())
                for part in line.split("\n"):
                    fh.write(f"+{part}\n".encode())
        except OSError:
            self.failed = True
            return NOT_SAVED
        return None


NOT_SAVED = "Your conversation history could not be saved; your questions will still be answered."
