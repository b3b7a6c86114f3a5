"""Terminal input for the kiosk that takes a paste as one event instead of thousands of key presses.

prompt-toolkit runs every key press through its key processor (binding look-up, filters, handler),
about half a millisecond each, so a 5,000-character paste that the terminal does not mark as a
bracketed paste cost the kiosk over a second. ``CoalescingInput`` wraps the real input and turns
every run of two or more plain characters read at once into a single ``Keys.BracketedPaste`` key
press, which the kiosk inserts in one step (and caps in one step). A person typing delivers one
character per read, so typing behaves exactly as before.

Two more protections, both cheap:

* **excess dropped before parsing**: once more than ``limit`` plain characters have arrived in a row,
  further reads that hold only printable characters are thrown away unparsed (a 1 MB paste costs
  a string check per read, not a million key presses); the same cap applies to a bracketed paste
  that is still arriving;
* **a paste that never ends**: a bracketed-paste start (``Esc [ 200 ~``, which anyone can type by
  hand) with no end within ``PASTE_TIMEOUT`` seconds is discarded, so keys work again.
  ``discard_paste`` drops a pending paste at once (the kiosk's idle time-out).
"""

from __future__ import annotations

import time
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


PASTE_TIMEOUT = 2.0  # seconds a bracketed paste may stay open
END_MARK = "\x1b[201~"


class CoalescingInput(Input):
    """Delegates everything to ``inner``; only ``read_keys`` and ``flush_keys`` are post-processed."""

    def __init__(self, inner: Input, limit: int = 0, clock: Callable[[], float] = time.monotonic) -> None:
        self.inner = inner
        self.limit = limit  # 0: no cap
        self.clock = clock
        self.run = 0  # plain characters received in a row
        self.dropped = 0
        self.paste_started: float | None = None

    # -- the paste parser of a vt100 input (absent from other inputs: then these do nothing) ----
    def _parser(self) -> Any:
        return getattr(self.inner, "vt100_parser", None)

    def paste_pending(self) -> bool:
        parser = self._parser()
        return bool(parser is not None and getattr(parser, "_in_bracketed_paste", False))

    def discard_paste(self) -> None:
        """Forget a bracketed paste that has begun but not ended (and what it holds)."""
        parser = self._parser()
        if parser is not None and getattr(parser, "_in_bracketed_paste", False):
            parser._in_bracketed_paste = False
            parser._paste_buffer = ""
        self.paste_started = None
        self.run = 0

    def expire_paste(self) -> bool:
        """Discard a paste open for longer than PASTE_TIMEOUT; True if one was discarded."""
        if not self.paste_pending():
            self.paste_started = None
            return False
        now = self.clock()
        if self.paste_started is None:
            self.paste_started = now
        if now - self.paste_started < PASTE_TIMEOUT:
            return False
        self.discard_paste()
        return True

    def _cap_paste(self) -> None:
        parser = self._parser()
        if self.limit and self.paste_pending():
            buf = parser._paste_buffer
            keep = self.limit + len(END_MARK)
            if len(buf) > keep and END_MARK not in buf:  # keep the head, and a tail where the end mark may start
                self.dropped += len(buf) - keep
                parser._paste_buffer = buf[:self.limit] + buf[-len(END_MARK):]

    def _count(self, keys: list[KeyPress]) -> list[KeyPress]:
        for kp in keys:
            if kp.key == Keys.BracketedPaste or _plain(kp):
                self.run += len(kp.data)
            else:
                self.run = 0
        return keys

    def fileno(self) -> int:
        return self.inner.fileno()

    def typeahead_hash(self) -> str:
        return self.inner.typeahead_hash()

    def read_keys(self) -> list[KeyPress]:
        reader = getattr(self.inner, "stdin_reader", None)
        parser = self._parser()
        if not self.limit or reader is None or parser is None or not hasattr(self.inner, "_buffer"):
            return self._count(coalesce(self.inner.read_keys()))
        data = reader.read()
        if self.run > self.limit and not self.paste_pending() and data.isprintable():
            self.dropped += len(data)  # beyond the limit: dropped without parsing, one check per read
            return []
        parser.feed(data)
        self._cap_paste()
        self.expire_paste()
        keys: list[KeyPress] = self.inner._buffer
        self.inner._buffer = []
        return self._count(coalesce(keys))

    def flush_keys(self) -> list[KeyPress]:
        return self._count(coalesce(self.inner.flush_keys()))

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
