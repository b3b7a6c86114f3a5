"""Interactive chat in a terminal: prompt-toolkit for input, rich for output.

``run_chat`` takes its input, output and console as arguments so tests can drive the whole loop with
``create_pipe_input()`` and ``DummyOutput()`` and read the transcript from a ``StringIO`` console.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass, field
from typing import Any

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggest, Suggestion
from prompt_toolkit.completion import WordCompleter
from prompt_toolkit.document import Document
from prompt_toolkit.history import History, InMemoryHistory
from rich.console import Console
from rich.table import Table
from rich.text import Text

from chatbot.config import Settings
from chatbot.engine import Engine
from chatbot.frontends.history import PrivateHistory
from chatbot.frontends.render import MORE_PAGE, WAIT_LINE, AnswerView, Fitted, answer_renderable, further_hits, welcome_renderable
from chatbot.models import Answer
from chatbot.retrieval.suggest import Rotation
from chatbot.safety.crisis import banner

HELP = """Type a question in your own words and press Enter.
  /more     further passages for the last question (or type "tell me more")
  /sources  the articles I quote from
  /about    what this chatbot is and is not
  /help     this help
  /quit     leave (Ctrl-D works too); Ctrl-C clears the line"""

MORE_WORDS = {"/more", "more", "tell me more", "more please", "show more", "anything else", "go on"}
QUIT_WORDS = {"/quit", "/exit", "/bye", "/q"}
# a goodbye in words ("bye", "ok bye", "thanks bye") ends the chat politely, after its answer
GOODBYE = re.compile(r"^(?:(?:ok|okay|thanks|thank you|thx|cool|great|alright|all right)[ ,]+)*"
                     r"(?:bye|bye bye|goodbye|good bye|see you|see ya|take care|good night|goodnight|cya)$")
PAGE = MORE_PAGE
CHROME = 2  # lines around an answer that are not the answer: the typed question and the next prompt


class QuestionSuggest(AutoSuggest):
    """Greyed-out completion from the questions the articles answer, then from history."""

    def __init__(self, questions: list[str]) -> None:
        self.questions = questions

    def get_suggestion(self, buffer: Any, document: Document) -> Suggestion | None:
        text = document.text
        if len(text.strip()) < 3 or "\n" in text:
            return None
        low = text.lower()
        for q in self.questions:
            if q.lower().startswith(low) and len(q) > len(text):
                return Suggestion(q[len(text):])
        for entry in reversed(list(buffer.history.get_strings())):
            if entry.lower().startswith(low) and len(entry) > len(text):
                return Suggestion(entry[len(text):])
        return None


@dataclass
class ChatState:
    last: Answer | None = None
    shown_more: int = 0
    quote_cut: bool = False  # the best passage was shortened to fit: /more shows it in full first
    unanswered: list[str] = field(default_factory=list)
    rotation: Rotation | None = None


def emergency_line(settings: Settings) -> str:
    """The crisis sentence of the welcome, built from the configured lines."""
    return banner(settings)


def got_emergency(answer: Answer | None) -> bool:
    """Did this answer lead with a crisis message? Such a message is never written to history."""
    return answer is not None and answer.touches_crisis


def sources_table(engine: Engine) -> Table:
    table = Table(title="Articles I quote from", title_justify="left")
    for col in ("title", "publisher", "kind", "file", "passages"):
        table.add_column(col)
    for a in engine.kb.articles:
        table.add_row(Text(a.title), Text(a.publisher), Text(a.kind), Text(a.path), str(a.passages))
    return table


def about_text(settings: Settings, engine: Engine | None = None) -> Text:
    search = ""
    if engine is not None:
        problem = engine.search_problem
        memory = engine.semantic.memory_note if engine.semantic.ready() else "loading"
        model = ("static token vectors of all-MiniLM-L6-v2, for a library of this size" if engine.semantic.static
                 else f"sentence model all-MiniLM-L6-v2; question memory: {memory}")
        search = (f"Search: keywords and meaning ({model}).\n"
                  if problem is None else f"Search: keywords only ({problem}).\n")
        for trouble in (engine.multilingual.problem, engine.safety.problem):  # the model; its bank of examples
            if trouble:
                search += f"Safety: {trouble.rstrip('.')}.\n"
    return Text(
        f"{settings.clinic_name} FAQ chatbot. It answers only by quoting the clinic's articles, shows "
        "where each quote comes from, and never writes medical advice of its own. It does not know "
        "your medical history: for decisions about your own treatment, ask your clinician.\n"
        + search + settings.disclaimer
    )


def handle_line(line: str, engine: Engine, settings: Settings, console: Console, state: ChatState,
                record: Any = None) -> bool:
    """Act on one line the user typed. Returns False when the user asked to leave."""
    text = line.strip()
    command = " ".join(text.lower().split()).rstrip(".!?")
    if not text:
        return True
    if command in QUIT_WORDS:
        return False
    if command in ("/help", "help", "/?"):
        console.print(Text(HELP))
        return True
    if command == "/sources":
        console.print(sources_table(engine))
        return True
    if command == "/about":
        console.print(about_text(settings, engine))
        return True
    if command in MORE_WORDS:
        show_more(engine, console, state, settings.disclaimer_short)
        return True
    if text.startswith("/"):
        console.print(Text(f"Unknown command {text.split()[0]!r}. Type /help for the commands."))
        return True
    answer = ask_with_status(engine, console, text)
    state.last, state.shown_more = answer, 0
    if state.rotation is None:
        state.rotation = Rotation(engine.suggester)
    picked = state.rotation.pick(answer) if answer.status in ("answered", "no_answer") else None
    view = answer_renderable(answer, engine.highlights, suggestions=picked, disclaimer=settings.disclaimer_short,
                             height=answer_lines(console))
    console.print(view)
    state.quote_cut = isinstance(view, AnswerView) and view.quote_cut
    if answer.status == "smalltalk" and not answer.notices and GOODBYE.match(command):
        return False  # the goodbye has been answered: the chat ends
    if answer.status == "no_answer" and record is not None and not answer.touches_crisis:
        record(answer.question)
    return True


def show_more(engine: Engine, console: Console, state: ChatState, disclaimer: str | None = None) -> None:
    last = state.last
    if last is None or last.status != "answered":
        console.print(Text("Ask a question first; /more then shows further passages for it."))
        return
    further = (last.hits[:1] if state.quote_cut else ()) + further_hits(last)
    batch = further[state.shown_more:state.shown_more + PAGE]
    if not batch:
        console.print(Text("There are no further passages for that question."))
        return
    first = (1 if state.quote_cut else 2) + state.shown_more
    page = answer_renderable(last, engine.highlights, hits=batch, first_number=first, suggestions=(),
                             disclaimer=disclaimer, more_left=state.shown_more + len(batch) < len(further),
                             height=answer_lines(console))
    console.print(page)
    state.shown_more += len(batch) - (page.drew(1) if isinstance(page, Fitted) else 0)


def answer_lines(console: Console) -> int:
    """The lines an answer may take: the terminal's height less the typed question and the next prompt."""
    return max(5, console.size.height - CHROME)


