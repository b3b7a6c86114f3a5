"""Our own golden set of patient questions (tests/data/golden.jsonl), scored by the referee's rules.

The floors below are regression guards at the levels measured when they were set (see CHANGELOG);
the product targets are higher and the README says where we stand.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatbot.articles.knowledge import build
from chatbot.config import Settings
from chatbot.staff.scoring import norm, score
from tests.conftest import seed_text

GOLDEN = Path(__file__).parent / "data" / "golden.jsonl"
CASES = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines() if line.strip()]
# holdout.jsonl was written after the vocabulary and thresholds were tuned and scored once before
# joining CI (hit@1 0.88, hit@3 0.92, abstain 0.80); it now guards against regressions too.
HOLDOUT = Path(__file__).parent / "data" / "holdout.jsonl"
HOLDOUT_CASES = [json.loads(line) for line in HOLDOUT.read_text(encoding="utf-8").splitlines() if line.strip()]
HOLDOUT_FLOORS = {"hit@1": 0.84, "hit@3": 0.88, "abstain": 0.80}

FLOORS = {"hit@1": 0.78, "hit@3": 0.90, "abstain": 0.85, "emergency_recall": 1.0, "advice": 0.85, "smalltalk": 1.0}


def test_golden_set_is_big_enough() -> None:
    kinds = [c["kind"] for c in CASES]
    assert len(CASES) >= 80 and kinds.count("answer") >= 60 and kinds.count("abstain") >= 20


def test_every_gold_phrase_can_be_found_in_a_cleaned_passage() -> None:
    kb = build(None, Settings())
    texts = [norm(t) for t in kb.texts]
    for c in CASES + HOLDOUT_CASES:
        if c["kind"] == "answer":
            assert any(norm(g) in t for g in c["gold"] for t in texts), c["id"]


@pytest.fixture(scope="module")
def golden_score(engine):
    answers = [engine.ask(c["question"]).to_dict() for c in CASES]
    return score(CASES, answers, seed_text())


@pytest.mark.parametrize("rate,floor", FLOORS.items())
def test_golden_rates(golden_score, rate: str, floor: float) -> None:
    assert golden_score.rates[rate] >= floor, [r.question for r in golden_score.results if not r.ok]


@pytest.mark.parametrize("count", ["leaks", "non_verbatim", "missing_source", "missing_disclaimer"])
def test_golden_hygiene_counts_are_zero(golden_score, count: str) -> None:
    assert golden_score.counts[count] == 0


@pytest.mark.parametrize("rate,floor", HOLDOUT_FLOORS.items())
def test_holdout_rates(engine, rate: str, floor: float) -> None:
    answers = [engine.ask(c["question"]).to_dict() for c in HOLDOUT_CASES]
    result = score(HOLDOUT_CASES, answers, seed_text())
    assert result.rates[rate] >= floor, [r.question for r in result.results if not r.ok]
