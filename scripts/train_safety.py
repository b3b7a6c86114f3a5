#!/usr/bin/env python3
"""Fit the safety classifier from chatbot/data/safety_examples.tsv, deterministically.

    python scripts/train_safety.py                # write chatbot/data/safety_weights.npy + safety_model.json
    python scripts/train_safety.py --out DIR      # write them to DIR instead (the reproduction test)
    python scripts/train_safety.py --cv-only      # only print the cross-validated figures
    python scripts/train_safety.py --no-cv --out DIR   # refit only (keeps the shipped thresholds)

Softmax regression over hashed n-grams (chatbot/safety/features.py), L2-regularised, balanced class
weights, fitted by full-batch Nesterov gradient descent for a fixed number of steps from zero: no
randomness, numpy only. Five-fold cross-validation (folds by a hash of the text) sets the emergency
threshold so that at least TARGET_RECALL of held-out emergencies are caught, and reports recall and
false alarms on the held-out folds. Those figures go into the model card.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import zlib
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from chatbot.safety.classifier import CARD, EMERGENCY_CLASSES, EXAMPLES, WEIGHTS, sha256_file  # noqa: E402
from chatbot.safety.features import DIM, prepared, vector  # noqa: E402

DATA = REPO / "chatbot" / "data"
CLASSES = ["other", *EMERGENCY_CLASSES, "advice", "smalltalk"]
TOPIC = {"S": "suicide", "O": "overdose", "M": "medical", "H": "harm", "A": "advice"}
L2 = 1e-5
STEPS = 800
LR = 4.0
MOMENTUM = 0.9
FOLDS = 5
TARGET_RECALL = 0.95
ADVICE_TARGET = 0.90
SMALL_TARGET = 0.90


def load_examples(path: Path) -> list[tuple[str, str, str]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise SystemExit(f"{path}:{n}: expected CATEGORY<TAB>LABEL<TAB>MESSAGE")
        rows.append((parts[0].strip(), parts[1].strip(), parts[2].strip()))
    return rows


def class_of(category: str, label: str) -> str:
    if label == "smalltalk":
        return "smalltalk"
    if label in ("benign",):
        return "other"
    return TOPIC[category[0]]


def matrix(messages: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR arrays (indptr, indices, values) of the messages' feature vectors."""
    indptr, indices, values = [0], [], []
    for m in messages:
        idx, val = vector(prepared(m))
        indices.append(idx)
        values.append(val)
        indptr.append(indptr[-1] + len(idx))
    return (np.asarray(indptr, dtype=np.int64), np.concatenate(indices).astype(np.int64),
            np.concatenate(values).astype(np.float64))


def balanced_weights(y: np.ndarray, n_classes: int) -> np.ndarray:
    """Emergencies and everything else weigh half each; within each half, every class the same."""
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    emergency = np.isin(np.arange(n_classes), [CLASSES.index(c) for c in EMERGENCY_CLASSES])
    per_class = np.where(emergency, 0.5 / emergency.sum(), 0.5 / (~emergency).sum()) / np.maximum(counts, 1)
    return np.asarray(per_class[y])


def fit(x: tuple[np.ndarray, np.ndarray, np.ndarray], y: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    indptr, values = x[0], x[2]
    used, cols = np.unique(x[1], return_inverse=True)  # only buckets that occur: a smaller problem
    n, m = len(indptr) - 1, len(used)
    rows = np.repeat(np.arange(n), np.diff(indptr))
    sample_w = balanced_weights(y, n_classes)
    onehot = np.zeros((n, n_classes))
    onehot[np.arange(n), y] = 1.0
    w = np.zeros((n_classes, m))
    b = np.zeros(n_classes)
    vw, vb = w.copy(), b.copy()
    for _ in range(STEPS):
        lw, lb = w + MOMENTUM * vw, b + MOMENTUM * vb  # Nesterov look-ahead
        logits = np.empty((n, n_classes))
        for c in range(n_classes):
            logits[:, c] = np.bincount(rows, weights=lw[c, cols] * values, minlength=n)
        logits += lb
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) * sample_w[:, None]
        gw = np.empty_like(w)
        for c in range(n_classes):
            gw[c] = np.bincount(cols, weights=g[rows, c] * values, minlength=m)
        gw += L2 * lw
        vw = MOMENTUM * vw - LR * gw
        vb = MOMENTUM * vb - LR * g.sum(axis=0)
        w, b = w + vw, b + vb
    full = np.zeros((n_classes, DIM), dtype=np.float16)
    full[:, used] = w
    return full, b.astype(np.float32)


def probabilities(w: np.ndarray, b: np.ndarray, messages: list[str]) -> np.ndarray:
    from chatbot.safety.classifier import SafetyClassifier

    model = SafetyClassifier(w, b, CLASSES, {"emergency": 0.5, "advice": 0.5, "smalltalk": 0.5})
    out = []
    for m in messages:
        p = model.predict(m)
        out.append((p.emergency, p.advice, p.smalltalk))
    return np.asarray(out)


