"""Tier 2 of safety: a linear classifier over hashed n-grams, scored with numpy.

The weights (``data/safety_weights.npy``) and their card (``data/safety_model.json``: classes,
thresholds, checksums, cross-validated figures) are made by ``scripts/train_safety.py`` from the
reviewed examples in ``data/safety_examples.tsv``. At load the weights' shape and sha256 are checked
against the card, and the card's checksum of the examples against the shipped examples file: a
mismatch is an error naming the file, never a silent "no safety".

A message is scored as a whole and sentence by sentence; the highest emergency probability counts,
so one crisis sentence inside a long message is not diluted by the rest.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chatbot.data import DATA_DIR
from chatbot.errors import ConfigError
from chatbot.infra.digest import sha256_file
from chatbot.safety.features import DIM, prepared, vector

EMERGENCY_CLASSES = ("suicide", "overdose", "medical", "harm")
WEIGHTS = "safety_weights.npy"
CARD = "safety_model.json"
EXAMPLES = "safety_examples.tsv"
_SENTENCES = re.compile(r"[.!?;\n]+|\s(?:but|and then|also|anyway|btw)\s")


#: a sentence of fewer words than this is scored together with the one before it (or, first, after it)
SHORT_PART = 5


def sentence_parts(message: str) -> list[tuple[str, str]]:
    """The sentences of a message: (as typed, prepared), two words or more. Training learns each
    sentence of an ordinary message as an ordinary example of its own."""
    return [(raw, p) for raw in _SENTENCES.split(message) if len((p := prepared(raw)).split()) >= 2]


def scored_parts(message: str) -> list[tuple[str, str]]:
    """The parts of a message that are scored on their own: its sentences, each one of fewer than
    ``SHORT_PART`` words joined to its neighbour (as typed, with the punctuation between them).
    Alone, a fragment says too little for either model ("lost and found?", "my husband keeps
    asking" scored as emergencies); a short emergency is scored with its neighbour and as the whole
    message, and the rules read every sentence alone."""
    spans: list[tuple[int, int, str]] = []  # (start, end, prepared text) of each part in the message
    start = 0
    for cut in [*_SENTENCES.finditer(message), None]:
        end = cut.start() if cut is not None else len(message)
        text = prepared(message[start:end])
        if text:
            if spans and (len(text.split()) < SHORT_PART or len(spans[-1][2].split()) < SHORT_PART):
                first = spans[-1][0]
                spans[-1] = (first, end, prepared(message[first:end]))
            else:
                spans.append((start, end, text))
        if cut is not None:
            start = cut.end()
    return [(message[a:b].strip(), text) for a, b, text in spans if len(text.split()) >= 2]


@dataclass(frozen=True)
class Prediction:
    """Class probabilities for one message (the most alarming of its sentences for emergencies)."""

    emergency: float  # probability that some sentence is an emergency
    topic: str  # the most likely emergency class for that sentence
    advice: float
    smalltalk: float
    part: str = ""  # the sentence that raised the emergency probability (the whole message if none did)


class SafetyClassifier:
    def __init__(self, weights: np.ndarray, bias: np.ndarray, classes: list[str], thresholds: dict[str, float]) -> None:
        self.weights = weights
        self.bias = bias
        self.classes = classes
        self.thresholds = thresholds
        self._emergency = [classes.index(c) for c in EMERGENCY_CLASSES]
        self._advice = classes.index("advice")
        self._small = classes.index("smalltalk")

    @classmethod
    def load(cls, folder: Path = DATA_DIR) -> SafetyClassifier:
        weights_path, card_path, examples_path = folder / WEIGHTS, folder / CARD, folder / EXAMPLES
        try:
            card = json.loads(card_path.read_text(encoding="utf-8"))
            classes = list(card["classes"])
            thresholds = {str(k): float(v) for k, v in card["thresholds"].items()}
            if not all(0.0 < v <= 1.0 for v in thresholds.values()):  # nan fails too
                raise ValueError(f"thresholds {thresholds} must be probabilities above 0")
            bias = np.asarray(card["bias"], dtype=np.float32)
            if not np.all(np.isfinite(bias)):
                raise ValueError("the bias is not finite")
            expected_weights, expected_examples = str(card["weights_sha256"]), str(card["examples_sha256"])
        except Exception as exc:  # a card of the wrong shape, whatever it holds: never a traceback
            raise ConfigError(f"safety classifier card {card_path} is unusable: {exc}") from None
        try:
            actual = sha256_file(weights_path)
        except OSError as exc:
            raise ConfigError(f"safety classifier weights {weights_path} cannot be read: {exc}") from None
        if actual != expected_weights:
            raise ConfigError(f"safety classifier weights {weights_path} failed their checksum "
                              f"(expected {expected_weights[:12]}…, found {actual[:12]}…); reinstall the package")
        try:
            if sha256_file(examples_path) != expected_examples:
                raise ConfigError(f"safety examples {examples_path} do not match the weights trained from them: "
                                  "run scripts/train_safety.py")
        except OSError as exc:
            raise ConfigError(f"safety examples {examples_path} cannot be read: {exc}") from None
        try:
            weights = np.load(weights_path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"safety classifier weights {weights_path} are unusable: {exc}") from None
        needed = set(EMERGENCY_CLASSES) | {"advice", "smalltalk", "other"}
        if weights.shape != (len(classes), DIM) or bias.shape != (len(classes),) or not needed <= set(classes) \
                or not {"emergency", "advice", "smalltalk"} <= set(thresholds):
            raise ConfigError(f"safety classifier weights {weights_path} have shape {weights.shape}, "
                              f"expected {(len(classes), DIM)} for classes {classes}")
        return cls(weights, bias, classes, thresholds)

    def probabilities(self, text: str) -> np.ndarray:
        """Class probabilities of one prepared text."""
        idx, val = vector(text)
        logits = self.bias.astype(np.float64)
        if len(idx):
            logits = logits + self.weights[:, idx].astype(np.float32) @ val
        logits = logits - logits.max()
        p = np.exp(logits)
        return np.asarray(p / p.sum())

    def predict(self, message: str) -> Prediction:
        text = prepared(message)
        whole = self.probabilities(text)
        best, best_part = whole, message
        best_e = float(whole[self._emergency].sum())
        parts = scored_parts(message)
        if len(parts) > 1:
            for raw, part in parts:
                probs = self.probabilities(part)
                e = float(probs[self._emergency].sum())
                if e > best_e:
                    best, best_e, best_part = probs, e, raw
        topic = EMERGENCY_CLASSES[int(np.argmax(best[self._emergency]))]
        return Prediction(best_e, topic, float(whole[self._advice]), float(whole[self._small]), best_part)

    def is_emergency(self, p: Prediction) -> bool:
        return p.emergency >= self.thresholds["emergency"]

    def is_advice(self, p: Prediction) -> bool:
        return p.advice >= self.thresholds["advice"]

    def is_smalltalk(self, p: Prediction) -> bool:
        return p.smalltalk >= self.thresholds["smalltalk"]
