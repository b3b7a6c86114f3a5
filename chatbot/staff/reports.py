"""Staff-facing reports: what the cleaner kept and removed from each article."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text

from chatbot.articles.cleaning import Removal, Rule, clean_text, load_rules
from chatbot.articles.corpus import Article, load_corpus
from chatbot.config import Settings


@dataclass(frozen=True)
class CorpusReport:
    article: Article
    kept: int
    removals: tuple[Removal, ...]
    joined: tuple[Removal, ...] = ()  # what was kept together, and why


def report(folder: Path | None, settings: Settings) -> tuple[list[CorpusReport], list[str]]:
    """What the cleaner kept and removed, article by article, for staff."""
    loaded = load_corpus(folder, settings.allow_outside_symlinks)
    rules = load_rules(settings.cleaning_rules or None)
    out = []
    texts: list[str] = []
    for article in loaded.articles:
        cleaned = clean_text(article.text, article.title, rules)
        out.append(CorpusReport(article, len(cleaned.passages), cleaned.removals, cleaned.joined))
        texts += [p.text for p in cleaned.passages]
    problems = list(loaded.problems)
    if loaded.reviewed:
        from chatbot.articles.corpus import REVIEWED
        from chatbot.articles.knowledge import bind_reviewed

        questions, answers = bind_reviewed(loaded.reviewed, texts, problems)
        answered = sum(bool(a) for a in answers)
        problems.insert(0, f"note: {REVIEWED}: {len(questions):,} reviewed question(s) used: {answered:,} answered from "
                           f"the articles, {len(questions) - answered:,} marked as not answered by them")
    return out, problems


def print_corpus_report(console: Any, reports: list[CorpusReport], problems: list[str], verbose: bool = False,
                        rules: tuple[Rule, ...] | None = None) -> None:
    """Everything ``report`` found. Article-derived text was made terminal-safe when it was loaded."""
    table = Table(title="Articles", title_justify="left", show_lines=False)
    table.add_column("file")
    table.add_column("title")
    table.add_column("publisher")
    table.add_column("kind")
    table.add_column("kept", justify="right")
    table.add_column("removed", justify="right")
    for r in reports:
        a = r.article
        title = a.title + (" (from the text)" if a.title_from_text else "")
        table.add_row(Text(a.path), Text(title), Text(a.publisher), Text(a.kind), str(r.kept), str(len(r.removals)))
    console.print(table)
    for r in reports:
        console.print(Text(f"\n{r.article.path}: {r.kept} passages kept, {len(r.removals)} removals", style="bold"))
        for rem, style in [*((x, "yellow") for x in r.removals), *((x, "green") for x in r.joined)]:
            line = Text(f"  line {rem.line:>3}  ")
            line.append(rem.reason, style=style)
            excerpt = rem.text if len(rem.text) <= 90 else rem.text[:87] + "..."
            line.append(f"\n            “{excerpt}”", style="dim")
            console.print(line)
        if verbose:
            for p in clean_text(r.article.text, r.article.title, rules if rules is not None else load_rules()).passages:
                console.print(Text(f"  kept ¶{p.paragraph} [{p.section or '-'}] {p.text[:80]}…", style="green"))
    for problem in problems:
        console.print(Text(problem) if problem.startswith("note: ") else Text(f"warning: {problem}", style="yellow"))
