#!/usr/bin/env python3
"""Fit the fusion weights and the abstention model of retrieval, and the question memory, deterministically.

    python scripts/fit_retrieval.py              # write chatbot/data/retrieval_model.json and question_memory.npz
    python scripts/fit_retrieval.py --out FILE   # write the model elsewhere (the memory beside it:
                                                 # FILE's folder / question_memory.npz; the reproduction test)

Labelled questions: training/retrieval/retrieval_questions*.jsonl and tests/data/golden.jsonl (kinds
"answer", with gold phrases, and "abstain") about the bundled articles, and the libraries of other
clinics' articles in training/retrieval/libraries/ (each a folder of articles and questions.jsonl,
written by people who saw only those articles). The "memory" search is fitted on the bundled
questions only; the others on both, the libraries' questions weighted so that the libraries count
as much as the bundled set, and cross-validated with each library held out whole (its fold), so
that the figures say how the model does on articles it has never seen. For each question the engine's own candidate
measurements are computed once (chatbot/retrieval/ranking.py). Fusion weights (BM25, cosine, closeness,
memory) are chosen on a grid to maximise MRR@3 of the answerable questions; the abstention model is
a logistic regression (Newton's method, L2) that predicts whether the first passage answers the
question (label 1: an answerable question whose gold phrase is in the top three; 0: everything
else). Three kinds of search are fitted: "memory" (hybrid search with the labelled question memory,
chatbot/retrieval/memory.py), "hybrid" and "keyword".

The memory is the labelled questions themselves, so a question must never meet itself in it: every
question's memory measurements are taken with its own fold left out of the memory (five folds by a
hash of the question, so that a question written twice falls in one fold). Five-fold
cross-validation over the same folds gives the figures written into the model file; the final
weights are fitted on all questions. The held-out probe sets in tests/data/probes/ are never read here.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from chatbot.infra.digest import sha256_file  # noqa: E402
from chatbot.retrieval.asked import kinds_asked  # noqa: E402
from chatbot.retrieval.memory import MEMORY_FILE, MEMORY_FORMAT, LabelledQuestions, QuestionMemory, answering_passages, norm  # noqa: E402
from chatbot.retrieval.ranking import MODES, Candidates, Mode, RankingModel, candidates, features  # noqa: E402

OUT = REPO / "chatbot" / "data" / "retrieval_model.json"
SETS = sorted((REPO / "training" / "retrieval").glob("retrieval_questions*.jsonl")) + [REPO / "tests" / "data" / "golden.jsonl"] \
    + sorted((REPO / "training" / "retrieval" / "faq_pages").glob("*.jsonl"))
LIBRARIES = sorted(p.parent for p in (REPO / "training" / "retrieval" / "libraries").glob("*/questions.jsonl"))
GRID_COS = (0.0, 1.0, 2.0, 3.0, 4.0, 6.0)
GRID_CLOSE = (0.0, 0.5, 1.0, 1.5)
GRID_MEMORY = (0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0)
SEARCHES = ("memory", "hybrid", "static", "keyword")
L2 = 1e-2
FOLDS = 5
THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5)
DEFAULT_MIN_CONFIDENCE = 0.5  # the Settings default: hit@3 and abstention balanced (see the CV table)


@dataclass
class Item:
    question: str
    answerable: bool
    cands: dict[str, Candidates]  # kind of search -> candidates
    good: dict[str, np.ndarray]  # kind of search -> which candidates hold a gold phrase
    library: int = -1  # -1: the bundled articles; else the index in LIBRARIES
    weight: float = 1.0
    fold: int = 0


def fold_of(question: str) -> int:
    return zlib.crc32(question.lower().encode()) % FOLDS


def load_cases(paths: list[Path] | None = None) -> list[dict]:
    cases = []
    for path in SETS if paths is None else paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                if case["kind"] in ("answer", "abstain"):
                    cases.append(case)
    return cases


def load_items(memory_out: Path | None = None) -> list[Item]:
    """Every labelled question's candidates under each kind of search; the question memory (all
    labelled questions) is written to ``memory_out``."""
    from chatbot.articles.knowledge import build, passage_texts, vectors_digest
    from chatbot.config import Settings
    from chatbot.infra import store
    from chatbot.retrieval.dense import DenseScorer, passage_vectors
    from chatbot.retrieval.semantic import load_model
    from chatbot.retrieval.static import StaticModel, derive_table

    settings = Settings(semantic=False)
    kb = build(None, settings)
    engine = _plain_engine(kb, settings)
    model = load_model()
    table = derive_table(model)
    v = passage_vectors(kb, model, None)
    cases = load_cases()
    gold = [[norm(g) for g in case.get("gold") or []] for case in cases]
    answers = answering_passages(gold, kb.texts)
    # an answerable question whose gold is in no passage cannot be in the memory (nor can it be scored)
    usable = [k for k, case in enumerate(cases) if case["kind"] == "abstain" or answers[k]]
    cases, gold, answers = [cases[k] for k in usable], [gold[k] for k in usable], [answers[k] for k in usable]
    # the vectors as the memory file keeps them (float16), so that fitting sees what the chatbot sees
    query_vectors = model.encode([c["question"] for c in cases])
    vectors = query_vectors.astype(np.float16)
    labelled = LabelledQuestions(vectors_digest(kb), model.checksum,
                                 [c["question"] for c in cases], gold, answers, vectors)
    if memory_out is not None:
        store.save(memory_out, labelled, {"format": str(MEMORY_FORMAT), "model": model.checksum})
        memory_out.chmod(0o644)  # package data, readable by everyone (the store writes private files)
    memory = QuestionMemory(vectors.astype(np.float32), answers, len(kb.texts))
    plain = DenseScorer(model, v.vectors, v.sentence_vectors, v.sentence_of)
    with_memory = DenseScorer(model, v.vectors, v.sentence_vectors, v.sentence_of, memory)
    static_model = StaticModel(model, table, StaticModel.token_idf(model, passage_texts(kb)))
    static = DenseScorer(static_model, static_model.encode(passage_texts(kb)))
    static_queries = static_model.encode([c["question"] for c in cases])
    folds = np.asarray([fold_of(c["question"]) for c in cases])
    items = []
    for k, case in enumerate(cases):
        dense = {"memory": with_memory.scores_of(query_vectors[k], allowed=folds != folds[k]),
                 "hybrid": plain.scores_of(query_vectors[k]), "static": static.scores_of(static_queries[k]),
                 "keyword": None}
        cands, good = _measure(engine, kb, case["question"], dense, answers[k])
        items.append(Item(case["question"], case["kind"] == "answer", cands, good, fold=int(folds[k])))
    library_items: list[Item] = []
    for n, lib in enumerate(LIBRARIES):
        library_items += _library_items(n, lib, settings, model, table)
    share = len(items) / max(1, len(library_items))
    for it in library_items:
        it.weight = share
    return items + library_items


def _plain_engine(kb, settings):  # type: ignore[no-untyped-def]
    """An engine over ``kb`` whose ranking is BM25 alone: only its question analysis is used here."""
    from chatbot.engine import Engine

    blank = Mode((1.0, 0.0, 0.0, 0.0, 0.0), (0.0,) * len(MODES["hybrid"]))
    return Engine(kb, settings, cache_folder=None, ranking=RankingModel(blank, blank, blank, blank))


def _measure(engine, kb, question: str, dense: dict, answers: np.ndarray):  # type: ignore[no-untyped-def]
    """The question's candidates under each kind of search in ``dense`` (search -> its semantic
    scores, None for keyword search), and which of them hold a gold phrase."""
    units = engine.search.query_units(question)
    terms = list(dict.fromkeys(t for unit in units for t in unit))
    asked = engine.analyzer.asked_definition(question)
    query = terms + ([asked] if asked else [])
    kinds = kinds_asked(question)
    cands, good = {}, {}
    for search, scores in dense.items():
        c = candidates(kb.index, units, query, engine.search.unknown_weight, scores, article_of=kb.article_of,
                       asked=kinds, texts=kb.texts)
        cands[search], good[search] = c, np.isin(c.ids, answers)
    return cands, good


def _library_items(n: int, lib: Path, settings, model, table) -> list[Item]:  # type: ignore[no-untyped-def]
    """One library's labelled questions, measured under the hybrid, static and keyword searches."""
    from chatbot.articles.knowledge import build, passage_texts
    from chatbot.retrieval.dense import DenseScorer, passage_vectors
    from chatbot.retrieval.static import StaticModel

    kb = build(lib, settings)
    engine = _plain_engine(kb, settings)
    v = passage_vectors(kb, model, None)
    plain = DenseScorer(model, v.vectors, v.sentence_vectors, v.sentence_of)
    static_model = StaticModel(model, table, StaticModel.token_idf(model, passage_texts(kb)))
    static = DenseScorer(static_model, static_model.encode(passage_texts(kb)))
    cases = load_cases([lib / "questions.jsonl"])
    answers = answering_passages([[norm(g) for g in case.get("gold") or []] for case in cases], kb.texts)
    keep = [k for k, case in enumerate(cases) if case["kind"] == "abstain" or answers[k]]
    cases, answers = [cases[k] for k in keep], [answers[k] for k in keep]
    qv = model.encode([c["question"] for c in cases])
    sq = static_model.encode([c["question"] for c in cases])
    out = []
    for k, case in enumerate(cases):
        dense = {"hybrid": plain.scores_of(qv[k]), "static": static.scores_of(sq[k]), "keyword": None}
        cands, good = _measure(engine, kb, case["question"], dense, answers[k])
        cands["memory"], good["memory"] = cands["hybrid"], good["hybrid"]  # never used: memory is bundled-only
        out.append(Item(case["question"], case["kind"] == "answer", cands, good, library=n, fold=n % FOLDS))
    return out


