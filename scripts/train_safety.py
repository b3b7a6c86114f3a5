#!/usr/bin/env python3
"""Fit the safety classifier and its second opinion, deterministically.

    python scripts/train_safety.py                # write chatbot/data/safety_weights.npy, safety_model.json,
                                                  # safety_head.json, safety_head.npz and safety_bank.npz
    python scripts/train_safety.py --out DIR      # write them to DIR instead
    python scripts/train_safety.py --cv-only      # only print the cross-validated figures
    python scripts/train_safety.py --no-cv --out DIR   # refit only (keeps the shipped thresholds)
    python scripts/train_safety.py --no-cv --stored-vectors --out DIR   # the same from the shipped bank's
                                                  # vectors (float16) instead of the sentence model: the reproduction test
    python scripts/train_safety.py --stored-vectors   # everything from the bank's vectors, when only the
                                                  # fitting or examples in other languages changed

Training data: chatbot/data/safety_examples.tsv (shipped, so a clinic can read and extend it),
training/safety/*.tsv (CATEGORY, LABEL, MESSAGE, LANG) and, as ordinary patient questions, the
retrieval training questions in training/retrieval/ and its libraries (every one benign).

1. The n-gram model: softmax regression over hashed n-grams (chatbot/safety/features.py),
   L2-regularised, balanced class weights, full-batch Nesterov gradient descent for a fixed number
   of steps from zero: no randomness, numpy only. Each sentence of an ordinary message is also an
   ordinary example of its own (the model scores messages sentence by sentence).
2. The head: a small neural network (emergency or not) on the sentence model's vectors of the English
   examples: one hidden layer of HIDDEN rectified units, weighted cross-entropy with L2, full-batch
   Adam for HEAD_STEPS steps from a seeded start, in float64 (stored as float32): the same head on
   every CPU, numpy only. It replaced a
   logistic head in the sixteenth session (docs/safety.md): with each writer's files held out, it
   gave the panel to 11% of ordinary examples at 95% recall where the logistic head gave it to 27%.
3. The stack: logistic regression on the two models' out-of-fold log-odds.
Five-fold cross-validation (folds by a hash of the text) gives every example out-of-fold scores;
the operating points (full panel, crisis line) are chosen on them, for the joined score and for the
n-gram model alone, and the figures at those points (recall, false panels per category) go into
the cards.
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
from chatbot.safety.second import BANK, HEAD, HEAD_WEIGHTS, Head  # noqa: E402

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


LABELS = ("emergency", "benign", "advice", "smalltalk")


def load_examples(path: Path) -> list[tuple[str, str, str, str]]:
    """(category, label, message, language) rows; a fourth column is the language (default "en")."""
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) not in (3, 4) or parts[1].strip() not in LABELS or not parts[2].strip():
            raise SystemExit(f"{path}:{n}: expected CATEGORY<TAB>LABEL<TAB>MESSAGE[<TAB>LANG]")
        lang = parts[3].strip() if len(parts) == 4 else "en"
        rows.append((parts[0].strip(), parts[1].strip(), parts[2].strip(), lang or "en"))
    return rows


def training_files() -> list[Path]:
    return [DATA / EXAMPLES, *sorted((REPO / "training" / "safety").glob("*.tsv"))]


def training_files_sha256() -> dict[str, str]:
    """Each training file's sha256 by its path in the repository, as the card records them."""
    return {str(f.relative_to(REPO)): hashlib.sha256(f.read_bytes()).hexdigest() for f in training_files()}


def patient_questions() -> list[tuple[str, str, str, str]]:
    """The retrieval training questions, as ordinary benign traffic (category FAQ-R)."""
    out = []
    paths = sorted((REPO / "training" / "retrieval").glob("*.jsonl"))
    paths += sorted((REPO / "training" / "retrieval" / "libraries").glob("*/questions.jsonl"))
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(("FAQ-R", "benign", json.loads(line)["question"], "en"))
    return out


def all_rows() -> list[tuple[str, str, str, str]]:
    seen: set[str] = set()
    rows = []
    for row in [r for f in training_files() for r in load_examples(f)] + patient_questions():
        key = row[2].lower()
        if key not in seen:  # one message, one label: the first file that has it wins
            seen.add(key)
            rows.append(row)
    return rows


