"""Opt-in record of questions that got no answer (chat only, never kiosk), so staff know which
articles to add.

Before a question is stored, what could identify the person is masked: names introduced as such
("my name is …", "I'm Jane", "this is Jane", Mr/Mrs/Ms/Dr + name), e-mail addresses (also spelled
out: "jane dot roe at gmail dot com"), phone numbers (also in words: "five five five one two …"),
record, chart, member and policy numbers, dates, street addresses and other long digit runs. Only
the masked question and the day are kept, in a 0600 file inside a 0700 folder, and lines older
than the retention limit (``unanswered_retention_days``, default 30) are dropped on every write.
A question can still hold other personal details (a diagnosis, a name typed without an
introduction): the README says so.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from chatbot.infra.locations import state_dir
from chatbot.infra.safefile import atomic_write, private_folder

FILE = "unanswered.jsonl"
DEFAULT_RETENTION_DAYS = 30
MAX_RECORD_BYTES = 16 * 1024 * 1024

_I = re.IGNORECASE
_DIGIT_WORDS = r"(?:zero|oh|o|one|two|three|four|five|six|seven|eight|nine|double|triple|\d)"
_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
           r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_STREET = (r"(?:street|st|avenue|ave|road|rd|lane|ln|drive|dr|boulevard|blvd|court|ct|way|place|pl|"
           r"terrace|close|crescent|square|sq|parkway|pkwy|highway|hwy|circle|cir)")
_AT = r"(?:\s*[\[(]\s*at\s*[\])]\s*|\s+at\s+|@)"
_DOT = r"(?:\s*[\[(]\s*dot\s*[\])]\s*|\s+dot\s+|\.)"
# Words that often follow "I'm" / "I am" / "this is" and are not names (lower-case input only).
_NOT_NAMES = frozenset("""
a an the not so very really quite still also just now currently already always never on in at from
with without over under about into here there back able unable sure unsure ok okay fine good bad
well better worse new old young female male married single pregnant allergic scared afraid worried
nervous anxious sick ill tired sore diabetic epileptic asthmatic bipolar depressed curious wondering
thinking trying going getting having taking feeling looking hoping planning considering interested
concerned confused due late early done finished ready allowed supposed meant told given booked
scheduled starting stopping struggling suffering living dealing coming seeing using doing being
what how why when where who which that it this my your his her their our because if but and or to
for of by as too much more less all both only""".split())

_MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    # e-mail addresses, written or spelled out ("jane dot roe at gmail dot com", "jane [at] x [dot] org")
    (re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)+", _I), "[email]"),
    (re.compile(rf"\b[\w+-]+(?:{_DOT}[\w+-]+)*{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}"
                r"(?:com|org|net|edu|gov|co|uk|us|ca|au|info|io|me|mail)\b", _I), "[email]"),
    # record, chart, member, policy numbers: the label and what follows it
    (re.compile(r"\b(?:mrn|medical record|record|chart|member(?:ship)?|patient|policy|account|insurance|"
                r"subscriber|nhs|ssn|social security|id)"
                r"(?:\s*(?:number|num|no\.?|nr|id|#))?\s*(?:is|:|#|=)?\s*[A-Z]*\d[\w-]*", _I), "[record number]"),
    # dates: 03/12/1980, 1980-03-12, March 3rd 1980, 3 March, the 3rd of March
    (re.compile(r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b"), "[date]"),
    (re.compile(rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}\.?(?:,?\s+\d{{2,4}})?"
                rf"|{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{2,4}})?"
                rf"|{_MONTHS}\s+\d{{4}})\b", _I), "[date]"),
    (re.compile(r"\b(?:born|dob|birthday|birth date|date of birth)\b[\s:]*(?:in|on|is)?\s*\d{2,4}\b", _I), "[date]"),
    # street addresses and postcodes
    (re.compile(rf"\b\d{{1,6}}[a-z]?\s+(?:[A-Za-z]+\s+){{1,4}}{_STREET}\b\.?", _I), "[address]"),
    (re.compile(r"\b(?:i live|living|live|address is|my address)\s+(?:at|on|in)?\s*\d{1,6}\b[^,.;!?]*", _I),
     "[address]"),
    (re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b"), "[postcode]"),
    # phone numbers: digits with separators, and numbers read out in words
    (re.compile(r"\+?\d[\d\s().-]{6,}\d"), "[number]"),
    (re.compile(rf"\b{_DIGIT_WORDS}(?:[\s,.-]+{_DIGIT_WORDS}){{3,}}\b", _I), "[number]"),
    (re.compile(r"\b\d{4,}\b"), "[number]"),
    # names with a title, and names introduced as names
    (re.compile(r"\b(?:mr|mrs|ms|miss|mx|dr|doctor|prof|professor|nurse|sir|madam)\.?\s+[A-Za-z][\w'-]*"
                r"(?-i:\s+[A-Z][\w'-]*)?", _I), "[name]"),
    (re.compile(r"\b(?:my name is|my name's|name is|call me|i go by|my names?)\s+[A-Za-z][\w'-]*"
                r"(?:\s+(?!and\b|i\b|but\b)[A-Za-z][\w'-]*)?", _I), "[name]"),
)
_INTRO = re.compile(r"\b(?:i'm|i’m|im|i am|this is|it's|it is)\s+(?P<name>[A-Za-z][\w'’-]*)(?P<rest>\s+[A-Z][\w'’-]*)?",
                    _I)
_NOT_NAME_SUFFIXES = ("ing", "ed", "ful", "ous", "ive", "ic", "al", "ly", "able", "ible", "ent", "ant", "less")


def _intro_name(match: re.Match[str]) -> str:
    """Mask the word after "I'm" / "this is" when it is likely a name (capitalised, or not a common
    word); keep "I'm worried", "this is normal"."""
    word = match.group("name")
    lower = word.lower()
    looks_common = lower in _NOT_NAMES or lower.endswith(_NOT_NAME_SUFFIXES) or len(lower) <= 2
    if looks_common and not (word[0].isupper() and lower not in _NOT_NAMES):
        return match.group(0)
    head = match.group(0)[: match.start("name") - match.start(0)]
    rest = match.group("rest") or ""
    tail = rest.strip().lower()
    if rest and (tail in _NOT_NAMES or tail.endswith(_NOT_NAME_SUFFIXES)):
        return f"{head}[name]{rest}"
    return f"{head}[name]"


def anonymise(question: str) -> str:
    """The question with personal details masked, lower-cased, on one line, at most 300 characters."""
    for pattern, mask in _MASKS:
        question = pattern.sub(mask, question)
    question = _INTRO.sub(_intro_name, question)
    return " ".join(question.lower().split())[:300]


def _read_lines(path: Path) -> tuple[list[dict[str, Any]], int]:
    """The records of the file, and how many lines were unreadable (not UTF-8, not JSON, wrong shape)."""
    from chatbot.infra.safefile import read_regular

    try:
        raw = read_regular(path, MAX_RECORD_BYTES)
    except FileNotFoundError:
        return [], 0
    rows: list[dict[str, Any]] = []
    bad = 0
    for line in raw.split(b"\n"):
        if not line.strip():
            continue
        try:
            row = json.loads(line.decode("utf-8"))
            if not isinstance(row, dict) or not isinstance(row.get("q"), str) or not isinstance(row.get("day"), str):
                raise ValueError
            dt.date.fromisoformat(row["day"])
        except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            bad += 1
            continue
        rows.append(row)
    return rows, bad


def record_unanswered(question: str, retention_days: int = DEFAULT_RETENTION_DAYS,
                      today: dt.date | None = None) -> None:
    """Add the masked question, dropping records older than ``retention_days`` (never raises)."""
    today = today or dt.date.today()
    oldest = today - dt.timedelta(days=retention_days)
    try:
        path = private_folder(state_dir()) / FILE
        try:
            rows, _ = _read_lines(path)
        except (OSError, ValueError):
            rows = []  # an unusable file is replaced
        kept = [r for r in rows if dt.date.fromisoformat(r["day"]) > oldest]
        kept.append({"q": anonymise(question), "day": today.isoformat()})
        body = "".join(json.dumps({"q": r["q"], "day": r["day"]}) + "\n" for r in kept).encode("utf-8")
        atomic_write(path, lambda fh: fh.write(body))  # created 0600
    except OSError:
        pass  # never let bookkeeping break a patient's conversation


def read_unanswered(top: int = 20) -> tuple[list[tuple[str, int]], int]:
    """The ``top`` most frequent questions and the number of unreadable lines skipped."""
    path = state_dir() / FILE
    rows, bad = _read_lines(path)
    counts: Counter[str] = Counter(r["q"] for r in rows)
    return counts.most_common(top), bad


def most_frequent(top: int = 20) -> list[tuple[str, int]]:
    return read_unanswered(top)[0]
