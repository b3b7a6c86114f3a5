"""The command line as a script or a person calls it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chatbot.cli import fast_args, main
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
    assert "Quote 1 · from" in out and "paragraph" not in out and "not medical advice" in " ".join(out.split())


def test_stdin_that_is_not_a_terminal_is_answered_like_batch() -> None:
    proc = run([], stdin="what is ketamine\nthanks\n")
    assert proc.returncode == 0 and "anesthetic" in proc.stdout and "welcome" in proc.stdout.lower()


def test_missing_questions_file_is_one_line() -> None:
    proc = run(["batch", "nope.txt"])
    assert proc.returncode == 2 and proc.stderr.strip() == "chatbot: questions file not found: nope.txt"


def test_global_options_after_the_command() -> None:
    proc = run(["ask", "--no-cache", "--json", "what is ketamine"])
    assert proc.returncode == 0 and json.loads(proc.stdout)["status"] == "answered"


@pytest.mark.parametrize("argv,expected", [
    (["ask", "--json", "what", "is", "it"], ("ask", True)),
    (["--corpus", "x", "batch", "-"], ("batch", False)),
    (["ask", "-h"], None), (["kiosk"], None), (["--corpus"], None), (["batch", "a", "b"], None),
])
def test_fast_path_agrees_with_argparse(argv: list[str], expected) -> None:
    args = fast_args(argv)
    if expected is None:
        assert args is None
    else:
        assert (args.command, args.json) == expected
