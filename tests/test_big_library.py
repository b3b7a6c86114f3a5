"""Issue 24, items 3 and 4: big libraries finish, once. The full model's vectors are built in
checkpoints (a stopped build goes on from the last one), `chatbot index` builds everything ahead of
time with progress, and a library of 4,600 passages answers with meaning from its second `ask` on.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from chatbot.retrieval import dense
from tests.conftest import REPO

QUESTION = "how long does an infusion take"


def run(argv: list[str], timeout: float = 60) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "chatbot", *argv], capture_output=True, text=True, cwd=REPO,
                          env=dict(os.environ), timeout=timeout)
    return proc, time.monotonic() - start


class CountingModel:
    """A stand-in model (fast and exact): a text's vector from its hash; it can be told to crash."""

    name, dim, checksum = "counting", 16, "c" * 64

    def __init__(self, crash_after: int | None = None) -> None:
        self.encoded: list[str] = []
        self.crash_after = crash_after

    def encode(self, texts: list[str]) -> np.ndarray:
        if self.crash_after is not None and len(self.encoded) >= self.crash_after:
            raise RuntimeError("the model's process died")
        self.encoded += texts
        out = np.stack([np.random.default_rng(abs(hash(t)) % 2**32).normal(size=self.dim) for t in texts])
        return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


def test_a_stopped_build_goes_on_from_its_checkpoint(small_kb, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(dense, "CHUNK", 2)
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    texts, many = dense.texts_to_encode(small_kb)
    total = len(texts) + len(many)
    assert total >= 5
    stopped = CountingModel(crash_after=2)
    with pytest.raises(RuntimeError):
        dense.passage_vectors(small_kb, stopped, cache)  # type: ignore[arg-type]
    assert len(stopped.encoded) == 2 and not list(cache.glob("vec-*.npz"))
    again = CountingModel()
    done = dense.passage_vectors(small_kb, again, cache)  # type: ignore[arg-type]
    assert len(again.encoded) == total - 2  # the first checkpoint was not encoded again
    whole = CountingModel().encode(texts + [s for _, s in many])
    np.testing.assert_allclose(np.vstack([done.vectors, done.sentence_vectors]), whole, atol=1e-6)
    assert list(cache.glob("vec-*.npz")) and not list(cache.glob("vecparts-*"))  # checkpoints folded in


def small_library(tmp_path: Path, articles: int, paragraphs: int) -> Path:
    folder = tmp_path / "library"
    subprocess.run([sys.executable, str(REPO / "scripts" / "make_corpus.py"), str(folder), "--articles", str(articles),
                    "--paragraphs", str(paragraphs)], check=True, capture_output=True)
    return folder


def test_index_builds_the_vectors_once_with_progress(tmp_path: Path) -> None:
    folder = small_library(tmp_path, 3, 6)
    proc, _ = run(["--corpus", str(folder), "index"])
    assert proc.returncode == 0, proc.stderr
    assert "sentence vectors: 100%" in proc.stderr and "passages from 3 articles" in proc.stdout
    assert "sentence model all-MiniLM-L6-v2" in proc.stdout
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "ketamine-faq-chatbot"
    assert len(list(cache.glob("vec-*.npz"))) == 1 and not list(cache.glob("vecparts-*"))
    proc, _ = run(["--corpus", str(folder), "ask", "--json", "how long does an infusion take"])
    assert proc.returncode == 0 and json.loads(proc.stdout)["search"] == "hybrid" and proc.stderr == "", proc.stderr
    proc, _ = run(["--corpus", str(folder), "index"])  # a second run finds everything built
    assert proc.returncode == 0 and "sentence vectors" not in proc.stderr, proc.stderr


def test_index_over_the_limit_builds_static_vectors(tmp_path: Path) -> None:
    folder = small_library(tmp_path, 2, 6)
    config = tmp_path / "settings.toml"
    config.write_text("semantic_max_passages = 5\n", encoding="utf-8")
    proc, _ = run(["--config", str(config), "--corpus", str(folder), "index"])
    assert proc.returncode == 0, proc.stderr
    assert "static token vectors" in proc.stdout and "passage vectors: 100%" in proc.stderr
    proc, _ = run(["--config", str(config), "--corpus", str(folder), "ask", "--json", "how long does an infusion take"])
    assert proc.returncode == 0 and json.loads(proc.stdout)["search"] == "hybrid", proc.stderr


def test_index_refuses_no_cache() -> None:
    proc, _ = run(["index", "--no-cache"])
    assert proc.returncode == 2 and proc.stderr == "chatbot: index builds the cache; it cannot be used with --no-cache\n"


@pytest.mark.heavy
def test_a_library_of_4600_passages_answers_with_meaning_the_second_time_within_5_s(tmp_path: Path) -> None:
    """The red team's library: 1,150 articles of 4 paragraphs. The first `ask` builds what it needs
    (static vectors at once, since the full ones take minutes); the second is quick, semantic, clean."""
    folder = small_library(tmp_path, 1200, 4)
    first, _ = run(["--corpus", str(folder), "ask", "--json", QUESTION], timeout=300)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["search"] == "hybrid"
    assert "chatbot: note: the sentence vectors of these" in first.stderr  # never silent about it
    second, seconds = run(["--corpus", str(folder), "ask", "--json", "is it safe to drive home afterwards"])
    assert second.returncode == 0 and seconds < 5.0, (seconds, second.stderr)
    answer = json.loads(second.stdout)
    assert answer["search"] == "hybrid" and "terminate called" not in second.stderr
    n = int(re.search(r"these ([\d,]+) passages", second.stderr).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert 4_400 <= n <= 4_800
