"""Finding a phrase quoted from the articles in their passages, whatever its quotes, dashes and
spacing: how labelled answers (the question memory's, staff's reviewed questions') find their
passages again after the articles change."""

from __future__ import annotations

import re


def norm(s: str) -> str:
    """Text as quoted phrases are matched: lower case, plain quotes and dashes, single spaces."""
    s = s.lower()
    for a, b in (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u2014", "-"), ("\u2013", "-")):
        s = s.replace(a, b)
    return re.sub(r"\s+", " ", s).strip()


def answering_passages(gold: list[list[str]], texts: list[str]) -> list[list[int]]:
    """For each list of (normalised) phrases, the passages that hold one of them."""
    normed = [norm(t) for t in texts]
    return [[i for i, t in enumerate(normed) if any(g in t for g in phrases)] if phrases else []
            for phrases in gold]
