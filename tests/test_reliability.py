"""Issue 15, sections 3-8: each attack on settings, cache, article folders, terminal output, the
unanswered record and the command line, written as a test. Every test has its own HOME and XDG
folders; hang checks run in a subprocess with a timeout."""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import json
import os
import subprocess
import sys
import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from chatbot.articles import knowledge
from chatbot.articles.cleaning import MAX_PASSAGE_CHARS
from chatbot.articles.knowledge import PER_PASSAGE, KnowledgeBase, open_knowledge
from chatbot.cli import main
from chatbot.config import Settings, load_settings
from chatbot.errors import ConfigError
from chatbot.infra import safefile, store
from chatbot.infra.locations import APP, state_dir
from chatbot.infra.unanswered import FILE, anonymise, read_unanswered, record_unanswered
from tests.conftest import REPO

HANG = 60  # generous: a hang is a timeout, a pass takes a second or two


def run_cli(argv: list[str], stdin: bytes | None = b"", env: dict[str, str] | None = None,
            **kw: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "chatbot", *argv], input=stdin, capture_output=True,
                          env={**os.environ, **(env or {})}, cwd=REPO, timeout=HANG, **kw)  # type: ignore[call-overload]


def one_line(err: bytes | str, code: int, expected: int) -> str:
    text = err.decode() if isinstance(err, bytes) else err
    assert code == expected, text
    assert text.startswith("chatbot") and len(text.strip().splitlines()) == 1 and "Traceback" not in text, text
    return text


def article_folder(tmp_path: Path, name: str = "articles") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "good.txt").write_text("Ketamine infusions\n\nA ketamine infusion for pain usually takes about forty "
                                     "minutes in a quiet room at the clinic.\n", encoding="utf-8")
    return folder


# -- 3. settings ---------------------------------------------------------------------------------
def test_default_settings_are_sound() -> None:
    from chatbot.config import problems

    assert problems(Settings()) == []


@pytest.mark.parametrize("key", ["crisis_line", "emergency_number", "disclaimer", "crisis_line_name", "poison_control"])
@pytest.mark.parametrize("value", ['""', '"   "'])
def test_settings_refuse_empty_crisis_numbers_and_disclaimer(tmp_path: Path, capsys, key: str, value: str) -> None:
    cfg = tmp_path / "s.toml"
    cfg.write_text(f"{key} = {value}\n", encoding="utf-8")
    assert main(["--config", str(cfg), "ask", "I want to die"]) == 2
    err = one_line(capsys.readouterr().err, 2, 2)
    assert key in err and "must not be empty" in err


@pytest.mark.parametrize("line", [
    "min_coverage = nan", "min_score = inf", "bm25_k1 = -inf", "kiosk_idle_timeout = nan", "kiosk_idle_timeout = inf",
    "kiosk_idle_timeout = 1e-9", "kiosk_idle_timeout = 1e308", "kiosk_idle_timeout = 5", "kiosk_idle_timeout = 86401",
    "min_coverage = 1.5", "related_ratio = -0.1", "bm25_b = 2", "max_passages = 0", "max_question_chars = 2.5",
    "unanswered_retention_days = 0", "kiosk_countdown = 200",
])
def test_settings_refuse_numbers_out_of_range(tmp_path: Path, capsys, line: str) -> None:
    cfg = tmp_path / "s.toml"
    cfg.write_text(line + "\n", encoding="utf-8")
    assert main(["--config", str(cfg), "ask", "hi"]) == 2
    err = one_line(capsys.readouterr().err, 2, 2)
    assert line.split()[0] in err


