"""Clean published articles into quotable passages, deterministically, with a report of every removal.

Steps, in order, for each article:
1. split the text into blocks (one line each; a hard-wrapped paragraph is joined back together);
2. tell headings from paragraphs, and split inline "- Heading" bullets off the end of a paragraph;
3. drop title lines, repeated paragraphs, and blocks matched by the rules in ``data/cleaning.toml``
   (boilerplate, calls to action, contact details, self-promotion);
4. strip keyword spam glued after a paragraph's last sentence;
5. split a paragraph longer than ``MAX_PASSAGE_CHARS`` at sentence boundaries (a text with no blank
   lines must not become one passage of thousands of lines);
6. keep a list whole: its items ("- Sciatica", "2) Rest for a day"), with the line that leads into it
   ("Common side effects include:"), become one passage, item lines as published. An item is never
   dropped as "too short" and never taken for a heading; a lead-in is never a passage on its own.
Each kept passage remembers its section heading and its paragraph number in the published article.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from chatbot.data import DATA_DIR
from chatbot.errors import ConfigError

_TERMINAL = ".!?"
_CLOSERS = "\"'”’)]"
_INLINE_HEADING = re.compile(r"\s+[-–•]\s+(?P<head>[A-Z][\w’'-]*(?:\s+[\w’'&-]+){0,7})\s*$")
_SPAM_TAIL = re.compile(r"^(?P<body>.*[.!?][\"'”’)\]]*)\s+(?P<tail>[^.!?]+)$", re.S)
_BULLET = re.compile(r"^(?:[-*•>▪◦‣●○–➢►▸▹✓✔◆◇■□·→]|\d{1,2}[.)]|[a-z][.)])\s+\S")
_SMALL_WORDS = {"a", "an", "and", "as", "at", "for", "in", "of", "on", "or", "the", "to", "vs", "with", "by"}
MAX_SPAM_WORDS = 8
MIN_PASSAGE_WORDS = 4
MAX_PASSAGE_CHARS = 2000  # the longest seed paragraph has about 1,000
PACK_CHARS = 700  # consecutive paragraphs of one section are quoted together up to this length
MAX_RULES_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Rule:
    name: str
    reason: str
    pattern: re.Pattern[str]
    applies_to: str = "any"
    unless: re.Pattern[str] | None = None  # a block this matches is kept, whatever ``pattern`` says


@dataclass(frozen=True)
class CleanPassage:
    text: str
    section: str
    paragraph: int


@dataclass(frozen=True)
class Removal:
    line: int
    reason: str
    text: str


@dataclass(frozen=True)
class CleanResult:
    passages: tuple[CleanPassage, ...]
    removals: tuple[Removal, ...]
    joined: tuple[Removal, ...] = ()  # what was kept together, and why (lists with their lead-in)


def load_rules(path: str | Path | None = None) -> tuple[Rule, ...]:
    """Read cleaning rules from ``path`` or the bundled ``data/cleaning.toml``."""
    try:
        if path:
            from chatbot.infra.safefile import read_text

            text = read_text(Path(path), MAX_RULES_BYTES, "cleaning rules file")
        else:
            text = (DATA_DIR / "cleaning.toml").read_text(encoding="utf-8")
        data = tomllib.loads(text)
        rules = []
        for entry in data.get("rule", []):
            rules.append(
                Rule(
                    name=str(entry["name"]),
                    reason=str(entry["reason"]),
                    pattern=re.compile(entry["pattern"], re.IGNORECASE),
                    applies_to=str(entry.get("applies_to", "any")),
                    unless=re.compile(entry["unless"], re.IGNORECASE) if entry.get("unless") else None,
                )
            )
        return tuple(rules)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, re.error) as exc:
        raise ConfigError(f"cleaning rules {path or 'data/cleaning.toml'} are unusable: {exc}") from None


def fold(text: str) -> str:
    """Lower case, straight quotes and dashes, single spaces: for comparing blocks."""
    text = text.lower()
    for a, b in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("—", "-"), ("–", "-")):
        text = text.replace(a, b)
    return " ".join(text.split())


def _ends_sentence(text: str) -> bool:
    return text.rstrip(_CLOSERS)[-1:] in _TERMINAL if text.strip() else False


def is_heading(line: str) -> bool:
    """A short line that is a title rather than a sentence."""
    text = line.strip()
    if text.startswith("#"):
        return True
    text = text.lstrip("-*•").strip()
    if not text or len(text) > 120 or len(text.split()) > 15:
        return False
    if text[0].islower() or text.rstrip(_CLOSERS)[-1:] in ".!,;:":
        return False
    # a heading is one phrase: no sentence break inside it
    return re.search(r"[.!?]\s+[A-Z]", text) is None


def _heading_text(line: str) -> str:
    return line.strip().lstrip("#").strip().lstrip("-*•").strip()


def _title_like(phrase: str) -> bool:
    words = [w for w in phrase.split() if w.lower() not in _SMALL_WORDS]
    return bool(words) and sum(w[0].isupper() for w in words) / len(words) >= 0.6


def _heading_lines(lines: list[str]) -> bool:
    """``is_heading`` of the lines joined, without joining a long block (a heading is short)."""
    return sum(len(x) + 1 for x in lines) <= 121 and is_heading(" ".join(lines))


def wrap_width(lines: list[str]) -> int:
    """The width an article's text was hard-wrapped at (a leaflet copied out of a PDF: lines cut
    mid-sentence, "TENS can be used for the treatment of both chronic and" / "acute pain."), or 0
    when it was not: at least four lines, and a fifth of all, that end mid-sentence with the next
    line going on in lower case. The width is the 80th percentile of the line lengths."""
    pairs = cut = 0
    for a, b in pairwise(lines):
        if a and b:
            pairs += 1
            cut += not _ends_sentence(a) and b[0].islower()
    if cut < 4 or cut * 5 < pairs:
        return 0
    lengths = sorted(len(x) for x in lines if x)
    return lengths[int(0.8 * (len(lengths) - 1))]


def _blocks(text: str) -> list[tuple[int, str]]:
    """(line number, text) for each non-blank line, joining hard-wrapped paragraph lines.

    In text hard-wrapped at a width (``wrap_width``), a line that fills the width goes on in the next
    line whatever its case ("...the pain centre in the brain." / "TENS can be used..."), unless the
    next line is a list item: so a paragraph of a leaflet stays one paragraph, not one a sentence."""
    lines = [line.strip() for line in text.split("\n")]
    width = wrap_width(lines)
    blocks: list[tuple[int, list[str]]] = []  # the lines of a block, joined once at the end (linear time)
    for number, stripped in enumerate(lines, start=1):
        if not stripped:
            blocks.append((number, []))
            continue
        last = blocks[-1][1] if blocks else []
        wrapped = bool(width) and bool(last) and len(last[-1]) >= 0.75 * width and not is_item(stripped) \
            and not _lead_in(last[-1]) and not (len(last) == 1 and is_heading(last[0]) and _title_like(last[0]))
        if last and (wrapped or stripped[0].islower() and not _ends_sentence(last[-1])
                     and (is_item(last[0]) or not _heading_lines(last) or bool(width))):  # a wrapped list item too
            last.append(stripped)
        else:
            blocks.append((number, [stripped]))
    return [(number, " ".join(lines)) for number, lines in blocks if lines]


def strip_spam_tail(text: str) -> tuple[str, str]:
    """Split keyword spam glued after the last sentence: (paragraph, spam or "")."""
    match = _SPAM_TAIL.match(text)
    if not match:
        return text, ""
    tail = match.group("tail").strip()
    if len(tail.split()) > MAX_SPAM_WORDS:
        return text, ""
    return match.group("body").rstrip(), tail


def split_inline_heading(text: str) -> tuple[str, str]:
    """Split "… pain. - Rapid Onset of Action" into (paragraph, heading) or (text, "")."""
    match = _INLINE_HEADING.search(text)
    if not match or not _title_like(match.group("head")):
        return text, ""
    body = text[: match.start()].rstrip()
    if not body:
        return text, ""
    return body, match.group("head").strip()


def _rule_for(rules: tuple[Rule, ...], text: str, kind: str) -> Rule | None:
    for rule in rules:
        if rule.applies_to in ("any", kind) and rule.pattern.search(text) \
                and not (rule.unless is not None and rule.unless.search(text)):
            return rule
    return None


_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+")


def sentences(text: str) -> list[str]:
    """A paragraph's sentences (a closing quote or bracket stays with its sentence)."""
    return _SENTENCE_END.split(text)


