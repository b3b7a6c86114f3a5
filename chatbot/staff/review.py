"""Staff review of the opt-in record of unanswered questions (``chatbot unanswered``): the most
frequent ones first, so staff know which articles to add. The record itself, and how questions are
masked before they are stored, is ``chatbot.infra.unanswered``."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from chatbot.config import Settings
from chatbot.infra.locations import state_dir
from chatbot.infra.unanswered import FILE, read_unanswered


def reviewed_template(rows: list[tuple[str, int]]) -> str:
    """The questions as a ``reviewed_questions.toml`` for staff to complete: each answer is left
    commented out, so that nothing is used until a person has written it."""
    import json

    out = ["# Reviewed questions: put this file, completed, in the articles folder (see the README).",
           "# For each question, copy the words of an article that answer it into answer = \"...\",",
           "# or write answer = false if the articles do not answer it. Delete the ones you skip;",
           "# a question without an answer is not used.", ""]
    for q, n in rows:
        out += ["[[question]]", f"asked = {json.dumps(q, ensure_ascii=False)}  # asked {n:,} time(s)",
                "# answer = \"words copied from an article\"", ""]
    return "\n".join(out)


def print_unanswered(console: Any, settings: Settings, top: int = 20, clear: bool = False,
                     template: bool = False) -> int:
    from chatbot.errors import ChatbotError
    from chatbot.infra.safefile import UnsafeFile
    from chatbot.infra.sanitise import clean_line

    path = state_dir() / FILE
    if clear:
        path.unlink(missing_ok=True)
        console.print(Text("Recorded unanswered questions deleted."))
        return 0
    try:
        rows, bad = read_unanswered(top)
    except (OSError, UnsafeFile) as exc:
        err = ChatbotError(f"cannot read {clean_line(str(path))}: {exc}")
        err.exit_code = 1
        raise err from None
    if bad:
        console.print(Text(f"{bad:,} unreadable line(s) skipped in {clean_line(str(path))}."))
    if not rows:
        hint = "" if settings.record_unanswered else " (recording is off: set record_unanswered = true)"
        console.print(Text(f"No unanswered questions recorded{hint}."))
        return 0
    if template:
        console.print(Text(reviewed_template([(clean_line(q), n) for q, n in rows])), soft_wrap=True)
        return 0
    table = Table(title="Most frequent unanswered questions", title_justify="left")
    table.add_column("times", justify="right")
    table.add_column("question")
    for q, n in rows:
        table.add_row(str(n), Text(clean_line(q)))
    console.print(table)
    return 0
