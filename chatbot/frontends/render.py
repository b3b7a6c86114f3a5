"""Rich renderables for answers, notices, sources and the welcome text: one answer, one screen.

An answer shows the best passage in full under a one-line source in plain words (title, publisher,
section: never a file name or paragraph number, which are for staff in /sources, --json and eval),
up to two more passages compactly (how each starts, and its source), a few suggested questions and the
one-line short disclaimer. The chat and the kiosk share this module.

Everything a user typed is put on screen as ``rich.text.Text`` (never parsed as markup), and the
engine has already removed control characters from it, so typed markup or escape sequences show
literally or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.panel import Panel
from rich.rule import Rule
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text

from chatbot.articles.corpus import UNKNOWN_PUBLISHER
from chatbot.models import Answer, Hit, Notice, Source

Highlighter = Callable[[str, tuple[str, ...]], list[tuple[int, int]]]

COMPACT = 2  # passages after the best one shown as a first sentence and a title
MORE_PAGE = 2  # passages shown in full per "more"

NOTICE_STYLE = {
    "emergency": ("bold white on red", "red", "Get help now"),
    "safety_info": ("bold", "yellow", "If this is happening now"),
    "personal_advice": ("", "yellow", "Ask your own clinician"),
    "out_of_scope": ("", "blue", "Outside what I can answer"),
}


# Notices shown as one plain line after the answer instead of a panel before it: the calm crisis line
# for a message that touches a crisis topic without being an emergency.
AFTER_ANSWER = frozenset({"crisis_line"})


def notice_panel(notice: Notice) -> RenderableType:
    first_style, border, title = NOTICE_STYLE.get(notice.kind, ("", "blue", notice.kind.replace("_", " ")))
    lines = notice.text.split("\n")
    body = Text()
    body.append(lines[0], style=first_style or "bold")
    for line in lines[1:]:
        body.append("\n" + line)
    return Panel(body, title=Text(title, style="bold"), title_align="left", border_style=border, expand=True)


def source_words(src: Source) -> str:
    """Title, publisher and section in plain words; an unknown publisher is left out."""
    parts = [src.title]
    if src.publisher and src.publisher != UNKNOWN_PUBLISHER:
        parts.append(src.publisher)
    if src.section:
        parts.append(src.section)
    return " · ".join(p for p in parts if p)


def further_hits(answer: Answer) -> tuple[Hit, ...]:
    """What "more" shows, in order: the compact passages in full, then the rest."""
    return answer.hits[1:] + answer.more if answer.status == "answered" else ()


class Quoted:
    """Text drawn with a bar down its left edge, as a quotation: no border lines above or below."""

    def __init__(self, body: RenderableType, bar: str = "┃ ", style: str = "green") -> None:
        self.body, self.bar, self.style = body, bar, style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(1, options.max_width - len(self.bar))
        for line in console.render_lines(self.body, options.update(width=width, height=None), pad=False):
            yield Segment(self.bar, Style.parse(self.style))
            yield from line
            yield Segment.line()


def passage_block(hit: Hit, number: int, terms: tuple[str, ...], highlighter: Highlighter | None) -> RenderableType:
    """A quoted passage in full, under a heading line with its source (so both are on screen together)."""
    text = Text(hit.passage.text)
    if highlighter is not None:
        for start, end in highlighter(hit.passage.text, terms):
            text.stylize("bold underline", start, end)
    head = Text(f"Quote {number}", style="bold green")
    head.append(" · from ", style="dim")
    head.append(source_words(hit.passage.source), style="italic")
    return Group(head, Quoted(text))


def compact_block(hits: Iterable[Hit], more_hint: str) -> RenderableType | None:
    """Further passages in two lines each: how the passage starts (one line) and its source."""
    items = list(hits)
    if not items:
        return None
    rows: list[RenderableType] = [Text(f"Also in the articles ({more_hint}):", style="bold")]
    for hit in items:
        rows.append(Text(f" • “{hit.passage.text.strip()}”", no_wrap=True, overflow="ellipsis"))
        rows.append(Text(f"   {source_words(hit.passage.source)}", style="dim", no_wrap=True, overflow="ellipsis"))
    return Group(*rows)


def suggestions_block(title: str, questions: Iterable[str], numbered: bool = False) -> RenderableType | None:
    """A titled list of questions; a long one wraps under its own text, not under its number."""
    qs = list(questions)
    if not qs:
        return None
    grid = Table.grid(padding=0)
    grid.add_column(no_wrap=True)
    grid.add_column()
    for i, q in enumerate(qs, start=1):
        grid.add_row(f"  {i}. " if numbered else "  • ", Text(q))
    return Group(Text(title, style="bold"), grid)


def disclaimer_text(disclaimer: str) -> Text:
    return Text(disclaimer, style="dim italic")


def answer_renderable(answer: Answer, highlighter: Highlighter | None = None, show_question: bool = False,
                      hits: tuple[Hit, ...] | None = None, first_number: int = 1,
                      suggestions: Iterable[str] | None = None, numbered: bool = False,
                      disclaimer: str | None = None, more_hint: str = "type /more to read them",
                      more_left: bool = False) -> RenderableType:
    """Notices first, then the best passage in full and up to two more compactly, suggestions and
    the (short) disclaimer. With ``hits``, a "more" page: those passages in full."""
    parts: list[RenderableType] = []
    if show_question:
        parts.append(Text.assemble(("You asked: ", "dim"), Text(answer.question)))
    for notice in answer.notices:
        if notice.kind not in AFTER_ANSWER:
            parts.append(notice_panel(notice))
    if hits is None:
        for hit in answer.hits[:1]:
            parts.append(passage_block(hit, first_number, answer.terms, highlighter))
        further = further_hits(answer)
        block = compact_block(further[:COMPACT], more_hint)
        if block is not None:
            parts.append(block)
        elif further:
            parts.append(Text(f"There is more in the articles: {more_hint}.", style="dim"))
    else:
        for i, hit in enumerate(hits, start=first_number):
            parts.append(passage_block(hit, i, answer.terms, highlighter))
        if more_left:
            parts.append(Text(f"There is more in the articles: {more_hint}.", style="dim"))
    if answer.message and answer.message not in {n.text for n in answer.notices}:
        parts.append(Text(answer.message))
    for notice in answer.notices:
        if notice.kind in AFTER_ANSWER:  # the calm form: one line after the answer, no panel
            parts.append(Text(notice.text, style="bold"))
    title = "You could also ask:" if answer.status == "answered" else "Questions I can answer:"
    if answer.status != "emergency":
        block = suggestions_block(title, answer.suggestions if suggestions is None else suggestions, numbered)
        if block is not None:
            parts.append(block)
    if answer.status != "smalltalk" or answer.notices:
        parts.append(disclaimer_text(answer.disclaimer if disclaimer is None else disclaimer))
    return Group(*parts)


def welcome_renderable(clinic: str, disclaimer: str, suggestions: Iterable[str], emergency: str,
                       numbered: bool = False, extra: str = "", boxed: bool = True) -> RenderableType:
    """The start of a session: what the chatbot is, the crisis line, suggestions, the full disclaimer."""
    head = Text(f"Welcome to {clinic}", style="bold")
    intro = Text(
        "I answer questions about ketamine treatment for chronic pain by quoting the clinic's articles, "
        "and I show where each quote comes from. I can't give personal medical advice."
    )
    parts: list[RenderableType] = [head, intro, Text(emergency, style="bold")]
    block = suggestions_block("Try asking:", suggestions, numbered=numbered)
    if block is not None:
        parts.append(block)
    if extra:
        parts.append(Text(extra, style="dim"))
    parts.append(Rule(style="dim"))
    parts.append(disclaimer_text(disclaimer))
    return Panel(Group(*parts), border_style="cyan", expand=True) if boxed else Group(*parts)
