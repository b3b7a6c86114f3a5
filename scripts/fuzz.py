#!/usr/bin/env python3
"""Fuzz the engine for a set time and report how many inputs it tried.

    python scripts/fuzz.py [--seconds 60] [--seed 1]

Inputs are mutations of real patient questions (inserted control characters, escapes, markup,
emoji, combining marks, right-to-left overrides, repeats, truncation, random bytes decoded as text)
and random Unicode. For each one the answer must have a known status and a disclaimer, survive a
JSON round trip, quote at most three passages, each verbatim from the articles with a source, and
an emergency must quote nothing. Any failure is printed with the input (repr) and ends the run.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from chatbot.articles.knowledge import open_knowledge  # noqa: E402
from chatbot.config import Settings  # noqa: E402
from chatbot.engine import Engine  # noqa: E402

NASTY = ["\x00", "\x1b[2J", "\x1b]0;t\x07", "\x9b", "\u202e", "\u200b", "[bold]", "[/]", "{0}", "%s", "🙂", "\u0301",
         "\ufffd", "\r", "\t", "\\", "'", '"', "<", "&", "\u2028", "ﬁ", "İ", "ß", "\U0001f4a9", " " * 50]


def mutate(rng: random.Random, text: str) -> str:
    ops = rng.randint(1, 4)
    chars = list(text)
    for _ in range(ops):
        kind = rng.randrange(6)
        pos = rng.randint(0, len(chars))
        if kind == 0:
            chars[pos:pos] = list(rng.choice(NASTY))
        elif kind == 1 and chars:
            del chars[rng.randrange(len(chars))]
        elif kind == 2:
            chars = chars * rng.randint(2, 50)
        elif kind == 3:
            chars[pos:pos] = list(bytes(rng.randrange(256) for _ in range(rng.randint(1, 8))).decode("latin-1"))
        elif kind == 4:
            chars = chars[: rng.randint(0, len(chars))]
        else:
            chars[pos:pos] = [chr(rng.randint(0x20, 0x10FFFF)) for _ in range(rng.randint(1, 5))]
    return "".join(chars)


def main() -> int:
    ap = argparse.ArgumentParser(description="fuzz the engine for a set time")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    engine = Engine(open_knowledge(None, Settings()))
    seeds = [json.loads(line)["question"] for line in (REPO / "tests" / "data" / "golden.jsonl").open()]
    flat = " ".join(" ".join(p.read_text(encoding="utf-8").split()) for p in sorted((REPO / "corpus").glob("*.txt")))
    tried = 0
    statuses: dict[str, int] = {}
    end = time.monotonic() + args.seconds
    while time.monotonic() < end:
        text = mutate(rng, rng.choice(seeds)) if rng.random() < 0.8 else "".join(
            chr(rng.randint(0, 0x10FFFF)) for _ in range(rng.randint(0, 200)))
        text = text.encode("utf-8", "replace").decode("utf-8")  # what a terminal or file can deliver
        try:
            answer = engine.ask(text)
            data = json.loads(json.dumps(answer.to_dict()))
            assert data["status"] in ("answered", "no_answer", "emergency", "smalltalk", "invalid"), data["status"]
            assert data["disclaimer"]
            assert len(data["passages"]) <= 3
            if data["status"] == "emergency":
                assert not data["passages"]
            for p in data["passages"]:
                assert " ".join(p["text"].split()) in flat and p["source"]["title"] and p["source"]["path"]
        except Exception as exc:
            print(f"FAIL after {tried} inputs on {text!r}: {type(exc).__name__}: {exc}")
            return 1
        tried += 1
        statuses[data["status"]] = statuses.get(data["status"], 0) + 1
    print(f"tried {tried:,} inputs in {args.seconds:g} s, no failure; statuses: {statuses}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
