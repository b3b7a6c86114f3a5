"""Rich renderables for answers, notices, sources and the welcome text.

Everything a user typed is put on screen as ``rich.text.Text`` (never parsed as markup), and the
engine has already removed control characters from it, so typed markup or escape sequences show
literally or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.rule import Rule
from rich.text import Text

from chatbot.models import Answer, Hit, Notice

Highlighter = Callable[[str, tuple[str, ...]], list[tuple[int, int]]]

NOTICE_STYLE = {
    "emergency": ("bold white on red", "red", "Get help now"),
    "safety_info": ("bold", "yellow", "If this is happening now"),
    "personal_advice": ("", "yellow", "Ask your own clinician"),
    "out_of_scope": ("", "blue", "Outside what I can answer"),
}


def notice_panel(notice: Notice) -> RenderableType:
    first_style, border, title = NOTICE_STYLE.get(notice.kind, ("", "blue", notice.kind.replace("_", " ")))
    lines = notice.text.split("\n")
    body = Text()
    body.append(lines[0], style=first_style or "bold")
    for line in lines[1:]:
        body.append("\n" + line)
    return Panel(body, title=Text(title, style="bold"), title_align="left", border_style=border, expand=True)


def passage_block(hit: Hit, number: int, terms: tuple[str, ...], highlighter: Highlighter | None) -> RenderableType:
    text = Text(hit.passage.text)
    if highlighter is not None:
        for start, end in highlighter(hit.passage.text, terms):
            text.stylize("bold underline", start, end)
    src = hit.passage.source
    source = Text("Source: ", style="dim")
    source.append(src.title, style="italic")
    if src.section:
        source.append(f" › {src.section}")
    source.append(f"\n{src.publisher} · {src.path}, paragraph {src.paragraph}", style="dim")
    return Panel(Group(text, Text(""), source), title=Text(f"Quote {number}", style="bold"),
                 title_align="left", border_style="green", expand=True)


def suggestions_block(title: str, questions: Iterable[str], numbered: bool = False) -> RenderableType | None:
    qs = list(questions)
    if not qs:
        return None
    text = Text(title, style="bold")
    for i, q in enumerate(qs, start=1):
        bullet = f"  {i}. " if numbered else "  • "
        text.append("\n" + bullet)
        text.append(q)
    return text


def disclaimer_text(disclaimer: str) -> Text:
    return Text(disclaimer, style="dim italic")


def answer_renderable(answer: Answer, highlighter: Highlighter | None = None, show_question: bool = False,
                      hits: tuple[Hit, ...] | None = None, first_number: int = 1) -> RenderableType:
    """Notices first, then the quoted passages with their sources, then the disclaimer."""
    parts: list[RenderableType] = []
    if show_question:
        parts.append(Text.assemble(("You asked: ", "dim"), Text(answer.question)))
    for notice in answer.notices:
        parts.append(notice_panel(notice))
    shown = answer.hits if hits is None else hits
    for i, hit in enumerate(shown, start=first_number):
        parts.append(passage_block(hit, i, answer.terms, highlighter))
    if answer.message:
        parts.append(Text(answer.message))
    if answer.status == "answered" and answer.more and hits is None:
        parts.append(Text("Type /more (or \"tell me more\") for further passages.", style="dim"))
    title = "You could also ask:" if answer.status == "answered" else "Questions I can answer:"
    if answer.status != "emergency":
        block = suggestions_block(title, answer.suggestions)
        if block is not None:
            parts.append(block)
    if answer.status != "smalltalk" or answer.notices:
        parts.append(disclaimer_text(answer.disclaimer))
    return Group(*parts)


def welcome_renderable(clinic: str, disclaimer: str, suggestions: Iterable[str], emergency: str,
                       numbered: bool = False, extra: str = "") -> RenderableType:
    head = Text(f"Welcome to {clinic}", style="bold")
    intro = Text(
        "I answer questions about ketamine treatment for chronic pain by quoting the clinic's articles, "
        "and I show where each quote comes from. I can't give personal medical advice, and I don't know "
        "your medical history."
    )
    intro.append("\n" + emergency, style="bold")
    parts: list[RenderableType] = [head, intro]
    block = suggestions_block("Try asking:", suggestions, numbered=numbered)
    if block is not None:
        parts.append(block)
    if extra:
        parts.append(Text(extra, style="dim"))
    parts.append(Rule(style="dim"))
    parts.append(disclaimer_text(disclaimer))
    return Panel(Group(*parts), border_style="cyan", expand=True)
