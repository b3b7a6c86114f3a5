"""Command line: argument parsing, and the only place that exits or prints errors.

Imports are deferred to the command that needs them, so `chatbot ask --json` starts quickly and
prompt-toolkit is loaded only by the chat and kiosk.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TextIO

from chatbot import __version__
from chatbot.errors import ChatbotError, UsageError

if TYPE_CHECKING:
    from chatbot.config import Settings
    from chatbot.engine import Engine

EXIT_INTERNAL = 70
EXIT_RUNTIME = 1
MAX_WARNINGS = 20


def _rate(text: str) -> float:
    """An argparse type: a finite rate between 0 and 1 (so that a gate like --min-hit1 can fail)."""
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be a rate between 0 and 1, not {text!r}")
    return value


def _seconds(text: str) -> float:
    """An argparse type: a kiosk time-out within the range the settings allow."""
    from chatbot.config import check_number

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    problem = check_number("kiosk_idle_timeout", value)
    if problem:
        raise argparse.ArgumentTypeError(problem.replace("setting 'kiosk_idle_timeout'", "the time-out"))
    return value


def _global_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    default: Any = argparse.SUPPRESS if suppress else None
    parser.add_argument("--corpus", metavar="DIR", default=default,
                        help="answer from this folder of .txt/.md articles instead of the bundled ones")
    parser.add_argument("--config", metavar="FILE", default=default, help="settings file (TOML)")
    parser.add_argument("--no-cache", action="store_true", default=argparse.SUPPRESS if suppress else False,
                        help="rebuild the index instead of using the on-disk cache")
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS if suppress else False,
                        help="show a traceback for unexpected errors")


def _chat(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("chat", parents=[common], help="interactive chat in the terminal (the default)")
    p.add_argument("--no-history", action="store_true", default=argparse.SUPPRESS,
                   help="do not save the input history")


def _ask(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("ask", parents=[common], help="answer one question")
    p.add_argument("question", nargs="+", help="the question (quote it, or write it as several words)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--all", action="store_true", help="show every passage found in full (not only what fits a screen)")


def _batch(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("batch", parents=[common], help="answer one question a line from FILE ('-' = stdin)")
    p.add_argument("file", help="a text file with one question a line, or - for standard input")
    p.add_argument("--json", action="store_true", help="print JSON Lines, one object per non-blank line")
    p.add_argument("--all", action="store_true", help="show every passage found in full (not only what fits a screen)")


def _kiosk(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("kiosk", parents=[common], help="locked-down full-screen mode for a shared terminal")
    p.add_argument("--idle-timeout", type=_seconds, metavar="SECONDS",
                   help="wipe the screen after this idle time (10 s to 1 day)")


def _admin_hash(sub: Any, common: argparse.ArgumentParser) -> None:
    sub.add_parser("admin-hash", parents=[common],
                   help="make the kiosk_admin_hash line for a staff passphrase (asked for twice)")


def _eval(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("eval", parents=[common], help="run scripted Q&A cases and report")
    p.add_argument("cases", nargs="*", help="cases (.jsonl) or conversation scripts (.txt/.conv)")
    p.add_argument("--example", action="store_true", help="print a small example case file and stop")
    p.add_argument("--json", action="store_true", help="print one JSON object with the rates")
    p.add_argument("--compare", metavar="PREVIOUS.json", help="show what changed since a saved --json run")
    p.add_argument("--save", metavar="FILE", help="also write the --json result to FILE")
    p.add_argument("--seeds", metavar="DIR", help="raw articles for the verbatim check (default: the corpus)")
    for rate in ("hit1", "hit3", "mrr", "abstain", "emergency", "advice", "smalltalk", "conversations"):
        p.add_argument(f"--min-{rate}", type=_rate, metavar="RATE", help=f"fail if the {rate} rate is below RATE")
    p.add_argument("--max-false-alarms", type=int, default=0, metavar="N",
                   help="fail if more than N non-emergency cases get the crisis panel (default 0)")


def _corpus(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("corpus", parents=[common], help="show what the cleaner kept and removed, per article")
    p.add_argument("--verbose", "-v", action="store_true", help="also list the kept passages")


def _unanswered(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("unanswered", parents=[common],
                       help="list the most frequent questions that got no answer (if recording is on)")
    p.add_argument("--top", type=int, default=20, help="how many to list")
    p.add_argument("--clear", action="store_true", help="delete the recorded questions")
    p.add_argument("--template", action="store_true",
                   help="print them as a reviewed_questions.toml for staff to complete (answer each with words "
                        "copied from an article, or false) and put in the articles folder")


def _serve(sub: Any, common: argparse.ArgumentParser) -> None:
    from chatbot.frontends.web.options import add_arguments

    add_arguments(sub.add_parser("serve", parents=[common],
                                 help="the HTTP API and the chat page for the clinic's website"))


def _index(sub: Any, common: argparse.ArgumentParser) -> None:
    sub.add_parser("index", parents=[common],
                   help="build the index and the sentence vectors of the articles now, with progress (resumable)")


SUBCOMMANDS = {"chat": _chat, "ask": _ask, "batch": _batch, "kiosk": _kiosk, "admin-hash": _admin_hash,
               "eval": _eval, "corpus": _corpus, "unanswered": _unanswered, "serve": _serve, "index": _index}
_VALUED = ("--corpus", "--config")


def named_command(argv: Sequence[str]) -> str | None:
    """The subcommand ``argv`` names, if it names one of ours (global options may come first)."""
    rest = list(argv)
    while rest:
        word = rest.pop(0)
        if word in _VALUED:
            if rest:
                rest.pop(0)
        elif not word.startswith("-"):
            return word if word in SUBCOMMANDS else None
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The one argument grammar. ``command``: build only that subcommand's parser (a script that calls
    ``chatbot ask`` in a loop does not pay for the other seven); None builds them all, for help and
    for any mistake, so that argparse's own messages list every command."""
    parser = argparse.ArgumentParser(
        prog="chatbot",
        description="Answers patients' questions about ketamine for chronic pain by quoting the clinic's articles.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _global_options(parser, suppress=False)
    parser.add_argument("--no-history", action="store_true", help="chat: do not save the input history")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, suppress=True)
    for name, add in SUBCOMMANDS.items():
        if command is None or name == command:
            add(sub, common)
    return parser


