"""Crisis and emergency lines in words: the phrases that the crisis messages, the welcome, the banners
and the kiosk are built from, so that every number and every "call" or "text" comes from settings.

A clinic configures ``[[crisis_lines]]`` (name, number, call/text/both); without them the four
legacy settings (``emergency_number``, ``crisis_line``, ``crisis_line_name``, ``poison_control``)
give the US defaults.
"""

from __future__ import annotations

from chatbot.config import CrisisLine, Settings

VERB = {"call": "call", "text": "text", "both": "call or text"}


def lines(settings: Settings) -> tuple[CrisisLine, ...]:
    """The configured lines, or the ones the legacy settings describe."""
    if settings.crisis_lines:
        return settings.crisis_lines
    s = settings
    return (
        CrisisLine("emergency", "emergency services", s.emergency_number, "call"),
        CrisisLine("crisis", s.crisis_line_name, s.crisis_line, "both", note="free, 24 hours"),
        CrisisLine("poison", "Poison Control", s.poison_control, "call", note="free, 24 hours"),
    )


def reach(line: CrisisLine, named: bool = True) -> str:
    """'call or text 988 (988 Suicide & Crisis Lifeline)', 'text SHOUT to 85258 (Shout)', 'call 999'."""
    if line.reach == "text" and line.keyword:
        how = f"text {line.keyword} to {line.number}"
    elif line.reach == "both" and line.keyword:
        how = f"call {line.number} or text {line.keyword} to it"
    else:
        how = f"{VERB[line.reach]} {line.number}"
    about = "; ".join(x for x in ((line.name if named else ""), line.note) if x)
    return f"{how} ({about})" if about else how


def _join(parts: list[str]) -> str:
    return ", or ".join(parts)


def _of(role: str, settings: Settings) -> list[CrisisLine]:
    return [line for line in lines(settings) if line.role == role]


def emergency_contact(settings: Settings) -> str:
    return _join([reach(line, named=False) for line in _of("emergency", settings)])


def crisis_contacts(settings: Settings) -> str:
    found = _of("crisis", settings)
    return _join([reach(line) for line in found]) if found else emergency_contact(settings)


def poison_contact(settings: Settings) -> str:
    found = _of("poison", settings) or _of("urgent", settings)
    return _join([reach(line) for line in found]) if found else emergency_contact(settings)


def _first_number(role: str, settings: Settings, fallback: str) -> tuple[str, str]:
    found = _of(role, settings)
    return (found[0].number, found[0].name) if found else (fallback, "")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def message_values(settings: Settings) -> dict[str, str]:
    """Placeholders for the crisis message templates in ``data/safety.toml`` [messages]."""
    s = settings
    emergency = emergency_contact(s)
    crisis = crisis_contacts(s)
    poison = poison_contact(s)
    emergency_number, _ = _first_number("emergency", s, s.emergency_number)
    crisis_number, crisis_name = _first_number("crisis", s, emergency_number)
    poison_number, _ = _first_number("poison", s, _first_number("urgent", s, emergency_number)[0])
    return {
        # the legacy placeholders, kept for clinics' own copies of safety.toml
        "emergency_number": emergency_number, "crisis_line": crisis_number,
        "crisis_line_name": crisis_name or crisis_number, "poison_control": poison_number,
        "clinic_name": s.clinic_name, "staff_hint": s.staff_hint,
        # whole phrases with the right verb for each line: "call 911", "text SHOUT to 85258 (Shout)"
        "emergency_contact": emergency, "Emergency_contact": _cap(emergency),
        "crisis_contacts": crisis, "Crisis_contacts": _cap(crisis),
        "poison_contact": poison, "Poison_contact": _cap(poison),
    }


def banner(settings: Settings) -> str:
    """The one crisis sentence on the welcome screens (wrapped, never cut, by the renderer)."""
    return (f"In danger or thinking of harming yourself? {_cap(emergency_contact(settings))} now, "
            f"or {crisis_contacts(settings)}.")