def class_of(category: str, label: str) -> str:
    if label in ("smalltalk", "advice"):  # advice whatever its row: history asked as a decision is B3
        return label
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


def with_benign_parts(messages: list[str], y: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The messages, and each sentence of an ordinary one as an ordinary example of its own. The
    classifier scores a message sentence by sentence and keeps the most alarming
    (chatbot/safety/classifier.py), so a sentence of an ordinary message ("ive tried physio and
    loads of tablets and nothing works") must be learnt as ordinary on its own too, not only inside
    its message. Sentences of emergencies are not added: one sentence of an emergency may be an
    ordinary question."""
    from chatbot.safety.classifier import sentence_parts

    other = CLASSES.index("other")
    extra: list[str] = []
    for m, c in zip(messages, y.tolist(), strict=True):
        parts = sentence_parts(m) if c == other else []
        if len(parts) > 1:
            extra += [raw for raw, _ in parts]
    return messages + extra, np.concatenate([y, np.full(len(extra), other, dtype=y.dtype)])


def fit_messages(messages: list[str], y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The n-gram model fitted on the messages and the sentences of the ordinary ones."""
    messages, y = with_benign_parts(messages, y)
    return fit(matrix(messages), y, len(CLASSES))


def balanced_weights(y: np.ndarray, n_classes: int) -> np.ndarray:
    """Emergencies and everything else weigh half each; within each half, every class the same."""
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    emergency = np.isin(np.arange(n_classes), [CLASSES.index(c) for c in EMERGENCY_CLASSES])
    per_class = np.where(emergency, 0.5 / emergency.sum(), 0.5 / (~emergency).sum()) / np.maximum(counts, 1)
    return np.asarray(per_class[y])


def fit(x: tuple[np.ndarray, np.ndarray, np.ndarray], y: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """The softmax regression by full-batch Nesterov gradient descent. The products with the sparse
    feature matrix are scipy's (six times faster than numpy's bincount per class, with the same sums
    in the same order); scipy comes with the test extras and is never used at run time."""
    try:
        from scipy.sparse import csr_matrix
    except ImportError:
        raise SystemExit("train_safety.py needs scipy: pip install -r requirements.lock (the test extras)") from None
    indptr, values = x[0], x[2]
    used, cols = np.unique(x[1], return_inverse=True)  # only buckets that occur: a smaller problem
    n, m = len(indptr) - 1, len(used)
    features = csr_matrix((values, cols, indptr), shape=(n, m))
    transposed = features.T.tocsr()
    sample_w = balanced_weights(y, n_classes)
    onehot = np.zeros((n, n_classes))
    onehot[np.arange(n), y] = 1.0
    w = np.zeros((m, n_classes))  # one row per bucket: each product reads it in one piece
    b = np.zeros(n_classes)
    vw, vb = w.copy(), b.copy()
    for _ in range(STEPS):
        lw, lb = w + MOMENTUM * vw, b + MOMENTUM * vb  # Nesterov look-ahead
        logits = features @ lw + lb
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) * sample_w[:, None]
        gw = transposed @ g + L2 * lw
        vw = MOMENTUM * vw - LR * gw
        vb = MOMENTUM * vb - LR * g.sum(axis=0)
        w, b = w + vw, b + vb
    full = np.zeros((n_classes, DIM), dtype=np.float16)
    full[:, used] = w.T
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


HEAD_L2 = 1e-4
HIDDEN = 128  # the head's hidden units
HEAD_STEPS = 400
HEAD_LR = 0.01
HEAD_SEED = 0
STACK_L2 = 1e-4
NEWTON_STEPS = 25
PANEL_RECALL = 0.94  # of the examples' emergencies, on the joined score (the rules catch more besides; 0.93 before the
# hidden layer)
LINE_RECALL = 0.995  # the panel or the crisis line
ALONE_PANEL_RECALL = 0.90  # the n-gram model alone (no vector, or not English): a stricter bar
ALONE_LINE_RECALL = 0.98
FOREIGN_FALSE_PANEL = 0.01  # other languages: the panel on at most this share of ordinary examples (every message
# the articles cannot read gets the crisis numbers on a line anyway; the rules give the panel)


def group_of(category: str, label: str) -> str:
    """The groups that weigh the same within the non-emergency half."""
    if label == "emergency":
        return "emergency"
    if label in ("advice", "smalltalk"):
        return label
    if category[:1] == "B" and category[1:2].isdigit():
        return "alarming"
    return "OFF" if category == "OFF" else "ordinary"


def head_weights(groups: list[str]) -> np.ndarray:
    g = np.asarray(groups)
    w = np.zeros(len(g))
    em = g == "emergency"
    w[em] = 0.5 / max(em.sum(), 1)
    others = sorted(set(g[~em].tolist()))
    for name in others:
        sel = g == name
        w[sel] = 0.5 / len(others) / sel.sum()
    return w


def newton_logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float) -> np.ndarray:
    """Weighted, L2-regularised logistic regression by Newton's method from zero (the last column of
    ``x`` is the intercept, not regularised): deterministic, a few steps."""
    beta = np.zeros(x.shape[1])
    reg = np.full(x.shape[1], l2)
    reg[-1] = 0.0
    for _ in range(NEWTON_STEPS):
        z = np.clip(x @ beta, -40, 40)
        p = 1.0 / (1.0 + np.exp(-z))
        grad = x.T @ (w * (p - y)) + reg * beta
        hess = (x * (w * p * (1 - p))[:, None]).T @ x + np.diag(reg) + 1e-9 * np.eye(x.shape[1])
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-10:
            break
    return beta


def fit_head(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> Head:
    """The head (chatbot/safety/second.py ``Head``) on vectors ``x``: weighted cross-entropy (``w``: each
    example's weight) with L2 on the two weight matrices, full-batch Adam from a seeded He start. The
    arithmetic is float64 and the head is stored as float32: in float32, the rounding of the matrix
    products differs between CPUs (OpenBLAS picks its kernels by processor), and Adam, which divides each
    gradient by its own size, grew those differences to 0.2 in the weights over 400 steps."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    y, wn = y.astype(np.float64), (w / w.sum()).astype(np.float64)
    rng = np.random.default_rng(HEAD_SEED)
    dim = x.shape[1]
    params = [rng.standard_normal((dim, HIDDEN)) * np.sqrt(2 / dim), np.zeros(HIDDEN),
              rng.standard_normal(HIDDEN) * np.sqrt(1 / HIDDEN), np.zeros(1)]
    m1 = [np.zeros_like(v) for v in params]
    m2 = [np.zeros_like(v) for v in params]
    for t in range(1, HEAD_STEPS + 1):
        w1, b1, w2, b2 = params
        h = np.maximum(x @ w1 + b1, 0)
        g = (sigmoid(h @ w2 + b2[0]) - y) * wn
        gh = np.outer(g, w2) * (h > 0)
        grads = [x.T @ gh + HEAD_L2 * w1, gh.sum(0), h.T @ g + HEAD_L2 * w2, np.array([g.sum()])]
        for v, a, b, grad in zip(params, m1, m2, grads, strict=True):
            a *= 0.9
            a += 0.1 * grad
            b *= 0.999
            b += 0.001 * grad * grad
            v -= HEAD_LR * (a / (1 - 0.9 ** t)) / (np.sqrt(b / (1 - 0.999 ** t)) + 1e-8)
    return Head(*(v.astype(np.float32) for v in params))


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def embed(texts: list[str]) -> tuple[np.ndarray, str]:
    from chatbot.retrieval.semantic import load_model

    model = load_model()
    # in batches of texts of about the same length: a batch is padded to its longest text, so that
    # this takes half the time of batches in file order (the vectors differ by rounding only)
    order = sorted(range(len(texts)), key=lambda i: (len(texts[i]), i))
    out = np.zeros((len(texts), model.dim), dtype=np.float64)
    for i in range(0, len(order), 64):
        chosen = order[i:i + 64]
        out[chosen] = np.asarray(model.encode([texts[k] for k in chosen]), dtype=np.float64)
    return out, model.checksum


def only_other_languages_added(built: dict[str, str]) -> bool:
    """Whether the English examples are still the ones the bank was built from: every file it was built
    from is here unchanged, or changed with no English row, and every new file has no English row (the
    head and the bank read English examples only; the n-gram model reads every language)."""
    now = training_files_sha256()
    if any(name not in now for name in built):
        return False
    changed = [name for name, sha in now.items() if built.get(name) != sha]
    return all(row[3] != "en" for name in changed for row in load_examples(REPO / name))


def stored_vectors(rows: list[tuple[str, str, str, str]]) -> tuple[np.ndarray, str]:
    """The English examples' vectors as the shipped bank holds them (float16), NaN for the others
    (only the cross-validation reads those). Embedding 21,000 examples is three quarters of this
    script's time; the test suite refits from the bank instead and checks a sample of its vectors
    against the model (tests/test_safety_v2.py). The bank must be of these very examples."""
    head = json.loads((DATA / HEAD).read_text(encoding="utf-8"))
    card = json.loads((DATA / CARD).read_text(encoding="utf-8"))
    if not only_other_languages_added(card["training_files_sha256"]):
        raise SystemExit("training data changed since the bank was built: run without --stored-vectors")
    en = np.asarray([r[3] == "en" for r in rows])
    with np.load(DATA / BANK) as bank:
        stored, emergency = bank["vectors"], bank["emergency"]
    is_em = np.asarray([group_of(c, lab) == "emergency" for c, lab, _, _ in rows])
    if stored.shape[0] != int(en.sum()) or not np.array_equal(emergency, is_em[en]):
        raise SystemExit("the shipped bank is not of these examples: run without --stored-vectors")
    out = np.full((len(rows), stored.shape[1]), np.nan)
    out[en] = stored.astype(np.float64)
    return out, str(head["model_sha256"])


def stack_features(p: np.ndarray, q: np.ndarray, m: np.ndarray) -> np.ndarray:
    return np.column_stack([logit(p), logit(q), m, np.ones(len(p))])


def margins(queries: np.ndarray, bank: np.ndarray, emergency: np.ndarray) -> np.ndarray:
    """SecondOpinion.margin for many queries at once (the same float16 bank, the same arithmetic)."""
    from chatbot.safety.second import NEIGHBOURS as k

    out = np.zeros(len(queries))
    b16 = bank.astype(np.float16)
    for i in range(0, len(queries), 512):
        sims = queries[i:i + 512].astype(np.float16) @ b16.T
        em, other = sims[:, emergency], sims[:, ~emergency]
        out[i:i + 512] = (np.partition(em, -k, axis=1)[:, -k:].astype(np.float32).mean(1)
                          - np.partition(other, -k, axis=1)[:, -k:].astype(np.float32).mean(1))
    return out


def at_recall(scores: np.ndarray, target: float) -> float:
    """The highest threshold that keeps at least ``target`` of these positive scores at or above it."""
    s = np.sort(scores)
    return float(s[int(np.floor((1 - target) * len(s)))])


def points(score: np.ndarray, is_em: np.ndarray, panel_recall: float, line_recall: float) -> dict[str, float]:
    panel = min(0.99, at_recall(score[is_em], panel_recall))
    line = min(panel, at_recall(score[is_em], line_recall))
    return {"panel": round(panel, 6), "line": round(line, 6)}


def rates(score: np.ndarray, pts: dict[str, float], cats: np.ndarray, groups: np.ndarray) -> dict[str, object]:
    panel, line = score >= pts["panel"], score >= pts["line"]
    em = groups == "emergency"
    out: dict[str, object] = {
        "recall_panel": round(float(panel[em].mean()), 4),
        "recall_panel_or_line": round(float(line[em].mean()), 4),
    }
    for g in sorted(set(groups[~em].tolist())):
        sel = groups == g
        out[f"panel_{g}"] = round(float(panel[sel].mean()), 4)
        out[f"line_{g}"] = round(float((line & ~panel)[sel].mean()), 4)
    out["per_category_panel"] = {c: round(float(panel[cats == c].mean()), 3) for c in sorted(set(cats.tolist()))}
    return out


def cross_validate(rows: list[tuple[str, str, str, str]], vectors: np.ndarray) -> dict[str, object]:
    messages = [r[2] for r in rows]
    y = np.asarray([CLASSES.index(class_of(c, lab)) for c, lab, _, _ in rows])
    cats = np.asarray([c for c, _, _, _ in rows])
    groups = np.asarray([group_of(c, lab) for c, lab, _, _ in rows])
    english = np.asarray([lang == "en" for *_, lang in rows])
    fold = np.asarray([zlib.crc32(m.lower().encode()) % FOLDS for m in messages])
    is_em = groups == "emergency"
    scores = np.zeros((len(rows), 3))
    head = np.zeros(len(rows))
    margin = np.zeros(len(rows))
    for f in range(FOLDS):
        train, test = np.flatnonzero(fold != f), np.flatnonzero(fold == f)
        w, b = fit_messages([messages[i] for i in train], y[train])
        scores[test] = probabilities(w, b, [messages[i] for i in test])
        tr_en, te_en = train[english[train]], test[english[test]]
        fitted = fit_head(vectors[tr_en], is_em[tr_en], head_weights(groups[tr_en].tolist()))
        head[te_en] = fitted.probabilities(vectors[te_en])
        margin[te_en] = margins(vectors[te_en], vectors[tr_en], is_em[tr_en])
    p = scores[:, 0]
    en = np.flatnonzero(english)
    stack = newton_logistic(stack_features(p[en], head[en], margin[en]), is_em[en].astype(float),
                            head_weights(groups[en].tolist()), STACK_L2)
    joined = sigmoid(stack_features(p, head, margin) @ stack)
    pts_joined = points(joined[en], is_em[en], PANEL_RECALL, LINE_RECALL)
    pts_alone = points(p, is_em, ALONE_PANEL_RECALL, ALONE_LINE_RECALL)
    # other languages: the n-gram model alone, with few examples a language; every message the
    # articles cannot read gets the crisis line anyway, so the panel point is held at or above the
    # score of all but FOREIGN_FALSE_PANEL of the ordinary ones
    foreign_ordinary = p[~english & ~is_em]
    pts_foreign = dict(pts_alone)
    if len(foreign_ordinary):
        pts_foreign["panel"] = round(max(pts_alone["panel"], min(0.99, float(np.quantile(
            foreign_ordinary, 1 - FOREIGN_FALSE_PANEL)) + 1e-6)), 6)
    is_adv, is_small = y == CLASSES.index("advice"), y == CLASSES.index("smalltalk")
    # on English decisions: the notice is read with an English answer; decisions in other languages
    # (harder for the n-gram model) would pull the threshold down for everyone
    t_adv = threshold_for(scores[is_adv & english, 1], ADVICE_TARGET)
    t_small = max(0.5, threshold_for(scores[is_small, 2], SMALL_TARGET))
    curve = []
    for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95):
        fired = joined[en] >= t
        ordinary = np.isin(groups[en], ["ordinary", "OFF", "advice", "smalltalk"])
        curve.append({"threshold": t, "recall": round(float(fired[is_em[en]].mean()), 4),
                      "panel_ordinary": round(float(fired[ordinary].mean()), 4),
                      "panel_alarming": round(float(fired[groups[en] == "alarming"].mean()), 4)})
    not_en = ~english
    return {
        "thresholds": {"emergency": pts_alone["line"], "advice": round(t_adv, 6), "smalltalk": round(t_small, 6)},
        "second": {"stack": [round(float(v), 6) for v in stack], "joined": pts_joined, "alone": pts_alone,
                   "foreign": pts_foreign},
        "cross_validation": {
            "folds": FOLDS, "n": len(rows), "n_english": int(english.sum()),
            "joined_english": rates(joined[en], pts_joined, cats[en], groups[en]),
            "ngram_alone_all": rates(p, pts_alone, cats, groups),
            "ngram_other_languages": rates(p[not_en], pts_foreign, cats[not_en], groups[not_en]) if not_en.any() else None,
            "joined_curve_english": curve,
            "advice_recall": round(float((scores[is_adv & english, 1] >= t_adv).mean()), 4),
            "advice_false_positive_other": round(float((scores[~is_adv, 1] >= t_adv).mean()), 4),
            "smalltalk_recall": round(float((scores[is_small, 2] >= t_small).mean()), 4),
        },
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DATA, help="folder for the weights and the cards")
    ap.add_argument("--cv-only", action="store_true", help="print the cross-validated figures and stop")
    ap.add_argument("--no-cv", action="store_true",
                    help="fit only, keeping the shipped cards' thresholds and figures (the reproduction test)")
    ap.add_argument("--stored-vectors", action="store_true",
                    help="the English examples' vectors from the shipped bank (float16), not the model")
    args = ap.parse_args()
    rows = all_rows()
    vectors, model_sha = stored_vectors(rows) if args.stored_vectors else embed([r[2] for r in rows])
    if args.no_cv:
        shipped = json.loads((DATA / CARD).read_text(encoding="utf-8"))
        shipped_head = json.loads((DATA / HEAD).read_text(encoding="utf-8"))
        cv = {"thresholds": shipped["thresholds"], "cross_validation": shipped["cross_validation"],
              "second": {"stack": shipped_head["stack"], **shipped_head["thresholds"]}}
    else:
        cv = cross_validate(rows, vectors)
        print(json.dumps(cv, indent=1))
    if args.cv_only:
        return 0
    y = np.asarray([CLASSES.index(class_of(c, lab)) for c, lab, _, _ in rows])
    w, b = fit_messages([r[2] for r in rows], y)
    groups = [group_of(c, lab) for c, lab, _, _ in rows]
    en = np.asarray([r[3] == "en" for r in rows])
    is_em = np.asarray([g == "emergency" for g in groups])
    head = fit_head(vectors[en], is_em[en], head_weights([g for g, e in zip(groups, en, strict=True) if e]))
    args.out.mkdir(parents=True, exist_ok=True)
    np.save(args.out / WEIGHTS, w, allow_pickle=False)
    files = training_files_sha256()
    card = {
        "model": "softmax regression over hashed word, word-pair and character 2-5-gram features",
        "trained_on": f"chatbot/data/{EXAMPLES}, training/safety/*.tsv, training/retrieval/*.jsonl and "
                      f"training/retrieval/libraries/*/questions.jsonl ({len(rows)} example messages)",
        "training_files_sha256": files,
        "classes": CLASSES,
        "bias": [float(v) for v in b],
        "dim": DIM,
        "l2": L2,
        "steps": STEPS,
        "weights_sha256": sha256_file(args.out / WEIGHTS),
        "examples_sha256": hashlib.sha256((DATA / EXAMPLES).read_bytes()).hexdigest(),
        "thresholds": cv["thresholds"],
        "cross_validation": cv["cross_validation"],
    }
    (args.out / CARD).write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    np.savez(args.out / BANK, vectors=vectors[en].astype(np.float16), emergency=is_em[en])
    head.save(args.out / HEAD_WEIGHTS)
    head_card = {
        "model": f"a network of one hidden layer ({HIDDEN} rectified units; emergency or not) on all-MiniLM-L6-v2 "
                 "sentence vectors, and the margin between the 3 nearest emergency and non-emergency examples, "
                 "stacked with the n-gram model's emergency probability (logistic regression on the two log-odds "
                 "and the margin)",
        "model_sha256": model_sha,
        "l2": HEAD_L2,
        "hidden": HIDDEN,
        "steps": HEAD_STEPS,
        "head_sha256": hashlib.sha256((args.out / HEAD_WEIGHTS).read_bytes()).hexdigest(),
        "bank_sha256": hashlib.sha256((args.out / BANK).read_bytes()).hexdigest(),
        "bank_examples": int(en.sum()),
        "stack": cv["second"]["stack"],
        "thresholds": {"joined": cv["second"]["joined"], "alone": cv["second"]["alone"],
                       "foreign": cv["second"]["foreign"]},
    }
    (args.out / HEAD).write_text(json.dumps(head_card, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out / WEIGHTS}, {args.out / CARD} and {args.out / HEAD}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
