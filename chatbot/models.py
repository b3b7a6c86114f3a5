"""Value objects that flow from the engine to the front ends, and their one JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STATUSES = ("answered", "no_answer", "emergency", "smalltalk", "invalid")


@dataclass(frozen=True)
class Source:
    """Where a quoted paragraph comes from."""

    title: str
    publisher: str
    section: str
    path: str
    paragraph: int
    kind: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "publisher": self.publisher,
            "section": self.section,
            "path": self.path,
            "paragraph": self.paragraph,
            "kind": self.kind,
        }

    def line(self) -> str:
        """A one-line human-readable citation."""
        section = f" › {self.section}" if self.section else ""
        return f"{self.title}{section} — {self.publisher} ({self.path}, paragraph {self.paragraph})"


@dataclass(frozen=True)
class Passage:
    """One cleaned paragraph of an article, quoted verbatim."""

    id: int
    text: str
    source: Source


@dataclass(frozen=True)
class Hit:
    """A passage and its BM25 score for one question."""

    passage: Passage
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.passage.text,
            "score": round(self.score, 4),
            "source": self.passage.source.to_dict(),
        }


@dataclass(frozen=True)
class Notice:
    """A message shown before any quotation: emergency, personal advice, out of scope, ..."""

    kind: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text}


CRISIS_NOTICES = frozenset({"emergency", "crisis_line"})
# How the front ends lay notices out. Most are a titled box before the answer; these are plain lines:
AFTER_ANSWER = frozenset({"crisis_line"})  # the calm crisis line, after the answer
LINE_BEFORE = frozenset({"comfort"})  # the warm line for distress without danger, before the answer


@dataclass(frozen=True)
class Answer:
    """Everything a front end needs to show one reply."""

    question: str
    status: str
    disclaimer: str
    hits: tuple[Hit, ...] = ()
    notices: tuple[Notice, ...] = ()
    message: str = ""
    suggestions: tuple[str, ...] = ()
    more: tuple[Hit, ...] = field(default=(), repr=False)
    terms: tuple[str, ...] = ()
    confidence: float = 0.0
    search: str = ""  # "hybrid" (keywords and meaning) or "keyword" (the sentence model was unavailable)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")
        if self.hits and self.status != "answered":
            raise ValueError("only an answered question may quote passages")

    @property
    def touches_crisis(self) -> bool:
        """Did this answer carry any crisis message, the full panel or the calm line? Such a message
        is never stored (history, unanswered record)."""
        return self.status == "emergency" or any(n.kind in CRISIS_NOTICES for n in self.notices)

    def more_page(self, shown: int, size: int = 3) -> tuple[Hit, ...]:
        """The next ``size`` further passages after ``shown`` of them (none unless answered)."""
        return self.more[shown:shown + size] if self.status == "answered" else ()

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON contract of PRODUCT.md (fields may be added, never renamed)."""
        return {
            "question": self.question,
            "status": self.status,
            "passages": [h.to_dict() for h in self.hits],
            "notices": [n.to_dict() for n in self.notices],
            "disclaimer": self.disclaimer,
            "message": self.message,
            "suggestions": list(self.suggestions),
            "confidence": round(self.confidence, 4),
            "search": self.search,
        }