def rank_of(item: Item, search: str, mode: Mode) -> int:
    c = item.cands[search]
    if not len(c.ids):
        return 0
    for r, i in enumerate(mode.order(c)[:3], 1):
        if item.good[search][i]:
            return r
    return 0


class Stack:
    """The answerable items' candidates of one kind of search as padded arrays, so that a grid point
    of fusion weights is scored in a few array operations. The order is Mode.order's exactly: the
    fused score computed with the same operations, ties broken by passage id."""

    def __init__(self, items: list[Item], search: str) -> None:
        chosen = [it for it in items if it.answerable]
        cs = [(it.cands[search], it.good[search]) for it in chosen]
        self.weights = np.asarray([it.weight for it in chosen], dtype=np.float64)
        width = max([len(c.ids) for c, _ in cs] + [1])
        self.n = len(cs)

        def pad(get, fill) -> np.ndarray:
            out = np.full((len(cs), width), fill, dtype=np.float64)
            for r, (c, g) in enumerate(cs):
                v = get(c, g)
                out[r, : len(v)] = v
            return out

        self.bm25 = pad(lambda c, g: c.bm25, 0.0)
        self.cosine = pad(lambda c, g: c.cosine, 0.0)
        self.sentence = pad(lambda c, g: c.sentence, 0.0)
        self.closeness = pad(lambda c, g: c.closeness, 0.0)
        self.memory = pad(lambda c, g: c.memory if c.memory is not None else np.zeros(len(c.ids)), 0.0)
        self.has_memory = np.asarray([c.memory is not None for c, _ in cs])
        self.ids = pad(lambda c, g: c.ids, np.inf)
        self.good = pad(lambda c, g: g, 0.0) > 0
        self.valid = np.isfinite(self.ids)

    def mrr(self, fusion: tuple[float, ...]) -> float:
        if not self.n:
            return 0.0
        wb, wc, ws, wp, wm = fusion
        f = wb * self.bm25 + wc * self.cosine + ws * self.sentence + wp * self.closeness
        f = np.where(self.has_memory[:, None], f + wm * self.memory, f)
        f = np.where(self.valid, f, -np.inf)
        order = np.lexsort((self.ids, -f), axis=-1)[:, :3]
        hits = np.take_along_axis(self.good & self.valid, order, axis=1)
        first = np.where(hits.any(axis=1), hits.argmax(axis=1) + 1, 0)
        rr = np.where(first > 0, 1.0 / np.maximum(first, 1), 0.0)
        return float(np.sum(rr * self.weights) / np.sum(self.weights))