def test_settings_report_one_line_per_problem(tmp_path: Path, capsys) -> None:
    cfg = tmp_path / "s.toml"
    cfg.write_text('crisis_line = ""\ndisclaimer = ""\nmin_coverage = nan\nclinic_name = "x\\u001b]0;owned\\u0007"\n')
    assert main(["--config", str(cfg), "ask", "hi"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 4 and all(line.startswith("chatbot: ") for line in lines)
    assert "\x1b" not in "".join(lines)


def test_settings_with_a_bom_are_read(tmp_path: Path) -> None:
    cfg = tmp_path / "s.toml"
    cfg.write_bytes(b"\xef\xbb\xbfclinic_name = \"Riverside\"\nkiosk_idle_timeout = 10\nkiosk_countdown = 5\n")
    s = load_settings(cfg)
    assert s.clinic_name == "Riverside" and s.kiosk_idle_timeout == 10


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "folder", "too-large", "symlink-to-dev-zero"])
def test_settings_path_that_is_not_a_small_regular_file_is_refused_without_hanging(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "settings.toml"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path = Path("/dev/zero")
    elif kind == "folder":
        path.mkdir()
    elif kind == "too-large":
        path.write_bytes(b"# padding\n" * 120_000)
    else:
        path.symlink_to("/dev/zero")
    with pytest.raises(ConfigError):
        load_settings(path)
    proc = run_cli(["--config", str(path), "ask", "--json", "hi"])  # a hang would be a timeout
    one_line(proc.stderr, proc.returncode, 2)


def test_settings_from_the_environment_are_checked_the_same_way(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    proc = run_cli(["ask", "hi"], env={"CHATBOT_CONFIG": str(tmp_path / "fifo")})
    assert "FIFO" in one_line(proc.stderr, proc.returncode, 2)


# -- 4. the cache --------------------------------------------------------------------------------
def _settings(tmp_path: Path) -> Settings:
    cache = tmp_path / "cache"
    return Settings(cache_dir=str(cache))


def _cache_file(s: Settings) -> Path:
    (path,) = Path(s.cache_dir).glob("kb-*.npz")
    return path


def test_cache_is_data_only_and_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = _settings(tmp_path)
    built = open_knowledge(None, s)
    path = _cache_file(s)
    assert not list(Path(s.cache_dir).glob("*.pickle"))
    with np.load(path, allow_pickle=False) as npz:  # every member loads without pickle
        assert all(npz[name].dtype != object for name in npz.files)
    import pickle

    def no_pickle(*a: object, **k: object) -> None:
        raise AssertionError("pickle used")

    monkeypatch.setattr(pickle, "load", no_pickle)
    monkeypatch.setattr(pickle, "loads", no_pickle)
    monkeypatch.setattr(knowledge, "build", no_pickle)  # a second start must come from the cache
    again = open_knowledge(None, s)
    assert again.texts == built.texts and np.array_equal(again.article_of, built.article_of)
    assert again.index.vocab == built.index.vocab and again.vocabulary == built.vocabulary


@pytest.mark.parametrize("name, text, multiline", [
    ("two.md", "# Side effects\n\nNausea\twith  wide   gaps is common and\npasses within hours. Special Edition Pool "
               "Cues\n\n- Rapid Onset of Action\nIt works within hours for many people with pain.\n", False),
    # passages of several lines (a list with its lead-in, paragraphs packed together) are checked line by
    # line against the article, so such a library is read from the cache, not rebuilt at every start
    ("after.txt", "After your injection\n\nGoing home\nSomeone must drive you home.\n\nRest for the day. Keyword "
                  "spam pain clinic near me\n\nCommon side effects include:\n- A sore back for a day or two\n- A headache\n",
     True),
])
def test_cache_is_used_for_a_messy_folder_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str,
                                              multiline: bool) -> None:
    folder = article_folder(tmp_path)
    (folder / name).write_text(text, encoding="utf-8")
    s = _settings(tmp_path)
    built = open_knowledge(folder, s)
    if multiline:  # the case the passages of several lines are about
        assert any("\n" in t for t in built.texts)
    monkeypatch.setattr(knowledge, "build", lambda *a, **k: pytest.fail("cache not used"))
    assert open_knowledge(folder, s).texts == built.texts


def test_planted_pickle_never_runs(tmp_path: Path) -> None:
    s = _settings(tmp_path)
    open_knowledge(None, s)
    path = _cache_file(s)
    marker = tmp_path / "owned"

    class Evil:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, (f"touch {marker}",))

    evil = np.empty(1, dtype=object)
    evil[0] = Evil()
    with path.open("wb") as fh:  # an .npz whose members are pickled objects
        np.savez(fh, __meta__=evil, __data__=evil, texts=evil)
    import pickle

    (Path(s.cache_dir) / path.name.replace(".npz", ".pickle")).write_bytes(pickle.dumps(Evil()))
    kb = open_knowledge(None, s)
    assert not marker.exists() and len(kb) > 10 and not kb.problems


