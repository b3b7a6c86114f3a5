"""The second opinion on a classifier alarm: the head, the neighbour margin, the stack, the cards."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from chatbot.data import DATA_DIR
from chatbot.errors import ConfigError
from chatbot.safety.second import BANK, HEAD, HEAD_WEIGHTS, Head, Points, SecondOpinion


def _copy(tmp_path: Path) -> Path:
    for name in (HEAD, HEAD_WEIGHTS, BANK):
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
    {"stack": [1.0, float("nan"), 1.0, 0.0]},
    {"head_sha256": "0" * 64},
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


def _head(dim: int, hidden: int = 3) -> Head:
    """A head that says 0.5 of everything."""
    return Head(np.zeros((dim, hidden), np.float32), np.zeros(hidden, np.float32), np.zeros(hidden, np.float32),
                np.zeros(1, np.float32))


def test_a_tampered_head_is_refused(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    with np.load(folder / HEAD_WEIGHTS) as npz:
        arrays = {k: npz[k].copy() for k in npz.files}
    arrays["w2"][0] += 1.0
    np.savez(folder / HEAD_WEIGHTS, **arrays)
    with pytest.raises(ConfigError, match="checksum"):
        SecondOpinion.load(folder)


@pytest.mark.parametrize("damage", ["truncated", "wrong shape", "not finite"])
def test_a_damaged_head_is_refused_with_a_clear_error(tmp_path: Path, damage: str) -> None:
    import hashlib

    folder = _copy(tmp_path)
    path = folder / HEAD_WEIGHTS
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:1000])
    else:
        with np.load(path) as npz:
            arrays = {k: npz[k].copy() for k in npz.files}
        if damage == "wrong shape":
            arrays["w2"] = arrays["w2"][:-1]
        else:
            arrays["b1"][0] = np.nan
        np.savez(path, **arrays)
    card = json.loads((folder / HEAD).read_text())
    card["head_sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (folder / HEAD).write_text(json.dumps(card))
    with pytest.raises(ConfigError, match="second opinion"):
        SecondOpinion.load(folder)


def test_the_head_is_a_rectified_hidden_layer() -> None:
    head = Head(np.array([[1.0, -1.0]], np.float32), np.zeros(2, np.float32), np.array([2.0, 3.0], np.float32),
                np.array([-1.0], np.float32))
    # x = 1: hidden (1, 0) -> z = 2 - 1 = 1; x = -1: hidden (0, 1) -> z = 3 - 1 = 2
    np.testing.assert_allclose(head.probabilities(np.array([[1.0], [-1.0]])), 1 / (1 + np.exp(-np.array([1.0, 2.0]))))


def test_the_shipped_head_separates_the_examples_it_was_fitted_on() -> None:
    """Sanity of the shipped weights (not evidence of quality: these are its own training examples)."""
    s = SecondOpinion.load()
    p = s.net.probabilities(s.bank.astype(np.float32))
    assert p[s.emergency].mean() > 0.8 > 0.2 > p[~s.emergency].mean()


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v)).astype(np.float32)


def test_the_margin_favours_the_nearer_group() -> None:
    bank = np.vstack([np.eye(4), np.eye(4)]).astype(np.float16)
    emergency = np.array([True, True, True, False, True, True, True, False])
    s = SecondOpinion(_head(4), (1.0, 1.0, 1.0, 0.0), Points(0.9, 0.5), Points(0.9, 0.5), "", bank, emergency)
    near_emergency = _unit(np.array([1.0, 1.0, 1.0, 0.0]))
    near_other = _unit(np.array([0.0, 0.0, 0.1, 1.0]))
    assert s.margin(near_emergency) > 0 > s.margin(near_other)
    assert s.score(0.5, near_emergency)[0] > s.score(0.5, near_other)[0]
