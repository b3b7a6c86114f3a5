#!/usr/bin/env python3
"""How many terminal lines one answer takes: `ask` at 80 columns, the chat and the kiosk at 80x24 and 60x20.

    python scripts/screen_heights.py                 # the real-style questions below
    python scripts/screen_heights.py CASES.jsonl ... # questions of these files, on the bundled articles
    python scripts/screen_heights.py --worst N       # also list the N tallest answers of each kind

Default questions: every question of tests/data/probes/*.jsonl (asked of the bundled articles) and of
tests/data/libraries/*/questions.jsonl (each asked of its own library). Each question is asked once;
its answer is then drawn as each front end draws it, through the front ends' own code:
- ask: every line `chatbot ask` prints (with "You asked"), at 80 columns, stdout not a terminal;
- chat: the answer's lines plus 2 (the line with the typed question and the next prompt);
- kiosk: the answer screen ("You asked" and the answer) plus 3 (header, status line, input line).
Prints the number of questions, a Markdown table (max, median, 90th percentile, share that fits) and
the distribution of heights.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from rich.console import Console

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatbot.articles.knowledge import open_knowledge  # noqa: E402
from chatbot.config import Settings  # noqa: E402
from chatbot.engine import Engine  # noqa: E402
from chatbot.frontends import render  # noqa: E402
from chatbot.models import Answer  # noqa: E402
from chatbot.retrieval.suggest import Rotation  # noqa: E402

SIZES = ((80, 24), (60, 20))
ASK_WIDTH, ASK_LIMIT = 80, 22
CHAT_CHROME = 2  # the typed question's line and the next prompt
KIOSK_CHROME = 3  # header, status line, input line


def lines_of(renderable: object, width: int) -> list[str]:
    console = Console(file=io.StringIO(), width=width, color_system=None, highlight=False, markup=False, emoji=False)
    console.print(renderable)
    return console.file.getvalue().splitlines()  # type: ignore[attr-defined]


def drawn(engine: Engine, settings: Settings, answer: Answer, mode: str, width: int, height: int,
          rotation: Rotation) -> list[str]:
    """The lines a front end draws for ``answer`` (without its chrome)."""
    if mode == "ask":
        return lines_of(render.ask_renderable(answer, engine.highlights, settings.disclaimer_short, ASK_LIMIT), width)
    picked = rotation.pick(answer) if answer.status in ("answered", "no_answer") else None
    if mode == "chat":
        r = render.answer_renderable(answer, engine.highlights, suggestions=picked, disclaimer=settings.disclaimer_short,
                                     height=height - CHAT_CHROME)
    else:
        r = render.answer_renderable(answer, engine.highlights, show_question=True, suggestions=picked or (),
                                     numbered=True, disclaimer=settings.disclaimer_short,
                                     more=render.KIOSK_MORE, height=height - KIOSK_CHROME)
    return lines_of(r, width)


def questions_of(path: Path) -> list[str]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            case = json.loads(line)
            out.append(case.get("question") or case.get("text") or "")
    return [q for q in out if q.strip()]


def default_sets() -> list[tuple[Path | None, list[str], str]]:
    """(corpus folder or None for the bundled articles, questions, label)."""
    probes = sorted((ROOT / "tests" / "data" / "probes").glob("*.jsonl"))
    sets: list[tuple[Path | None, list[str], str]] = [
        (None, [q for p in probes for q in questions_of(p)], "probes")]
    for qfile in sorted((ROOT / "tests" / "data" / "libraries").glob("*/questions.jsonl")):
        sets.append((qfile.parent, questions_of(qfile), qfile.parent.name))
    return sets


def modes() -> list[tuple[str, str, int, int]]:
    """(label, mode, width, height): the height is the screen's (or `ask`'s limit)."""
    out = [(f"ask {ASK_WIDTH} columns", "ask", ASK_WIDTH, ASK_LIMIT + 0)]
    for mode in ("chat", "kiosk"):
        out += [(f"{mode} {w}x{h}", mode, w, h) for w, h in SIZES]
    return out


def measure(sets: Iterable[tuple[Path | None, list[str], str]], settings: Settings,
            worst: int = 0) -> tuple[int, dict[str, list[int]], dict[str, list[tuple[int, str]]]]:
    heights: dict[str, list[int]] = {label: [] for label, *_ in modes()}
    tallest: dict[str, list[tuple[int, str]]] = {label: [] for label, *_ in modes()}
    count = 0
    for folder, questions, _ in sets:
        engine = Engine(open_knowledge(folder, settings), settings)
        engine.semantic.wait_ready(120)
        answers = [engine.ask(q) for q in questions]
        count += len(answers)
        for label, mode, width, height in modes():
            rotation = Rotation(engine.suggester)
            chrome = {"ask": 0, "chat": CHAT_CHROME, "kiosk": KIOSK_CHROME}[mode]
            for q, answer in zip(questions, answers, strict=True):
                h = len(drawn(engine, settings, answer, mode, width, height, rotation)) + chrome
                heights[label].append(h)
                tallest[label].append((h, q))
    for label in tallest:
        tallest[label] = sorted(tallest[label], reverse=True)[:worst]
    return count, heights, tallest


def p90(values: list[int]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def table(heights: dict[str, list[int]]) -> str:
    rows = ["| front end | max lines | median | 90th percentile | answers that fit |", "| --- | --- | --- | --- | --- |"]
    for label, _mode, _, height in modes():
        hs = heights[label]
        fits = sum(x <= height for x in hs) / len(hs)
        rows.append(f"| {label} | {max(hs)} | {statistics.median(hs):g} | {p90(hs):g} | {fits:.1%} (≤ {height}) |")
    return "\n".join(rows)


def distribution(heights: dict[str, list[int]]) -> str:
    """Heights in bands of lines, per front end."""
    bands = ((0, 12), (13, 16), (17, 18), (19, 20), (21, 22), (23, 24), (25, 30), (31, 999))
    head = "| front end | " + " | ".join(f"{a}-{b}" if b < 999 else f"{a}+" for a, b in bands) + " |"
    rows = [head, "|" + " --- |" * (len(bands) + 1)]
    for label, *_ in modes():
        c = Counter(next(i for i, (a, b) in enumerate(bands) if a <= h <= b) for h in heights[label])
        rows.append(f"| {label} | " + " | ".join(str(c.get(i, 0)) for i in range(len(bands))) + " |")
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", type=Path)
    parser.add_argument("--worst", type=int, default=0)
    args = parser.parse_args(argv)
    settings = Settings()
    sets = [(None, [q for p in args.cases for q in questions_of(p)], "given")] if args.cases else default_sets()
    count, heights, tallest = measure(sets, settings, args.worst)
    print(f"{count} questions ({', '.join(f'{label}: {len(qs)}' for _, qs, label in sets)})\n")
    print(table(heights) + "\n")
    print(distribution(heights))
    for label, rows in tallest.items():
        if rows:
            print(f"\ntallest, {label}:")
            for h, q in rows:
                print(f"  {h:3d}  {q}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
