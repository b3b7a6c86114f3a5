"""The second opinion on a classifier alarm: the head, the neighbour margin, the stack, the cards."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from chatbot.data import DATA_DIR
from chatbot.errors import ConfigError
from chatbot.safety.second import BANK, HEAD, Points, SecondOpinion


def _copy(tmp_path: Path) -> Path:
    for name in (HEAD, BANK):
        shutil.copy(DATA_DIR / name, tmp_path / name)
    return tmp_path


def test_the_shipped_second_opinion_loads() -> None:
    s = SecondOpinion.load()
    assert s.dim == 384 and s.bank.shape[1] == 384 and s.emergency.any() and not s.emergency.all()
    for p in (s.joined, s.alone):
        assert 0 < p.line <= p.panel < 1


def test_a_tampered_bank_is_refused(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    with np.load(folder / BANK) as npz:
        vectors, emergency = npz["vectors"].copy(), npz["emergency"].copy()
    emergency[:10] = ~emergency[:10]
    np.savez(folder / BANK, vectors=vectors, emergency=emergency)
    with pytest.raises(ConfigError, match="checksum"):
        SecondOpinion.load(folder)


@pytest.mark.parametrize("change", [
    {"stack": [1.0, 2.0]},
    {"thresholds": {"joined": {"panel": 0.2, "line": 0.5}, "alone": {"panel": 0.5, "line": 0.1}}},
    {"bias": float("nan")},
])
def test_a_card_of_the_wrong_shape_is_refused(tmp_path: Path, change: dict) -> None:
    folder = _copy(tmp_path)
    card = json.loads((folder / HEAD).read_text())
    card.update(change)
    (folder / HEAD).write_text(json.dumps(card))
    with pytest.raises(ConfigError, match="second opinion"):
        SecondOpinion.load(folder)


def test_without_a_vector_the_ngram_model_is_held_to_its_own_points() -> None:
    s = SecondOpinion.load()
    score, points = s.score(0.7, None)
    assert score == 0.7 and points == s.alone


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v)).astype(np.float32)


def test_the_margin_favours_the_nearer_group() -> None:
    bank = np.vstack([np.eye(4), np.eye(4)]).astype(np.float16)
    emergency = np.array([True, True, True, False, True, True, True, False])
    s = SecondOpinion(np.zeros(4, dtype=np.float32), 0.0, (1.0, 1.0, 1.0, 0.0), Points(0.9, 0.5), Points(0.9, 0.5),
                      "", bank, emergency)
    near_emergency = _unit(np.array([1.0, 1.0, 1.0, 0.0]))
    near_other = _unit(np.array([0.0, 0.0, 0.1, 1.0]))
    assert s.margin(near_emergency) > 0 > s.margin(near_other)
    assert s.score(0.5, near_emergency)[0] > s.score(0.5, near_other)[0]
