"""Load articles and their metadata from a folder; the bundled articles travel with the package.

A folder may hold a ``metadata.toml`` (see ``corpus/metadata.toml``) describing each file; files it
does not describe still load, with the title taken from the first line or the file name. Files that
cannot be used are skipped with a one-line problem naming the file, and the rest are served.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from chatbot.errors import CorpusError
from chatbot.locations import ARTICLE_SUFFIXES, bundled_corpus_dir

MAX_ARTICLE_BYTES = 5_000_000
UNKNOWN_PUBLISHER = "not stated in the article"


@dataclass(frozen=True)
class Article:
    """One article as published, with its metadata."""

    path: str  # shown to patients as the source file, e.g. "corpus/000_x.txt"
    file: Path
    text: str
    title: str
    publisher: str
    kind: str
    title_from_text: bool = False


@dataclass(frozen=True)
class LoadedCorpus:
    articles: tuple[Article, ...]
    problems: tuple[str, ...]
    folder: Path


def _read_metadata(folder: Path, problems: list[str]) -> dict[str, dict[str, str]]:
    meta_file = folder / "metadata.toml"
    if not meta_file.exists():
        return {}
    import tomllib

    try:
        data = tomllib.loads(meta_file.read_text(encoding="utf-8"))
        entries = data.get("article", [])
        if not isinstance(entries, list):
            raise ValueError("'article' must be a list of [[article]] tables")
        out: dict[str, dict[str, str]] = {}
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
                raise ValueError("each [[article]] needs a file = \"name\" entry")
            out[entry["file"]] = {k: str(v) for k, v in entry.items()}
        return out
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError) as exc:
        problems.append(f"{meta_file.name}: metadata ignored ({exc}); titles are taken from the articles")
        return {}


def _decode(file: Path, raw: bytes) -> str:
    if not raw.strip():
        raise ValueError("empty file")
    if b"\x00" in raw:
        raise ValueError("binary file, not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text (save it as UTF-8)") from None
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > max(8, len(text) // 100):
        raise ValueError("binary file, not text")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def title_from_text(text: str, file: Path) -> str:
    """The first line when it reads like a title, else the file name made readable."""
    for line in text.split("\n"):
        line = line.strip().lstrip("#").strip()
        if not line:
            continue
        if len(line) <= 120 and not line.endswith((".", ",", ";")):
            return line
        break
    stem = file.stem
    while stem[:1].isdigit() or stem[:1] in "_- ":
        stem = stem[1:]
    return stem.replace("_", " ").replace("-", " ").strip().capitalize() or file.name


def load_corpus(folder: str | Path | None = None) -> LoadedCorpus:
    """Load every ``.txt``/``.md`` article of ``folder`` (default: the bundled articles)."""
    bundled = folder is None
    base = bundled_corpus_dir() if folder is None else Path(folder)
    if not base.exists():
        raise CorpusError(f"articles folder not found: {base}")
    if not base.is_dir():
        raise CorpusError(f"not a folder of articles: {base}")
    shown = "corpus" if bundled else base.name
    problems: list[str] = []
    meta = _read_metadata(base, problems)
    try:
        files = sorted(p for p in base.iterdir() if p.suffix.lower() in ARTICLE_SUFFIXES)
    except OSError as exc:
        raise CorpusError(f"cannot list articles folder {base}: {exc.strerror}") from None
    articles: list[Article] = []
    for file in files:
        try:
            if not file.is_file():
                raise ValueError("not a regular file")
            if file.stat().st_size > MAX_ARTICLE_BYTES:
                raise ValueError(f"larger than {MAX_ARTICLE_BYTES // 1_000_000} MB")
            text = _decode(file, file.read_bytes())
        except OSError as exc:
            problems.append(f"{file.name}: skipped, cannot be read ({exc.strerror or exc})")
            continue
        except ValueError as exc:
            problems.append(f"{file.name}: skipped, {exc}")
            continue
        info = meta.get(file.name, {})
        title = info.get("title", "").strip()
        articles.append(
            Article(
                path=f"{shown}/{file.name}",
                file=file,
                text=text,
                title=title or title_from_text(text, file),
                publisher=info.get("publisher", "").strip() or UNKNOWN_PUBLISHER,
                kind=info.get("kind", "").strip() or "article",
                title_from_text=not title,
            )
        )
    for name in sorted(set(meta) - {f.name for f in files}):
        problems.append(f"metadata.toml: describes {name}, which is not in the folder")
    if not articles:
        detail = f" ({len(problems)} file(s) skipped)" if problems else ""
        raise CorpusError(f"no usable .txt or .md articles in {base}{detail}")
    return LoadedCorpus(tuple(articles), tuple(problems), base)
