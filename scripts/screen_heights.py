#!/usr/bin/env python3
"""How many terminal lines one answer takes, in the chat and in the kiosk, at 80x24 and 60x20.

    python scripts/screen_heights.py [CASES.jsonl ...]   # default: tests/data/golden.jsonl and
                                                         # ../shared/eval/public.jsonl questions
Chat: the lines printed for the answer, plus the line with the question typed and the next prompt.
Kiosk: the answer screen's lines ("You asked", the answer) plus its header, status and input lines.
Prints a Markdown table of the median and 90th-percentile heights, and the share that fits the screen.
"""

from __future__ import annotations

import io
import json
import statistics
import sys
from pathlib import Path

from rich.console import Console

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatbot.articles.knowledge import open_knowledge  # noqa: E402
from chatbot.config import Settings  # noqa: E402
from chatbot.engine import Engine  # noqa: E402
from chatbot.frontends.render import answer_renderable  # noqa: E402
from chatbot.retrieval.suggest import Rotation  # noqa: E402

SIZES = ((80, 24), (60, 20))
CHAT_CHROME = 2  # the typed question's line and the next prompt
KIOSK_CHROME = 3  # header, status line, input line


def height(renderable: object, width: int) -> int:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(renderable)
    return len(console.file.getvalue().splitlines())  # type: ignore[attr-defined]


def heights(engine: Engine, settings: Settings, questions: list[str], width: int, kiosk: bool) -> list[int]:
    rotation = Rotation(engine.suggester)
    out = []
    for q in questions:
        answer = engine.ask(q)
        picked = rotation.pick(answer) if answer.status in ("answered", "no_answer") else None
        r = answer_renderable(answer, engine.highlights, show_question=kiosk, suggestions=picked, numbered=kiosk,
                              disclaimer=settings.disclaimer_short,
                              more_hint="type more to read them" if kiosk else "type /more to read them")
        out.append(height(r, width) + (KIOSK_CHROME if kiosk else CHAT_CHROME))
    return out


def p90(values: list[int]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def questions_from(paths: list[Path]) -> list[str]:
    qs = []
    for p in paths:
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip():
                qs.append(json.loads(line)["question"])
    return qs


def table(engine: Engine, settings: Settings, questions: list[str]) -> str:
    rows = ["| front end | screen | median lines | 90th percentile | answers that fit |", "| --- | --- | --- | --- | --- |"]
    for kiosk in (False, True):
        for w, h in SIZES:
            hs = heights(engine, settings, questions, w, kiosk)
            fits = sum(x <= h for x in hs) / len(hs)
            rows.append(f"| {'kiosk' if kiosk else 'chat'} | {w}x{h} | {statistics.median(hs):g} | {p90(hs):g} | {fits:.0%} |")
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    default = [ROOT / "tests" / "data" / "golden.jsonl", ROOT.parent / "shared" / "eval" / "public.jsonl"]
    paths = [Path(a) for a in argv] or default
    paths = [p for p in paths if p.exists()]
    settings = Settings()
    engine = Engine(open_knowledge(None, settings), settings)
    questions = questions_from(paths)
    print(f"{len(questions)} questions from {', '.join(p.name for p in paths)}")
    print(table(engine, settings, questions))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
