"""A quote's source in words, for every front end (terminal and web page alike)."""

from __future__ import annotations

from chatbot.articles.corpus import UNKNOWN_PUBLISHER
from chatbot.models import Source


def known(value: str | None) -> str:
    """The value, or "" when it is missing, the string "None" or the unknown-publisher marker."""
    value = (value or "").strip()
    return "" if value in ("None", UNKNOWN_PUBLISHER) else value


def source_words(src: Source) -> str:
    """Title, publisher and section, labelled: "*title*, published by *publisher*, section *section*"
    (file names and paragraph numbers are for staff); a missing part (or an unknown publisher) is
    left out, never written as "None"."""
    parts = [known(src.title)] if known(src.title) else []
    if known(src.publisher):
        parts.append(f"published by {known(src.publisher)}")
    if known(src.section):
        parts.append(f"section {known(src.section)}")
    return ", ".join(parts)
