"""The searchable knowledge base: cleaned passages, their sources and the BM25 index, with a cache.

Building means loading, cleaning and tokenising every article. The result is cached on disk, keyed on
the articles' bytes, the metadata, the vocabulary and cleaning rules and the index settings, so an
edited article is never served stale. A corrupt cache is detected and rebuilt; writes are atomic.
"""

from __future__ import annotations

import os
import pickle
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from chatbot import __version__
from chatbot.analysis import Analyzer, Vocabulary, load_vocabulary, words
from chatbot.config import Settings
from chatbot.data import DATA_DIR
from chatbot.digest import blake2b
from chatbot.index import BM25Index
from chatbot.locations import ARTICLE_SUFFIXES, bundled_corpus_dir, cache_dir
from chatbot.models import Passage, Source

CACHE_FORMAT = 4
# A section heading says what its paragraphs are about: its words count twice, the title's once.
HEADING_WEIGHT = 2


@dataclass(frozen=True)
class ArticleInfo:
    path: str
    title: str
    publisher: str
    kind: str
    passages: int


@dataclass
class KnowledgeBase:
    """Columnar passages (cheap to pickle and load) plus the BM25 index over them."""

    articles: list[ArticleInfo]
    texts: list[str]
    sections: list[str]
    paragraphs: list[int]
    article_of: np.ndarray
    index: BM25Index
    corpus_words: dict[str, int]
    question_headings: list[str]
    problems: list[str]
    vocabulary: Vocabulary | None = None
    stopwords: frozenset[str] = frozenset()
    terms: dict[str, str | None] = field(default_factory=dict)
    key: str = ""

    def __len__(self) -> int:
        return len(self.texts)

    def passage(self, i: int) -> Passage:
        art = self.articles[int(self.article_of[i])]
        source = Source(art.title, art.publisher, self.sections[i], art.path, self.paragraphs[i], art.kind)
        return Passage(i, self.texts[i], source)


def sentence_masks(analyzer: Analyzer, text: str) -> dict[str, int]:
    """For each term of a passage, a bit mask of the sentences (the first 64) it occurs in."""
    from chatbot.cleaning import sentences  # building only: loading a cached index never needs it

    masks: dict[str, int] = {}
    for i, sentence in enumerate(sentences(text)[:64]):
        for term in analyzer.document_terms(sentence):
            masks[term] = masks.get(term, 0) | (1 << i)
    return masks


def _data_bytes(path: str, bundled: str) -> bytes:
    if path:
        try:
            return Path(path).read_bytes()
        except OSError:
            return b"unreadable:" + path.encode()
    return (DATA_DIR / bundled).read_bytes()


def corpus_key(folder: Path, settings: Settings) -> str:
    """A digest of everything the built knowledge base depends on."""
    h = blake2b()
    h.update(f"{__version__}|{CACHE_FORMAT}|{settings.cache_key()}|{folder.resolve()}".encode())
    for name in ("vocabulary.toml", "stopwords.txt", "cleaning.toml"):
        h.update(_data_bytes("", name))
    here = Path(__file__).parent
    for module in ("analysis.py", "cleaning.py", "corpus.py", "index.py", "knowledge.py"):
        # the code that builds the index is part of the key: an upgrade never serves an old cache
        h.update((here / module).read_bytes())
    h.update(_data_bytes(settings.vocabulary, "vocabulary.toml") if settings.vocabulary else b"-")
    h.update(_data_bytes(settings.cleaning_rules, "cleaning.toml") if settings.cleaning_rules else b"-")
    try:
        entries = sorted(p for p in folder.iterdir()
                         if p.suffix.lower() in ARTICLE_SUFFIXES or p.name == "metadata.toml")
    except OSError:
        entries = []
    for p in entries:
        h.update(p.name.encode() + b"\0")
        try:
            h.update(blake2b(p.read_bytes()).digest())
        except OSError as exc:
            h.update(f"unreadable {exc.errno}".encode())
    return h.hexdigest()


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


def build(folder: Path | None, settings: Settings) -> KnowledgeBase:
    """Load, clean and index the articles (no cache)."""
    from chatbot.cleaning import clean_text, load_rules
    from chatbot.corpus import load_corpus

    loaded = load_corpus(folder)
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
    index = BM25Index.build(documents, settings.bm25_k1, settings.bm25_b, settings.bm25_delta, masks)
    return KnowledgeBase(infos, texts, sections, paragraphs, np.asarray(article_of, dtype=np.int32), index,
                         dict(surface), list(questions), problems, vocabulary=analyzer.vocabulary,
                         stopwords=analyzer.stopwords, terms=dict(analyzer.term_table))


def _read_cache(path: Path, key: str) -> KnowledgeBase | None:
    try:
        with path.open("rb") as fh:
            kb = pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception:  # a corrupt or foreign cache file: rebuild, never serve it
        return None
    if not isinstance(kb, KnowledgeBase) or kb.key != key or len(kb.texts) != kb.index.n_docs:
        return None
    return kb


def _write_cache(path: Path, kb: KnowledgeBase) -> None:
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".kb-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(kb, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass  # a read-only home still gets answers; only the start-up is slower


def open_knowledge(folder: str | Path | None, settings: Settings, use_cache: bool = True) -> KnowledgeBase:
    """The knowledge base for ``folder`` (default: the bundled articles), from cache when fresh."""
    path = Path(folder) if folder else None
    from chatbot.errors import CorpusError

    base = path if path is not None else bundled_corpus_dir()
    if not base.is_dir():
        raise CorpusError(f"articles folder not found: {base}")
    key = corpus_key(base, settings)
    cache_file = default_cache_dir(settings) / f"kb-{key}.pickle"
    if use_cache:
        cached = _read_cache(cache_file, key)
        if cached is not None:
            return cached
    kb = build(path, settings)
    kb.key = key
    if use_cache:
        _write_cache(cache_file, kb)
    return kb