# -- shared set-up -------------------------------------------------------------------------------
def load_settings_for(args: argparse.Namespace) -> Settings:
    from chatbot.config import load_settings

    return load_settings(args.config)


def tidy_folders(settings: Settings) -> None:
    """Temporaries left by a write that was killed (SIGKILL, power loss) go at start-up, in every folder
    the program writes atomically: the index cache with its checkpoint folders, the default cache (the
    word list) and the state folder (history, unanswered record)."""
    from chatbot.infra.locations import cache_dir, state_dir
    from chatbot.infra.safefile import tidy_at_start

    tidy_at_start([cache_dir(settings.cache_dir), cache_dir(), state_dir()])


def make_engine(args: argparse.Namespace, settings: Settings) -> Engine:
    from chatbot.articles.knowledge import open_knowledge
    from chatbot.engine import Engine
    from chatbot.retrieval.background import discard_preload, preload_model

    if settings.semantic:
        preload_model()  # in its own process, while the articles and the safety rules load
    try:
        folder = args.corpus or settings.corpus or None
        kb = open_knowledge(folder, settings, use_cache=not args.no_cache)
        return Engine(kb, settings)
    finally:
        discard_preload()  # if no engine took it (the articles could not be read)


@contextmanager
def waiting(console: Any = None, text: str = "") -> Iterator[None]:
    """A calm rich status line ("One moment, getting the articles ready…") while something that can
    take more than a second runs: on ``console`` (the chat's and the kiosk's screen) when it is a
    terminal, else on standard error, and only when that is a terminal (never in a pipe or a log)."""
    from chatbot.frontends.render import WAIT_LINE

    if console is None:
        console = make_console(sys.stderr)
    if not console.is_terminal:
        yield
        return
    with console.status(text or WAIT_LINE, spinner="dots"):
        yield


