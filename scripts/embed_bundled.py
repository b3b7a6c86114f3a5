#!/usr/bin/env python3
"""Compute the sentence-model vectors of the bundled articles' passages and ship them as data.

    python scripts/embed_bundled.py            # write chatbot/data/bundled_vectors.npz
    python scripts/embed_bundled.py --out F    # write them elsewhere

A fresh install then answers its first question without a minute of embedding on a slow machine.
The file is data only (chatbot/infra/store.py, no pickle) and is used only when the passages' text and
the model's checksum match exactly; otherwise the vectors are computed and cached as usual.
tests/test_dense.py checks that the shipped file is current and reproducible.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from chatbot.articles.knowledge import build  # noqa: E402
from chatbot.config import Settings  # noqa: E402
from chatbot.data import DATA_DIR  # noqa: E402
from chatbot.infra import store  # noqa: E402
from chatbot.retrieval.dense import BUNDLED, VECTORS_FORMAT, passage_vectors  # noqa: E402
from chatbot.retrieval.semantic import load_model  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DATA_DIR / BUNDLED)
    args = ap.parse_args()
    kb = build(None, Settings())
    model = load_model()
    v = passage_vectors(kb, model, None, shipped=False)  # always computed afresh, never copied
    v.kb_key = ""
    store.save(args.out, v, {"format": str(VECTORS_FORMAT), "model": model.checksum})  # atomic
    print(f"wrote {args.out}: {v.vectors.shape[0]} passages, "
          f"{0 if v.sentence_of is None else len(v.sentence_of)} sentences")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
