#!/usr/bin/env python3
"""Compile every pattern of the bundled safety rules and ship the programs (chatbot/infra/regexcache.py).

    python scripts/build_safety_programs.py            # write chatbot/data/safety_programs.{npz,json}
    python scripts/build_safety_programs.py --out DIR  # elsewhere (the reproduction test)

Run it after every change to chatbot/data/safety.toml: until then the chatbot compiles the rules at
every start (correct, only slower), and tests/test_regexcache.py fails. The programs belong to the
Python that compiles them: the card records its exact version, and any other Python compiles as usual.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from chatbot.data import DATA_DIR  # noqa: E402
from chatbot.infra import store  # noqa: E402
from chatbot.infra.digest import sha256_file  # noqa: E402
from chatbot.infra.regexcache import CARD_FILE, ENGINE, PROGRAMS_FILE, Program, Programs, program_of, rules_sha256  # noqa: E402
from chatbot.safety.rules import Alternation, SafetyRules  # noqa: E402


def alternations(obj: object, seen: set[int] | None = None) -> list[Alternation]:
    """Every Alternation reachable from ``obj``'s attributes (dicts, lists, tuples and dataclasses)."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    if isinstance(obj, Alternation):
        return [obj]
    if isinstance(obj, dict):
        items: list[object] = list(obj.values())
    elif isinstance(obj, list | tuple):
        items = list(obj)
    elif hasattr(obj, "__dict__") and type(obj).__module__.startswith("chatbot"):
        items = list(vars(obj).values())
    else:
        return []
    return [a for item in items for a in alternations(item, seen)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DATA_DIR)
    args = ap.parse_args()
    if not ENGINE:
        print("this Python has no CPython regex internals: nothing to build", file=sys.stderr)
        return 1
    text = (DATA_DIR / "safety.toml").read_text(encoding="utf-8")
    programs: dict[str, Program] = {}

    def record(pattern: str) -> re.Pattern[str]:
        p = program_of(pattern)
        programs.setdefault(p.key, p)
        return re.compile(pattern)

    rules = SafetyRules(tomllib.loads(text), compile=record, check_each=False)
    for alt in alternations(rules):
        _ = alt.other  # the other scripts' patterns, compiled on first use at run time: ship them too
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / PROGRAMS_FILE
    store.save(path, Programs(sorted(programs.values(), key=lambda p: p.key)), {"engine": ENGINE}, compress=True)
    path.chmod(0o644)  # package data, readable by everyone (the store writes private files)
    card = {"engine": ENGINE, "rules_sha256": rules_sha256(text), "sha256": sha256_file(path),
            "patterns": len(programs), "code_words": int(sum(len(p.code) for p in programs.values()))}
    (args.out / CARD_FILE).write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path} ({len(programs)} patterns, {card['code_words']} words) and {CARD_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