def ask_waiting(engine: Engine, question: str, console: Any = None) -> Any:
    """``engine.ask``, with the status line while the sentence model and the passage vectors are
    still being got ready (a first question waits for them)."""
    if engine.semantic.ready():
        return engine.ask(question)
    with waiting(console):
        return engine.ask(question)


def make_console(file: TextIO | None = None) -> Any:
    from rich.console import Console

    return Console(file=file, highlight=False, emoji=False, markup=False)


def _problems(engine: Engine) -> None:
    """One line on standard error for each article that could not be used (never on stdout), the
    first ``MAX_WARNINGS`` of them and then a count: a folder of 2,500 bad files is not 2,500 lines."""
    from chatbot.infra.sanitise import clean_line

    problems = engine.kb.problems
    shown = problems if len(problems) <= MAX_WARNINGS + 1 else problems[:MAX_WARNINGS]
    for line in shown:
        sys.stderr.write(f"chatbot: warning: {clean_line(line)}\n")
    if len(shown) < len(problems):
        sys.stderr.write(f"chatbot: warning: and {len(problems) - len(shown):,} more; see `chatbot corpus`\n")


def _json_line(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data, ensure_ascii=not _utf8(sys.stdout)) + "\n"


def _utf8(stream: TextIO | None) -> bool:
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    return encoding.startswith("utf")


def _search_warning(engine: Engine) -> None:
    """One line on standard error when the sentence model could not be used (keyword search only)."""
    if engine.semantic.ready() and engine.search_problem:
        sys.stderr.write(f"chatbot: warning: {engine.search_problem}\n")
    elif engine.semantic.ready() and getattr(engine.semantic, "note", None):
        sys.stderr.write(f"chatbot: note: {engine.semantic.note}\n")
    if engine.semantic.ready() and getattr(engine.semantic, "memory_problem", None):
        sys.stderr.write(f"chatbot: warning: {engine.semantic.memory_problem}\n")
    for problem in (engine.multilingual.problem, engine.safety.problem):
        if problem:  # asked about a message in another language, and it could not be used
            sys.stderr.write(f"chatbot: warning: {problem}\n")


# -- commands ------------------------------------------------------------------------------------
def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    with waiting():
        engine = make_engine(args, settings)
    _problems(engine)
    question = " ".join(args.question)
    answer = ask_waiting(engine, question)
    _search_warning(engine)
    if args.json:
        sys.stdout.write(_json_line(answer.to_dict()))
        return 0
    from chatbot.frontends.render import ask_renderable

    console = make_console()
    console.print(ask_renderable(answer, engine.highlights, settings.disclaimer_short, _answer_lines(console),
                                 everything=getattr(args, "all", False)))
    return 0


def _answer_lines(console: Any) -> int:
    """How many lines `ask` and `batch` give one answer: 22 (an 80x24 terminal less the prompts), or
    the terminal's height less 2 when standard output is a terminal."""
    from chatbot.frontends.render import ASK_LINES

    if console.is_terminal:
        return max(5, console.size.height - 2)
    return ASK_LINES


def _read_lines(path: str) -> Iterator[str]:
    """Lines of a file or stdin, decoded leniently: a bad byte must not lose the other questions."""
    if path == "-":
        stream = sys.stdin.buffer
        for raw in stream:
            yield raw.decode("utf-8", errors="replace")
        return
    import stat

    try:
        mode = os.stat(path).st_mode
    except OSError:
        mode = 0  # reported by open() below
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISSOCK(mode):
        raise UsageError(f"not a file of questions: {_shown(path)} (a device)")
    try:  # a FIFO is fine here (`batch <(…)`): it is read line by line as it arrives
        with open(path, "rb") as fh:
            for raw in fh:
                yield raw.decode("utf-8", errors="replace")
    except FileNotFoundError:
        raise UsageError(f"questions file not found: {_shown(path)}") from None
    except IsADirectoryError:
        raise UsageError(f"not a file: {_shown(path)}") from None
    except OSError as exc:
        raise UsageError(f"cannot read questions file {_shown(path)}: {exc.strerror}") from None