def best_fusion(items: list[Item], search: str) -> tuple[float, ...]:
    if search == "memory":  # the hybrid weights, and the memory's weight beside them
        base = best_fusion(items, "hybrid")
        grid = [base[:4] + (m,) for m in GRID_MEMORY]
    else:
        # static vectors have no sentence vectors (their sentence score is the passage's own cosine)
        sims = (itertools.product(GRID_COS, GRID_COS) if search == "hybrid"
                else [(c, 0.0) for c in GRID_COS] if search == "static" else [(0.0, 0.0)])
        grid = [(1.0, c, s, p, 0.0) for (c, s), p in itertools.product(sims, GRID_CLOSE)]
    stack = Stack(items, search)
    return max(grid, key=lambda f: (round(stack.mrr(f), 9), -f[1], -f[2], -f[3], -f[4]))


def design(items: list[Item], search: str,
           fusion: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(MODES[search])
    mode = Mode(fusion, (0.0,) * n)  # type: ignore[arg-type]
    x, y, w = [], [], []
    for it in items:
        w.append(it.weight)
        c = it.cands[search]
        if not len(c.ids):
            x.append(np.eye(n)[0])
            y.append(0.0)
            continue
        x.append(features(c, mode.order(c)[0]))
        y.append(1.0 if it.answerable and rank_of(it, search, mode) > 0 else 0.0)
    return np.asarray(x), np.asarray(y), np.asarray(w)


def logistic(x: np.ndarray, y: np.ndarray, sw: np.ndarray | None = None) -> np.ndarray:
    sw = np.ones(len(y)) if sw is None else sw / sw.mean()
    w = np.zeros(x.shape[1])
    reg = L2 * np.eye(x.shape[1])
    reg[0, 0] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-(x @ w)))
        grad = x.T @ ((p - y) * sw) / len(y) + reg @ w
        hess = (x * (p * (1 - p) * sw)[:, None]).T @ x / len(y) + reg + 1e-9 * np.eye(x.shape[1])
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-10:
            break
    return w


