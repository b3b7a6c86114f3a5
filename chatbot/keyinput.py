"""Terminal input for the kiosk that takes a paste as one event instead of thousands of key presses.

prompt-toolkit runs every key press through its key processor (binding look-up, filters, handler),
about half a millisecond each, so a 5,000-character paste that the terminal does not mark as a
bracketed paste cost the kiosk over a second. ``CoalescingInput`` wraps the real input and turns
every run of two or more plain characters read at once into a single ``Keys.BracketedPaste`` key
press, which the kiosk inserts in one step (and caps in one step). A person typing delivers one
character per read, so typing behaves exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from prompt_toolkit.input import Input
from prompt_toolkit.key_binding import KeyPress
from prompt_toolkit.keys import Keys


def _plain(kp: KeyPress) -> bool:
    """A printable character typed as itself (not a named key, not a control character)."""
    key = kp.key
    return isinstance(key, str) and not isinstance(key, Keys) and len(key) == 1 and key.isprintable()


def coalesce(keys: list[KeyPress]) -> list[KeyPress]:
    """Runs of two or more plain characters become one BracketedPaste key press with their text."""
    out: list[KeyPress] = []
    run: list[str] = []

    def flush() -> None:
        if len(run) == 1:
            out.append(KeyPress(run[0], run[0]))
        elif run:
            out.append(KeyPress(Keys.BracketedPaste, "".join(run)))
        run.clear()

    for kp in keys:
        if _plain(kp):
            run.append(kp.data or str(kp.key))
        else:
            flush()
            out.append(kp)
    flush()
    return out


class CoalescingInput(Input):
    """Delegates everything to ``inner``; only ``read_keys`` and ``flush_keys`` are post-processed."""

    def __init__(self, inner: Input) -> None:
        self.inner = inner

    def fileno(self) -> int:
        return self.inner.fileno()

    def typeahead_hash(self) -> str:
        return self.inner.typeahead_hash()

    def read_keys(self) -> list[KeyPress]:
        return coalesce(self.inner.read_keys())

    def flush_keys(self) -> list[KeyPress]:
        return coalesce(self.inner.flush_keys())

    def flush(self) -> None:
        self.inner.flush()

    @property
    def closed(self) -> bool:
        return self.inner.closed

    def raw_mode(self) -> AbstractContextManager[None]:
        return self.inner.raw_mode()

    def cooked_mode(self) -> AbstractContextManager[None]:
        return self.inner.cooked_mode()

    def attach(self, input_ready_callback: Callable[[], None]) -> AbstractContextManager[None]:
        return self.inner.attach(input_ready_callback)

    def detach(self) -> AbstractContextManager[None]:
        return self.inner.detach()

    def close(self) -> None:
        self.inner.close()

    def __getattr__(self, name: str) -> Any:  # anything else a concrete input offers
        return getattr(self.inner, name)
