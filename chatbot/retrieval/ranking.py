"""Hybrid ranking and learned abstention: BM25 finds the words, the sentence model finds the meaning.

For one question, ``candidates`` gathers the best passages by BM25 and by cosine similarity and
measures each: BM25 score (as a share of the best), cosine, coverage (the IDF-weighted share of the
question's units found in it), closeness (the share found in one sentence) and whether it says
anything of the kind the question asks for (a price, a figure, pregnancy: chatbot/retrieval/asked.py). ``RankingModel``
fuses them with weights chosen by cross-validation, and turns the top passage's features into a
probability that it answers the question (a logistic model). Both come from
``data/retrieval_model.json``, fitted by ``scripts/fit_retrieval.py`` on labelled patient questions.
There is one set of coefficients for each kind of search: ``memory`` (hybrid search on the bundled
articles, with the labelled question memory of chatbot/retrieval/memory.py), ``hybrid`` (any other articles)
and ``keyword`` (no sentence model).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from chatbot.articles.index import BM25Index
from chatbot.data import DATA_DIR
from chatbot.errors import ConfigError
from chatbot.retrieval.asked import AskedKind, unsupplied
from chatbot.retrieval.dense import DenseScores

MODEL_FILE = "retrieval_model.json"
CANDIDATES = 12
# In closeness, even a word found in every passage ("ketamine") counts for this much.
PROXIMITY_FLOOR = 1.0
FEATURES = ("bias", "cosine", "max_cosine", "coverage", "unknown", "bm25", "closeness", "cosine_margin",
            "max_coverage", "units", "sentence", "max_sentence", "article_coverage", "article_margin",
            "unsupplied")
# and with the labelled question memory
MEMORY_FEATURES = FEATURES + ("memory", "memory_abstain", "memory_best", "memory_margin", "memory_best_margin",
                              "memory_abstain_share")
MEMORY_CANDIDATES = 3  # passages the memory adds to the candidates


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
    memory: np.ndarray | None = None  # per candidate: the nearest labelled question it answers
    memory_abstain: float = 0.0
    memory_best: float = 0.0
    memory_share: float = 0.0
    static: bool = False  # the semantic scores come from static token vectors (chatbot/retrieval/static.py)
    # per candidate: the IDF-weighted share of the question's units found anywhere in its article
    article_coverage: np.ndarray | None = None
    articles: np.ndarray | None = None  # per candidate: its article's number
    # per candidate: a passage of an article added since the memory's questions were labelled
    memory_new: np.ndarray | None = None
    # per candidate: 1.0 if it says nothing of a kind of thing the question asks for (asked.py)
    unsupplied: np.ndarray | None = None


def _top(values: np.ndarray, k: int) -> list[int]:
    kk = min(k, len(values))
    top = np.argpartition(-values, kk - 1)[:kk] if len(values) > kk else np.arange(len(values))
    return sorted(int(i) for i in top)


def article_coverage(index: BM25Index, article_of: np.ndarray, ids: np.ndarray,
                     units: list[tuple[str, ...]], weights: list[float]) -> np.ndarray:
    """For each candidate, the weighted share of the question's units that its whole article uses
    (passages of one article are consecutive: ``article_of`` is ascending)."""
    arts = article_of[ids]
    uniq = np.unique(arts)
    starts = np.searchsorted(article_of, uniq, "left")
    ends = np.searchsorted(article_of, uniq, "right")
    covered = np.zeros(len(uniq))
    for unit, w in zip(units, weights, strict=True):
        hit = np.zeros(len(uniq), dtype=bool)
        for t in unit:
            tid = index.vocab.get(t)
            if tid is None:
                continue
            plist = index.post_docs[int(index.offsets[tid]): int(index.offsets[tid + 1])]
            if not len(plist):
                continue
            pos = np.searchsorted(plist, starts)
            hit |= (pos < len(plist)) & (plist[np.minimum(pos, len(plist) - 1)] < ends)
        covered += w * hit
    total = sum(weights) or 1.0
    return (covered / total)[np.searchsorted(uniq, arts)]


def candidates(index: BM25Index, units: list[tuple[str, ...]], terms: list[str], unknown_weight: float,
               dense: DenseScores | None, k: int = CANDIDATES, article_of: np.ndarray | None = None,
               asked: Sequence[AskedKind] = (), texts: Sequence[str] | None = None) -> Candidates:
    """The question's candidates, measured. ``asked``: what the question asks for, checked against
    each candidate's text in ``texts`` (all passages' texts, by passage number)."""
    cos, sent = (dense.cosine, dense.sentence) if dense is not None else (None, None)
    mem = dense.memory if dense is not None else None
    scores = index.matched_scores(terms) if terms else np.zeros(index.n_docs)
    best = float(scores.max()) if index.n_docs else 0.0
    pool = index.top(scores, k)
    if cos is not None and sent is not None:
        for sim in (cos, sent):
            pool = list(dict.fromkeys(pool + _top(sim, k)))
    if mem is not None:
        pool = list(dict.fromkeys(pool + [i for i in _top(mem.passage, MEMORY_CANDIDATES) if mem.passage[i] > 0]))
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
    art = article_coverage(index, article_of, ids, units, weights) if article_of is not None and len(ids) else None
    return Candidates(ids, raw / best if best > 0 else np.zeros(len(ids)), raw,
                      cos[ids] if cos is not None and len(ids) else np.zeros(len(ids)),
                      sent[ids] if sent is not None and len(ids) else np.zeros(len(ids)),
                      coverage, closeness, unknown, len(units), cos is not None,
                      None if mem is None else (mem.passage[ids] if len(ids) else np.zeros(0)),
                      mem.abstain if mem else 0.0, mem.best if mem else 0.0, mem.abstain_share if mem else 0.0,
                      bool(dense is not None and dense.static), art,
                      article_of[ids] if article_of is not None and len(ids) else None,
                      None if mem is None or mem.new is None else mem.new[ids],
                      unsupplied(asked, [texts[int(i)] for i in ids]) if asked and texts is not None else None)


def features(c: Candidates, i: int) -> np.ndarray:
    """The abstention model's inputs for candidate ``i`` (see FEATURES)."""
    per_unit = math.log1p(float(c.bm25_raw[i]) / max(1, c.n_units))
    cos = np.sort(c.cosine)[::-1] if len(c.cosine) else np.zeros(1)
    margin = float(cos[0] - cos[1]) if len(cos) > 1 else 0.0
    base = [1.0, c.cosine[i], float(cos[0]), c.coverage[i], c.unknown, per_unit, c.closeness[i], margin,
            float(c.coverage.max()) if len(c.coverage) else 0.0, math.log1p(c.n_units), c.sentence[i],
            float(c.sentence.max()) if len(c.sentence) else 0.0, *_article_features(c, i),
            float(c.unsupplied[i]) if c.unsupplied is not None else 0.0]
    if c.memory is not None:
        m = float(c.memory[i])
        base += [m, c.memory_abstain, c.memory_best, m - c.memory_abstain, c.memory_best - c.memory_abstain,
                 c.memory_share]
    return np.asarray(base)


