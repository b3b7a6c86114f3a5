"""Opt-in record of questions that got no answer (chat only, never kiosk), so staff know which
articles to add. Stored without anything that identifies the person: the question with e-mail
addresses, phone numbers and other long digit runs masked, and the day it was asked."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from typing import Any

from rich.table import Table
from rich.text import Text

from chatbot.config import Settings
from chatbot.locations import state_dir

_MASKS = (
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"), "[email]"),
    (re.compile(r"\+?\d[\d\s().-]{6,}\d"), "[number]"),
    (re.compile(r"\b\d{4,}\b"), "[number]"),
)
FILE = "unanswered.jsonl"


def anonymise(question: str) -> str:
    for pattern, mask in _MASKS:
        question = pattern.sub(mask, question)
    return " ".join(question.lower().split())[:300]


def record_unanswered(question: str) -> None:
    try:
        folder = state_dir()
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / FILE).open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"q": anonymise(question), "day": dt.date.today().isoformat()}) + "\n")
    except OSError:
        pass  # never let bookkeeping break a patient's conversation


def most_frequent(top: int = 20) -> list[tuple[str, int]]:
    path = state_dir() / FILE
    counts: Counter[str] = Counter()
    try:
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                counts[json.loads(line)["q"]] += 1
            except (ValueError, KeyError, TypeError):
                continue
    except FileNotFoundError:
        return []
    return counts.most_common(top)


def print_unanswered(console: Any, settings: Settings, top: int = 20, clear: bool = False) -> int:
    path = state_dir() / FILE
    if clear:
        path.unlink(missing_ok=True)
        console.print(Text("Recorded unanswered questions deleted."))
        return 0
    rows = most_frequent(top)
    if not rows:
        hint = "" if settings.record_unanswered else " (recording is off: set record_unanswered = true)"
        console.print(Text(f"No unanswered questions recorded{hint}."))
        return 0
    table = Table(title="Most frequent unanswered questions", title_justify="left")
    table.add_column("times", justify="right")
    table.add_column("question")
    for q, n in rows:
        table.add_row(str(n), Text(q))
    console.print(table)
    return 0
