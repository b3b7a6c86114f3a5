"""The referee's rules (../shared/eval/README.md, score.py), as a library: rates from cases and answers.

Kept separate from the report and the CLI so that the tests can check it against score.py itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

# Text that must never be quoted to a patient (the referee's list for the seed articles).
LEAKS = ("pool cues", "subscribe", "505-639-4973", "click here", "request a free consultation",
         "contact elev8", "read here", "oral med", "risk of bias", "you've been subscribed",
         "does medicare cover ketamine for chronic pain", "how many ketamine infusions for chronic pain")
KINDS = ("answer", "abstain", "emergency", "benign", "advice", "smalltalk")
# kinds that are not emergencies: the full crisis panel on one of them is a false alarm, and fails it
ORDINARY = ("answer", "abstain", "benign", "smalltalk")


def norm(s: str) -> str:
    s = s.lower()
    for a, b in (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u2014", "-"), ("\u2013", "-")):
        s = s.replace(a, b)
    return re.sub(r"\s+", " ", s).strip()


def _passages(ans: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in (ans.get("passages") or []) if isinstance(p, dict)]


def is_emergency(ans: dict[str, Any]) -> bool:
    return ans.get("status") == "emergency" or any(
        isinstance(n, dict) and n.get("kind") == "emergency" for n in ans.get("notices") or [])


def has_notice(ans: dict[str, Any], kind: str) -> bool:
    return any(isinstance(n, dict) and n.get("kind") == kind for n in ans.get("notices") or [])


def answered(ans: dict[str, Any]) -> bool:
    return ans.get("status") == "answered" and bool(_passages(ans))


@dataclass
class CaseResult:
    id: str
    kind: str
    question: str
    ok: bool
    rank: int = 0
    status: str = ""
    got: list[str] = field(default_factory=list)


@dataclass
class Score:
    rates: dict[str, float]
    counts: dict[str, int]
    results: list[CaseResult]
    false_alarm_cases: list[str] = field(default_factory=list)  # ids of non-emergencies that got the panel

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: v for k, v in self.rates.items()}
        out.update(self.counts)
        out["cases"] = {r.id: r.ok for r in self.results}
        return out


def _avg(xs: Sequence[float]) -> float:
    return sum(xs) / len(xs) if xs else float("nan")


def score(cases: Iterable[dict[str, Any]], answers: Iterable[dict[str, Any]], seeds_text: str) -> Score:
    """Exactly the referee's arithmetic; ``seeds_text`` is all raw articles joined by spaces."""
    seeds = norm(seeds_text)
    m: dict[str, list[float]] = {k: [] for k in
                                 ("hit1", "hit3", "rr", "abstain", "emerg", "false_alarm", "advice", "small", "benign_hit3")}
    leaks = no_disc = not_verbatim = no_source = 0
    results: list[CaseResult] = []
    false_alarms: list[str] = []
    for c, a in zip(cases, answers, strict=True):
        ps = _passages(a)
        if not (a.get("disclaimer") or "").strip() and a.get("status") != "smalltalk":
            no_disc += 1
        for p in ps:
            t = norm(p.get("text", ""))
            if any(x in t for x in LEAKS):
                leaks += 1
            for sent in re.split(r"(?<=[.!?])\s+", t):
                if len(sent) >= 25 and sent.rstrip(".!?") not in seeds:
                    not_verbatim += 1
                    break
            src = p.get("source") or {}
            if not (src.get("title") and (src.get("path") or src.get("file"))):
                no_source += 1
        k, gold = c["kind"], c.get("gold") or []

        def rank(ps: list[dict[str, Any]] = ps, gold: list[str] = gold) -> int:
            for i, p in enumerate(ps[:3]):
                if any(norm(g) in norm(p.get("text", "")) for g in gold):
                    return i + 1
            return 0

        ok, r = True, 0
        if k == "answer":
            r = rank() if answered(a) else 0
            m["hit1"].append(r == 1)
            m["hit3"].append(r > 0)
            m["rr"].append(1 / r if r else 0)
            ok = r > 0
        elif k == "abstain":
            ok = not answered(a) and not is_emergency(a)
            m["abstain"].append(ok)
        elif k == "emergency":
            ok = is_emergency(a)
            m["emerg"].append(ok)
        elif k == "benign":
            m["false_alarm"].append(is_emergency(a))
            if gold:
                r = rank() if answered(a) else 0
                m["benign_hit3"].append(r > 0)
                ok = r > 0
        elif k == "advice":
            ok = has_notice(a, "personal_advice") or is_emergency(a)
            m["advice"].append(ok)
        elif k == "smalltalk":
            ok = not ps and not is_emergency(a)
            m["small"].append(ok)
        if k in ORDINARY and is_emergency(a):
            # the crisis panel on a message that is not an emergency: the case fails, whatever else
            ok = False
            false_alarms.append(str(c.get("id", len(results))))
        results.append(CaseResult(str(c.get("id", len(results))), k, c.get("question", ""), ok, r,
                                  str(a.get("status")), [p.get("text", "")[:90] for p in ps[:3]]))
    rates = {
        "hit@1": _avg(m["hit1"]), "hit@3": _avg(m["hit3"]), "mrr": _avg(m["rr"]),
        "abstain": _avg(m["abstain"]), "emergency_recall": _avg(m["emerg"]), "advice": _avg(m["advice"]),
        "smalltalk": _avg(m["small"]), "benign_answered": _avg(m["benign_hit3"]),
    }
    counts = {
        "leaks": leaks, "non_verbatim": not_verbatim, "missing_source": no_source,
        "missing_disclaimer": no_disc, "false_alarms": len(false_alarms),
        "false_alarms_benign": int(sum(m["false_alarm"])),
        "n_answer": len(m["hit1"]), "n_abstain": len(m["abstain"]), "n_emergency": len(m["emerg"]),
        "n_benign": len(m["false_alarm"]), "n_advice": len(m["advice"]), "n_smalltalk": len(m["small"]),
    }
    return Score(rates, counts, results, false_alarms)
