"""The searchable knowledge base: cleaned passages, their sources and the BM25 index, with a cache.

Building means loading, cleaning and tokenising every article. The result is cached on disk as data
only (``chatbot/infra/store.py``: JSON and numpy arrays, never a pickle), in a file named by a key over the
code, the vocabulary and cleaning rules and the index settings, and stamped with the fingerprint of
the article bytes that were actually read and indexed. At start-up the articles are read once: if
their fingerprint matches the stamp the cache is served, otherwise the same bytes are indexed. So an
article edited while a process starts is never cached under its new version with its old text.

A cache that fails any check (foreign, damaged, stale, inconsistent lengths, dtypes or ranges, a
control character in a text) is rebuilt, never served. A cache folder that another user owns or
that others can write to is not used at all: one warning, then the index is built in memory.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from chatbot import __version__
from chatbot.articles.corpus import Scan, corpus_folder, load_corpus, scan
from chatbot.articles.index import BM25Index
from chatbot.config import Settings
from chatbot.data import DATA_DIR
from chatbot.infra.digest import blake2b
from chatbot.infra.locations import cache_dir
from chatbot.models import Passage, Source
from chatbot.text.analysis import Analyzer, Vocabulary, load_vocabulary, words

CACHE_FORMAT = 6
# A section heading says what its paragraphs are about: its words count twice, the title's once.
HEADING_WEIGHT = 2


@dataclass(frozen=True)
class ArticleInfo:
    path: str
    title: str
    publisher: str
    kind: str
    passages: int


# A numpy array field whose first dimension is one row per passage says so in its metadata, and is
# checked at load without more code (an embeddings matrix would be declared the same way).
PER_PASSAGE = {"rows": "passages"}


@dataclass
class KnowledgeBase:
    """Columnar passages plus the BM25 index over them: plain data that ``store`` saves and loads."""

    articles: list[ArticleInfo]
    texts: list[str]
    sections: list[str]
    paragraphs: list[int]
    article_of: np.ndarray = field(metadata=PER_PASSAGE)
    index: BM25Index
    corpus_words: dict[str, int]
    question_headings: list[str]
    problems: list[str]
    vocabulary: Vocabulary | None = None
    stopwords: frozenset[str] = frozenset()
    terms: dict[str, str | None] = field(default_factory=dict)
    key: str = ""
    fingerprint: str = ""  # of the article bytes indexed (``corpus.Scan.fingerprint``)
    # staff's reviewed questions (reviewed_questions.toml) and the article words that answer each
    # ("": the articles do not answer it); only those whose words are in a passage are kept
    reviewed_questions: list[str] = field(default_factory=list)
    reviewed_answers: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)

    def passage(self, i: int) -> Passage:
        art = self.articles[int(self.article_of[i])]
        source = Source(art.title, art.publisher, self.sections[i], art.path, self.paragraphs[i], art.kind)
        return Passage(i, self.texts[i], source)


def texts_digest(texts: list[str], sections: list[str]) -> str:
    """What the vectors depend on: the passages' text and section headings, in order."""
    import hashlib

    h = hashlib.sha256()
    for t, sec in zip(texts, sections, strict=True):
        h.update(sec.encode("utf-8") + b"\1" + t.encode("utf-8") + b"\0")
    return h.hexdigest()


def _lead(heading: str) -> str:
    """A heading as the lead-in of its text: "Heading. " (no stop doubled after "?" or ":")."""
    heading = heading.strip()
    return heading + (" " if heading[-1] in ".?!:" else ". ") if heading else ""


def passage_texts(kb: KnowledgeBase) -> list[str]:
    """What a passage's vector is made of: its section heading and its text. (The article's title
    was measured there and left out: docs/internals.md.)"""
    return [_lead(section) + t for t, section in zip(kb.texts, kb.sections, strict=True)]


def vectors_digest(kb: KnowledgeBase) -> str:
    """What the passage vectors depend on: the texts as encoded (title, heading, passage), in order."""
    return texts_digest(passage_texts(kb), kb.sections)


def sentence_masks(analyzer: Analyzer, text: str) -> dict[str, int]:
    """For each term of a passage, a bit mask of the sentences (the first 64) it occurs in."""
    from chatbot.articles.cleaning import sentences  # building only: loading a cached index never needs it

    masks: dict[str, int] = {}
    for i, sentence in enumerate(sentences(text)[:64]):
        for term in analyzer.document_terms(sentence):
            masks[term] = masks.get(term, 0) | (1 << i)
    return masks


def _data_bytes(path: str, bundled: str) -> bytes:
    if path:
        from chatbot.infra.safefile import MiB, UnsafeFile, read_regular

        try:
            return read_regular(path, 4 * MiB)
        except (OSError, UnsafeFile) as exc:
            return f"unreadable:{path}:{exc}".encode()
    return (DATA_DIR / bundled).read_bytes()


