"""Rich renderables for answers, notices, sources and the welcome text: one answer, one screen.

An answer shows what a patient must see: the crisis panel or the "ask your own clinician" box when
there is one, the best passage under its labelled source ("Source: *title*, published by
*publisher*, section *section*": never a file name or paragraph number, which are for staff in
/sources, --json and eval), and the one-line short disclaimer. Given the lines it may take
(``height``), it adds what else fits, in this order: more of the best passage when it had to be
shortened (whole sentences around the words that matched, marked "…"), further passages in two lines
each, suggested questions. What does not fit waits behind /more (chat), "more" (kiosk) or
``--all`` (ask, batch). The chat, the kiosk and `ask` share this module.

Everything a user typed is put on screen as ``rich.text.Text`` (never parsed as markup), and the
engine has already removed control characters from it, so typed markup or escape sequences show
literally or not at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.panel import Panel
from rich.rule import Rule
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text

from chatbot.frontends.sources import source_words
from chatbot.models import AFTER_ANSWER, LINE_BEFORE, Answer, Hit, Notice, Source

Highlighter = Callable[[str, tuple[str, ...]], list[tuple[int, int]]]

COMPACT = 2  # passages after the best one shown as a first line and a source, when they fit
MORE_PAGE = 2  # at most this many passages in full per "more" (fewer when they do not fit)
SUGGESTED = 3  # suggested questions after an answer, when they fit

# how each front end says where the rest is
CHAT_MORE = "type /more"
KIOSK_MORE = "type more"
# the calm line while the articles, the index or the sentence vectors are being got ready
WAIT_LINE = "One moment, getting the articles ready…"
ASK_MORE = "add --all"


NOTICE_STYLE = {
    "emergency": ("bold white on red", "red", "Get help now"),
    "safety_info": ("bold", "yellow", "If this is happening now"),
    "personal_advice": ("", "yellow", "Ask your own clinician"),
    "out_of_scope": ("", "blue", "Outside what I can answer"),
}


def notice_block(notice: Notice) -> RenderableType:
    """A notice before the answer: a panel, or one plain line for the warm ones."""
    return Text(notice.text, style="italic") if notice.kind in LINE_BEFORE else notice_panel(notice)


def notice_panel(notice: Notice) -> RenderableType:
    first_style, border, title = NOTICE_STYLE.get(notice.kind, ("", "blue", notice.kind.replace("_", " ")))
    lines = notice.text.split("\n")
    body = Text()
    body.append(lines[0], style=first_style or "bold")
    for line in lines[1:]:
        body.append("\n" + line)
    return Panel(body, title=Text(title, style="bold"), title_align="left", border_style=border, expand=True)


# -- sources, in words, shortened only between words -----------------------------------------------
def source_line(src: Source) -> str:
    """The source line of a quote: "Source: *title*, published by *publisher*, section *section*"."""
    words = source_words(src)
    return f"Source: {words}" if words else "Source: the clinic's articles"


_DANGLING = re.compile(r"(?:,? (?:published by|published|section))+$")


def shorten(text: str, width: int, end: str = "") -> str:
    """``text`` + ``end`` in at most ``width`` cells, cut between words with "…" when it does not fit
    (and never just after a source's label, "published by" or "section"). Only a single word wider
    than the whole line is cut inside it."""
    text = " ".join(text.split())
    if cell_len(text + end) <= width:
        return text + end
    room = max(1, width - cell_len("…" + end))
    cut = ""
    for m in re.finditer(r"\S+", text):
        piece = text[:m.end()]
        if cell_len(piece) > room:
            break
        cut = piece
    if not cut:  # one word longer than the line: nothing else can be done
        while text and cell_len(text) > room:
            text = text[:-1]
        cut = text
    cut = _DANGLING.sub("", cut.rstrip(" ,.;:–—-")) or cut
    return cut.rstrip(" ,.;:–—-") + "…" + end


class Line:
    """One line of text, shortened between words (with "…") to the width it is drawn at."""

    def __init__(self, text: str, style: str = "", prefix: str = "", end: str = "", prefix_style: str = "") -> None:
        self.text, self.style, self.prefix, self.end, self.prefix_style = text, style, prefix, end, prefix_style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(1, options.max_width - cell_len(self.prefix))
        line = Text(self.prefix, style=self.prefix_style or self.style, no_wrap=True, overflow="crop")
        line.append(shorten(self.text, width, self.end), style=self.style)
        yield line


def asked(question: str) -> Line:
    """ "You asked: …" in one line (a long question is shortened between words)."""
    return Line(question, prefix="You asked: ", prefix_style="dim")


def further_hits(answer: Answer) -> tuple[Hit, ...]:
    """What "more" shows, in order: the compact passages in full, then the rest."""
    return answer.hits[1:] + answer.more if answer.status == "answered" else ()


# -- drawing within a number of lines ---------------------------------------------------------------
Slot = Sequence[RenderableType | None]


class Fitted:
    """Parts drawn one under the other within ``height`` lines (None: no limit). Each part is a list of
    alternatives, fullest first; the last one is always drawn (None: nothing). The parts named in
    ``order`` get, in turn, the fullest alternative that still fits; ``needs`` maps a part to one that
    must have been drawn more than minimally for it to grow (no further passages in short when the best
    one did not fit at all); ``quiet`` maps a part whose last alternative is left out when another part
    is not drawn in full (the line "there is more" when the shortened quote says so). After drawing,
    ``chosen`` says which alternative each part got (the kiosk numbers only the suggestions it drew)."""

    def __init__(self, slots: Sequence[Slot], height: int | None, order: Sequence[int] = (),
                 needs: dict[int, int] | None = None, quiet: dict[int, int] | None = None) -> None:
        self.slots = [list(s) for s in slots]
        self.height = height
        self.order = list(order) or list(range(len(self.slots)))
        self.needs = needs or {}
        self.quiet = quiet or {}
        self.chosen = [0] * len(self.slots)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        opts = options.update(height=None)
        drawn: dict[tuple[int, int], list[list[Segment]]] = {}

        def lines(i: int, j: int) -> list[list[Segment]]:
            if (i, j) not in drawn:
                alt = self.slots[i][j] if j < len(self.slots[i]) else None  # past the end: a quiet part
                drawn[i, j] = [] if alt is None else console.render_lines(alt, opts, pad=False, new_lines=False)
            return drawn[i, j]

        def settle(c: list[int]) -> list[int]:
            for i, k in self.quiet.items():
                least = len(self.slots[i]) - 1
                if c[k] > 0 and c[i] == least:
                    c[i] = least + 1
                elif c[k] == 0 and c[i] > least:
                    c[i] = least
            return c

        def total(c: list[int]) -> int:
            return sum(len(lines(i, j)) for i, j in enumerate(c))

        if self.height is None:
            choice = [0] * len(self.slots)
        else:
            choice = settle([len(s) - 1 for s in self.slots])
            for i in self.order:
                need = self.needs.get(i)
                if need is not None and choice[need] == len(self.slots[need]) - 1:
                    continue
                for j in range(min(choice[i], len(self.slots[i]) - 1) + 1):
                    trial = settle([*choice[:i], j, *choice[i + 1:]])
                    if total(trial) <= self.height:
                        choice = trial
                        break
        self.chosen = choice
        for i, j in enumerate(choice):
            for line in lines(i, j):
                yield from line
                yield Segment.line()

    def drew(self, i: int) -> int:
        """Which alternative part ``i`` got (0: the fullest)."""
        return self.chosen[i]


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


_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Where each sentence of ``text`` starts and ends (a closing quote or bracket stays with it)."""
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((start, m.start() + len(m.group(0).rstrip())))
        start = m.end()
    if start < len(text.rstrip()):
        spans.append((start, len(text.rstrip())))
    return spans or [(0, len(text))]


def excerpts(text: str, marks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Shorter and shorter runs of whole sentences of ``text`` (all but one sentence, … one sentence),
    each the run with the most matched words (``marks``), the earliest of equals."""
    spans = sentence_spans(text)
    out = []
    for k in range(len(spans) - 1, 0, -1):
        best = max(range(len(spans) - k + 1),
                   key=lambda i: (sum(spans[i][0] <= a < spans[i + k - 1][1] for a, _ in marks), -i))
        out.append((spans[best][0], spans[best + k - 1][1]))
    return out


def passage_block(hit: Hit, number: int, terms: tuple[str, ...], highlighter: Highlighter | None,
                  part: tuple[int, int] | None = None, more: str = CHAT_MORE) -> RenderableType:
    """A quoted passage under a heading line with its labelled source (so both are on screen together);
    with ``part``, only those whole sentences, marked "…" where the passage goes on."""
    full = hit.passage.text
    start, end = part or (0, len(full))
    text = Text(("… " if start > 0 else "") + full[start:end] + (" …" if end < len(full.rstrip()) else ""))
    if part is not None:  # how to read it all, on the quote's last line when there is room
        text.append(f" ({more} to read it all)", style="dim")
    shift = 2 if start > 0 else 0
    if highlighter is not None:
        for a, b in highlighter(full, terms):
            if start <= a and b <= end:
                text.stylize("bold underline", a - start + shift, b - start + shift)
    head = Text(f"Quote {number}", style="bold green")
    head.append(" · ", style="dim")
    head.append(source_line(hit.passage.source), style="italic")
    return Group(head, Quoted(text))


def best_quote(hit: Hit, terms: tuple[str, ...], highlighter: Highlighter | None, more: str) -> list[RenderableType]:
    """The best passage in full, then shorter and shorter excerpts of it (for a small screen), and last,
    when even one sentence does not fit under the notices, one line saying how to read it."""
    marks = highlighter(hit.passage.text, terms) if highlighter is not None else []
    return [passage_block(hit, 1, terms, highlighter, more=more)] + [
        passage_block(hit, 1, terms, highlighter, part, more) for part in excerpts(hit.passage.text, marks)] + [
        Text(f"A passage of the articles answers this: {more} to read it.", style="bold")]


def compact_block(hits: Iterable[Hit], more: str) -> RenderableType | None:
    """Further passages in two lines each: how the passage starts and its labelled source, each line
    shortened between words."""
    items = list(hits)
    if not items:
        return None
    rows: list[RenderableType] = [Text(f"Also in the articles ({more} to read them):", style="bold")]
    for hit in items:
        rows.append(Line(hit.passage.text, prefix=" • “", end="”"))
        rows.append(Line(source_line(hit.passage.source), style="dim", prefix="   "))
    return Group(*rows)


def more_line(more: str) -> Text:
    return Text(f"There is more in the articles: {more} to read it.", style="dim")


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


def suggestion_slot(title: str, questions: Sequence[str], numbered: bool) -> list[RenderableType | None]:
    """The suggestions with all of them, then one fewer, … then none."""
    return [suggestions_block(title, questions[:n], numbered) for n in range(len(questions), 0, -1)] + [None]


class AnswerView:
    """The answer as parts to fit (``fitted``) and how many suggestions it drew (``suggested``)."""

    def __init__(self, answer: Answer, highlighter: Highlighter | None, show_question: bool,
                 suggestions: Sequence[str], numbered: bool, disclaimer: str, more: str, height: int | None) -> None:
        slots: list[Slot] = []
        order: list[int] = []
        if show_question:
            slots.append([asked(answer.question)])
        for notice in answer.notices:
            if notice.kind not in AFTER_ANSWER:
                slots.append([notice_block(notice)])
        if answer.hits:
            order.append(len(slots))
            slots.append(best_quote(answer.hits[0], answer.terms, highlighter, more))
        further = further_hits(answer)
        needs, quiet = {}, {}
        if further:
            if answer.hits:  # no passages in short without the best one; its "…" says there is more
                needs[len(slots)] = quiet[len(slots)] = order[0]
            order.append(len(slots))
            slots.append([compact_block(further[:n], more) for n in range(min(COMPACT, len(further)), 0, -1)]
                         + [more_line(more)])
        if answer.message and answer.message not in {n.text for n in answer.notices}:
            slots.append([Text(answer.message)])
        for notice in answer.notices:
            if notice.kind in AFTER_ANSWER:  # the calm form: one line after the answer, no panel
                slots.append([Text(notice.text, style="bold")])
        self.questions = tuple(suggestions) if answer.status != "emergency" else ()
        self.suggestion_slot = -1
        if self.questions:
            title = "You could also ask:" if answer.status == "answered" else "Questions I can answer:"
            self.suggestion_slot = len(slots)
            order.append(len(slots))
            slots.append(suggestion_slot(title, self.questions, numbered))
        if answer.status != "smalltalk" or answer.notices:
            slots.append([disclaimer_text(disclaimer)])
        self.quote_slot = order[0] if answer.hits else -1
        self.fitted = Fitted(slots, height, order, needs, quiet)

    @property
    def suggested(self) -> tuple[str, ...]:
        """The suggestions drawn (the kiosk's numbers ask only these)."""
        if self.suggestion_slot < 0:
            return ()
        return self.questions[:len(self.questions) - self.fitted.drew(self.suggestion_slot)]

    @property
    def quote_cut(self) -> bool:
        """Whether the best passage was drawn shortened (then "more" shows it in full first)."""
        return self.quote_slot >= 0 and self.fitted.drew(self.quote_slot) > 0

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.fitted


def more_renderable(answer: Answer, hits: Sequence[Hit], first_number: int, highlighter: Highlighter | None,
                    show_question: bool, disclaimer: str, more: str, left: int, height: int | None) -> Fitted:
    """A "more" page: as many of ``hits`` in full as fit (at least one), then how to read on when
    passages are left (``left``: how many come after ``hits``). ``drew(1)`` is how many were not shown."""
    head: list[RenderableType] = [asked(answer.question)] if show_question else []
    pages: list[RenderableType | None] = []
    for n in range(len(hits), 0, -1):
        blocks = [passage_block(h, i, answer.terms, highlighter) for i, h in enumerate(hits[:n], start=first_number)]
        if left + len(hits) - n > 0:
            blocks.append(more_line(more))
        pages.append(Group(*blocks))
    return Fitted([[Group(*head)] if head else [None], pages, [disclaimer_text(disclaimer)]], height, [1])


def answer_renderable(answer: Answer, highlighter: Highlighter | None = None, show_question: bool = False,
                      hits: tuple[Hit, ...] | None = None, first_number: int = 1,
                      suggestions: Iterable[str] | None = None, numbered: bool = False,
                      disclaimer: str | None = None, more: str = CHAT_MORE, more_left: bool = False,
                      height: int | None = None) -> RenderableType:
    """Notices first, then the best passage and, as they fit in ``height`` lines, further passages in
    short and suggestions; the (short) disclaimer last. With ``hits``, a "more" page: those passages
    in full (``more_left``: others come after them)."""
    shown_disclaimer = answer.disclaimer if disclaimer is None else disclaimer
    if hits is not None:
        return more_renderable(answer, hits, first_number, highlighter, show_question, shown_disclaimer, more,
                               int(more_left), height)
    qs = tuple(answer.suggestions if suggestions is None else suggestions)
    return AnswerView(answer, highlighter, show_question, qs, numbered, shown_disclaimer, more, height)


def all_renderable(answer: Answer, highlighter: Highlighter | None, disclaimer: str) -> RenderableType:
    """Everything for `ask --all`: the notices, every passage in full, the message, the disclaimer."""
    every = answer.hits + answer.more if answer.status == "answered" else ()
    view = AnswerView(answer, highlighter, True, answer.suggestions, False, disclaimer, ASK_MORE, None)
    if len(every) <= 1:
        return view
    parts: list[RenderableType] = [Text.assemble(("You asked: ", "dim"), Text(answer.question))]
    parts += [notice_block(n) for n in answer.notices if n.kind not in AFTER_ANSWER]
    parts += [passage_block(h, i, answer.terms, highlighter) for i, h in enumerate(every, start=1)]
    parts += [Text(n.text, style="bold") for n in answer.notices if n.kind in AFTER_ANSWER]
    parts.append(disclaimer_text(disclaimer))
    return Group(*parts)


def welcome_renderable(clinic: str, disclaimer: str, suggestions: Iterable[str], emergency: str,
                       numbered: bool = False, extra: str = "", boxed: bool = True,
                       height: int | None = None) -> RenderableType:
    """The start of a session: what the chatbot is, the crisis line, suggestions (as many as fit in
    ``height`` lines), the full disclaimer."""
    head = Text(f"Welcome to {clinic}", style="bold")
    intro = Text(
        "I answer questions about ketamine treatment for chronic pain by quoting the clinic's articles, "
        "and I show where each quote comes from. I can't give personal medical advice."
    )
    qs = list(suggestions)
    slots: list[Slot] = [[head], [intro], [Text(emergency, style="bold")],
                         suggestion_slot("Try asking:", qs, numbered)]
    if extra:
        slots.append([Text(extra, style="dim")])
    slots += [[Rule(style="dim")], [disclaimer_text(disclaimer)]]
    inner = height - 2 if height is not None and boxed else height
    fitted = Fitted(slots, inner, [3])
    return WelcomeView(fitted, qs, boxed)


class WelcomeView:
    """The welcome, boxed or not; ``suggested``: the questions it drew."""

    def __init__(self, fitted: Fitted, questions: list[str], boxed: bool) -> None:
        self.fitted, self.questions, self.boxed = fitted, questions, boxed

    @property
    def suggested(self) -> tuple[str, ...]:
        return tuple(self.questions[:len(self.questions) - self.fitted.drew(3)])

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Panel(self.fitted, border_style="cyan", expand=True) if self.boxed else self.fitted


ASK_LINES = 22  # `ask` and `batch` print at most this many lines an answer (an 80x24 terminal, less the prompts)


def ask_renderable(answer: Answer, highlighter: Highlighter | None, disclaimer: str, height: int | None = ASK_LINES,
                   everything: bool = False) -> RenderableType:
    """One answer of `ask` or `batch`: what was asked and the answer within ``height`` lines; with
    ``everything`` (``--all``), every passage in full."""
    if everything:
        return all_renderable(answer, highlighter, disclaimer)
    return answer_renderable(answer, highlighter, show_question=True, disclaimer=disclaimer, more=ASK_MORE,
                             height=height)
