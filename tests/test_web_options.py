"""`chatbot serve`'s options: defaults, checks with one clear line, and the frame-ancestors value."""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys

import pytest

from chatbot.cli import build_parser, named_command
from chatbot.frontends.web.options import WebOptions, frame_ancestors, web_options
from tests.conftest import REPO


def test_serve_defaults_are_safe() -> None:
    args = build_parser("serve").parse_args(["serve"])
    assert named_command(["--corpus", "x", "serve"]) == "serve"
    assert (args.host, args.port, args.workers) == ("127.0.0.1", 8000, 1)
    assert web_options(args) == WebOptions()
    assert WebOptions().frame_ancestors == "'none'" and WebOptions().rate_per_minute > 0


@pytest.mark.parametrize("given, expected", [
    ("'none'", "'none'"), ("none", "'none'"), ("self", "'self'"),
    ("https://clinic.example", "https://clinic.example"),
    ("'self' https://*.clinic.example:443/chat", "'self' https://*.clinic.example:443/chat"),
    ("https:", "https:"),
])
def test_frame_ancestors_accepts_sources(given: str, expected: str) -> None:
    assert frame_ancestors(given) == expected


@pytest.mark.parametrize("given", ["", "https://a.example; script-src *", "https://a.example,b", "'unsafe-inline'",
                                   "'none' https://a.example", "https://a.example\r\nSet-Cookie: x=1", "<b>"])
def test_frame_ancestors_refuses_anything_else(given: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        frame_ancestors(given)


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chatbot", *argv], capture_output=True, text=True, cwd=REPO,
                          timeout=60)


def test_bad_options_are_one_clear_line() -> None:
    proc = run("serve", "--frame-ancestors", "https://a.example;x", "--workers", "2")
    assert proc.returncode == 2 and "not a source a page may be framed by" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = run("serve", "--workers", "0")
    assert proc.returncode == 2 and "--workers must be between 1 and 64" in proc.stderr


def test_a_port_in_use_is_one_clear_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = run("serve", "--port", str(port))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"chatbot: port {port} on 127.0.0.1 is in use; choose another with --port"
