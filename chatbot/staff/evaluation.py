"""`chatbot eval`: scripted Q&A testing for clinic staff.

Case files (``.jsonl``, one JSON object a line, documented in docs/eval-cases.md) are scored with
the referee's rules (``scoring.py``); a line that is not a valid case stops the run with its file and
line (exit 2). ``chatbot eval --example`` prints a small case file to start from. Conversation
scripts (``.conv``) check multi-turn flows:

    # a comment
    > how long does the drip take
    status: answered
    contains: 40 minutes
    > /more
    status: more
    > I don't want to be here anymore
    status: emergency
    notice: emergency
    not: Quote

Each ``> line`` is what the patient types; the lines under it are what must hold for that turn:
``status:``, ``contains:`` (in the quotes, message or notices, case-insensitive), ``not:``,
``source:`` (part of a quoted file path) and ``notice:`` (a notice kind).
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text

from chatbot.engine import Engine
from chatbot.errors import UsageError
from chatbot.models import Answer, Hit
from chatbot.staff.scoring import KINDS, Score, score

RATE_FLAGS = {"hit1": "hit@1", "hit3": "hit@3", "mrr": "mrr", "abstain": "abstain",
              "emergency": "emergency_recall", "advice": "advice", "smalltalk": "smalltalk",
              "conversations": "conversations"}
MORE = {"/more", "more", "tell me more"}
EXAMPLE = "example-cases.jsonl"


@dataclass
class Turn:
    said: str
    expect: list[tuple[str, str]] = field(default_factory=list)
    line: int = 0


@dataclass
class TurnResult:
    script: str
    turn: Turn
    status: str
    failures: list[str]


def parse_script(text: str, name: str) -> list[Turn]:
    turns: list[Turn] = []
    for no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(">"):
            turns.append(Turn(line[1:].strip(), line=no))
            continue
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep or key not in ("status", "contains", "not", "source", "notice") or not turns:
            raise UsageError(f"{name}:{no}: expected '> question' or 'status|contains|not|source|notice: …'")
        turns[-1].expect.append((key, value.strip()))
    if not turns:
        raise UsageError(f"{name}: no turns ('> question' lines)")
    return turns


def run_script(engine: Engine, turns: list[Turn], name: str) -> list[TurnResult]:
    results = []
    last: Answer | None = None
    shown = 0
    for turn in turns:
        said = " ".join(turn.said.lower().split()).rstrip(".!?")
        hits: tuple[Hit, ...]
        if said in MORE:
            hits = last.more_page(shown) if last is not None else ()
            shown += len(hits)
            status, extra = ("more" if hits else "no_more"), ""
            notices: tuple[str, ...] = ()
            body_notices = ""
        else:
            last, shown = engine.ask(turn.said), 0
            status, hits, extra = last.status, last.hits, last.message
            notices = tuple(n.kind for n in last.notices)
            body_notices = " ".join(n.text for n in last.notices)
        body = " ".join([h.passage.text for h in hits] + [extra, body_notices]).lower()
        paths = [h.passage.source.path for h in hits]
        failures = []
        for key, value in turn.expect:
            v = value.lower()
            if key == "status" and status != value:
                failures.append(f"status {status}, expected {value}")
            elif key == "contains" and v not in body:
                failures.append(f"does not contain {value!r}")
            elif key == "not" and v in body:
                failures.append(f"contains {value!r}")
            elif key == "source" and not any(value in p for p in paths):
                failures.append(f"no quote from {value!r}")
            elif key == "notice" and value not in notices:
                failures.append(f"no {value} notice")
        results.append(TurnResult(name, turn, status, failures))
    return results


def raw_article_text(folder: Path) -> str:
    """All raw articles, as the referee reads the seeds: for the verbatim check. Read as the loader
    reads them (regular files only, never blocking) and with the same escapes and controls removed."""
    from chatbot.articles.corpus import scan
    from chatbot.infra.sanitise import clean_text

    parts = []
    for raw in scan(folder).files:
        if raw.data is not None:
            try:
                parts.append(clean_text(raw.data.decode("utf-8-sig")))
            except UnicodeDecodeError:
                continue
    return " ".join(parts)


MAX_CASES_BYTES = 64 * 1024 * 1024


def _read_input(path: Path, what: str) -> str:
    """A cases file, script or saved result: a regular UTF-8 file only (a FIFO or device never hangs)."""
    from chatbot.infra.safefile import read_text
    from chatbot.infra.sanitise import clean_line

    try:
        return read_text(path, MAX_CASES_BYTES, what)
    except ValueError as exc:
        raise UsageError(clean_line(str(exc))) from None


def _case_problem(case: Any) -> str:
    """What is wrong with one parsed case line, or '' if nothing."""
    if not isinstance(case, dict):
        return "a case must be a JSON object"
    kind, question, gold = case.get("kind"), case.get("question"), case.get("gold")
    if kind not in KINDS:
        return f"unknown kind {kind!r} (expected one of {', '.join(KINDS)})"
    if not isinstance(question, str) or not question.strip():
        return "'question' must be non-empty text"
    if gold is not None and not (isinstance(gold, list) and all(isinstance(g, str) and g.strip() for g in gold)):
        return "'gold' must be a list of phrases (or null)"
    if kind == "answer" and not gold:
        return "an 'answer' case needs 'gold': phrases, one of which the right passage contains"
    return ""


def read_cases(path: Path) -> list[dict[str, Any]]:
    """Every case of a ``.jsonl`` file; any problem is one error naming the file and line (exit 2), so
    a release check never passes on cases it silently skipped."""
    cases = []
    lines = _read_input(path, "cases file").splitlines()
    for no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except ValueError as exc:
            raise UsageError(f"{path}:{no}: not valid JSON ({exc})") from None
        problem = _case_problem(case)
        if problem:
            raise UsageError(f"{path}:{no}: {problem}")
        case.setdefault("id", f"{path.stem}:{no}")
        cases.append(case)
    if not cases:
        raise UsageError(f"{path}:1: no cases in the file (one JSON object a line)")
    return cases


def example_cases() -> str:
    """The small example case file installed with the package (``chatbot eval --example``)."""
    from importlib.resources import files

    return files("chatbot.data").joinpath(EXAMPLE).read_text(encoding="utf-8")


def _clean(x: float) -> float | None:
    return None if isinstance(x, float) and math.isnan(x) else round(x, 4)


def summary(result: Score | None, turns: list[TurnResult]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if result is not None:
        out.update({k: _clean(v) for k, v in result.rates.items()})
        out.update(result.counts)
        out["cases"] = {r.id: r.ok for r in result.results}
        out["false_alarm_cases"] = result.false_alarm_cases
    if turns:
        ok = sum(not t.failures for t in turns)
        out["conversations"] = round(ok / len(turns), 4)
        out["turns"] = {f"{t.script}:{t.turn.line}": not t.failures for t in turns}
    return out


def compare(previous: dict[str, Any], current: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    better: list[str] = []
    worse: list[str] = []
    rates: list[str] = []
    for key in ("cases", "turns"):
        before, now = previous.get(key, {}), current.get(key, {})
        for case_id, ok in now.items():
            if case_id in before and before[case_id] != ok:
                (better if ok else worse).append(case_id)
    for k, v in current.items():
        p = previous.get(k)
        if isinstance(v, int | float) and isinstance(p, int | float) and not isinstance(v, bool) and v != p:
            rates.append(f"{k}: {p} → {v}")
    return better, worse, rates


def print_report(console: Any, result: Score | None, turns: list[TurnResult], data: dict[str, Any]) -> None:
    if result is not None:
        alarms = set(data.get("false_alarm_cases", []))
        table = Table(title="Scripted Q&A", title_justify="left")
        for col in ("measure", "value", "cases"):
            table.add_column(col)
        c = result.counts
        for label, key, n in (("right passage first (hit@1)", "hit@1", c["n_answer"]),
                              ("right passage in top 3 (hit@3)", "hit@3", c["n_answer"]),
                              ("MRR over the top three", "mrr", c["n_answer"]),
                              ("abstains when it should", "abstain", c["n_abstain"]),
                              ("emergency recall", "emergency_recall", c["n_emergency"]),
                              ("personal-advice notice", "advice", c["n_advice"]),
                              ("small talk quotes nothing", "smalltalk", c["n_smalltalk"])):
            v = data.get(key)
            table.add_row(label, "–" if v is None else f"{v:.2f}", str(n))
        ordinary = c["n_answer"] + c["n_abstain"] + c["n_benign"] + c["n_smalltalk"]
        table.add_row("crisis panel on a non-emergency (false alarm)", str(c["false_alarms"]), str(ordinary))
        for key in ("leaks", "non_verbatim", "missing_source", "missing_disclaimer"):
            table.add_row(key.replace("_", " "), str(c[key]), "must be 0")
        console.print(table)
        for r in result.results:
            if not r.ok:
                line = Text("FALSE ALARM " if r.id in alarms else "FAIL ", style="red")
                line.append(f"{r.id} [{r.kind}] ")
                line.append(r.question)
                line.append(f"\n     got {r.status}", style="dim")
                for g in r.got[:2]:
                    line.append(f"\n     “{g}…”", style="dim")
                console.print(line)
    if turns:
        ok = sum(not t.failures for t in turns)
        console.print(Text(f"\nConversation turns: {ok}/{len(turns)} as expected", style="bold"))
        for t in turns:
            if t.failures:
                console.print(Text(f"FAIL {t.script}:{t.turn.line} > {t.turn.said}: " + "; ".join(t.failures),
                                   style="red"))


def run_eval_command(args: argparse.Namespace, engine: Engine | None, console: Any, corpus_dir: Path) -> int:
    if getattr(args, "example", False):
        import sys

        sys.stdout.write(example_cases())
        return 0
    if not args.cases:
        raise UsageError("eval needs one or more case files (.jsonl) or conversation scripts; "
                         "`chatbot eval --example > my-cases.jsonl` writes an example")
    if engine is None:
        raise UsageError("eval needs an engine")
    cases: list[dict[str, Any]] = []
    turns: list[TurnResult] = []
    for name in args.cases:
        path = Path(name)
        if path.suffix == ".jsonl":
            cases.extend(read_cases(path))
        else:
            text = _read_input(path, "conversation script")
            turns.extend(run_script(engine, parse_script(text, path.name), path.name))
    result = None
    if cases:
        answers = [engine.ask(c["question"]).to_dict() for c in cases]
        seeds = raw_article_text(Path(args.seeds) if args.seeds else corpus_dir)
        result = score(cases, answers, seeds)
    data = summary(result, turns)
    if args.compare:
        try:
            previous = json.loads(_read_input(Path(args.compare), "previous results"))
        except ValueError as exc:
            raise UsageError(f"cannot read previous results {args.compare}: {exc}") from None
        better, worse, rates = compare(previous, data)
        data["compare"] = {"better": better, "worse": worse, "rates": rates}
    if args.save:
        Path(args.save).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    if args.json:
        import sys

        sys.stdout.write(json.dumps(data) + "\n")
    else:
        print_report(console, result, turns, data)
        if args.compare:
            comp = data["compare"]
            console.print(Text(f"\nSince {args.compare}: {len(comp['better'])} better, {len(comp['worse'])} worse",
                               style="bold"))
            for case_id in comp["better"]:
                console.print(Text(f"  better {case_id}", style="green"))
            for case_id in comp["worse"]:
                console.print(Text(f"  worse  {case_id}", style="red"))
            for line in comp["rates"]:
                console.print(Text(f"  {line}"))
    failed = []
    for flag, key in RATE_FLAGS.items():
        floor = getattr(args, f"min_{flag}", None)
        if floor is not None:
            value = data.get(key)
            if value is None or value < floor:
                failed.append(f"{key} {value} < {floor}")
    for key in ("leaks", "non_verbatim", "missing_source", "missing_disclaimer"):
        if data.get(key):
            failed.append(f"{key} = {data[key]}")
    allowed = getattr(args, "max_false_alarms", 0) or 0
    if (data.get("false_alarms") or 0) > allowed:
        failed.append(f"false alarms {data['false_alarms']} > {allowed} (the crisis panel on a non-emergency)")
    if failed:
        import sys

        sys.stderr.write("chatbot eval: below thresholds: " + "; ".join(failed) + "\n")
        return 1
    return 0
