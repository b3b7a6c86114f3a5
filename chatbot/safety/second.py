"""The second opinion: a classifier head on the sentence embeddings, and the stack that joins it to
the n-gram model into one emergency score with two operating points.

The n-gram model (``classifier``) reads words and spellings, so "will it make me sleepy" can look
like "I want to sleep forever" to it. The second opinion reads the sentence model's vector of the
same sentence, which places meaning, not spelling, in two ways: a small network (one hidden layer)
on the vector, and how much closer the sentence is to the reviewed emergency examples than to the
others (the mean cosine of the three nearest of each, from a bank of the English examples' vectors).
A small logistic stack joins the n-gram log-odds, the head's log-odds and that margin into one
score. The stack and the thresholds are in ``data/safety_head.json``, the head's weights in
``data/safety_head.npz``, the bank in ``data/safety_bank.npz``; all are made with the n-gram weights
by ``scripts/train_safety.py`` and scored here with numpy.

Operating points, from cross-validation on the reviewed examples:
- ``panel``: at or above it, the full crisis panel (an emergency);
- ``line``: at or above it, one calm line with the crisis numbers after the answer.
Without a vector (the sentence model is not available, or the message is not in English, which the
sentence model does not read) the n-gram probability alone is held to its own, stricter pair; in
another language, where every message gets the crisis line anyway, to a third pair whose panel point
keeps the panel off all but 5% of the ordinary examples.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chatbot.data import DATA_DIR
from chatbot.errors import ConfigError
from chatbot.infra.digest import read_verified

HEAD = "safety_head.json"
HEAD_WEIGHTS = "safety_head.npz"
BANK = "safety_bank.npz"
NEIGHBOURS = 3


def logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _top_mean(sims: np.ndarray) -> float:
    k = min(NEIGHBOURS, len(sims))
    return float(np.partition(sims, -k)[-k:].astype(np.float32).mean())


@dataclass(frozen=True)
class Points:
    """Two thresholds on one score: the full panel, and the calm crisis line."""

    panel: float
    line: float


@dataclass(frozen=True)
class Head:
    """Emergency or not from a sentence vector: one hidden layer of rectified units (float32)."""

    w1: np.ndarray  # (dim, hidden)
    b1: np.ndarray  # (hidden,)
    w2: np.ndarray  # (hidden,)
    b2: np.ndarray  # (1,)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """The emergency probability of each row of ``x``."""
        h = np.maximum(np.asarray(x, dtype=np.float32) @ self.w1 + self.b1, 0)
        z = np.clip(h @ self.w2 + self.b2[0], -40.0, 40.0)
        return 1.0 / (1.0 + np.exp(-z.astype(np.float64)))

    def save(self, path: Path) -> None:
        np.savez(path, w1=self.w1, b1=self.b1, w2=self.w2, b2=self.b2)

    @classmethod
    def read(cls, path: Path, sha256: str) -> Head:
        with np.load(io.BytesIO(read_verified(path, sha256)), allow_pickle=False) as npz:
            head = cls(*(npz[k].astype(np.float32) for k in ("w1", "b1", "w2", "b2")))
        hidden = head.w1.shape[1] if head.w1.ndim == 2 else -1
        if hidden < 1 or head.b1.shape != (hidden,) or head.w2.shape != (hidden,) or head.b2.shape != (1,) \
                or not all(np.all(np.isfinite(a)) for a in (head.w1, head.b1, head.w2, head.b2)):
            raise ValueError(f"{path.name} has the wrong shape or values that are not finite")
        return head


class SecondOpinion:
    def __init__(self, head: Head, stack: tuple[float, ...],
                 joined: Points, alone: Points, model_checksum: str, bank: np.ndarray, emergency: np.ndarray) -> None:
        self.net = head
        self.stack = stack  # (n-gram log-odds, head log-odds, neighbour margin, intercept)
        self.foreign = alone  # the n-gram model alone on a message in another language
        self.bank = bank  # unit vectors of the English examples (float16)
        self.emergency = emergency  # which of them are emergencies
        self.joined = joined
        self.alone = alone
        self.model_checksum = model_checksum

    @classmethod
    def load(cls, folder: Path = DATA_DIR) -> SecondOpinion:
        path = folder / HEAD
        try:
            raw = path.read_bytes()
            card = json.loads(raw.decode("utf-8"))
            head = Head.read(folder / HEAD_WEIGHTS, str(card["head_sha256"]))
            stack = tuple(float(v) for v in card["stack"])
            read_verified(folder / BANK, str(card["bank_sha256"]))
            # loaded from the file again, not from the bytes just checked: 8 ms sooner for this 16 MB bank
            with np.load(folder / BANK, allow_pickle=False) as npz:
                bank, emergency = npz["vectors"], npz["emergency"].astype(bool)
            if bank.ndim != 2 or bank.shape[1] != head.w1.shape[0] or emergency.shape != (len(bank),) \
                    or emergency.all() or not emergency.any():
                raise ValueError(f"{BANK} has the wrong shape")
            joined = Points(float(card["thresholds"]["joined"]["panel"]), float(card["thresholds"]["joined"]["line"]))
            alone = Points(float(card["thresholds"]["alone"]["panel"]), float(card["thresholds"]["alone"]["line"]))
            f = card["thresholds"].get("foreign", card["thresholds"]["alone"])
            foreign = Points(float(f["panel"]), float(f["line"]))
            if len(stack) != 4 or not all(math.isfinite(v) for v in stack):
                raise ValueError("wrong shape or values that are not finite")
            for p in (joined, alone, foreign):
                if not 0.0 < p.line <= p.panel < 1.0:
                    raise ValueError(f"thresholds {p} must satisfy 0 < line <= panel < 1")
        except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
            raise ConfigError(f"safety second opinion {path} is unusable: {exc}") from None
        out = cls(head, stack, joined, alone, str(card.get("model_sha256", "")), bank, emergency)
        out.foreign = foreign
        return out

    @property
    def dim(self) -> int:
        return int(self.net.w1.shape[0])

    def head(self, vector: np.ndarray) -> float:
        """The head's emergency probability for one sentence vector."""
        return float(self.net.probabilities(vector[None, :])[0])

    def margin(self, vector: np.ndarray) -> float:
        """How much nearer the sentence is to the emergency examples than to the others."""
        sims = self.bank @ vector.astype(self.bank.dtype)
        em, other = sims[self.emergency], sims[~self.emergency]
        return _top_mean(em) - _top_mean(other)

    def score(self, ngram: float, vector: np.ndarray | None, english: bool = True) -> tuple[float, Points]:
        """One emergency score and the operating points it is held to."""
        if vector is None:
            return ngram, self.alone if english else self.foreign
        a, b, c, d = self.stack
        z = a * logit(ngram) + b * logit(self.head(vector)) + c * self.margin(vector) + d
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0))), self.joined
