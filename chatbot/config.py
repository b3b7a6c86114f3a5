"""Settings: clinic name, disclaimer, emergency numbers, kiosk options, thresholds, vocabulary.

Settings come from a TOML file (``--config FILE``, else ``$CHATBOT_CONFIG``, else
``$XDG_CONFIG_HOME/chatbot/settings.toml`` when it exists) laid over sound US defaults.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from chatbot.errors import ConfigError

DEFAULT_DISCLAIMER = (
    "This chatbot quotes general information from published articles. It is not medical advice and "
    "does not replace your own doctor or care team. In an emergency call 911 (US)."
)


DEFAULT_DISCLAIMER_SHORT = "General information from articles, not medical advice."

# --- crisis and emergency lines (issue 14) ----------------------------------------------------------
LINE_ROLES = ("emergency", "crisis", "poison", "urgent")
LINE_REACH = ("call", "text", "both")


@dataclass(frozen=True)
class CrisisLine:
    """One line a patient can reach in a crisis: who, which number, and by call, text or both."""

    role: str  # emergency | crisis | poison | urgent
    name: str
    number: str
    reach: str = "call"  # call | text | both
    keyword: str = ""  # a word to text, e.g. "SHOUT" for Shout's 85258
    note: str = ""  # e.g. "free, 24 hours"


# Characters that draw nothing: a setting made only of these would show a patient an empty line.
_BLANKS = frozenset("\u2800\u3164\u115f\u1160\uffa0\u180e\u2028\u2029")
_DIAL = re.compile(r"\+?[0-9][0-9 ().-]*")


def visible(text: str) -> bool:
    """Whether ``text`` shows something: a character that is not a space, a format or control
    character, a combining mark or a blank filler (U+2800, U+3164 …)."""
    return any(not ch.isspace() and ch not in _BLANKS and unicodedata.category(ch)[0] not in "CZM" for ch in text)


def dialable(number: str) -> bool:
    """Whether ``number`` is something a person can dial or text: digits (2 to 20 of them), with only
    spaces, brackets, hyphens, dots and a leading + between them ("911", "116 123", "1-800-222-1222")."""
    digits = sum(ch.isdigit() for ch in number)
    return _DIAL.fullmatch(number.strip()) is not None and 2 <= digits <= 20 and number.isascii()


def parse_crisis_lines(value: Any, where: object) -> tuple[CrisisLine, ...]:
    """The ``[[crisis_lines]]`` tables of a settings file; one clear error per problem."""
    if not isinstance(value, list) or not value:
        raise ConfigError(f"setting 'crisis_lines' in {where} must be a list of [[crisis_lines]] tables")
    lines = []
    for i, item in enumerate(value, start=1):
        label = f"crisis_lines entry {i} in {where}"
        if not isinstance(item, dict):
            raise ConfigError(f"{label} must be a table with role, name, number and reach")
        unknown = set(item) - {"role", "name", "number", "reach", "keyword", "note"}
        if unknown:
            raise ConfigError(f"{label}: unknown key {sorted(unknown)[0]!r}")
        if any(not isinstance(v, str) for v in item.values()):
            raise ConfigError(f"{label}: every value must be text")
        role, reach = item.get("role", ""), item.get("reach", "call")
        if role not in LINE_ROLES:
            raise ConfigError(f"{label}: role must be one of {', '.join(LINE_ROLES)}")
        if reach not in LINE_REACH:
            raise ConfigError(f"{label}: reach must be call, text or both")
        if not visible(item.get("name", "")) or not item.get("number", "").strip():
            raise ConfigError(f"{label}: name and number must not be empty")
        if not dialable(item["number"]):
            raise ConfigError(f"{label}: number {item['number']!r} is not a number a person can dial or text "
                              "(digits, with spaces, brackets, hyphens or a leading + only)")
        from chatbot.infra.sanitise import safe_to_show

        for key in ("name", "keyword", "note"):
            if item.get(key) and not safe_to_show(item[key]):
                raise ConfigError(f"{label}: {key} must not hold control characters, escape sequences "
                                  "or bidirectional marks")
        if item.get("keyword") and not visible(item["keyword"]):
            raise ConfigError(f"{label}: keyword must be visible text")
        lines.append(CrisisLine(role, item["name"].strip(), item["number"].strip(), reach,
                                item.get("keyword", "").strip(), item.get("note", "").strip()))
    if not any(line.role == "emergency" for line in lines):
        raise ConfigError(f"setting 'crisis_lines' in {where} needs a line with role = \"emergency\"")
    return tuple(lines)


@dataclass(frozen=True)
class Settings:
    clinic_name: str = "Ketamine Pain Care"
    disclaimer: str = DEFAULT_DISCLAIMER
    emergency_number: str = "911"
    crisis_line: str = "988"
    crisis_line_name: str = "988 Suicide & Crisis Lifeline"
    poison_control: str = "1-800-222-1222"
    staff_hint: str = "Please ask a member of the clinic staff, or call the clinic."
    # the clinic's own phone number, named when the articles have no answer (empty: not named)
    clinic_phone: str = ""
    # retrieval
    min_confidence: float = 0.5  # probability (learned abstention model) that the best passage answers
    min_coverage: float = 0.0  # optional hard floor: the best passage must cover more than this share
    min_score: float = 0.0  # optional hard floor on the best passage's BM25 score
    semantic: bool = True  # sentence-embedding scores beside BM25 (keyword search only when false)
    semantic_max_passages: int = 5_000  # above this many passages, static token vectors (running the model is slow)
    # the safety tier's second opinion on messages in other languages (chatbot/safety/multilingual.py)
    multilingual: bool = True
    max_passages: int = 3
    related_ratio: float = 0.55
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    bm25_delta: float = 1.0
    # files (empty = bundled defaults)
    corpus: str = ""
    vocabulary: str = ""
    safety_rules: str = ""
    cleaning_rules: str = ""
    cache_dir: str = ""
    # a symlink in the articles folder that points outside it is skipped unless this is true
    allow_outside_symlinks: bool = False
    # input
    max_question_chars: int = 1000
    # chat
    history: bool = True
    record_unanswered: bool = False
    unanswered_retention_days: int = 30
    # kiosk
    kiosk_idle_timeout: float = 120.0
    kiosk_countdown: float = 15.0
    kiosk_admin_command: str = "/staff-exit"
    kiosk_admin_hash: str = ""
    # --- what the patient sees: crisis lines and the short disclaimer (added for issue 14) --------
    # Every crisis and emergency line as name, number and how to reach it; empty = the four fields
    # above (emergency_number, crisis_line, crisis_line_name, poison_control) with US wording.
    crisis_lines: tuple[CrisisLine, ...] = ()
    # one line after each answer; the full `disclaimer` is shown at the start and in /about
    disclaimer_short: str = DEFAULT_DISCLAIMER_SHORT

    def cache_key(self) -> str:
        """The settings that change how the index is built."""
        return repr((self.bm25_k1, self.bm25_b, self.bm25_delta, self.vocabulary, self.cleaning_rules,
                     self.allow_outside_symlinks))


MAX_SETTINGS_BYTES = 1024 * 1024
# Numbers: the inclusive range each must lie in (rates and thresholds that are shares lie in [0, 1]).
RANGES: dict[str, tuple[float, float]] = {
    "min_confidence": (0.0, 1.0),
    "semantic_max_passages": (0, 10_000_000),
    "min_coverage": (0.0, 1.0),
    "min_score": (0.0, 1000.0),
    "max_passages": (1, 10),
    "related_ratio": (0.0, 1.0),
    "bm25_k1": (0.0, 10.0),
    "bm25_b": (0.0, 1.0),
    "bm25_delta": (0.0, 10.0),
    "max_question_chars": (20, 100_000),
    "unanswered_retention_days": (1, 3650),
    "kiosk_idle_timeout": (10.0, 86_400.0),
    "kiosk_countdown": (0.0, 3_600.0),
}
# Text that a patient relies on: the crisis reply must never read "call or text now ()".
REQUIRED_TEXT = ("clinic_name", "disclaimer", "disclaimer_short", "emergency_number", "crisis_line",
                 "crisis_line_name", "poison_control", "staff_hint", "kiosk_admin_command")
NUMBERS = ("emergency_number", "crisis_line", "poison_control")
OPTIONAL_NUMBERS = ("clinic_phone",)  # empty, or checked like the numbers above
MULTILINE_TEXT = ("disclaimer", "staff_hint")


def _number_text(x: float) -> str:
    return f"{x:g}" if isinstance(x, float) else f"{x:,}"


def check_number(name: str, value: float) -> str | None:
    """The problem with a numeric setting (or option) ``name``, or None when it is acceptable."""
    if not math.isfinite(value):
        return f"setting {name!r} must be a finite number, not {value}"
    lo, hi = RANGES.get(name, (0.0, math.inf))
    if not lo <= value <= hi:
        return f"setting {name!r} must be between {_number_text(lo)} and {_number_text(hi)}, not {value:g}"
    return None


def problems(settings: Settings) -> list[str]:
    """Every problem with ``settings``, one line each (empty when they are sound)."""
    from chatbot.infra.sanitise import safe_to_show

    out: list[str] = []
    for f in fields(Settings):
        value = getattr(settings, f.name)
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            problem = check_number(f.name, value)
            if problem:
                out.append(problem)
        elif isinstance(value, str):
            if f.name in REQUIRED_TEXT and not visible(value):
                out.append(f"setting {f.name!r} must not be empty (or made only of invisible characters)")
            elif (f.name in NUMBERS or (f.name in OPTIONAL_NUMBERS and value)) and not dialable(value):
                out.append(f"setting {f.name!r} must be a number a person can dial or text, not {value!r}")
            if not safe_to_show(value, multiline=f.name in MULTILINE_TEXT):
                out.append(f"setting {f.name!r} must not hold control characters, escape sequences "
                           "or bidirectional marks")
    if not out and settings.kiosk_countdown >= settings.kiosk_idle_timeout:
        out.append("setting 'kiosk_countdown' must be shorter than 'kiosk_idle_timeout'")
    if settings.kiosk_admin_command.strip() and not settings.kiosk_admin_command.startswith("/"):
        out.append("setting 'kiosk_admin_command' must start with '/'")
    return out


def validate(settings: Settings, origin: str = "settings") -> Settings:
    """``settings`` when sound, else a ``ConfigError`` with one line per problem."""
    found = problems(settings)
    if found:
        raise ConfigError("\n".join(f"{origin}: {line}" for line in found))
    return settings


def _coerce(name: str, value: Any, kind: str) -> Any:
    if kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"setting {name!r} must be true or false")
        return value
    if kind in ("float", "int"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"setting {name!r} must be a number")
        if kind == "int":
            if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
                raise ConfigError(f"setting {name!r} must be a whole number")
            return int(value)
        return float(value)
    if not isinstance(value, str):
        raise ConfigError(f"setting {name!r} must be text")
    return value


def default_config_path() -> Path | None:
    env = os.environ.get("CHATBOT_CONFIG")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    candidate = Path(base) / "chatbot" / "settings.toml"
    return candidate if candidate.is_file() else None


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Read settings from ``path`` (or the default place); unknown keys are an error, not ignored."""
    cfg = Path(path) if path else default_config_path()
    if cfg is None:
        return Settings()
    import tomllib

    from chatbot.infra.safefile import read_text

    try:
        data = tomllib.loads(read_text(cfg, MAX_SETTINGS_BYTES, "settings file"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"settings file {cfg} is not valid TOML: {exc}") from None
    except ValueError as exc:  # not found, not a regular file, too large, unreadable, not UTF-8
        raise ConfigError(str(exc)) from None
    known = {f.name: str(f.type) for f in fields(Settings)}
    values: dict[str, Any] = {}
    found: list[str] = []
    for key, value in data.items():
        if key not in known:
            found.append(f"unknown setting {key!r} in {cfg}")
            continue
        try:
            if key == "crisis_lines":
                values[key] = parse_crisis_lines(value, cfg)
                continue
            values[key] = _coerce(key, value, known[key])
        except ConfigError as exc:
            found.append(f"{cfg}: {exc}" if str(cfg) not in str(exc) else str(exc))
    if found:
        raise ConfigError("\n".join(found))
    for key in ("corpus", "vocabulary", "safety_rules", "cleaning_rules", "cache_dir"):
        if values.get(key):
            values[key] = str((cfg.parent / os.path.expanduser(values[key])).resolve())
    return validate(replace(Settings(), **values), str(cfg))
