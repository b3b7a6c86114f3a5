"""`chatbot index`: build everything a library needs before the first patient asks, with progress.

The knowledge base (cleaned passages, keyword index) and the vectors of the sentence model: the full
model's for a library of up to ``semantic_max_passages`` passages, the static token vectors above
that. Everything goes to the cache folder through the atomic, data-only store; the full vectors are
checkpointed as they are made (chatbot/retrieval/dense.py ``encode_resumable``), so a build that is
stopped — Ctrl-C, a closed laptop, a killed process — goes on from where it was the next time, and
so does any `ask`, chat or kiosk that needs them. Progress goes to standard error: a bar on a
terminal, a line every tenth otherwise.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from chatbot.config import Settings
from chatbot.errors import ChatbotError

LINE_EVERY = 30.0  # seconds between progress lines when standard error is not a terminal


class BuildError(ChatbotError):
    """The index could not be built completely (the message says what is missing)."""

    exit_code = 1


class _Reporter:
    """Progress of named steps: rich bars on a terminal, a plain line every tenth otherwise."""

    def __init__(self, console: Any) -> None:
        self.console = console
        self.live = bool(getattr(console, "is_terminal", False))
        self.progress: Any = None
        self.tasks: dict[str, Any] = {}
        self.tenths: dict[str, int] = {}
        self.said = time.monotonic()
        self.last: tuple[str, int, int] | None = None

    def __enter__(self) -> _Reporter:
        if self.live:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     TimeElapsedColumn(), TimeRemainingColumn(), console=self.console)
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def say(self, line: str) -> None:
        if self.progress is not None:
            self.progress.console.print(line, markup=False, highlight=False)
        else:
            self.console.print(f"chatbot: index: {line}", markup=False, highlight=False)

    def step(self, name: str, done: int, total: int) -> None:
        if self.progress is not None:
            if name not in self.tasks:
                self.tasks[name] = self.progress.add_task(name, total=total)
            self.progress.update(self.tasks[name], completed=done, total=total)
            return
        tenth = 10 if total <= 0 else min(10, done * 10 // total)
        now = time.monotonic()
        if tenth > self.tenths.get(name, -1) or now - self.said >= LINE_EVERY:
            self.tenths[name] = tenth
            self.said = now
            self.say(f"{name}: {done * 100 // max(1, total)}% ({done:,} of {total:,})")
        self.last = (name, done, total)


def run_index(folder: str | None, settings: Settings, console: Any, out: Any) -> int:
    """Build the knowledge base and its vectors for ``folder`` (None: the bundled articles) into
    the cache; progress on ``console`` (standard error), a summary on ``out``."""
    from chatbot.articles.knowledge import default_cache_dir, open_knowledge
    from chatbot.infra.safefile import usable_cache_dir
    from chatbot.infra.sanitise import clean_line

    started = time.monotonic()
    cache, warning = usable_cache_dir(default_cache_dir(settings))
    if cache is None:
        raise BuildError(f"cannot index: {warning or 'the cache folder cannot be created'}")
    model = None
    if settings.semantic:
        from chatbot.retrieval.background import start_model

        model = start_model(threads=2)  # loads in its own process while the articles are read
    try:
        with _Reporter(console) as report:
            report.say("reading the articles")
            kb = open_knowledge(Path(folder) if folder else None, settings)
            for line in kb.problems[:20]:
                report.say(f"warning: {clean_line(line)}")
            if len(kb.problems) > 20:
                report.say(f"warning: and {len(kb.problems) - 20:,} more; see `chatbot corpus`")
            report.say(f"{len(kb.texts):,} passages from {len(kb.articles):,} articles")
            if model is None:
                kind = "keyword search only (semantic search is turned off in the settings)"
            else:
                try:
                    kind = _vectors(kb, model, cache, settings, report)
                except KeyboardInterrupt:
                    if report.last is not None and report.last[0] == "sentence vectors":
                        _, done, total = report.last
                        report.say(f"stopped: {done:,} of {total:,} sentence vectors are kept; "
                                   "`chatbot index` goes on from there")
                    raise
    finally:
        if model is not None:
            model.close()
    seconds = time.monotonic() - started
    out.write(f"indexed {len(kb.texts):,} passages from {len(kb.articles):,} articles in {seconds:.0f} s\n"
              f"search: {kind}\ncache: {clean_line(str(cache))}\n")
    return 0


def _vectors(kb: Any, model: Any, cache: Path, settings: Settings, report: _Reporter) -> str:
    from chatbot.retrieval.dense import cached_passage_vectors, checkpoint_folder, passage_vectors
    from chatbot.retrieval.semantic import BASE_MODEL, SemanticModelUnavailable

    report.say("starting the sentence model")
    try:
        model.wait_loaded()
        if len(kb.texts) > settings.semantic_max_passages:
            from chatbot.retrieval.static import static_path, static_scorer_parts

            report.say(f"over {settings.semantic_max_passages:,} passages: the model's static token vectors")
            names = {"tokens": "token vectors", "passages": "passage vectors"}
            static_scorer_parts(kb, model, cache, lambda step, done, total: report.step(names[step], done, total))
            path = static_path(kb, model, cache)
            if path is None or not path.is_file():
                raise BuildError("the static vectors could not be written to the cache folder (is the disk full?)")
            return f"keywords and meaning (static token vectors of {BASE_MODEL})"
        parts = checkpoint_folder(kb, model, cache)
        if parts is not None and parts.is_dir() and any(parts.glob("part-*.npz")):
            report.say("resuming from the last checkpoint")
        passage_vectors(kb, model, cache, progress=lambda done, total: report.step("sentence vectors", done, total))
        if cached_passage_vectors(kb, model, cache) is None:
            raise BuildError("the sentence vectors could not be written to the cache folder (is the disk full?)")
        return f"keywords and meaning (sentence model {BASE_MODEL})"
    except SemanticModelUnavailable as exc:
        raise BuildError(f"the keyword index is built, but not the sentence vectors: {exc}") from None
