"""Load articles and their metadata from a folder; the bundled articles travel with the package.

A folder may hold a ``metadata.toml`` (see ``corpus/metadata.toml``) describing each file; files it
does not describe still load, with the title taken from the first line or the file name. Files that
cannot be used are skipped with a one-line problem naming the file, and the rest are served.

Each file is read once (``scan``): only regular files, the size checked before reading, no symlink
leading out of the folder unless a setting allows it, never blocking on a FIFO. The bytes read are
digested (``Scan.fingerprint``) and the same bytes are decoded and cleaned, so a cache stamped with
the fingerprint holds exactly the text that was indexed. Text, titles, metadata and file names are
stripped of escape sequences and control characters here, once, for every front end and report.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from chatbot.errors import CorpusError
from chatbot.infra.digest import blake2b
from chatbot.infra.locations import ARTICLE_SUFFIXES, bundled_corpus_dir
from chatbot.infra.safefile import UnsafeFile, read_regular
from chatbot.infra.sanitise import clean_line, clean_text, needs_cleaning

MAX_ARTICLE_BYTES = 5_000_000
MAX_METADATA_BYTES = 1024 * 1024
REVIEWED = "reviewed_questions.toml"  # staff's reviewed questions and the article words that answer them
MAX_REVIEWED = 5_000
MAX_REVIEWED_CHARS = 500
UNKNOWN_PUBLISHER = "not stated in the article"


@dataclass(frozen=True)
class RawFile:
    """One candidate file as read: its bytes, or why it could not be read."""

    name: str
    data: bytes | None
    problem: str = ""


@dataclass(frozen=True)
class Scan:
    """Every candidate file of an articles folder, read once."""

    folder: Path
    files: tuple[RawFile, ...]
    metadata: RawFile | None
    reviewed: RawFile | None = None

    def fingerprint(self) -> str:
        """A digest of exactly the bytes read (and of what could not be read, and why)."""
        h = blake2b()
        for f in ((self.metadata,) if self.metadata else ()) + ((self.reviewed,) if self.reviewed else ()) + self.files:
            h.update(f.name.encode("utf-8", "surrogateescape") + b"\0")
            h.update(blake2b(f.data).digest() if f.data is not None else b"!" + f.problem.encode())
            h.update(b"\0")
        return h.hexdigest()


def _read(path: Path, folder: Path, limit: int, allow_outside_symlinks: bool) -> RawFile:
    try:
        data = read_regular(path, limit, within=None if allow_outside_symlinks else folder)
    except UnsafeFile as exc:
        return RawFile(path.name, None, f"skipped, {exc}")
    except OSError as exc:
        return RawFile(path.name, None, f"skipped, cannot be read ({exc.strerror or exc})")
    return RawFile(path.name, data)


def scan(folder: Path, allow_outside_symlinks: bool = False) -> Scan:
    """Read the candidate articles and the metadata of ``folder`` (a ``CorpusError`` if it is unusable)."""
    try:
        with os.scandir(folder) as it:
            names = sorted(e.name for e in it
                           if os.path.splitext(e.name)[1].lower() in ARTICLE_SUFFIXES
                           or e.name in ("metadata.toml", REVIEWED))
    except FileNotFoundError:
        raise CorpusError(f"articles folder not found: {clean_line(str(folder))}") from None
    except NotADirectoryError:
        raise CorpusError(f"not a folder of articles: {clean_line(str(folder))}") from None
    except OSError as exc:
        raise CorpusError(f"cannot list articles folder {clean_line(str(folder))}: {exc.strerror or exc}") from None
    meta = reviewed = None
    files = []
    for name in names:
        if name == "metadata.toml":
            meta = _read(folder / name, folder, MAX_METADATA_BYTES, allow_outside_symlinks)
        elif name == REVIEWED:
            reviewed = _read(folder / name, folder, MAX_METADATA_BYTES, allow_outside_symlinks)
        else:
            files.append(_read(folder / name, folder, MAX_ARTICLE_BYTES, allow_outside_symlinks))
    return Scan(folder, tuple(files), meta, reviewed)


@dataclass(frozen=True)
class Article:
    """One article as published, with its metadata."""

    path: str  # shown to patients as the source file, e.g. "corpus/000_x.txt" (terminal-safe)
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
    fingerprint: str = ""
    # staff's reviewed questions: (question, the article's words that answer it, or "" when the
    # articles do not answer it), from reviewed_questions.toml
    reviewed: tuple[tuple[str, str], ...] = ()


def read_reviewed(raw: RawFile | None, problems: list[str]) -> tuple[tuple[str, str], ...]:
    """The reviewed questions of ``reviewed_questions.toml``: a list of ``[[question]]`` tables, each
    with ``asked`` (the question as patients ask it) and ``answer`` (words copied from an article
    that answer it, or ``false`` when the articles do not). An entry without a usable answer is
    skipped with a problem line; a file that cannot be parsed is ignored with one."""
    if raw is None:
        return ()
    import tomllib

    try:
        if raw.data is None:
            raise ValueError(raw.problem.removeprefix("skipped, "))
        entries = tomllib.loads(raw.data.decode("utf-8-sig")).get("question", [])
        if not isinstance(entries, list):
            raise ValueError("'question' must be a list of [[question]] tables")
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError) as exc:
        problems.append(f"{REVIEWED}: ignored ({clean_line(str(exc))})")
        return ()
    out: list[tuple[str, str]] = []
    skipped = 0
    for entry in entries[:MAX_REVIEWED]:
        asked = entry.get("asked") if isinstance(entry, dict) else None
        answer = entry.get("answer") if isinstance(entry, dict) else None
        if not isinstance(asked, str) or not asked.strip() or len(asked) > MAX_REVIEWED_CHARS \
                or not (answer is False or isinstance(answer, str) and answer.strip()):
            skipped += 1
            continue
        out.append((clean_line(asked), "" if answer is False else clean_line(answer)))
    if skipped:
        problems.append(f"{REVIEWED}: {skipped} question(s) skipped: each needs asked = \"...\" (at most "
                        f"{MAX_REVIEWED_CHARS} characters) and answer = \"words from an article\" or false")
    if len(entries) > MAX_REVIEWED:
        problems.append(f"{REVIEWED}: only the first {MAX_REVIEWED:,} questions are used")
    return tuple(out)


def _read_metadata(meta: RawFile | None, problems: list[str]) -> dict[str, dict[str, str]]:
    if meta is None:
        return {}
    import tomllib

    try:
        if meta.data is None:
            raise ValueError(meta.problem.removeprefix("skipped, "))
        data = tomllib.loads(meta.data.decode("utf-8-sig"))
        entries = data.get("article", [])
        if not isinstance(entries, list):
            raise ValueError("'article' must be a list of [[article]] tables")
        out: dict[str, dict[str, str]] = {}
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
                raise ValueError("each [[article]] needs a file = \"name\" entry")
            out[entry["file"]] = {k: clean_line(str(v)) for k, v in entry.items()}
        return out
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError) as exc:
        problems.append(f"metadata.toml: metadata ignored ({clean_line(str(exc))}); titles are taken from the articles")
        return {}


_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def decode(raw: bytes) -> str:
    """An article's text from its bytes (``ValueError`` saying why it is unusable), terminal-safe."""
    return _decode(raw)