def cmd_batch(args: argparse.Namespace, settings: Settings) -> int:
    with waiting():
        engine = make_engine(args, settings)
    _problems(engine)
    if args.json:
        import json

        out = sys.stdout
        dumps = json.dumps
        ascii_only = not _utf8(out)
        for line in _read_lines(args.file):
            if not line.strip():
                continue
            out.write(dumps(ask_waiting(engine, line.rstrip("\r\n")).to_dict(), ensure_ascii=ascii_only) + "\n")
        out.flush()
        _search_warning(engine)
        return 0
    from rich.rule import Rule

    from chatbot.frontends.render import ask_renderable

    console = make_console()
    lines = _answer_lines(console) - 1  # the rule under each answer
    for line in _read_lines(args.file):
        if not line.strip():
            continue
        console.print(ask_renderable(ask_waiting(engine, line.rstrip("\r\n")), engine.highlights, settings.disclaimer_short,
                                     lines, everything=getattr(args, "all", False)))
        console.print(Rule(style="dim"))
    _search_warning(engine)
    return 0


def cmd_corpus(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from chatbot.staff.reports import print_corpus_report, report

    folder = args.corpus or settings.corpus or None
    from chatbot.articles.cleaning import load_rules

    with waiting(text="Reading and cleaning the articles…"):
        reports, problems = report(Path(folder) if folder else None, settings)
    print_corpus_report(make_console(), reports, problems, verbose=args.verbose,
                        rules=load_rules(settings.cleaning_rules or None))
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    if not sys.stdin.isatty():
        args.file, args.json = "-", False
        return cmd_batch(args, settings)
    console = make_console()
    with waiting(console):
        engine = make_engine(args, settings)
    _problems(engine)
    from chatbot.frontends.repl import run_chat

    return run_chat(engine, settings, console, history=settings.history and not args.no_history,
                    debug=args.debug)


def cmd_kiosk(args: argparse.Namespace, settings: Settings) -> int:
    with waiting(make_console()):
        engine = make_engine(args, settings)
    from chatbot.frontends.kiosk import run_kiosk

    timeout = args.idle_timeout if args.idle_timeout is not None else settings.kiosk_idle_timeout
    if timeout <= 0:
        raise UsageError("--idle-timeout must be a positive number of seconds")
    return run_kiosk(engine, settings, idle_timeout=timeout)


def cmd_admin_hash(args: argparse.Namespace, settings: Settings) -> int:
    import getpass

    from chatbot.frontends.adminpass import make_hash

    if not sys.stdin or not sys.stdin.isatty():
        raise UsageError("admin-hash asks for the passphrase at a terminal; run it in one (standard input is not)")
    try:
        first = getpass.getpass("New staff passphrase: ")
        if len(first) < 8:
            raise UsageError("the passphrase must have at least 8 characters")
        if getpass.getpass("Again: ") != first:
            raise UsageError("the two passphrases differ")
    except EOFError:
        raise UsageError("no passphrase given") from None
    sys.stdout.write(f'kiosk_admin_hash = "{make_hash(first)}"\n')
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from chatbot.infra.locations import bundled_corpus_dir
    from chatbot.staff.evaluation import run_eval_command

    folder = args.corpus or settings.corpus
    corpus_dir = Path(folder) if folder else bundled_corpus_dir()
    if args.save:  # found out before the run, not after it
        target = Path(args.save)
        if not target.parent.is_dir():
            raise UsageError(f"--save: folder not found: {_shown(str(target.parent))}")
        if target.is_dir():
            raise UsageError(f"--save: {_shown(args.save)} is a folder, not a file")
    engine = None if args.example or not args.cases else make_engine(args, settings)
    return run_eval_command(args, engine, make_console(), corpus_dir)


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    from chatbot.staff.indexing import run_index

    if args.no_cache:
        raise UsageError("index builds the cache; it cannot be used with --no-cache")
    return run_index(args.corpus or settings.corpus or None, settings, make_console(sys.stderr), sys.stdout)


def cmd_unanswered(args: argparse.Namespace, settings: Settings) -> int:
    from chatbot.staff.review import print_unanswered

    return print_unanswered(make_console(), settings, top=args.top, clear=args.clear, template=args.template)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from chatbot.frontends.web.server import check_port, check_tls, limit_threads, serve

    limit_threads()  # before anything imports numpy, here and in the workers
    from chatbot.articles.knowledge import open_knowledge

    check_port(args.host, args.port)
    check_tls(args.tls_cert, args.tls_key)
    # the articles are read (and their index cached) once here, so that a bad folder is one clear line
    # now rather than an error in every worker, and the workers start from the prepared index
    open_knowledge(args.corpus or settings.corpus or None, settings, use_cache=not args.no_cache)
    return serve(args, "chatbot.cli:web_app")


def web_app() -> Any:
    """The ASGI app of one `chatbot serve` worker: uvicorn calls this in each worker process."""
    from chatbot.frontends.web.server import worker_app

    return worker_app(load_settings_for, make_engine)


COMMANDS = {
    "ask": cmd_ask, "batch": cmd_batch, "corpus": cmd_corpus, "chat": cmd_chat, "kiosk": cmd_kiosk,
    "eval": cmd_eval, "unanswered": cmd_unanswered, "admin-hash": cmd_admin_hash, "serve": cmd_serve,
    "index": cmd_index,
}


def _shown(text: str) -> str:
    from chatbot.infra.sanitise import clean_line

    return clean_line(text)


def _prepare_streams() -> bool:
    """Make output work in any locale: a stream that cannot encode a character writes a replacement
    instead of failing (LC_ALL=C, PYTHONIOENCODING=ascii). False when standard output is closed."""
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and not _utf8(stream) and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="replace")
            except (ValueError, OSError):
                pass
    return sys.stdout is not None