def split_long(text: str, limit: int = MAX_PASSAGE_CHARS) -> list[str]:
    """``text`` cut into pieces of at most ``limit`` characters, at sentence boundaries where it can be
    (a sentence longer than the limit is cut between words, a word longer than it anywhere). Each
    piece is an exact slice of ``text``: quotations stay verbatim."""
    if len(text) <= limit:
        return [text]
    spans: list[tuple[int, int]] = []  # each sentence, closing quotes included, spaces excluded
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.start() + len(m.group(0).rstrip())
        spans.append((start, end))
        start = m.end()
    spans.append((start, len(text)))
    pieces: list[str] = []
    lo: int | None = None
    hi = 0
    for s_lo, s_hi in spans:
        if lo is not None and s_hi - lo > limit:
            pieces.append(text[lo:hi])
            lo = None
        while s_hi - s_lo > limit:  # one sentence longer than the limit
            cut = text.rfind(" ", s_lo, s_lo + limit + 1)
            cut = cut if cut > s_lo else s_lo + limit
            pieces.append(text[s_lo:cut].rstrip())
            s_lo = cut
            while s_lo < s_hi and text[s_lo] == " ":
                s_lo += 1
        if lo is None:
            lo = s_lo
        hi = s_hi
    if lo is not None and hi > lo:
        pieces.append(text[lo:hi])
    return [p for p in pieces if p]