def _decode(raw: bytes) -> str:
    if not raw.strip():
        raise ValueError("empty file")
    if b"\x00" in raw:
        raise ValueError("binary file, not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text (save it as UTF-8)") from None
    if not needs_cleaning(text):  # the common case: no control character at all
        return text
    controls = len(_BINARY_CONTROLS.findall(text))
    if controls > max(8, len(text) // 100):
        raise ValueError("binary file, not text")
    return clean_text(text.replace("\r\n", "\n").replace("\r", "\n"))


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
    return clean_line(stem.replace("_", " ").replace("-", " ").strip().capitalize() or file.name)


def corpus_folder(folder: str | Path | None) -> Path:
    """The articles folder: ``folder``, or the bundled articles."""
    base = bundled_corpus_dir() if folder is None else Path(folder)
    if not base.exists():
        raise CorpusError(f"articles folder not found: {clean_line(str(base))}")
    if not base.is_dir():
        raise CorpusError(f"not a folder of articles: {clean_line(str(base))}")
    return base


def load_corpus(folder: str | Path | None = None, allow_outside_symlinks: bool = False,
                scanned: Scan | None = None) -> LoadedCorpus:
    """Load every ``.txt``/``.md`` article of ``folder`` (default: the bundled articles).

    ``scanned`` is the folder already read by ``scan`` (then nothing is read again).
    """
    bundled = folder is None
    base = corpus_folder(folder)
    if scanned is None:
        scanned = scan(base, allow_outside_symlinks)
    shown = "corpus" if bundled else clean_line(base.name)
    problems: list[str] = []
    meta = _read_metadata(scanned.metadata, problems)
    articles: list[Article] = []
    for raw in scanned.files:
        name = clean_line(raw.name)
        if raw.data is None:
            problems.append(f"{name}: {clean_line(raw.problem)}")
            continue
        file = base / raw.name
        try:
            text = _decode(raw.data)
        except ValueError as exc:
            problems.append(f"{name}: skipped, {exc}")
            continue
        info = meta.get(raw.name, {})
        title = info.get("title", "").strip()
        articles.append(
            Article(
                path=f"{shown}/{name}",
                file=file,
                text=text,
                title=title or title_from_text(text, file),
                publisher=info.get("publisher", "").strip() or UNKNOWN_PUBLISHER,
                kind=info.get("kind", "").strip() or "article",
                title_from_text=not title,
            )
        )
    for missing in sorted(set(meta) - {f.name for f in scanned.files}):
        problems.append(f"metadata.toml: describes {clean_line(missing)}, which is not in the folder")
    if not articles:
        detail = f" ({len(problems)} file(s) skipped)" if problems else ""
        raise CorpusError(f"no usable .txt or .md articles in {clean_line(str(base))}{detail}")
    reviewed = read_reviewed(scanned.reviewed, problems)
    return LoadedCorpus(tuple(articles), tuple(problems), base, scanned.fingerprint(), reviewed)
