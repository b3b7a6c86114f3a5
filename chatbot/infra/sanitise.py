"""Making article-derived text safe for a terminal: no escape sequences, no control characters.

Articles, their metadata and their file names come from outside the program. Everything taken from
them is passed through ``clean_text`` (or ``clean_line``) when it is loaded, so no front end or
report can ever write an escape sequence (an OSC 52 clipboard write, a title change, a screen wipe)
or a bidirectional override to a patient's or a staff member's terminal.
"""

from __future__ import annotations

import re

# Whole escape sequences go, not just their ESC: "\x1b]52;c;…\x07" must not leave "]52;c;…" behind.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"  # CSI (ESC [ or the 8-bit form)
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS, SOS, PM, APC
    r"|\x1b[ -/]*[0-~]?"  # any other escape
)
# C0 and C1 controls and DEL (newline and tab handled apart), bidi embeddings, overrides and isolates.
# Lone surrogates (from file names that are not UTF-8) go too: no terminal encoding can write them.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def needs_cleaning(text: str) -> bool:
    """Whether ``clean_text`` would change ``text`` (a fast check for the common, clean case)."""
    return "\t" in text or _UNSAFE.search(text) is not None


def clean_text(text: str) -> str:
    """``text`` without escape sequences or control characters; newlines kept, tabs become spaces."""
    if not needs_cleaning(text):
        return text
    text = _ESCAPES.sub("", text)
    return _UNSAFE.sub("", text.replace("\t", " "))


def clean_line(text: str) -> str:
    """``text`` as one safe line: as ``clean_text``, with newlines turned into spaces."""
    return clean_text(text).replace("\n", " ").replace("\r", " ")


# Bidirectional marks (LRM, RLM, ALM): invisible, and they can reorder a number or a name on screen.
# Article text keeps them (clean_text leaves them); text a clinic sets for patients may not hold them.
_BIDI_MARKS = re.compile("[\u200e\u200f\u061c]")


def safe_to_show(text: str, multiline: bool = False) -> bool:
    """Whether ``text`` (a setting or a message a clinic wrote for patients) can be shown as it is: no
    escape sequence, control character, bidi override, isolate or mark (newlines only if ``multiline``)."""
    cleaned = clean_text(text) if multiline else clean_line(text)
    return cleaned == text and _BIDI_MARKS.search(text) is None


def is_clean(text: str) -> bool:
    """Whether ``text`` holds nothing ``clean_text`` would remove (newlines allowed)."""
    return _UNSAFE.search(text) is None and "\t" not in text