def _error_lines(message: str) -> str:
    return "".join(f"chatbot: {_shown(line)}\n" for line in message.splitlines() or [""])


def _silence_stdout() -> None:
    try:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
    except OSError:
        pass


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not _prepare_streams():
        sys.stderr.write("chatbot: standard output is closed; nothing can be shown\n")
        return EXIT_RUNTIME
    args = build_parser(named_command(argv)).parse_args(argv)
    for name, default in (("corpus", None), ("config", None), ("no_cache", False), ("debug", False)):
        if not hasattr(args, name):
            setattr(args, name, default)
    command = args.command or "chat"
    import errno

    try:
        settings = load_settings_for(args)
        tidy_folders(settings)
        code = COMMANDS[command](args, settings)
        sys.stdout.flush()  # a closed pipe is found here, inside the handlers, not at exit
        return code
    except ChatbotError as exc:
        sys.stderr.write(_error_lines(str(exc)))
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return 130
    except OSError as exc:
        if isinstance(exc, BrokenPipeError) or exc.errno in (errno.EPIPE, errno.EBADF):
            _silence_stdout()
            sys.stderr.write("chatbot: standard output was closed before everything was written\n")
            return EXIT_RUNTIME
        if args.debug:
            raise
        where = f": {_shown(str(exc.filename))}" if exc.filename else ""
        sys.stderr.write(f"chatbot: {exc.strerror or exc}{where}\n")
        return EXIT_RUNTIME
    except Exception as exc:  # the last line of defence: one clear line, never a traceback
        if args.debug:
            raise
        sys.stderr.write(f"chatbot: unexpected error: {type(exc).__name__}: {exc} (run with --debug for details)\n")
        return EXIT_INTERNAL