def ask_with_status(engine: Engine, console: Console, text: str) -> Answer:
    """``engine.ask``, with a calm status line while the articles are still being got ready (the
    sentence model and the passage vectors load in the background; a first question waits for them)."""
    if engine.semantic.ready() or not console.is_terminal:
        return engine.ask(text)
    with console.status(WAIT_LINE, spinner="dots"):
        return engine.ask(text)


def make_history(enabled: bool) -> History:
    """The chat's input history: a 0600 file in a 0700 folder, or memory only."""
    if not enabled:
        return InMemoryHistory()
    from chatbot.infra.locations import state_dir

    try:
        return PrivateHistory(state_dir() / "history")
    except OSError:
        return InMemoryHistory()


def run_chat(engine: Engine, settings: Settings, console: Console, history: bool = True,
             input: Any = None, output: Any = None, debug: bool = False) -> int:
    suggestions = list(engine.suggestions())
    rotation = Rotation(engine.suggester)
    state = ChatState(rotation=rotation)
    console.print(welcome_renderable(settings.clinic_name, settings.disclaimer, rotation.pick(),
                                     emergency_line(settings), extra="Type /help for commands, /quit to leave.",
                                     height=console.size.height - 1))
    store = make_history(history)
    session: PromptSession[str] = PromptSession(
        history=store,
        auto_suggest=QuestionSuggest(suggestions),
        completer=WordCompleter(suggestions, ignore_case=True, sentence=True, match_middle=True),
        complete_while_typing=False,
        input=input, output=output,
    )
    record = None
    if settings.record_unanswered:
        from functools import partial

        from chatbot.infra.unanswered import record_unanswered

        record = partial(record_unanswered, retention_days=settings.unanswered_retention_days)
    while True:
        try:
            line = session.prompt("ask › ")
        except KeyboardInterrupt:
            continue  # Ctrl-C clears the line
        except EOFError:
            break
        try:
            before = state.last
            going_on = handle_line(line, engine, settings, console, state, record)
            if isinstance(store, PrivateHistory) and not (state.last is not before and got_emergency(state.last)):
                problem = store.keep(line)  # a line once, if the disk is full; never the answer's place
                if problem:
                    console.print(Text(problem, style="dim"))
            if not going_on:
                break
        except KeyboardInterrupt:
            console.print(Text("(stopped)", style="dim"))
        except Exception:  # the loop survives a bad line
            console.print(Text("Sorry, something went wrong with that question. Please try again.", style="red"))
            if debug:
                console.print(Text(traceback.format_exc()))
    console.print(Text("Take care. " + settings.disclaimer_short, style="dim"))
    return 0
