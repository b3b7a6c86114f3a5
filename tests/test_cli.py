"""The command line as a script or a person calls it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chatbot.cli import SUBCOMMANDS, build_parser, main, named_command
from tests.conftest import REPO


def run(argv: list[str], stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chatbot", *argv], input=stdin, capture_output=True, text=True,
                          cwd=REPO, env={**os.environ, **(env or {})}, timeout=120)


def test_help_and_version() -> None:
    assert "kiosk" in run(["--help"]).stdout
    assert run(["--version"]).stdout.startswith("chatbot ")


def test_ask_json_is_one_object(capsys) -> None:
    assert main(["ask", "--json", "how", "long", "does", "the", "drip", "take"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["question"] == "how long does the drip take" and data["status"] == "answered"


def test_batch_json_lines_in_order_skipping_blank_lines(tmp_path: Path, capsys) -> None:
    f = tmp_path / "q.txt"
    f.write_text("what is ketamine\n\n   \nI want to die\nhello\r\n")
    assert main(["batch", "--json", str(f)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["status"] for r in rows] == ["answered", "emergency", "smalltalk"]


def test_plain_ask_is_readable_with_sources() -> None:
    out = run(["ask", "does insurance cover ketamine"], env={"NO_COLOR": "1", "COLUMNS": "100"}).stdout
    assert "Quote 1 · Source: " in out and "paragraph" not in out and "not medical advice" in " ".join(out.split())
    assert "/more" not in out  # ask has no /more


def test_stdin_that_is_not_a_terminal_is_answered_like_batch() -> None:
    proc = run([], stdin="what is ketamine\nthanks\n")
    assert proc.returncode == 0 and "anesthetic" in proc.stdout and "welcome" in proc.stdout.lower()


def test_missing_questions_file_is_one_line() -> None:
    proc = run(["batch", "nope.txt"])
    assert proc.returncode == 2 and proc.stderr.strip() == "chatbot: questions file not found: nope.txt"


def test_global_options_after_the_command() -> None:
    proc = run(["ask", "--no-cache", "--json", "what is ketamine"])
    assert proc.returncode == 0 and json.loads(proc.stdout)["status"] == "answered"


@pytest.mark.parametrize("argv", [
    ["ask", "--json", "what", "is", "it"], ["--corpus", "x", "batch", "-"], ["--config", "ask", "batch", "f"],
    ["eval", "--min-hit1", "0.5", "c.jsonl"], ["--no-cache", "corpus", "-v"], ["kiosk", "--idle-timeout", "60"],
    ["unanswered", "--top", "3"], ["admin-hash"], ["chat", "--no-history"],
])
def test_the_parser_of_one_command_reads_it_as_the_full_parser_does(argv: list[str]) -> None:
    command = named_command(argv)
    assert command in SUBCOMMANDS
    assert build_parser(command).parse_args(argv) == build_parser().parse_args(argv)


@pytest.mark.parametrize("argv", [[], ["--corpus", "x"], ["akk", "x"], ["--debug"]])
def test_no_command_or_an_unknown_one_gets_the_full_grammar(argv: list[str]) -> None:
    assert named_command(argv) is None


def test_main_called_from_python_never_ends_the_process() -> None:
    """The early exit is for the program only: a test or a script that calls main() carries on."""
    import threading

    busy = threading.Event()
    thread = threading.Thread(target=busy.wait, name="semantic-model-test", daemon=True)
    thread.start()
    try:
        assert main(["ask", "--json", "what is ketamine"]) == 0
    finally:
        busy.set()
        thread.join()