def corpus_key(folder: Path, settings: Settings) -> str:
    """A digest of everything the built knowledge base depends on except the articles themselves
    (those are checked against the fingerprint stored in the cache)."""
    h = blake2b()
    h.update(f"{__version__}|{CACHE_FORMAT}|{settings.cache_key()}|{folder.resolve()}".encode())
    for name in ("vocabulary.toml", "stopwords.txt", "cleaning.toml"):
        h.update(_data_bytes("", name))
    package = Path(__file__).resolve().parent.parent
    for module in ("text/analysis.py", "articles/cleaning.py", "articles/corpus.py", "articles/index.py",
                   "articles/knowledge.py", "infra/sanitise.py", "infra/store.py"):
        # the code that builds the index is part of the key: an upgrade never serves an old cache
        h.update((package / module).read_bytes())
    h.update(_data_bytes(settings.vocabulary, "vocabulary.toml") if settings.vocabulary else b"-")
    h.update(_data_bytes(settings.cleaning_rules, "cleaning.toml") if settings.cleaning_rules else b"-")
    return str(h.hexdigest())


def default_cache_dir(settings: Settings) -> Path:
    return cache_dir(settings.cache_dir)


def _question_heading(heading: str) -> str | None:
    """A heading phrased as a question, as a patient would ask it."""
    if not heading.endswith("?"):
        return None
    if ":" in heading:
        tail = heading.rsplit(":", 1)[1].strip()
        if len(tail.split()) >= 5:  # "Final Thoughts: Is Ketamine the Right Option for You?"
            heading = tail
    return heading[:1].upper() + heading[1:] if len(heading.split()) >= 3 else None


def build(folder: Path | None, settings: Settings, scanned: Scan | None = None) -> KnowledgeBase:
    """Load, clean and index the articles (no cache); ``scanned`` is the folder already read."""
    from chatbot.articles.cleaning import clean_text, load_rules

    loaded = load_corpus(folder, settings.allow_outside_symlinks, scanned)
    rules = load_rules(settings.cleaning_rules or None)
    analyzer = Analyzer(load_vocabulary(settings.vocabulary or None))
    infos: list[ArticleInfo] = []
    texts: list[str] = []
    sections: list[str] = []
    paragraphs: list[int] = []
    article_of: list[int] = []
    documents: list[list[str]] = []
    masks: list[dict[str, int]] = []
    surface: Counter[str] = Counter()
    questions: dict[str, None] = {}
    for a_id, article in enumerate(loaded.articles):
        cleaned = clean_text(article.text, article.title, rules)
        title_terms = analyzer.document_terms(article.title)
        for p in cleaned.passages:
            texts.append(p.text)
            sections.append(p.section)
            paragraphs.append(p.paragraph)
            article_of.append(a_id)
            body = words(p.text)
            surface.update(body)
            section_terms = analyzer.document_terms(p.section)
            documents.append(analyzer.terms(body) + section_terms * HEADING_WEIGHT + title_terms
                             + analyzer.defined_terms(p.text) + analyzer.number_terms(body))
            masks.append(sentence_masks(analyzer, p.text))
            q = _question_heading(p.section)
            if q:
                questions.setdefault(q, None)
        infos.append(ArticleInfo(article.path, article.title, article.publisher, article.kind,
                                 len(cleaned.passages)))
    problems = list(loaded.problems)
    if not texts:
        from chatbot.errors import CorpusError

        raise CorpusError("the articles hold no usable paragraphs after cleaning")
    reviewed_q, reviewed_a = bind_reviewed(loaded.reviewed, texts, problems)
    index = BM25Index.build(documents, settings.bm25_k1, settings.bm25_b, settings.bm25_delta, masks)
    return KnowledgeBase(infos, texts, sections, paragraphs, np.asarray(article_of, dtype=np.int32), index,
                         dict(surface), list(questions), problems, vocabulary=analyzer.vocabulary,
                         stopwords=analyzer.stopwords, terms=dict(analyzer.term_table),
                         fingerprint=loaded.fingerprint, reviewed_questions=reviewed_q, reviewed_answers=reviewed_a)


def bind_reviewed(reviewed: tuple[tuple[str, str], ...], texts: list[str],
              problems: list[str]) -> tuple[list[str], list[str]]:
    """The reviewed questions whose answer is still in a passage (an article edited since, or words
    the cleaning removed, leave the question out, with a problem line naming it)."""
    from chatbot.articles.corpus import REVIEWED
    from chatbot.text.phrases import answering_passages, norm

    found = answering_passages([[norm(a)] if a else [] for _, a in reviewed], texts)
    questions, answers, lost = [], [], []
    for (asked, answer), where in zip(reviewed, found, strict=True):
        if answer and not where:
            lost.append(asked)
            continue
        questions.append(asked)
        answers.append(answer)
    if lost:
        shown = "; ".join(f"'{q[:60]}'" for q in lost[:3]) + (f" and {len(lost) - 3} more" if len(lost) > 3 else "")
        problems.append(f"{REVIEWED}: the answer of {len(lost)} question(s) is not in any passage (edited or removed "
                        f"from the articles?), so they are not used: {shown}")
    return questions, answers