def _split_keyword_sentences(body: str, spam: set[str]) -> tuple[list[str], list[str]]:
    """Cut out sentences that are only a spam phrase ("For example, does medicare cover … pain?").

    Returns the remaining runs of whole sentences (each quoted as its own passage, so no quotation
    ever has a hole in it) and the sentences removed.
    """
    if not spam:
        return [body], []
    runs: list[str] = []
    removed: list[str] = []
    start = 0
    pieces = []
    for m in _SENTENCE_END.finditer(body):
        pieces.append((start, m.start()))
        start = m.end()
    pieces.append((start, len(body)))
    run_start: int | None = None
    run_end = 0
    for lo, hi in pieces:
        sentence = body[lo:hi]
        key = fold(sentence).rstrip(".!?\"' ")
        is_spam = any(key.endswith(p) and len(key.split()) - len(p.split()) <= 3 for p in spam)
        if is_spam:
            if run_start is not None:
                runs.append(body[run_start:run_end])
            run_start = None
            removed.append(sentence)
        else:
            if run_start is None:
                run_start = lo
            run_end = hi
    if run_start is not None:
        runs.append(body[run_start:run_end])
    return runs, removed


SENTENCE_RULES = ("contact-details", "call-to-action")  # rules that may take out one sentence only


def _without_rule_sentences(body: str, rules: tuple[Rule, ...]) -> tuple[list[str], list[tuple[str, str]]] | None:
    """A paragraph of three or more sentences of which at most a third match a contact or
    call-to-action rule (and no other rule): the runs of the other sentences, and what was dropped.
    None when the whole paragraph goes."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(body):
        spans.append((start, m.start() + len(m.group(0).rstrip())))
        start = m.end()
    spans.append((start, len(body)))
    if len(spans) < 3:
        return None
    verdicts = [_rule_for(rules, body[lo:hi], "paragraph") for lo, hi in spans]
    bad = [v for v in verdicts if v is not None]
    if not bad or len(bad) * 3 > len(spans) or any(v.name not in SENTENCE_RULES for v in bad):
        return None
    runs: list[str] = []
    dropped: list[tuple[str, str]] = []
    run: tuple[int, int] | None = None
    for (lo, hi), v in zip(spans, verdicts, strict=True):
        if v is None:
            run = (run[0], hi) if run else (lo, hi)
            continue
        dropped.append((body[lo:hi], v.reason))
        if run:
            runs.append(body[run[0]:run[1]])
        run = None
    if run:
        runs.append(body[run[0]:run[1]])
    return runs, dropped


def spam_phrases(text: str) -> set[str]:
    """Keyword phrases glued as spam after paragraphs anywhere in the article."""
    found = set()
    for _, block in _blocks(text):
        if not is_heading(block):
            _, spam = strip_spam_tail(split_inline_heading(block)[0])
            if spam:
                found.add(fold(spam))
    return found


def is_item(block: str) -> bool:
    """A list item: a line that starts with a bullet or an item number."""
    return _BULLET.match(block) is not None


def _marker(block: str) -> str:
    """The kind of a list item's marker: a numbered list and a bulleted one are two lists."""
    c = block.lstrip()[:1]
    return "number" if c.isdigit() else "letter" if c.isalpha() else "bullet"


