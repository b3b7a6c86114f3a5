"""The bundled safety rules' patterns, compiled ahead of time and shipped with the package.

The bundled rules are about 190,000 characters of patterns. Python's ``re`` parses and compiles them
in Python code: a quarter of a second at every start of ``chatbot ask``, most of its start-up. What
that work produces is a list of integers, the program that the C matching engine runs.
``scripts/build_safety_programs.py`` compiles every pattern of the bundled rules (the other scripts'
alternations too) and writes their programs to ``data/safety_programs.npz`` (a data-only file,
``chatbot/infra/store.py``: no pickle), and its card ``data/safety_programs.json`` records the
file's sha256, the exact Python version and matching engine it was compiled for, and the sha256 of
the ``safety.toml`` it was compiled from.

``Precompiled.shipped`` returns the table only when all of those match this Python and the rules
being loaded; otherwise, and for any pattern it does not hold, ``compile`` is ``re.compile``. So the
file can only save time: a file of another Python, of older rules, damaged or missing, means the
rules are compiled as they always were. Nothing is written at run time, and no file outside the
package is read (a cache in the user's folder could be edited to disable the rules).
``tests/test_regexcache.py`` checks that every shipped program equals what ``re.compile`` makes
here (CPython compares compiled patterns by their programs), and that the file is current.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from chatbot.infra import store

PROGRAMS_FILE = "safety_programs.npz"
CARD_FILE = "safety_programs.json"

try:  # CPython's own compiler, in its two steps: parse, then generate the program (re._compiler.compile)
    import _sre
    from re import _compiler, _parser  # type: ignore[attr-defined]

    ENGINE = f"{sys.version} sre {_sre.MAGIC}"
except (ImportError, AttributeError):  # another Python: compile as usual
    _sre = None
    ENGINE = ""


@dataclass
class Program:
    key: str  # sha256 of the flags and the pattern
    flags: int  # the flags, with those the pattern sets inline
    code: np.ndarray  # the engine's program
    groups: int
    names: dict[str, int] = field(default_factory=dict)  # group name -> number


@dataclass
class Programs:
    entries: list[Program]


def key_of(pattern: str, flags: int) -> str:
    return hashlib.sha256(f"{flags}\0{pattern}".encode("utf-8", "surrogatepass")).hexdigest()


def program_of(pattern: str, flags: int = 0) -> Program:
    """What ``re.compile`` would hand the engine for ``pattern`` (re.error for a bad pattern)."""
    parsed = _parser.parse(pattern, flags)
    code = _compiler._code(parsed, flags)
    return Program(key_of(pattern, flags), flags | parsed.state.flags, np.asarray(code, dtype=np.uint32),
                   parsed.state.groups - 1, dict(parsed.state.groupdict))


def build(pattern: str, p: Program) -> re.Pattern[str]:
    index: list[Any] = [None] * (p.groups + 1)
    for name, i in p.names.items():
        index[i] = name
    compiled: re.Pattern[str] = _sre.compile(pattern, p.flags, p.code.tolist(), p.groups, dict(p.names),
                                             tuple(index))
    return compiled


class Precompiled:
    """``compile(pattern, flags=0)``: ``re.compile``, served from a table of programs when it holds one."""

    def __init__(self, table: dict[str, Program] | None = None) -> None:
        self.table = table or {}
        self.served = 0  # patterns built from the table

    @classmethod
    def shipped(cls, rules_text: str, folder: Path | None = None) -> Precompiled:
        """The shipped programs, if they were compiled from ``rules_text`` by this very Python."""
        from chatbot.data import DATA_DIR

        folder = folder or DATA_DIR
        if _sre is None:
            return cls()
        try:
            card = json.loads((folder / CARD_FILE).read_text(encoding="utf-8"))
            if not isinstance(card, dict) or card.get("engine") != ENGINE \
                    or card.get("rules_sha256") != rules_sha256(rules_text):
                return cls()
            kept = store.load(folder / PROGRAMS_FILE, Programs, {"engine": ENGINE}, sha256=str(card["sha256"]))
        except (OSError, ValueError, KeyError, TypeError, store.StoreError):
            return cls()
        return cls({p.key: p for p in kept.entries})

    def compile(self, pattern: str, flags: int = 0) -> re.Pattern[str]:
        known = self.table.get(key_of(pattern, flags)) if self.table else None
        if known is not None:
            try:
                compiled = build(pattern, known)
                self.served += 1
                return compiled
            except Exception:  # noqa: BLE001 - a program this engine refuses: compile it as usual
                pass
        return re.compile(pattern, flags)


def rules_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
