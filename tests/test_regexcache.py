"""The bundled safety rules' patterns, compiled ahead of time (chatbot/infra/regexcache.py): every
shipped program is the very program ``re.compile`` makes, the file is current with safety.toml, and
a file that does not fit (another Python, other rules, damaged) only means compiling as before."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from chatbot.data import DATA_DIR
from chatbot.infra import regexcache
from chatbot.infra.regexcache import CARD_FILE, ENGINE, PROGRAMS_FILE, Precompiled, rules_sha256
from chatbot.safety.rules import SafetyRules

REPO = Path(__file__).resolve().parent.parent
RULES = (DATA_DIR / "safety.toml").read_text(encoding="utf-8")
CARD = json.loads((DATA_DIR / CARD_FILE).read_text(encoding="utf-8"))
SAME_PYTHON = bool(ENGINE) and CARD["engine"] == ENGINE
needs_same_python = pytest.mark.skipif(not SAME_PYTHON, reason="the programs were compiled by another Python")


def _patterns_compiled_by_the_rules() -> list[str]:
    seen: list[str] = []

    def record(pattern: str) -> re.Pattern[str]:
        seen.append(pattern)
        return re.compile(pattern)

    rules = SafetyRules.load(compile=record)
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        from build_safety_programs import alternations
    finally:
        sys.path.pop(0)
    for alt in alternations(rules):
        _ = alt.other
    return seen


def test_the_shipped_programs_are_compiled_from_the_current_rules() -> None:
    """After any edit of safety.toml, run scripts/build_safety_programs.py (else every start compiles)."""
    assert CARD["rules_sha256"] == rules_sha256(RULES)


@needs_same_python
def test_every_shipped_program_equals_what_re_compile_makes() -> None:
    """CPython's compiled patterns are equal only if their flags, pattern and program are."""
    shipped = Precompiled.shipped(RULES)
    patterns = _patterns_compiled_by_the_rules()
    assert len(shipped.table) == len(set(patterns)) > 10
    for p in patterns:
        assert shipped.compile(p) == re.compile(p)
    assert shipped.served == len(patterns)


@needs_same_python
def test_the_bundled_rules_load_from_the_shipped_programs() -> None:
    served: list[Precompiled] = []
    real = Precompiled.shipped

    def spy(text: str, folder: Path | None = None) -> Precompiled:
        served.append(real(text, folder))
        return served[-1]

    mp = pytest.MonkeyPatch()
    mp.setattr(Precompiled, "shipped", staticmethod(spy))
    try:
        SafetyRules.load()
    finally:
        mp.undo()
    assert served and served[0].served > 10


@needs_same_python
@pytest.mark.parametrize("message", [
    "I want to kill myself tonight",
    "my son swallowed a whole bottle of pills",
    "quiero matarme",
    "\u0445\u043e\u0447\u0443 \u0443\u043c\u0435\u0440\u0435\u0442\u044c",
    "\u6b7b\u306b\u305f\u3044",
    "my back is killing me, is the infusion worth it",
    "where do I park?",
])
def test_the_rules_judge_as_when_compiled_here(message: str) -> None:
    shipped = SafetyRules.load()
    compiled = SafetyRules.load(compile=lambda p: re.compile(p))
    assert shipped.check(message, shipped.prepare(message)) == compiled.check(message, compiled.prepare(message))


def _copy(tmp_path: Path) -> Path:
    for name in (CARD_FILE, PROGRAMS_FILE):
        shutil.copy(DATA_DIR / name, tmp_path / name)
    return tmp_path


@needs_same_python
def test_a_file_that_does_not_fit_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _copy(tmp_path)
    assert Precompiled.shipped(RULES, folder).table
    assert Precompiled.shipped(RULES + "\n# a clinic's edit\n", folder).table == {}  # other rules
    data = bytearray((folder / PROGRAMS_FILE).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (folder / PROGRAMS_FILE).write_bytes(bytes(data))
    assert Precompiled.shipped(RULES, folder).table == {}  # damaged: its sha256 differs
    (folder / PROGRAMS_FILE).unlink()
    assert Precompiled.shipped(RULES, folder).table == {}  # missing
    for card in ("[]", "null", '"x"', "{not json"):
        folder = _copy(tmp_path)
        (folder / CARD_FILE).write_text(card)
        assert Precompiled.shipped(RULES, folder).table == {}  # a card that is not one: compile as before
    folder = _copy(tmp_path)
    monkeypatch.setattr(regexcache, "ENGINE", "3.99.0 (another build) sre 1")
    assert Precompiled.shipped(RULES, folder).table == {}  # another Python's programs are never used


def test_a_pattern_it_does_not_hold_or_a_refused_program_is_compiled_as_usual() -> None:
    empty = Precompiled()
    assert empty.compile(r"a(?P<b>b)c") == re.compile(r"a(?P<b>b)c")
    assert empty.served == 0
    with pytest.raises(re.error):
        empty.compile(r"(unclosed")
    if not ENGINE:
        return
    program = regexcache.program_of(r"\boverdose\b")
    program.code[:] = 0xFFFF  # nonsense: the engine's own validation refuses it
    assert Precompiled({program.key: program}).compile(r"\boverdose\b") == re.compile(r"\boverdose\b")


@needs_same_python
@pytest.mark.parametrize("pattern, flags", [
    (r"(?P<who>my (son|daughter))\s+(?:took|swallowed)\b", 0),
    (r"(?i)hello|(?<!not )wor(l)d", 0),
    ("caf\u00e9s?", re.IGNORECASE),
])
def test_groups_names_and_flags_survive(pattern: str, flags: int) -> None:
    p = regexcache.program_of(pattern, flags)
    rebuilt = Precompiled({p.key: p}).compile(pattern, flags)
    expected = re.compile(pattern, flags)
    assert rebuilt == expected and rebuilt.groupindex == expected.groupindex and rebuilt.groups == expected.groups


@needs_same_python
def test_the_script_reproduces_the_shipped_programs(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, str(REPO / "scripts" / "build_safety_programs.py"), "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    fresh = Precompiled.shipped(RULES, tmp_path).table
    shipped = Precompiled.shipped(RULES).table
    assert fresh.keys() == shipped.keys()
    for k, p in shipped.items():
        q = fresh[k]
        assert (p.flags, p.groups, p.names) == (q.flags, q.groups, q.names) and (p.code == q.code).all()