def _tampered(s: Settings, change) -> KnowledgeBase:
    """Rewrite the cache with ``change`` applied and valid digests: what an attacker with write
    access to the cache file could do without breaking the format."""
    kb = open_knowledge(None, s)
    path = _cache_file(s)
    bad = change(kb)
    store.save(path, bad, {"key": bad.key, "fingerprint": bad.fingerprint})
    return kb


@pytest.mark.parametrize("change", [
    lambda kb: replace(kb, texts=["Invented: take twice the dose."] + kb.texts[1:]),
    lambda kb: replace(kb, texts=kb.texts[:-1]),
    lambda kb: replace(kb, article_of=kb.article_of + 99),
    lambda kb: replace(kb, article_of=kb.article_of.astype(np.float64)),
    lambda kb: replace(kb, index=replace(kb.index, post_docs=kb.index.post_docs + 10_000)),
    lambda kb: replace(kb, index=replace(kb.index, idf=np.full_like(kb.index.idf, np.nan))),
    lambda kb: replace(kb, index=replace(kb.index, offsets=kb.index.offsets[:-1])),
    lambda kb: replace(kb, sections=["\x1b]52;c;b3duZWQ=\x07"] * len(kb.sections)),
], ids=["invented-text", "short-column", "ids-out-of-range", "wrong-dtype", "postings-out-of-range", "nan-idf",
        "short-offsets", "escape-in-section"])
def test_tampered_cache_is_rebuilt_never_served(tmp_path: Path, change) -> None:
    s = _settings(tmp_path)
    real = _tampered(s, change)
    served = open_knowledge(None, s)
    assert served.texts == real.texts and served.sections == real.sections
    assert np.array_equal(served.article_of, real.article_of) and served.article_of.dtype == np.int32


