"""The second opinion for messages in other languages: multilingual-e5-small and a logistic head.

The rules know the clearest crisis phrasings of 42 languages and the n-gram model has a few dozen
examples in each; neither knows a language it was not given, nor a crisis said in other words. A
model that puts sentences of about a hundred languages in one space does: "quiero matarme" lands
beside "I want to kill myself". A message that is not in English, and that the rules did not flag,
gets the full crisis panel when a logistic head on its multilingual-e5-small vector says so
(``Head.panel``: the score reached by only 1% of the ordinary messages in other languages, each
language scored with a head fitted without it; ``scripts/train_multilingual.py``).

The model (``chatbot/retrieval/multilingual.py``) runs in a process of its own. Without it (not
installed on this platform, a file changed, the process dead), messages in other languages are judged
as before: the rules, the n-gram model at its strict point for other languages, and the crisis line
in every reply to them. This module is only the head: numbers read from shipped data.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chatbot.errors import ConfigError

DIM = 384  # the model's vectors
HEAD_FILE = "multilingual_head.json"
DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class Head:
    """The logistic head on the model's vectors, and its panel point."""

    weights: np.ndarray
    bias: float
    panel: float
    model_sha256: str

    @classmethod
    def load(cls, folder: Path = DATA_DIR) -> Head:
        """Part of the safety tier: a missing or damaged file is a ConfigError, never "no opinion"."""
        path = folder / HEAD_FILE
        try:
            card = json.loads(path.read_text(encoding="utf-8"))
            weights = np.asarray(card["weights"], dtype=np.float64)
            bias, panel = float(card["bias"]), float(card["panel"])
            sha = str(card["model_sha256"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{path}: the multilingual safety head cannot be read ({type(exc).__name__}); "
                              "reinstall the chatbot") from None
        if weights.shape != (DIM,) or not np.all(np.isfinite(weights)) or not math.isfinite(bias) \
                or not 0.0 < panel < 1.0:
            raise ConfigError(f"{path}: the multilingual safety head is damaged; reinstall the chatbot")
        return cls(weights, bias, panel, sha)

    def score(self, vector: np.ndarray) -> float:
        z = float(np.dot(self.weights, np.asarray(vector, dtype=np.float64))) + self.bias
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))
