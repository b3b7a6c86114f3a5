"""The second opinion for messages in other languages: the nearest examples in a multilingual space.

The rules know the clearest crisis phrasings of 42 languages and the n-gram model has a few dozen
examples in each; neither knows a language it was not given, nor a crisis said in other words. A
model that puts sentences of about a hundred languages in one space does: "quiero matarme" lands
beside "I want to kill myself". A message that is not in English, and that the rules did not flag,
gets the full crisis panel when its vector is nearer to emergencies than to other messages: the mean
cosine of its K nearest emergencies among the examples (English and 77 other languages), minus
that of its K nearest other examples (the margin), plus a small weight times the log-odds of two
logistic heads on the same vectors (one fitted on the English examples alone, one on all), at least
``Bank.panel`` (the alarm only 1% of the ordinary messages of a writer the bank has never seen
reach; ``scripts/train_multilingual.py``). Measured that way, the nearest examples alone catch more
than a head alone; the heads step down messages near emergencies only by their language and words
("I'm so tired after the infusion" in Russian), which English's many look-alikes teach them. A
message of several sentences is also read a sentence at a time (``sentences``): a crisis sentence
beside a clinic question is diluted in the whole message's vector. Its best sentence counts, less
``Bank.discount``, when that is higher than the whole message's alarm. The advice notice is read the
same way, without the sentences: the decision margin (nearest personal decisions against every
other example) with two heads fitted on decisions.

The model (``chatbot/retrieval/multilingual.py``) runs in a process of its own. Without it (not
installed on this platform, a file changed, the process dead), messages in other languages are judged
as before: the rules, the n-gram model at its strict point for other languages, and the crisis line
in every reply to them. This module is only the bank: numbers read from shipped data, checked
against the sha256 its card records.
"""

from __future__ import annotations

import io
import json
import math
import re
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from chatbot.errors import ConfigError
from chatbot.infra.digest import read_verified

DIM = 384  # the model's vectors
#: the panel's topics, as the bank numbers them from 1 (0: not an emergency)
TOPICS = ("suicide", "overdose", "medical", "harm")
CARD_FILE = "multilingual_card.json"
BANK_FILE = "multilingual_bank.npz"
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
# a sentence with the marks that end it ("will I sleep?" is a question, "will I sleep" reads as a
# statement); the stops: . ! ? ; a line break, an ellipsis, and the CJK (full and fullwidth), Arabic, Urdu,
# Devanagari, Armenian, Ethiopic, Burmese and Khmer ones
_STOPS = ".!?;\n\u2026\u3002\uff01\uff1f\uff1b\uff0e\u061f\u06d4\u0964\u0965\u0589\u1362\u104b\u17d4"
_SENTENCE = re.compile(f"[^{_STOPS}]+[{_STOPS}]*")
# scripts in which three characters can say it ("我想死"): Han, kana, Hangul
_DENSE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
#: sentences of one message read on their own: all of them up to this many; of a longer message, the
#: first and the last half of this many (the model reads a long message's whole only from its start:
#: READ_CHARS)
MAX_SENTENCES = 12
#: characters of one text given to the model (the whole message, or a sentence): its time grows with
#: length, and a paste of thousands of characters would outlast the time it is allowed
READ_CHARS = 1000


def sentences(message: str) -> list[str]:
    """The sentences of a message of more than one, each read on its own (none for a single sentence)."""
    parts = [p.strip() for p in _SENTENCE.findall(message)
             if len(core := p.strip().rstrip(_STOPS)) >= 4 or (len(core) >= 2 and _DENSE.search(core))]
    if len(parts) <= 1:
        return []
    half = MAX_SENTENCES // 2
    return parts if len(parts) <= MAX_SENTENCES else parts[:half] + parts[-half:]