def threshold_for(scores: np.ndarray, target: float) -> float:
    """The highest threshold that keeps at least ``target`` of these positive scores above it."""
    s = np.sort(scores)
    k = int(np.floor((1 - target) * len(s)))
    return float(min(0.5, s[k])) if len(s) else 0.5


def cross_validate(rows: list[tuple[str, str, str]]) -> dict[str, object]:
    messages = [m for _, _, m in rows]
    y = np.asarray([CLASSES.index(class_of(c, lab)) for c, lab, _ in rows])
    fold = np.asarray([zlib.crc32(m.lower().encode()) % FOLDS for m in messages])
    scores = np.zeros((len(rows), 3))
    for f in range(FOLDS):
        train, test = np.flatnonzero(fold != f), np.flatnonzero(fold == f)
        x = matrix([messages[i] for i in train])
        w, b = fit(x, y[train], len(CLASSES))
        scores[test] = probabilities(w, b, [messages[i] for i in test])
    is_em = np.isin(y, [CLASSES.index(c) for c in EMERGENCY_CLASSES])
    is_adv, is_small = y == CLASSES.index("advice"), y == CLASSES.index("smalltalk")
    t_em = threshold_for(scores[is_em, 0], TARGET_RECALL)
    t_adv = threshold_for(scores[is_adv, 1], ADVICE_TARGET)
    t_small = max(0.5, threshold_for(scores[is_small, 2], SMALL_TARGET))
    cats = np.asarray([c for c, _, _ in rows])
    flagged = scores[:, 0] >= t_em
    report: dict[str, object] = {
        "folds": FOLDS,
        "n": len(rows),
        "emergency_recall": round(float(flagged[is_em].mean()), 4),
        "false_alarm_hard_benign": round(float(flagged[np.char.startswith(cats.astype(str), "B")].mean()), 4),
        "false_alarm_off_topic": round(float(flagged[cats == "OFF"].mean()), 4) if (cats == "OFF").any() else None,
        "false_alarm_faq": round(float(flagged[cats == "FAQ"].mean()), 4),
        "false_alarm_advice": round(float(flagged[is_adv].mean()), 4),
        "false_alarm_smalltalk": round(float(flagged[is_small].mean()), 4),
        "advice_recall": round(float((scores[is_adv, 1] >= t_adv).mean()), 4),
        "advice_false_positive_other": round(float((scores[~is_adv, 1] >= t_adv).mean()), 4),
        "smalltalk_recall": round(float((scores[is_small, 2] >= t_small).mean()), 4),
        "per_category_recall": {c: round(float(flagged[cats == c].mean()), 3)
                                for c in sorted(set(cats[is_em].tolist()))},
        "per_category_false_alarm": {c: round(float(flagged[cats == c].mean()), 3)
                                     for c in sorted(set(cats[~is_em].tolist()))},
    }
    return {"thresholds": {"emergency": round(t_em, 6), "advice": round(t_adv, 6), "smalltalk": round(t_small, 6)},
            "cross_validation": report}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DATA, help="folder for the weights and the card")
    ap.add_argument("--cv-only", action="store_true", help="print the cross-validated figures and stop")
    ap.add_argument("--no-cv", action="store_true",
                    help="fit only, keeping the shipped card's thresholds and figures (the reproduction test)")
    args = ap.parse_args()
    examples = DATA / EXAMPLES
    rows = load_examples(examples)
    if args.no_cv:
        shipped = json.loads((DATA / CARD).read_text(encoding="utf-8"))
        cv = {"thresholds": shipped["thresholds"], "cross_validation": shipped["cross_validation"]}
    else:
        cv = cross_validate(rows)
        print(json.dumps(cv, indent=1))
    if args.cv_only:
        return 0
    y = np.asarray([CLASSES.index(class_of(c, lab)) for c, lab, _ in rows])
    w, b = fit(matrix([m for _, _, m in rows]), y, len(CLASSES))
    args.out.mkdir(parents=True, exist_ok=True)
    np.save(args.out / WEIGHTS, w, allow_pickle=False)
    card = {
        "model": "softmax regression over hashed word, word-pair and character 2-5-gram features",
        "trained_on": f"chatbot/data/{EXAMPLES} ({len(rows)} reviewed example messages)",
        "classes": CLASSES,
        "bias": [float(v) for v in b],
        "dim": DIM,
        "l2": L2,
        "steps": STEPS,
        "weights_sha256": sha256_file(args.out / WEIGHTS),
        "examples_sha256": hashlib.sha256(examples.read_bytes()).hexdigest(),
        **cv,
    }
    (args.out / CARD).write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out / WEIGHTS} and {args.out / CARD}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