def _lead_in(block: str) -> bool:
    return block.rstrip().endswith(":") and not is_item(block)


def lists(blocks: list[tuple[int, str]]) -> dict[int, int]:
    """Where the lists are: block index of a list's first line (its lead-in, if it has one) -> the
    index after its last item. A list is two or more items in a row with the same kind of marker,
    or what follows a lead-in (a line ending with a colon): its marked items, or else the short lines
    after it (items written without markers), or else the one paragraph after it. A lone bullet
    line with no lead-in stays what it was (a heading written as "- Rapid Onset of Action")."""
    out: dict[int, int] = {}
    i = 0
    while i < len(blocks):
        text = blocks[i][1]
        if _lead_in(text) and i + 1 < len(blocks) and not is_item(blocks[i + 1][1]):
            j = i + 1
            while j < len(blocks) and j - i <= 25 and len(blocks[j][1].split()) <= 15 \
                    and not _lead_in(blocks[j][1]) and not is_item(blocks[j][1]) \
                    and not (blocks[j][1].endswith("?") and is_heading(blocks[j][1])):  # "What is TENS?" ends it
                j += 1
            out[i] = j if j > i + 1 else i + 2  # short unmarked items, or the one paragraph after it
            i = out[i]
            continue
        if not is_item(text):
            i += 1
            continue
        j = i
        kind = _marker(text)
        while j < len(blocks) and is_item(blocks[j][1]) and _marker(blocks[j][1]) == kind:
            j += 1
        lead = i - 1 if i > 0 and _lead_in(blocks[i - 1][1]) else None
        if j - i >= 2 or lead is not None:
            out[lead if lead is not None else i] = j
        i = j
    return out


def _list_passages(items: list[str], lead: str | None) -> list[str]:
    """The list as passages of at most MAX_PASSAGE_CHARS: the lead-in and its items, line by line."""
    lines = ([lead] if lead else []) + items
    out: list[str] = []
    current: list[str] = []
    for line in lines:
        for piece in split_long(line):
            if current and sum(len(x) + 1 for x in current) + len(piece) > MAX_PASSAGE_CHARS:
                out.append("\n".join(current))
                current = []
            current.append(piece)
    if current:
        out.append("\n".join(current))
    return out


