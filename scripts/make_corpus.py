#!/usr/bin/env python3
"""Write a synthetic folder of plain-text articles for scale tests.

    python scripts/make_corpus.py OUT_DIR [--articles 1000] [--paragraphs 100] [--seed 7]

Each article has a title line, a heading every ten paragraphs and paragraphs of six to nine
sentences, drawn (deterministically) from the words of the bundled articles with a Zipf-like skew,
so that term statistics look like real text rather than uniform noise.
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def vocabulary() -> list[str]:
    words: dict[str, int] = {}
    for path in sorted((REPO / "corpus").glob("*.txt")):
        for w in re.findall(r"[A-Za-z][a-z]+", path.read_text(encoding="utf-8")):
            words[w.lower()] = words.get(w.lower(), 0) + 1
    ranked = sorted(words, key=lambda w: -words[w])
    # add made-up rare words so that the vocabulary grows with the corpus, as in a real library
    ranked += [f"{a}{b}" for a in ("neuro", "cardio", "gastro", "derma", "osteo", "pulmo", "hepato")
               for b in ("pathy", "logy", "genic", "plasty", "scopy", "tomy", "itis", "algia")]
    return ranked


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--paragraphs", type=int, default=100)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    vocab = vocabulary()
    weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(vocab))]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def sentence() -> str:
        ws = rng.choices(vocab, weights, k=rng.randint(8, 22))
        return ws[0].capitalize() + " " + " ".join(ws[1:]) + rng.choice([".", ".", ".", "?"])

    for a in range(args.articles):
        lines = [f"Article {a}: " + " ".join(rng.choices(vocab[:300], k=4)).title(), ""]
        for p in range(args.paragraphs):
            if p % 10 == 0:
                lines += [" ".join(rng.choices(vocab[:500], k=rng.randint(2, 5))).title(), ""]
            lines += [" ".join(sentence() for _ in range(rng.randint(6, 9))), ""]
        (out / f"article_{a:05d}.txt").write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.articles} articles of {args.paragraphs} paragraphs to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