def dequantise(codes: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """The bank's vectors from the file's int8 codes and one scale per vector."""
    return codes.astype(np.float32) * (scales.astype(np.float32)[:, None] / 127.0)


def margins(sims: np.ndarray, positive: np.ndarray, k: int) -> np.ndarray:
    """For each row of ``sims`` (one query's cosines to every example): the mean of its k highest
    among the ``positive`` examples minus the mean of its k highest among the others. The chatbot and
    scripts/train_multilingual.py (which sets the operating points on it) both score with this."""
    top_p = np.partition(sims[:, positive], -k, axis=1)[:, -k:]
    top_n = np.partition(sims[:, ~positive], -k, axis=1)[:, -k:]
    return top_p.mean(axis=1) - top_n.mean(axis=1)


def nearest(sims: np.ndarray, k: int) -> np.ndarray:
    """The indices of the k highest of ``sims``, highest first, the lower index first on a tie: what
    ``np.argsort(-sims, kind="stable")[:k]`` gives, without sorting all of them (0.8 ms of a
    message's 5 ms in the bank)."""
    if len(sims) <= k:
        return np.argsort(-sims, kind="stable")
    kth = np.partition(sims, len(sims) - k)[len(sims) - k]  # the k-th highest value
    candidates = np.flatnonzero(sims >= kth)  # every tie with it too, in index order
    return candidates[np.argsort(-sims[candidates], kind="stable")][:k]


class Reading(NamedTuple):
    """What the bank says of one message's vector."""

    margin: float  # mean cosine of the k nearest emergencies minus that of the k nearest other examples
    topic: str  # the topic most of those k emergencies have (the nearest one's on a tie)
    decision: float  # the same margin for personal decisions against every other example
    alarm: float  # the margin with its heads' weighted log-odds: the panel point is for this
    decided: float  # the decision margin with its heads' weighted log-odds: the advice point is for this


# the reading when the model could not be asked: an emergency margin of 0.0 (neither near nor far: no
# step down, no panel), no topic, and never near the decisions
UNREAD = Reading(0.0, "", float("-inf"), float("-inf"), float("-inf"))


@dataclass(frozen=True)
class Heads:
    """Two logistic heads on the model's vectors (weights then bias): one fitted on the English examples
    alone, one on every example; ``weights`` are what their log-odds count for beside a margin."""

    english: np.ndarray
    every: np.ndarray
    weights: tuple[float, float]

    @classmethod
    def read(cls, entry: dict) -> Heads:
        english, every = (np.asarray(entry[k], dtype=np.float64) for k in ("english", "all"))
        weights = tuple(float(w) for w in entry["weights"])
        if any(h.shape != (DIM + 1,) or not np.all(np.isfinite(h)) for h in (english, every)) \
                or len(weights) != 2 or not all(math.isfinite(w) and w >= 0 for w in weights):
            raise ValueError("heads")
        return cls(english, every, (weights[0], weights[1]))

    def lift(self, v: np.ndarray) -> np.ndarray:
        """The weighted log-odds of both heads for a unit vector, or for each row of a matrix of them
        (scripts/train_multilingual.py sets the operating points with this)."""
        return sum((w * (np.einsum("...i,i->...", v, h[:-1]) + h[-1])
                    for w, h in zip(self.weights, (self.english, self.every), strict=True)), np.zeros(v.shape[:-1]))


class Bank:
    """The examples' vectors (unit length, int8 in the file), which are emergencies, and the panel point.

    The card is read when the safety tier loads; the 7 MB of vectors on the first message in another
    language (an English conversation never pays for them). A bank file that is missing at load, or
    found changed or damaged when it is read, is a ConfigError: ``score`` raises it, and the caller
    judges the message without this opinion and says why.
    """

    def __init__(self, path: Path, sha256: str, k: int, panel: float, advice: float, model_sha256: str,
                 heads: dict[str, Heads] | None = None, discount: float = 0.0) -> None:
        self.path, self.sha256, self.k, self.model_sha256 = path, sha256, k, model_sha256
        self.panel, self.advice = panel, advice  # the operating points of the alarm and of the decision alarm
        # the logistic heads beside each margin ("emergency", "advice"); none: the margins alone
        self.heads = heads or {}
        self.discount = discount  # taken from a single sentence's alarm (``sentences``)
        self._vectors: np.ndarray | None = None
        self._emergency: np.ndarray | None = None
        self._topic: np.ndarray | None = None
        self._advice: np.ndarray | None = None
        self._lock = threading.Lock()

    @classmethod
    def load(cls, folder: Path = DATA_DIR) -> Bank:
        card_path, bank_path = folder / CARD_FILE, folder / BANK_FILE
        try:
            card = json.loads(card_path.read_text(encoding="utf-8"))
            k, panel, sha = int(card["k"]), float(card["panel"]), str(card["bank_sha256"])
            heads = {name: Heads.read(card["heads"][name]) for name in ("emergency", "advice")}
            discount = float(card["sentence_discount"])
            if not math.isfinite(discount) or discount < 0:
                raise ValueError("discount")
            bank = cls(bank_path, sha, k, panel, float(card["advice"]), str(card["model_sha256"]), heads, discount)
        except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
            raise ConfigError(f"{card_path}: the multilingual safety card cannot be read ({type(exc).__name__}); "
                              "reinstall the chatbot") from None
        if not bank_path.is_file() or not 1 <= k <= 50 or not math.isfinite(panel) or not math.isfinite(bank.advice):
            raise ConfigError(f"{folder}: the multilingual safety bank is missing or damaged; reinstall the chatbot")
        return bank

    def _read(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        with self._lock:
            if self._vectors is None or self._emergency is None or self._topic is None or self._advice is None:
                try:
                    with np.load(io.BytesIO(read_verified(self.path, self.sha256)), allow_pickle=False) as z:
                        codes, scales, emergency = z["codes"], z["scales"], z["emergency"].astype(bool)
                        topic, advice = z["topic"].astype(np.int64), z["advice"].astype(bool)
                    if codes.ndim != 2 or codes.shape[1] != DIM or len(scales) != len(codes) \
                            or len(emergency) != len(codes) or not emergency.any() or emergency.all() \
                            or len(topic) != len(codes) or np.any((topic > 0) != emergency) or topic.max() > len(TOPICS) \
                            or len(advice) != len(codes) or not advice.any():
                        raise ValueError("shape")
                except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
                    raise ConfigError(f"{self.path}: the multilingual safety bank is changed or damaged "
                                      f"({exc if isinstance(exc, ValueError) else type(exc).__name__}); "
                                      "reinstall the chatbot") from None
                self._vectors = dequantise(codes, scales)
                self._emergency, self._topic, self._advice = emergency, topic, advice
            return self._vectors, self._emergency, self._topic, self._advice

    def score(self, vector: np.ndarray) -> Reading:
        """The message's reading (``Reading``) from its vector."""
        vectors, emergency, topic, advice = self._read()
        v = np.asarray(vector, dtype=np.float32)
        v = v / max(float(np.linalg.norm(v)), 1e-12)
        # einsum, not a BLAS product: BLAS threads left spinning after it would take the CPUs the
        # model's own process needs for the next message (its time doubled in the benchmark)
        sims = np.einsum("ij,j->i", vectors, v)[None, :]
        votes = [int(t) for t in topic[emergency][nearest(sims[0, emergency], self.k)]]
        best = max(votes, key=lambda t: (votes.count(t), -votes.index(t)))
        margin, decision = float(margins(sims, emergency, self.k)[0]), float(margins(sims, advice, self.k)[0])
        v64 = v.astype(np.float64)
        lift = {name: float(h.lift(v64)) for name, h in self.heads.items()}
        return Reading(margin, TOPICS[best - 1], decision, margin + lift.get("emergency", 0.0),
                       decision + lift.get("advice", 0.0))