def _article_features(c: Candidates, i: int) -> tuple[float, float]:
    """How much of the question candidate ``i``'s own article covers, and how far the best
    similarity within that article is ahead of the best in any other article (0: no other)."""
    cov = float(c.article_coverage[i]) if c.article_coverage is not None else 0.0
    if c.articles is None or not c.semantic or not len(c.cosine):
        return cov, 0.0
    same = c.articles == c.articles[i]
    sims = np.maximum(c.cosine, c.sentence)
    own = float(sims[same].max())
    other = sims[~same]
    return cov, own - float(other.max()) if len(other) else own


@dataclass(frozen=True)
class Mode:
    """Fusion weights and abstention coefficients for one kind of search (memory, hybrid or keyword)."""

    fusion: tuple[float, float, float, float, float]  # bm25, cosine, best sentence cosine, closeness, memory
    coef: tuple[float, ...]

    def fused(self, c: Candidates) -> np.ndarray:
        wb, wc, ws, wp, wm = self.fusion
        f = wb * c.bm25 + wc * c.cosine + ws * c.sentence + wp * c.closeness
        return f + wm * c.memory if c.memory is not None else f

    def order(self, c: Candidates) -> list[int]:
        f = self.fused(c)
        return sorted(range(len(c.ids)), key=lambda i: (-f[i], int(c.ids[i])))

    def probability(self, c: Candidates, i: int) -> float:
        z = float(np.dot(np.asarray(self.coef), features(c, i)))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


MODES = {"memory": MEMORY_FEATURES, "hybrid": FEATURES, "static": FEATURES, "keyword": FEATURES}


@dataclass(frozen=True)
class RankingModel:
    hybrid: Mode
    keyword: Mode
    memory: Mode
    static: Mode

    def probability(self, c: Candidates, i: int) -> float:
        """The probability that candidate ``i`` answers. The memory speaks only for the passages its
        questions were labelled on: a passage of an article the clinic added since is one no labelled
        question points to, and the memory's measurements would count that against it ("is there
        parking" declined although the clinic's new page answers it), so it is judged as hybrid
        search judges any clinic's articles."""
        if c.memory is not None and c.memory_new is not None and c.memory_new[i]:
            return self.hybrid.probability(replace(c, memory=None, memory_new=None), i)
        return self.mode_of(c).probability(c, i)

    def mode_of(self, c: Candidates) -> Mode:
        if c.memory is not None:
            return self.memory
        if c.static:
            return self.static
        return self.hybrid if c.semantic else self.keyword

    @classmethod
    def load(cls, path: Path | None = None) -> RankingModel:
        path = path or DATA_DIR / MODEL_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            modes = {}
            for name, names in MODES.items():
                m = data[name]
                if list(m["features"]) != list(names):
                    raise ValueError(f"{name}: features {m['features']} are not {list(names)}")
                fusion = tuple(float(x) for x in m["fusion"])
                coef = tuple(float(x) for x in m["coef"])
                if len(fusion) != 5 or len(coef) != len(names) or not all(map(math.isfinite, fusion + coef)):
                    raise ValueError(f"{name}: wrong number of weights or a non-finite one")
                modes[name] = Mode(fusion, coef)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"retrieval model {path} is unusable: {exc}") from None
        return cls(modes["hybrid"], modes["keyword"], modes["memory"], modes["static"])


