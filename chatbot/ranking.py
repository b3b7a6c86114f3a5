"""Hybrid ranking and learned abstention: BM25 finds the words, the sentence model finds the meaning.

For one question, ``candidates`` gathers the best passages by BM25 and by cosine similarity and
measures each: BM25 score (as a share of the best), cosine, coverage (the IDF-weighted share of the
question's units found in it) and closeness (the share found in one sentence). ``RankingModel``
fuses them with weights chosen by cross-validation, and turns the top passage's features into a
probability that it answers the question (a logistic model). Both come from
``data/retrieval_model.json``, fitted by ``scripts/fit_retrieval.py`` on labelled patient questions;
there is one set of coefficients for hybrid search and one for keyword search alone.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chatbot.data import DATA_DIR
from chatbot.errors import ConfigError
from chatbot.index import BM25Index

MODEL_FILE = "retrieval_model.json"
CANDIDATES = 12
# In closeness, even a word found in every passage ("ketamine") counts for this much.
PROXIMITY_FLOOR = 1.0
FEATURES = ("bias", "cosine", "max_cosine", "coverage", "unknown", "bm25", "closeness", "cosine_margin",
            "max_coverage", "units", "sentence", "max_sentence")


@dataclass(frozen=True)
class Candidates:
    """The measured candidates of one question (parallel arrays, in no particular order)."""

    ids: np.ndarray
    bm25: np.ndarray  # share of the best BM25 score among all passages
    bm25_raw: np.ndarray
    cosine: np.ndarray  # zeros when there is no semantic model
    sentence: np.ndarray  # best sentence cosine (zeros without the model)
    coverage: np.ndarray
    closeness: np.ndarray
    unknown: float  # share of the question's units that no passage uses
    n_units: int
    semantic: bool


def candidates(index: BM25Index, units: list[tuple[str, ...]], terms: list[str], unknown_weight: float,
               dense: tuple[np.ndarray, np.ndarray] | None, k: int = CANDIDATES) -> Candidates:
    cos, sent = dense if dense is not None else (None, None)
    scores = index.matched_scores(terms) if terms else np.zeros(index.n_docs)
    best = float(scores.max()) if index.n_docs else 0.0
    pool = index.top(scores, k)
    if cos is not None and sent is not None:
        for sim in (cos, sent):
            kk = min(k, len(sim))
            top_sim = np.argpartition(-sim, kk - 1)[:kk] if len(sim) > kk else np.arange(len(sim))
            pool = list(dict.fromkeys(pool + sorted(int(i) for i in top_sim)))
    ids = np.asarray(pool, dtype=np.int32)
    weights = []
    for unit in units:
        idfs = [index.term_idf(t) for t in unit]
        known = [x for x in idfs if x is not None]
        weights.append(max(known) if known else unknown_weight)
    total = sum(weights) or 1.0
    unknown = sum(1 for unit in units if all(index.term_idf(t) is None for t in unit)) / max(1, len(units))
    where = {t: index.sentence_masks(t, ids) for t in dict.fromkeys(terms)} if len(ids) else {}
    coverage = np.zeros(len(ids))
    closeness = np.zeros(len(ids))
    for i in range(len(ids)):
        covered = 0.0
        per_sentence: dict[int, float] = {}
        near_total = 0.0
        for unit, w in zip(units, weights, strict=True):
            mask, present = 0, False
            for t in unit:
                m = where[t][i]
                if m >= 0:
                    present = True
                    mask |= m
            if present:
                covered += w
            near = max(w, PROXIMITY_FLOOR)
            near_total += near
            while mask:
                low = mask & -mask
                per_sentence[low.bit_length() - 1] = per_sentence.get(low.bit_length() - 1, 0.0) + near
                mask ^= low
        coverage[i] = covered / total
        closeness[i] = max(per_sentence.values(), default=0.0) / near_total if near_total else 0.0
    raw = scores[ids] if len(ids) else np.zeros(0)
    return Candidates(ids, raw / best if best > 0 else np.zeros(len(ids)), raw,
                      cos[ids] if cos is not None and len(ids) else np.zeros(len(ids)),
                      sent[ids] if sent is not None and len(ids) else np.zeros(len(ids)),
                      coverage, closeness, unknown, len(units), cos is not None)


def features(c: Candidates, i: int) -> np.ndarray:
    """The abstention model's inputs for candidate ``i`` (see FEATURES)."""
    per_unit = math.log1p(float(c.bm25_raw[i]) / max(1, c.n_units))
    cos = np.sort(c.cosine)[::-1] if len(c.cosine) else np.zeros(1)
    margin = float(cos[0] - cos[1]) if len(cos) > 1 else 0.0
    return np.asarray([1.0, c.cosine[i], float(cos[0]), c.coverage[i], c.unknown, per_unit, c.closeness[i], margin,
                       float(c.coverage.max()) if len(c.coverage) else 0.0, math.log1p(c.n_units), c.sentence[i],
                       float(c.sentence.max()) if len(c.sentence) else 0.0])


@dataclass(frozen=True)
class Mode:
    """Fusion weights and abstention coefficients for one kind of search (hybrid or keyword)."""

    fusion: tuple[float, float, float, float]  # bm25, cosine, best sentence cosine, closeness
    coef: tuple[float, ...]

    def fused(self, c: Candidates) -> np.ndarray:
        wb, wc, ws, wp = self.fusion
        return wb * c.bm25 + wc * c.cosine + ws * c.sentence + wp * c.closeness

    def order(self, c: Candidates) -> list[int]:
        f = self.fused(c)
        return sorted(range(len(c.ids)), key=lambda i: (-f[i], int(c.ids[i])))

    def probability(self, c: Candidates, i: int) -> float:
        z = float(np.dot(np.asarray(self.coef), features(c, i)))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


@dataclass(frozen=True)
class RankingModel:
    hybrid: Mode
    keyword: Mode

    def mode(self, semantic: bool) -> Mode:
        return self.hybrid if semantic else self.keyword

    @classmethod
    def load(cls, path: Path | None = None) -> RankingModel:
        path = path or DATA_DIR / MODEL_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if list(data["features"]) != list(FEATURES):
                raise ValueError(f"features {data['features']} are not {list(FEATURES)}")
            modes = {}
            for name in ("hybrid", "keyword"):
                m = data[name]
                fusion = tuple(float(x) for x in m["fusion"])
                coef = tuple(float(x) for x in m["coef"])
                if len(fusion) != 4 or len(coef) != len(FEATURES) or not all(map(math.isfinite, fusion + coef)):
                    raise ValueError(f"{name}: wrong number of weights or a non-finite one")
                modes[name] = Mode(fusion, coef)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"retrieval model {path} is unusable: {exc}") from None
        return cls(modes["hybrid"], modes["keyword"])