def clean_text(text: str, title: str, rules: tuple[Rule, ...]) -> CleanResult:
    """Clean one article's text. Deterministic: the same text and rules give the same passages."""
    passages: list[CleanPassage] = []
    removals: list[Removal] = []
    joined: list[Removal] = []
    seen: dict[str, int] = {}
    section = ""
    paragraph = 0
    at_start = True
    title_key = fold(title)
    spam_set = spam_phrases(text)
    blocks = _blocks(text)
    list_at = lists(blocks)
    skip_to = 0
    first_line: dict[int, int] = {}  # paragraph number -> its line in the article
    edges: list[tuple[bool, bool]] = []  # per passage: it starts, and it ends, where its block does
    for index, (line_no, block) in enumerate(blocks):
        if index < skip_to:
            continue
        if index in list_at:
            skip_to = list_at[index]
            at_start = False
            paragraph += 1
            first_line[paragraph] = line_no
            lead: str | None = None
            items: list[str] = []
            for k, (n, line) in enumerate(blocks[index:skip_to]):
                rule = _rule_for(rules, line, "paragraph")
                if rule:
                    removals.append(Removal(n, rule.reason, line))
                elif k == 0 and _lead_in(line):
                    lead = line
                else:
                    items.append(line)
            if not items:
                continue
            key = fold("\n".join(([lead] if lead else []) + items))
            if key in seen:
                removals.append(Removal(line_no, f"repeats paragraph {seen[key]}", "\n".join(items)))
                continue
            seen[key] = paragraph
            joined.append(Removal(line_no, f"a list kept whole: {len(items)} items"
                                  + (" with the line that leads into it" if lead else ""), lead or items[0]))
            pieces = _list_passages(items, lead)
            intact = len(items) + (lead is not None) == skip_to - index  # no line of it removed
            for n, piece in enumerate(pieces):
                edges.append((intact and n == 0, intact and n == len(pieces) - 1))
                passages.append(CleanPassage(piece, section, paragraph))
            continue
        if is_heading(block):
            heading = _heading_text(block)
            key = fold(heading)
            if at_start and (key == title_key or title_key.startswith(key)):
                removals.append(Removal(line_no, "title line (shown as the source, not quoted)", heading))
                continue
            at_start = False
            rule = _rule_for(rules, heading, "heading")
            if rule:
                removals.append(Removal(line_no, rule.reason, heading))
                section = ""
                continue
            section = heading
            continue
        at_start = False
        paragraph += 1
        first_line[paragraph] = line_no
        body, next_heading = split_inline_heading(block)
        body, spam = strip_spam_tail(body)
        rule = _rule_for(rules, body, "paragraph")
        key = fold(body)
        kept_runs = _without_rule_sentences(body, rules) if rule else None
        if rule and kept_runs is not None:
            # an instruction with a phone number or a "contact us" in one sentence: only that
            # sentence goes ("go to the ER ... or call 555-…" keeps "go to the ER")
            runs, dropped = kept_runs
            for sentence, reason in dropped:
                removals.append(Removal(line_no, reason + " (that sentence only)", sentence))
            paragraph_kept = False
            for run in runs:
                for piece in split_long(run):
                    if len(piece.split()) >= MIN_PASSAGE_WORDS:
                        edges.append((False, False))
                        passages.append(CleanPassage(piece, section, paragraph))
                        paragraph_kept = True
            if paragraph_kept:
                seen[key] = paragraph
        elif rule:
            removals.append(Removal(line_no, rule.reason, block))
        elif key in seen:
            removals.append(Removal(line_no, f"repeats paragraph {seen[key]}", body))
        elif len(body.split()) < MIN_PASSAGE_WORDS:
            removals.append(Removal(line_no, "too short to answer anything", body))
        elif _lead_in(body) and not next_heading and (index + 1 == len(blocks) or is_heading(blocks[index + 1][1])):
            # "You may experience any of the following side effects:" at the end of a page cut short
            removals.append(Removal(line_no, "leads into a list that is not there", body))
        else:
            if spam:
                removals.append(Removal(line_no, "keyword spam glued to the end of a paragraph", spam))
            seen[key] = paragraph
            runs, stuffed = _split_keyword_sentences(body, spam_set)
            for sentence in stuffed:
                removals.append(Removal(line_no, "keyword-stuffed sentence (repeats a spam phrase)", sentence))
            # a piece starts (ends) where the published paragraph does, less any keyword spam
            pieces = [piece for run in runs for piece in split_long(run)]
            for k, piece in enumerate(pieces):
                if len(piece.split()) >= MIN_PASSAGE_WORDS:
                    edges.append((k == 0 and body.startswith(piece), k == len(pieces) - 1 and body.endswith(piece)))
                    passages.append(CleanPassage(piece, section, paragraph))
        if next_heading:
            removals.append(Removal(line_no, "inline heading split into its own heading", next_heading))
            section = next_heading
    packed, together = pack(passages, edges, first_line)
    return CleanResult(packed, tuple(removals), tuple(joined) + together)


def pack(passages: list[CleanPassage], edges: list[tuple[bool, bool]], lines: dict[int, int],
         limit: int = PACK_CHARS) -> tuple[tuple[CleanPassage, ...], tuple[Removal, ...]]:
    """Consecutive paragraphs of one section as one passage while it stays within ``limit`` characters:
    a short paragraph is rarely a whole answer ("It can last for weeks." after the paragraph that
    says what "it" is). Two passages are packed only when they are blocks that follow each other in
    the article, the first ending where its block ends and the second starting where its block starts
    (``edges``; keyword spam cut from a paragraph does not count, a sentence with a phone number does),
    and the first ends a sentence: a passage is the article's own words in the article's order. It
    keeps its first paragraph's number; ``lines`` gives each paragraph's line, for the cleaning report."""
    out: list[CleanPassage] = []
    told: list[Removal] = []
    last = -2  # the paragraph number of the last block packed into out[-1]; -2 when it does not end there
    for k, p in enumerate(passages):
        prev = out[-1] if out else None
        if prev is not None and edges[k][0] and p.section == prev.section and p.paragraph == last + 1 \
                and _ends_sentence(prev.text) and len(prev.text) + 1 + len(p.text) <= limit:
            out[-1] = CleanPassage(prev.text + "\n" + p.text, prev.section, prev.paragraph)
            told.append(Removal(lines.get(p.paragraph, 0), f"packed with paragraph {prev.paragraph} (one section, "
                                f"{len(out[-1].text)} characters of at most {limit})", p.text))
        else:
            out.append(p)
        last = p.paragraph if edges[k][1] else -2
    return tuple(out), tuple(told)