def check(kb: KnowledgeBase, texts: bool = True) -> None:
    """Raise ``ValueError`` unless ``kb`` is consistent: lengths, ids, index arrays and safe text
    (``texts=False`` leaves out the passages, when ``check_quotes`` proves them safe)."""
    from chatbot.infra.sanitise import is_clean

    n = len(kb.texts)
    if n == 0 or len(kb.sections) != n or len(kb.paragraphs) != n or kb.index.n_docs != n:
        raise ValueError("passage columns differ in length")
    for f in fields(kb):
        value = getattr(kb, f.name)
        if f.metadata.get("rows") == "passages" and value is not None and (value.ndim < 1 or value.shape[0] != n):
            raise ValueError(f"{f.name} does not have one row per passage")
    if kb.article_of.ndim != 1 or kb.article_of.dtype.kind not in "iu":
        raise ValueError("article_of is not a vector of ids")
    counts = np.bincount(kb.article_of.astype(np.int64), minlength=len(kb.articles)) \
        if int(kb.article_of.min()) >= 0 else None
    if counts is None or len(counts) != len(kb.articles) or [a.passages for a in kb.articles] != counts.tolist():
        raise ValueError("article ids out of range or passage counts differ")
    kb.index.check()
    if len(kb.reviewed_questions) != len(kb.reviewed_answers):
        raise ValueError("reviewed questions and answers differ in length")
    strings = [*(kb.texts if texts else ()), *kb.sections, *kb.question_headings, *kb.problems,
               *kb.reviewed_questions, *kb.reviewed_answers,
               *(x for a in kb.articles for x in (a.path, a.title, a.publisher, a.kind))]
    if not is_clean("\n".join(strings)):
        raise ValueError("a text holds control characters")


def check_quotes(kb: KnowledgeBase, scanned: Scan) -> None:
    """Raise ``ValueError`` unless every passage is found, in order, in the article bytes just read:
    a cache can never quote invented text under a real source. Each line of a passage (a paragraph,
    a list's lead-in or item) is an exact substring of its article's lines stripped and joined by
    spaces (as the cleaner joins them), in the article's order, so each search starts where the
    previous one ended: linear time."""
    from chatbot.articles.corpus import decode

    texts = []
    for raw in scanned.files:
        if raw.data is not None:
            try:
                texts.append(" ".join(line.strip() for line in decode(raw.data).split("\n")))
            except ValueError:
                continue
    if len(texts) != len(kb.articles):
        raise ValueError("articles differ")
    positions = [0] * len(texts)
    for text, a_id in zip(kb.texts, kb.article_of.tolist(), strict=True):
        article = texts[a_id]
        for line in text.split("\n"):
            at = positions[a_id]
            # most lines start right after the previous one: a comparison, not a search
            found = at + 1 if article.startswith(line, at + 1) else article.find(line, at)
            if found < 0:
                raise ValueError("a passage is not in its article")
            positions[a_id] = found + len(line)


def _read_cache(path: Path, key: str, scanned: Scan, fingerprint: str) -> KnowledgeBase | None:
    from chatbot.infra.store import StoreError, load

    try:
        kb = load(path, KnowledgeBase, {"key": key, "fingerprint": fingerprint})
        if kb.key != key or kb.fingerprint != fingerprint:
            return None
        check(kb, texts=False)
        check_quotes(kb, scanned)  # passages are slices of the sanitised articles: safe text
    except (StoreError, ValueError, TypeError, IndexError):  # foreign, damaged or inconsistent: rebuild
        return None
    return kb


def _write_cache(path: Path, kb: KnowledgeBase) -> None:
    from chatbot.infra.store import StoreError, save

    try:
        save(path, kb, {"key": kb.key, "fingerprint": kb.fingerprint})
        for old in path.parent.glob("kb-*.pickle"):  # the old format is never loaded: remove it
            old.unlink(missing_ok=True)
    except (OSError, StoreError):
        pass  # a read-only home or a full disk still gets answers; only the start-up is slower


def open_knowledge(folder: str | Path | None, settings: Settings, use_cache: bool = True) -> KnowledgeBase:
    """The knowledge base for ``folder`` (default: the bundled articles), from cache when fresh."""
    path = Path(folder) if folder else None
    base = corpus_folder(path)
    scanned = scan(base, settings.allow_outside_symlinks)  # every article read once, here
    fingerprint = scanned.fingerprint()
    key = corpus_key(base, settings)
    from chatbot.infra.safefile import usable_cache_dir

    cache_folder, warning = usable_cache_dir(default_cache_dir(settings)) if use_cache else (None, "")
    cache_file = cache_folder / f"kb-{key}.npz" if cache_folder else None
    kb = _read_cache(cache_file, key, scanned, fingerprint) if cache_file else None
    if kb is None:
        kb = build(path, settings, scanned)
        kb.key = key
        if cache_file:
            _write_cache(cache_file, kb)
    if warning:
        kb.problems = [*kb.problems, warning]
    return kb