@pytest.mark.parametrize("damage", ["flip-byte", "truncate", "foreign-zip", "empty", "fifo"])
def test_damaged_cache_file_is_rebuilt(tmp_path: Path, damage: str) -> None:
    s = _settings(tmp_path)
    real = open_knowledge(None, s)
    path = _cache_file(s)
    raw = bytearray(path.read_bytes())
    if damage == "flip-byte":
        raw[len(raw) // 2] ^= 0xFF
        path.write_bytes(bytes(raw))
    elif damage == "truncate":
        path.write_bytes(bytes(raw[: len(raw) // 3]))
    elif damage == "foreign-zip":
        import zipfile

        with zipfile.ZipFile(path, "w") as z:
            z.writestr("texts.npy", b"not an array")
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        path.unlink()
        os.mkfifo(path)
    assert open_knowledge(None, s).texts == real.texts


def test_article_edited_during_start_up_is_not_cached_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = article_folder(tmp_path)
    article = folder / "good.txt"
    s = _settings(tmp_path)
    real_build = knowledge.build

    def build_then_edit(*args: object, **kw: object) -> KnowledgeBase:
        kb = real_build(*args, **kw)  # type: ignore[arg-type]
        article.write_text("Ketamine infusions\n\nA ketamine infusion for pain usually takes about ninety "
                           "minutes in a quiet room at the clinic.\n", encoding="utf-8")
        return kb

    monkeypatch.setattr(knowledge, "build", build_then_edit)
    assert "forty" in open_knowledge(folder, s).texts[0]  # this process read the old text
    monkeypatch.setattr(knowledge, "build", real_build)
    assert "ninety" in open_knowledge(folder, s).texts[0]  # the next one serves the new text


@pytest.mark.parametrize("problem", ["group-writable", "other-writable", "other-owner", "open-parent"])
def test_shared_cache_folder_is_refused_with_one_warning(tmp_path: Path, problem: str) -> None:
    cache = tmp_path / "shared" / APP  # what XDG_CACHE_HOME=shared means
    cache.mkdir(parents=True)
    if problem == "group-writable":
        cache.chmod(0o770)
    elif problem == "other-writable":
        cache.chmod(0o777)
    elif problem == "other-owner":
        if os.geteuid() != 0:
            pytest.skip("needs root to give a folder to another user")
        os.chown(cache, 65534, 65534)
    else:
        cache.parent.chmod(0o777)  # world-writable without the sticky bit: the folder can be swapped
    s = Settings(cache_dir=str(cache))
    kb = open_knowledge(None, s)
    assert len(kb) > 10 and len(kb.problems) == 1 and "cache folder" in kb.problems[0]
    assert not list(cache.iterdir())  # nothing read from or written to it
    proc = run_cli(["ask", "--json", "what is ketamine"], env={"XDG_CACHE_HOME": str(cache.parent)})
    assert proc.returncode == 0 and json.loads(proc.stdout)["status"] == "answered"
    if problem != "open-parent":
        err = proc.stderr.decode()
        assert len(err.strip().splitlines()) == 1 and "cache folder" in err


def test_sticky_shared_parent_is_fine_and_new_folder_is_private(tmp_path: Path) -> None:
    parent = tmp_path / "tmp"
    parent.mkdir()
    parent.chmod(0o1777)
    s = Settings(cache_dir=str(parent / "mine"))
    assert not open_knowledge(None, s).problems
    assert (parent / "mine").stat().st_mode & 0o777 == 0o700 and _cache_file(s).stat().st_mode & 0o777 == 0o600


def test_full_disk_leaves_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = _settings(tmp_path)

    def full(fh: object, **members: object) -> None:
        fh.write(b"partial")  # type: ignore[attr-defined]
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", full)
    kb = open_knowledge(None, s)
    assert len(kb) > 10 and list(Path(s.cache_dir).iterdir()) == []


def test_stale_temporaries_of_a_killed_process_are_removed(tmp_path: Path) -> None:
    s = _settings(tmp_path)
    Path(s.cache_dir).mkdir(mode=0o700)
    old = Path(s.cache_dir) / f"{safefile.TMP_PREFIX}dead{safefile.TMP_SUFFIX}"
    old.write_bytes(b"x")
    os.utime(old, (1, 1))
    open_knowledge(None, s)
    assert not old.exists() and len(list(Path(s.cache_dir).iterdir())) == 1


def test_store_saves_new_array_fields_without_new_code(tmp_path: Path) -> None:
    """What the lead will add (an optional float32 embeddings matrix and a model checksum) round-trips
    and is checked (one row per passage) with no change to the store."""
    Extended = dataclasses.make_dataclass(  # noqa: N806
        "ExtendedKB", [("embeddings", np.ndarray | None, dataclasses.field(default=None, metadata=PER_PASSAGE)),
                       ("model_checksum", str, dataclasses.field(default=""))], bases=(KnowledgeBase,))
    kb = knowledge.build(None, Settings())
    rng = np.random.default_rng(0)
    ext = Extended(**{f.name: getattr(kb, f.name) for f in dataclasses.fields(kb)},
                   embeddings=rng.random((len(kb), 8), dtype=np.float32), model_checksum="abc123")
    path = tmp_path / "ext.npz"
    store.save(path, ext, {"k": "1"})
    back = store.load(path, Extended, {"k": "1"})
    assert back.embeddings.dtype == np.float32 and np.array_equal(back.embeddings, ext.embeddings)
    assert back.model_checksum == "abc123" and back.texts == kb.texts
    knowledge.check(back)
    with pytest.raises(ValueError):
        knowledge.check(replace(back, embeddings=ext.embeddings[:-1]))
    with pytest.raises(store.StoreError):
        store.load(path, Extended, {"k": "2"})  # another stamp: stale


# -- 5. article folders --------------------------------------------------------------------------
def test_fifo_in_the_articles_folder_does_not_hang(tmp_path: Path) -> None:
    folder = article_folder(tmp_path)
    os.mkfifo(folder / "pipe.txt")
    os.mkfifo(folder / "metadata.toml")
    proc = run_cli(["--corpus", str(folder), "ask", "--json", "how long does an infusion take"])
    assert proc.returncode == 0 and json.loads(proc.stdout)["status"] == "answered"
    err = proc.stderr.decode()
    assert "pipe.txt: skipped, a FIFO" in err and "metadata.toml" in err and len(err.strip().splitlines()) == 2


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_symlink_to_a_device_is_skipped_before_reading(tmp_path: Path, target: str) -> None:
    folder = article_folder(tmp_path)
    (folder / "device.txt").symlink_to(target)
    proc = run_cli(["--corpus", str(folder), "ask", "--json", "infusion"])
    assert proc.returncode == 0 and b"device.txt: skipped" in proc.stderr


def test_symlinks_leaving_the_folder_are_skipped_unless_allowed(tmp_path: Path) -> None:
    folder = article_folder(tmp_path)
    outside = tmp_path / "secret.txt"
    outside.write_text("Secret\n\nThe private notes of the clinic manager about the payroll.\n")
    (folder / "leak.txt").symlink_to(outside)
    (folder / "alias.txt").symlink_to(folder / "good.txt")  # inside the folder: fine
    s = _settings(tmp_path)
    kb = open_knowledge(folder, s)
    assert not any("payroll" in t for t in kb.texts)
    assert any("leak.txt" in p and "outside the folder" in p for p in kb.problems)
    assert {a.path for a in kb.articles} == {"articles/good.txt", "articles/alias.txt"}
    allowed = open_knowledge(folder, replace(s, allow_outside_symlinks=True))
    assert any("payroll" in t for t in allowed.texts)


def test_huge_file_is_skipped_without_being_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = article_folder(tmp_path)
    with (folder / "huge.txt").open("wb") as fh:
        fh.truncate(1024 ** 3)  # 1 GB, sparse
    read = []
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: read.append(n) or real_read(fd, n))
    kb = open_knowledge(folder, _settings(tmp_path))
    assert any("huge.txt: skipped, larger than" in p for p in kb.problems)
    assert sum(read) < 10 * 1024 ** 2


def test_long_paragraph_is_split_at_sentence_boundaries(tmp_path: Path) -> None:
    folder = tmp_path / "wall"
    folder.mkdir()
    sentences = [f"Sentence {i} says that ketamine infusions help some people with pain." for i in range(3000)]
    (folder / "wall.txt").write_text("A wall of text\n" + "\n".join(s.lower() for s in sentences), encoding="utf-8")
    kb = open_knowledge(folder, _settings(tmp_path))
    assert len(kb) > 50 and all(len(t) <= MAX_PASSAGE_CHARS for t in kb.texts)
    assert all(t.endswith(".") for t in kb.texts)


def test_many_unusable_files_print_a_summary_not_thousands_of_lines(tmp_path: Path, capsys) -> None:
    folder = article_folder(tmp_path)
    for i in range(2500):
        (folder / f"empty{i:04}.txt").write_bytes(b"")
    assert main(["--corpus", str(folder), "ask", "--json", "infusion"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 21 and err[-1] == "chatbot: warning: and 2,480 more; see `chatbot corpus`"


# -- 6. article-derived text reaching a terminal -------------------------------------------------
ESCAPES = ["\x1b]52;c;ZWNobyBvd25lZA==\x07", "\x1b]0;owned\x07", "\x1b[2J", "\x9b31m", "\u202e", "\x1b]8;;http://x\x1b\\"]


def hostile_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "hostile"
    folder.mkdir()
    e = "".join(ESCAPES)
    (folder / f"bad{e[:12]}name.txt").write_text(
        f"Ketamine {e}infusions\n\n## Side {e}effects\n\nA ketamine infusion{e} for pain usually takes about "
        "forty minutes in a quiet room at the clinic.\n", encoding="utf-8")
    (folder / "metadata.toml").write_text(
        f'[[article]]\nfile = "other.txt"\ntitle = "Title {ESCAPES[1]}"\npublisher = "Pub {ESCAPES[0]}"\n', encoding="utf-8")
    (folder / "other.txt").write_text("Other\n\nKetamine infusions are given over forty minutes by a nurse.\n")
    (folder / f"empty{ESCAPES[2]}.txt").write_bytes(b"")
    return folder


def _assert_terminal_safe(data: bytes) -> None:
    for bad in (b"\x1b", b"\x07", b"\xc2\x9b", b"\xe2\x80\xae", b"]52;", b"]0;"):
        assert bad not in data, data


def test_article_escapes_never_reach_any_output(tmp_path: Path) -> None:
    folder = hostile_folder(tmp_path)
    kb = open_knowledge(folder, _settings(tmp_path))
    strings = [*kb.texts, *kb.sections, *kb.problems, *(x for a in kb.articles for x in (a.title, a.publisher, a.path))]
    assert strings and all("\x1b" not in x and "\x07" not in x and "\x9b" not in x for x in strings)
    for argv in (["ask", "how long does an infusion take"], ["ask", "--json", "how long does an infusion take"],
                 ["corpus", "--verbose"]):
        proc = run_cli(["--corpus", str(folder), *argv], env={"TERM": "xterm", "COLUMNS": "120"})
        assert proc.returncode == 0, proc.stderr
        _assert_terminal_safe(proc.stdout)
        _assert_terminal_safe(proc.stderr)
    assert b"forty minutes" in proc.stdout


def test_error_lines_with_hostile_paths_are_safe(tmp_path: Path) -> None:
    folder = tmp_path / f"gone{ESCAPES[1]}"
    proc = run_cli(["--corpus", str(folder), "ask", "hi"])
    one_line(proc.stderr, proc.returncode, 2)
    _assert_terminal_safe(proc.stderr)


# -- 7. the unanswered record --------------------------------------------------------------------
@pytest.mark.parametrize("question,secrets", [
    ("My name is Jane Roe, can I drive after my infusion?", ["jane", "roe"]),
    ("hi im jane roe is ketamine safe", ["jane", "roe"]),
    ("I'm Jane and my MRN is 00123456", ["jane", "00123456"]),
    ("this is Bob Smith, how long is the drip", ["bob", "smith"]),
    ("Dr. Patel said I need six infusions", ["patel"]),
    ("ask Mrs Okafor about my dose", ["okafor"]),
    ("my member number is AB12345 does insurance pay", ["ab12345"]),
    ("record number: 7788 for ketamine", ["7788"]),
    ("I was born on 03/12/1980 is that too old", ["03/12/1980", "1980"]),
    ("born March 3rd, 1980 can i have it", ["march 3rd", "1980"]),
    ("I live at 42 Elm Street, is there a clinic near", ["42 elm"]),
    ("email jane dot roe at gmail dot com please", ["jane", "roe", "gmail"]),
    ("write to jane.roe@example.org", ["jane.roe", "example"]),
    ("jane [at] example [dot] com", ["jane", "example"]),
    ("call me on five five five one two three four", ["five five five"]),
    ("my phone is 555-123-4567", ["555"]),
    ("text +44 7700 900123", ["7700"]),
])
def test_anonymise_masks_what_identifies_a_person(question: str, secrets: list[str]) -> None:
    masked = anonymise(question)
    for secret in secrets:
        assert secret not in masked, masked


@pytest.mark.parametrize("question", ["i am worried about addiction", "can i have 2 infusions a week",
                                      "is it normal to feel dizzy", "i am pregnant can i have ketamine"])
def test_anonymise_keeps_ordinary_questions(question: str) -> None:
    assert anonymise(question) == question


def test_record_is_private_and_old_entries_are_dropped_on_every_write() -> None:
    path = state_dir() / FILE
    today = dt.date(2026, 6, 30)
    record_unanswered("old question", today=today - dt.timedelta(days=40))
    record_unanswered("recent question", today=today - dt.timedelta(days=10))
    record_unanswered("new question", today=today)
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
    rows, bad = read_unanswered()
    assert {q for q, _ in rows} == {"recent question", "new question"} and bad == 0
    record_unanswered("another", retention_days=5, today=today)
    assert {q for q, _ in read_unanswered()[0]} == {"new question", "another"}
    assert not [p for p in path.parent.iterdir() if p.name != FILE]  # no temporary file left


def test_an_existing_world_readable_record_becomes_private() -> None:
    folder = state_dir()
    folder.mkdir(parents=True, mode=0o755)
    folder.chmod(0o755)
    (folder / FILE).write_text('{"q": "x", "day": "2026-01-01"}\n')
    (folder / FILE).chmod(0o644)
    record_unanswered("y")
    assert (folder / FILE).stat().st_mode & 0o777 == 0o600 and folder.stat().st_mode & 0o777 == 0o700


def test_bad_lines_are_skipped_with_a_count(capsys) -> None:
    folder = state_dir()
    folder.mkdir(parents=True)
    today = dt.date.today().isoformat()
    (folder / FILE).write_bytes(b'{"q": "can i drive", "day": "%s"}\n\xff\xfe not utf-8\nnot json\n[1, 2]\n'
                                b'{"q": "can i drive", "day": "%s"}\n' % (today.encode(), today.encode()))
    assert main(["unanswered"]) == 0
    out = capsys.readouterr().out
    assert "3 unreadable line(s) skipped" in out and "can i drive" in out


# -- 8. command-line edges -----------------------------------------------------------------------
def test_eval_save_into_a_missing_folder_is_one_line_before_the_run(tmp_path: Path) -> None:
    proc = run_cli(["eval", str(REPO / "tests/data/holdout.jsonl"), "--save", str(tmp_path / "nope" / "out.json")])
    assert "folder not found" in one_line(proc.stderr, proc.returncode, 2)


def test_unreadable_articles_folder_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    folder = article_folder(tmp_path)

    def denied(path: object) -> object:
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(os, "scandir", denied)  # as root a chmod 000 would not stop us
    assert main(["--corpus", str(folder), "ask", "hi"]) == 2
    assert "Permission denied" in one_line(capsys.readouterr().err, 2, 2)


def test_admin_hash_without_a_terminal_is_one_line() -> None:
    proc = run_cli(["admin-hash"], stdin=b"")
    assert "terminal" in one_line(proc.stderr, proc.returncode, 2)


def test_closed_stdout_is_one_line() -> None:
    proc = subprocess.run([sys.executable, "-c", "import os, sys, runpy; os.close(1); sys.argv = ['chatbot', 'ask', "
                           "'what is ketamine']; runpy.run_module('chatbot', run_name='__main__')"],
                          capture_output=False, stderr=subprocess.PIPE, cwd=REPO, timeout=HANG)
    one_line(proc.stderr, proc.returncode, 1)


def test_stdout_closed_by_the_reader_is_one_line(tmp_path: Path) -> None:
    questions = tmp_path / "q.txt"
    questions.write_text("what is ketamine\n" * 3000)
    proc = subprocess.Popen([sys.executable, "-m", "chatbot", "batch", "--json", str(questions)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    _, err = proc.communicate(timeout=HANG)
    assert "closed" in one_line(err, proc.returncode, 1)


@pytest.mark.parametrize("env", [{"LC_ALL": "C"}, {"PYTHONIOENCODING": "ascii"}, {"LC_ALL": "C", "PYTHONUTF8": "0",
                                                                                   "PYTHONIOENCODING": "latin-1"}])
def test_output_works_in_any_locale(env: dict[str, str]) -> None:
    proc = run_cli(["ask", "--json", "is ketamine addictive"], env=env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "answered"
    proc = run_cli(["ask", "is ketamine addictive"], env=env)
    assert proc.returncode == 0 and b"Quote 1" in proc.stdout and not proc.stderr, proc.stderr
    proc = run_cli(["batch", "-"], stdin="what is ketamine\nthanks \u2019\n".encode(), env=env)
    assert proc.returncode == 0 and not proc.stderr, proc.stderr


@pytest.mark.parametrize("value", ["nan", "inf", "-0.1", "1.5", "lots"])
def test_eval_gates_refuse_values_that_can_never_fail(value: str) -> None:
    proc = run_cli(["eval", str(REPO / "tests/data/holdout.jsonl"), "--min-hit1", value])
    assert proc.returncode == 2 and b"--min-hit1" in proc.stderr and b"Traceback" not in proc.stderr


@pytest.mark.parametrize("value", ["nan", "inf", "1e-9", "1e308", "0"])
def test_kiosk_time_out_option_is_checked(value: str) -> None:
    proc = run_cli(["kiosk", "--idle-timeout", value])
    assert proc.returncode == 2 and b"--idle-timeout" in proc.stderr and b"Traceback" not in proc.stderr


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "folder"])
def test_eval_on_a_special_file_does_not_hang(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "cases.jsonl"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    else:
        path = Path("/dev/zero")
    proc = run_cli(["eval", str(path)])
    one_line(proc.stderr, proc.returncode, 2)


def test_eval_with_a_fifo_among_the_articles_does_not_hang(tmp_path: Path) -> None:
    folder = article_folder(tmp_path)
    os.mkfifo(folder / "pipe.md")
    cases = tmp_path / "c.jsonl"
    cases.write_text('{"kind": "answer", "question": "how long does an infusion take", "gold": ["forty"]}\n')
    proc = run_cli(["--corpus", str(folder), "eval", str(cases), "--json"])
    assert proc.returncode in (0, 1) and json.loads(proc.stdout)


def test_numpy_is_declared() -> None:
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    assert any(d.split(">")[0].split("=")[0].strip() == "numpy" for d in deps)


@pytest.mark.parametrize("key", ["vocabulary", "cleaning_rules"])
def test_rule_files_named_in_settings_that_are_fifos_do_not_hang(tmp_path: Path, key: str) -> None:
    os.mkfifo(tmp_path / "rules.toml")
    cfg = tmp_path / "s.toml"
    cfg.write_text(f'{key} = "rules.toml"\n')
    proc = run_cli(["--config", str(cfg), "--no-cache", "ask", "hi"])
    assert "FIFO" in one_line(proc.stderr, proc.returncode, 2)


def test_batch_refuses_a_device_but_reads_a_pipe(tmp_path: Path) -> None:
    proc = run_cli(["batch", "/dev/zero"])
    assert "device" in one_line(proc.stderr, proc.returncode, 2)
    proc = run_cli(["batch", "--json", "/dev/stdin"], stdin=b"what is ketamine\n")
    assert proc.returncode == 0 and json.loads(proc.stdout)["status"] == "answered"