def evaluate(items: list[Item], search: str, mode: Mode, threshold: float = 0.5) -> dict[str, float]:
    hit1, hit3, abstain = [], [], []
    for it in items:
        c = it.cands[search]
        answered = bool(len(c.ids)) and mode.probability(c, mode.order(c)[0]) >= threshold
        if it.answerable:
            r = rank_of(it, search, mode) if answered else 0
            hit1.append(r == 1)
            hit3.append(r > 0)
        else:
            abstain.append(not answered)
    return {"hit1": round(float(np.mean(hit1)), 4), "hit3": round(float(np.mean(hit3)), 4),
            "abstain": round(float(np.mean(abstain)), 4), "n_answer": len(hit1), "n_abstain": len(abstain)}


def _pooled(d: dict[str, list[float]]) -> dict[str, float]:
    """Fold figures pooled by question count (hit@ over answerable questions, abstain over the rest)."""
    out: dict[str, float] = {}
    for k, v in d.items():
        if k.startswith("n_"):
            out[k] = int(sum(v))
            continue
        n = d["n_abstain"] if k == "abstain" else d["n_answer"]
        total = sum(n)
        out[k] = round(float(sum(a * b for a, b in zip(v, n, strict=True) if b) / total), 4) if total else 0.0
    return out


def fit_mode(items: list[Item], search: str) -> Mode:
    if search == "memory":
        items = [it for it in items if it.library < 0]
    fusion = best_fusion(items, search)
    x, y, w = design(items, search, fusion)
    return Mode(fusion, tuple(round(float(v), 6) for v in logistic(x, y, w)))  # type: ignore[arg-type]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    items = load_items(args.out.parent / MEMORY_FILE)
    fold = [it.fold for it in items]
    # the memory's sha256 in its card, as train_safety.py records the weights': checked at every load
    out: dict[str, object] = {"trained_on": [str(p.relative_to(REPO)) for p in SETS]
                              + [str((p / "questions.jsonl").relative_to(REPO)) for p in LIBRARIES], "n": len(items),
                              "default_min_confidence": DEFAULT_MIN_CONFIDENCE,
                              "memory_sha256": sha256_file(args.out.parent / MEMORY_FILE)}
    for search in SEARCHES:
        totals: dict[float, dict[str, list[float]]] = {}
        for f in range(FOLDS):
            train = [it for it, k in zip(items, fold, strict=True) if k != f]
            test = [it for it, k in zip(items, fold, strict=True) if k == f]
            fitted = fit_mode(train, search)
            for t in THRESHOLDS:
                for group, chosen in (("bundled", [it for it in test if it.library < 0]),
                                      ("libraries", [it for it in test if it.library >= 0])):
                    if search == "memory" and group == "libraries" or not chosen:
                        continue
                    for key, v in evaluate(chosen, search, fitted, t).items():
                        totals.setdefault(t, {}).setdefault(group, {}).setdefault(key, []).append(v)
        cv = {str(t): {g: _pooled(d) for g, d in gd.items()} for t, gd in totals.items()}
        mode = fit_mode(items, search)
        out[search] = {"features": list(MODES[search]), "fusion": list(mode.fusion), "coef": list(mode.coef),
                       "cross_validation_by_min_confidence": cv}
        print(search, mode.fusion, {t: cv[str(t)] for t in THRESHOLDS})
    args.out.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out} and {args.out.parent / MEMORY_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
