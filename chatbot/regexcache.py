"""Compiled regular expressions kept between runs, so that start-up does not re-compile the safety
rules (about a hundred patterns; compiling them is most of what a one-question process does).

Python compiles a pattern in two steps: a pure-Python parser and code generator, then
``_sre.compile``, which checks the generated code and builds the pattern object. We save the first
step's output, keyed on the exact Python version, and on later runs call only the second. Anything
unexpected (another Python, a corrupt file, a code check that fails) falls back to ``re.compile``.
"""

from __future__ import annotations

import os
import pickle
import re
import sys
from pathlib import Path
from typing import Any

VERSION = (sys.implementation.name, sys.version, 1)


class RegexCache:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[tuple[str, int], tuple[Any, ...]] = {}
        self.documents: dict[bytes, Any] = {}
        self.dirty = False
        if path is not None:
            try:
                with path.open("rb") as fh:
                    data = pickle.load(fh)
                if isinstance(data, dict) and data.get("version") == VERSION:
                    self.entries = data["entries"]
                    self.documents = data.get("documents", {})
            except Exception:  # missing or unreadable: compile afresh
                self.entries, self.documents = {}, {}

    def compile(self, pattern: str, flags: int = 0) -> re.Pattern[str]:
        try:
            import _sre

            entry = self.entries.get((pattern, flags))
            if entry is not None:
                compiled = _sre.compile(pattern, *entry)
                if isinstance(compiled, re.Pattern):
                    return compiled
            from re import _compiler, _parser  # type: ignore[attr-defined]

            parsed = _parser.parse(pattern, flags)
            code = [int(x) for x in _compiler._code(parsed, flags)]
            groupindex = parsed.state.groupdict
            indexgroup = [None] * parsed.state.groups
            for k, i in groupindex.items():
                indexgroup[i] = k
            entry = (flags | parsed.state.flags, code, parsed.state.groups - 1, dict(groupindex), tuple(indexgroup))
            compiled = _sre.compile(pattern, *entry)
            if not isinstance(compiled, re.Pattern) or compiled.pattern != pattern:
                raise TypeError("unexpected pattern object")
            self.entries[(pattern, flags)] = entry
            self.dirty = True
            return compiled
        except Exception:
            return re.compile(pattern, flags)

    def toml(self, text: str) -> Any:
        """``tomllib.loads(text)``, remembered by the text's digest (the rules file is read every run)."""
        from chatbot.digest import blake2b

        key = blake2b(text.encode("utf-8")).digest()
        found = self.documents.get(key)
        if found is None:
            import tomllib

            found = self.documents[key] = tomllib.loads(text)
            self.dirty = True
        return found

    def save(self) -> None:
        if not self.dirty or self.path is None:
            return
        try:
            import tempfile

            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".re-", dir=self.path.parent)
            with os.fdopen(fd, "wb") as fh:
                data = {"version": VERSION, "entries": self.entries, "documents": self.documents}
                pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
            self.dirty = False
        except OSError:
            pass
